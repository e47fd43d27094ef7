//! The signer's side: the authentication page, wrong codes, cancel, expiry, and the signed
//! answer (its certificate, its CMS) delivered each way; `EsignStatus`; the data directory.

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use der::{Decode, Encode};
use signet_esign::Version;
use signet_esign::request::EsignRequest;
use signet_esign::response::{EsignResponse, Status};
use signet_esign::status::EsignStatus;
use signet_esign::txnref;
use time::OffsetDateTime;

const BACK: &str = "http://127.0.0.1:9/esign/response";

/// Two-step up to the authentication page: (the session field, the page).
async fn open_auth_page(sim: &Sim, request: &EsignRequest) -> (String, Reply) {
    let res_code = sim.two_step(request).await;
    let page = sim
        .post_form(
            "/authpage",
            &[("txnref", &txnref::encode(&request.txn, &res_code))],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.field("session").as_deref(), Some(res_code.as_str()));
    (res_code, page)
}

async fn submit(sim: &Sim, session: &str, aadhaar: &str, otp: &str, action: &str) -> Reply {
    sim.post_form(
        "/authenticate",
        &[
            ("session", session),
            ("aadhaar", aadhaar),
            ("otp", otp),
            ("action", action),
        ],
    )
    .await
}

/// The two-step delivery: an auto-submitting form to responseUrl with XML and txnref.
fn two_step_answer(sim: &Sim, reply: &Reply, request: &EsignRequest) -> EsignResponse {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.form_action().as_deref(),
        Some(request.response_url.as_str())
    );
    assert!(reply.body.contains("<script>"));
    assert!(reply.body.contains(">Continue</button>"));
    let (txn, res_code) = txnref::decode(&reply.field("txnref").unwrap()).unwrap();
    assert_eq!(txn, request.txn);
    let answer = sim.verified(&reply.field("XML").unwrap());
    assert_eq!(answer.txn, request.txn);
    assert_eq!(answer.res_code.as_deref(), Some(res_code.as_str()));
    answer
}

#[tokio::test]
async fn the_page_shows_the_request_and_three_wrong_codes_end_it_with_esp_415() {
    let sim = Sim::start().await;
    let request = request(Version::V2_1, BACK);
    let (session, page) = open_auth_page(&sim, &request).await;
    for text in [
        "ASP-TEST-1",
        "Loan agreement part 1",
        "Loan agreement part 2",
        r#"<label for="aadhaar">Aadhaar number or VID</label>"#,
        r#"<input id="aadhaar" name="aadhaar""#,
        r#"<label for="otp">One-time code</label>"#,
        r#"<input id="otp" name="otp""#,
        ">Sign</button>",
        ">Cancel</button>",
        "123456",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("http"), "no external resources");

    let reply = submit(&sim, &session, AADHAAR, "000000", "sign").await;
    assert!(
        reply.body.contains("Wrong code: 2 attempts left"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains(&format!("value=\"{AADHAAR}\"")));
    let reply = submit(&sim, &session, "999999999999", OTP, "sign").await;
    assert!(
        reply
            .body
            .contains("Aadhaar number not found: 1 attempt left"),
        "{}",
        reply.body
    );
    let reply = submit(&sim, &session, AADHAAR, "654321", "sign").await;
    let answer = two_step_answer(&sim, &reply, &request);
    assert_eq!(answer.status, Status::Failed);
    assert_eq!(answer.error_code.as_deref(), Some("ESP-415"));
    assert_eq!(
        answer.error_message.as_deref(),
        Some("Invalid OTP. No Of Retry Attempt Exhausted")
    );

    // The transaction is over: the right code no longer signs.
    let reply = submit(&sim, &session, AADHAAR, OTP, "sign").await;
    assert!(reply.body.contains("already finished"), "{}", reply.body);
    assert!(reply.field("XML").is_none());
}

#[tokio::test]
async fn cancel_ends_with_esp_944_and_a_late_submission_with_esp_946() {
    let sim = Sim::start_with(Some(Duration::from_millis(1500))).await;
    let request = request(Version::V2_1, BACK);
    let (session, _) = open_auth_page(&sim, &request).await;
    let reply = submit(&sim, &session, "", "", "cancel").await;
    let answer = two_step_answer(&sim, &reply, &request);
    assert_eq!(answer.status, Status::Failed);
    assert_eq!(answer.error_code.as_deref(), Some("ESP-944"));
    assert_eq!(
        answer.error_message.as_deref(),
        Some("User terminated eKYC process")
    );

    let request = common::request(Version::V2_1, BACK);
    let (session, _) = open_auth_page(&sim, &request).await;
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let reply = submit(&sim, &session, AADHAAR, OTP, "sign").await;
    let answer = two_step_answer(&sim, &reply, &request);
    assert_eq!(answer.error_code.as_deref(), Some("ESP-946"));

    // Unknown sessions and txnrefs are refused.
    assert_eq!(submit(&sim, "nope", AADHAAR, OTP, "sign").await.status, 404);
    let reply = sim
        .post_form("/authpage", &[("txnref", &txnref::encode("x", "y"))])
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        sim.post_form("/authpage", &[("txnref", "%%%")])
            .await
            .status,
        400
    );
}

