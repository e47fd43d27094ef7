//! Every valid fixture of the corpus is signed once and then three times in sequence (RSA-2048
//! with a typed mark, ECDSA P-256 invisible, RSA-3072 with a drawn mark), and after each
//! step the file must pass `qpdf --check`, poppler's `pdfsig`, pyHanko and our own verifier.
//! Hostile fixtures must be refused or stay harmless, quickly and without a panic.

mod support;

use std::time::{Duration, Instant};

use signet_pdf::keys;
use signet_pdf::sign::sign;
use signet_pdf::verify::verify;
use signet_pdf::{Document, Limits, write};
use support::TempDir;
use support::corpus::corpus;
use support::signing::{options, sign_file_and_validate, signer};

/// Signs `input` in sequence with each signer and checks the result after each signature.
fn sign_and_validate(name: &str, rounds: usize) {
    let c = corpus();
    sign_file_and_validate(c.path(name), name, rounds, c.pki);
}

macro_rules! corpus_tests {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        mod $test {
            #[test]
            fn signed_once() {
                super::sign_and_validate($file, 1);
            }
            #[test]
            fn signed_three_times() {
                super::sign_and_validate($file, 3);
            }
        }
    )*};
}

corpus_tests! {
    krilla => "krilla-3-pages.pdf",
    lopdf => "lopdf-1-page.pdf",
    qpdf_object_streams => "qpdf-object-streams.pdf",
    qpdf_linearized => "qpdf-linearized.pdf",
    already_signed_by_pyhanko => "signed-by-pyhanko.pdf",
    rotated_and_cropped => "rotate-cropbox.pdf",
    pdf_1_3_classic_xref => "pdf-1.3-classic-xref.pdf",
    pdf_2_0 => "pdf-2.0.pdf",
    two_revisions => "two-revisions.pdf",
    pages_1000 => "pages-1000.pdf",
    pages_500_10mb => "pages-500-10mb.pdf",
    big_50mb => "big-50mb.pdf",
}

#[test]
fn every_valid_fixture_is_covered() {
    let covered = [
        "krilla-3-pages.pdf",
        "lopdf-1-page.pdf",
        "qpdf-object-streams.pdf",
        "qpdf-linearized.pdf",
        "signed-by-pyhanko.pdf",
        "rotate-cropbox.pdf",
        "pdf-1.3-classic-xref.pdf",
        "pdf-2.0.pdf",
        "two-revisions.pdf",
        "pages-1000.pdf",
        "pages-500-10mb.pdf",
        "big-50mb.pdf",
    ];
    for f in corpus().valid() {
        assert!(covered.contains(&f.name), "{} has no signing test", f.name);
    }
}

