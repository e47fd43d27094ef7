//! Certificate signatures (API.md section 10) against the real binary on both databases: a
//! test PKI made by openssl with a live OCSP responder, organisation keys in a PKCS#12 and on
//! a SoftHSM2 token, a signer's own certificate in two steps, the checks that refuse a
//! certificate, verification that terminates an invitation (webhook event 5) or reports,
//! and the output judged by pdfsig, pyHanko (revocation checked offline) and our verifier.

mod common;

use common::pki::{P12_PASSWORD, PIN, Pki, SOFTHSM, TOKEN};
use common::receiver::Receiver;
use common::{Client, Db, Server, base64, create_workflow, send_pdf};
use serde_json::{Value, json};

fn server(db: Db, pki: &Pki, softhsm_conf: Option<&std::path::Path>) -> Server {
    server_with(db, pki, softhsm_conf, None)
}

/// `server`, timestamping every signature with `tsa` when given (B-T, then B-LT).
fn server_with(
    db: Db,
    pki: &Pki,
    softhsm_conf: Option<&std::path::Path>,
    tsa: Option<&str>,
) -> Server {
    let roots = pki.path("root.pem");
    let mut env = vec![
        ("SIGNET_WEBHOOK_ALLOW_PRIVATE", "true".to_string()),
        (
            "SIGNET_SIGNER_TRUST_ROOTS",
            roots.to_string_lossy().into_owned(),
        ),
        ("SIGNET_PKCS11_MODULES", SOFTHSM.to_string()),
    ];
    if let Some(conf) = softhsm_conf {
        env.push(("SOFTHSM2_CONF", conf.to_string_lossy().into_owned()));
    }
    if let Some(url) = tsa {
        env.push(("SIGNET_TSA_URL", url.to_string()));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Server::start_with(db, &env)
}

fn hooks(r: &Receiver, name: &str) -> Value {
    json!({"success": format!("{}/{name}/ok", r.url), "error": format!("{}/{name}/err", r.url), "version": "2.5"})
}

fn box_on_page_1() -> Value {
    json!([{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}])
}

async fn pkcs12_signer(api: &Client, pki: &Pki, leaf: &str) -> Value {
    api.post(
        "/api/signet/docsigners",
        &json!({"name": format!("Org {leaf}"), "pkcs12": base64(&pki.read(&format!("{leaf}.p12"))),
                "password": P12_PASSWORD}),
    )
    .await
    .ok()
    .clone()
}

/// The document's current file.
async fn current_pdf(api: &Client, document_id: &str) -> Vec<u8> {
    let url = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={document_id}&file=true"
        ))
        .await
        .ok()["file"]
        .as_str()
        .unwrap()
        .to_string();
    common::http()
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

async fn details(api: &Client, document_id: &str) -> Value {
    api.get(&format!(
        "/api/v3.3/document/details?documentId={document_id}&invitations_certificateData=true\
         &invitations_verificationRequest=true&invitations_verificationResponse=true"
    ))
    .await
    .ok()
    .clone()
}

