"""A real RFC 3161 timestamp authority for tests: `openssl ts -reply` behind HTTP.

Usage: tsa_server.py --config tsa.cnf [--port 0] [--mode ok|http-error|garbage|hang]
                     [--keep-running]

POST an `application/timestamp-query` body; the answer is `application/timestamp-reply`.
Prints the port it listens on (one line) so that a caller can ask for port 0. Exits when its
stdin reaches EOF, i.e. when the test process that started it dies, so it never outlives a
crashed test (--keep-running turns that off, for use by hand with stdin closed).
One request at a time: openssl rewrites the serial file on every reply.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

OPENSSL = os.environ.get("OPENSSL", "openssl")


class Handler(BaseHTTPRequestHandler):
    config = None
    mode = "ok"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        query = self.rfile.read(length)
        if self.mode == "hang":
            time.sleep(3600)
        if self.mode == "http-error":
            return self.send_error(500, "test TSA told to fail")
        if self.headers.get_content_type() != "application/timestamp-query":
            return self.send_error(415, "expected application/timestamp-query")
        if self.mode == "garbage":
            return self.answer(os.urandom(64))
        with tempfile.TemporaryDirectory() as tmp:
            query_file = os.path.join(tmp, "query.tsq")
            reply_file = os.path.join(tmp, "reply.tsr")
            with open(query_file, "wb") as f:
                f.write(query)
            proc = subprocess.run(
                [OPENSSL, "ts", "-reply", "-config", self.config,
                 "-queryfile", query_file, "-out", reply_file],
                capture_output=True,
            )
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr.decode(errors="replace"))
                return self.send_error(500, "openssl ts -reply failed")
            with open(reply_file, "rb") as f:
                self.answer(f.read())

    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
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
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", choices=["ok", "http-error", "garbage", "hang"], default="ok")
    parser.add_argument("--keep-running", action="store_true")
    args = parser.parse_args()
    Handler.config = args.config
    Handler.mode = args.mode
    server = HTTPServer(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    if not args.keep_running:
        threading.Thread(target=exit_when_parent_dies, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
