//! Signet's own endpoints under `/api/signet/` (RFC 3339 timestamps).

mod workflows;

use axum::Router;

use crate::server::AppState;

pub fn routes() -> Router<AppState> {
    workflows::routes()
}