/// Waits (up to 30 s) for the document to complete.
async fn completed(api: &Client, document_id: &str) -> Value {
    for _ in 0..300 {
        let d = details(api, document_id).await;
        if d["documentStatus"] == "Completed" {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("document {document_id} did not complete")
}

/// Writes `pdf` next to the PKI and checks it with pdfsig, pyHanko (with revocation checks,
/// once the responder is gone) and our own verifier; returns pdfsig's report.
fn judged_by_validators(pki: &mut Pki, pdf: &[u8], signatures: usize) -> String {
    let file = pki.path(&format!("out-{}.pdf", signatures));
    std::fs::write(&file, pdf).unwrap();
    assert_eq!(common::pdfsig_valid(&file), signatures, "pdfsig");
    let report = std::process::Command::new("pdfsig")
        .arg(&file)
        .output()
        .unwrap();
    let roots =
        signet_pdf::keys::load_certificates_pem(&String::from_utf8(pki.read("root.pem")).unwrap())
            .unwrap();
    let ours = signet_pdf::verify::verify(pdf, &roots, &signet_pdf::Limits::default()).unwrap();
    assert!(
        ours.signatures.iter().all(|s| s.intact()),
        "our verifier: {ours:?}"
    );
    String::from_utf8_lossy(&report.stdout).into_owned()
}

/// Organisation certificates: a PKCS#12 and a SoftHSM key each sign an invitation through the
/// account's API, then an AUTOMATED_SIGN slot is signed by the server; every signature names
/// its own signer, the result validates, and details report each certificate.
async fn organisation_certificates(db: Db) {
    let mut pki = Pki::new();
    let conf = pki.token();
    let s = server(db, &pki, Some(&conf));
    let account = s.create_account("Acme");
    let api = s.client(&account.token);
    let r = Receiver::start();

    let rsa = pkcs12_signer(&api, &pki, "good-rsa").await;
    let profile_rsa = rsa["profileId"].as_str().unwrap().to_string();
    assert_eq!(profile_rsa.len(), 7);
    assert!(
        rsa["subject"]
            .as_str()
            .unwrap()
            .contains("Signet Test Signer RSA"),
        "{rsa}"
    );
    let text = rsa.to_string();
    assert!(
        !text.contains("PRIVATE") && !text.contains(P12_PASSWORD),
        "{text}"
    );
    let hsm = api
        .post(
            "/api/signet/docsigners",
            &json!({"name": "Org HSM", "pkcs11": {"module": SOFTHSM, "tokenLabel": TOKEN,
                    "keyLabel": "org-p256", "pin": PIN}}),
        )
        .await
        .ok()
        .clone();
    let profile_hsm = hsm["profileId"].as_str().unwrap().to_string();
    assert!(
        hsm["subject"].as_str().unwrap().contains("Asha Rao"),
        "{hsm}"
    );
    assert!(!hsm.to_string().contains(PIN));

    // Refusals change nothing.
    let bad_password = api
        .post(
            "/api/signet/docsigners",
            &json!({"name": "Bad", "pkcs12": base64(&pki.read("good-rsa.p12")), "password": "nope"}),
        )
        .await;
    assert_eq!(bad_password.code(), "docsigner.pkcs12.invalid");
    let other_module = api
        .post(
            "/api/signet/docsigners",
            &json!({"name": "Bad", "pkcs11": {"module": "/usr/lib/other.so", "tokenLabel": TOKEN,
                    "keyLabel": "org-p256", "pin": PIN}}),
        )
        .await;
    assert_eq!(other_module.code(), "docsigner.pkcs11.module.not.allowed");
    let wrong_pin = api
        .post(
            "/api/signet/docsigners",
            &json!({"name": "Bad", "pkcs11": {"module": SOFTHSM, "tokenLabel": TOKEN,
                    "keyLabel": "org-p256", "pin": "0000"}}),
        )
        .await;
    assert_eq!(wrong_pin.code(), "pkcs11.pin.incorrect");
    let listed = api.get("/api/signet/docsigners").await.ok().clone();
    assert_eq!(listed["total"], 2, "{listed}");

    let w = json!({"name": "Supply contract", "requireSigningOrder": true, "expiryDays": 5,
    "invitees": [
        {"label": "Seller", "inviteeType": "Signer", "signatureTypes": ["DOC_SIGNER"],
         "appearances": box_on_page_1(), "webhook": hooks(&r, "seller")},
        {"label": "Buyer", "inviteeType": "Signer", "signatureTypes": ["DOC_SIGNER"],
         "appearances": box_on_page_1(), "webhook": hooks(&r, "buyer")},
        {"label": "Platform", "inviteeType": "Signer", "signatureTypes": ["AUTOMATED_SIGN"],
         "docSigner": profile_rsa, "webhook": hooks(&r, "platform")}
    ]});
    let profile = create_workflow(&api, &w).await;
    let (id, links) = send_pdf(
        &api,
        &profile,
        "Supply contract",
        None,
        &json!([{"name": "Signet Test Signer RSA", "email": "seller@example.com"},
                {"name": "Asha Rao", "email": "asha@example.com"},
                {"name": "Acme platform"}]),
    )
    .await;

    // Not yet the buyer's turn.
    let early = api
        .post(
            "/api/v3.0/sign/docSigner/invitation",
            &json!({"signUrl": links[1], "profileId": profile_hsm, "consent": true}),
        )
        .await;
    assert_eq!(early.code(), "invitation.not.active");
    let no_consent = api
        .post(
            "/api/v3.0/sign/docSigner/invitation",
            &json!({"signUrl": links[0], "profileId": profile_rsa}),
        )
        .await;
    assert_eq!(no_consent.code(), "consent.required");
    api.post(
        "/api/v3.0/sign/docSigner/invitation",
        &json!({"signUrl": links[0], "profileId": profile_rsa, "consent": true}),
    )
    .await
    .ok();
    api.post(
        "/api/v3.0/sign/docSigner/invitation",
        &json!({"signUrl": links[1], "profileId": profile_hsm, "consent": true}),
    )
    .await
    .ok();
    // The platform's slot is the server's to sign.
    let d = completed(&api, &id).await;
    let invitations = d["invitations"].as_array().unwrap();
    assert_eq!(invitations[0]["usedSignatureType"], "DOC_SIGNER");
    assert_eq!(invitations[2]["usedSignatureType"], "AUTOMATED_SIGN");
    assert_eq!(
        invitations[0]["certificateData"]["name"],
        "Signet Test Signer RSA"
    );
    let buyer = &invitations[1]["certificateData"];
    assert_eq!(buyer["name"], "Asha Rao", "{d}");
    assert_eq!(buyer["pincode"], "560001");
    assert_eq!(buyer["state"], "Karnataka");
    assert_eq!(
        invitations[1]["verificationResponse"]["signatureVerification"],
        true
    );
    let events = r.wait_for("/platform/ok", 1).await;
    assert_eq!(events[0].body["request"]["signType"], "AUTOMATED_SIGN");
    assert_eq!(events[0].body["documentStatus"], "Completed");

    let pdf = current_pdf(&api, &id).await;
    assert!(
        pdf.windows(5).any(|w| w == b"/DSS "),
        "a DSS revision (B-LT)"
    );
    pki.stop_responder();
    let report = judged_by_validators(&mut pki, &pdf, 3);
    for name in ["Signet Test Signer RSA", "Asha Rao"] {
        assert!(report.contains(name), "pdfsig names {name}: {report}");
    }
    common::pyhanko_validates(&pki.path("root.pem"), &[pki.path("out-3.pdf")]);
    let (trusted, report) =
        common::pki::pyhanko_adesverify(&pki.path("root.pem"), &pki.path("out-3.pdf"));
    assert_eq!(
        trusted, 3,
        "every signature validates with the revocation data the file holds: {report}"
    );

    // An archived certificate signs nothing more.
    api.send(
        "DELETE",
        &format!("/api/signet/docsigners/{profile_hsm}"),
        None,
    )
    .await
    .ok();
    let (_, links) = send_pdf(
        &api,
        &profile,
        "Again",
        None,
        &json!([{"name": "A", "email": "a@example.com"}, {"name": "B", "email": "b@example.com"},
                {"name": "Acme platform"}]),
    )
    .await;
    let archived = api
        .post(
            "/api/v3.0/sign/docSigner/invitation",
            &json!({"signUrl": links[0], "profileId": profile_hsm, "consent": true}),
        )
        .await;
    assert_eq!(archived.code(), "docsigner.not.found");
    assert_eq!(api.get("/api/signet/docsigners").await.ok()["total"], 1);
}

/// An AUTOMATED_SIGN slot whose turn came while its key could not be used is signed once it
/// can: the open invitation is the job, so neither the refusal nor a crash loses it.
async fn automated_signatures_survive_a_crash(db: Db) {
    let pki = Pki::new();
    let conf = pki.token();
    let mut s = server(db, &pki, Some(&conf));
    let account = s.create_account("Acme");
    let r = Receiver::start();
    let hsm = s
        .client(&account.token)
        .post(
            "/api/signet/docsigners",
            &json!({"name": "Org HSM", "pkcs11": {"module": SOFTHSM, "tokenLabel": TOKEN,
                    "keyLabel": "org-rsa", "pin": PIN}}),
        )
        .await
        .ok()["profileId"]
        .as_str()
        .unwrap()
        .to_string();
    let w = json!({"name": "Counter-signed", "requireSigningOrder": true, "expiryDays": 5,
    "invitees": [
        {"label": "Customer", "inviteeType": "Signer", "appearances": box_on_page_1()},
        {"label": "Bank", "inviteeType": "Signer", "signatureTypes": ["AUTOMATED_SIGN"],
         "docSigner": hsm, "webhook": hooks(&r, "bank")}
    ]});
    let profile = create_workflow(&s.client(&account.token), &w).await;

    // The token is out of reach: a SoftHSM configuration with no tokens.
    let empty = pki.path("no-tokens");
    std::fs::create_dir_all(empty.join("tokens")).unwrap();
    std::fs::write(
        empty.join("softhsm2.conf"),
        format!("directories.tokendir = {}/tokens\n", empty.display()),
    )
    .unwrap();
    s.set_env(
        "SOFTHSM2_CONF",
        &empty.join("softhsm2.conf").to_string_lossy(),
    );
    s.crash_and_restart();
    let api = s.client(&account.token);
    let (id, links) = send_pdf(
        &api,
        &profile,
        "Counter-signed",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"}, {"name": "Acme Bank"}]),
    )
    .await;
    s.client("")
        .post(
            &format!("/api/sign/{}/sign", links[0]),
            &json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"},
                    "consent": true}),
        )
        .await
        .ok();
    // The bank's turn has come and its key cannot sign: nothing happens, nothing is lost.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let d = details(&api, &id).await;
    assert_eq!(d["documentStatus"], "Sent", "{d}");
    assert_eq!(d["invitations"][1]["active"], true);
    assert_eq!(d["invitations"][1]["signed"], false);

    // Back with its token after a crash, the server signs what is due.
    s.set_env("SOFTHSM2_CONF", &conf.to_string_lossy());
    s.crash_and_restart();
    let api = s.client(&account.token);
    let d = completed(&api, &id).await;
    assert_eq!(d["invitations"][1]["usedSignatureType"], "AUTOMATED_SIGN");
    assert_eq!(
        d["invitations"][1]["certificateData"]["name"],
        "Signet Test Signer RSA"
    );
    let hook = r.wait_for("/bank/ok", 1).await;
    assert_eq!(hook[0].body["documentStatus"], "Completed");
}

