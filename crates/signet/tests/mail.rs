//! Invitation mail through a real SMTP server, on both databases: the first in a signing order
//! is mailed when the document is sent, the next when their turn comes, a resend is a
//! reminder, and a slot without mail notification or an invitee without an address gets none.

mod common;

use common::smtp::SmtpSink;
use common::{Db, Server, create_workflow, send_pdf};
use serde_json::{Value, json};

fn typed() -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": true})
}

async fn invitations_are_mailed_in_turn(db: Db) {
    let smtp = SmtpSink::start();
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_SMTP_URL", &smtp.url),
            ("SIGNET_MAIL_FROM", "Acme Signing <sign@acme.test>"),
        ],
    );
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Lease", "requireSigningOrder": true, "message": "Please sign your lease",
        "invitees": [
            {"label": "Tenant", "inviteeType": "Signer"},
            {"label": "Guarantor", "inviteeType": "Signer"},
            {"label": "Agent", "inviteeType": "Reviewer", "emailNotification": false}]});
    let profile = create_workflow(&api, &w).await;
    let people = json!([
        {"name": "Asha Rao", "email": "asha@example.com"},
        {"name": "Ravi Kumar", "email": "ravi@example.com"},
        {"name": "Meera Iyer", "email": "meera@example.com"}]);
    let (doc, links) = send_pdf(&api, &profile, "Lease 12B", None, &people).await;

    // Only the first in the order is mailed at sending.
    let first = smtp.wait_for(1).await.remove(0);
    assert_eq!(first["to"], json!(["asha@example.com"]));
    assert_eq!(first["mailFrom"], "sign@acme.test");
    assert_eq!(first["from"], "Acme Signing <sign@acme.test>");
    assert_eq!(first["subject"], "Please sign: Lease 12B");
    let body = first["body"].as_str().unwrap();
    assert!(body.starts_with("Hello Asha Rao,"), "{body}");
    assert!(body.contains("Please sign your lease"), "{body}");
    assert!(
        body.contains(&format!("{}/sign/{}", server.url, links[0])),
        "{body}"
    );
    let details = api
        .get(&format!("/api/v3.3/document/details?documentId={doc}"))
        .await;
    let expiry = details.ok()["requests"][0]["expiryDate"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        body.contains(&expiry),
        "the expiry, as details gives it: {body}"
    );

    // The first signs: the second's turn, and their mail.
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();
    let second = smtp.wait_for(2).await.remove(1);
    assert_eq!(second["to"], json!(["ravi@example.com"]));
    assert!(
        second["body"]
            .as_str()
            .unwrap()
            .contains(&format!("/sign/{}", links[1]))
    );

    // A resend is a reminder; the reviewer's turn has not come, so theirs is refused.
    let resent = api
        .post(
            "/api/v3.0/sign/request/resend",
            &json!({"signUrls": [links[1], links[2]]}),
        )
        .await;
    let answers = resent.ok()["invitations"].clone();
    assert_eq!(answers[0]["status"], 1);
    assert_eq!(answers[1]["status"], 0);
    let reminder = smtp.wait_for(3).await.remove(2);
    assert_eq!(reminder["to"], json!(["ravi@example.com"]));
    assert_eq!(reminder["subject"], "Reminder: please sign: Lease 12B");

    // The reviewer's slot does not notify by mail: their turn comes, and no mail.
    invitee
        .post(&format!("/api/sign/{}/sign", links[1]), &typed())
        .await
        .ok();
    let d = api
        .get(&format!("/api/v3.3/document/details?documentId={doc}"))
        .await;
    assert_eq!(d.ok()["invitations"][2]["active"], true);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 3, "{:?}", smtp.messages());
}

/// Without a signing order every invitee with an address is mailed at once; one with only a
/// phone number is not.
async fn everyone_at_once_and_only_with_an_address(db: Db) {
    let smtp = SmtpSink::start();
    let server = Server::start_with(db, &[("SIGNET_SMTP_URL", &smtp.url)]);
    let api = server.client(&server.create_account("Acme").token);
    let w = json!({"name": "Memo", "invitees": [
        {"label": "A", "inviteeType": "Reviewer"},
        {"label": "B", "inviteeType": "Signer"},
        {"label": "C", "inviteeType": "Signer"}]});
    let profile = create_workflow(&api, &w).await;
    let people = json!([
        {"name": "Asha", "email": "asha@example.com"},
        {"name": "Ravi", "phone": "9876500000"},
        {"name": "Meera", "email": "meera@example.com"}]);
    send_pdf(&api, &profile, "Memo", None, &people).await;
    let mails = smtp.wait_for(2).await;
    let mut to: Vec<&str> = mails.iter().map(|m| m["to"][0].as_str().unwrap()).collect();
    to.sort();
    assert_eq!(to, ["asha@example.com", "meera@example.com"]);
    let review = mails
        .iter()
        .find(|m| m["to"][0] == "asha@example.com")
        .unwrap();
    assert_eq!(review["subject"], "Please review: Memo");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 2);
}

on_both_databases!(
    invitations_are_mailed_in_turn,
    everyone_at_once_and_only_with_an_address
);
