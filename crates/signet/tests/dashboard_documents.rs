//! The Documents and Webhooks screens on a real `signet serve`, over real HTTP, on both
//! databases: the list (filters, counts, search by name, IRN, id and invitee email, pages), a
//! document sent through the API, every lifecycle action from its page (checked through the
//! Leegality details API and in the page's history under the user's name), viewers, other
//! accounts and CSRF refused with nothing changed, and webhook deliveries with redeliver.
//! Then the same screens in Chromium (tests/dashboard_documents.cjs) with axe-core.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::dashboard::{Browser, Page, create_user};
use common::receiver::Receiver;
use common::{Client, Db, Server, create_workflow, send_pdf};
use serde_json::{Value, json};

/// An account with an API token and a user of `role` named "Test User".
struct Setup {
    account_id: String,
    api: Client,
}

fn account(server: &Server, name: &str) -> Setup {
    let a = server.create_account(name);
    Setup {
        api: server.client(&a.token),
        account_id: a.id,
    }
}

fn user(server: &Server, account: &str, email: &str, role: &str) -> String {
    let password = "correct horse battery";
    let (ok, _, err) = create_user(server, account, email, role, password);
    assert!(ok, "{err}");
    password.to_string()
}

fn server(db: Db, env: &[(&str, &str)]) -> Server {
    let mut all = vec![("SIGNET_TEST_CLOCK", "true")];
    all.extend_from_slice(env);
    Server::start_with(db, &all)
}

