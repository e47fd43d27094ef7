//! Test support shared by the integration tests (`mod support;`): independent validators,
//! test PKI, a real RFC 3161 timestamp authority, and the fixture corpus ([`corpus`]).
//!
//! Everything here runs real tools (qpdf, poppler's pdfsig, pyHanko, openssl). Our own code
//! must never be the only judge of a signature, and a mock would only agree with us. A missing
//! tool is a test failure that says how to get it (`scripts/test`), never a silent skip:
//! a skipped validator looks exactly like a passing one in CI output.
//!
//! Tools are found in `$SIGNET_TEST_TOOLS/venv/bin` (pyHanko and its Python; `scripts/test`
//! exports the variable, and it defaults to `<workspace>/.test-tools` so a plain `cargo test`
//! works once `scripts/test` has run) and on `PATH` (the Debian packages).

// Each test binary compiles its own copy of this module and uses a different part of it.
#![allow(dead_code)]

pub mod corpus;
pub mod encrypted;
pub mod signing;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------------
// Locating and running tools
// ---------------------------------------------------------------------------------------------

const INSTALL_HINT: &str = "run scripts/test from the repository root: it installs the \
     validators (apt: poppler-utils qpdf libnss3-tools openssl; venv: pyHanko) and exports \
     SIGNET_TEST_TOOLS";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `$SIGNET_TEST_TOOLS`, or `<workspace>/.test-tools` where `scripts/test` puts it.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("SIGNET_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".test-tools"))
}

/// The helper scripts that live beside the tests (`tests/tools/*.py`).
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools")
        .join(name)
}

/// The absolute path of an external tool, or a panic that says how to install it.
///
/// `python` and `pyhanko` come only from the venv: a system pyHanko of another version would
/// change verdicts without anyone noticing.
pub fn tool(name: &str) -> PathBuf {
    let venv = tools_dir().join("venv/bin").join(name);
    if venv.is_file() {
        return venv;
    }
    if !matches!(name, "python" | "pyhanko") {
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("test tool `{name}` not found (looked in {venv:?} and PATH): {INSTALL_HINT}");
}

/// Runs a command to completion, capturing its output. Panics only if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}; {INSTALL_HINT}"))
}

/// Runs a command that must succeed; panics with its stderr otherwise.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn text(out: &Output) -> String {
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    s
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Scratch and cache directories
// ---------------------------------------------------------------------------------------------

/// Cargo's scratch directory for integration tests (`target/tmp`).
pub fn target_tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

/// A directory under `target/tmp/scratch`, removed on drop unless the test is panicking (then
/// it is kept, and its path printed, so the failing files can be inspected).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let path = target_tmp()
            .join("scratch")
            .join(format!("{prefix}-{}", unique_suffix()));
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept test files in {}", self.0.display());
        } else {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

/// Returns `dir`, building it with `build` first if it is not complete yet.
///
/// The build happens in a sibling directory that is renamed into place when done, so an
/// interrupted build is never mistaken for a cache hit, and concurrent test processes
/// (nextest) that race on the same cache both end up with one complete copy.
pub fn build_cached_dir(dir: &Path, build: impl FnOnce(&Path)) -> PathBuf {
    // Threads of one test binary wait for each other rather than all building. One lock per
    // directory, so that a build may use another cached directory without deadlocking.
    static LOCKS: Mutex<BTreeMap<PathBuf, Arc<Mutex<()>>>> = Mutex::new(BTreeMap::new());
    let lock = LOCKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(dir.to_path_buf())
        .or_default()
        .clone();
    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    if dir.is_dir() {
        return dir.to_path_buf();
    }
    let parent = dir.parent().unwrap();
    fs::create_dir_all(parent).unwrap();
    let partial = parent.join(format!(
        ".{}.partial-{}",
        dir.file_name().unwrap().to_string_lossy(),
        unique_suffix()
    ));
    fs::create_dir_all(&partial).unwrap();
    // Removes the half-built directory if `build` panics.
    struct Cleanup<'a>(&'a Path);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(self.0);
        }
    }
    let cleanup = Cleanup(&partial);
    build(&partial);
    std::mem::forget(cleanup);
    if fs::rename(&partial, dir).is_err() {
        // Another process finished first; its copy is as good as ours.
        let _ = fs::remove_dir_all(&partial);
        assert!(dir.is_dir(), "could not move {partial:?} to {dir:?}");
    }
    dir.to_path_buf()
}

