"""Validate every signature of a PDF with pyHanko and print one JSON report on stdout.

Usage: pyhanko_report.py FILE.pdf TRUST_ROOT.pem

The Rust test support (tests/support/mod.rs) parses the output. The CLI's executive summary
folds everything into one word; tests need the separate verdicts (intact, valid, trusted,
coverage, modification level, DocMDP) to say *what* broke.

Revocation is not checked (test certificates carry no CRL/OCSP URLs) and nothing is fetched.
A signature that cannot be validated gets its exception text in "error" instead of aborting
the whole report, so one bad signature does not hide the verdicts on the others.
"""

import json
import sys
import traceback

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext


def name_of(enum_value):
    return None if enum_value is None else enum_value.name


def iso(dt):
    return None if dt is None else dt.isoformat()


def timestamp_report(ts):
    if ts is None:
        return None
    return {
        "intact": ts.intact,
        "valid": ts.valid,
        "trusted": ts.trusted,
        "time": iso(ts.timestamp),
        "tsa_subject": ts.signing_cert.subject.human_friendly,
    }


def validate_one(reader, field_name, sig_field, root):
    # One context per signature: the sync wrappers release the context when they finish.
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="none")
    emb = EmbeddedPdfSignature(reader, sig_field, field_name)
    kind = emb.sig_object_type
    report = {"field": field_name, "type": kind, "subfilter": str(emb.sig_object.get("/SubFilter"))}
    if kind == "/DocTimeStamp":
        status = validate_pdf_timestamp(emb, validation_context=vc)
        report["timestamp"] = timestamp_report(status)
        report["signer_subject"] = status.signing_cert.subject.human_friendly
        report["bottom_line"] = status.valid and status.intact and status.trusted
    else:
        status = validate_pdf_signature(emb, signer_validation_context=vc)
        report["timestamp"] = timestamp_report(status.timestamp_validity)
        report["signer_subject"] = status.signing_cert.subject.human_friendly
        report["signer_reported_time"] = iso(status.signer_reported_dt)
        report["seed_value_ok"] = status.seed_value_ok
        report["bottom_line"] = status.bottom_line
    report.update(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        trust_problem=name_of(status.trust_problem_indic),
        coverage=name_of(status.coverage),
        modification_level=name_of(status.modification_level),
        docmdp_ok=status.docmdp_ok,
        md_algorithm=status.md_algorithm,
        summary=status.summary(),
        error=None,
    )
    return report


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pyhanko_report.py FILE.pdf TRUST_ROOT.pem")
    path, root_path = sys.argv[1:]
    root = load_cert_from_pemder(root_path)
    out = {"file": path, "error": None, "signatures": []}
    try:
        with open(path, "rb") as f:
            reader = PdfFileReader(f)
            if reader.encrypted:
                # Signet signs only encrypted files that open with the empty user password;
                # pyHanko, unlike qpdf and poppler, does not try it by itself.
                reader.decrypt("")
            for field_name, _value, sig_field in enumerate_sig_fields(reader, filled_status=True):
                try:
                    out["signatures"].append(validate_one(reader, field_name, sig_field, root))
                except Exception as e:  # noqa: BLE001 - report, don't abort
                    out["signatures"].append(
                        {"field": field_name, "error": f"{type(e).__name__}: {e}",
                         "traceback": traceback.format_exc()}
                    )
    except Exception as e:  # noqa: BLE001 - an unreadable file is a verdict, not a crash
        out["error"] = f"{type(e).__name__}: {e}"
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
