//! A real `signet esp-simulator` on an ephemeral port: the eSign service provider the
//! Aadhaar tests talk to. It stops with the value.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The simulator's defaults, which `start` keeps.
pub const ASP_ID: &str = "ASP-TEST-1";
pub const OTP: &str = "123456";

pub struct EspSimulator {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    /// Its CA: what SIGNET_SIGNER_TRUST_ROOTS must hold for its certificates to verify.
    pub ca_pem: PathBuf,
    /// The certificate that signs every EsignResp (an ESP's `esp_certificate`).
    pub esp_pem: PathBuf,
    child: Child,
}

impl EspSimulator {
    /// Starts one with its data (CA, ESP key, `kyc.json`) under `dir`, accepting requests
    /// signed with the key of `asp_cert_pem` from ASP id `ASP_ID`; `kyc_json` is the KYC
    /// file's content.
    pub fn start(dir: &Path, asp_cert_pem: &Path, kyc_json: &str) -> EspSimulator {
        std::fs::create_dir_all(dir).unwrap();
        let kyc = dir.join("kyc.json");
        std::fs::write(&kyc, kyc_json).unwrap();
        let data = dir.join("esp-data");
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet"))
            .arg("esp-simulator")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&data)
            .arg("--kyc")
            .arg(&kyc)
            .arg("--asp-certificate")
            .arg(asp_cert_pem)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("signet esp-simulator starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(url) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_string)
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("esp-simulator printed no address: {line:?}");
        };
        EspSimulator {
            url,
            ca_pem: data.join("ca.pem"),
            esp_pem: data.join("esp.pem"),
            child,
        }
    }
}

impl Drop for EspSimulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ASP's request-signing key as an operator makes it: a self-signed certificate (given to
/// the ESP) and a PKCS#12 of both under `password` (given to Signet; passed to openssl through
/// the environment, never on its command line). Returns (certificate PEM, PKCS#12).
pub fn asp_key(dir: &Path, password: &str) -> (PathBuf, PathBuf) {
    let (key, pem, p12) = (
        dir.join("asp.key"),
        dir.join("asp.pem"),
        dir.join("asp.p12"),
    );
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("openssl")
            .args(args)
            .env("SIGNET_TEST_ASP_PASSWORD", password)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    run(&[
        os("req"),
        os("-x509"),
        os("-newkey"),
        os("rsa:2048"),
        os("-nodes"),
        os("-keyout"),
        key.as_os_str(),
        os("-out"),
        pem.as_os_str(),
        os("-subj"),
        os("/CN=Signet test ASP"),
        os("-days"),
        os("2"),
    ]);
    run(&[
        os("pkcs12"),
        os("-export"),
        os("-inkey"),
        key.as_os_str(),
        os("-in"),
        pem.as_os_str(),
        os("-passout"),
        os("env:SIGNET_TEST_ASP_PASSWORD"),
        os("-out"),
        p12.as_os_str(),
    ]);
    (pem, p12)
}
