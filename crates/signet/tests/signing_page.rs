//! The signing page in a real browser: Debian's headless Chromium, driven by playwright-core
//! (tests/signing_page.cjs), signs with a drawn mark and approves with the keyboard; then the
//! JSON API and our verifier confirm that what the page showed really happened.
//!
//! Needs `chromium`, `node` and playwright-core under `.test-tools/node`, all of which
//! scripts/test installs. Screenshots land in `$CARGO_TARGET_TMPDIR/screenshots/`.

mod common;

use std::path::PathBuf;

use common::{Client, Db, Server};
use serde_json::json;

/// One signer whose mark goes on the last page, then one reviewer, in order.
async fn send(api: &Client) -> Vec<String> {
    let w = json!({
        "name": "Service agreement", "requireSigningOrder": true,
        "invitees": [
            {"label": "Client", "inviteeType": "Signer", "appearances": [{"page": "L", "x1": 320, "y1": 60, "x2": 540, "y2": 130}]},
            {"label": "Legal", "inviteeType": "Reviewer"}
        ]
    });
    let profile = common::create_workflow(api, &w).await;
    let people = json!([{"name": "Asha Rao", "email": "asha@example.com"},
                        {"name": "Ravi Kumar", "email": "ravi@example.com"}]);
    let pdf = agreement_pdf();
    common::send_file(
        api,
        &profile,
        "Service agreement 2025-07",
        None,
        &pdf,
        &people,
    )
    .await
    .1
}

fn agreement_pdf() -> Vec<u8> {
    let mut pages = vec![];
    for n in 1..=2 {
        let mut c = String::from("BT /F1 20 Tf 72 770 Td (Service agreement) Tj ET\n");
        c += "0.8 G 72 755 m 523 755 l S 0 g\n";
        for line in 0..22 {
            let y = 720 - line * 24;
            c += &format!(
                "BT /F1 11 Tf 72 {y} Td (Clause {n}.{}: the parties agree to the terms set out in this section.) Tj ET\n",
                line + 1
            );
        }
        if n == 2 {
            c += "BT /F1 11 Tf 320 140 Td (Signed by the client:) Tj ET\n0.5 G 320 58 m 540 58 l S\n";
        }
        pages.push(c);
    }
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Count 2 /Kids [4 0 R 6 0 R] >>".into(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
    ];
    for (i, c) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!("<< /Length {} >>\nstream\n{c}endstream", c.len()));
    }
    common::pdf_from_objects(&objects)
}

/// Fails with everything the script printed when it did not succeed.
fn assert_succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "the browser journey failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_signer_signs_and_a_reviewer_approves_in_chromium() {
    let server = Server::start(Db::Sqlite);
    let api = server.client(&server.create_account("Acme").token);
    let links = send(&api).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    let out = common::browser_script("signing_page.cjs")
        .env("SIGNER_URL", format!("{}/sign/{}", server.url, links[0]))
        .env("REVIEWER_URL", format!("{}/sign/{}", server.url, links[1]))
        .env("SCREENSHOTS", &shots)
        .output()
        .expect("node runs (scripts/test installs it)");
    assert_succeeded(&out);

    // What the page announced is what the server recorded.
    let invitee = server.client("");
    let signer = invitee.get(&format!("/api/sign/{}", links[0])).await;
    assert_eq!(signer.ok()["signed"], true);
    let reviewer = invitee.get(&format!("/api/sign/{}", links[1])).await;
    assert_eq!(reviewer.ok()["approved"], true);

    // The file now carries one valid signature by the server's seal.
    let http = common::http();
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{}{path}", server.url);
        async move { http.get(url).send().await.unwrap() }
    };
    let pdf = get(format!("/api/sign/{}/file", links[0]))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let root_pem = get("/trust/root.pem".into()).await.text().await.unwrap();
    let roots = signet_pdf::keys::load_certificates_pem(&root_pem).unwrap();
    let report = signet_pdf::verify::verify(&pdf, &roots, &signet_pdf::Limits::default()).unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert!(report.all_good(), "{report:#?}");
    assert_eq!(report.signatures[0].name.as_deref(), Some("Asha Rao"));
    eprintln!("screenshots: {}", shots.display());
}

