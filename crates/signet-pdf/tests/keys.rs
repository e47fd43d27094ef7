//! Keys and certificates, checked against the openssl command-line tool.

mod openssl_cli;

use der::{Decode, Encode};
use openssl_cli::{KeyKind, TempDir, make_ca, make_leaf, openssl, try_openssl};
use sha2::{Digest, Sha256};
use signet_pdf::Error;
use signet_pdf::keys::{
    certificate_to_pem, generate_root, issue_sealing_certificate, key_to_pkcs8_pem,
    load_certificates_pem, load_or_create_sealing_keys, load_pkcs12, load_private_key_pem,
};
use signet_pdf::signer::{LocalSigner, SignatureAlgorithm, Signer};
use x509_cert::Certificate;

const YEAR: u64 = 365 * 24 * 60 * 60;

fn lifetime_years(cert: &Certificate) -> f64 {
    let v = &cert.tbs_certificate.validity;
    let secs = v.not_after.to_unix_duration().as_secs() - v.not_before.to_unix_duration().as_secs();
    secs as f64 / YEAR as f64
}

fn key_error<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Key(msg)) => msg,
        other => panic!("expected Error::Key, got {other:?}"),
    }
}

fn read_text(tmp: &TempDir, name: &str) -> String {
    String::from_utf8(tmp.read(name)).unwrap()
}

#[test]
fn generated_chain_verifies_with_openssl_and_has_the_extensions() {
    let tmp = TempDir::new("keys-chain");
    let (root, root_key) = generate_root("Signet Test Root CA", "Signet Tests").unwrap();
    let (seal, seal_key) =
        issue_sealing_certificate(&root, &root_key, "Signet Test Seal", "Signet Tests").unwrap();
    assert_eq!(seal_key.algorithm(), SignatureAlgorithm::EcdsaP256Sha256);
    tmp.write("root.pem", certificate_to_pem(&root));
    tmp.write("seal.pem", certificate_to_pem(&seal));

    let out = openssl(tmp.path(), "verify -CAfile root.pem seal.pem");
    assert!(out.contains("seal.pem: OK"), "{out}");
    // NSS (pdfsig) checks the signer as an e-mail signer; openssl's smimesign purpose is the
    // closest offline equivalent.
    let out = openssl(
        tmp.path(),
        "verify -purpose smimesign -CAfile root.pem seal.pem",
    );
    assert!(out.contains("seal.pem: OK"), "{out}");

    let root_text = openssl(tmp.path(), "x509 -in root.pem -noout -text");
    for expected in [
        "X509v3 Basic Constraints: critical",
        "CA:TRUE",
        "X509v3 Key Usage: critical",
        "Certificate Sign, CRL Sign",
        "X509v3 Subject Key Identifier",
        "ASN1 OID: prime256v1",
        "Signature Algorithm: ecdsa-with-SHA256",
        "Subject: O = Signet Tests, CN = Signet Test Root CA",
    ] {
        assert!(
            root_text.contains(expected),
            "root lacks {expected:?}:\n{root_text}"
        );
    }
    let seal_text = openssl(tmp.path(), "x509 -in seal.pem -noout -text");
    for expected in [
        "X509v3 Basic Constraints: critical",
        "CA:FALSE",
        "X509v3 Key Usage: critical",
        "Digital Signature, Non Repudiation",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "X509v3 Extended Key Usage: \n",
        "E-mail Protection, 1.2.840.113583.1.1.5",
        "Issuer: O = Signet Tests, CN = Signet Test Root CA",
        "Subject: O = Signet Tests, CN = Signet Test Seal",
    ] {
        assert!(
            seal_text.contains(expected),
            "seal lacks {expected:?}:\n{seal_text}"
        );
    }

    let root_years = lifetime_years(&root);
    let seal_years = lifetime_years(&seal);
    assert!((19.9..20.1).contains(&root_years), "{root_years}");
    assert!((9.9..10.1).contains(&seal_years), "{seal_years}");
    for cert in [&root, &seal] {
        let serial = cert.tbs_certificate.serial_number.as_bytes();
        assert_eq!(serial.len(), 16);
        assert!(serial[0] < 0x80, "serial must be positive");
    }
    assert_ne!(
        root.tbs_certificate.serial_number,
        seal.tbs_certificate.serial_number
    );
}

