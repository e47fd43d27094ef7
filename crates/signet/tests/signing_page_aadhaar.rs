//! "Sign with Aadhaar" on the signing page, in Debian's headless Chromium
//! (tests/signing_page_aadhaar.cjs), on both databases: the real server as the ASP of two
//! eSign service providers, both the real `signet esp-simulator` (a form-transport 2.1 one for
//! the first slot, a two-step 3.2 one for the second), a document signed in order by two
//! signers who each tick the consent, go to the ESP, authenticate with their Aadhaar number
//! and the code, and come back to a page that says they signed. The first signer cancels at
//! the ESP once: back on the page, told so, the invitation still open, and trying again signs.
//! The second enters a wrong code three times first (ESP-415, delivered server to server and
//! read back on the return), is told so, and signs on the next attempt.
//! A third invitation, whose sender asked for a name the ESP's certificate does not carry, is
//! ended by the server's check after the ESP signed, and the page says so. pdfsig, pyHanko
//! (trusting the simulator's CA) and the details API judge the result.
//!
//! Needs what tests/signing_page.rs needs (scripts/test installs it), and openssl.
//! Screenshots land in `$CARGO_TARGET_TMPDIR/screenshots/signing-aadhaar-{db}-*.png`.

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use common::esp::{ASP_ID, EspSimulator, OTP};
use common::{Db, Server};
use serde_json::{Value, json};

const ASHA: &str = "999941057058";
const RAVI: &str = "999971658847";
const KYC: &str = r#"[
  {"aadhaar": "999941057058", "name": "Asha Rao", "yob": 1989, "gender": "F",
   "pincode": "560001", "state": "Karnataka"},
  {"aadhaar": "999971658847", "name": "Ravi Kumar", "yob": 1975, "gender": "M",
   "pincode": "110001", "state": "Delhi"}
]"#;
const P12_PASSWORD: &str = "asp-test-password";

