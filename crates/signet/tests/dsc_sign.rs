//! `signet dsc sign`, the real binary over a SoftHSM2 token: against the real server on both
//! databases (the signed PDF judged by pdfsig, pyHanko and our verifier), and against a
//! stand-in for the DSC endpoints (API.md 10.3) that prepares and finishes with the PDF
//! engine, where every refusal (the server's and the token's) must come out as
//! `{"status": 0, "messages"}` with its code.

mod common;
mod softhsm;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use der::{Decode, DecodePem};
use serde_json::{Value, json};
use signet_pdf::sign::{PreparedSignature, SignatureOptions};
use softhsm::{MODULE, PIN, TOKEN, tokens};
use x509_cert::Certificate;

const DSC: &str = "2b3c4d5e-6f70-4182-9394-a5b6c7d8e9f0";
const VIRTUAL_ONLY: &str = "11111111-2222-4333-8444-555555555555";
const REFUSING: &str = "99999999-8888-4777-8666-555555555555";
/// Asks for a one-time code, which is 246810.
const WITH_OTP: &str = "77777777-6666-4555-8444-333333333333";

#[derive(Default)]
struct Mock {
    prepared: Mutex<Option<PreparedSignature>>,
    /// What `dsc/prepare` received.
    sent_chain: Mutex<Vec<Certificate>>,
    prepares: Mutex<usize>,
    signed: Mutex<Option<Vec<u8>>>,
}

fn ok(data: Value) -> axum::Json<Value> {
    axum::Json(json!({"status": 1, "messages": [], "data": data}))
}

fn refused(code: &str, message: &str) -> axum::Json<Value> {
    axum::Json(json!({"status": 0, "messages": [{"code": code, "message": message}], "data": {}}))
}

fn unbase64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn invitation(Path(uuid): Path<String>) -> axum::Json<Value> {
    let allowed = match uuid.as_str() {
        DSC | REFUSING | WITH_OTP => json!(["DSC", "VIRTUAL_SIGN"]),
        VIRTUAL_ONLY => json!(["VIRTUAL_SIGN"]),
        _ => return refused("invitation.not.found", "no such invitation"),
    };
    ok(json!({
        "documentName": "Lease",
        "active": true,
        "allowedSignatureTypes": allowed,
        "otpRequired": uuid == WITH_OTP,
    }))
}

async fn send_otp(Path(uuid): Path<String>) -> axum::Json<Value> {
    assert_eq!(uuid, WITH_OTP);
    ok(json!({"sentTo": "a***@example.in", "expiresInSeconds": 600}))
}

