//! A sent document's life besides its invitees' actions, over HTTP on both databases:
//! expiry driven by the test clock and reactivation, deleting a document or an invitation
//! (or, with `deleteOnComplete`, the sweeper after completion),
//! completing early, activating out of turn, resending, the completed list, and the older
//! details shapes.

mod common;

use common::{Client, Db, Server, create_workflow, send_pdf};
use serde_json::{Value, json};

const DAY: i64 = 86_400;

fn typed() -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": true})
}

fn signer(label: &str) -> Value {
    json!({"label": label, "inviteeType": "Signer",
           "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]})
}

fn two_people() -> Value {
    json!([{"name": "Asha Rao", "email": "asha@example.com"},
           {"name": "Ravi Kumar", "phone": "9876500000"}])
}

async fn two_signer_workflow(api: &Client, ordered: bool, expiry_days: i64) -> String {
    let w = json!({"name": "Two signers", "requireSigningOrder": ordered, "expiryDays": expiry_days,
                   "invitees": [signer("First"), signer("Second")]});
    create_workflow(api, &w).await
}

async fn details(api: &Client, id: &str) -> Value {
    api.get(&format!("/api/v3.3/document/details?documentId={id}"))
        .await
        .ok()
        .clone()
}

async fn advance(api: &Client, seconds: i64) -> Value {
    api.post("/api/signet/clock/advance", &json!({"seconds": seconds}))
        .await
        .ok()
        .clone()
}

fn test_clock(db: Db) -> Server {
    Server::start_with(db, &[("SIGNET_TEST_CLOCK", "true")])
}

async fn expiry_and_reactivation(db: Db) {
    let server = test_clock(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let profile = two_signer_workflow(&api, true, 1).await;
    let (id, links) = send_pdf(&api, &profile, "Lease", Some("LEASE-1"), &two_people()).await;
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();

    // Nothing is due yet: a day later the invitation is still open (it expires at the end of
    // the day after sending).
    assert_eq!(advance(&api, 60).await["expiredInvitations"], 0);
    assert_eq!(details(&api, &id).await["document"]["status"], "SENT");

    let swept = advance(&api, 3 * DAY).await;
    assert_eq!(swept["expiredInvitations"], 1);
    let d = details(&api, &id).await;
    assert_eq!(d["document"]["status"], "EXPIRED");
    assert_eq!(d["documentStatus"], "Expired");
    assert_eq!(d["invitations"][0]["signed"], true);
    assert_eq!(d["invitations"][0]["expired"], false);
    assert_eq!(d["invitations"][1]["expired"], true);
    assert_eq!(d["invitations"][1]["active"], false);
    assert_eq!(d["invitations"][1]["invitationStatus"]["expired"], true);
    assert_eq!(d["requests"][1]["status"], "EXPIRED");
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/sign", links[1]), &typed())
            .await
            .code(),
        "invitation.expired"
    );
    let listed = api.get("/api/v3.0/sign/request/list?status=EXPIRED").await;
    assert_eq!(listed.ok()["total"], 1);

    // Reactivation: bad expiry values are refused and change nothing.
    let reactivate = |body: Value| {
        let api = &api;
        async move { api.post("/api/v3.0/sign/request/reactivate", &body).await }
    };
    assert_eq!(
        reactivate(json!({"documentId": id, "expiryDays": 400}))
            .await
            .code(),
        "expiry.days.invalid"
    );
    assert_eq!(
        reactivate(json!({"documentId": id, "expiryTime": 1000}))
            .await
            .code(),
        "expiry.time.invalid"
    );
    assert_eq!(
        reactivate(json!({"documentId": "01KMFEE9T8WPY0WPWXQHQ7DTJ2", "expiryDays": 2}))
            .await
            .code(),
        "no.document.found"
    );
    assert_eq!(details(&api, &id).await["document"]["status"], "EXPIRED");

    let revived = reactivate(json!({"documentId": id, "expiryDays": 2})).await;
    let r = revived.ok();
    assert_eq!(r["documentId"], id.as_str());
    assert_eq!(r["irn"], "LEASE-1");
    assert_eq!(r["requests"][1]["expired"], false);
    assert_eq!(r["requests"][1]["active"], true);
    assert_eq!(r["requests"][0]["signType"], "VIRTUAL_SIGN");
    assert_eq!(details(&api, &id).await["document"]["status"], "SENT");
    let done = invitee
        .post(&format!("/api/sign/{}/sign", links[1]), &typed())
        .await;
    assert_eq!(done.ok()["completed"], true);
    assert_eq!(
        reactivate(json!({"documentId": id})).await.code(),
        "document.not.expired"
    );

    // A 45-minute invitation, and the 30-day window after expiry.
    let quick = two_signer_workflow(&api, false, -1).await;
    let (late, _) = send_pdf(&api, &quick, "Quick", None, &two_people()).await;
    assert_eq!(advance(&api, 46 * 60).await["expiredInvitations"], 2);
    assert_eq!(details(&api, &late).await["document"]["status"], "EXPIRED");
    advance(&api, 31 * DAY).await;
    assert_eq!(
        reactivate(json!({"documentId": late})).await.code(),
        "reactivation.window.passed"
    );
}

async fn test_clock_is_off_by_default(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let reply = api
        .post("/api/signet/clock/advance", &json!({"seconds": 60}))
        .await;
    assert_eq!(reply.http, 404);
    assert_eq!(reply.code(), "route.not.found");
}

async fn deleting(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let other = server.client(&server.create_account("Other").token);
    let invitee = server.client("");
    let profile = two_signer_workflow(&api, true, 5).await;

    // An invitation: the next in order takes its turn, and the document completes when the
    // rest have signed.
    let (id, links) = send_pdf(&api, &profile, "Order", None, &two_people()).await;
    let url0 = format!("{}/sign/{}", server.url, links[0]);
    let del = |sign_url: String| {
        let api = &api;
        async move {
            api.send(
                "DELETE",
                &format!("/api/v3.0/sign/request/invitation?signUrl={sign_url}"),
                None,
            )
            .await
        }
    };
    assert_eq!(
        other
            .send(
                "DELETE",
                &format!("/api/v3.0/sign/request/invitation?signUrl={url0}"),
                None
            )
            .await
            .code(),
        "invitation.not.found",
        "another account's invitation is not found"
    );
    assert_eq!(
        del("c0ffee00-0000-4000-8000-000000000000".into())
            .await
            .code(),
        "invitation.not.found"
    );
    let deleted = del(url0.clone()).await;
    deleted.ok();
    assert_eq!(
        deleted.body["messages"][0]["code"],
        "invitation.deleted.success"
    );
    let d = details(&api, &id).await;
    assert_eq!(d["requests"][0]["deleted"], true);
    assert_eq!(d["requests"][0]["status"], "DELETED");
    assert_eq!(d["invitations"][1]["active"], true, "the next slot's turn");
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/sign", links[0]), &typed())
            .await
            .code(),
        "invitation.not.found",
        "a revoked link is as unknown"
    );
    assert_eq!(del(url0).await.code(), "invitation.not.found");
    let done = invitee
        .post(&format!("/api/sign/{}/sign", links[1]), &typed())
        .await;
    assert_eq!(done.ok()["completed"], true);
    assert_eq!(
        del(links[1].clone()).await.code(),
        "invitation.already.signed"
    );

    // A document: gone from lists and downloads, its links dead, its files removed; details
    // still say what happened.
    let (id, links) = send_pdf(&api, &profile, "Gone", Some("GONE-1"), &two_people()).await;
    let file = server
        .data_dir
        .join(format!("objects/documents/{id}/v1.pdf"));
    assert!(file.exists());
    let path = format!("/api/v3.0/sign/request?documentId={id}");
    assert_eq!(
        other.send("DELETE", &path, None).await.code(),
        "no.document.found"
    );
    let deleted = api.send("DELETE", &path, None).await;
    assert_eq!(deleted.ok(), &json!({}));
    assert_eq!(
        deleted.body["messages"][0]["code"],
        "document.delete.success"
    );
    assert!(!file.exists(), "the file is removed");
    assert_eq!(
        api.send("DELETE", &path, None).await.code(),
        "no.document.found"
    );
    let d = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&file=true"
        ))
        .await;
    let d = d.ok();
    assert_eq!(d["document"]["deleted"], true);
    assert_eq!(d["file"], Value::Null);
    assert_eq!(d["files"], json!([]));
    assert_eq!(d["requests"][0]["deleted"], true);
    assert_eq!(
        api.get(&format!("/api/v3.3/document/fetchDocument?documentId={id}"))
            .await
            .code(),
        "no.document.found"
    );
    assert_eq!(
        api.get("/api/v3.0/sign/request/list?q=GONE-1").await.ok()["total"],
        0
    );
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/sign", links[0]), &typed())
            .await
            .code(),
        "invitation.not.found",
        "a revoked link is as unknown"
    );
    let old = api
        .get(&format!("/api/v3.0/document/details?documentId={id}"))
        .await;
    assert!(old.ok()["deletionDate"].is_string());
}

