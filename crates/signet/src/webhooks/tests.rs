//! The path of event 5 (a certificate verification that fails) through the domain, on a real
//! database and to a real receiver: the HTTP API has no way to cause it until certificate
//! signing exists, so it is proved here, on SQLite and on PostgreSQL; then the outboxes'
//! retention on the rows it left.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::dispatcher::{self, Settings};
use super::payload::Renderer;
use super::signature::{body_signature, mac};
use crate::clock::Clock;
use crate::domain::event::EventKind;
use crate::domain::event::VerificationCheck;
use crate::domain::signature_type::SignatureType;
use crate::domain::status::{DocumentStatus, InvitationStatus};
use crate::domain::workflow::Workflow;
use crate::store::{
    Account, MailResult, NewDocument, NewEvent, NewInvitation, Outcome, OutcomeKind, Recorded,
    Store,
};
use crate::test_db::{Db, PlainMail};

/// A receiver that hands every request to the test.
async fn receiver() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, HeaderMap, Bytes)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((uri.path().to_string(), headers, body));
                "ok"
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn a_failed_verification_ends_the_invitation_and_is_delivered(postgres: bool) {
    let db = Db::new(postgres);
    let store = Store::connect(&db.url)
        .await
        .unwrap()
        .with_webhooks(
            Arc::new(Renderer {
                public_url: "https://signet.example".into(),
                zone: crate::wire::Zone::UTC,
            }),
            dispatcher::lease(Duration::from_secs(10)),
        )
        .with_mail(Arc::new(PlainMail));
    let (hooks, mut received) = receiver().await;
    let now = crate::store::now_ms();
    store
        .insert_account(&Account {
            id: "ACCOUNT1".into(),
            name: "Acme".into(),
            token_hash: "0".repeat(64),
            private_salt: "pepper".into(),
            created_at: now,
        })
        .await
        .unwrap();
    let workflow = json!({"name": "Loan", "type": "PDF", "requireSigningOrder": false,
        "expiryDays": 10, "invitees": [{
        "label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["VIRTUAL_SIGN"],
        "emailNotification": true, "enableRejectDocument": true,
        "webhook": {"success": format!("{hooks}/ok"), "error": format!("{hooks}/err"), "version": "2.5"},
        "webhookHeaders": {"X-Api-Key": "k1"}}]});
    let workflow = Arc::new(Workflow::from_stored(&workflow.to_string()).unwrap());
    let document_id = ulid::Ulid::generate().to_string();
    let invitation_id = uuid::Uuid::new_v4().to_string();
    store
        .insert_sent_document(
            &NewDocument {
                id: document_id.clone(),
                account_id: "ACCOUNT1".into(),
                profile_id: "PROFILE".into(),
                name: "Loan".into(),
                irn: Some("ORDER-5".into()),
                workflow: workflow.clone(),
                original_sha256: "0".repeat(64),
                file_key: format!("documents/{document_id}/v1.pdf"),
                page_sizes: "[[595,842]]".into(),
                created_at: now,
                expires_at: now + 86_400_000,
                delete_after_ms: None,
                sender_name: None,
                nesl_data: None,
            },
            &[NewInvitation {
                id: invitation_id.clone(),
                slot: 0,
                name: "Asha".into(),
                email: Some("asha@example.com".into()),
                phone: None,
                invitee_type: "Signer".into(),
                active: true,
                verification_request: None,
                automated_signer: None,
            }],
            &[NewEvent::by_signet(
                now,
                &EventKind::DocumentSent { invitees: &[] },
            )],
        )
        .await
        .unwrap();

    // Running before the event, as in the server.
    dispatcher::spawn(
        store.clone(),
        Clock::default(),
        Settings {
            timeout: Duration::from_secs(10),
            retry_delays: vec![],
            allow_private: true,
        },
        crate::ops::shutdown::channel().1,
    )
    .await
    .unwrap();
    let failed = |check: &str| VerificationCheck {
        check: check.into(),
        passed: false,
        score: None,
    };
    let checks = vec![
        failed("name"),
        VerificationCheck {
            check: "yob".into(),
            passed: true,
            score: None,
        },
        failed("pincode"),
    ];
    let outcome = |kind| Outcome {
        invitation_id: invitation_id.clone(),
        document_id: document_id.clone(),
        kind,
        new_version: None,
        workflow: workflow.clone(),
        at: now,
        events: vec![NewEvent::by_signet(
            now,
            &EventKind::VerificationFailed { checks: &[] },
        )],
        certificate: None,
    };
    let recorded = store
        .record_outcome(&outcome(OutcomeKind::VerificationFailed { checks }))
        .await
        .unwrap();
    assert_eq!(
        recorded,
        Recorded::Done { completes: false },
        "recorded; the document is not complete"
    );
    let inv = store.invitation(&invitation_id).await.unwrap().unwrap();
    assert!(
        inv.status == InvitationStatus::Rejected && !inv.active,
        "the invitation is terminated"
    );
    assert_eq!(inv.document_status, DocumentStatus::Sent);
    let again = store
        .record_outcome(&outcome(OutcomeKind::Signed {
            signature_type: SignatureType::VirtualSign,
        }))
        .await
        .unwrap();
    assert_eq!(
        again,
        Recorded::Closed,
        "nothing more can happen to a terminated invitation"
    );

    let (path, headers, body) = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("the webhook arrives")
        .unwrap();
    assert_eq!(path, "/err");
    assert_eq!(headers["x-api-key"], "k1");
    assert_eq!(headers["content-type"], "application/json");
    let id = headers["webhook-id"].to_str().unwrap();
    let timestamp: i64 = headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        headers["webhook-signature"].to_str().unwrap(),
        body_signature(b"pepper", id, timestamp, &body)
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["webhookType"], "Error");
    assert_eq!(body["documentId"], document_id.as_str());
    assert_eq!(body["mac"], mac("pepper", &document_id));
    assert_eq!(body["irn"], "ORDER-5");
    assert_eq!(body["documentStatus"], "Sent");
    assert_eq!(
        body["messages"],
        json!([
            {"code": "verification.name.failed", "message": "Name doesn't match with the Digital Signature Certificate."},
            {"code": "verification.pincode.failed", "message": "Pincode doesn't match with the Digital Signature Certificate."}
        ])
    );
    assert_eq!(
        body["verification"],
        json!({"smartName": null, "name": false, "pincode": false, "state": null,
               "title": null, "yob": true, "gender": null})
    );
    assert_eq!(body["request"]["active"], false);
    assert_eq!(body["request"]["error"], "Certificate verification failed");
    assert_eq!(
        body["request"]["signUrl"],
        format!("https://signet.example/sign/{invitation_id}")
    );

    // Recorded as delivered, with its one attempt.
    let mut delivered = vec![];
    for _ in 0..100 {
        delivered = store
            .deliveries("ACCOUNT1", Some(&document_id), Some("delivered"), 10)
            .await
            .unwrap();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].event, "verification_failed");
    assert_eq!(delivered[0].attempts.len(), 1);
    assert_eq!(delivered[0].attempts[0].http_status, Some(200));

    // Retention: finished rows older than the cut go, with their attempts; pending ones stay.
    assert_eq!(store.prune_outboxes(now).await.unwrap(), 0, "not older");
    assert_eq!(
        store.prune_outboxes(now + 1).await.unwrap(),
        1,
        "the webhook, not the pending mail"
    );
    assert!(
        store
            .deliveries("ACCOUNT1", Some(&document_id), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mail = store.claim_mail(now, now + 1000, 10).await.unwrap();
    assert_eq!(mail.len(), 1, "the invitation's mail, still there");
    let logged: Vec<MailResult> = mail
        .into_iter()
        .map(|m| MailResult {
            id: m.id,
            outcome: Ok("logged"),
            attempts: m.attempts,
        })
        .collect();
    store.record_mail(&logged, &[], now).await.unwrap();
    assert_eq!(
        store.prune_outboxes(now + 1).await.unwrap(),
        1,
        "the mail, once logged"
    );
    assert!(
        store
            .claim_mail(now + 10_000, now + 20_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn failed_verification_on_sqlite() {
    a_failed_verification_ends_the_invitation_and_is_delivered(false).await;
}

#[tokio::test]
async fn failed_verification_on_postgres() {
    a_failed_verification_ends_the_invitation_and_is_delivered(true).await;
}
