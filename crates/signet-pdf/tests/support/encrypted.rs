//! Encrypted fixtures: qpdf encrypts plain files of the corpus with an empty user password and
//! full permissions (these Signet signs), with restricted permissions or a user password (these
//! it refuses). Generated on first use into `target/tmp/encrypted-v{VERSION}-{root}` (one
//! fixture is signed with the PKI root's signer), then reused; `MANIFEST.md` there lists them.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::corpus::corpus;
use super::signing::PyHanko;
use super::{TestPki, build_cached_dir, run_ok, sha256_hex, target_tmp, tool};

/// Bump when a generator changes, so that cached fixtures are rebuilt.
pub const ENCRYPTED_VERSION: u32 = 1;

/// What a correct Signet does with a fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Signs,
    /// Refused with this error code.
    Refused(&'static str),
}

#[derive(Debug, Clone)]
pub struct EncryptedFixture {
    pub name: &'static str,
    pub path: PathBuf,
    /// How it was made.
    pub note: String,
    pub expect: Expect,
    pub pyhanko: PyHanko,
}

const RESTRICTED: Expect = Expect::Refused("file.pdf.restricted");
const PASSWORD: Expect = Expect::Refused("file.pdf.encrypted");

/// (name, corpus file it encrypts, qpdf arguments, expectation). RC4 needs
/// `--allow-weak-crypto`: qpdf 11 refuses to write it otherwise.
const TABLE: &[(&str, &str, &[&str], Expect)] = &[
    (
        "r2-rc4-40.pdf",
        "krilla-3-pages.pdf",
        &["--allow-weak-crypto", "--encrypt", "", "owner", "40", "--"],
        Expect::Signs,
    ),
    (
        "r3-rc4-128.pdf",
        "pdf-1.3-classic-xref.pdf",
        &[
            "--allow-weak-crypto",
            "--encrypt",
            "",
            "owner",
            "128",
            "--use-aes=n",
            "--",
        ],
        Expect::Signs,
    ),
    (
        "r4-rc4-128-crypt-filter.pdf",
        "lopdf-1-page.pdf",
        &[
            "--allow-weak-crypto",
            "--encrypt",
            "",
            "owner",
            "128",
            "--use-aes=n",
            "--force-V4",
            "--",
        ],
        Expect::Signs,
    ),
    (
        "r4-aes-128-object-streams.pdf",
        "krilla-3-pages.pdf",
        &[
            "--object-streams=generate",
            "--encrypt",
            "",
            "owner",
            "128",
            "--use-aes=y",
            "--",
        ],
        Expect::Signs,
    ),
    (
        "r4-aes-128-cleartext-metadata.pdf",
        "krilla-3-pages.pdf",
        &[
            "--encrypt",
            "",
            "owner",
            "128",
            "--use-aes=y",
            "--cleartext-metadata",
            "--",
        ],
        Expect::Signs,
    ),
    (
        "r5-aes-256.pdf",
        "rotate-cropbox.pdf",
        &["--encrypt", "", "owner", "256", "--force-R5", "--"],
        Expect::Signs,
    ),
    (
        "r6-aes-256-object-streams.pdf",
        "krilla-3-pages.pdf",
        &[
            "--object-streams=generate",
            "--encrypt",
            "",
            "owner",
            "256",
            "--",
        ],
        Expect::Signs,
    ),
    (
        "r6-aes-256-linearized.pdf",
        "krilla-3-pages.pdf",
        &["--linearize", "--encrypt", "", "owner", "256", "--"],
        Expect::Signs,
    ),
    (
        "r2-rc4-40-restricted.pdf",
        "krilla-3-pages.pdf",
        &[
            "--allow-weak-crypto",
            "--encrypt",
            "",
            "owner",
            "40",
            "--modify=n",
            "--annotate=n",
            "--",
        ],
        RESTRICTED,
    ),
    (
        // Bits 6 and 9 (comment, fill in forms, sign existing fields) but not 4: creating a
        // signature field is not allowed.
        "r3-rc4-128-annotate-only.pdf",
        "krilla-3-pages.pdf",
        &[
            "--allow-weak-crypto",
            "--encrypt",
            "",
            "owner",
            "128",
            "--use-aes=n",
            "--modify=annotate",
            "--",
        ],
        RESTRICTED,
    ),
    (
        "r4-aes-128-restricted.pdf",
        "krilla-3-pages.pdf",
        &[
            "--encrypt",
            "",
            "owner",
            "128",
            "--use-aes=y",
            "--modify=none",
            "--annotate=n",
            "--form=n",
            "--",
        ],
        RESTRICTED,
    ),
    (
        "r6-aes-256-restricted.pdf",
        "krilla-3-pages.pdf",
        &[
            "--encrypt",
            "",
            "owner",
            "256",
            "--modify=none",
            "--annotate=n",
            "--form=n",
            "--",
        ],
        RESTRICTED,
    ),
    (
        "r3-rc4-128-user-password.pdf",
        "krilla-3-pages.pdf",
        &[
            "--allow-weak-crypto",
            "--encrypt",
            "user",
            "owner",
            "128",
            "--use-aes=n",
            "--",
        ],
        PASSWORD,
    ),
    (
        "r4-aes-128-user-password.pdf",
        "krilla-3-pages.pdf",
        &["--encrypt", "user", "owner", "128", "--use-aes=y", "--"],
        PASSWORD,
    ),
];