async fn dsc_workflow(api: &Client, r: &Receiver, verification: Option<Value>) -> String {
    let mut slot = json!({"label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["DSC"],
        "appearances": box_on_page_1(), "webhook": hooks(r, "dsc")});
    if let Some(v) = verification {
        slot["verification"] = v;
    }
    create_workflow(
        api,
        &json!({"name": "DSC loan", "expiryDays": 5, "invitees": [slot]}),
    )
    .await
}

/// Prepare for `leaf`; returns the answer (or the refusal).
async fn prepare(invitee: &Client, pki: &Pki, link: &str, leaf: &str) -> common::Reply {
    invitee
        .post(
            &format!("/api/sign/{link}/dsc/prepare"),
            &json!({"certificates": pki.chain_b64(leaf), "consent": true}),
        )
        .await
}

/// The signer's token signing what prepare handed out.
fn token_signs(pki: &Pki, leaf: &str, to_be_signed: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let tbs = base64::engine::general_purpose::STANDARD
        .decode(to_be_signed)
        .unwrap();
    let digest: [u8; 32] = sha2::Sha256::digest(&tbs).into();
    base64(&pki.key(leaf).sign_digest(&digest).unwrap())
}

/// A signer's own certificate in two steps: a wrong signature is refused and stores nothing;
/// the right one is stored as its own revision, timestamped (B-T), with the signer's and the
/// timestamp authority's revocation data embedded (B-LT), and reported.
async fn dsc_in_two_steps(db: Db) {
    let mut pki = Pki::new();
    let tsa = pki.start_tsa();
    let s = server_with(db, &pki, None, Some(&tsa.url));
    let account = s.create_account("Acme");
    let api = s.client(&account.token);
    let invitee = s.client("");
    let r = Receiver::start();
    let profile = dsc_workflow(&api, &r, None).await;
    let (id, links) = send_pdf(
        &api,
        &profile,
        "DSC loan",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com",
                 "dscConfig": {"verifyName": true, "verifyPincode": "560001", "verifySmartName": true}}]),
    )
    .await;
    let before = current_pdf(&api, &id).await;

    let p = prepare(&invitee, &pki, &links[0], "good-p256").await;
    let p = p.ok();
    assert_eq!(p["digestAlgorithm"], "SHA-256");
    assert_eq!(p["signatureAlgorithm"], "ECDSA_SHA256");
    let prepare_id = p["prepareId"].as_str().unwrap().to_string();
    let tbs = p["toBeSigned"].as_str().unwrap().to_string();

    // Signed by another key: refused, nothing stored.
    let wrong = invitee
        .post(
            &format!("/api/sign/{}/dsc/complete", links[0]),
            &json!({"prepareId": prepare_id, "signature": token_signs(&pki, "good-rsa", &tbs)}),
        )
        .await;
    assert_eq!(wrong.code(), "signature.invalid");
    let unknown = invitee
        .post(
            &format!("/api/sign/{}/dsc/complete", links[0]),
            &json!({"prepareId": "00000000-0000-4000-8000-000000000000",
                    "signature": token_signs(&pki, "good-p256", &tbs)}),
        )
        .await;
    assert_eq!(unknown.code(), "dsc.prepare.not.found");
    assert_eq!(current_pdf(&api, &id).await, before, "nothing stored");
    let d = details(&api, &id).await;
    assert_eq!(d["invitations"][0]["signed"], false);
    assert_eq!(d["invitations"][0]["active"], true);

    invitee
        .post(
            &format!("/api/sign/{}/dsc/complete", links[0]),
            &json!({"prepareId": prepare_id, "signature": token_signs(&pki, "good-p256", &tbs)}),
        )
        .await
        .ok();
    let d = completed(&api, &id).await;
    let inv = &d["invitations"][0];
    assert_eq!(inv["usedSignatureType"], "DSC");
    assert_eq!(inv["certificateData"]["name"], "Asha Rao");
    assert_eq!(inv["verificationResponse"]["nameVerification"], true);
    assert_eq!(inv["verificationResponse"]["pincodeVerification"], true);
    assert_eq!(inv["verificationResponse"]["smartNamePercentage"], 100);
    assert_eq!(inv["verificationRequest"]["verifyPincode"], "560001");
    let status = api
        .get(&format!("/api/v3.2/sign/request?documentId={id}"))
        .await
        .ok()
        .clone();
    assert_eq!(
        status["signers"][0]["certificateData"]["name"], "Asha Rao",
        "{status}"
    );
    let hook = r.wait_for("/dsc/ok", 1).await;
    assert_eq!(hook[0].body["request"]["signType"], "DSC");
    assert_eq!(hook[0].body["verification"]["name"], true);

    let pdf = current_pdf(&api, &id).await;
    assert!(pdf.starts_with(&before), "an incremental revision");
    pki.stop_responder();
    drop(tsa);
    let report = judged_by_validators(&mut pki, &pdf, 1);
    assert!(report.contains("Asha Rao"), "{report}");
    common::pyhanko_validates(&pki.path("root.pem"), &[pki.path("out-1.pdf")]);
    let (trusted, report) =
        common::pki::pyhanko_adesverify(&pki.path("root.pem"), &pki.path("out-1.pdf"));
    assert_eq!(trusted, 1, "{report}");
    assert!(
        report.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"),
        "the timestamp validates offline too: {report}"
    );
}