/// A trust store for one root certificate: `root.pem` for pyHanko and an NSS database for
/// pdfsig. Built once per root (keyed by SHA-256 of the PEM) and shared by every test.
///
/// Beware: pdfsig given a missing or empty NSS directory does not complain; it reports every
/// signature as "Unknown Validation Failure." with a blank signer name.
pub fn trust_store(root_pem: &[u8]) -> PathBuf {
    let dir = target_tmp().join(format!("trust-{}", &sha256_hex(root_pem)[..16]));
    build_cached_dir(&dir, |d| {
        fs::write(d.join("root.pem"), root_pem).unwrap();
        let nss = d.join("nssdb");
        fs::create_dir(&nss).unwrap();
        let db = format!("sql:{}", nss.display());
        run_ok(Command::new(tool("certutil")).args(["-N", "-d", &db, "--empty-password"]));
        // "CT,C,C": a trusted CA for every usage, whichever one pdfsig asks NSS about.
        run_ok(
            Command::new(tool("certutil"))
                .args([
                    "-A",
                    "-d",
                    &db,
                    "-n",
                    "signet-test-root",
                    "-t",
                    "CT,C,C",
                    "-i",
                ])
                .arg(d.join("root.pem")),
        );
    })
}

// ---------------------------------------------------------------------------------------------
// qpdf
// ---------------------------------------------------------------------------------------------

/// `qpdf --check`: `Ok` only for exit 0. The error text starts with `qpdf warnings (exit 3)`
/// or `qpdf errors (exit 2)` and carries qpdf's output, so a test may accept warnings if it
/// has a reason to.
pub fn qpdf_check(path: &Path) -> Result<(), String> {
    let out = run(Command::new(tool("qpdf")).arg("--check").arg(path));
    match out.status.code() {
        Some(0) => Ok(()),
        Some(3) => Err(format!(
            "qpdf warnings (exit 3) for {path:?}:\n{}",
            text(&out)
        )),
        Some(2) => Err(format!(
            "qpdf errors (exit 2) for {path:?}:\n{}",
            text(&out)
        )),
        other => Err(format!("qpdf exit {other:?} for {path:?}:\n{}", text(&out))),
    }
}

/// `qpdf --show-npages`, for checking that a file still has its pages.
pub fn qpdf_page_count(path: &Path) -> usize {
    let out = run_ok(Command::new(tool("qpdf")).arg("--show-npages").arg(path));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("qpdf --show-npages printed a number")
}

// ---------------------------------------------------------------------------------------------
// pdfsig (poppler)
// ---------------------------------------------------------------------------------------------

/// One `Signature #N:` block of pdfsig's output.
#[derive(Debug, Clone, Default)]
pub struct PdfsigSig {
    /// 1-based, in pdfsig's order.
    pub number: usize,
    pub field_name: Option<String>,
    pub signer_common_name: Option<String>,
    pub signer_dn: Option<String>,
    pub signing_time: Option<String>,
    pub hash_algorithm: Option<String>,
    /// e.g. `ETSI.CAdES.detached`.
    pub signature_type: Option<String>,
    /// `[a - b]` pairs as printed (half-open offsets: start, end).
    pub signed_ranges: Vec<(u64, u64)>,
    /// "Total document signed" (the last range ends at end of file) rather than "Not total
    /// document signed".
    pub total_document_signed: bool,
    /// The text after "Signature Validation: ", e.g. "Signature is Valid." or
    /// "Digest Mismatch.".
    pub signature_validation: String,
    pub signature_valid: bool,
    /// The text after "Certificate Validation: " (absent when pdfsig skips it).
    pub certificate_validation: String,
    pub certificate_trusted: bool,
    /// This block's lines as printed.
    pub raw: String,
}

