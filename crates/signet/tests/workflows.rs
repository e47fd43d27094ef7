//! Accounts and `/api/signet/workflows` over real HTTP against a real server, on SQLite and on
//! PostgreSQL.

mod common;

use common::{Db, Server};
use serde_json::{Value, json};

fn sample() -> Value {
    json!({
        "name": "Loan agreement", "type": "PDF", "requireSigningOrder": true, "expiryDays": 10,
        "message": "Please sign your loan agreement",
        "invitees": [
            {"label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["VIRTUAL_SIGN"],
             "appearances": [{"page": "L", "x1": 50, "y1": 50, "x2": 250, "y2": 110}],
             "webhook": {"success": "https://example.com/hooks/ok", "error": "https://example.com/hooks/err", "version": "2.5"},
             "webhookHeaders": {"X-Api-Key": "secret"}, "redirectUrl": "https://example.com/done"},
            {"label": "Lender", "inviteeType": "Reviewer"}
        ]
    })
}

async fn workflow_lifecycle(db: Db) {
    let server = Server::start(db);
    let acme = server.create_account("Acme Lending");
    assert_eq!(acme.id.len(), 26);
    assert!(acme.token.len() >= 32 && acme.salt.len() >= 32);
    let api = server.client(&acme.token);

    // Create; the id is Leegality's 7-character profileId.
    let created = api.post("/api/signet/workflows", &sample()).await;
    let w = created.ok();
    let id = w["profileId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 7);
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(w["status"], "draft");
    assert_eq!(w["invitees"][0]["appearances"][0]["page"], "L");
    assert_eq!(
        w["invitees"][1]["signatureTypes"],
        json!(["VIRTUAL_SIGN"]),
        "defaults filled in"
    );

    // Read it back, with and without the trailing slash.
    for path in [
        format!("/api/signet/workflows/{id}"),
        format!("/api/signet/workflows/{id}/"),
    ] {
        assert_eq!(api.get(&path).await.ok()["name"], "Loan agreement");
    }
    assert_eq!(api.get("/api/signet/workflows/").await.ok()["total"], 1);

    // Publish, replace, payload.
    assert_eq!(
        api.post(&format!("/api/signet/workflows/{id}/publish"), &json!({}))
            .await
            .ok()["status"],
        "published"
    );
    let mut changed = sample();
    changed["name"] = "Loan agreement v2".into();
    let replaced = api
        .send(
            "PUT",
            &format!("/api/signet/workflows/{id}"),
            Some(&changed),
        )
        .await;
    assert_eq!(replaced.ok()["name"], "Loan agreement v2");
    assert_eq!(
        replaced.ok()["status"],
        "published",
        "replacing keeps the status"
    );
    let payload = api
        .get(&format!("/api/signet/workflows/{id}/payload"))
        .await;
    let p = payload.ok();
    assert_eq!(p["profileId"], id);
    assert_eq!(
        p["invitees"].as_array().unwrap().len(),
        2,
        "one invitee per slot, in order"
    );
    assert_eq!(p["invitees"][0]["_slot"], "Borrower");

    // Another account sees none of it.
    let other = server.client(&server.create_account("Other").token);
    assert_eq!(
        other
            .get(&format!("/api/signet/workflows/{id}"))
            .await
            .code(),
        "workflow.not.found"
    );
    assert_eq!(other.get("/api/signet/workflows").await.ok()["total"], 0);

    // Archive: gone from the list, no longer changeable.
    assert_eq!(
        api.send("DELETE", &format!("/api/signet/workflows/{id}"), None)
            .await
            .ok()["status"],
        "archived"
    );
    assert_eq!(api.get("/api/signet/workflows").await.ok()["total"], 0);
    assert_eq!(
        api.post(&format!("/api/signet/workflows/{id}/publish"), &json!({}))
            .await
            .code(),
        "workflow.not.found"
    );

    // Create and publish in one call.
    let mut at_once = sample();
    at_once["publish"] = true.into();
    assert_eq!(
        api.post("/api/signet/workflows", &at_once).await.ok()["status"],
        "published"
    );
}

async fn bad_input_is_refused_and_stores_nothing(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut v = sample();
                v["name"] = "".into();
                v
            },
            "workflow.name.invalid",
        ),
        (
            {
                let mut v = sample();
                v["invitees"][0]["signatureTypes"] = json!(["AADHAAR"]);
                v
            },
            // This server has no eSign provider (SIGNET_ESP_CONFIG).
            "signature.type.unavailable",
        ),
        (
            {
                let mut v = sample();
                v["invitees"][0]["signatureTypes"] = json!(["VIRTUAL_SIGN", "NESL_ESIGN"]);
                v
            },
            "signature.type.unavailable",
        ),
        (
            {
                let mut v = sample();
                v["invitees"][0]["appearances"][0]["page"] = "Q".into();
                v
            },
            "workflow.appearance.page.invalid",
        ),
        (
            {
                let mut v = sample();
                v["invitees"][0]["inviteeType"] = "Witness".into();
                v
            },
            "request.json.invalid",
        ),
        (
            {
                let mut v = sample();
                v["expiryDays"] = "ten".into();
                v
            },
            "request.json.invalid",
        ),
        (
            {
                let mut v = sample();
                v["surprise"] = true.into();
                v
            },
            "request.json.invalid",
        ),
    ];
    for (body, code) in cases {
        assert_eq!(
            api.post("/api/signet/workflows", &body).await.code(),
            code,
            "{body}"
        );
    }
    let malformed = api.raw_post("/api/signet/workflows", "{\"name\": ").await;
    assert_eq!(malformed.code(), "request.json.invalid");
    assert!(
        malformed.body["messages"][0]["message"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
    assert_eq!(
        api.get("/api/signet/workflows").await.ok()["total"],
        0,
        "nothing was stored"
    );
}

async fn authentication(db: Db) {
    let server = Server::start(db);
    let real = server.create_account("Acme");
    for token in ["", "wrong", &real.token[..real.token.len() - 1]] {
        let reply = server.client(token).get("/api/signet/workflows").await;
        assert_eq!(reply.http, 200, "Leegality answers refusals with HTTP 200");
        assert_eq!(reply.code(), "auth.token.invalid");
    }
    assert_eq!(
        server
            .client(&real.token)
            .get("/api/signet/workflows")
            .await
            .ok()["total"],
        0
    );
    let coming = server
        .client(&real.token)
        .get("/api/v3.0/wallet/balance/details/")
        .await;
    assert_eq!(coming.http, 200);
    assert_eq!(coming.code(), "not.implemented");
    let unknown = server.client(&real.token).get("/api/v9.9/nothing").await;
    assert_eq!(unknown.http, 404);
    assert_eq!(unknown.code(), "route.not.found");
}

on_both_databases!(
    workflow_lifecycle,
    bad_input_is_refused_and_stores_nothing,
    authentication
);