#[test]
fn sealing_certificate_can_be_issued_by_an_rsa_root() {
    let tmp = TempDir::new("keys-rsa-root");
    make_ca(tmp.path(), KeyKind::Rsa2048, "ca", "RSA-Root");
    let root = load_certificates_pem(&read_text(&tmp, "ca.pem")).unwrap();
    let root_key = load_private_key_pem(&read_text(&tmp, "ca.key.pem")).unwrap();
    let (seal, _) = issue_sealing_certificate(&root[0], &root_key, "Seal", "Org").unwrap();
    tmp.write("seal.pem", certificate_to_pem(&seal));
    let out = openssl(tmp.path(), "verify -CAfile ca.pem seal.pem");
    assert!(out.contains("seal.pem: OK"), "{out}");

    // A root key that does not belong to the root certificate is refused.
    let (_, other_key) = generate_root("Other", "Org").unwrap();
    let msg = key_error(issue_sealing_certificate(
        &root[0], &other_key, "Seal", "Org",
    ));
    assert!(msg.contains("does not match"), "{msg}");
}

#[test]
fn names_are_checked() {
    assert!(key_error(generate_root("  ", "Org")).contains("common name"));
    assert!(key_error(generate_root(&"x".repeat(65), "Org")).contains("64"));
    // Characters that need escaping in a string DN go through unchanged.
    let (root, _) = generate_root("Acme, Inc. = \"Root\" ✓", "").unwrap();
    let subject = root.tbs_certificate.subject.to_string();
    assert!(subject.contains("Acme"), "{subject}");
    assert_eq!(root.tbs_certificate.subject.0.len(), 1);
}

#[test]
fn load_or_create_makes_the_files_once_and_loads_them_after() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("keys-store");
    let dir = tmp.join("data/keys");
    let first = load_or_create_sealing_keys(&dir, "Signet Test").unwrap();
    let mode = |name: &str| {
        std::fs::metadata(dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("root.key.pem"), 0o600);
    assert_eq!(mode("seal.key.pem"), 0o600);
    assert_eq!(mode("root.pem"), 0o600);
    assert_eq!(mode("seal.pem"), 0o600);
    assert_eq!(mode(""), 0o700);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let key_pem = std::fs::read_to_string(dir.join("seal.key.pem")).unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));

    let chain = first.signer.certificates();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], first.root);
    assert_eq!(
        chain[0].tbs_certificate.subject.to_string(),
        "CN=Signet Test,O=Signet Test"
    );
    assert_eq!(
        first.root.tbs_certificate.subject.to_string(),
        "CN=Signet Test Root CA,O=Signet Test"
    );

    let second = load_or_create_sealing_keys(&dir, "Signet Test").unwrap();
    assert_eq!(second.root, first.root);
    assert_eq!(second.signer.certificates(), first.signer.certificates());
    assert_eq!(
        second.signer.key().public_key_der().unwrap(),
        first.signer.key().public_key_der().unwrap()
    );

    let out = openssl(&dir, "verify -CAfile root.pem seal.pem");
    assert!(out.contains("seal.pem: OK"), "{out}");

    // Removing the sealing pair issues a new sealing certificate under the same root.
    std::fs::remove_file(dir.join("seal.pem")).unwrap();
    std::fs::remove_file(dir.join("seal.key.pem")).unwrap();
    let third = load_or_create_sealing_keys(&dir, "Signet Test").unwrap();
    assert_eq!(third.root, first.root);
    assert_ne!(
        third.signer.certificates()[0],
        first.signer.certificates()[0]
    );
    let out = openssl(&dir, "verify -CAfile root.pem seal.pem");
    assert!(out.contains("seal.pem: OK"), "{out}");
}

