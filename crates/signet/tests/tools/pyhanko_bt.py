"""Judge every signature of a PDF with pyHanko, trusting the given roots; print JSON.

Usage: pyhanko_bt.py FILE.pdf ROOT.pem [ROOT.pem ...]

tests/timestamp.rs reads the report: a PAdES B-T signature is intact, valid and trusted, and
carries a signature timestamp that is itself intact, valid and trusted (the TSA's root is one
of the roots given). Revocation is not checked and nothing is fetched.
"""

import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def main():
    path, roots = sys.argv[1], [load_cert_from_pemder(p) for p in sys.argv[2:]]
    out = []
    with open(path, "rb") as f:
        reader = PdfFileReader(f)
        for sig in reader.embedded_signatures:
            # One context each: validation consumes it.
            ctx = lambda: ValidationContext(
                trust_roots=roots, allow_fetching=False, revocation_mode="none"
            )
            status = validate_pdf_signature(
                sig, signer_validation_context=ctx(), ts_validation_context=ctx()
            )
            ts = status.timestamp_validity
            out.append({
                "field": sig.field_name,
                "subfilter": str(sig.sig_object.get("/SubFilter")),
                "intact": status.intact,
                "valid": status.valid,
                "trusted": status.trusted,
                "bottom_line": status.bottom_line,
                "timestamp": None if ts is None else {
                    "intact": ts.intact,
                    "valid": ts.valid,
                    "trusted": ts.trusted,
                    "tsa": ts.signing_cert.subject.human_friendly,
                },
                "summary": status.summary(),
            })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
