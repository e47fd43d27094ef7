//! The revocation test PKI (`make-pki.sh`) and its responder (`serve.py`) for Rust tests.
//! Standard library only, so that other crates' tests can use it as well:
//!
//! ```ignore
//! #[path = "../../signet-pdf/tests/pki/mod.rs"]
//! mod pki;
//! let pki = pki::LtvPki::create(&scratch_dir);   // certificates naming a free port
//! let responder = pki.serve();                   // OCSP and CRLs on that port until dropped
//! let p12 = pki.read("good-rsa.p12");            // password pki::P12_PASSWORD
//! ```
//!
//! Needs `openssl` and `python3` (or `$SIGNET_PYTHON`) on PATH; make-pki.sh's header lists
//! every file.

#![allow(dead_code)] // each test binary uses a different part

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The password of every `LEAF.p12`.
pub const P12_PASSWORD: &str = "signet";

/// The signers make-pki.sh issues, each with `NAME.p12` (the timestamp authority `tsa` has a
/// key and certificate only).
pub const LEAVES: &[&str] = &[
    "good-rsa",
    "good-p256",
    "expired",
    "not-yet-valid",
    "wrong-usage",
    "revoked",
    "untrusted",
];

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../signet-pdf/tests/pki")
}

fn python() -> String {
    std::env::var("SIGNET_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A PKI made by make-pki.sh in a directory of the caller's.
pub struct LtvPki {
    pub dir: PathBuf,
    /// The port every certificate names for OCSP and CRLs.
    pub port: u16,
}

impl LtvPki {
    /// Makes a PKI in `dir` (created if missing) whose certificates name a port that was free
    /// a moment ago.
    pub fn create(dir: &Path) -> LtvPki {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("bash")
            .arg(here().join("make-pki.sh"))
            .arg(dir)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .output()
            .expect("bash runs make-pki.sh");
        assert!(
            out.status.success(),
            "make-pki.sh failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        LtvPki {
            dir: dir.to_path_buf(),
            port,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// `openssl ts -reply -config` for the PKI's timestamp authority.
    pub fn tsa_config(&self) -> PathBuf {
        self.path("tsa.cnf")
    }

    /// `http://127.0.0.1:PORT`, the base of the URLs the certificates name.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts serve.py on the PKI's port; it answers until the returned value is dropped.
    pub fn serve(&self) -> Responder {
        self.serve_with("ok")
    }

    /// serve.py in a failing `mode`: `garbage`, `http-error` or `hang`.
    pub fn serve_with(&self, mode: &str) -> Responder {
        let mut child = Command::new(python())
            .arg(here().join("serve.py"))
            .arg(&self.dir)
            .arg(self.port.to_string())
            .args(["--mode", mode])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs serve.py");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim().parse::<u16>().ok() != Some(self.port) {
            let _ = child.kill();
            panic!(
                "serve.py did not start on port {} (said {line:?})",
                self.port
            );
        }
        Responder {
            child,
            _stdin: stdin,
        }
    }
}

/// A running serve.py; stopped on drop. It also exits by itself when this process dies (it
/// watches its stdin).
pub struct Responder {
    child: Child,
    _stdin: ChildStdin,
}

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
