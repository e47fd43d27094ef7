//! Signet's own endpoints under `/api/signet/` (RFC 3339 timestamps).

mod clock;
mod webhooks;
pub mod workflow_json;
mod workflows;

use axum::Router;

use crate::state::AppState;

pub fn routes(test_clock: bool) -> Router<AppState> {
    workflows::routes()
        .merge(webhooks::routes())
        .merge(clock::routes(test_clock))
}
