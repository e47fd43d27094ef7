//! Signing paths beyond the one-step local key: a key held elsewhere (two-phase prepare and
//! finish, as the server does for signer-held certificates), refused signatures, certified
//! documents, and the sealed audit trail, each judged by the independent validators.

mod support;

use std::process::Command;

use signet_pdf::audit::{AuditEvent, AuditTrail, chain, seal_audit_trail};
use signet_pdf::keys::{self, load_or_create_sealing_keys};
use signet_pdf::sign::{SignatureOptions, prepare, sign};
use signet_pdf::signer::{ExternalSigner, SignatureAlgorithm, Signer};
use signet_pdf::verify::verify;
use signet_pdf::{Error, Limits};
use support::corpus::corpus;
use support::{TempDir, tool};

fn chain_of(kc: &support::KeyCert) -> Vec<x509_cert::Certificate> {
    let pki = corpus().pki;
    let mut chain =
        keys::load_certificates_pem(std::str::from_utf8(&kc.cert_pem).unwrap()).unwrap();
    chain.extend(
        keys::load_certificates_pem(std::str::from_utf8(&pki.root.cert_pem).unwrap()).unwrap(),
    );
    chain
}

/// Signs a SHA-256 digest with `openssl pkeyutl`: the key never enters our process.
fn openssl_sign_digest(key: &std::path::Path, digest: &[u8; 32], dir: &TempDir) -> Vec<u8> {
    let input = dir.path().join("digest.bin");
    let output = dir.path().join("sig.bin");
    std::fs::write(&input, digest).unwrap();
    let status = Command::new(tool("openssl"))
        .args(["pkeyutl", "-sign", "-pkeyopt", "digest:sha256", "-inkey"])
        .arg(key)
        .arg("-in")
        .arg(&input)
        .arg("-out")
        .arg(&output)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(output).unwrap()
}

fn check(out: &std::path::Path, expected: usize, root_pem: &[u8]) {
    support::qpdf_check(out).unwrap();
    let pdfsig = support::pdfsig(out, root_pem);
    assert_eq!(pdfsig.len(), expected);
    assert!(pdfsig.iter().all(|s| s.signature_valid), "{pdfsig:#?}");
    let py = support::pyhanko_validate(out, root_pem);
    assert!(
        py.iter().all(|s| s.intact && s.valid && s.trusted),
        "{py:#?}"
    );
    let roots = keys::load_certificates_pem(std::str::from_utf8(root_pem).unwrap()).unwrap();
    let report = verify(&std::fs::read(out).unwrap(), &roots, &Limits::default()).unwrap();
    assert!(report.all_good(), "{report:#?}");
}

#[test]
fn a_key_held_elsewhere_signs_through_prepare_and_finish() {
    let c = corpus();
    let dir = TempDir::new("external");
    let mut pdf = std::fs::read(c.path("krilla-3-pages.pdf")).unwrap();
    for (kc, alg) in [
        (&c.pki.rsa2048, SignatureAlgorithm::RsaPkcs1Sha256),
        (&c.pki.ec_p256, SignatureAlgorithm::EcdsaP256Sha256),
    ] {
        let options = SignatureOptions::new(time::OffsetDateTime::now_utc());
        let prepared = prepare(&pdf, &options, &chain_of(kc), alg).unwrap();
        let signature = openssl_sign_digest(&kc.key_path, &prepared.digest_to_sign, &dir);
        let appended = prepared.finish(&signature, None).unwrap();
        pdf.extend_from_slice(&appended);
    }
    let out = dir.path().join("external.pdf");
    std::fs::write(&out, &pdf).unwrap();
    check(&out, 2, &c.pki.root.cert_pem);
}

/// An eSign provider's path: the revision is built before the signer's certificate exists,
/// the provider returns a whole CMS (with signing time) over the byte ranges' digest, and the
/// state between the two survives being stored.
#[test]
fn a_cms_made_elsewhere_fills_a_prepared_container() {
    use signet_pdf::external::{
        PreparedContainer, check_detached, detached_cms, prepare_container,
    };
    let c = corpus();
    let dir = TempDir::new("container");
    let mut pdf = std::fs::read(c.path("lopdf-1-page.pdf")).unwrap();
    for kc in [&c.pki.rsa2048, &c.pki.rsa3072] {
        let options = SignatureOptions::new(time::OffsetDateTime::now_utc());
        let prepared = prepare_container(&pdf, &options).unwrap();
        let prepared = PreparedContainer::from_stored(&prepared.to_stored()).unwrap();
        let key_path = kc.key_path.clone();
        let signer = ExternalSigner::new(chain_of(kc), SignatureAlgorithm::RsaPkcs1Sha256, |d| {
            Ok(openssl_sign_digest(&key_path, d, &dir))
        });
        let now = Some(time::OffsetDateTime::now_utc());
        let other = detached_cms(&[7; 32], &signer, now).unwrap();
        let err = check_detached(&other, &prepared.document_digest).unwrap_err();
        assert!(err.to_string().contains("another digest"), "{err}");
        let cms = detached_cms(&prepared.document_digest, &signer, now).unwrap();
        let checked = check_detached(&cms, &prepared.document_digest).unwrap();
        assert_eq!(checked.signer, chain_of(kc)[0]);
        pdf.extend_from_slice(&prepared.embed(&cms).unwrap());
    }
    let out = dir.path().join("container.pdf");
    std::fs::write(&out, &pdf).unwrap();
    check(&out, 2, &c.pki.root.cert_pem);
    assert!(PreparedContainer::from_stored(b"SPC1 damaged").is_err());
}

