//! `/api/signet/webhooks/deliveries`: what was sent where and what came back, and sending one
//! again. Nothing secret is shown: no static header, no signature.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiAccount, ApiError, ApiQuery, ok};
use crate::domain::ids::DocumentId;
use crate::service::Actor;
use crate::service::lifecycle::no_document;
use crate::state::AppState;
use crate::store::{DeliveryRow, rfc3339};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/signet/webhooks/deliveries", get(list_deliveries))
        .route(
            "/api/signet/webhooks/deliveries/{id}/redeliver",
            post(redeliver),
        )
}

const STATES: &[&str] = &["pending", "delivered", "dead"];

/// `documentId` (one document's deliveries), `state` (`pending`, `delivered` or `dead`) and
/// `limit` (1–500, default 100) narrow the list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveriesQuery {
    document_id: Option<String>,
    state: Option<String>,
    limit: Option<String>,
}

/// The account's deliveries, newest first.
async fn list_deliveries(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(params): ApiQuery<DeliveriesQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let document_id = match params.document_id.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(id) => {
            let known = match id.parse::<DocumentId>() {
                Ok(id) => state.store.document(&account.id, id.as_str()).await?,
                Err(_) => None,
            };
            if known.is_none() {
                return Err(no_document(id).into());
            }
            Some(id)
        }
    };
    let wanted = params.state.as_deref().filter(|s| !s.is_empty());
    if let Some(s) = wanted
        && !STATES.contains(&s)
    {
        return Err(ApiError::new(
            "webhook.state.invalid",
            "state: pending, delivered or dead",
        ));
    }
    let limit = match params.limit.as_deref() {
        None => 100,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| ApiError::new("limit.invalid", "limit: a number from 1 to 500"))?,
    };
    let rows = state
        .store
        .deliveries(&account.id, document_id, wanted, limit)
        .await?;
    Ok(ok(
        json!({"deliveries": rows.iter().map(delivery_json).collect::<Vec<_>>()}),
    ))
}

/// Sends the delivery again now, with the same `webhook-id` and body. A delivered or dead
/// one starts the retry schedule over.
async fn redeliver(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let row = crate::service::webhooks::redeliver(&state, &Actor::Api(&account), &id).await?;
    Ok(ok(delivery_json(&row)))
}

fn delivery_json(d: &DeliveryRow) -> Value {
    json!({
        "id": d.id,
        "documentId": d.document_id,
        "invitationId": d.invitation_id,
        "event": d.event,
        "url": d.url,
        "state": d.state,
        "createdAt": rfc3339(d.created_at),
        "nextAttemptAt": d.next_attempt_at.filter(|_| d.state == "pending").map(rfc3339),
        "deliveredAt": d.delivered_at.map(rfc3339),
        "attempts": d.attempts.iter().map(|a| json!({
            "number": a.number,
            "time": rfc3339(a.time),
            "url": a.url,
            "httpStatus": a.http_status,
            "error": a.error,
            "durationMs": a.duration_ms,
        })).collect::<Vec<_>>(),
    })
}
