//! `signet esp-simulator` as the binary runs it: it starts, prints where it listens, and
//! refuses a request whose XML signature is not the ASP's (ESP-911), answering with a
//! response signed by its esp.pem. The simulator's own tests cover the rest
//! (crates/signet-esp-simulator/tests).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::esp::{ASP_ID, EspSimulator};
use signet_esign::Version;
use signet_esign::dsig::XmlSigner;
use signet_esign::request::{EsignRequest, InputHash};
use signet_esign::response::{EsignResponse, Status};

const KYC: &str = r#"[{"aadhaar": "999941057058", "name": "Asha Rao", "yob": 1989,
  "gender": "F", "pincode": "560001", "state": "Karnataka"}]"#;

fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed RSA key made by openssl: (certificate PEM, XML signer).
fn key(dir: &Path, name: &str) -> (PathBuf, XmlSigner) {
    let path = |ext: &str| dir.join(format!("{name}.{ext}"));
    let s = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let (key, cert, key_der, cert_der) = (path("key"), path("pem"), path("p8"), path("der"));
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
        "/CN=ASP",
        "-days",
        "1",
    ]);
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

#[tokio::test]
async fn refuses_a_request_signed_with_another_key() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("esp-simulator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (asp_pem, _) = key(&dir, "asp");
    let (_, wrong) = key(&dir, "wrong");
    let esp = EspSimulator::start(&dir.join("esp"), &asp_pem, KYC);

    let ts = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+05:30))
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap();
    let request = EsignRequest {
        version: Version::V2_1,
        consent: true,
        ts,
        txn: "signet-test-1".into(),
        ekyc_id_type: "A".into(),
        asp_id: ASP_ID.into(),
        auth_mode: "1".into(),
        response_sig_type: "pkcs7".into(),
        response_url: "http://127.0.0.1:9/esign/response".into(),
        signer_id: None,
        redirect_url: None,
        signing_algorithm: None,
        max_wait_period: None,
        hashes: vec![InputHash {
            id: "1".into(),
            hash: [7; 32],
            doc_info: "Test document".into(),
        }],
    };
    let xml = wrong.sign(&request.to_xml()).unwrap();
    let reply = common::http()
        .post(format!("{}/2.1/signdoc", esp.url))
        .header("content-type", "application/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body = reply.text().await.unwrap();
    let esp_pem = std::fs::read_to_string(&esp.esp_pem).unwrap();
    let (_, esp_der) = der::pem::decode_vec(esp_pem.as_bytes()).unwrap();
    signet_esign::dsig::verify(&body, &esp_der).unwrap();
    let answer = EsignResponse::parse(&body).unwrap();
    assert_eq!(answer.status, Status::Failed);
    assert_eq!(answer.error_code.as_deref(), Some("ESP-911"), "{body}");
    assert_eq!(answer.txn, "signet-test-1");
    assert!(esp.ca_pem.exists());

    drop(esp);
    let _ = std::fs::remove_dir_all(&dir);
}