#[test]
fn load_or_create_names_the_broken_file() {
    let tmp = TempDir::new("keys-broken");
    let dir = tmp.join("keys");
    load_or_create_sealing_keys(&dir, "Signet Test").unwrap();
    let names = ["root.pem", "root.key.pem", "seal.pem", "seal.key.pem"];
    let pristine: Vec<Vec<u8>> = names
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap())
        .collect();
    let restore = || {
        for (name, bytes) in names.iter().zip(&pristine) {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    };

    for name in names {
        for junk in [
            "-----BEGIN GARBAGE-----\nAAAA\n-----END GARBAGE-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA\n",
            "",
        ] {
            std::fs::write(dir.join(name), junk).unwrap();
            let msg = key_error(load_or_create_sealing_keys(&dir, "Signet Test"));
            assert!(msg.contains(name), "{name}: {msg}");
            assert!(!msg.contains("BEGIN"), "{msg}");
        }
        restore();
    }

    // A sealing key from another pair.
    let (_, stray) = generate_root("Stray", "Org").unwrap();
    std::fs::write(
        dir.join("seal.key.pem"),
        key_to_pkcs8_pem(&stray).unwrap().as_bytes(),
    )
    .unwrap();
    let msg = key_error(load_or_create_sealing_keys(&dir, "Signet Test"));
    assert!(
        msg.contains("seal.key.pem") && msg.contains("does not belong"),
        "{msg}"
    );
    restore();

    // A sealing certificate from another root.
    let (other_root, other_key) = generate_root("Other Root", "Org").unwrap();
    let (other_seal, other_seal_key) =
        issue_sealing_certificate(&other_root, &other_key, "Other", "Org").unwrap();
    std::fs::write(dir.join("seal.pem"), certificate_to_pem(&other_seal)).unwrap();
    std::fs::write(
        dir.join("seal.key.pem"),
        key_to_pkcs8_pem(&other_seal_key).unwrap().as_bytes(),
    )
    .unwrap();
    let msg = key_error(load_or_create_sealing_keys(&dir, "Signet Test"));
    assert!(
        msg.contains("seal.pem") && msg.contains("not issued by"),
        "{msg}"
    );
    restore();

    // Half a pair, or a seal without its root.
    std::fs::remove_file(dir.join("seal.key.pem")).unwrap();
    let msg = key_error(load_or_create_sealing_keys(&dir, "Signet Test"));
    assert!(msg.contains("seal.key.pem is missing"), "{msg}");
    restore();
    std::fs::remove_file(dir.join("root.pem")).unwrap();
    std::fs::remove_file(dir.join("root.key.pem")).unwrap();
    let msg = key_error(load_or_create_sealing_keys(&dir, "Signet Test"));
    assert!(msg.contains("root") && msg.contains("missing"), "{msg}");
    restore();

    load_or_create_sealing_keys(&dir, "Signet Test").unwrap();
}

/// Signs a digest with the signer and checks it with `openssl pkeyutl -verify` and with the
/// RustCrypto verifiers.
fn assert_signature_verifies(signer: &dyn Signer, tmp: &TempDir) {
    let digest: [u8; 32] = Sha256::digest(b"the document bytes").into();
    let signature = signer.sign_digest(&digest).unwrap();
    let cert = &signer.certificates()[0];
    tmp.write("check.pem", certificate_to_pem(cert));
    openssl(
        tmp.path(),
        "x509 -in check.pem -pubkey -noout -out check.pub",
    );
    tmp.write("digest.bin", digest);
    tmp.write("sig.bin", &signature);
    let verify = "pkeyutl -verify -pubin -inkey check.pub -in digest.bin -pkeyopt digest:sha256";
    let out = openssl(tmp.path(), &format!("{verify} -sigfile sig.bin"));
    assert!(out.contains("Signature Verified Successfully"), "{out}");

    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    match signer.algorithm() {
        SignatureAlgorithm::RsaPkcs1Sha256 => {
            use spki::DecodePublicKey;
            let key = rsa::RsaPublicKey::from_public_key_der(&spki).unwrap();
            key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
                .unwrap();
        }
        SignatureAlgorithm::EcdsaP256Sha256 => {
            use signature::hazmat::PrehashVerifier;
            use spki::DecodePublicKey;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
            let sig = p256::ecdsa::Signature::from_der(&signature).unwrap();
            key.verify_prehash(&digest, &sig).unwrap();
        }
    }

    // A flipped bit must not verify.
    let mut bad = signature.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    tmp.write("bad.bin", &bad);
    let (ok, _) = try_openssl(tmp.path(), &format!("{verify} -sigfile bad.bin"));
    assert!(!ok);
}