/// Certificates that cannot sign are refused with their own codes and change nothing.
async fn certificates_that_cannot_sign(db: Db) {
    let pki = Pki::new();
    let s = server(db, &pki, None);
    let account = s.create_account("Acme");
    let api = s.client(&account.token);
    let invitee = s.client("");
    let r = Receiver::start();
    let profile = dsc_workflow(&api, &r, None).await;
    let (id, links) = send_pdf(
        &api,
        &profile,
        "DSC loan",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"}]),
    )
    .await;
    for (leaf, code) in [
        ("expired", "certificate.expired"),
        ("not-yet-valid", "certificate.not.yet.valid"),
        ("wrong-usage", "certificate.key.usage"),
        ("revoked", "certificate.revoked"),
    ] {
        let refused = prepare(&invitee, &pki, &links[0], leaf).await;
        assert_eq!(refused.code(), code, "{leaf}");
    }
    let untrusted = invitee
        .post(
            &format!("/api/sign/{}/dsc/prepare", links[0]),
            &json!({"certificates": [base64(&pki.read("untrusted.der"))], "consent": true}),
        )
        .await;
    assert_eq!(untrusted.code(), "certificate.untrusted");
    let garbage = invitee
        .post(
            &format!("/api/sign/{}/dsc/prepare", links[0]),
            &json!({"certificates": [base64(b"not a certificate")], "consent": true}),
        )
        .await;
    assert_eq!(garbage.code(), "dsc.certificate.invalid");
    let d = details(&api, &id).await;
    assert_eq!(d["invitations"][0]["active"], true);
    assert_eq!(d["invitations"][0]["certificateData"], Value::Null);
    assert!(r.received().is_empty(), "no webhook");
}