/// The signed answer's certificate and CMS, checked with openssl: the subject layout, the
/// chain to ca.pem, the messageDigest equal to each document's hash.
fn check_signed(sim: &Sim, answer: &EsignResponse, request: &EsignRequest, subject: &str) {
    assert_eq!(answer.status, Status::Signed);
    assert!(answer.error_code.is_none());
    let dir = temp_dir("check");
    let cert_der = answer.user_certificate.as_ref().unwrap();
    let leaf = dir.join("leaf.der");
    std::fs::write(&leaf, cert_der).unwrap();
    let leaf_pem = dir.join("leaf.pem");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        &s(&leaf),
        "-out",
        &s(&leaf_pem),
    ]);
    let printed = openssl(&[
        "x509",
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253,-esc_msb",
        "-in",
        &s(&leaf_pem),
    ]);
    // RFC 2253 prints the RDNs last first.
    let rdns: Vec<&str> = printed
        .trim()
        .trim_start_matches("subject=")
        .split(',')
        .rev()
        .collect();
    let mut expected: Vec<String> = subject.split(',').map(str::to_owned).collect();
    // dnQualifier and pseudonym end in hashes: compare their shape.
    for (i, rdn) in rdns.iter().enumerate() {
        let want = &expected[i];
        if let Some(prefix) = want.strip_suffix('*') {
            let value = rdn
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{rdn} vs {want}"));
            let hex_len = if prefix.starts_with("dnQualifier") {
                40
            } else {
                32
            };
            assert_eq!(value.len(), hex_len, "{rdn}");
            assert!(value.bytes().all(|b| b.is_ascii_hexdigit()), "{rdn}");
            expected[i] = rdn.to_string();
        }
    }
    assert_eq!(rdns, expected, "{printed}");
    let verified = openssl(&[
        "verify",
        "-CAfile",
        &s(&sim.running.ca_pem),
        "-purpose",
        "any",
        &s(&leaf_pem),
    ]);
    assert!(verified.contains("OK"), "{verified}");

    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    let validity = &cert.tbs_certificate.validity;
    let lifetime = validity.not_after.to_unix_duration() - validity.not_before.to_unix_duration();
    assert_eq!(lifetime, Duration::from_secs(30 * 60));
    let now = OffsetDateTime::now_utc().unix_timestamp() as u64;
    let not_before = validity.not_before.to_unix_duration().as_secs();
    assert!((55..=120).contains(&(now - not_before)), "a minute back");
    let text = openssl(&["x509", "-noout", "-text", "-in", &s(&leaf_pem)]);
    for wanted in [
        "2.16.356.100.2.4.1",
        "Digital Signature, Non Repudiation",
        "sha256WithRSAEncryption",
        "Public-Key: (2048 bit)",
    ] {
        assert!(text.contains(wanted), "{wanted}: {text}");
    }
    assert!(text.contains("X509v3 Key Usage: critical"), "{text}");

    assert_eq!(answer.signatures.len(), request.hashes.len());
    for (signature, input) in answer.signatures.iter().zip(&request.hashes) {
        assert_eq!(signature.id, input.id);
        let n: u8 = input.id.parse().unwrap();
        let (content, hash) = document(n);
        assert_eq!(hash, input.hash);
        let cms = dir.join(format!("cms{n}.der"));
        let doc = dir.join(format!("doc{n}"));
        std::fs::write(&cms, &signature.cms).unwrap();
        std::fs::write(&doc, &content).unwrap();
        // -content: openssl hashes the document and compares with messageDigest.
        let out = Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                &s(&cms),
                "-content",
                &s(&doc),
                "-CAfile",
                &s(&sim.running.ca_pem),
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cms -verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = openssl(&[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            &s(&cms),
        ]);
        assert!(printed.contains("signingTime"), "{printed}");
        // The chain: the leaf and the CA.
        assert_eq!(printed.matches("cert_info:").count(), 2, "{printed}");
    }
}

