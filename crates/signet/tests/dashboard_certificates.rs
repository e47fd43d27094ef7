//! Certificate signatures in the dashboard, on a real `signet serve` over real HTTP, on both
//! databases, against the test PKI (openssl, a live OCSP responder): invitations signed with
//! a DSC through the API (`dsc/prepare`, the PKI's key signs `toBeSigned`, `dsc/complete`)
//! show their certificate and each check's result on the document page; one terminated by a
//! failed check says so; the account's certificate checks are changed by an admin only, as
//! the API's `/api/signet/account/settings` then answers; the organisation certificates are
//! listed. Then the same in Chromium (tests/dashboard_certificates.cjs) with axe-core, at 1280
//! and 390 px.

mod common;

use std::path::PathBuf;

use common::dashboard::{Browser, create_account_with_admin, create_user};
use common::pki::{P12_PASSWORD, Pki};
use common::{Client, Db, Server, base64, create_workflow, send_pdf};
use serde_json::{Value, json};

const SETTINGS: &str = "/app/settings/api";
const SAVE: &str = "/app/settings/certificates";

fn server(db: Db, pki: &Pki) -> Server {
    let roots = pki.path("root.pem").to_string_lossy().into_owned();
    Server::start_with(db, &[("SIGNET_SIGNER_TRUST_ROOTS", roots.as_str())])
}

/// An account with its admin, and a sender and a viewer: (API client, admin's password).
fn account(server: &Server) -> (Client, String) {
    let (account, password) = create_account_with_admin(server, "Acme", "admin@acme.test");
    let id = account["accountId"].as_str().unwrap();
    for role in ["sender", "viewer"] {
        let (ok, _, err) = create_user(
            server,
            id,
            &format!("{role}@acme.test"),
            role,
            "a good password",
        );
        assert!(ok, "{err}");
    }
    (
        server.client(account["authToken"].as_str().unwrap()),
        password,
    )
}

async fn dsc_workflow(api: &Client) -> String {
    create_workflow(
        api,
        &json!({"name": "DSC loan", "expiryDays": 5, "invitees": [
            {"label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["DSC"],
             "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}]}),
    )
    .await
}

/// `good-p256` is Asha Rao, 560001, Karnataka, born 1990, F, title 1234 (make-pki.sh).
async fn prepare(invitee: &Client, pki: &Pki, link: &str) -> common::Reply {
    invitee
        .post(
            &format!("/api/sign/{link}/dsc/prepare"),
            &json!({"certificates": pki.chain_b64("good-p256"), "consent": true}),
        )
        .await
}

/// The signer's token signing what prepare handed out.
fn token_signs(pki: &Pki, to_be_signed: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let tbs = base64::engine::general_purpose::STANDARD
        .decode(to_be_signed)
        .unwrap();
    let digest: [u8; 32] = sha2::Sha256::digest(&tbs).into();
    base64(&pki.key("good-p256").sign_digest(&digest).unwrap())
}

async fn details(api: &Client, id: &str) -> Value {
    api.get(&format!(
        "/api/v3.3/document/details?documentId={id}&invitations_verificationResponse=true"
    ))
    .await
    .ok()
    .clone()
}

async fn settings(api: &Client) -> Value {
    api.get("/api/signet/account/settings").await.ok().clone()
}

/// The two documents every test looks at, made through the API: "Mismatch", whose invitee
/// (Ravi Kumar) is terminated by the name check while the account rejects, and "Reported",
/// whose invitee (Asha Rao) signs with a state that does not match once the account reports,
/// with a smart-name pass mark of 70. Returns their ids.
async fn two_documents(server: &Server, api: &Client, pki: &Pki) -> (String, String) {
    let invitee = server.client("");
    let profile = dsc_workflow(api).await;
    let (mismatch, links) = send_pdf(
        api,
        &profile,
        "Mismatch",
        None,
        &json!([{"name": "Ravi Kumar", "email": "ravi@example.com",
                 "dscConfig": {"verifyName": true, "verifyPincode": "560001"}}]),
    )
    .await;
    assert_eq!(
        prepare(&invitee, pki, &links[0]).await.code(),
        "verification.failed"
    );

    api.send(
        "PUT",
        "/api/signet/account/settings",
        Some(&json!({"verificationFailure": "report", "smartNameThreshold": 70})),
    )
    .await
    .ok();
    let (reported, links) = send_pdf(
        api,
        &profile,
        "Reported",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com",
                 "dscConfig": {"verifyName": true, "verifySmartName": true,
                               "verifyPincode": "560001", "verifyState": "Goa", "verifyYob": 1990}}]),
    )
    .await;
    let p = prepare(&invitee, pki, &links[0]).await.ok().clone();
    invitee
        .post(
            &format!("/api/sign/{}/dsc/complete", links[0]),
            &json!({"prepareId": p["prepareId"],
                    "signature": token_signs(pki, p["toBeSigned"].as_str().unwrap())}),
        )
        .await
        .ok();
    let d = details(api, &reported).await;
    assert_eq!(d["invitations"][0]["signed"], true, "{d}");
    (mismatch, reported)
}

/// A table row of the page: its cells' text, tags dropped.
fn row_with(html: &str, first_cell: &str) -> Option<String> {
    let at = html.find(&format!("<th scope=\"row\">{first_cell}</th>"))?;
    let row = &html[at..at + html[at..].find("</tr>")?];
    let mut text = String::new();
    let mut in_tag = false;
    for ch in row.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push('|');
            }
            c if !in_tag && c != '\n' => text.push(c),
            _ => {}
        }
    }
    Some(
        text.split('|')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" | "),
    )
}

