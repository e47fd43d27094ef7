"""pyHanko's judgement of every signature in each PDF given, trusting one root.

    validate_pdfs.py ROOT.pem FILE.pdf...

Exits 1 naming the first signature that is not intact, valid and trusted, or whose revision
made changes a signature may not (pyHanko's diff analysis). One process for many files: the
import alone takes longer than validating one of them.
"""
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def main(root_path, files):
    root = load_cert_from_pemder(root_path)
    for name in files:
        with open(name, "rb") as f:
            reader = PdfFileReader(f, strict=True)
            signatures = reader.embedded_signatures
            if not signatures:
                print(f"{name}: no signature")
                return 1
            for i, sig in enumerate(signatures):
                context = ValidationContext(trust_roots=[root])
                status = validate_pdf_signature(sig, context)
                if not status.bottom_line:
                    print(f"{name}: signature {i + 1}:\n{status.pretty_print_details()}")
                    return 1
    print(f"{len(files)} files valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