#[test]
fn a_cms_whose_signature_is_not_its_certificates_is_refused() {
    use signet_pdf::external::{check_detached, detached_cms};
    let c = corpus();
    let dir = TempDir::new("container-wrong");
    // Claims the RSA-2048 certificate, signed with the RSA-3072 key.
    let key_path = c.pki.rsa3072.key_path.clone();
    let signer = ExternalSigner::new(
        chain_of(&c.pki.rsa2048),
        SignatureAlgorithm::RsaPkcs1Sha256,
        |d| Ok(openssl_sign_digest(&key_path, d, &dir)),
    );
    let cms = detached_cms(&[1; 32], &signer, None).unwrap();
    let err = check_detached(&cms, &[1; 32]).unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
    assert!(check_detached(b"\x30\x03\x02\x01\x00", &[1; 32]).is_err());
}

#[test]
fn the_external_signer_trait_is_a_closure_over_the_digest() {
    let c = corpus();
    let dir = TempDir::new("external-trait");
    let key_path = c.pki.rsa3072.key_path.clone();
    let signer = ExternalSigner::new(
        chain_of(&c.pki.rsa3072),
        SignatureAlgorithm::RsaPkcs1Sha256,
        |d| Ok(openssl_sign_digest(&key_path, d, &dir)),
    );
    assert_eq!(signer.certificates().len(), 2);
    let pdf = std::fs::read(c.path("lopdf-1-page.pdf")).unwrap();
    let appended = sign(
        &pdf,
        &SignatureOptions::new(time::OffsetDateTime::now_utc()),
        &signer,
        None,
    )
    .unwrap();
    let out = dir.path().join("closure.pdf");
    std::fs::write(&out, [pdf, appended].concat()).unwrap();
    check(&out, 1, &c.pki.root.cert_pem);
}

#[test]
fn a_signature_from_the_wrong_key_is_refused_before_it_reaches_the_file() {
    let c = corpus();
    let dir = TempDir::new("wrong-key");
    let pdf = std::fs::read(c.path("krilla-3-pages.pdf")).unwrap();
    let options = SignatureOptions::new(time::OffsetDateTime::now_utc());
    let prepared = prepare(
        &pdf,
        &options,
        &chain_of(&c.pki.rsa2048),
        SignatureAlgorithm::RsaPkcs1Sha256,
    )
    .unwrap();
    // Signed by the RSA-3072 key while the certificate is the RSA-2048 one.
    let wrong = openssl_sign_digest(&c.pki.rsa3072.key_path, &prepared.digest_to_sign, &dir);
    let err = prepared.finish(&wrong, None).unwrap_err();
    assert!(matches!(err, Error::Signing(_)), "{err}");
    assert_eq!(err.code(), "signing.failed");
}

#[test]
fn the_sealed_audit_trail_validates_everywhere() {
    let dir = TempDir::new("audit-seal");
    let keys = load_or_create_sealing_keys(&dir.path().join("keys"), "Signet Test").unwrap();
    let events: Vec<AuditEvent> = (0..40)
        .map(|i| AuditEvent {
            time: format!("2026-11-29T10:{:02}:00+05:30", i % 60),
            actor: if i % 2 == 0 {
                "आशा राव".into()
            } else {
                "Ravi Kumar".into()
            },
            action: ["Created", "Sent", "Viewed", "Signed"][i % 4].into(),
            ip: Some(format!("203.0.113.{i}")),
            user_agent: Some("Mozilla/5.0 (Linux; Android 14)".into()),
            details: "a".repeat(i * 7),
        })
        .collect();
    let trail = AuditTrail {
        document_name: "Loan agreement".into(),
        document_id: "01KMFEE9T8WPY0WPWXQHQ7DTJ2".into(),
        original_sha256: [7; 32],
        final_sha256: [9; 32],
        generated_at: "29-11-2026 10:40:00 IST".into(),
        hashes: chain(&events),
        events,
    };
    let sealed =
        seal_audit_trail(&trail, &keys.signer, time::OffsetDateTime::now_utc(), None).unwrap();
    let out = dir.path().join("audit.pdf");
    std::fs::write(&out, &sealed).unwrap();
    let root_pem = keys::certificate_to_pem(&keys.root);
    check(&out, 1, root_pem.as_bytes());
    let report = verify(
        &sealed,
        std::slice::from_ref(&keys.root),
        &Limits::default(),
    )
    .unwrap();
    let audit = report.audit.expect("the audit log is found");
    assert!(audit.chain_intact && audit.events == 40);
}