async fn two_signers_sign_with_aadhaar_at_two_providers(db: Db) {
    let name = match db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "signing-page-aadhaar-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (asp_pem, asp_p12) = common::esp::asp_key(&dir, P12_PASSWORD);
    let esp = EspSimulator::start(&dir.join("esp"), &asp_pem, KYC);

    let config = dir.join("esp.toml");
    let esp_pem = esp.esp_pem.display();
    let p12 = asp_p12.display();
    std::fs::write(
        &config,
        format!(
            r#"[esp.form21]
version = "2.1"
transport = "form"
gateway_url = "{url}/2.1/form/signdoc"
asp_id = "{ASP_ID}"
asp_pkcs12 = "{p12}"
asp_pkcs12_password_env = "SIGNET_TEST_ASP_P12_PASSWORD"
esp_certificate = "{esp_pem}"
response_field = "eSignResponse"

[esp.twostep32]
version = "3.2"
transport = "two-step"
gateway_url = "{url}/3.2/signdoc"
auth_url = "{url}/authpage"
asp_id = "{ASP_ID}"
asp_pkcs12 = "{p12}"
asp_pkcs12_password_env = "SIGNET_TEST_ASP_P12_PASSWORD"
esp_certificate = "{esp_pem}"
response_field = "XML"
"#,
            url = esp.url
        ),
    )
    .unwrap();
    let s = Server::start_with(
        db,
        &[
            ("SIGNET_ESP_CONFIG", config.to_str().unwrap()),
            ("SIGNET_TEST_ASP_P12_PASSWORD", P12_PASSWORD),
            ("SIGNET_SIGNER_TRUST_ROOTS", esp.ca_pem.to_str().unwrap()),
        ],
    );
    let api = s.client(&s.create_account("Acme").token);
    let slot = |label: &str, esp: &str, y: u32| {
        json!({"label": label, "inviteeType": "Signer", "signatureTypes": ["AADHAAR"],
            "esp": esp,
            "appearances": [{"page": "1", "x1": 50, "y1": y, "x2": 250, "y2": y + 60}]})
    };
    let profile = common::create_workflow(
        &api,
        &json!({"name": "Aadhaar loan", "expiryDays": 5, "requireSigningOrder": true,
            "invitees": [slot("Borrower", "form21", 50), slot("Guarantor", "twostep32", 150)]}),
    )
    .await;
    let (id, links) = common::send_pdf(
        &api,
        &profile,
        "Aadhaar loan",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"},
                {"name": "Ravi Kumar", "email": "ravi@example.com"}]),
    )
    .await;

    // A document whose sender asked for a name the ESP's certificate will not carry (Asha
    // authenticates for Ravi's invitation): the server's check ends that invitation.
    let single = common::create_workflow(
        &api,
        &json!({"name": "Aadhaar consent", "invitees": [slot("Borrower", "form21", 50)]}),
    )
    .await;
    let (_, mismatch) = common::send_pdf(
        &api,
        &single,
        "Aadhaar consent for Ravi",
        None,
        &json!([{"name": "Ravi Kumar", "email": "ravi@example.com",
                 "aadhaarConfig": {"verifyName": true}}]),
    )
    .await;

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let browser = common::browser_script("signing_page_aadhaar.cjs")
        .env("FIRST_URL", format!("{}/sign/{}", s.url, links[0]))
        .env("SECOND_URL", format!("{}/sign/{}", s.url, links[1]))
        .env("MISMATCH_URL", format!("{}/sign/{}", s.url, mismatch[0]))
        .env("SERVER_ORIGIN", &s.url)
        .env("ESP_URL", &esp.url)
        .env("FIRST_AADHAAR", ASHA)
        .env("SECOND_AADHAAR", RAVI)
        .env("OTP", OTP)
        .env("SCREENSHOTS", &shots)
        .env("SHOT_PREFIX", format!("signing-aadhaar-{name}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (scripts/test installs it)");
    let out = tokio::task::spawn_blocking(move || browser.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser journey failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // What the pages announced is what the server recorded: each signed with the certificate
    // the ESP issued for the person it authenticated.
    let page = s.client("");
    for link in &links {
        let view = page.get(&format!("/api/sign/{link}")).await;
        assert_eq!(view.ok()["signed"], true, "{:#}", view.ok());
        assert_eq!(
            view.ok()["aadhaar"]["lastAttempt"]["outcome"],
            "signed",
            "{:#}",
            view.ok()
        );
    }
    let details: Value = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&invitations_certificateData=true"
        ))
        .await
        .ok()
        .clone();
    for (i, kyc_name) in ["Asha Rao", "Ravi Kumar"].iter().enumerate() {
        let inv = &details["invitations"][i];
        assert_eq!(inv["usedSignatureType"], "AADHAAR", "{details:#}");
        assert_eq!(inv["certificateData"]["name"], *kyc_name, "{details:#}");
    }

    let pdf = page
        .http_get_bytes(&format!("/api/sign/{}/file", links[1]))
        .await;
    let file = dir.join(format!("signing-page-aadhaar-{name}.pdf"));
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(common::pdfsig_valid(&file), 2, "pdfsig");
    // Each signature names the person the ESP vouched for.
    assert_eq!(
        common::pdfsig_signer_names(&file),
        ["Asha Rao", "Ravi Kumar"]
    );
    common::pyhanko_validates(&esp.ca_pem, std::slice::from_ref(&file));

    // The mismatch ended its invitation, and nothing was added to its file.
    let ended = page.get(&format!("/api/sign/{}", mismatch[0])).await;
    assert_eq!(ended.ok()["signed"], false, "{:#}", ended.ok());
    assert_eq!(ended.ok()["verificationFailed"], true, "{:#}", ended.ok());
    let unsigned = page
        .http_get_bytes(&format!("/api/sign/{}/file", mismatch[0]))
        .await;
    let file = dir.join(format!("signing-page-aadhaar-mismatch-{name}.pdf"));
    std::fs::write(&file, &unsigned).unwrap();
    assert_eq!(common::pdfsig_valid(&file), 0, "pdfsig");
    eprintln!("screenshots: {}", shots.display());
}

on_both_databases!(two_signers_sign_with_aadhaar_at_two_providers);