/// With a signing order, a slot deleted while it waits is passed over: when the one before it
/// signs, the turn goes to the next slot still open, and the document completes with it.
async fn deleted_waiting_slot_is_passed_over(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Three signers", "requireSigningOrder": true, "expiryDays": 5,
                   "invitees": [signer("First"), signer("Second"), signer("Third")]});
    let profile = create_workflow(&api, &w).await;
    let people = json!([{"name": "Asha Rao", "email": "asha@example.com"},
                        {"name": "Ravi Kumar", "phone": "9876500000"},
                        {"name": "Meera Iyer", "phone": "9876500001"}]);
    let (id, links) = send_pdf(&api, &profile, "Order", None, &people).await;
    api.send(
        "DELETE",
        &format!("/api/v3.0/sign/request/invitation?signUrl={}", links[1]),
        None,
    )
    .await
    .ok();
    let first = invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await;
    assert_eq!(first.ok()["completed"], false);
    let d = details(&api, &id).await;
    assert_eq!(d["invitations"][1]["active"], false);
    assert_eq!(
        d["invitations"][2]["active"], true,
        "the turn passes the deleted slot"
    );
    let last = invitee
        .post(&format!("/api/sign/{}/sign", links[2]), &typed())
        .await;
    assert_eq!(last.ok()["completed"], true);
}

