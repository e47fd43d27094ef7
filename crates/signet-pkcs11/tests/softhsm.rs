//! Against real SoftHSM2 tokens made by `tests/softhsm-token.sh` from a test CA made with
//! openssl: listing, key choice, PIN errors, digests signed on the token and checked with the
//! certificates' public keys, and whole PDF signatures judged by the engine and by pyHanko.
//!
//! SoftHSM reads `SOFTHSM2_CONF` once, when the module initialises, so every test of this
//! process shares one directory of tokens, made once ([`fixture`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use der::{DecodePem, Encode};
use sha2::{Digest, Sha256};
use signet_pdf::signer::{SignatureAlgorithm, Signer};
use signet_pkcs11::{KeySelector, Module, Pkcs11Signer, SecretString};
use x509_cert::Certificate;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "123456";
const SO_PIN: &str = "12345678";
/// Two keys and the CA on one token, one key on the other.
const TOKEN_A: &str = "signet-a";
const TOKEN_B: &str = "signet-b";

struct Fixture {
    dir: PathBuf,
    ca: Certificate,
    rsa: Certificate,
    ec: Certificate,
    solo: Certificate,
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start ({e}): scripts/test installs it"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").current_dir(dir).args(args));
}

/// A leaf for `name` with a key of `kind` (`rsa` or `ec`), issued by the CA in `dir`.
fn leaf(dir: &Path, file: &str, name: &str, kind: &str) -> Certificate {
    let key = format!("{file}.key");
    let newkey: &[&str] = match kind {
        "rsa" => &["-newkey", "rsa:2048"],
        _ => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    };
    let mut req = vec!["req", "-new", "-nodes", "-keyout", &key, "-subj"];
    let subject = format!("/CN={name}/ST=Karnataka/postalCode=560001");
    req.push(&subject);
    req.extend_from_slice(newkey);
    let csr = format!("{file}.csr");
    req.extend_from_slice(&["-out", &csr]);
    openssl(dir, &req);
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    let pem = format!("{file}.pem");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-sha256",
            "-extfile",
            "leaf.ext",
            "-out",
            &pem,
        ],
    );
    Certificate::from_pem(std::fs::read(dir.join(&pem)).unwrap()).unwrap()
}

fn token(dir: &Path, args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/softhsm-token.sh");
    run(Command::new("bash")
        .arg(script)
        .arg(dir.join("hsm"))
        .args(args)
        .current_dir(dir));
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("signet-pkcs11-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=Signet Test CA",
                "-days",
                "30",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let ca = Certificate::from_pem(std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
        let rsa = leaf(&dir, "rsa", "Asha Rao", "rsa");
        let ec = leaf(&dir, "ec", "Asha Rao EC", "ec");
        let solo = leaf(&dir, "solo", "Ravi Kumar", "ec");
        token(&dir, &["init", TOKEN_A, PIN, SO_PIN]);
        token(
            &dir,
            &["key", TOKEN_A, PIN, "asha-rsa", "01", "rsa.key", "rsa.pem"],
        );
        token(
            &dir,
            &["key", TOKEN_A, PIN, "asha-ec", "02", "ec.key", "ec.pem"],
        );
        token(&dir, &["cert", TOKEN_A, PIN, "ca", "ff", "ca.pem"]);
        token(&dir, &["init", TOKEN_B, PIN, SO_PIN]);
        token(
            &dir,
            &["key", TOKEN_B, PIN, "solo", "0a", "solo.key", "solo.pem"],
        );
        // SAFETY: set while the fixture is being made, before the module is loaded; every
        // test waits here for the fixture before it touches the environment or the module.
        unsafe { std::env::set_var("SOFTHSM2_CONF", dir.join("hsm/softhsm2.conf")) };
        Fixture {
            dir,
            ca,
            rsa,
            ec,
            solo,
        }
    })
}

fn module() -> Arc<Module> {
    fixture();
    Module::load(Path::new(MODULE)).expect("SoftHSM loads (apt softhsm2; scripts/test)")
}

fn pin(p: &str) -> SecretString {
    SecretString::from(p.to_string())
}

fn signer(select: KeySelector<'_>) -> Pkcs11Signer {
    module()
        .signer(select, &pin(PIN))
        .expect("the key is found")
}

fn labelled<'a>(token: &'a str, key: &'a str) -> KeySelector<'a> {
    KeySelector {
        token_label: Some(token),
        key_label: Some(key),
        certificate: None,
    }
}

fn code<T: std::fmt::Debug>(r: signet_pkcs11::Result<T>) -> &'static str {
    let e = r.expect_err("a refusal");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(PIN), "a PIN in {shown}");
    e.code()
}

