//! What an operator runs the server with (API.md section 13): liveness, readiness, Prometheus
//! metrics, the per-request edge (request id, log span, security headers, request metrics),
//! and the stop signal background workers obey at shutdown.

pub mod metrics;
pub mod requests;
pub mod shutdown;

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// A check that takes longer than this counts as failed: a probe must answer, not hang.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// 200 when the database answers and the file store takes a write; 503 naming what failed.
async fn readyz(State(state): State<AppState>) -> Response {
    let database = async {
        match tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("database: {e}")),
            Err(_) => Some("database: no answer within 5 s".to_string()),
        }
    };
    let storage = async {
        match tokio::time::timeout(CHECK_TIMEOUT, state.blobs.check_writable()).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("storage: {e}")),
            Err(_) => Some("storage: no answer within 5 s".to_string()),
        }
    };
    let (database, storage) = tokio::join!(database, storage);
    let failed: Vec<String> = [database, storage].into_iter().flatten().collect();
    if failed.is_empty() {
        return (StatusCode::OK, "ok").into_response();
    }
    // The operator needs the cause; the readiness probe is as public as /healthz, but the
    // failure names only the server's own parts.
    let names: Vec<&str> = failed
        .iter()
        .map(|f| f.split(':').next().unwrap_or_default())
        .collect();
    tracing::warn!(failing = ?failed, "not ready");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("not ready: {}\n", names.join(", ")),
    )
        .into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let body = state
        .metrics
        .render(&state.store, state.clock.now_ms())
        .await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