async fn the_document_page_shows_certificates(db: Db) {
    let pki = Pki::new();
    let server = server(db, &pki);
    let (api, password) = account(&server);
    let (mismatch, reported) = two_documents(&server, &api, &pki).await;
    let admin = Browser::signed_in(&server, "admin@acme.test", &password).await;

    let page = admin.get(&format!("/app/documents/{reported}")).await;
    assert_eq!(page.status, 200);
    let html = page.body;
    for want in [
        "<h2 id=\"certificates-heading\">Certificates</h2>",
        "Certificate of Asha Rao",
        "<dt>Signature type</dt><dd>DSC token</dd>",
        "<dt>Outcome</dt><dd>Signed with this certificate</dd>",
        "<dt>Name on the certificate</dt><dd>Asha Rao</dd>",
        "<dt>PIN code</dt><dd>560001</dd>",
        "<dt>State</dt><dd>Karnataka</dd>",
        "<dt>Year of birth</dt><dd>1990</dd>",
        "<dt>Gender</dt><dd>Female</dd>",
        "<caption>Verification results for Asha Rao</caption>",
        "Verification failed (State): the signature was kept",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
    for (check, want) in [
        ("Name", "Name | Asha Rao | Passed"),
        (
            "Smart name match",
            "Smart name match | At least 70 % | Passed: 100 %",
        ),
        ("PIN code", "PIN code | 560001 | Passed"),
        ("State", "State | Goa | Failed"),
        ("Year of birth", "Year of birth | 1990 | Passed"),
        ("Signature", "Signature | — | Verified"),
    ] {
        assert_eq!(row_with(&html, check).as_deref(), Some(want), "{html}");
    }
    assert!(row_with(&html, "Gender").is_none(), "not asked, not listed");
    // The stored threshold is the dashboard's; details keep Leegality's fields.
    let d = details(&api, &reported).await;
    let response = &d["invitations"][0]["verificationResponse"];
    assert_eq!(response["stateVerification"], false, "{d}");
    assert_eq!(response["smartNamePercentage"], 100);
    assert!(response.get("smartNameThreshold").is_none(), "{response}");

    let html = admin.get(&format!("/app/documents/{mismatch}")).await.body;
    for want in [
        "Certificate of Ravi Kumar",
        "<dt>Signature type</dt><dd>DSC token</dd>",
        "<dt>Outcome</dt><dd>Terminated: the certificate failed verification</dd>",
        "Verification failed (Name): the invitation was terminated without a signature.",
        "<dt>Name on the certificate</dt><dd>Asha Rao</dd>",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
    assert_eq!(
        row_with(&html, "Name").as_deref(),
        Some("Name | Ravi Kumar | Failed")
    );
    assert_eq!(
        row_with(&html, "PIN code").as_deref(),
        Some("PIN code | 560001 | Passed")
    );

    let hindi = admin
        .get(&format!("/app/documents/{reported}?lang=hi"))
        .await
        .body;
    assert!(
        hindi.contains("Asha Rao का प्रमाणपत्र") && hindi.contains("<th scope=\"row\">राज्य</th>"),
        "{hindi}"
    );
    // A viewer reads the certificate too.
    let viewer = Browser::signed_in(&server, "viewer@acme.test", "a good password").await;
    let seen = viewer.get(&format!("/app/documents/{reported}")).await.body;
    assert!(seen.contains("<dt>PIN code</dt><dd>560001</dd>"));
}

async fn only_admins_change_the_certificate_checks(db: Db) {
    let pki = Pki::new();
    let server = server(db, &pki);
    let (api, password) = account(&server);
    let admin = Browser::signed_in(&server, "admin@acme.test", &password).await;

    let page = admin.get(SETTINGS).await;
    assert_eq!(page.status, 200);
    for want in [
        "<h2 id=\"checks-heading\">Certificate checks</h2>",
        "value=\"reject\" checked",
        "name=\"smart_name_threshold\" type=\"text\" inputmode=\"numeric\" maxlength=\"3\" value=\"80\"",
        "Save certificate checks",
        "No organisation certificates yet.",
    ] {
        assert!(page.body.contains(want), "{want} in {}", page.body);
    }
    let csrf = page.csrf();

    // Refused values are said at their fields and change nothing.
    for (failure, threshold, words, field) in [
        (
            "report",
            "101",
            "whole number from 0 to 100",
            "threshold-error",
        ),
        (
            "report",
            "eighty",
            "whole number from 0 to 100",
            "threshold-error",
        ),
        ("maybe", "70", "Choose Reject or Report.", "failure-error"),
    ] {
        let p = admin
            .post(
                SAVE,
                &[
                    ("csrf", &csrf),
                    ("verification_failure", failure),
                    ("smart_name_threshold", threshold),
                ],
            )
            .await;
        assert_eq!(p.status, 400, "{failure} {threshold}");
        assert!(p.body.contains(words), "{}", p.body);
        assert!(p.body.contains(&format!("id=\"{field}\"")), "{}", p.body);
        assert!(
            p.body.contains(&format!("value=\"{threshold}\"")),
            "kept as typed"
        );
    }
    assert_eq!(
        settings(&api).await,
        json!({"verificationFailure": "reject", "smartNameThreshold": 80})
    );
    // Without the form's token nothing changes.
    let forged = admin
        .post(
            SAVE,
            &[
                ("verification_failure", "report"),
                ("smart_name_threshold", "10"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    admin
        .post(
            SAVE,
            &[
                ("csrf", &csrf),
                ("verification_failure", "report"),
                ("smart_name_threshold", " 65 "),
            ],
        )
        .await
        .assert_redirect(&format!("{SETTINGS}?notice=checks_saved"));
    assert_eq!(
        settings(&api).await,
        json!({"verificationFailure": "report", "smartNameThreshold": 65})
    );
    let saved = admin.get(&format!("{SETTINGS}?notice=checks_saved")).await;
    assert!(saved.body.contains("The certificate checks were saved."));
    assert!(saved.body.contains("value=\"report\" checked"));

    // Senders and viewers see the values, no form, and the server refuses their posts.
    for role in ["sender", "viewer"] {
        let b = Browser::signed_in(&server, &format!("{role}@acme.test"), "a good password").await;
        let page = b.get(SETTINGS).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains("Report: keep the signature and report the results")
                && page.body.contains("<dd>65</dd>"),
            "{role}: {}",
            page.body
        );
        assert!(!page.body.contains("Save certificate checks"), "{role}");
        assert!(
            page.body
                .contains("Only an admin of this account can change")
        );
        let csrf = b.session_csrf().await;
        let p = b
            .post(
                SAVE,
                &[
                    ("csrf", &csrf),
                    ("verification_failure", "reject"),
                    ("smart_name_threshold", "5"),
                ],
            )
            .await;
        assert_eq!(p.status, 403, "{role}: {}", p.body);
    }
    assert_eq!(
        settings(&api).await,
        json!({"verificationFailure": "report", "smartNameThreshold": 65}),
        "nothing changed"
    );

    // The organisation certificates, listed without a secret.
    api.post(
        "/api/signet/docsigners",
        &json!({"name": "Acme seal", "pkcs12": base64(&pki.read("good-rsa.p12")),
                "password": P12_PASSWORD}),
    )
    .await
    .ok();
    let page = admin.get(SETTINGS).await.body;
    assert!(
        page.contains("<td data-label=\"Name\">Acme seal</td>")
            && page.contains("Signet Test Signer RSA")
            && page.contains("Signet Test LTV Issuing CA"),
        "{page}"
    );
    assert!(!page.contains("PRIVATE KEY") && !page.contains("password\":"));
}

on_both_databases!(
    the_document_page_shows_certificates,
    only_admins_change_the_certificate_checks,
    certificates_in_chromium
);

/// The document page and the settings in Chromium by their accessible names, axe-core and
/// screenshots at 1280 and 390 px; the settings the browser saved are the API's.
async fn certificates_in_chromium(db: Db) {
    let pki = Pki::new();
    let server = server(db, &pki);
    let (api, password) = account(&server);
    two_documents(&server, &api, &pki).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = common::browser_script("dashboard_certificates.cjs")
        .env("BASE_URL", &server.url)
        .env("EMAIL", "admin@acme.test")
        .env("PASSWORD", &password)
        .env("SCREENSHOTS", &shots)
        // Both databases run at once: each saves under its own names.
        .env("DB", format!("{db:?}").to_lowercase())
        .output()
        .expect("node runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "the browser journey failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        settings(&api).await,
        json!({"verificationFailure": "reject", "smartNameThreshold": 90}),
        "what the browser saved"
    );
}