/// The signature checked with the certificate's public key, outside the token and the engine.
fn assert_verifies(cert: &Certificate, digest: &[u8; 32], signature: &[u8]) {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    match signet_pkcs11::algorithm_of(cert).unwrap() {
        SignatureAlgorithm::RsaPkcs1Sha256 => {
            use rsa::pkcs8::DecodePublicKey;
            let key = rsa::RsaPublicKey::from_public_key_der(&spki).unwrap();
            key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, signature)
                .expect("the RSA signature verifies");
        }
        SignatureAlgorithm::EcdsaP256Sha256 => {
            use p256::pkcs8::DecodePublicKey;
            use signature::hazmat::PrehashVerifier;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
            let sig = p256::ecdsa::Signature::from_der(signature).expect("DER (r, s)");
            key.verify_prehash(digest, &sig)
                .expect("the ECDSA signature verifies");
        }
    }
}

#[test]
fn the_module_loads_once_per_process() {
    let a = module();
    let b = Module::load(Path::new(
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    ))
    .or_else(|_| Module::load(Path::new(MODULE)))
    .unwrap();
    assert!(Arc::ptr_eq(&a, &b), "the same library by another path");
    let missing = Module::load(Path::new("/nonexistent/libpkcs11.so"));
    assert_eq!(code(missing), "pkcs11.module.unavailable");
    let not_a_library = Module::load(&fixture().dir.join("ca.pem"));
    assert_eq!(code(not_a_library), "pkcs11.module.unavailable");
}

#[test]
fn lists_the_certificates_a_key_stands_behind() {
    let f = fixture();
    let all = module().certificates(None).unwrap();
    let mut found: Vec<(&str, &str, Vec<u8>)> = all
        .iter()
        .map(|c| (c.token_label.as_str(), c.key_label.as_str(), c.id.clone()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (TOKEN_A, "asha-ec", vec![2]),
            (TOKEN_A, "asha-rsa", vec![1]),
            (TOKEN_B, "solo", vec![0x0a]),
        ],
        "the CA certificate has no key and is not offered"
    );
    let rsa = all.iter().find(|c| c.key_label == "asha-rsa").unwrap();
    assert_eq!(rsa.certificate, f.rsa);
    assert_eq!(rsa.algorithm, SignatureAlgorithm::RsaPkcs1Sha256);
    assert_eq!(rsa.chain, vec![f.rsa.clone(), f.ca.clone()]);
    let ec = all.iter().find(|c| c.key_label == "asha-ec").unwrap();
    assert_eq!(ec.algorithm, SignatureAlgorithm::EcdsaP256Sha256);
    let solo = all.iter().find(|c| c.key_label == "solo").unwrap();
    assert_eq!(solo.certificate, f.solo);
    assert_eq!(
        solo.chain,
        vec![f.solo.clone()],
        "the CA is on the other token"
    );

    let b = module().certificates(Some(TOKEN_B)).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(
        code(module().certificates(Some("no-such-token"))),
        "pkcs11.token.not.found"
    );
}

#[test]
fn signs_digests_that_the_certificates_verify() {
    let f = fixture();
    let digest: [u8; 32] = Sha256::digest(b"what the engine hands over").into();
    for (key, cert) in [("asha-rsa", &f.rsa), ("asha-ec", &f.ec)] {
        let s = signer(labelled(TOKEN_A, key));
        assert_eq!(s.certificates()[0], *cert);
        assert_eq!(s.certificates(), [cert.clone(), f.ca.clone()]);
        let signature = s.sign_digest(&digest).unwrap();
        assert_verifies(cert, &digest, &signature);
    }
    let s = signer(KeySelector {
        token_label: Some(TOKEN_B),
        ..Default::default()
    });
    assert_eq!(s.key_label(), "solo", "the only key of the token");
    assert_verifies(&f.solo, &digest, &s.sign(&digest).unwrap());
}

