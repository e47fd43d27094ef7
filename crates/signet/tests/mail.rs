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

/// The code in a code mail.
fn code_in(mail: &Value) -> String {
    let body = mail["body"].as_str().unwrap();
    let at = body.find("code is ").expect("a code mail") + "code is ".len();
    body[at..at + 6].to_string()
}

async fn advance(api: &common::Client, seconds: i64) {
    api.post("/api/signet/clock/advance", &json!({"seconds": seconds}))
        .await
        .ok();
}

/// Slots with `enforceAuthentication`: a code is mailed on request, needed to act, spent when
/// right; wrong guesses, expiry and pacing are refused with their own codes.
async fn one_time_codes(db: Db) {
    let otp_workflow = json!({"name": "Protected", "invitees": [
        {"label": "Borrower", "inviteeType": "Signer", "enforceAuthentication": true},
        {"label": "Lender", "inviteeType": "Reviewer", "enforceAuthentication": true}]});

    // Codes go by mail: a server without SMTP refuses such a workflow.
    {
        let plain = Server::start(db);
        let api = plain.client(&plain.create_account("Acme").token);
        let mut w = otp_workflow.clone();
        w["publish"] = true.into();
        assert_eq!(
            api.post("/api/signet/workflows", &w).await.code(),
            "workflow.authentication.unsupported"
        );
    }

    let smtp = SmtpSink::start();
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_SMTP_URL", &smtp.url),
            ("SIGNET_TEST_CLOCK", "true"),
        ],
    );
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let profile = create_workflow(&api, &otp_workflow).await;
    let phone_only = json!({"profileId": profile,
        "file": {"name": "x", "file": common::base64(&common::pdf_with_pages(1))},
        "invitees": [{"name": "Asha", "phone": "9876543210"}, {"name": "Ravi", "email": "ravi@example.com"}]});
    assert_eq!(
        api.post("/api/v3.0/sign/request", &phone_only).await.code(),
        "invitee.email.required"
    );
    let people = json!([{"name": "Asha", "email": "asha@example.com"},
                         {"name": "Ravi", "email": "ravi@example.com"}]);
    let (_, links) = send_pdf(&api, &profile, "Loan", None, &people).await;
    smtp.wait_for(2).await; // the two invitations
    let view = invitee.get(&format!("/api/sign/{}", links[0])).await;
    assert_eq!(view.ok()["otpRequired"], true);

    // No code, then a wrong one, then the right one.
    let sign = |otp: Option<&str>| {
        let mut b = typed();
        if let Some(c) = otp {
            b["otp"] = c.into();
        }
        b
    };
    let path = format!("/api/sign/{}/sign", links[0]);
    assert_eq!(
        invitee.post(&path, &sign(None)).await.code(),
        "otp.required"
    );
    let sent = invitee
        .post(&format!("/api/sign/{}/otp", links[0]), &json!({}))
        .await;
    assert_eq!(sent.ok()["sentTo"], "a***@example.com");
    assert_eq!(sent.ok()["expiresInSeconds"], 600);
    let mail = smtp.wait_for(3).await.remove(2);
    assert_eq!(mail["to"], json!(["asha@example.com"]));
    assert_eq!(mail["subject"], "Your code for Loan");
    let code = code_in(&mail);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = invitee.post(&path, &sign(Some(wrong))).await;
    assert_eq!(refused.code(), "otp.invalid");
    assert!(
        refused.body["messages"][0]["message"]
            .as_str()
            .unwrap()
            .contains("4 attempt(s) left")
    );
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/otp", links[0]), &json!({}))
            .await
            .code(),
        "otp.too.soon"
    );
    invitee.post(&path, &sign(Some(&code))).await.ok();

    // The reviewer: five wrong guesses spend the code; a new one, once 30 s have passed.
    let approve = format!("/api/sign/{}/approve", links[1]);
    let otp = format!("/api/sign/{}/otp", links[1]);
    invitee.post(&otp, &json!({})).await.ok();
    let code = code_in(&smtp.wait_for(4).await.remove(3));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(
            invitee.post(&approve, &json!({"otp": wrong})).await.code(),
            "otp.invalid"
        );
    }
    assert_eq!(
        invitee.post(&approve, &json!({"otp": code})).await.code(),
        "otp.attempts.exceeded",
        "even the right code, once spent"
    );
    advance(&api, 31).await;
    invitee.post(&otp, &json!({})).await.ok();
    let code = code_in(&smtp.wait_for(5).await.remove(4));
    // Ten minutes later it has expired.
    advance(&api, 601).await;
    assert_eq!(
        invitee.post(&approve, &json!({"otp": code})).await.code(),
        "otp.expired"
    );
    invitee.post(&otp, &json!({})).await.ok();
    let code = code_in(&smtp.wait_for(6).await.remove(5));
    let done = invitee.post(&approve, &json!({"otp": code})).await;
    assert_eq!(done.ok()["completed"], true);
    assert_eq!(
        invitee.post(&otp, &json!({})).await.code(),
        "invitation.already.done",
        "nothing to ask a code for once acted"
    );
}

