//! Webhooks over real HTTP on both databases: the events of API.md section 6 at the right
//! URLs with the right bodies, `mac` and the body signature checked independently, static
//! headers, retries on the test clock's schedule, dead deliveries revived, the delivery log,
//! the private-address guard, a server killed mid-batch, and two servers on one PostgreSQL.

mod common;

use std::collections::{HashMap, HashSet};

use base64::Engine;
use common::receiver::{Received, Receiver};
use common::{Account, Client, Db, Server, create_workflow, send_pdf};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

const HOUR: i64 = 3600;

fn typed() -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": true})
}

fn hooks(r: &Receiver, name: &str) -> Value {
    json!({"success": format!("{}/{name}/ok", r.url), "error": format!("{}/{name}/err", r.url), "version": "2.5"})
}

fn server(db: Db) -> Server {
    Server::start_with(
        db,
        &[
            ("SIGNET_TEST_CLOCK", "true"),
            ("SIGNET_WEBHOOK_ALLOW_PRIVATE", "true"),
        ],
    )
}

/// A signer then a reviewer, each with its own URLs; the signer's carry a static header.
async fn signer_and_reviewer(api: &Client, r: &Receiver, expiry_days: i64) -> String {
    let w = json!({"name": "Loan", "requireSigningOrder": false, "expiryDays": expiry_days,
    "invitees": [
        {"label": "Borrower", "inviteeType": "Signer", "webhook": hooks(r, "signer"),
         "webhookHeaders": {"X-Api-Key": "static-secret-1"},
         "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]},
        {"label": "Lender", "inviteeType": "Reviewer", "webhook": hooks(r, "reviewer")}
    ]});
    create_workflow(api, &w).await
}

fn people() -> Value {
    json!([{"name": "Asha Rao", "email": "asha@example.com", "phone": "9876543210"},
           {"name": "Ravi Kumar", "email": "ravi@example.com"}])
}

fn hmac_sha1_hex(key: &str, message: &str) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
    m.update(message.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Checks what every webhook carries: the mac, the Standard Webhooks signature over the
/// exact bytes received, and the JSON content type.
fn assert_authentic(r: &Received, account: &Account) {
    let doc = r.body["documentId"].as_str().unwrap();
    assert_eq!(r.body["mac"], hmac_sha1_hex(&account.salt, doc), "mac");
    assert_eq!(r.header("content-type"), "application/json");
    let id = r.webhook_id();
    let ts = r.header("webhook-timestamp");
    assert!(!id.is_empty() && ts.parse::<i64>().is_ok());
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(account.salt.as_bytes()).unwrap();
    m.update(format!("{id}.{ts}.").as_bytes());
    m.update(&r.raw);
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
    );
    assert_eq!(r.header("webhook-signature"), expected, "body signature");
}

async fn deliveries(api: &Client, document_id: &str) -> Vec<Value> {
    api.get(&format!(
        "/api/signet/webhooks/deliveries?documentId={document_id}"
    ))
    .await
    .ok()["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits until the server has recorded `n` attempts of the delivery (attempts are recorded
/// just after the receiver answers).
async fn wait_for_attempts(api: &Client, document_id: &str, n: usize) -> Value {
    for _ in 0..500 {
        let all = deliveries(api, document_id).await;
        if let Some(d) = all
            .iter()
            .find(|d| d["attempts"].as_array().unwrap().len() >= n)
        {
            return d.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "{n} attempts never recorded: {:?}",
        deliveries(api, document_id).await
    );
}

async fn advance(api: &Client, seconds: i64) {
    api.post("/api/signet/clock/advance", &json!({"seconds": seconds}))
        .await
        .ok();
}

async fn every_event_at_its_url(db: Db) {
    let r = Receiver::start();
    let server = server(db);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let invitee = server.client("");
    let profile = signer_and_reviewer(&api, &r, 1).await;

    // 1 and 2: a signature, then the approval that completes the document.
    let (doc_a, links) = send_pdf(&api, &profile, "Loan A", Some("ORDER-A"), &people()).await;
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();
    let signed = r.wait_for("/signer/ok", 1).await.remove(0);
    invitee
        .post(&format!("/api/sign/{}/approve", links[1]), &json!({}))
        .await
        .ok();
    let approved = r.wait_for("/reviewer/ok", 1).await.remove(0);

    assert_authentic(&signed, &account);
    assert_eq!(signed.header("x-api-key"), "static-secret-1");
    let b = &signed.body;
    assert_eq!(b["webhookType"], "Success");
    assert_eq!(b["documentId"], doc_a.as_str());
    assert_eq!(b["irn"], "ORDER-A");
    assert_eq!(b["documentStatus"], "Sent");
    assert_eq!(b["messages"], json!([]));
    let req = &b["request"];
    assert_eq!(req["inviteeType"], "signer");
    assert_eq!(req["name"], "Asha Rao");
    assert_eq!(req["email"], "asha@example.com");
    assert_eq!(req["phone"], "9876543210");
    assert_eq!(
        req["signUrl"],
        format!("{}/sign/{}", server.url, links[0]).as_str()
    );
    assert_eq!(req["invitationUrl"], req["signUrl"]);
    assert_eq!(req["active"], false);
    assert_eq!(req["action"], "Signed");
    assert_eq!(req["error"], Value::Null);
    assert_eq!(req["expired"], false);
    assert_eq!(req["rejectionMessage"], Value::Null);
    assert_eq!(req["signType"], "VIRTUAL_SIGN");
    let details = api
        .get(&format!("/api/v3.3/document/details?documentId={doc_a}"))
        .await;
    assert_eq!(
        req["expiryDate"],
        details.ok()["requests"][0]["expiryDate"],
        "the same expiry as details, in Leegality's format"
    );
    assert_eq!(
        b["verification"],
        json!({"smartName": null, "name": null, "pincode": null, "state": null,
               "title": null, "yob": null, "gender": null})
    );

    assert_authentic(&approved, &account);
    assert_eq!(
        approved.header("x-api-key"),
        "",
        "headers are the slot's own"
    );
    assert_eq!(approved.body["webhookType"], "Success");
    assert_eq!(approved.body["documentStatus"], "Completed");
    assert_eq!(approved.body["request"]["action"], "Approved");
    assert_eq!(approved.body["request"]["inviteeType"], "reviewer");
    assert_eq!(approved.body["request"]["signType"], Value::Null);

    // 3 and 4: a signer and a reviewer reject.
    let (doc_b, links) = send_pdf(&api, &profile, "Loan B", None, &people()).await;
    invitee
        .post(
            &format!("/api/sign/{}/reject", links[0]),
            &json!({"reason": "Wrong amount"}),
        )
        .await
        .ok();
    invitee
        .post(
            &format!("/api/sign/{}/reject", links[1]),
            &json!({"reason": "Not approved"}),
        )
        .await
        .ok();
    let signer_rejected = r.wait_for("/signer/err", 1).await.remove(0);
    let reviewer_rejected = r.wait_for("/reviewer/err", 1).await.remove(0);
    for (got, kind, reason) in [
        (&signer_rejected, "signer", "Wrong amount"),
        (&reviewer_rejected, "reviewer", "Not approved"),
    ] {
        assert_authentic(got, &account);
        assert_eq!(got.body["webhookType"], "Error");
        assert_eq!(got.body["documentId"], doc_b.as_str());
        assert_eq!(got.body["irn"], Value::Null);
        assert_eq!(got.body["documentStatus"], "Sent");
        assert_eq!(got.body["request"]["action"], "Rejected");
        assert_eq!(got.body["request"]["inviteeType"], kind);
        assert_eq!(got.body["request"]["rejectionMessage"], reason);
    }

    // 6: both invitations of a third document expire.
    let (doc_c, _) = send_pdf(&api, &profile, "Loan C", None, &people()).await;
    advance(&api, 3 * 24 * HOUR).await;
    let signer_expired = r.wait_for("/signer/err", 2).await.remove(1);
    let reviewer_expired = r.wait_for("/reviewer/err", 2).await.remove(1);
    for (got, kind) in [(&signer_expired, "signer"), (&reviewer_expired, "reviewer")] {
        assert_authentic(got, &account);
        assert_eq!(got.body["webhookType"], "Error");
        assert_eq!(got.body["documentId"], doc_c.as_str());
        assert_eq!(got.body["request"]["expired"], true);
        assert_eq!(got.body["request"]["active"], false);
        assert_eq!(got.body["request"]["action"], Value::Null);
        assert_eq!(got.body["request"]["inviteeType"], kind);
    }
    assert_eq!(r.received().len(), 6, "one webhook per event, no more");

    // The mac, computed once more by another implementation: Python's hmac module.
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).hexdigest())",
            &account.salt,
            &doc_a,
        ])
        .output()
        .expect("python3 runs");
    assert!(out.status.success());
    assert_eq!(
        signed.body["mac"],
        String::from_utf8(out.stdout).unwrap().trim()
    );

    // The delivery log: one delivered attempt each, and nothing secret in it.
    let log = api
        .get(&format!(
            "/api/signet/webhooks/deliveries?documentId={doc_a}"
        ))
        .await;
    let text = log.body.to_string();
    assert!(
        !text.contains("static-secret-1"),
        "no static header: {text}"
    );
    assert!(!text.contains(&account.salt));
    let list = log.ok()["deliveries"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    let events: HashSet<&str> = list.iter().map(|d| d["event"].as_str().unwrap()).collect();
    assert_eq!(events, HashSet::from(["signed", "approved"]));
    let d = list.iter().find(|d| d["event"] == "signed").unwrap();
    assert_eq!(d["id"], signed.webhook_id());
    assert_eq!(d["url"], format!("{}/signer/ok", r.url).as_str());
    assert_eq!(d["documentId"], doc_a.as_str());
    // Recorded just after the receiver answered.
    let d = wait_for_attempts(&api, &doc_a, 1).await;
    assert_eq!(d["state"], "delivered");
    let attempt = &d["attempts"][0];
    assert_eq!(attempt["number"], 1);
    assert_eq!(attempt["httpStatus"], 200);
    assert_eq!(attempt["error"], Value::Null);
    assert!(attempt["durationMs"].as_i64().unwrap() >= 0);
    assert!(attempt["time"].as_str().unwrap().contains('T'), "RFC 3339");
    let dead = api
        .get("/api/signet/webhooks/deliveries?state=dead")
        .await
        .ok()["deliveries"]
        .clone();
    assert_eq!(dead, json!([]));
    assert_eq!(
        api.get("/api/signet/webhooks/deliveries?state=lost")
            .await
            .code(),
        "webhook.state.invalid"
    );
    assert_eq!(
        api.get("/api/signet/webhooks/deliveries?documentId=01KMFEE9T8WPY0WPWXQHQ7DTJ2")
            .await
            .code(),
        "no.document.found"
    );
    // Another account sees none of it.
    let other = server.client(&server.create_account("Other").token);
    assert_eq!(
        other.get("/api/signet/webhooks/deliveries").await.ok()["deliveries"],
        json!([])
    );
    assert_eq!(
        other
            .post(
                &format!(
                    "/api/signet/webhooks/deliveries/{}/redeliver",
                    signed.webhook_id()
                ),
                &json!({})
            )
            .await
            .code(),
        "webhook.delivery.not.found"
    );
}

async fn retries_on_schedule_then_dead_then_redelivered(db: Db) {
    let r = Receiver::start();
    let server = server(db);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let invitee = server.client("");
    let w = json!({"name": "Approvals", "invitees": [
        {"label": "Flaky", "inviteeType": "Reviewer", "webhook": hooks(&r, "flaky")},
        {"label": "Down", "inviteeType": "Reviewer", "webhook": hooks(&r, "down")}]});
    let profile = create_workflow(&api, &w).await;
    r.answer("/flaky/ok", &[500]);
    r.answer("/down/ok", &[503; 4]);
    let (doc, links) = send_pdf(&api, &profile, "Memo", None, &people()).await;
    for link in &links {
        invitee
            .post(&format!("/api/sign/{link}/approve"), &json!({}))
            .await
            .ok();
    }

    // A 500 and then the immediate retry, which succeeds: the same webhook, twice.
    let flaky = r.wait_for("/flaky/ok", 2).await;
    assert_eq!((flaky[0].status, flaky[1].status), (500, 200));
    assert_eq!(flaky[0].webhook_id(), flaky[1].webhook_id());
    assert_eq!(flaky[0].raw, flaky[1].raw, "the same body each attempt");

    // The receiver that stays down: the first attempt and the immediate retry, then nothing
    // until an hour has passed on the server's clock.
    r.wait_for("/down/ok", 2).await;
    let down = loop {
        let all = deliveries(&api, &doc).await;
        let d = all
            .iter()
            .find(|d| d["url"].as_str().unwrap().ends_with("/down/ok"))
            .unwrap()
            .clone();
        if d["attempts"].as_array().unwrap().len() == 2 {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(down["state"], "pending");
    assert_eq!(down["attempts"][0]["httpStatus"], 503);
    assert_eq!(down["attempts"][1]["number"], 2);
    let next = time::OffsetDateTime::parse(
        down["nextAttemptAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let last = time::OffsetDateTime::parse(
        down["attempts"][1]["time"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let wait = (next - last).whole_seconds();
    assert!(
        (3590..=3610).contains(&wait),
        "retried after an hour: {wait} s"
    );
    assert_eq!(r.wait_for("/down/ok", 2).await.len(), 2);

    advance(&api, HOUR + 1).await;
    r.wait_for("/down/ok", 3).await;
    wait_for_attempts(&api, &doc, 3).await;
    advance(&api, 3 * HOUR + 1).await;
    let four = r.wait_for("/down/ok", 4).await;
    assert!(four.iter().all(|x| x.status == 503));
    assert!(four.iter().all(|x| x.webhook_id() == four[0].webhook_id()));
    let dead = loop {
        let d = wait_for_attempts(&api, &doc, 4).await;
        if d["state"] == "dead" {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(dead["nextAttemptAt"], Value::Null);
    let listed = api
        .get("/api/signet/webhooks/deliveries?state=dead")
        .await
        .ok()["deliveries"]
        .clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], dead["id"]);

    // Dead: a day later nothing more was sent.
    advance(&api, 24 * HOUR).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        r.received().iter().filter(|x| x.path == "/down/ok").count(),
        4
    );

    // Redelivered: sent again at once, with the same id, and delivered this time.
    let again = api
        .post(
            &format!(
                "/api/signet/webhooks/deliveries/{}/redeliver",
                dead["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(again.ok()["state"], "pending");
    let five = r.wait_for("/down/ok", 5).await;
    assert_eq!(five[4].status, 200);
    assert_eq!(five[4].webhook_id(), four[0].webhook_id());
    assert_authentic(&five[4], &account);
    let d = wait_for_attempts(&api, &doc, 5).await;
    let d = if d["state"] == "delivered" {
        d
    } else {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        wait_for_attempts(&api, &doc, 5).await
    };
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempts"][4]["httpStatus"], 200);
}

/// A redirect is a failed attempt, not followed; so is an answer later than the timeout.
async fn redirects_and_late_answers_fail(db: Db) {
    let r = Receiver::start();
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("SIGNET_WEBHOOK_TIMEOUT", "1s"),
            ("SIGNET_WEBHOOK_RETRIES", "0s"),
        ],
    );
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Hooks", "invitees": [
        {"label": "Moved", "inviteeType": "Reviewer", "webhook": hooks(&r, "moved")},
        {"label": "Slow", "inviteeType": "Reviewer", "webhook": hooks(&r, "slow")}]});
    let profile = create_workflow(&api, &w).await;
    r.answer("/moved/ok", &[302, 302]);
    r.answer_slowly("/slow/ok", std::time::Duration::from_secs(3));
    let (moved_doc, links) = send_pdf(&api, &profile, "Memo", None, &people()).await;
    invitee
        .post(&format!("/api/sign/{}/approve", links[0]), &json!({}))
        .await
        .ok();
    let moved = loop {
        let d = wait_for_attempts(&api, &moved_doc, 2).await;
        if d["state"] == "dead" {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(moved["attempts"][0]["httpStatus"], 302);
    assert_eq!(moved["attempts"][1]["httpStatus"], 302);
    assert!(
        r.received().iter().all(|x| x.path != "/redirected"),
        "a redirect is not followed"
    );

    let (slow_doc, links) = send_pdf(&api, &profile, "Memo", None, &people()).await;
    invitee
        .post(&format!("/api/sign/{}/approve", links[1]), &json!({}))
        .await
        .ok();
    let slow = wait_for_attempts(&api, &slow_doc, 1).await;
    let attempt = &slow["attempts"][0];
    assert_eq!(attempt["httpStatus"], Value::Null);
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .contains("no answer within 1 s"),
        "{attempt}"
    );
    let took = attempt["durationMs"].as_i64().unwrap();
    assert!(
        (1000..2900).contains(&took),
        "gave up at the timeout: {took} ms"
    );
}

/// Without SIGNET_WEBHOOK_ALLOW_PRIVATE a private address is refused: written as one when
/// the workflow is stored, or reached through a name when the webhook is sent.
async fn private_addresses_are_refused(db: Db) {
    let r = Receiver::start();
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    for url in [
        r.url.clone(),
        "http://localhost:9/x".into(),
        "http://[::1]/x".into(),
        "http://169.254.169.254/latest/meta-data".into(),
    ] {
        let w = json!({"name": "Hooks", "invitees": [{"label": "R", "inviteeType": "Reviewer",
            "webhook": {"success": format!("{url}/ok"), "version": "2.5"}}]});
        assert_eq!(
            api.post("/api/signet/workflows", &w).await.code(),
            "workflow.webhook.url.private",
            "{url}"
        );
    }

    // This machine's own name resolves to one of its addresses.
    let host = String::from_utf8(
        std::process::Command::new("hostname")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let port = r.url.rsplit(':').next().unwrap();
    let w = json!({"name": "Hooks", "invitees": [{"label": "R", "inviteeType": "Reviewer",
        "webhook": {"success": format!("http://{host}:{port}/ok"), "version": "2.5"}}]});
    let profile = create_workflow(&api, &w).await;
    let (doc, links) = send_pdf(
        &api,
        &profile,
        "Memo",
        None,
        &json!([{"name": "R", "email": "r@example.com"}]),
    )
    .await;
    invitee
        .post(&format!("/api/sign/{}/approve", links[0]), &json!({}))
        .await
        .ok();
    let d = wait_for_attempts(&api, &doc, 2).await;
    let error = d["attempts"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("loopback or private") || error.contains("resolve") || error.contains("dns"),
        "{error}"
    );
    assert_eq!(d["attempts"][0]["httpStatus"], Value::Null);
    assert!(
        r.received().is_empty(),
        "nothing reached the private address"
    );
}

/// A batch of documents is signed while the server is killed with SIGKILL; after a restart
/// every signature that was committed has its webhook (at least once).
async fn nothing_is_lost_in_a_crash(db: Db) {
    const DOCS: usize = 24;
    let r = Receiver::start();
    let mut server = server(db);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let w = json!({"name": "Two signers", "requireSigningOrder": false, "invitees": [
        {"label": "A", "inviteeType": "Signer", "webhook": hooks(&r, "batch")},
        {"label": "B", "inviteeType": "Signer", "webhook": hooks(&r, "batch")}]});
    let profile = create_workflow(&api, &w).await;
    let mut docs = vec![];
    for i in 0..DOCS {
        docs.push(send_pdf(&api, &profile, &format!("Batch {i}"), None, &people()).await);
    }
    let links: Vec<String> = docs.iter().flat_map(|(_, l)| l.clone()).collect();

    // Signers at work, eight at a time, until the server dies under them.
    let base = server.url.clone();
    let signing = tokio::spawn(async move {
        let http = common::http();
        let mut acknowledged = vec![];
        for chunk in links.chunks(8) {
            let calls = chunk.iter().map(|link| {
                let http = http.clone();
                let url = format!("{base}/api/sign/{link}/sign");
                async move {
                    let res = http.post(url).json(&typed()).send().await.ok()?;
                    let v: Value = res.json().await.ok()?;
                    (v["status"] == 1).then(|| link.clone())
                }
            });
            acknowledged.extend(
                futures_util::future::join_all(calls)
                    .await
                    .into_iter()
                    .flatten(),
            );
        }
        acknowledged
    });
    r.wait_until("webhooks to flow", |all| all.len() >= 12)
        .await;
    server.crash_and_restart();
    let acknowledged = signing.await.unwrap();

    // An attempt the dead process had claimed is retried once its lease runs out.
    let api = server.client(&account.token);
    advance(&api, 600).await;
    let mut committed = HashSet::new();
    for (doc, _) in &docs {
        let d = api
            .get(&format!("/api/v3.3/document/details?documentId={doc}"))
            .await;
        for inv in d.ok()["invitations"].as_array().unwrap() {
            if inv["signed"] == true {
                let url = inv["signUrl"].as_str().unwrap();
                committed.insert(url.rsplit('/').next().unwrap().to_string());
            }
        }
    }
    assert!(
        committed.len() >= 12,
        "the batch was under way: {committed:?}"
    );
    for link in &acknowledged {
        assert!(
            committed.contains(link),
            "an acknowledged signature is kept"
        );
    }
    r.wait_until("a webhook for every committed signature", |all| {
        let arrived: HashSet<&str> = all
            .iter()
            .filter(|x| x.status == 200 && x.body["request"]["action"] == "Signed")
            .map(Received::invitation)
            .collect();
        committed.iter().all(|c| arrived.contains(c.as_str()))
    })
    .await;

    // The rest of the batch is signed on the restarted server, and announced too.
    let invitee = server.client("");
    for (_, links) in &docs {
        for link in links {
            if !committed.contains(link) {
                invitee
                    .post(&format!("/api/sign/{link}/sign"), &typed())
                    .await
                    .ok();
            }
        }
    }
    let all = r
        .wait_until("a webhook for every signature of the batch", |all| {
            all.iter()
                .filter(|x| x.status == 200)
                .map(Received::invitation)
                .collect::<HashSet<_>>()
                .len()
                == 2 * DOCS
        })
        .await;
    for x in &all {
        assert_authentic(x, &account);
    }
}

/// Two `signet serve` processes on one PostgreSQL, each dispatching, under concurrent
/// approvals through both: every webhook arrives, and no attempt is sent twice.
#[tokio::test]
async fn two_servers_never_send_an_attempt_twice() {
    const DOCS: usize = 30;
    const SLOTS: usize = 10;
    let r = Receiver::start();
    let first = server(Db::Postgres);
    let second = first.start_sharing();
    let account = first.create_account("Acme");
    let api = first.client(&account.token);
    let slots: Vec<Value> = (0..SLOTS)
        .map(|i| json!({"label": format!("R{i}"), "inviteeType": "Reviewer", "webhook": hooks(&r, "shared")}))
        .collect();
    let profile =
        create_workflow(&api, &json!({"name": "Many reviewers", "invitees": slots})).await;
    let invitees: Vec<Value> = (0..SLOTS)
        .map(|i| json!({"name": format!("Reviewer {i}"), "email": format!("r{i}@example.com")}))
        .collect();
    let mut links = vec![];
    for i in 0..DOCS {
        let (_, l) = send_pdf(&api, &profile, &format!("Memo {i}"), None, &json!(invitees)).await;
        links.extend(l);
    }
    let http = common::http();
    let bases = [first.url.clone(), second.url.clone()];
    for chunk in links.chunks(32) {
        let calls = chunk.iter().enumerate().map(|(i, link)| {
            let url = format!("{}/api/sign/{link}/approve", bases[i % 2]);
            let http = http.clone();
            async move {
                let v: Value = http
                    .post(url)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(v["status"], 1, "{v}");
            }
        });
        futures_util::future::join_all(calls).await;
    }
    let total = DOCS * SLOTS;
    r.wait_until("every approval's webhook", |all| all.len() >= total)
        .await;
    // Both processes poll at least once a second: give a duplicate time to show up.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let all = r.received();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for x in &all {
        *seen.entry(x.webhook_id()).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(all.len(), total);
    let arrived: HashSet<&str> = all.iter().map(Received::invitation).collect();
    assert_eq!(arrived.len(), total, "one per approval");
}

on_both_databases!(
    every_event_at_its_url,
    retries_on_schedule_then_dead_then_redelivered,
    redirects_and_late_answers_fail,
    private_addresses_are_refused,
    nothing_is_lost_in_a_crash
);
