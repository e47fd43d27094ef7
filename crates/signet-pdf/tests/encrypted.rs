//! Encrypted PDFs that open with an empty user password and allow changes are signed once and
//! three times, as the corpus is, and after each run the file must pass `qpdf --check`,
//! pdfsig, pyHanko and our verifier, still be encrypted exactly as before
//! (`qpdf --show-encryption`), and keep the original bytes as its prefix. pdfsig and pyHanko
//! decrypt the field names we encrypted, so they also check our string encryption; qpdf
//! --check decodes every stream, so it checks our stream encryption.
//!
//! Files that need a password, or whose permissions forbid adding a signature field, are
//! refused with their own error codes.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use signet_pdf::sign::sign;
use signet_pdf::{Document, Limits, write};
use support::encrypted::{Expect, encrypted_fixtures};
use support::signing::{
    PyHanko, options, sign_file_and_validate, sign_file_and_validate_with, signer,
};
use support::{TempDir, run_ok, tool};

/// `qpdf --show-encryption`: the handler's revision, /P, permissions and methods.
fn show_encryption(path: &Path) -> String {
    let out = run_ok(
        Command::new(tool("qpdf"))
            .arg("--show-encryption")
            .arg(path),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn field_names(names: impl IntoIterator<Item = Option<String>>) -> BTreeSet<String> {
    names
        .into_iter()
        .map(|n| n.unwrap_or_else(|| "<no name>".into()))
        .collect()
}

fn sign_and_check(name: &str, rounds: usize) {
    let fixtures = encrypted_fixtures();
    let fixture = fixtures.fixture(name);
    let input = fixture.path.as_path();
    let original = std::fs::read(input).unwrap();
    let doc = Document::open(&original, &Limits::default())
        .unwrap_or_else(|e| panic!("{name}: does not open: {e}"));
    assert!(doc.is_encrypted(), "{name}: not seen as encrypted");
    let existing: Vec<String> = signet_pdf::verify::verify(&original, &[], &Limits::default())
        .unwrap()
        .signatures
        .into_iter()
        .map(|s| s.field)
        .collect();

    let signed = sign_file_and_validate_with(input, name, rounds, fixtures.pki, fixture.pyhanko);

    // Field names and dates are strings: in the revisions we appended they must not be plain.
    let appended = &signed[original.len()..];
    for plain in [&b"Signature1"[..], b"(D:", b"I agree"] {
        assert!(
            support::find(appended, plain).is_none(),
            "{name}: {:?} written unencrypted",
            String::from_utf8_lossy(plain)
        );
    }
    let dir = TempDir::new(&format!("encrypted-{name}-{rounds}"));
    let out = dir.join(name);
    std::fs::write(&out, &signed).unwrap();
    assert_eq!(
        show_encryption(&out),
        show_encryption(input),
        "{name}: the encryption changed"
    );
    let mut expected: BTreeSet<String> = existing.into_iter().collect();
    expected.extend((1..=rounds).map(|i| format!("Signature{i}")));
    if rounds >= 3 {
        expected.insert("Signature3_2".into());
    }
    let root = &fixtures.pki.root.cert_pem;
    let pdfsig = field_names(
        support::pdfsig(&out, root)
            .into_iter()
            .map(|s| s.field_name),
    );
    assert_eq!(
        pdfsig, expected,
        "{name}: field names as pdfsig decrypts them"
    );
    if let PyHanko::Check = fixture.pyhanko {
        let pyhanko = field_names(
            support::pyhanko_validate(&out, root)
                .into_iter()
                .map(|s| Some(s.field)),
        );
        assert_eq!(
            pyhanko, expected,
            "{name}: field names as pyHanko decrypts them"
        );
    }
}

macro_rules! encrypted_tests {
    ($($test:ident => $file:literal),* $(,)?) => {
        const COVERED: &[&str] = &[$($file),*];
        $(
            mod $test {
                #[test]
                fn signed_once() {
                    super::sign_and_check($file, 1);
                }
                #[test]
                fn signed_three_times() {
                    super::sign_and_check($file, 3);
                }
            }
        )*
    };
}

encrypted_tests! {
    r2_rc4_40 => "r2-rc4-40.pdf",
    r3_rc4_128 => "r3-rc4-128.pdf",
    r4_rc4_128_crypt_filter => "r4-rc4-128-crypt-filter.pdf",
    r4_aes_128_object_streams => "r4-aes-128-object-streams.pdf",
    r4_aes_128_cleartext_metadata => "r4-aes-128-cleartext-metadata.pdf",
    r5_aes_256 => "r5-aes-256.pdf",
    r6_aes_256_object_streams => "r6-aes-256-object-streams.pdf",
    r6_aes_256_linearized => "r6-aes-256-linearized.pdf",
    r6_aes_256_signed_by_pyhanko => "r6-aes-256-signed-by-pyhanko.pdf",
}

#[test]
fn every_signable_fixture_is_covered() {
    for f in &encrypted_fixtures().fixtures {
        if f.expect == Expect::Signs {
            assert!(COVERED.contains(&f.name), "{} has no signing test", f.name);
        }
    }
}

#[test]
fn restricted_and_password_protected_files_are_refused() {
    let fixtures = encrypted_fixtures();
    let pki = fixtures.pki;
    let s = signer(&pki.rsa2048, pki);
    let mut refused = 0;
    for f in &fixtures.fixtures {
        let Expect::Refused(code) = f.expect else {
            continue;
        };
        refused += 1;
        let bytes = std::fs::read(&f.path).unwrap();
        // Restricted files can be read (and verified), only not changed.
        match (code, Document::open(&bytes, &Limits::default())) {
            ("file.pdf.restricted", Ok(doc)) => {
                assert_eq!(
                    doc.ensure_modifiable().unwrap_err().code(),
                    code,
                    "{}",
                    f.name
                );
            }
            (_, Ok(_)) => panic!("{}: opened, expected {code} ({})", f.name, f.note),
            (_, Err(e)) => assert_eq!(e.code(), code, "{}: {e}", f.name),
        }
        let e = sign(&bytes, &options(0, "Asha"), &s, None).unwrap_err();
        assert_eq!(e.code(), code, "{}: signing: {e}", f.name);
    }
    assert_eq!(refused, 6);
}

/// Moves the last `startxref` offset back a few bytes, so the reader must rebuild the table by
/// scanning.
fn with_wrong_startxref(pdf: &[u8]) -> Vec<u8> {
    let keyword = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let start = keyword
        + 9
        + pdf[keyword + 9..]
            .iter()
            .position(u8::is_ascii_digit)
            .unwrap();
    let len = pdf[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let offset: usize = std::str::from_utf8(&pdf[start..start + len])
        .unwrap()
        .parse()
        .unwrap();
    let mut out = pdf[..start].to_vec();
    out.extend_from_slice(format!("{:0len$}", offset - 7).as_bytes());
    out.extend_from_slice(&pdf[start + len..]);
    out
}

#[test]
fn a_damaged_encrypted_file_is_repaired_still_encrypted() {
    let fixtures = encrypted_fixtures();
    let name = "r3-rc4-128.pdf";
    let original = std::fs::read(fixtures.path(name)).unwrap();
    let damaged = with_wrong_startxref(&original);
    let doc = Document::open(&damaged, &Limits::default()).unwrap();
    assert!(doc.was_repaired() && doc.is_encrypted());

    let fixed = write::repair(&damaged, &Limits::default())
        .unwrap()
        .expect("needs repair");
    let doc = Document::open(&fixed, &Limits::default()).unwrap();
    assert!(!doc.was_repaired() && doc.is_encrypted());
    let dir = TempDir::new("encrypted-repair");
    let out = dir.join("repaired.pdf");
    std::fs::write(&out, &fixed).unwrap();
    support::qpdf_check(&out).unwrap();
    assert_eq!(show_encryption(&out), show_encryption(fixtures.path(name)));
    assert_eq!(
        support::qpdf_page_count(&out),
        support::qpdf_page_count(fixtures.path(name))
    );
    sign_file_and_validate(&out, "repaired-r3-rc4-128.pdf", 1, fixtures.pki);
}