fn signer(label: &str) -> Value {
    json!({"label": label, "inviteeType": "Signer",
           "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]})
}

async fn two_signers(api: &Client, ordered: bool, expiry_days: i64) -> String {
    let w = json!({"name": "Two signers", "requireSigningOrder": ordered,
                   "expiryDays": expiry_days, "invitees": [signer("First"), signer("Second")]});
    create_workflow(api, &w).await
}

fn people(n: usize) -> Value {
    json!([{"name": "Asha Rao", "email": format!("asha{n}@example.com")},
           {"name": "Ravi Kumar", "email": format!("ravi{n}@example.com")}])
}

fn typed() -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": true})
}

async fn details(api: &Client, id: &str) -> Value {
    api.get(&format!("/api/v3.3/document/details?documentId={id}"))
        .await
        .ok()
        .clone()
}

async fn advance(api: &Client, seconds: i64) {
    api.post("/api/signet/clock/advance", &json!({"seconds": seconds}))
        .await
        .ok();
}

/// The documents a list page shows, by id, in order.
fn listed(page: &Page) -> Vec<String> {
    let html = page.body.clone();
    html.split("<td data-label=\"Name\"><a href=\"/app/documents/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

async fn the_list_filters_searches_and_pages(db: Db) {
    let server = server(db, &[]);
    let acme = account(&server, "Acme");
    let password = user(&server, &acme.account_id, "asha@acme.test", "sender");
    let short = two_signers(&acme.api, false, 1).await;
    let long = two_signers(&acme.api, false, 10).await;
    let mut ids = vec![];
    for n in 0..2 {
        let irn = format!("OLD-{n}");
        let (id, _) = send_pdf(
            &acme.api,
            &short,
            &format!("Old {n}"),
            Some(&irn),
            &people(n),
        )
        .await;
        ids.push(id);
    }
    advance(&acme.api, 2 * 86_400).await;
    for n in 2..23 {
        let irn = format!("IRN-{n}");
        let (id, _) = send_pdf(
            &acme.api,
            &long,
            &format!("Loan {n}"),
            Some(&irn),
            &people(n),
        )
        .await;
        ids.push(id);
    }
    let b = Browser::signed_in(&server, "asha@acme.test", &password).await;

    let first = b.get("/app/documents").await;
    assert_eq!(first.status, 200, "{}", first.body.clone());
    let html = first.body.clone();
    let newest: Vec<String> = ids.iter().rev().take(20).cloned().collect();
    assert_eq!(listed(&first), newest, "newest first, 20 a page");
    for count in [
        "All <span class=\"count\">(23)",
        "Sent <span class=\"count\">(21)",
        "Completed <span class=\"count\">(0)",
        "Expired <span class=\"count\">(2)",
    ] {
        assert!(html.contains(count), "{count} in {html}");
    }
    assert!(html.contains("0 of 2 signed") && html.contains("1–20 of 23"));
    assert!(html.contains("href=\"/app/documents?page=2\" rel=\"next\">Next"));
    assert!(!html.contains("rel=\"prev\""));
    let second = b.get("/app/documents?page=2").await;
    assert_eq!(
        listed(&second),
        ids[..3].iter().rev().cloned().collect::<Vec<_>>()
    );
    assert!(
        second
            .body
            .clone()
            .contains("href=\"/app/documents\" rel=\"prev\">Previous")
    );

    let expired = b.get("/app/documents?status=expired").await;
    assert_eq!(listed(&expired), vec![ids[1].clone(), ids[0].clone()]);
    assert!(
        expired
            .body
            .clone()
            .contains("<input type=\"hidden\" name=\"status\" value=\"expired\">"),
        "the search keeps the filter"
    );
    assert!(listed(&b.get("/app/documents?status=completed").await).is_empty());

    // Search: name, IRN, document ID and an invitee's email, whole and ignoring case.
    for (q, want) in [
        ("loan 7", &ids[7]),
        ("irn-9", &ids[9]),
        (&ids[12].to_lowercase(), &ids[12]),
        ("RAVI15@EXAMPLE.COM", &ids[15]),
        ("  asha4@example.com ", &ids[4]),
    ] {
        let path = format!(
            "/app/documents?{}",
            serde_urlencoded::to_string([("q", q)]).unwrap()
        );
        assert_eq!(listed(&b.get(&path).await), vec![want.clone()], "q={q}");
    }
    let in_filter = b
        .get("/app/documents?status=expired&q=asha1%40example.com")
        .await;
    assert_eq!(listed(&in_filter), vec![ids[1].clone()]);
    let other_filter = b
        .get("/app/documents?status=sent&q=asha1%40example.com")
        .await;
    assert!(listed(&other_filter).is_empty());
    assert!(other_filter.body.clone().contains("No documents match."));

    // Bad input: words, not a code.
    for (path, words) in [
        ("/app/documents?page=0", "The page must be a whole number"),
        ("/app/documents?page=x", "The page must be a whole number"),
        ("/app/documents?status=lost", "Choose a filter"),
    ] {
        let p = b.get(path).await;
        assert_eq!(p.status, 400, "{path}");
        assert!(p.body.clone().contains(words), "{path}: {}", p.body.clone());
    }
    let hindi = b.get("/app/documents?lang=hi").await.body.clone();
    assert!(hindi.contains("सभी") && hindi.contains("2 में से 0 ने हस्ताक्षर किए"));
}

/// The document page's invitees, then every action from it, each seen in the details API and
/// in the history under "Test User (dashboard)".
async fn actions_from_the_document_page(db: Db) {
    let server = server(db, &[]);
    let acme = account(&server, "Acme");
    let password = user(&server, &acme.account_id, "asha@acme.test", "sender");
    let invitee = server.client("");
    let ordered = two_signers(&acme.api, true, 1).await;
    let (id, links) = send_pdf(&acme.api, &ordered, "Lease", Some("LEASE-1"), &people(1)).await;
    let b = Browser::signed_in(&server, "asha@acme.test", &password).await;
    let doc = format!("/app/documents/{id}");

    let page = b.get(&doc).await;
    assert_eq!(page.status, 200);
    let html = page.body.clone();
    for want in [
        "Lease",
        "LEASE-1",
        "Asha Rao",
        "ravi1@example.com",
        "Their turn",
        "Waiting for their turn",
        &format!("value=\"{}/sign/{}\"", server.url, links[0]),
        &format!("{doc}/invitations/{}/resend", links[0]),
        &format!("{doc}/invitations/{}/activate", links[1]),
        &format!("{doc}/invitations/{}/delete", links[1]),
        "Document sent",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
    assert!(!html.contains(&format!("{doc}/invitations/{}/activate", links[0])));
    assert!(!html.contains(&format!("{doc}/complete")), "one is active");
    assert!(!html.contains("audit-trail.pdf"), "not completed");

    // Resend.
    b.submit(&format!("{doc}/invitations/{}/resend", links[0]), &[])
        .await
        .assert_redirect(&format!("{doc}?notice=resent"));
    let after = b.get(&format!("{doc}?notice=resent")).await.body.clone();
    assert!(after.contains("The invitation was sent again."));
    assert!(after.contains("Test User (dashboard)"), "{after}");
    // Refused in words: the second is not active yet.
    let refused = b
        .submit(&format!("{doc}/invitations/{}/resend", links[1]), &[])
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused
            .body
            .clone()
            .contains("turn yet: activate them first"),
        "{}",
        refused.body.clone()
    );

    // Activate out of turn.
    b.submit(&format!("{doc}/invitations/{}/activate", links[1]), &[])
        .await
        .assert_redirect(&format!("{doc}?notice=activated"));
    let d = details(&acme.api, &id).await;
    assert_eq!(d["requests"][1]["active"], true, "{d}");

    // The first signs; then the second's invitation is deleted; then mark complete.
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();
    let html = b.get(&doc).await.body.clone();
    assert!(
        html.contains("<td data-label=\"Status\">Signed</td>"),
        "{html}"
    );
    assert!(
        !html.contains(&format!("{doc}/invitations/{}/delete", links[0])),
        "signed"
    );
    let busy = b.submit(&format!("{doc}/complete"), &[]).await;
    assert_eq!(busy.status, 409);
    assert!(busy.body.clone().contains("An invitation is still active"));
    b.submit(&format!("{doc}/invitations/{}/delete", links[1]), &[])
        .await
        .assert_redirect(&format!("{doc}?notice=invitation_deleted"));
    let d = details(&acme.api, &id).await;
    assert_eq!(d["requests"][1]["deleted"], true, "{d}");
    assert_eq!(d["document"]["status"], "SENT");
    assert!(
        b.get(&doc)
            .await
            .body
            .clone()
            .contains(&format!("{doc}/complete"))
    );
    b.submit(&format!("{doc}/complete"), &[])
        .await
        .assert_redirect(&format!("{doc}?notice=completed"));
    assert_eq!(
        details(&acme.api, &id).await["document"]["status"],
        "COMPLETED"
    );
    let html = b.get(&doc).await.body.clone();
    for action in [
        "Invitation sent again",
        "Invitation activated out of order",
        "Invitation deleted",
        "Document completed",
    ] {
        let row = format!(
            "<td data-label=\"By\">Test User (dashboard)</td>\n<td data-label=\"Action\">{action}</td>"
        );
        assert!(html.contains(&row), "{action} by the user: {html}");
    }

    // Downloads: the current version and, completed, the audit trail.
    let pdf = b.get(&format!("{doc}/signed.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF") && pdf.disposition.starts_with("attachment"));
    let audit = b.get(&format!("{doc}/audit-trail.pdf")).await;
    assert_eq!(audit.status, 200, "{}", audit.body.clone());
    assert!(audit.bytes.starts_with(b"%PDF"));

    // Reactivate, after expiry on the test clock: bad days change nothing.
    let plain = two_signers(&acme.api, false, 1).await;
    let (late, _) = send_pdf(&acme.api, &plain, "Late", None, &people(2)).await;
    let late_doc = format!("/app/documents/{late}");
    assert!(!b.get(&late_doc).await.body.clone().contains("/reactivate"));
    advance(&acme.api, 2 * 86_400).await;
    // Two days idle ended the session.
    let b = Browser::signed_in(&server, "asha@acme.test", &password).await;
    assert_eq!(
        details(&acme.api, &late).await["document"]["status"],
        "EXPIRED"
    );
    let expired_page = b.get(&late_doc).await.body.clone();
    assert!(expired_page.contains("/reactivate"), "{expired_page}");
    let bad = b
        .submit(
            &format!("{late_doc}/reactivate"),
            &[("expiry_days", "soon")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .clone()
            .contains("Expiry (days) must be a whole number")
    );
    let bad = b
        .submit(&format!("{late_doc}/reactivate"), &[("expiry_days", "900")])
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        details(&acme.api, &late).await["document"]["status"],
        "EXPIRED",
        "nothing changed"
    );
    b.submit(&format!("{late_doc}/reactivate"), &[("expiry_days", "5")])
        .await
        .assert_redirect(&format!("{late_doc}?notice=reactivated"));
    let d = details(&acme.api, &late).await;
    assert_eq!(d["document"]["status"], "SENT", "{d}");
    assert!(
        b.get(&late_doc)
            .await
            .body
            .clone()
            .contains("Test User (dashboard)")
    );

    // Delete the document, after its confirmation page.
    let confirm = b.get(&format!("{late_doc}/delete")).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.clone().contains("Delete document") && confirm.body.clone().contains("Late")
    );
    b.submit(&format!("{late_doc}/delete"), &[])
        .await
        .assert_redirect("/app/documents?notice=deleted");
    assert_eq!(details(&acme.api, &late).await["document"]["deleted"], true);
    assert_eq!(b.get(&late_doc).await.status, 404);
    assert!(!listed(&b.get("/app/documents").await).contains(&late));
}

/// Viewers see no forms and are refused; another account's user finds nothing; a form
/// without its CSRF token changes nothing.
async fn viewers_other_accounts_and_csrf_are_refused(db: Db) {
    let server = server(db, &[]);
    let acme = account(&server, "Acme");
    let password = user(&server, &acme.account_id, "vera@acme.test", "viewer");
    user(&server, &acme.account_id, "sam@acme.test", "sender");
    let other = account(&server, "Other");
    user(&server, &other.account_id, "olga@other.test", "admin");
    let ordered = two_signers(&acme.api, true, 10).await;
    let (id, links) = send_pdf(&acme.api, &ordered, "Lease", None, &people(1)).await;
    let doc = format!("/app/documents/{id}");
    let actions = [
        format!("{doc}/invitations/{}/resend", links[0]),
        format!("{doc}/invitations/{}/activate", links[1]),
        format!("{doc}/invitations/{}/delete", links[1]),
        format!("{doc}/complete"),
        format!("{doc}/reactivate"),
        format!("{doc}/delete"),
    ];
    let before = details(&acme.api, &id).await;

    let viewer = Browser::signed_in(&server, "vera@acme.test", &password).await;
    let page = viewer.get(&doc).await;
    assert_eq!(page.status, 200);
    let html = page.body.clone();
    assert_eq!(
        html.matches("method=\"post\"").count(),
        1,
        "only sign out: {html}"
    );
    assert!(!html.contains("/sign/"), "no signing link for a viewer");
    assert!(html.contains("Download signed PDF"));
    assert_eq!(viewer.get(&format!("{doc}/delete")).await.status, 403);
    for path in &actions {
        let p = viewer.submit(path, &[("expiry_days", "5")]).await;
        assert_eq!(p.status, 403, "{path}");
    }

    let outsider = Browser::signed_in(&server, "olga@other.test", "correct horse battery").await;
    assert_eq!(outsider.get(&doc).await.status, 404);
    assert_eq!(outsider.get(&format!("{doc}/signed.pdf")).await.status, 404);
    assert_eq!(outsider.get(&format!("{doc}/delete")).await.status, 404);
    for path in &actions {
        let p = outsider.submit(path, &[("expiry_days", "5")]).await;
        assert_eq!(p.status, 404, "{path}: {}", p.body.clone());
    }
    assert!(listed(&outsider.get("/app/documents").await).is_empty());

    let sender = Browser::signed_in(&server, "sam@acme.test", "correct horse battery").await;
    for path in &actions {
        let p = sender.post(path, &[("expiry_days", "5")]).await;
        assert_eq!(p.status, 403, "no csrf: {path}");
        let p = sender
            .post(path, &[("expiry_days", "5"), ("csrf", "forged")])
            .await;
        assert_eq!(p.status, 403, "wrong csrf: {path}");
    }
    let after = details(&acme.api, &id).await;
    assert_eq!(before["requests"], after["requests"], "nothing changed");
    assert_eq!(after["document"]["status"], "SENT");
}

async fn webhook_deliveries_listed_and_redelivered(db: Db) {
    let r = Receiver::start();
    let server = server(db, &[("SIGNET_WEBHOOK_ALLOW_PRIVATE", "true")]);
    let acme = account(&server, "Acme");
    let password = user(&server, &acme.account_id, "asha@acme.test", "sender");
    let invitee = server.client("");
    let hooks = |name: &str| json!({"success": format!("{}/{name}/ok", r.url), "error": format!("{}/{name}/err", r.url), "version": "2.5"});
    let mut first = signer("First");
    first["webhook"] = hooks("first");
    let mut second = signer("Second");
    second["webhook"] = hooks("second");
    let w = json!({"name": "Hooks", "requireSigningOrder": false, "expiryDays": 10,
                   "invitees": [first, second]});
    let profile = create_workflow(&acme.api, &w).await;
    let (id, links) = send_pdf(&acme.api, &profile, "Hooked", None, &people(1)).await;
    r.answer("/second/err", &[500; 20]);
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();
    invitee
        .post(
            &format!("/api/sign/{}/reject", links[1]),
            &json!({"reason": "Wrong amount"}),
        )
        .await
        .ok();
    r.wait_for("/first/ok", 1).await;
    r.wait_for("/second/err", 1).await;
    // The attempts are recorded just after the receiver answers.
    let b = Browser::signed_in(&server, "asha@acme.test", &password).await;
    let mut html = String::new();
    for _ in 0..200 {
        html = b.get("/app/webhooks").await.body.clone();
        if html.contains("Retrying") && html.contains("HTTP 200") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(html.contains(&format!("{}/first/ok", r.url)), "{html}");
    assert!(html.contains(&format!("{}/second/err", r.url)));
    assert!(
        html.contains("Delivered") && html.contains("Retrying"),
        "{html}"
    );
    assert!(html.contains("HTTP 500") && html.contains("HTTP 200"));
    let delivered = b.get("/app/webhooks?filter=delivered").await.body.clone();
    assert!(delivered.contains("/first/ok") && !delivered.contains("/second/err"));
    let failed = b.get("/app/webhooks?filter=failed").await.body.clone();
    assert!(failed.contains("/second/err") && !failed.contains("/first/ok"));
    let bad = b.get("/app/webhooks?filter=odd").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .clone()
            .contains("Choose a filter: All, Delivered or Failed.")
    );

    // The document's page lists its deliveries too; redeliver the delivered one from there.
    let doc = format!("/app/documents/{id}");
    let page = b.get(&doc).await.body.clone();
    let at = page
        .find("/first/ok")
        .expect("the delivery on the document page");
    let form = &page[at..];
    let start = form.find("action=\"/app/webhooks/").unwrap() + 8;
    let action = &form[start..start + form[start..].find('"').unwrap()];
    let delivery = action.split('/').nth(3).unwrap().to_string();
    let before = r.received().len();
    b.submit(action, &[("back", &doc)])
        .await
        .assert_redirect(&format!("{doc}?notice=redelivered"));
    let again = r.wait_for("/first/ok", 2).await;
    assert_eq!(
        again[0].webhook_id(),
        again[1].webhook_id(),
        "the same delivery"
    );
    assert!(r.received().len() > before);
    // An address outside the dashboard is not followed.
    b.submit(action, &[("back", "https://evil.example/")])
        .await
        .assert_redirect("/app/webhooks?notice=redelivered");
    let outsider_account = account(&server, "Other");
    user(
        &server,
        &outsider_account.account_id,
        "o@other.test",
        "admin",
    );
    let outsider = Browser::signed_in(&server, "o@other.test", "correct horse battery").await;
    assert!(
        !outsider
            .get("/app/webhooks")
            .await
            .body
            .clone()
            .contains(&delivery)
    );
    let p = outsider
        .submit(&format!("/app/webhooks/{delivery}/redeliver"), &[])
        .await;
    assert_eq!(p.status, 404);
}

on_both_databases!(
    the_documents_in_chromium,
    the_list_filters_searches_and_pages,
    actions_from_the_document_page,
    viewers_other_accounts_and_csrf_are_refused,
    webhook_deliveries_listed_and_redelivered
);

/// The screens in Chromium by their accessible names: list, filter, search, open a document,
/// resend, download the signed PDF, webhooks; axe-core and screenshots at 1280 and 390 px.
async fn the_documents_in_chromium(db: Db) {
    let server = server(db, &[]);
    let acme = account(&server, "Acme");
    let password = user(&server, &acme.account_id, "asha@acme.test", "sender");
    let profile = two_signers(&acme.api, true, 10).await;
    for n in 0..3 {
        let irn = format!("IRN-{n}");
        send_pdf(
            &acme.api,
            &profile,
            &format!("Loan {n}"),
            Some(&irn),
            &people(n),
        )
        .await;
    }
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    // Both databases run at once: a directory each for what the browser saves.
    let downloads = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("downloads-{db:?}"));
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::create_dir_all(&downloads).unwrap();
    let out = common::browser_script("dashboard_documents.cjs")
        .env("BASE_URL", &server.url)
        .env("EMAIL", "asha@acme.test")
        .env("PASSWORD", &password)
        .env("SCREENSHOTS", &shots)
        .env("DOWNLOADS", &downloads)
        .output()
        .expect("node runs (scripts/test installs it)");
    assert!(
        out.status.success(),
        "the browser journey failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    // What the browser did is what the server holds: the resend is in the event log.
    let listed = acme.api.get("/api/v3.0/sign/request/list?q=Loan%201").await;
    let id = listed.ok()["documents"][0]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    let b = Browser::signed_in(&server, "asha@acme.test", &password).await;
    let html = b.get(&format!("/app/documents/{id}")).await.body.clone();
    assert!(html.contains("Test User (dashboard)"), "{html}");
}