async fn prepare(
    State(mock): State<Arc<Mock>>,
    Path(uuid): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    *mock.prepares.lock().unwrap() += 1;
    if uuid == REFUSING {
        return refused(
            "dsc.certificate.untrusted",
            "the certificate chains to no trusted root",
        );
    }
    assert_eq!(body["consent"], true);
    if uuid == WITH_OTP && body["otp"] != "246810" {
        return refused("otp.invalid", "wrong one-time code");
    }
    let chain: Vec<Certificate> = body["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Certificate::from_der(&unbase64(c.as_str().unwrap())).unwrap())
        .collect();
    let algorithm = signet_pkcs11::algorithm_of(&chain[0]).unwrap();
    let options = SignatureOptions::new(time::OffsetDateTime::now_utc());
    let prepared =
        signet_pdf::sign::prepare(&common::pdf_with_pages(1), &options, &chain, algorithm).unwrap();
    let answer = json!({
        "prepareId": "prep-1",
        "toBeSigned": base64(&prepared.signed_attributes_der),
        "digestAlgorithm": "SHA-256",
        "signatureAlgorithm": match algorithm {
            signet_pdf::signer::SignatureAlgorithm::RsaPkcs1Sha256 => "RSA_PKCS1_SHA256",
            signet_pdf::signer::SignatureAlgorithm::EcdsaP256Sha256 => "ECDSA_SHA256",
        },
    });
    *mock.prepared.lock().unwrap() = Some(prepared);
    *mock.sent_chain.lock().unwrap() = chain;
    ok(answer)
}

async fn complete(
    State(mock): State<Arc<Mock>>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    assert_eq!(body["prepareId"], "prep-1");
    let Some(prepared) = mock.prepared.lock().unwrap().take() else {
        return refused("dsc.prepare.not.found", "prepare first");
    };
    let signature = unbase64(body["signature"].as_str().unwrap());
    match prepared.finish(&signature, None) {
        Ok(revision) => {
            let mut signed = common::pdf_with_pages(1);
            signed.extend_from_slice(&revision);
            *mock.signed.lock().unwrap() = Some(signed);
            ok(json!({"documentId": "01KMFEE9T8WPY0WPWXQHQ7DTJ2", "completed": true}))
        }
        Err(e) => refused("dsc.signature.invalid", &e.to_string()),
    }
}

/// The stand-in on an ephemeral port; its base URL.
async fn serve(mock: Arc<Mock>) -> String {
    let app = Router::new()
        .route("/base/api/sign/{uuid}", get(invitation))
        .route("/base/api/sign/{uuid}/otp", post(send_otp))
        .route("/base/api/sign/{uuid}/dsc/prepare", post(prepare))
        .route("/base/api/sign/{uuid}/dsc/complete", post(complete))
        .with_state(mock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/base")
}

struct Run {
    ok: bool,
    stdout: Value,
    stderr: String,
}

/// `signet dsc sign {base}/sign/{uuid} --pkcs11-module … --token-label … [args] --pin-stdin`
/// over the test token, with `stdin` as its standard input.
async fn dsc_sign(base: &str, uuid: &str, args: &[&str], stdin: &str) -> Run {
    let mut all = vec![
        format!("{base}/sign/{uuid}"),
        "--token-label".into(),
        TOKEN.into(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    cli(&tokens().conf, &all, stdin).await
}

/// `signet dsc sign ARGS --pkcs11-module SoftHSM --pin-stdin` with the tokens of `conf`.
async fn cli(conf: &std::path::Path, args: &[String], stdin: &str) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_signet"));
    cmd.args(["dsc", "sign"])
        .args(args)
        .args(["--pkcs11-module", MODULE, "--pin-stdin"])
        .env("SOFTHSM2_CONF", conf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = cmd.spawn().expect("signet runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        Run {
            ok: out.status.success(),
            stdout: serde_json::from_str(&stdout)
                .unwrap_or_else(|_| panic!("stdout is not JSON: {stdout}")),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    })
    .await
    .unwrap()
}

fn code(run: &Run) -> &str {
    assert!(!run.ok, "expected a refusal: {}", run.stdout);
    assert_eq!(run.stdout["status"], 0, "{}", run.stdout);
    run.stdout["messages"][0]["code"].as_str().unwrap()
}

#[tokio::test]
async fn signs_an_invitation_with_each_key_of_the_token() {
    let t = tokens();
    let ca = Certificate::from_pem(std::fs::read(&t.ca_pem).unwrap()).unwrap();
    for (key, pem) in [("asha-rsa", &t.rsa_pem), ("asha-ec", &t.ec_pem)] {
        let mock = Arc::new(Mock::default());
        let base = serve(mock.clone()).await;
        let run = dsc_sign(&base, DSC, &["--key-label", key], &format!("{PIN}\n")).await;
        assert!(run.ok, "{key}: {} {}", run.stdout, run.stderr);
        assert_eq!(run.stdout["completed"], true, "{}", run.stdout);
        assert_eq!(run.stdout["documentId"], "01KMFEE9T8WPY0WPWXQHQ7DTJ2");
        assert!(!run.stderr.contains(PIN));

        let leaf = Certificate::from_pem(std::fs::read(pem).unwrap()).unwrap();
        assert_eq!(
            *mock.sent_chain.lock().unwrap(),
            vec![leaf],
            "{key}: the leaf, without the root the token also holds"
        );
        let signed = mock.signed.lock().unwrap().clone().expect("completed");
        let report = signet_pdf::verify::verify(
            &signed,
            std::slice::from_ref(&ca),
            &signet_pdf::Limits::default(),
        )
        .unwrap();
        assert!(report.all_good(), "{key}: {report:#?}");
        assert!(
            report.signatures[0]
                .signer_subject
                .as_deref()
                .unwrap_or("")
                .contains("Asha Rao")
        );
    }
}

#[tokio::test]
async fn a_one_time_code_is_sent_then_given() {
    let mock = Arc::new(Mock::default());
    let base = serve(mock.clone()).await;
    let pin = format!("{PIN}\n");
    let rsa = ["--key-label", "asha-rsa"];
    let without = dsc_sign(&base, WITH_OTP, &rsa, &pin).await;
    assert_eq!(code(&without), "dsc.otp.required");
    let sent = dsc_sign(&base, WITH_OTP, &["--send-otp"], "").await;
    assert!(sent.ok, "{}", sent.stdout);
    assert_eq!(sent.stdout["sentTo"], "a***@example.in");
    let wrong = dsc_sign(
        &base,
        WITH_OTP,
        &["--key-label", "asha-rsa", "--otp", "111111"],
        &pin,
    )
    .await;
    assert_eq!(code(&wrong), "otp.invalid");
    let right = dsc_sign(
        &base,
        WITH_OTP,
        &["--key-label", "asha-rsa", "--otp", "246810"],
        &pin,
    )
    .await;
    assert!(right.ok, "{} {}", right.stdout, right.stderr);
    assert_eq!(right.stdout["completed"], true);
}

#[tokio::test]
async fn refusals_come_out_with_their_codes() {
    let mock = Arc::new(Mock::default());
    let base = serve(mock.clone()).await;
    let pin = format!("{PIN}\n");
    let rsa = ["--key-label", "asha-rsa"];

    let not_dsc = dsc_sign(&base, VIRTUAL_ONLY, &rsa, &pin).await;
    assert_eq!(code(&not_dsc), "dsc.not.allowed");
    let unknown = dsc_sign(&base, "00000000-0000-4000-8000-000000000000", &rsa, &pin).await;
    assert_eq!(
        code(&unknown),
        "invitation.not.found",
        "the server's own code"
    );
    let server_refuses = dsc_sign(&base, REFUSING, &rsa, &pin).await;
    assert_eq!(code(&server_refuses), "dsc.certificate.untrusted");
    assert!(server_refuses.stderr.contains("chains to no trusted root"));
    assert_eq!(*mock.prepares.lock().unwrap(), 1);

    let wrong_pin = dsc_sign(&base, DSC, &rsa, "000000\n").await;
    assert_eq!(code(&wrong_pin), "pkcs11.pin.incorrect");
    let ambiguous = dsc_sign(&base, DSC, &[], &pin).await;
    assert_eq!(code(&ambiguous), "pkcs11.key.ambiguous");
    assert!(ambiguous.stdout.to_string().contains("asha-ec"));
    let no_key = dsc_sign(&base, DSC, &["--key-label", "nobody"], &pin).await;
    assert_eq!(code(&no_key), "pkcs11.key.not.found");
    let no_pin = dsc_sign(&base, DSC, &rsa, "").await;
    assert_eq!(code(&no_pin), "dsc.pin.missing");
    assert_eq!(
        *mock.prepares.lock().unwrap(),
        1,
        "nothing is prepared before the token accepted the PIN"
    );
    for run in [&wrong_pin, &ambiguous, &no_key, &no_pin] {
        assert!(!run.stdout.to_string().contains(PIN) && !run.stderr.contains(PIN));
    }

    let no_flag = Command::new(env!("CARGO_BIN_EXE_signet"))
        .args([
            "dsc",
            "sign",
            &format!("{base}/sign/{DSC}"),
            "--pkcs11-module",
            MODULE,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        no_flag.status.code(),
        Some(2),
        "the PIN comes only from standard input"
    );
    assert!(String::from_utf8_lossy(&no_flag.stderr).contains("--pin-stdin"));
}

/// The real server: a document with a DSC slot per key of the certificate tests' token (the
/// issuing CA on the token, its root trusted by the server), each signed by `signet dsc sign`
/// from the full signing link; the result judged by pdfsig, pyHanko and our verifier.
async fn signs_on_the_real_server(db: common::Db) {
    use common::pki::{PIN as ORG_PIN, Pki, TOKEN as ORG_TOKEN};
    let pki = Pki::new();
    let conf = pki.token();
    let root = pki.path("root.pem");
    let s =
        common::Server::start_with(db, &[("SIGNET_SIGNER_TRUST_ROOTS", root.to_str().unwrap())]);
    let account = s.create_account("Acme");
    let api = s.client(&account.token);
    let invitee = s.client("");
    let slot = json!({"label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["DSC"],
        "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]});
    let profile = common::create_workflow(
        &api,
        &json!({"name": "DSC loan", "expiryDays": 5, "invitees": [slot]}),
    )
    .await;
    for key in ["org-p256", "org-rsa"] {
        let (id, links) = common::send_pdf(
            &api,
            &profile,
            "DSC loan",
            None,
            &json!([{"name": "Asha Rao", "email": "asha@example.com"}]),
        )
        .await;
        let args: Vec<String> = [
            &format!("{}/sign/{}", s.url, links[0]),
            "--token-label",
            ORG_TOKEN,
            "--key-label",
            key,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        let pin = format!("{ORG_PIN}\n");
        let run = cli(&conf, &args, &pin).await;
        assert!(run.ok, "{key}: {} {}", run.stdout, run.stderr);
        assert_eq!(run.stdout["documentId"], id.as_str(), "{}", run.stdout);
        assert_eq!(run.stdout["completed"], true);

        let again = cli(&conf, &args, &pin).await;
        assert_eq!(
            code(&again),
            "invitation.already.done",
            "the server's refusal"
        );

        let pdf = invitee
            .http_get_bytes(&format!("/api/sign/{}/file", links[0]))
            .await;
        let file = pki.path(&format!("dsc-sign-{key}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        assert_eq!(common::pdfsig_valid(&file), 1, "pdfsig: {key}");
        common::pyhanko_validates(&root, std::slice::from_ref(&file));
        let roots =
            signet_pdf::keys::load_certificates_pem(&std::fs::read_to_string(&root).unwrap())
                .unwrap();
        let report =
            signet_pdf::verify::verify(&pdf, &roots, &signet_pdf::Limits::default()).unwrap();
        assert!(report.signatures.iter().all(|s| s.intact()), "{report:#?}");
    }
}

use common::Db;
on_both_databases!(signs_on_the_real_server);
