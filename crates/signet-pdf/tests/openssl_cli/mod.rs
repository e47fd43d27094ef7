//! Test support: a scratch directory and the `openssl` command-line tool, used as an
//! independent implementation to make and check keys, certificates and timestamps.

#![allow(dead_code)] // each test binary uses a different part

pub mod tsa;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "signet-{tag}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.join(name)).unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `openssl` in `dir` with the whitespace-separated `args`; returns (success, stdout +
/// stderr).
pub fn try_openssl(dir: &Path, args: &str) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("the openssl command-line tool is installed");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Runs `openssl` in `dir` with the whitespace-separated `args`, panicking with its output if
/// it fails.
pub fn openssl(dir: &Path, args: &str) -> String {
    let (ok, text) = try_openssl(dir, args);
    assert!(ok, "openssl {args} failed:\n{text}");
    text
}

/// Key kinds the tests make with openssl.
#[derive(Clone, Copy, Debug)]
pub enum KeyKind {
    Rsa2048,
    P256,
    P384,
}

/// Writes a new private key to `name` (PKCS#8 PEM).
pub fn genkey(dir: &Path, kind: KeyKind, name: &str) {
    let algorithm = match kind {
        KeyKind::Rsa2048 => "RSA -pkeyopt rsa_keygen_bits:2048",
        KeyKind::P256 => "EC -pkeyopt ec_paramgen_curve:P-256",
        KeyKind::P384 => "EC -pkeyopt ec_paramgen_curve:P-384",
    };
    openssl(dir, &format!("genpkey -algorithm {algorithm} -out {name}"));
}

/// A self-signed CA: `{stem}.key.pem`, `{stem}.pem`. `cn` must not contain spaces.
pub fn make_ca(dir: &Path, kind: KeyKind, stem: &str, cn: &str) {
    genkey(dir, kind, &format!("{stem}.key.pem"));
    openssl(
        dir,
        &format!(
            "req -x509 -new -key {stem}.key.pem -out {stem}.pem -days 30 \
             -subj /O=SignetTests/CN={cn} \
             -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
}

/// A certificate `{stem}.pem` for a new key `{stem}.key.pem`, issued by the CA `{ca}`, with
/// the given extensions (openssl `-extfile` syntax, one per line). `cn` must not contain
/// spaces.
pub fn make_leaf(dir: &Path, kind: KeyKind, stem: &str, cn: &str, ca: &str, extensions: &str) {
    genkey(dir, kind, &format!("{stem}.key.pem"));
    openssl(
        dir,
        &format!("req -new -key {stem}.key.pem -out {stem}.csr -subj /O=SignetTests/CN={cn}"),
    );
    std::fs::write(dir.join(format!("{stem}.ext")), extensions).unwrap();
    openssl(
        dir,
        &format!(
            "x509 -req -in {stem}.csr -CA {ca}.pem -CAkey {ca}.key.pem -CAcreateserial \
             -days 30 -sha256 -extfile {stem}.ext -out {stem}.pem"
        ),
    );
}
