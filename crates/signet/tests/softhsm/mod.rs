//! A SoftHSM2 token for the tests of certificate signatures, made once per test binary by
//! `crates/signet-pkcs11/tests/softhsm-token.sh` from a test CA that openssl makes: an RSA-2048
//! key (`asha-rsa`, CKA_ID 01) and a P-256 key (`asha-ec`, 02), each with its certificate,
//! and the CA's certificate (`ca`, ff), on the token `signet-dsc` (user PIN [`PIN`]).
//!
//! A process sees the token when `SOFTHSM2_CONF` is [`Tokens::conf`] in its environment
//! (SoftHSM reads it once, when the module initialises), with the module [`MODULE`].

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const TOKEN: &str = "signet-dsc";
pub const PIN: &str = "480613";
pub const SO_PIN: &str = "97531864";

pub struct Tokens {
    pub dir: PathBuf,
    /// `SOFTHSM2_CONF` for the processes that use the token.
    pub conf: PathBuf,
    /// The test CA, the one root to trust.
    pub ca_pem: PathBuf,
    pub rsa_pem: PathBuf,
    pub ec_pem: PathBuf,
}

pub fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start ({e}); scripts/test installs it"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").current_dir(dir).args(args));
}

fn leaf(dir: &Path, file: &str, subject: &str, newkey: &[&str]) -> PathBuf {
    let (key, csr, pem) = (
        format!("{file}.key"),
        format!("{file}.csr"),
        format!("{file}.pem"),
    );
    let mut req = vec![
        "req", "-new", "-nodes", "-keyout", &key, "-subj", subject, "-out", &csr,
    ];
    req.extend_from_slice(newkey);
    openssl(dir, &req);
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
    dir.join(pem)
}

fn token(dir: &Path, args: &[&str]) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../signet-pkcs11/tests/softhsm-token.sh");
    run(Command::new("bash")
        .arg(script)
        .arg(dir.join("hsm"))
        .args(args)
        .current_dir(dir));
}

pub fn tokens() -> &'static Tokens {
    static TOKENS: OnceLock<Tokens> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("softhsm-{}", std::process::id()));
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
                "/CN=Signet Test DSC CA",
                "-days",
                "30",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        std::fs::write(
            dir.join("leaf.ext"),
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,nonRepudiation\n",
        )
        .unwrap();
        let subject = "/CN=Asha Rao/ST=Karnataka/postalCode=560001";
        let rsa_pem = leaf(&dir, "rsa", subject, &["-newkey", "rsa:2048"]);
        let ec_pem = leaf(
            &dir,
            "ec",
            subject,
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        );
        token(&dir, &["init", TOKEN, PIN, SO_PIN]);
        token(
            &dir,
            &["key", TOKEN, PIN, "asha-rsa", "01", "rsa.key", "rsa.pem"],
        );
        token(
            &dir,
            &["key", TOKEN, PIN, "asha-ec", "02", "ec.key", "ec.pem"],
        );
        token(&dir, &["cert", TOKEN, PIN, "ca", "ff", "ca.pem"]);
        Tokens {
            conf: dir.join("hsm/softhsm2.conf"),
            ca_pem: dir.join("ca.pem"),
            rsa_pem,
            ec_pem,
            dir,
        }
    })
}

/// openssl's judgement of `signature` over SHA-256 of `data` by the certificate's key (PKCS#1
/// v1.5 for RSA, DER ECDSA for P-256): an outside check of what the token produced.
pub fn openssl_verifies(cert_der: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let t = tokens();
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let work = t.dir.join(format!("verify-{n}"));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("cert.der"), cert_der).unwrap();
    std::fs::write(work.join("data"), data).unwrap();
    std::fs::write(work.join("sig"), signature).unwrap();
    openssl(
        &work,
        &[
            "x509", "-inform", "DER", "-in", "cert.der", "-pubkey", "-noout", "-out", "pub.pem",
        ],
    );
    Command::new("openssl")
        .current_dir(&work)
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig",
            "data",
        ])
        .output()
        .unwrap()
        .status
        .success()
}