/// A name that does not match terminates the invitation and delivers event 5; with the
/// account set to report, the signature is kept and the results reported.
async fn verification_rejects_or_reports(db: Db) {
    let pki = Pki::new();
    let s = server(db, &pki, None);
    let account = s.create_account("Acme");
    let api = s.client(&account.token);
    let invitee = s.client("");
    let r = Receiver::start();
    let profile = dsc_workflow(&api, &r, Some(json!({"verifyName": true}))).await;
    let settings = api.get("/api/signet/account/settings").await.ok().clone();
    assert_eq!(
        settings,
        json!({"verificationFailure": "reject", "smartNameThreshold": 80})
    );
    let (id, links) = send_pdf(
        &api,
        &profile,
        "DSC loan",
        None,
        &json!([{"name": "Ravi Kumar", "email": "ravi@example.com",
                 "dscConfig": {"verifySmartName": true, "verifyState": "Karnataka"}}]),
    )
    .await;
    let refused = prepare(&invitee, &pki, &links[0], "good-p256").await;
    assert_eq!(refused.code(), "verification.failed");
    let event = r.wait_for("/dsc/err", 1).await;
    let body = &event[0].body;
    assert_eq!(body["webhookType"], "Error");
    assert_eq!(body["documentId"], id.as_str());
    assert_eq!(body["verification"]["name"], false, "{body}");
    assert_eq!(body["verification"]["state"], true);
    assert!(body["verification"]["smartName"].as_u64().unwrap() < 80);
    let codes: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(codes.iter().any(|c| c.contains("name")), "{body}");
    let d = details(&api, &id).await;
    let inv = &d["invitations"][0];
    assert_eq!(inv["rejected"], true);
    assert_eq!(inv["signed"], false);
    assert_eq!(inv["verificationResponse"]["nameVerification"], false);
    assert_eq!(inv["certificateData"]["name"], "Asha Rao");

    let bad = api
        .send(
            "PUT",
            "/api/signet/account/settings",
            Some(&json!({"verificationFailure": "maybe"})),
        )
        .await;
    assert_eq!(bad.code(), "settings.verification.failure.invalid");
    api.send(
        "PUT",
        "/api/signet/account/settings",
        Some(&json!({"verificationFailure": "report"})),
    )
    .await
    .ok();
    let (id, links) = send_pdf(
        &api,
        &profile,
        "DSC loan 2",
        None,
        &json!([{"name": "Ravi Kumar", "email": "ravi@example.com"}]),
    )
    .await;
    let p = prepare(&invitee, &pki, &links[0], "good-p256").await;
    let p = p.ok().clone();
    invitee
        .post(
            &format!("/api/sign/{}/dsc/complete", links[0]),
            &json!({"prepareId": p["prepareId"],
                    "signature": token_signs(&pki, "good-p256", p["toBeSigned"].as_str().unwrap())}),
        )
        .await
        .ok();
    let d = completed(&api, &id).await;
    assert_eq!(
        d["invitations"][0]["verificationResponse"]["nameVerification"],
        false
    );
    let ok = r.wait_for("/dsc/ok", 1).await;
    assert_eq!(ok[0].body["verification"]["name"], false);

    // A dscConfig that cannot be read is refused field by field.
    for (config, field) in [
        (json!({"verifyYob": 1800}), "verifyYob"),
        (json!({"verifyPincode": "56"}), "verifyPincode"),
        (json!({"verifyGender": "X"}), "verifyGender"),
        (json!({"verifyMood": true}), "verifyMood"),
    ] {
        let reply = api
            .post(
                "/api/v3.0/sign/request",
                &json!({"profileId": profile, "file": {"name": "x", "file": base64(&common::pdf_with_pages(1))},
                        "invitees": [{"name": "Ravi", "email": "r@example.com", "dscConfig": config}]}),
            )
            .await;
        assert_eq!(reply.body["status"], 0, "{config}");
        assert!(
            reply.body["messages"][0]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{}",
            reply.body
        );
    }
}

on_both_databases!(
    organisation_certificates,
    automated_signatures_survive_a_crash,
    dsc_in_two_steps,
    certificates_that_cannot_sign,
    verification_rejects_or_reports
);