const ASHA: &str =
    "C=IN,postalCode=560001,ST=Karnataka,dnQualifier=1989F*,pseudonym=*,title=7058,CN=Asha Rao";

#[tokio::test]
async fn the_right_code_signs_two_step_2_1() {
    let sim = Sim::start().await;
    let request = request(Version::V2_1, BACK);
    let (session, _) = open_auth_page(&sim, &request).await;
    let reply = submit(&sim, &session, AADHAAR, OTP, "sign").await;
    let answer = two_step_answer(&sim, &reply, &request);
    check_signed(&sim, &answer, &request, ASHA);

    // By VID, another transaction: same holder, a fresh certificate (new serial).
    let second = common::request(Version::V2_1, BACK);
    let (session, _) = open_auth_page(&sim, &second).await;
    let reply = submit(&sim, &session, VID, OTP, "sign").await;
    let again = two_step_answer(&sim, &reply, &second);
    check_signed(&sim, &again, &second, ASHA);
    let serial = |a: &EsignResponse| {
        x509_cert::Certificate::from_der(a.user_certificate.as_ref().unwrap())
            .unwrap()
            .tbs_certificate
            .serial_number
            .to_der()
            .unwrap()
    };
    assert_ne!(serial(&answer), serial(&again));

    // Street and locality, when the KYC has them, come between ST and dnQualifier.
    let third = common::request(Version::V2_1, BACK);
    let (session, _) = open_auth_page(&sim, &third).await;
    let reply = submit(&sim, &session, "999971658847", OTP, "sign").await;
    let answer = two_step_answer(&sim, &reply, &third);
    check_signed(
        &sim,
        &answer,
        &third,
        "C=IN,postalCode=416143,ST=Maharashtra,street=Near Water Tank,L=Kolhapur,dnQualifier=1975M*,pseudonym=*,title=8847,CN=Vikram Iyer",
    );
}