#[test]
fn sealing_key_signatures_verify() {
    let tmp = TempDir::new("keys-sign");
    let keys = load_or_create_sealing_keys(&tmp.join("k"), "Signet Test").unwrap();
    assert_signature_verifies(&keys.signer, &tmp);
}

#[test]
fn pkcs12_from_openssl_loads_in_both_encryptions_for_rsa_and_ec() {
    let tmp = TempDir::new("keys-p12");
    let d = tmp.path();
    make_ca(d, KeyKind::P256, "ca", "P12-Test-CA");
    let ca = load_certificates_pem(&read_text(&tmp, "ca.pem")).unwrap();
    let leaf_ext = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n";
    let password = "s3cret-ü";
    for (kind, algorithm) in [
        (KeyKind::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha256),
        (KeyKind::P256, SignatureAlgorithm::EcdsaP256Sha256),
    ] {
        let stem = format!("{kind:?}").to_lowercase();
        make_leaf(d, kind, &stem, &stem, "ca", leaf_ext);
        let leaf = load_certificates_pem(&read_text(&tmp, &format!("{stem}.pem"))).unwrap();
        for legacy in ["", "-legacy"] {
            let p12 = format!("{stem}{legacy}.p12");
            openssl(
                d,
                &format!(
                    "pkcs12 -export -inkey {stem}.key.pem -in {stem}.pem -certfile ca.pem \
                     -passout pass:{password} -out {p12} {legacy}"
                ),
            );
            let info = openssl(
                d,
                &format!("pkcs12 -in {p12} -info -noout -passin pass:{password} {legacy}"),
            );
            let expected = if legacy.is_empty() {
                "AES-256-CBC"
            } else {
                "RC2"
            };
            assert!(info.contains(expected), "{info}");

            let der = tmp.read(&p12);
            let signer = load_pkcs12(&der, password).unwrap();
            assert_eq!(signer.algorithm(), algorithm, "{p12}");
            assert_eq!(
                signer.certificates(),
                &[leaf[0].clone(), ca[0].clone()],
                "{p12}"
            );
            // The pair is one LocalSigner::new accepts on its own.
            LocalSigner::new(signer.key().clone(), signer.certificates().to_vec()).unwrap();
            assert_signature_verifies(&signer, &tmp);

            let msg = key_error(load_pkcs12(&der, "wrong"));
            assert!(msg.contains("wrong password"), "{msg}");
            let msg = key_error(load_pkcs12(&der, ""));
            assert!(msg.contains("wrong password"), "{msg}");
            let msg = key_error(load_pkcs12(&der[..der.len() / 2], password));
            assert!(msg.contains("PKCS#12"), "{msg}");
        }
    }
    key_error(load_pkcs12(b"not a pkcs12 file", ""));
    key_error(load_pkcs12(&[], ""));

    // A certificate-only file has no key to sign with.
    openssl(
        d,
        "pkcs12 -export -nokeys -in ca.pem -passout pass:x -out ca.p12",
    );
    let msg = key_error(load_pkcs12(&tmp.read("ca.p12"), "x"));
    assert!(msg.contains("no private key"), "{msg}");

    // A key whose certificate is missing.
    openssl(
        d,
        "pkcs12 -export -nocerts -inkey p256.key.pem -passout pass:x -out stray.p12",
    );
    let msg = key_error(load_pkcs12(&tmp.read("stray.p12"), "x"));
    assert!(msg.contains("no certificate for its private key"), "{msg}");
}

