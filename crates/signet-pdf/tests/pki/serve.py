"""Revocation data for a PKI that make-pki.sh wrote: OCSP and CRLs over HTTP on one port.

Usage: serve.py PKI_DIR PORT [--mode ok|garbage|http-error|hang] [--keep-running]

  POST (any path), Content-Type application/ocsp-request   OCSP (RFC 6960), answered by
                                                           `openssl ocsp -index` per request
  GET /ocsp/<base64 request>                               the same, RFC 6960 appendix A.1
  GET /crl/<name>.crl                                      PKI_DIR/crl/<name>.crl (DER)

PORT must be the one given to make-pki.sh: the certificates name it. Prints the port (one line)
once it listens. Exits when its stdin reaches EOF, i.e. when the process that started it dies,
so it never outlives a crashed test; --keep-running turns that off (for use by hand).
--mode answers every request wrongly: random bytes, HTTP 500, or never.

OCSP answers come from the intermediate's database (PKI_DIR/intermediate-db/index.txt), signed
by the delegated responder (ocsp.pem), with nextUpdate a day after thisUpdate. Revoke another
certificate with `openssl ca -config PKI_DIR/intermediate.cnf -revoke CERT.pem` and, for the
CRL, regenerate it as make-pki.sh's gencrl does; OCSP sees the change at the next request.
"""

import argparse
import base64
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPENSSL = os.environ.get("OPENSSL", "openssl")
MAX_REQUEST = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    pki = None
    mode = "ok"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST:
            return self.send_error(413)
        body = self.rfile.read(length)
        if self.refuse_by_mode():
            return
        if self.headers.get_content_type() != "application/ocsp-request":
            return self.send_error(415, "expected application/ocsp-request")
        self.ocsp(body)

    def do_GET(self):
        if self.refuse_by_mode():
            return
        path = urllib.parse.urlsplit(self.path).path
        crl = re.fullmatch(r"/crl/([A-Za-z0-9_-]+\.crl)", path)
        if crl:
            file = os.path.join(self.pki, "crl", crl.group(1))
            if not os.path.isfile(file):
                return self.send_error(404)
            with open(file, "rb") as f:
                return self.answer(f.read(), "application/pkix-crl")
        if path.startswith("/ocsp/"):
            encoded = urllib.parse.unquote(path[len("/ocsp/"):])
            try:
                request = base64.b64decode(encoded, validate=True)
            except ValueError:
                return self.send_error(400, "not base64")
            return self.ocsp(request)
        self.send_error(404)

    def refuse_by_mode(self):
        if self.mode == "hang":
            time.sleep(3600)
        if self.mode == "http-error":
            self.send_error(500, "test responder told to fail")
            return True
        if self.mode == "garbage":
            self.answer(os.urandom(64), "application/ocsp-response")
            return True
        return False

    def ocsp(self, request):
        pki = self.pki
        with tempfile.TemporaryDirectory() as tmp:
            request_file = os.path.join(tmp, "request.der")
            response_file = os.path.join(tmp, "response.der")
            with open(request_file, "wb") as f:
                f.write(request)
            proc = subprocess.run(
                [OPENSSL, "ocsp",
                 "-index", os.path.join(pki, "intermediate-db", "index.txt"),
                 "-CA", os.path.join(pki, "intermediate.pem"),
                 "-rsigner", os.path.join(pki, "ocsp.pem"),
                 "-rkey", os.path.join(pki, "ocsp.key"),
                 "-ndays", "1",
                 "-reqin", request_file, "-respout", response_file],
                capture_output=True,
            )
            if proc.returncode != 0 or not os.path.isfile(response_file):
                sys.stderr.write(proc.stderr.decode(errors="replace"))
                return self.send_error(500, "openssl ocsp failed")
            with open(response_file, "rb") as f:
                self.answer(f.read(), "application/ocsp-response")

    def answer(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # test output stays readable; failures go to stderr above


def exit_when_parent_dies():
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pki_dir")
    parser.add_argument("port", type=int)
    parser.add_argument("--mode", choices=["ok", "garbage", "http-error", "hang"], default="ok")
    parser.add_argument("--keep-running", action="store_true")
    args = parser.parse_args()
    Handler.pki = os.path.abspath(args.pki_dir)
    Handler.mode = args.mode
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    if not args.keep_running:
        threading.Thread(target=exit_when_parent_dies, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