#[derive(Debug, Clone)]
pub struct PdfsigReport {
    pub exit_code: Option<i32>,
    /// stdout then stderr (NSS prints "NSS_Shutdown failed" there in some cases).
    pub text: String,
    pub signatures: Vec<PdfsigSig>,
}

/// Runs pdfsig with an NSS database that trusts `trust_root_pem` and parses its report.
/// pdfsig's exit code says nothing about validity (0 for invalid signatures, 2 for "no
/// signatures" and for unreadable files), so the text is all there is.
pub fn pdfsig_report(path: &Path, trust_root_pem: &[u8]) -> PdfsigReport {
    let store = trust_store(trust_root_pem);
    let out = run(Command::new(tool("pdfsig"))
        .arg("-nssdir")
        .arg(format!("sql:{}", store.join("nssdb").display()))
        .arg(path));
    let text = text(&out);
    PdfsigReport {
        exit_code: out.status.code(),
        signatures: parse_pdfsig(&text),
        text,
    }
}

/// The signatures pdfsig sees (none for an unsigned file). Panics if pdfsig could not read
/// the file at all: use [`pdfsig_report`] to test that.
pub fn pdfsig(path: &Path, trust_root_pem: &[u8]) -> Vec<PdfsigSig> {
    let report = pdfsig_report(path, trust_root_pem);
    let unsigned = report.text.contains("does not contain any signatures");
    if report.signatures.is_empty() && !unsigned {
        panic!(
            "pdfsig could not read {path:?} (exit {:?}):\n{}",
            report.exit_code, report.text
        );
    }
    report.signatures
}

fn parse_pdfsig(text: &str) -> Vec<PdfsigSig> {
    let mut sigs: Vec<PdfsigSig> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Signature #") {
            let number = rest.trim_end_matches(':').trim().parse().unwrap_or(0);
            sigs.push(PdfsigSig {
                number,
                ..Default::default()
            });
        }
        let Some(sig) = sigs.last_mut() else { continue };
        sig.raw.push_str(line);
        sig.raw.push('\n');
        let item = line.trim_start().strip_prefix("- ").unwrap_or("");
        let (key, value) = match item.split_once(": ") {
            Some((k, v)) => (k, v.trim().to_string()),
            None => (item, String::new()),
        };
        match key {
            "Signature Field Name" => sig.field_name = Some(value),
            "Signer Certificate Common Name" => sig.signer_common_name = Some(value),
            "Signer full Distinguished Name" => sig.signer_dn = Some(value),
            "Signing Time" => sig.signing_time = Some(value),
            "Signing Hash Algorithm" => sig.hash_algorithm = Some(value),
            "Signature Type" => sig.signature_type = Some(value),
            "Signed Ranges" => sig.signed_ranges = parse_ranges(&value),
            "Total document signed" => sig.total_document_signed = true,
            "Signature Validation" => {
                sig.signature_valid = value == "Signature is Valid.";
                sig.signature_validation = value;
            }
            "Certificate Validation" => {
                sig.certificate_trusted = value == "Certificate is Trusted.";
                sig.certificate_validation = value;
            }
            _ => {}
        }
    }
    sigs
}