async fn completing_and_activating(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Three", "requireSigningOrder": true, "expiryDays": 5,
                   "invitees": [signer("First"), signer("Second"), {"label": "Lender", "inviteeType": "Reviewer"}]});
    let profile = create_workflow(&api, &w).await;
    let people = json!([{"name": "Asha Rao", "email": "asha@example.com"},
                        {"name": "Ravi Kumar", "phone": "9876500000"},
                        {"name": "Lender Desk", "email": "desk@example.com"}]);
    let (id, links) = send_pdf(&api, &profile, "Three", Some("THREE-1"), &people).await;
    let activate = |link: &str| {
        let api = &api;
        let link = link.to_string();
        async move {
            api.send(
                "PUT",
                &format!("/api/v3.1/invitation/activate?signUrl={link}"),
                None,
            )
            .await
        }
    };
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/approve", links[2]), &json!({}))
            .await
            .code(),
        "invitation.not.active"
    );
    let activated = activate(&links[2]).await;
    activated.ok();
    assert_eq!(
        activated.body["messages"][0]["code"],
        "invitation.activated"
    );
    activate(&links[2]).await.ok();
    invitee
        .post(&format!("/api/sign/{}/approve", links[2]), &json!({}))
        .await
        .ok();
    assert_eq!(
        activate(&links[2]).await.code(),
        "invitation.already.signed"
    );
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();

    let complete = |id: &str| {
        let api = &api;
        let body = json!({"documentId": id});
        async move { api.post("/api/v3.0/sign/request/complete", &body).await }
    };
    assert_eq!(complete(&id).await.code(), "document.invitations.active");
    api.send(
        "DELETE",
        &format!("/api/v3.0/sign/request/invitation?signUrl={}", links[1]),
        None,
    )
    .await
    .ok();
    assert_eq!(complete(&id).await.ok(), &json!({}));
    assert_eq!(complete(&id).await.code(), "document.not.sent");
    let d = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&auditTrail=true"
        ))
        .await;
    let d = d.ok().clone();
    assert_eq!(d["document"]["status"], "COMPLETED");
    let trail = reqwest::get(d["auditTrail"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(trail.starts_with(b"%PDF-"));
    assert_eq!(activate(&links[1]).await.code(), "invitation.not.found");
    let completed = api.get("/api/v3.0/document/completed").await;
    let c = completed.ok();
    assert_eq!(c["totalCount"], 1);
    assert_eq!(c["documents"][0]["documentId"], id.as_str());
}

async fn resending(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let profile = two_signer_workflow(&api, true, 5).await;
    let (_, links) = send_pdf(&api, &profile, "Resend", None, &two_people()).await;
    let url0 = format!("{}/sign/{}", server.url, links[0]);
    let body = json!({"signUrls": [url0, links[1], "c0ffee00-0000-4000-8000-000000000000"]});
    let reply = api.post("/api/v3.0/sign/request/resend", &body).await;
    let i = &reply.ok()["invitations"];
    assert_eq!(i[0]["status"], 1);
    assert_eq!(i[0]["name"], "Asha Rao");
    assert_eq!(i[0]["signUrl"], url0.as_str());
    assert_eq!(i[1]["status"], 0, "not its turn yet: {}", i[1]);
    assert_eq!(i[2]["status"], 0);
    for bad in [json!({"signUrls": []}), json!({"signUrls": vec![url0; 16]})] {
        assert_eq!(
            api.post("/api/v3.0/sign/request/resend", &bad).await.code(),
            "sign.urls.invalid"
        );
    }
}

async fn completed_list_and_older_details(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "One", "expiryDays": 5, "invitees": [signer("Only")]});
    let profile = create_workflow(&api, &w).await;
    let one = json!([{"name": "Asha Rao", "email": "asha@example.com"}]);
    let mut ids = vec![];
    for (name, irn) in [("Rent 50% advance", "R-1"), ("Salary slip", "S-1")] {
        let (id, links) = send_pdf(&api, &profile, name, Some(irn), &one).await;
        invitee
            .post(&format!("/api/sign/{}/sign", links[0]), &typed())
            .await
            .ok();
        ids.push(id);
    }
    send_pdf(&api, &profile, "Still open", None, &one).await;

    let list = |q: &str| {
        let api = &api;
        let q = q.to_string();
        async move { api.get(&format!("/api/v3.0/document/completed{q}")).await }
    };
    let all = list("").await;
    let all = all.ok();
    assert_eq!(all["totalCount"], 2);
    assert_eq!(
        all["documents"][0]["documentId"],
        ids[0].as_str(),
        "oldest first"
    );
    assert_eq!(all["documents"][1]["documentName"], "Salary slip");
    assert!(all["documents"][0]["completionDate"].is_string());
    assert_eq!(list("?name=50%25").await.ok()["totalCount"], 1);
    assert_eq!(list("?name=SLIP").await.ok()["totalCount"], 1);
    assert_eq!(list("?name=_").await.ok()["totalCount"], 0);
    assert_eq!(
        list("?irn=S-1").await.ok()["documents"][0]["documentId"],
        ids[1].as_str()
    );
    assert_eq!(
        list("?max=1&offset=1").await.ok()["documents"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let past = list("?offset=5").await;
    assert_eq!(past.ok()["documents"], json!([]));
    assert_eq!(past.ok()["totalCount"], 2, "counted past the end");
    assert_eq!(list("?max=1").await.ok()["totalCount"], 2, "a full page");
    assert_eq!(list("?name=a&max=1").await.ok()["totalCount"], 2);
    assert_eq!(list("?irn=s-1").await.ok()["totalCount"], 0, "irn is exact");
    assert_eq!(
        list("?startDate=01-01-2001&endDate=31-12-2001").await.ok()["totalCount"],
        0
    );
    assert_eq!(list("?startDate=01-01-2001").await.ok()["totalCount"], 2);
    assert_eq!(list("?startDate=2001-01-01").await.code(), "date.invalid");

    let v31 = api
        .get(&format!(
            "/api/v3.1/document/details?documentId={}&file=true&auditTrail=true",
            ids[0]
        ))
        .await;
    let v31 = v31.ok();
    for member in [&v31["file"], &v31["files"][0], &v31["auditTrail"]] {
        let bytes = b64(member.as_str().expect("base64 text"));
        assert!(bytes.starts_with(b"%PDF-"));
    }
    assert_eq!(v31["document"]["status"], "COMPLETED");

    let v30 = api
        .get(&format!("/api/v3.0/document/details?documentId={}", ids[0]))
        .await;
    let v30 = v30.ok();
    assert!(b64(v30["file"].as_str().unwrap()).starts_with(b"%PDF-"));
    assert_eq!(v30["status"], "COMPLETED");
    assert_eq!(v30["documentName"], "Rent 50% advance");
    assert_eq!(v30["invitations"][0]["signType"], "VIRTUAL_SIGN");
    assert_eq!(v30["invitations"][0]["signed"], true);
    assert!(v30["invitations"][0]["signDate"].is_string());
    assert!(v30.get("auditTrail").is_none());
    let lean = api
        .get(&format!(
            "/api/v3.0/document/details?documentId={}&file=false",
            ids[0]
        ))
        .await;
    assert_eq!(lean.ok()["file"], Value::Null);
}

/// A `deleteOnComplete` workflow: the document's files stay for SIGNET_DELETE_ON_COMPLETE_AFTER
/// after completion (v2.5 webhooks carry no file: the client fetches it after the webhook),
/// then the sweeper deletes it; details keep answering, with the audit trail.
async fn deleting_on_completion(db: Db) {
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_TEST_CLOCK", "true"),
            ("SIGNET_DELETE_ON_COMPLETE_AFTER", "1h"),
        ],
    );
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Delete when done", "requireSigningOrder": false, "expiryDays": 5,
                   "deleteOnComplete": true, "invitees": [signer("First"), signer("Second")]});
    let deleting = create_workflow(&api, &w).await;
    let keeping = two_signer_workflow(&api, false, 5).await;
    let (id, links) = send_pdf(&api, &deleting, "Done", Some("DONE-1"), &two_people()).await;
    let (kept, kept_links) = send_pdf(&api, &keeping, "Kept", Some("KEPT-1"), &two_people()).await;
    let ask = |id: &str| {
        format!(
            "/api/v3.3/document/details?documentId={id}&file=true&auditTrail=true\
             &document_deleteOnComplete=true&document_scheduledDeletionDate=true"
        )
    };
    let open = api.get(&ask(&id)).await;
    assert_eq!(open.ok()["document"]["deleteOnComplete"], true);
    assert_eq!(
        open.ok()["document"]["scheduledDeletionDate"],
        Value::Null,
        "not completed yet"
    );
    for link in links.iter().chain(&kept_links) {
        invitee
            .post(&format!("/api/sign/{link}/sign"), &typed())
            .await
            .ok();
    }
    let done = api.get(&ask(&id)).await;
    let d = done.ok();
    assert_eq!(d["document"]["status"], "COMPLETED");
    let completed = d["document"]["completionDate"].as_str().unwrap();
    let scheduled = d["document"]["scheduledDeletionDate"].as_str().unwrap();
    // DD-MM-YYYY HH:MM:SS: one hour later (the test finishes well within the day).
    let hour = |t: &str| t[11..13].parse::<u32>().unwrap();
    assert_eq!(
        (hour(completed) + 1) % 24,
        hour(scheduled),
        "{completed} → {scheduled}"
    );
    assert_eq!(completed[13..], scheduled[13..]);
    let file = d["file"].as_str().unwrap().to_string();
    assert_eq!(
        common::http().get(&file).send().await.unwrap().status(),
        200
    );
    let versions = server.data_dir.join(format!("objects/documents/{id}"));
    assert!(versions.join("v1.pdf").exists());

    advance(&api, 59 * 60).await;
    assert_eq!(api.get(&ask(&id)).await.ok()["document"]["deleted"], false);
    assert!(
        versions.join("v1.pdf").exists(),
        "kept until the hour is up"
    );

    advance(&api, 2 * 60).await;
    let gone = api.get(&ask(&id)).await;
    let g = gone.ok();
    assert_eq!(g["document"]["deleted"], true);
    assert_eq!(g["document"]["status"], "COMPLETED");
    assert_eq!(g["document"]["scheduledDeletionDate"], scheduled);
    assert_eq!(g["file"], Value::Null);
    for v in 1..=3 {
        assert!(!versions.join(format!("v{v}.pdf")).exists(), "v{v} removed");
    }
    let trail = common::http()
        .get(g["auditTrail"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(trail.status(), 200, "the audit trail stays");
    assert!(trail.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(
        api.get("/api/v3.0/sign/request/list?q=DONE-1").await.ok()["total"],
        0
    );
    let k = api.get(&ask(&kept)).await;
    assert_eq!(
        k.ok()["document"]["deleted"],
        false,
        "its workflow keeps documents"
    );
    assert_eq!(k.ok()["document"]["scheduledDeletionDate"], Value::Null);
    assert!(k.ok()["file"].is_string());
}

/// Reads run on connections of their own that are not tested before use (that would be a
/// round trip each): one the database has closed is replaced and the read tried again, so no
/// client sees the loss.
#[tokio::test]
async fn reads_survive_closed_database_connections() {
    let server = Server::start(Db::Postgres);
    let api = server.client(&server.create_account("Acme").token);
    let profile = two_signer_workflow(&api, false, 10).await;
    let (id, _) = send_pdf(&api, &profile, "Loan", None, &two_people()).await;
    let before = details(&api, &id).await;
    // Several reads at once, so that more than one connection is open when they are closed.
    let list = "/api/v3.0/sign/request/list";
    futures_util::future::join_all((0..8).map(|_| api.get(list))).await;
    server.terminate_database_connections();
    for _ in 0..8 {
        assert_eq!(details(&api, &id).await, before);
    }
    let page = api.get(list).await;
    assert_eq!(page.ok()["documents"].as_array().map(Vec::len), Some(1));
}

/// Every opt-in group of details v3.3 (API.md section 4): absent unless asked for, then
/// present with the document's values, or null where a VIRTUAL_SIGN document has none.
async fn details_opt_in_flags(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Flags", "message": "Please sign", "requireSigningOrder": true,
                   "invitees": [signer("Borrower"), {"label": "Lender", "inviteeType": "Reviewer"}]});
    let profile = create_workflow(&api, &w).await;
    let (id, links) = send_pdf(&api, &profile, "Loan", Some("L-1"), &two_people()).await;
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();
    invitee
        .post(
            &format!("/api/sign/{}/reject", links[1]),
            &json!({"reason": "wrong amount"}),
        )
        .await
        .ok();

    let plain = details(&api, &id).await;
    let opt_in = [
        "files",
        "file",
        "auditTrail",
        "workflow",
        "template",
        "account",
        "sender",
        "folders",
        "stampDetails",
    ];
    for key in opt_in {
        assert!(plain.get(key).is_none(), "{key} without its flag: {plain}");
    }
    let document_opt_in = [
        "deleteOnComplete",
        "scheduledDeletionDate",
        "requireSigningOrder",
        "requestSigningOrder",
        "profileId",
        "customMessage",
    ];
    let invitation_opt_in = [
        "inviteeConfigs",
        "certificateData",
        "verificationRequest",
        "verificationResponse",
    ];
    let status_opt_in = ["rejectionMessage", "signRejectionMessage", "failureReason"];
    for key in document_opt_in {
        assert!(
            plain["document"].get(key).is_none(),
            "document.{key} without its flag"
        );
    }
    for inv in plain["invitations"].as_array().unwrap() {
        for key in invitation_opt_in {
            assert!(
                inv.get(key).is_none(),
                "invitations[].{key} without its flag"
            );
        }
        for key in status_opt_in {
            assert!(
                inv["invitationStatus"].get(key).is_none(),
                "invitationStatus.{key} without its flag"
            );
        }
    }
    assert_eq!(plain["documentStatus"], "Sent");
    assert_eq!(plain["requests"][0]["status"], "SIGNED");
    assert_eq!(plain["requests"][1]["status"], "REJECTED");
    let lender = &plain["invitations"][1];
    assert_eq!(lender["invitationStatus"]["reviewed"], true);
    assert_eq!(lender["allowedSignatures"], json!([]));

    let flags = "file=true&auditTrail=true&workflow=true&template=true&account=true&sender=true\
        &folder=true&stampDetails=true&document_deleteOnComplete=true\
        &document_scheduledDeletionDate=true&document_requireSigningOrder=true\
        &document_profileId=true&document_customMessage=TRUE&invitations_inviteeConfigs=1\
        &invitations_certificateData=true&invitations_verificationRequest=true\
        &invitations_verificationResponse=true&invitations_invitationStatus_rejectionMessage=true\
        &invitations_invitationStatus_failureReason=true";
    let all = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&{flags}"
        ))
        .await;
    let all = all.ok();
    let file = all["file"].as_str().expect("a file URL");
    assert_eq!(all["files"], json!([file]));
    assert!(
        all.get("auditTrail").is_none(),
        "no audit trail before completion"
    );
    assert_eq!(
        all["workflow"],
        json!({"name": "Flags", "type": "PDF", "subType": null, "profileId": profile})
    );
    assert_eq!(all["template"], Value::Null);
    assert_eq!(
        all["account"],
        json!({"name": "Acme", "label": "Acme", "brandName": "Acme"})
    );
    assert_eq!(all["sender"], json!({"name": "Acme (API)"}));
    assert_eq!(all["folders"], json!([]));
    assert_eq!(all["stampDetails"], json!([]));
    let doc = &all["document"];
    assert_eq!(doc["deleteOnComplete"], false);
    assert_eq!(doc["scheduledDeletionDate"], Value::Null);
    assert_eq!(doc["requireSigningOrder"], true);
    assert_eq!(doc["requestSigningOrder"], true);
    assert_eq!(doc["profileId"], profile.as_str());
    assert_eq!(doc["customMessage"], "Please sign");
    let lender = &all["invitations"][1];
    assert_eq!(lender["inviteeConfigs"]["label"], "Lender");
    assert_eq!(lender["certificateData"], Value::Null);
    assert_eq!(lender["verificationRequest"], Value::Null);
    assert_eq!(lender["verificationResponse"], Value::Null);
    let status = &lender["invitationStatus"];
    assert_eq!(status["rejectionMessage"], "wrong amount");
    assert_eq!(status["signRejectionMessage"], "wrong amount");
    assert_eq!(status["failureReason"], Value::Null);
    assert_eq!(
        all["invitations"][0]["invitationStatus"]["rejectionMessage"],
        Value::Null
    );
    // The flags only add: without what they added, the answer is the plain one.
    let mut trimmed = all.clone();
    let remove = |v: &mut Value, keys: &[&str]| {
        for key in keys {
            v.as_object_mut().unwrap().remove(*key);
        }
    };
    remove(&mut trimmed, &opt_in);
    remove(&mut trimmed["document"], &document_opt_in);
    for inv in trimmed["invitations"].as_array_mut().unwrap() {
        remove(inv, &invitation_opt_in);
        remove(&mut inv["invitationStatus"], &status_opt_in);
    }
    assert_eq!(trimmed, plain);

    // The other names Leegality accepts for the same groups, and values that are not true.
    let aliases = "workflow_name=true&account_name=1&sender_name=true&folder_name=true\
        &document_requestSigningOrder=true&invitations_invitationStatus_signRejectionMessage=true";
    let named = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&{aliases}"
        ))
        .await;
    let named = named.ok();
    for key in ["workflow", "account", "sender", "folders"] {
        assert!(named.get(key).is_some(), "{key} by its other name");
    }
    assert_eq!(named["document"]["requireSigningOrder"], true);
    assert_eq!(
        named["invitations"][1]["invitationStatus"]["rejectionMessage"],
        "wrong amount"
    );
    let off = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&file=false&workflow=yes&account=0&template="
        ))
        .await;
    assert_eq!(off.ok(), &plain, "flags that are not true add nothing");
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("valid base64")
}

on_both_databases!(
    expiry_and_reactivation,
    test_clock_is_off_by_default,
    deleting,
    deleted_waiting_slot_is_passed_over,
    deleting_on_completion,
    completing_and_activating,
    resending,
    completed_list_and_older_details,
    details_opt_in_flags
);