/// Hostile files: each is refused with its own error, or (where the hostile part is an object
/// a signature never reads, since the reader is lazy) opens and signs into a valid file. Either
/// way quickly and without a panic.
#[test]
fn hostile_fixtures_are_refused_or_harmless() {
    let c = corpus();
    let expected: &[(&str, Option<&str>)] = &[
        ("truncated.pdf", Some("file.pdf.corrupt")),
        ("garbage.pdf", Some("file.not.pdf")),
        ("header-then-garbage.pdf", Some("file.pdf.corrupt")),
        ("encrypted-user-password.pdf", Some("file.pdf.encrypted")),
        // Opens with the empty password, but forbids changes (crypt.rs explains the rule).
        (
            "encrypted-empty-user-password.pdf",
            Some("file.pdf.restricted"),
        ),
        ("trailer-size-huge.pdf", Some("file.pdf.limit")),
        // Opens only by repair: signing refuses until `write::repair` rewrote it.
        ("xref-prev-loop.pdf", None),
        ("objstm-10m-objects.pdf", None),
        ("deeply-nested-arrays.pdf", None),
        ("flate-bomb.pdf", None),
    ];
    for f in c.broken() {
        let (_, code) = expected
            .iter()
            .find(|(n, _)| *n == f.name)
            .unwrap_or_else(|| panic!("no expectation for hostile fixture {}", f.name));
        let bytes = std::fs::read(&f.path).unwrap();
        let start = Instant::now();
        let opened = Document::open(&bytes, &Limits::default());
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{}: took {:?}",
            f.name,
            start.elapsed()
        );
        match (code, opened) {
            // Readable (so verifiable), but not to be changed.
            (Some("file.pdf.restricted"), Ok(_)) => {
                let pki = c.pki;
                let refused = sign(&bytes, &options(0, "x"), &signer(&pki.rsa2048, pki), None);
                assert_eq!(refused.unwrap_err().code(), "file.pdf.restricted");
            }
            (Some(code), Err(e)) => assert_eq!(e.code(), *code, "{}: {e}", f.name),
            (Some(code), Ok(_)) => panic!("{}: opened, expected {code}", f.name),
            (None, Err(e)) => panic!("{}: refused with {e}", f.name),
            (None, Ok(doc)) => {
                let pki = c.pki;
                let s = signer(&pki.rsa2048, pki);
                let input = if doc.was_repaired() {
                    let refused = sign(&bytes, &options(1, "x"), &s, None).unwrap_err();
                    assert_eq!(refused.code(), "file.pdf.corrupt", "{}", f.name);
                    write::repair(&bytes, &Limits::default())
                        .unwrap()
                        .expect("needs repair")
                } else {
                    bytes.clone()
                };
                let appended = sign(&input, &options(0, "Asha"), &s, None)
                    .unwrap_or_else(|e| panic!("{}: {e}", f.name));
                let dir = TempDir::new(&format!("hostile-{}", f.name));
                let out = dir.path().join(f.name);
                std::fs::write(&out, [input.as_slice(), &appended].concat()).unwrap();
                let roots =
                    keys::load_certificates_pem(std::str::from_utf8(&pki.root.cert_pem).unwrap())
                        .unwrap();
                let report =
                    verify(&std::fs::read(&out).unwrap(), &roots, &Limits::default()).unwrap();
                assert!(report.all_good(), "{}: {report:#?}", f.name);
            }
        }
    }
}

fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[at] ^= 1;
    v
}

#[test]
fn an_altered_byte_in_any_signed_range_is_reported() {
    let c = corpus();
    let pki = c.pki;
    let s = signer(&pki.rsa2048, pki);
    let original = std::fs::read(c.path("krilla-3-pages.pdf")).unwrap();
    let first = sign(&original, &options(1, "One"), &s, None).unwrap();
    let once = [original.as_slice(), &first].concat();
    let second = sign(&once, &options(1, "Two"), &s, None).unwrap();
    let twice = [once.as_slice(), &second].concat();
    let roots =
        keys::load_certificates_pem(std::str::from_utf8(&pki.root.cert_pem).unwrap()).unwrap();
    // A byte of the original (covered by both), then one of the second signature's own
    // dictionary (covered by the second only), then a byte of the last trailer: the reader
    // then falls back to the earlier revision, and the verifier must not call that good.
    let clean = verify(&twice, &roots, &Limits::default()).unwrap();
    assert!(
        clean.all_good() && clean.signatures.len() == 2,
        "{clean:#?}"
    );
    let report = verify(&flipped(&twice, 100), &roots, &Limits::default()).unwrap();
    assert!(!report.all_good());
    assert!(report.signatures.iter().all(|s| !s.digest_matches));
    let name_at = once.len()
        + twice[once.len()..]
            .windows(10)
            .position(|w| w == b"/Name (Two")
            .expect("the second signature names its signer")
        + 7;
    let report = verify(&flipped(&twice, name_at), &roots, &Limits::default()).unwrap();
    assert_eq!(report.signatures.len(), 2, "{report:#?}");
    assert!(
        report.signatures[0].intact(),
        "the first signature does not cover that byte"
    );
    assert!(!report.signatures[1].intact());
    let startxref = twice.len()
        - twice
            .windows(9)
            .rev()
            .position(|w| w == b"startxref")
            .unwrap()
        - 9;
    let report = verify(&flipped(&twice, startxref), &roots, &Limits::default()).unwrap();
    assert!(report.unsigned_tail > 0, "{report:#?}");
    assert!(!report.all_good());
}