/// A part of a mail as the invitee reads it: lines end in CRLF on the wire.
fn part(mail: &Value, name: &str) -> String {
    mail[name].as_str().unwrap().replace("\r\n", "\n")
}

/// The six-digit code in a code mail, whatever its language.
fn digits_in(mail: &Value) -> String {
    let body = mail["body"].as_str().unwrap();
    let digits: Vec<char> = body.chars().collect();
    let at = digits
        .windows(6)
        .position(|w| w.iter().all(char::is_ascii_digit))
        .expect("a code mail");
    digits[at..at + 6].iter().collect()
}

/// Every mail is `multipart/alternative`, text then HTML, in its invitation's language: an
/// invitation set to Hindi (in the database, as no request can yet) gets its invitation,
/// reminder and code in Hindi, the subjects as RFC 2047 words, while the others stay English.
async fn mail_has_text_and_html_in_the_invitation_language(db: Db) {
    let smtp = SmtpSink::start();
    let server = Server::start_with(db, &[("SIGNET_SMTP_URL", &smtp.url)]);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Lease", "requireSigningOrder": true, "invitees": [
        {"label": "Tenant", "inviteeType": "Signer"},
        {"label": "Guarantor", "inviteeType": "Signer", "enforceAuthentication": true}]});
    let profile = create_workflow(&api, &w).await;
    let people = json!([
        {"name": "Asha Rao", "email": "asha@example.com"},
        {"name": "Ravi <b>Kumar</b>", "email": "ravi@example.com"}]);
    let (_, links) = send_pdf(&api, &profile, "Lease & 12B", None, &people).await;

    let first = smtp.wait_for(1).await.remove(0);
    assert_eq!(first["contentType"], "multipart/alternative");
    assert_eq!(first["parts"], json!(["text/plain", "text/html"]));
    assert_eq!(first["subject"], "Please sign: Lease & 12B");
    let text = part(&first, "body");
    assert!(
        text.starts_with("Hello Asha Rao,\n\nYou are invited to sign \"Lease & 12B\".\n"),
        "{text}"
    );
    let html = part(&first, "html");
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("<p>Hello Asha Rao,</p>"), "{html}");
    assert!(
        html.contains("You are invited to sign \"Lease &#38; 12B\".</p>"),
        "{html}"
    );
    let link = format!("{}/sign/{}", server.url, links[0]);
    assert!(html.contains(&format!("<a href=\"{link}\"")), "{html}");

    server.set_invitation_language(&links[1], "hi").await;
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();
    let second = smtp.wait_for(2).await.remove(1);
    assert_eq!(second["to"], json!(["ravi@example.com"]));
    assert_eq!(second["parts"], json!(["text/plain", "text/html"]));
    assert_eq!(second["subject"], "कृपया हस्ताक्षर करें: Lease & 12B");
    let raw = second["rawSubject"].as_str().unwrap();
    assert!(
        raw.is_ascii() && raw.to_ascii_lowercase().starts_with("=?utf-8?"),
        "{raw}"
    );
    let text = part(&second, "body");
    assert!(
        text.starts_with(
            "नमस्ते Ravi <b>Kumar</b>,\n\nआपको \"Lease & 12B\" पर हस्ताक्षर करने के लिए आमंत्रित किया गया है।\n"
        ),
        "{text}"
    );
    assert!(
        // The Hindi invitation opens the signing page in Hindi.
        text.contains(&format!("{}/sign/{}?lang=hi\n", server.url, links[1])),
        "{text}"
    );
    let html = part(&second, "html");
    assert!(html.contains("<html lang=\"hi\">"), "{html}");
    assert!(
        html.contains("<p>नमस्ते Ravi &#60;b&#62;Kumar&#60;/b&#62;,</p>"),
        "{html}"
    );

    api.post(
        "/api/v3.0/sign/request/resend",
        &json!({"signUrls": [links[1]]}),
    )
    .await
    .ok();
    let reminder = smtp.wait_for(3).await.remove(2);
    assert_eq!(reminder["subject"], "अनुस्मारक: कृपया हस्ताक्षर करें: Lease & 12B");

    invitee
        .post(&format!("/api/sign/{}/otp", links[1]), &json!({}))
        .await
        .ok();
    let code_mail = smtp.wait_for(4).await.remove(3);
    assert_eq!(code_mail["parts"], json!(["text/plain", "text/html"]));
    assert_eq!(code_mail["subject"], "Lease & 12B के लिए आपका कोड");
    let code = digits_in(&code_mail);
    let text = part(&code_mail, "body");
    assert!(
        text.contains(&format!("आपका वन-टाइम कोड {code} है। यह 10 मिनट तक मान्य है।")),
        "{text}"
    );
    assert!(part(&code_mail, "html").contains(&code));
    let mut sign = typed();
    sign["otp"] = code.into();
    let done = invitee
        .post(&format!("/api/sign/{}/sign", links[1]), &sign)
        .await;
    assert_eq!(
        done.ok()["completed"],
        true,
        "the code mailed in Hindi is the real one"
    );
}

on_both_databases!(
    mail_has_text_and_html_in_the_invitation_language,
    invitations_are_mailed_in_turn,
    everyone_at_once_and_only_with_an_address,
    one_time_codes
);
