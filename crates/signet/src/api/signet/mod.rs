//! Signet's own endpoints under `/api/signet/` (RFC 3339 timestamps).

mod clock;
mod doc_signers;
mod settings;
mod webhooks;
pub mod workflow_json;
mod workflows;

use axum::Router;

use crate::state::AppState;

pub fn routes(test_clock: bool) -> Router<AppState> {
    workflows::routes()
        .merge(doc_signers::routes())
        .merge(settings::routes())
        .merge(webhooks::routes())
        .merge(clock::routes(test_clock))
}