/// The forms a receiver got, each a list of (name, value).
type Received = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// A receiver for the 3.2 server-to-server delivery: every form posted to it.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let store = Arc::clone(&got);
    let app = axum::Router::new().route(
        "/esign/response",
        axum::routing::post(move |body: axum::body::Bytes| {
            let store = Arc::clone(&store);
            async move {
                let fields: Vec<(String, String)> =
                    serde_urlencoded::from_bytes(&body).unwrap_or_default();
                store.lock().unwrap().push(fields);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/esign/response", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

fn received(got: &Received, name: &str) -> Vec<String> {
    got.lock()
        .unwrap()
        .iter()
        .filter_map(|form| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .collect()
}

fn signed_status(sim: &Sim, txn: &str) -> String {
    let query = EsignStatus {
        ts: ist(OffsetDateTime::now_utc()),
        txn: txn.into(),
        asp_id: ASP_ID.into(),
    };
    sim.asp.sign(&query.to_xml()).unwrap()
}

#[tokio::test]
async fn form_transport_3_2_posts_to_the_asp_then_redirects_and_status_reports_it() {
    let sim = Sim::start().await;
    let (url, got) = receiver().await;
    let mut request = request(Version::V3_2, &url);
    request.redirect_url = Some("https://asp.example/back?step=2".into());
    let xml = sim.asp.sign(&request.to_xml()).unwrap();
    let page = sim
        .post_form(
            "/3.2/form/signdoc",
            &[
                ("eSignRequest", &xml),
                ("aspTxnID", &request.txn),
                ("Content-Type", "application/xml"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Aadhaar number or VID"), "{}", page.body);
    let session = page.field("session").unwrap();

    // Before the signer acts: pending.
    let reply = sim
        .post_xml("/3.2/status", &signed_status(&sim, &request.txn))
        .await;
    let status = sim.verified(&reply.body);
    assert_eq!(status.status, Status::Pending);
    assert_eq!(status.res_code.as_deref(), Some(session.as_str()));

    let reply = submit(&sim, &session, AADHAAR, OTP, "sign").await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(
        reply.location.as_deref(),
        Some("https://asp.example/back?step=2")
    );
    let delivered = received(&got, "eSignResponse");
    assert_eq!(delivered.len(), 1);
    assert_eq!(received(&got, "espTxnID"), vec![session.clone()]);
    let answer = sim.verified(&delivered[0]);
    assert_eq!(answer.txn, request.txn);
    check_signed(&sim, &answer, &request, ASHA);

    // Afterwards: signed, with the certificate and signatures.
    let reply = sim
        .post_xml("/3.2/status", &signed_status(&sim, &request.txn))
        .await;
    let status = sim.verified(&reply.body);
    assert_eq!(status.status, Status::Signed);
    assert_eq!(status.user_certificate, answer.user_certificate);
    assert_eq!(status.signatures, answer.signatures);

    // Unknown txn, a query signed by someone else.
    let reply = sim
        .post_xml("/3.2/status", &signed_status(&sim, "no-such-txn"))
        .await;
    assert_eq!(sim.verified(&reply.body).status, Status::Failed);
    let dir = temp_dir("wrong");
    let (_, wrong) = asp_key(&dir, "wrong");
    let query = EsignStatus {
        ts: ist(OffsetDateTime::now_utc()),
        txn: request.txn.clone(),
        asp_id: ASP_ID.into(),
    };
    let reply = sim
        .post_xml("/3.2/status", &wrong.sign(&query.to_xml()).unwrap())
        .await;
    let status = sim.verified(&reply.body);
    assert_eq!(status.status, Status::Failed);
    assert_eq!(status.error_code.as_deref(), Some("ESP-911"));
    assert!(reply.body.contains("errorCode=\"ESP-911\""));
}

#[tokio::test]
async fn two_step_3_2_without_redirect_url_posts_and_auto_submits() {
    let sim = Sim::start().await;
    let (url, got) = receiver().await;
    let request = request(Version::V3_2, &url);
    let (session, _) = open_auth_page(&sim, &request).await;
    let reply = submit(&sim, &session, AADHAAR, OTP, "cancel").await;
    let answer = two_step_answer(&sim, &reply, &request);
    assert_eq!(answer.error_code.as_deref(), Some("ESP-944"));
    assert!(
        reply
            .field("XML")
            .unwrap()
            .contains("errorCode=\"ESP-944\"")
    );
    let posted = received(&got, "XML");
    assert_eq!(posted.len(), 1);
    assert_eq!(
        sim.verified(&posted[0]).error_code.as_deref(),
        Some("ESP-944")
    );
    assert_eq!(
        received(&got, "txnref"),
        vec![txnref::encode(&request.txn, &session)]
    );
    let reply = sim
        .post_xml("/3.2/status", &signed_status(&sim, &request.txn))
        .await;
    let status = sim.verified(&reply.body);
    assert_eq!(
        (status.status, status.error_code.as_deref()),
        (Status::Failed, Some("ESP-944"))
    );
}

#[tokio::test]
async fn the_data_directory_is_reused_and_its_keys_are_private() {
    let sim = Sim::start().await;
    let data = sim.dir.join("data");
    let ca = std::fs::read(&sim.running.ca_pem).unwrap();
    let esp = std::fs::read(&sim.running.esp_pem).unwrap();
    let subject = openssl(&[
        "x509",
        "-noout",
        "-subject",
        "-in",
        sim.running.ca_pem.to_str().unwrap(),
    ]);
    assert!(subject.contains("Signet ESP Simulator CA"), "{subject}");
    openssl(&[
        "verify",
        "-CAfile",
        sim.running.ca_pem.to_str().unwrap(),
        sim.running.esp_pem.to_str().unwrap(),
    ]);
    for key in ["ca.key.pem", "esp.key.pem"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
        let pem = std::fs::read_to_string(data.join(key)).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    }

    let kyc = sim.dir.join("kyc.json");
    let args = signet_esp_simulator::Args {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.clone(),
        kyc: kyc.clone(),
        asp_certificate: sim.dir.join("asp.pem"),
        asp_id: ASP_ID.into(),
        otp: OTP.into(),
    };
    let again =
        signet_esp_simulator::start(signet_esp_simulator::Config::from_args(&args).unwrap())
            .await
            .unwrap();
    assert_eq!(std::fs::read(&again.ca_pem).unwrap(), ca);
    assert_eq!(std::fs::read(&again.esp_pem).unwrap(), esp);

    // Start-up refusals say what is wrong.
    std::fs::write(&kyc, r#"[{"aadhaar": "12", "name": "X", "yob": 1990, "gender": "F", "pincode": "560001", "state": "K"}]"#).unwrap();
    let err = signet_esp_simulator::Config::from_args(&args).unwrap_err();
    assert!(err.contains("aadhaar must be 12 digits"), "{err}");
    let bad_otp = signet_esp_simulator::Args {
        otp: "12ab".into(),
        ..args.clone()
    };
    assert!(
        signet_esp_simulator::Config::from_args(&bad_otp)
            .unwrap_err()
            .contains("--otp")
    );
}