/// Fixtures pyHanko 0.38 cannot read, and why; qpdf, pdfsig and our verifier still check them.
const BEYOND_PYHANKO: &[(&str, &str)] = &[
    (
        "r5-aes-256.pdf",
        "pyHanko implements revisions 2-4 and 6 of the standard security handler, not the \
         deprecated revision 5 (it cannot open qpdf's file either)",
    ),
    (
        "r4-aes-128-cleartext-metadata.pdf",
        "pyHanko decrypts the /Metadata stream despite /EncryptMetadata false (it cannot sign \
         qpdf's file either, and fails once it compares revisions)",
    ),
];

/// Made by pyHanko rather than qpdf: it must be signed after encryption.
const SIGNED_BY_PYHANKO: &str = "r6-aes-256-signed-by-pyhanko.pdf";
const SIGNED_BY_PYHANKO_INPUT: &str = "r6-aes-256-object-streams.pdf";

pub struct EncryptedFixtures {
    pub dir: PathBuf,
    pub fixtures: Vec<EncryptedFixture>,
    pub pki: &'static TestPki,
}

impl EncryptedFixtures {
    pub fn fixture(&self, name: &str) -> &EncryptedFixture {
        self.fixtures
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no encrypted fixture {name:?}"))
    }

    pub fn path(&self, name: &str) -> &Path {
        &self.fixture(name).path
    }
}

/// The shared encrypted fixtures, generated on first use.
pub fn encrypted_fixtures() -> &'static EncryptedFixtures {
    static FIXTURES: OnceLock<EncryptedFixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let plain = corpus();
        let pki = plain.pki;
        let root = &sha256_hex(&pki.root.cert_pem)[..12];
        let dir = target_tmp().join(format!("encrypted-v{ENCRYPTED_VERSION}-{root}"));
        let dir = build_cached_dir(&dir, |d| {
            for old in fs::read_dir(target_tmp()).unwrap().flatten() {
                if old.file_name().to_string_lossy().starts_with("encrypted-v") {
                    let _ = fs::remove_dir_all(old.path());
                }
            }
            generate(d, &plain.dir, pki)
        });
        let mut fixtures: Vec<EncryptedFixture> = TABLE
            .iter()
            .map(|&(name, base, args, expect)| EncryptedFixture {
                name,
                path: dir.join(name),
                note: note(base, args),
                expect,
                pyhanko: pyhanko_for(name),
            })
            .collect();
        fixtures.push(EncryptedFixture {
            name: SIGNED_BY_PYHANKO,
            path: dir.join(SIGNED_BY_PYHANKO),
            note: signed_by_pyhanko_note(),
            expect: Expect::Signs,
            pyhanko: PyHanko::Check,
        });
        EncryptedFixtures { dir, fixtures, pki }
    })
}

fn pyhanko_for(name: &str) -> PyHanko {
    BEYOND_PYHANKO
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(PyHanko::Check, |(_, why)| PyHanko::Skip(why))
}

fn note(base: &str, args: &[&str]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a.is_empty() {
                "\"\"".into()
            } else {
                a.to_string()
            }
        })
        .collect();
    format!("qpdf {} {base}", args.join(" "))
}

fn signed_by_pyhanko_note() -> String {
    format!(
        "pyhanko sign addsig --use-pades (empty password on stdin), field Sig1 on page 1, \
         RSA-2048 signer of the test PKI, input {SIGNED_BY_PYHANKO_INPUT}"
    )
}

fn generate(dir: &Path, corpus_dir: &Path, pki: &TestPki) {
    for &(name, base, args, _) in TABLE {
        run_ok(
            Command::new(tool("qpdf"))
                .args(args)
                .arg(corpus_dir.join(base))
                .arg(dir.join(name)),
        );
    }
    pyhanko_sign_encrypted(
        &dir.join(SIGNED_BY_PYHANKO_INPUT),
        &dir.join(SIGNED_BY_PYHANKO),
        pki,
    );
    let mut manifest = format!(
        "# Signet encrypted fixtures v{ENCRYPTED_VERSION}\n\nGenerated by \
         crates/signet-pdf/tests/support/encrypted.rs.\n\n\
         | file | expected | how it was made |\n|---|---|---|\n"
    );
    for &(name, base, args, expect) in TABLE {
        writeln!(manifest, "| {name} | {expect:?} | {} |", note(base, args)).unwrap();
    }
    writeln!(
        manifest,
        "| {SIGNED_BY_PYHANKO} | Signs | {} |",
        signed_by_pyhanko_note()
    )
    .unwrap();
    fs::write(dir.join("MANIFEST.md"), manifest).unwrap();
}

/// pyHanko's CLI asks for the password of an encrypted input on stdin; the empty one opens it.
fn pyhanko_sign_encrypted(input: &Path, output: &Path, pki: &TestPki) {
    let mut child = Command::new(tool("pyhanko"))
        .args([
            "sign",
            "addsig",
            "--field",
            "1/72,72,272,142/Sig1",
            "--use-pades",
        ])
        .args(["pemder", "--no-pass", "--key"])
        .arg(&pki.rsa2048.key_path)
        .arg("--cert")
        .arg(&pki.rsa2048.cert_path)
        .arg("--chain")
        .arg(&pki.root.cert_path)
        .arg(input)
        .arg(output)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pyhanko starts");
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && output.is_file(),
        "pyhanko could not sign {input:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