fn parse_ranges(value: &str) -> Vec<(u64, u64)> {
    value
        .split(']')
        .filter_map(|part| {
            let inner = part.trim_start_matches([',', ' ', '[']);
            let (a, b) = inner.split_once(" - ")?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// pyHanko
// ---------------------------------------------------------------------------------------------

/// pyHanko's `SignatureCoverageLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Coverage {
    Unclear,
    ContiguousBlockFromStart,
    EntireRevision,
    EntireFile,
    #[serde(other)]
    Unknown,
}

/// pyHanko's `ModificationLevel`: what later revisions changed after this signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ModificationLevel {
    None,
    LtaUpdates,
    FormFilling,
    Annotations,
    Other,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PyhankoTimestamp {
    pub intact: bool,
    pub valid: bool,
    pub trusted: bool,
    pub time: Option<String>,
    pub tsa_subject: Option<String>,
}

/// One signature (or document timestamp) as pyHanko judged it; see
/// `tests/tools/pyhanko_report.py`. When `error` is set, validation raised and the verdict
/// fields are left false/None.
#[derive(Debug, Clone, Deserialize)]
pub struct PyhankoSig {
    pub field: String,
    /// `/Sig` or `/DocTimeStamp`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub subfilter: Option<String>,
    /// The digest over the ByteRange matches the signed digest.
    #[serde(default)]
    pub intact: bool,
    /// The cryptographic signature checks out.
    #[serde(default)]
    pub valid: bool,
    /// A path to the given trust root exists and key usage is acceptable.
    #[serde(default)]
    pub trusted: bool,
    /// pyHanko's overall judgment (includes DocMDP, seed values and the timestamp).
    #[serde(default)]
    pub bottom_line: bool,
    #[serde(default)]
    pub trust_problem: Option<String>,
    #[serde(default)]
    pub coverage: Option<Coverage>,
    #[serde(default)]
    pub modification_level: Option<ModificationLevel>,
    #[serde(default)]
    pub docmdp_ok: Option<bool>,
    #[serde(default)]
    pub signer_subject: Option<String>,
    #[serde(default)]
    pub signer_reported_time: Option<String>,
    #[serde(default)]
    pub md_algorithm: Option<String>,
    #[serde(default)]
    pub seed_value_ok: Option<bool>,
    /// The signature timestamp token (B-T), or the document timestamp itself.
    #[serde(default)]
    pub timestamp: Option<PyhankoTimestamp>,
    /// The CLI's executive summary, e.g. `INTACT:TRUSTED,UNTOUCHED`.
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub traceback: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PyhankoReport {
    /// Set when pyHanko could not read the file at all (strict parser).
    pub error: Option<String>,
    pub signatures: Vec<PyhankoSig>,
}

/// Validates every signature of `path` with pyHanko, trusting only `trust_root_pem`, with no
/// revocation checking.
pub fn pyhanko_report(path: &Path, trust_root_pem: &[u8]) -> PyhankoReport {
    let store = trust_store(trust_root_pem);
    let out = run_ok(
        Command::new(tool("python"))
            .arg(script("pyhanko_report.py"))
            .arg(path)
            .arg(store.join("root.pem")),
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "pyhanko_report.py printed something that is not its JSON ({e}):\n{}",
            text(&out)
        )
    })
}

/// The signatures pyHanko sees. Panics if pyHanko cannot read the file at all: use
/// [`pyhanko_report`] to test that.
pub fn pyhanko_validate(path: &Path, trust_root_pem: &[u8]) -> Vec<PyhankoSig> {
    let report = pyhanko_report(path, trust_root_pem);
    if let Some(error) = report.error {
        panic!("pyHanko could not read {path:?}: {error}");
    }
    report.signatures
}

/// Signs with pyHanko's CLI (PAdES, visible field on page 1 at 72,72–272,142), to make inputs
/// that "another tool already signed".
pub fn pyhanko_sign(
    input: &Path,
    output: &Path,
    key: &Path,
    cert: &Path,
    chain: &Path,
    field: &str,
) {
    pyhanko_sign_with(input, output, key, cert, chain, field, &[]);
}

/// [`pyhanko_sign`] with a signature timestamp from `tsa_url` (PAdES B-T).
pub fn pyhanko_sign_timestamped(
    input: &Path,
    output: &Path,
    key: &Path,
    cert: &Path,
    chain: &Path,
    field: &str,
    tsa_url: &str,
) {
    pyhanko_sign_with(
        input,
        output,
        key,
        cert,
        chain,
        field,
        &["--timestamp-url", tsa_url],
    );
}

/// Adds a document timestamp (`/DocTimeStamp`, `pyhanko sign timestamp`) from `tsa_url`.
/// pyHanko validates the token as it goes, hence the trust root (the TSA's).
pub fn pyhanko_doc_timestamp(input: &Path, output: &Path, tsa_url: &str, trust_root: &Path) {
    run_ok(
        Command::new(tool("pyhanko"))
            .args(["sign", "timestamp", "--timestamp-url", tsa_url, "--trust"])
            .arg(trust_root)
            .arg("--trust-replace")
            .arg(input)
            .arg(output),
    );
}

/// [`pyhanko_sign`] with extra `addsig` options (before the `pemder` subcommand), e.g.
/// `["--certify"]` or `["--reason", "..."]`.
pub fn pyhanko_sign_with(
    input: &Path,
    output: &Path,
    key: &Path,
    cert: &Path,
    chain: &Path,
    field: &str,
    addsig_options: &[&str],
) {
    run_ok(
        Command::new(tool("pyhanko"))
            .args(["sign", "addsig", "--field"])
            .arg(format!("1/72,72,272,142/{field}"))
            .arg("--use-pades")
            .args(addsig_options)
            .args(["pemder", "--no-pass", "--key"])
            .arg(key)
            .arg("--cert")
            .arg(cert)
            .arg("--chain")
            .arg(chain)
            .arg(input)
            .arg(output),
    );
}

// ---------------------------------------------------------------------------------------------
// Test PKI (openssl CLI)
// ---------------------------------------------------------------------------------------------

/// Bump to regenerate the cached shared PKI (e.g. after changing an extension below).
const PKI_VERSION: u32 = 1;

/// A key and its certificate, as files and as bytes.
#[derive(Debug, Clone)]
pub struct KeyCert {
    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`), unencrypted.
    pub key_path: PathBuf,
    pub cert_path: PathBuf,
    pub key_pem: Vec<u8>,
    pub cert_pem: Vec<u8>,
    /// PKCS#8 DER.
    pub key_der: Vec<u8>,
    pub cert_der: Vec<u8>,
}

/// A root CA and certificates it issued: three signers with different key types and a TSA.
/// Valid for ten years from creation; no CRL or OCSP URLs (validate without revocation).
#[derive(Debug, Clone)]
pub struct TestPki {
    pub dir: PathBuf,
    /// Self-signed CA, RSA-2048 (`CN=Signet Test Root CA`).
    pub root: KeyCert,
    /// Signer, RSA-2048, keyUsage digitalSignature+nonRepudiation.
    pub rsa2048: KeyCert,
    /// Signer, RSA-3072.
    pub rsa3072: KeyCert,
    /// Signer, ECDSA P-256.
    pub ec_p256: KeyCert,
    /// Timestamp authority, RSA-2048, critical extendedKeyUsage timeStamping.
    pub tsa: KeyCert,
}

impl TestPki {
    /// One PKI shared by all tests, created once and cached under `target/tmp`.
    pub fn shared() -> &'static TestPki {
        TestPki::named("shared")
    }

    /// A cached PKI of its own, unrelated to [`TestPki::shared`]: e.g. `named("untrusted")`
    /// for a signer whose root the validators are not given.
    pub fn named(name: &str) -> &'static TestPki {
        static CACHE: Mutex<BTreeMap<String, &'static TestPki>> = Mutex::new(BTreeMap::new());
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(name.to_string()).or_insert_with(|| {
            let dir = target_tmp().join(format!("pki-v{PKI_VERSION}-{name}"));
            let dir = build_cached_dir(&dir, |d| {
                TestPki::generate(d);
            });
            Box::leak(Box::new(TestPki::load(&dir)))
        })
    }

    /// Creates a fresh PKI in `dir` (about a second: RSA-3072 key generation dominates).
    pub fn generate(dir: &Path) -> TestPki {
        fs::create_dir_all(dir).unwrap();
        let rsa = |bits: u32| ["RSA".to_string(), format!("rsa_keygen_bits:{bits}")];
        let ec = ["EC".to_string(), "ec_paramgen_curve:P-256".to_string()];
        genkey(dir, "root", &rsa(2048));
        run_ok(
            Command::new(tool("openssl"))
                .current_dir(dir)
                .args([
                    "req", "-x509", "-new", "-key", "root.key", "-sha256", "-days", "3650",
                ])
                .args(["-subj", "/O=Signet tests/CN=Signet Test Root CA"])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
                .args(["-addext", "subjectKeyIdentifier=hash"])
                .args(["-out", "root.pem"]),
        );
        der_copy(dir, "root");
        let signer_ext = "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,nonRepudiation\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
        let tsa_ext = "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,nonRepudiation\n\
             extendedKeyUsage=critical,timeStamping\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
        for (name, cn, alg, ext) in [
            ("rsa2048", "Test Signer RSA-2048", rsa(2048), signer_ext),
            ("rsa3072", "Test Signer RSA-3072", rsa(3072), signer_ext),
            ("ec-p256", "Test Signer EC P-256", ec, signer_ext),
            ("tsa", "Signet Test TSA", rsa(2048), tsa_ext),
        ] {
            genkey(dir, name, &alg);
            issue(dir, name, cn, ext);
        }
        TestPki::load(dir)
    }

    /// Reads a PKI that [`TestPki::generate`] wrote.
    pub fn load(dir: &Path) -> TestPki {
        TestPki {
            dir: dir.to_path_buf(),
            root: KeyCert::load(dir, "root"),
            rsa2048: KeyCert::load(dir, "rsa2048"),
            rsa3072: KeyCert::load(dir, "rsa3072"),
            ec_p256: KeyCert::load(dir, "ec-p256"),
            tsa: KeyCert::load(dir, "tsa"),
        }
    }

    /// The three document signers, for tests that run once per key type.
    pub fn signers(&self) -> [(&'static str, &KeyCert); 3] {
        [
            ("rsa2048", &self.rsa2048),
            ("rsa3072", &self.rsa3072),
            ("ec-p256", &self.ec_p256),
        ]
    }

    /// Writes an `openssl ts -reply` configuration (and its serial file) into `dir`.
    /// Each user gets its own serial file because openssl rewrites it on every reply.
    pub fn write_tsa_config(&self, dir: &Path) -> PathBuf {
        let serial = dir.join("tsaserial");
        // A random start keeps serials from different runs apart.
        fs::write(&serial, format!("{:016X}\n", random_u64())).unwrap();
        let config = format!(
            "[ tsa ]\n\
             default_tsa = signet_test_tsa\n\
             [ signet_test_tsa ]\n\
             serial = {serial}\n\
             crypto_device = builtin\n\
             signer_cert = {cert}\n\
             certs = {root}\n\
             signer_key = {key}\n\
             signer_digest = sha256\n\
             default_policy = 1.3.6.1.4.1.55555.1.1\n\
             other_policies = 1.3.6.1.4.1.55555.1.2\n\
             digests = sha256, sha384, sha512\n\
             accuracy = secs:1\n\
             ordering = yes\n\
             tsa_name = yes\n\
             ess_cert_id_chain = no\n\
             ess_cert_id_alg = sha256\n",
            serial = serial.display(),
            cert = self.tsa.cert_path.display(),
            root = self.root.cert_path.display(),
            key = self.tsa.key_path.display(),
        );
        let path = dir.join("tsa.cnf");
        fs::write(&path, config).unwrap();
        path
    }

    /// Answers a DER `TimeStampReq` with a DER `TimeStampResp` from `openssl ts -reply`, with
    /// no HTTP in between (for engine-level tests).
    pub fn ts_reply(&self, query_der: &[u8]) -> Vec<u8> {
        let tmp = TempDir::new("ts-reply");
        let config = self.write_tsa_config(tmp.path());
        fs::write(tmp.join("query.tsq"), query_der).unwrap();
        run_ok(
            Command::new(tool("openssl"))
                .args(["ts", "-reply", "-config"])
                .arg(&config)
                .arg("-queryfile")
                .arg(tmp.join("query.tsq"))
                .arg("-out")
                .arg(tmp.join("reply.tsr")),
        );
        fs::read(tmp.join("reply.tsr")).unwrap()
    }
}

/// [`TestPki::ts_reply`] with the shared PKI's TSA.
pub fn openssl_ts_reply(query_der: &[u8]) -> Vec<u8> {
    TestPki::shared().ts_reply(query_der)
}

impl KeyCert {
    fn load(dir: &Path, name: &str) -> KeyCert {
        let key_path = dir.join(format!("{name}.key"));
        let cert_path = dir.join(format!("{name}.pem"));
        KeyCert {
            key_pem: fs::read(&key_path).unwrap(),
            cert_pem: fs::read(&cert_path).unwrap(),
            key_der: fs::read(dir.join(format!("{name}.key.der"))).unwrap(),
            cert_der: fs::read(dir.join(format!("{name}.der"))).unwrap(),
            key_path,
            cert_path,
        }
    }
}

/// `alg` is [algorithm, one -pkeyopt].
fn genkey(dir: &Path, name: &str, alg: &[String; 2]) {
    let key = format!("{name}.key");
    run_ok(
        Command::new(tool("openssl"))
            .current_dir(dir)
            .args(["genpkey", "-algorithm", &alg[0], "-pkeyopt", &alg[1]])
            .args(["-out", &key]),
    );
    run_ok(
        Command::new(tool("openssl"))
            .current_dir(dir)
            .args([
                "pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER",
            ])
            .args(["-out", &format!("{name}.key.der")]),
    );
}

fn issue(dir: &Path, name: &str, cn: &str, extensions: &str) {
    fs::write(dir.join(format!("{name}.ext")), extensions).unwrap();
    run_ok(
        Command::new(tool("openssl"))
            .current_dir(dir)
            .args(["req", "-new", "-key", &format!("{name}.key")])
            .args(["-subj", &format!("/O=Signet tests/CN={cn}")])
            .args(["-out", &format!("{name}.csr")]),
    );
    run_ok(
        Command::new(tool("openssl"))
            .current_dir(dir)
            .args(["x509", "-req", "-in", &format!("{name}.csr")])
            .args([
                "-CA", "root.pem", "-CAkey", "root.key", "-sha256", "-days", "3650",
            ])
            .args(["-set_serial", &format!("0x{:016x}", random_u64())])
            .args(["-extfile", &format!("{name}.ext")])
            .args(["-out", &format!("{name}.pem")]),
    );
    der_copy(dir, name);
}

fn der_copy(dir: &Path, name: &str) {
    run_ok(
        Command::new(tool("openssl"))
            .current_dir(dir)
            .args(["x509", "-in", &format!("{name}.pem"), "-outform", "DER"])
            .args(["-out", &format!("{name}.der")]),
    );
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    u64::from_le_bytes(bytes) >> 1
}

// ---------------------------------------------------------------------------------------------
// RFC 3161 timestamp authority over HTTP
// ---------------------------------------------------------------------------------------------

/// How the test TSA answers (for testing the engine's failure handling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsaMode {
    /// A real `openssl ts -reply` answer.
    Ok,
    /// HTTP 500.
    HttpError,
    /// HTTP 200 `application/timestamp-reply` with random bytes.
    Garbage,
    /// Never answers (the connection stays open): for client timeouts.
    Hang,
}

impl TsaMode {
    fn arg(self) -> &'static str {
        match self {
            TsaMode::Ok => "ok",
            TsaMode::HttpError => "http-error",
            TsaMode::Garbage => "garbage",
            TsaMode::Hang => "hang",
        }
    }
}

/// `tests/tools/tsa_server.py` on an ephemeral loopback port; killed on drop. It also exits by
/// itself when this process dies (it watches its stdin), so no orphan outlives a crashed test.
pub struct TsaServer {
    pub port: u16,
    /// `http://127.0.0.1:PORT/`
    pub url: String,
    child: Child,
    _stdin: ChildStdin,
    _dir: TempDir,
}

impl TsaServer {
    pub fn start(pki: &TestPki) -> TsaServer {
        TsaServer::start_with(pki, TsaMode::Ok)
    }

    pub fn start_with(pki: &TestPki, mode: TsaMode) -> TsaServer {
        let dir = TempDir::new("tsa");
        let config = pki.write_tsa_config(dir.path());
        let mut child = Command::new(tool("python"))
            .arg(script("tsa_server.py"))
            .args(["--port", "0", "--mode", mode.arg(), "--config"])
            .arg(&config)
            .env("OPENSSL", tool("openssl"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tsa_server.py: {e}; {INSTALL_HINT}"));
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("tsa_server.py did not print its port (got {line:?})")
        });
        TsaServer {
            port,
            url: format!("http://127.0.0.1:{port}/"),
            child,
            _stdin: stdin,
            _dir: dir,
        }
    }
}

impl Drop for TsaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 POST over loopback (dev-dependencies stay small, and the engine's own
/// client must not be what tests the test server). Returns (status, content type, body).
pub fn http_post(url: &str, content_type: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http:// URL");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("HTTP response has a header");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("HTTP status");
    let headers: BTreeMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let content_type = headers.get("content-type").cloned().unwrap_or_default();
    (status, content_type, response[split + 4..].to_vec())
}

/// `openssl ts -query` for a file: a DER `TimeStampReq` (SHA-256, certReq, nonce).
pub fn openssl_ts_query(data_file: &Path) -> Vec<u8> {
    let out = run_ok(
        Command::new(tool("openssl"))
            .args(["ts", "-query", "-sha256", "-cert", "-data"])
            .arg(data_file),
    );
    out.stdout
}

/// `openssl ts -verify` of a `TimeStampResp` against a file; returns openssl's output on
/// failure.
pub fn openssl_ts_verify(data_file: &Path, reply_der: &[u8], pki: &TestPki) -> Result<(), String> {
    let tmp = TempDir::new("ts-verify");
    fs::write(tmp.join("reply.tsr"), reply_der).unwrap();
    let out = run(Command::new(tool("openssl"))
        .args(["ts", "-verify", "-data"])
        .arg(data_file)
        .arg("-in")
        .arg(tmp.join("reply.tsr"))
        .arg("-CAfile")
        .arg(&pki.root.cert_path)
        .arg("-untrusted")
        .arg(&pki.tsa.cert_path));
    let t = text(&out);
    if out.status.success() && t.contains("Verification: OK") {
        Ok(())
    } else {
        Err(t)
    }
}

// ---------------------------------------------------------------------------------------------
// Small byte helpers for tests
// ---------------------------------------------------------------------------------------------

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Copies `src` to `dst` with the byte at `offset` XOR-ed with 0x01.
pub fn flip_byte(src: &Path, dst: &Path, offset: usize) {
    let mut bytes = fs::read(src).unwrap();
    bytes[offset] ^= 0x01;
    fs::write(dst, bytes).unwrap();
}
