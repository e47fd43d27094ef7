//! Keys and certificates made by the `openssl` CLI at test time, and `xmlsec1` as the
//! independent judge of our signatures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "signet-esign-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(command: &mut Command) -> std::process::Output {
    let output = command.output().expect("the tool runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// An RSA-2048 key and its self-signed certificate, as PEM files in `dir` and DER bytes.
pub struct Identity {
    pub key_pem: PathBuf,
    pub cert_pem: PathBuf,
    pub key_der: Vec<u8>,
    pub cert_der: Vec<u8>,
}

pub fn identity(dir: &TempDir, name: &str) -> Identity {
    let key_pem = dir.path(&format!("{name}.key.pem"));
    let cert_pem = dir.path(&format!("{name}.cert.pem"));
    let key_der = dir.path(&format!("{name}.key.der"));
    let cert_der = dir.path(&format!("{name}.cert.der"));
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .arg("-subj")
        .arg(format!("/C=IN/O=Signet Test/CN={name}"))
        .arg("-keyout")
        .arg(&key_pem)
        .arg("-out")
        .arg(&cert_pem));
    run(Command::new("openssl")
        .args(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in"])
        .arg(&key_pem)
        .arg("-out")
        .arg(&key_der));
    run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&cert_pem)
        .arg("-out")
        .arg(&cert_der));
    Identity {
        key_der: std::fs::read(&key_der).unwrap(),
        cert_der: std::fs::read(&cert_der).unwrap(),
        key_pem,
        cert_pem,
    }
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

use signet_esign::Version;
use signet_esign::request::{EsignRequest, InputHash};

pub fn sample_request(version: Version) -> EsignRequest {
    let v3 = version == Version::V3_2;
    EsignRequest {
        version,
        consent: true,
        ts: "2026-01-15T10:20:30".into(),
        txn: "SIGNET-01JABCDEF".into(),
        ekyc_id_type: "A".into(),
        asp_id: "ASP-TEST-1".into(),
        auth_mode: "1".into(),
        response_sig_type: "pkcs7".into(),
        response_url: "https://signet.example/esign/response/SIGNET-01JABCDEF?a=1&b=2".into(),
        signer_id: v3.then(|| "asha@aadhaar.SIGNET".into()),
        redirect_url: v3.then(|| "https://signet.example/sign/x".into()),
        signing_algorithm: v3.then(|| "RSA".into()),
        max_wait_period: v3.then_some(30),
        hashes: vec![
            InputHash {
                id: "1".into(),
                hash: [0xab; 32],
                doc_info: "Lease <\"Flat 4\"> & 'annex'".into(),
            },
            InputHash {
                id: "2".into(),
                hash: [0x01; 32],
                doc_info: String::new(),
            },
        ],
    }
}