#[test]
fn chooses_the_key_by_certificate_label_or_as_the_only_one() {
    let f = fixture();
    let by_cert = signer(KeySelector {
        certificate: Some(&f.ec),
        ..Default::default()
    });
    assert_eq!(
        (by_cert.token_label(), by_cert.key_label()),
        (TOKEN_A, "asha-ec")
    );
    drop(by_cert);
    let by_label = signer(KeySelector {
        key_label: Some("solo"),
        ..Default::default()
    });
    assert_eq!(
        by_label.token_label(),
        TOKEN_B,
        "the token holding that label"
    );
    drop(by_label);

    let m = module();
    let e = m
        .signer(
            KeySelector {
                token_label: Some(TOKEN_A),
                ..Default::default()
            },
            &pin(PIN),
        )
        .unwrap_err();
    assert_eq!(e.code(), "pkcs11.key.ambiguous");
    let message = e.to_string();
    assert!(
        message.contains("asha-rsa") && message.contains("asha-ec"),
        "{message}"
    );
    assert_eq!(
        code(m.signer(KeySelector::default(), &pin(PIN))),
        "pkcs11.key.ambiguous"
    );
    assert_eq!(
        code(m.signer(labelled(TOKEN_A, "nobody"), &pin(PIN))),
        "pkcs11.key.not.found"
    );
    assert_eq!(
        code(m.signer(labelled("no-such-token", "asha-rsa"), &pin(PIN))),
        "pkcs11.token.not.found"
    );
    assert_eq!(
        code(m.signer(
            KeySelector {
                token_label: Some(TOKEN_B),
                certificate: Some(&f.rsa),
                ..Default::default()
            },
            &pin(PIN)
        )),
        "pkcs11.key.not.found"
    );
}

#[test]
fn a_wrong_pin_is_refused_even_while_the_token_is_logged_in() {
    let m = module();
    assert_eq!(
        code(m.signer(labelled(TOKEN_B, "solo"), &pin("000000"))),
        "pkcs11.pin.incorrect"
    );
    let open = signer(labelled(TOKEN_B, "solo"));
    assert_eq!(
        code(m.signer(labelled(TOKEN_B, "solo"), &pin("000000"))),
        "pkcs11.pin.incorrect",
        "PKCS#11 itself would answer 'already logged in'"
    );
    let second = signer(labelled(TOKEN_B, "solo"));
    let digest = [7u8; 32];
    drop(open);
    assert_verifies(&fixture().solo, &digest, &second.sign(&digest).unwrap());
    drop(second);
    assert_eq!(
        code(m.signer(labelled(TOKEN_B, "solo"), &pin("000000"))),
        "pkcs11.pin.incorrect",
        "the last signer logged the token out"
    );
    let debug = format!("{:?}", signer(labelled(TOKEN_B, "solo")));
    assert!(!debug.contains(PIN), "{debug}");
}

#[test]
fn the_signer_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>(_: &T) {}
    let s = signer(labelled(TOKEN_A, "asha-ec"));
    shared(&s);
    std::thread::scope(|scope| {
        for i in 0..4u8 {
            let s = &s;
            scope.spawn(move || {
                let digest = [i; 32];
                assert_verifies(&fixture().ec, &digest, &s.sign(&digest).unwrap());
            });
        }
    });
}

/// A small PDF built byte by byte.
fn pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// pyHanko's verdict on every signature, trusting only the test CA. Its venv comes from
/// scripts/test (`$SIGNET_TEST_TOOLS`, by default `.test-tools` in the workspace).
fn pyhanko(file: &Path, root: &Path) -> serde_json::Value {
    let tools = std::env::var_os("SIGNET_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.test-tools"));
    let python = tools.join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test, which builds the venv (or set SIGNET_TEST_TOOLS)",
        python.display()
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../signet-pdf/tests/tools/pyhanko_report.py");
    let out = Command::new(python)
        .arg(script)
        .arg(file)
        .arg(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn signs_a_pdf_that_the_engine_and_pyhanko_validate() {
    let f = fixture();
    let mut doc = pdf();
    for key in ["asha-rsa", "asha-ec"] {
        let s = signer(labelled(TOKEN_A, key));
        let options = signet_pdf::sign::SignatureOptions::new(time::OffsetDateTime::now_utc());
        let revision = signet_pdf::sign::sign(&doc, &options, &s, None).unwrap();
        doc.extend_from_slice(&revision);
    }
    let report = signet_pdf::verify::verify(
        &doc,
        std::slice::from_ref(&f.ca),
        &signet_pdf::Limits::default(),
    )
    .unwrap();
    assert_eq!(report.signatures.len(), 2);
    assert!(report.all_good(), "{report:#?}");
    let subjects: Vec<_> = report
        .signatures
        .iter()
        .map(|s| s.signer_subject.clone().unwrap_or_default())
        .collect();
    assert!(
        subjects[0].contains("Asha Rao") && subjects[1].contains("Asha Rao EC"),
        "{subjects:?}"
    );

    let file = f.dir.join("signed.pdf");
    std::fs::write(&file, &doc).unwrap();
    let verdict = pyhanko(&file, &f.dir.join("ca.pem"));
    assert!(verdict["error"].is_null(), "{verdict:#}");
    let signatures = verdict["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{verdict:#}");
    for s in signatures {
        for check in ["intact", "valid", "trusted", "bottom_line"] {
            assert_eq!(s[check], true, "{check}: {s:#}");
        }
    }
}
