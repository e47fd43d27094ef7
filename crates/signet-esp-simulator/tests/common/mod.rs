//! A simulator in-process on 127.0.0.1:0 with a throwaway data directory, an ASP key made by
//! the openssl CLI, and the ASP's side of the exchanges (signed requests, form posts, the
//! fields of the pages that come back).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use signet_esign::Version;
use signet_esign::dsig::XmlSigner;
use signet_esign::request::{EsignRequest, InputHash};
use signet_esign::response::EsignResponse;
use signet_esp_simulator::{Args, Config, Running};
use time::OffsetDateTime;
use time::macros::{format_description, offset};

pub const ASP_ID: &str = "ASP-TEST-1";
pub const OTP: &str = "123456";
pub const AADHAAR: &str = "999941057058";
pub const VID: &str = "9199999999991234";
pub const KYC: &str = r#"[
  {"aadhaar": "999941057058", "vid": "9199999999991234", "name": "Asha Rao", "yob": 1989,
   "gender": "F", "pincode": "560001", "state": "Karnataka"},
  {"aadhaar": "999971658847", "name": "Vikram Iyer", "yob": 1975, "gender": "M",
   "pincode": "416143", "state": "Maharashtra", "street": "Near Water Tank",
   "locality": "Kolhapur"}
]"#;

pub fn temp_dir(tag: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "esp-sim-{tag}-{}-{n}-{}",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl CLI runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A self-signed RSA key pair made by openssl in `dir`: (cert.pem path, signer).
pub fn asp_key(dir: &Path, name: &str) -> (PathBuf, XmlSigner) {
    let key = dir.join(format!("{name}.key.pem"));
    let cert = dir.join(format!("{name}.pem"));
    let s = |p: &PathBuf| p.to_str().unwrap().to_owned();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &s(&key),
        "-out",
        &s(&cert),
        "-subj",
        &format!("/CN={name}"),
        "-days",
        "2",
    ]);
    let key_der = dir.join(format!("{name}.key.der"));
    let cert_der = dir.join(format!("{name}.der"));
    openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-outform",
        "DER",
        "-in",
        &s(&key),
        "-out",
        &s(&key_der),
    ]);
    openssl(&[
        "x509",
        "-in",
        &s(&cert),
        "-outform",
        "DER",
        "-out",
        &s(&cert_der),
    ]);
    let signer = XmlSigner::new(
        &std::fs::read(&key_der).unwrap(),
        &std::fs::read(&cert_der).unwrap(),
    )
    .unwrap();
    (cert, signer)
}

pub struct Sim {
    pub running: Running,
    pub dir: PathBuf,
    pub asp: XmlSigner,
    pub client: reqwest::Client,
}

impl Sim {
    pub async fn start() -> Sim {
        Sim::start_with(None).await
    }

    /// With every transaction's wait period capped (tests of ESP-946).
    pub async fn start_with(max_wait: Option<Duration>) -> Sim {
        let dir = temp_dir("sim");
        let (asp_pem, asp) = asp_key(&dir, "asp");
        let kyc = dir.join("kyc.json");
        std::fs::write(&kyc, KYC).unwrap();
        let args = Args {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.join("data"),
            kyc,
            asp_certificate: asp_pem,
            asp_id: ASP_ID.into(),
            otp: OTP.into(),
        };
        let mut config = Config::from_args(&args).unwrap();
        config.max_wait = max_wait;
        let running = signet_esp_simulator::start(config).await.unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Sim {
            running,
            dir,
            asp,
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    pub fn esp_der(&self) -> Vec<u8> {
        pem_to_der(&self.running.esp_pem)
    }

    /// POSTs a form; (status, Location header, body).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let r = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        Reply::of(r).await
    }

    /// POSTs raw XML (two-step, status).
    pub async fn post_xml(&self, path: &str, xml: &str) -> Reply {
        let r = self
            .client
            .post(self.url(path))
            .header("content-type", "application/xml")
            .body(xml.to_owned())
            .send()
            .await
            .unwrap();
        Reply::of(r).await
    }

    /// A two-step request that the simulator accepted: the answer's resCode.
    pub async fn two_step(&self, request: &EsignRequest) -> String {
        let ver = request.version.as_str();
        let reply = self
            .post_xml(
                &format!("/{ver}/signdoc"),
                &self.asp.sign(&request.to_xml()).unwrap(),
            )
            .await;
        let answer = self.verified(&reply.body);
        assert_eq!(
            answer.status,
            signet_esign::response::Status::Pending,
            "{}",
            reply.body
        );
        answer.res_code.unwrap()
    }

    /// The signed answer, its signature checked against esp.pem.
    pub fn verified(&self, xml: &str) -> EsignResponse {
        signet_esign::dsig::verify(xml, &self.esp_der())
            .unwrap_or_else(|e| panic!("the ESP's signature: {e}\n{xml}"));
        EsignResponse::parse(xml).unwrap()
    }
}

pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    async fn of(r: reqwest::Response) -> Reply {
        let status = r.status().as_u16();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let content_type = header("content-type").unwrap_or_default();
        let body = r.text().await.unwrap();
        Reply {
            status,
            location,
            content_type,
            body,
        }
    }

    /// The value of the (hidden) input `name` in an HTML page.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(unescape(&self.body[start..end]))
    }

    /// The `action` of the page's form.
    pub fn form_action(&self) -> Option<String> {
        let marker = "action=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(unescape(&self.body[start..end]))
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

pub fn pem_to_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let (_, der) = der::pem::decode_vec(text.as_bytes()).unwrap();
    der
}

/// The ASP's clock as it writes `ts`: IST without an offset.
pub fn ist(at: OffsetDateTime) -> String {
    at.to_offset(offset!(+05:30))
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap()
}

pub fn txn(tag: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("{tag}-{}-{n}", std::process::id())
}

/// A document and its SHA-256, the hash an ASP sends.
pub fn document(n: u8) -> (Vec<u8>, [u8; 32]) {
    use sha2::Digest;
    let bytes = format!("document {n}: the bytes a PDF's ByteRange covers").into_bytes();
    let hash: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    (bytes, hash)
}

pub fn request(version: Version, response_url: &str) -> EsignRequest {
    let v32 = version == Version::V3_2;
    EsignRequest {
        version,
        consent: true,
        ts: ist(OffsetDateTime::now_utc()),
        txn: txn("t"),
        ekyc_id_type: "A".into(),
        asp_id: ASP_ID.into(),
        auth_mode: "1".into(),
        response_sig_type: "pkcs7".into(),
        response_url: response_url.into(),
        signer_id: None,
        redirect_url: None,
        signing_algorithm: v32.then(|| "RSA".into()),
        max_wait_period: v32.then_some(30),
        hashes: (1..=2)
            .map(|n| InputHash {
                id: n.to_string(),
                hash: document(n).1,
                doc_info: format!("Loan agreement part {n}"),
            })
            .collect(),
    }
}
