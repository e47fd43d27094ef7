//! The certificate tests' real parts: a test PKI made by openssl with a live OCSP responder
//! and CRLs (`signet-pdf/tests/pki`), and a SoftHSM2 token holding organisation keys
//! (`signet-pkcs11/tests/softhsm-token.sh`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The PKCS#11 module SoftHSM2 installs (apt softhsm2; scripts/test installs it).
pub const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The token's label and user PIN.
pub const TOKEN: &str = "Signet Org";
pub const PIN: &str = "246810";
/// What `make-pki.sh` protects every PKCS#12 with.
pub const P12_PASSWORD: &str = "signet";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh PKI in its own directory, with its OCSP responder and CRLs served on the port its
/// certificates name. The responder stops with the value.
pub struct Pki {
    pub dir: PathBuf,
    pub port: u16,
    responder: Option<Child>,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "pki-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        let port = free_port();
        let out = Command::new("bash")
            .arg(repo().join("crates/signet-pdf/tests/pki/make-pki.sh"))
            .arg(&dir)
            .arg(port.to_string())
            .output()
            .expect("bash runs make-pki.sh");
        assert!(
            out.status.success(),
            "make-pki.sh: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pki = Pki {
            dir,
            port,
            responder: None,
        };
        pki.start_responder();
        pki
    }

    /// Serves OCSP and the CRLs (again, after `stop_responder`).
    pub fn start_responder(&mut self) {
        let mut child = Command::new("python3")
            .arg(repo().join("crates/signet-pdf/tests/pki/serve.py"))
            .arg(&self.dir)
            .arg(self.port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs serve.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), self.port.to_string(), "serve.py listens");
        self.responder = Some(child);
    }

    /// Revocation data is unreachable from here on: what a validator checks years later.
    pub fn stop_responder(&mut self) {
        if let Some(mut child) = self.responder.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Base64 DER of `leaf` then the intermediate: what a signer's token hands over.
    pub fn chain_b64(&self, leaf: &str) -> Vec<String> {
        vec![
            super::base64(&self.read(&format!("{leaf}.der"))),
            super::base64(&self.read("intermediate.der")),
        ]
    }

    /// The leaf's private key, to sign as a signer's token would.
    pub fn key(&self, leaf: &str) -> signet_pdf::signer::PrivateKey {
        let pem = String::from_utf8(self.read(&format!("{leaf}.key"))).unwrap();
        signet_pdf::keys::load_private_key_pem(&pem).unwrap()
    }

    /// A SoftHSM2 token (`TOKEN`, `PIN`) holding `good-rsa` as `org-rsa` and `good-p256` as
    /// `org-p256`, with their certificates and the intermediate. Returns its softhsm2.conf.
    pub fn token(&self) -> PathBuf {
        let dir = self.dir.join("softhsm");
        let script = repo().join("crates/signet-pkcs11/tests/softhsm-token.sh");
        let run = |args: &[&str]| {
            let out = Command::new("bash")
                .arg(&script)
                .arg(&dir)
                .args(args)
                .output()
                .expect("bash runs softhsm-token.sh");
            assert!(
                out.status.success(),
                "softhsm-token.sh {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let p = |name: &str| self.path(name).to_string_lossy().into_owned();
        run(&["init", TOKEN, PIN, "5678"]);
        run(&[
            "key",
            TOKEN,
            PIN,
            "org-rsa",
            "01",
            &p("good-rsa.key"),
            &p("good-rsa.pem"),
        ]);
        run(&[
            "key",
            TOKEN,
            PIN,
            "org-p256",
            "02",
            &p("good-p256.key"),
            &p("good-p256.pem"),
        ]);
        run(&[
            "cert",
            TOKEN,
            PIN,
            "issuing-ca",
            "10",
            &p("intermediate.pem"),
        ]);
        dir.join("softhsm2.conf")
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        self.stop_responder();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    nanos ^ (N.fetch_add(1, std::sync::atomic::Ordering::SeqCst) << 32)
}

/// `pyhanko sign adesverify` trusting only `root`, at the current time given explicitly: a
/// point-in-time validation, for which pyHanko fetches nothing and judges only the revocation
/// data the file holds (B-LT). Returns how many signatures it found intact and trusted, and
/// its report.
pub fn pyhanko_adesverify(root: &Path, pdf: &Path) -> (usize, String) {
    let tools = std::env::var("SIGNET_TEST_TOOLS").expect("run through scripts/test");
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let out = Command::new(Path::new(&tools).join("venv/bin/pyhanko"))
        .args(["sign", "adesverify", "--validation-time", &now, "--trust"])
        .arg(root)
        .arg("--trust-replace")
        .arg(pdf)
        .output()
        .expect("the venv's pyhanko runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text.matches(":INTACT:TRUSTED,").count(), text)
}

/// The PKI's timestamp authority (`tsa`, with revocation sources of its own) served by the
/// engine's test TSA (`signet-pdf/tests/tools/tsa_server.py`) on a loopback port; it exits
/// when its stdin closes, so it never outlives the test.
pub struct Tsa {
    pub url: String,
    child: Child,
    _stdin: std::process::ChildStdin,
}

impl Pki {
    pub fn start_tsa(&self) -> Tsa {
        Tsa::start(&self.path("tsa.cnf"), "ok")
    }
}

impl Tsa {
    /// Serves the `openssl ts` configuration `config`; `mode` other than `ok` answers every
    /// request wrongly (`http-error`, `garbage`, `hang`).
    pub fn start(config: &Path, mode: &str) -> Tsa {
        let tools = std::env::var("SIGNET_TEST_TOOLS").expect("run through scripts/test");
        let mut child = Command::new(Path::new(&tools).join("venv/bin/python"))
            .arg(repo().join("crates/signet-pdf/tests/tools/tsa_server.py"))
            .args(["--port", "0", "--mode", mode, "--config"])
            .arg(config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tsa_server.py starts");
        let stdin = child.stdin.take().unwrap();
        let mut port = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        Tsa {
            url: format!("http://127.0.0.1:{}/", port.trim()),
            child,
            _stdin: stdin,
        }
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