/// A slot that needs a one-time code: the page asks the server to mail one, and the code
/// from that mail (read here from a real SMTP server) signs.
#[tokio::test]
async fn a_signer_signs_with_a_mailed_code_in_chromium() {
    let smtp = common::smtp::SmtpSink::start();
    let server = Server::start_with(Db::Sqlite, &[("SIGNET_SMTP_URL", &smtp.url)]);
    let api = server.client(&server.create_account("Acme").token);
    let w = json!({"name": "Protected", "invitees": [{"label": "Client", "inviteeType": "Signer",
        "enforceAuthentication": true,
        "appearances": [{"page": "L", "x1": 320, "y1": 60, "x2": 540, "y2": 130}]}]});
    let profile = common::create_workflow(&api, &w).await;
    let people = json!([{"name": "Asha Rao", "email": "asha@example.com"}]);
    let (_, links) =
        common::send_file(&api, &profile, "Protected", None, &agreement_pdf(), &people).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let code_file = shots.join(format!("code-{}", links[0]));
    let _ = std::fs::remove_file(&code_file);

    let child = common::browser_script("signing_page_otp.cjs")
        .env("SIGNER_URL", format!("{}/sign/{}", server.url, links[0]))
        .env("CODE_FILE", &code_file)
        .env("SCREENSHOTS", &shots)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node runs (scripts/test installs it)");
    // The invitation, then the code the page asked for.
    let mail = smtp.wait_for(2).await.remove(1);
    let body = mail["body"].as_str().unwrap();
    let at = body.find("code is ").expect("a code mail") + "code is ".len();
    std::fs::write(&code_file, &body[at..at + 6]).unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let _ = std::fs::remove_file(&code_file);
    assert_succeeded(&out);
    let invitee = server.client("");
    let signer = invitee.get(&format!("/api/sign/{}", links[0])).await;
    assert_eq!(signer.ok()["signed"], true);
}

#[tokio::test]
async fn the_page_is_served_with_its_security_headers_and_unknown_links_are_404() {
    let server = Server::start(Db::Sqlite);
    let api = server.client(&server.create_account("Acme").token);
    let links = send(&api).await;
    let http = common::http();
    let page = http
        .get(format!("{}/sign/{}", server.url, links[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>"),
        "no inline script: the CSP would block it"
    );

    for asset in [
        "sign.js",
        "sign.css",
        "pdfjs/pdf.min.mjs",
        "pdfjs/pdf.worker.min.mjs",
    ] {
        let res = http
            .get(format!("{}/static/{asset}", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{asset}");
    }

    let unknown = http
        .get(format!(
            "{}/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("<!doctype html>"));
}

/// The page's language: the link's `?lang=`, else the browser's; the page's own words and the
/// script's are in it, and Hindi invitation mail links to the Hindi page.
#[tokio::test]
async fn the_page_speaks_the_links_or_the_browsers_language() {
    let server = Server::start(Db::Sqlite);
    let api = server.client(&server.create_account("Acme").token);
    let links = send(&api).await;
    let http = common::http();
    let page = |query: &'static str, accept: &'static str| {
        let url = format!("{}/sign/{}{query}", server.url, links[0]);
        let http = http.clone();
        async move {
            let res = http
                .get(url)
                .header("Accept-Language", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.text().await.unwrap()
        }
    };
    let english = page("", "en-IN,en;q=0.9").await;
    assert!(english.contains("<html lang=\"en\">"), "{english}");
    assert!(english.contains("Sign document"));
    let hindi = page("?lang=hi", "en-IN,en;q=0.9").await;
    assert!(hindi.contains("<html lang=\"hi\">"));
    assert!(hindi.contains("दस्तावेज़ पर हस्ताक्षर करें"));
    // The script's words travel with the page, as JSON in an attribute.
    assert!(
        hindi.contains("data-strings=\"{&#34;loading&#34;")
            || hindi.contains("data-strings=\"{&quot;loading&quot;"),
        "{hindi}"
    );
    let browser_hindi = page("", "hi-IN,hi;q=0.9,en;q=0.5").await;
    assert!(browser_hindi.contains("<html lang=\"hi\">"));
    let asked_english = page("?lang=en", "hi").await;
    assert!(asked_english.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn a_signer_signs_in_hindi_in_chromium() {
    let server = Server::start(Db::Sqlite);
    let api = server.client(&server.create_account("Acme").token);
    let links = send(&api).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = common::browser_script("signing_page_hindi.cjs")
        .env("SIGNER_URL", format!("{}/sign/{}", server.url, links[0]))
        .env("SCREENSHOTS", &shots)
        .output()
        .expect("node runs (scripts/test installs it)");
    assert_succeeded(&out);
    let signer = server
        .client("")
        .get(&format!("/api/sign/{}", links[0]))
        .await;
    assert_eq!(signer.ok()["signed"], true);
}