#[test]
fn pem_private_keys_in_every_common_form() {
    let tmp = TempDir::new("keys-pem");
    let d = tmp.path();
    openssl(d, "genrsa -traditional -out rsa1.pem 2048");
    openssl(d, "pkey -in rsa1.pem -out rsa8.pem");
    openssl(d, "ecparam -name prime256v1 -genkey -noout -out ec1.pem");
    openssl(d, "pkey -in ec1.pem -out ec8.pem");
    for (file, header, algorithm) in [
        (
            "rsa1.pem",
            "BEGIN RSA PRIVATE KEY",
            SignatureAlgorithm::RsaPkcs1Sha256,
        ),
        (
            "rsa8.pem",
            "BEGIN PRIVATE KEY",
            SignatureAlgorithm::RsaPkcs1Sha256,
        ),
        (
            "ec1.pem",
            "BEGIN EC PRIVATE KEY",
            SignatureAlgorithm::EcdsaP256Sha256,
        ),
        (
            "ec8.pem",
            "BEGIN PRIVATE KEY",
            SignatureAlgorithm::EcdsaP256Sha256,
        ),
    ] {
        let pem = read_text(&tmp, file);
        assert!(pem.contains(header), "{file}");
        let key = load_private_key_pem(&pem).unwrap();
        assert_eq!(key.algorithm(), algorithm);
        openssl(
            d,
            &format!("pkey -in {file} -pubout -outform DER -out {file}.pub.der"),
        );
        assert_eq!(
            key.public_key_der().unwrap(),
            tmp.read(&format!("{file}.pub.der")),
            "{file}"
        );
        // Debug output never shows key material.
        let debug = format!("{key:?}");
        assert!(debug.len() < 40, "{debug}");
        // Our own PKCS#8 output reads back.
        let again = load_private_key_pem(&key_to_pkcs8_pem(&key).unwrap()).unwrap();
        assert_eq!(
            again.public_key_der().unwrap(),
            key.public_key_der().unwrap()
        );
    }

    openssl(
        d,
        "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem",
    );
    let msg = key_error(load_private_key_pem(&read_text(&tmp, "p384.pem")));
    assert!(msg.contains("P-256"), "{msg}");
    openssl(
        d,
        "ecparam -name secp384r1 -genkey -noout -out p384sec1.pem",
    );
    key_error(load_private_key_pem(&read_text(&tmp, "p384sec1.pem")));
    openssl(d, "genpkey -algorithm ED25519 -out ed.pem");
    let msg = key_error(load_private_key_pem(&read_text(&tmp, "ed.pem")));
    assert!(msg.contains("unsupported"), "{msg}");
    openssl(d, "pkey -in ec8.pem -aes256 -passout pass:x -out enc.pem");
    let msg = key_error(load_private_key_pem(&read_text(&tmp, "enc.pem")));
    assert!(msg.contains("encrypted"), "{msg}");
    key_error(load_private_key_pem("not pem at all"));
    key_error(load_private_key_pem(""));
    key_error(load_private_key_pem(
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ));
    let msg = key_error(load_certificates_pem(&read_text(&tmp, "rsa1.pem")));
    assert!(msg.contains("certificate"), "{msg}");
}

#[test]
fn certificates_pem_round_trip() {
    let (root, root_key) = generate_root("Root", "Org").unwrap();
    let (seal, _) = issue_sealing_certificate(&root, &root_key, "Seal", "Org").unwrap();
    let pem = format!("{}{}", certificate_to_pem(&seal), certificate_to_pem(&root));
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    let certs = load_certificates_pem(&pem).unwrap();
    assert_eq!(certs, vec![seal.clone(), root.clone()]);
    assert_eq!(
        Certificate::from_der(&seal.to_der().unwrap()).unwrap(),
        certs[0]
    );
    // CRLF line ends, text around the blocks and a key block in between are fine.
    let mixed = format!(
        "Bag Attributes\r\n{}\r\n-----BEGIN PRIVATE KEY-----\r\nAAAA\r\n-----END PRIVATE KEY-----\r\n{}",
        certificate_to_pem(&seal).replace('\n', "\r\n"),
        certificate_to_pem(&root)
    );
    assert_eq!(load_certificates_pem(&mixed).unwrap(), vec![seal, root]);

    key_error(load_certificates_pem(""));
    key_error(load_certificates_pem(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ));
    key_error(load_certificates_pem("-----BEGIN CERTIFICATE-----\nAAAA\n"));
    key_error(load_certificates_pem("-----BEGIN CERT"));
    key_error(load_certificates_pem("-----BEGIN -----END"));
}
