//! The Leegality v3 endpoints, each under its own version segment. Those not built yet are
//! mounted all the same and answer `not.implemented`, so a client learns that the endpoint is
//! known and coming rather than mistyped; README.md's compatibility table lists them.

mod details;
mod lifecycle;
mod sign_request;
mod views;

use axum::Router;
use axum::routing::{MethodRouter, delete, get, post, put};

use crate::api::{ApiAccount, ApiError};
use crate::state::AppState;

/// `(method, path)` of every Leegality endpoint of API.md sections 2, 4 and 5 not built yet.
pub const NOT_YET: &[(&str, &str)] = &[
    ("GET", "/api/v3.1/series/list"),
    ("GET", "/api/v3.0/series/list"),
    ("GET", "/api/v3.1/series/expiry"),
    ("GET", "/api/v3.0/series/groups/list"),
    ("GET", "/api/v3.0/wallet/balance/details"),
    ("GET", "/api/v3.0/wallet/balance/list"),
];

/// Authenticates first: an endpoint that does nothing yet still tells a stranger nothing.
async fn not_implemented(_: ApiAccount) -> ApiError {
    ApiError::new(
        "not.implemented",
        "this Leegality endpoint is known to Signet but not built yet; see README.md",
    )
}

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route(
            "/api/v3.3/document/details",
            get(details::get_document_details),
        )
        .route(
            "/api/v3.3/document/fetchDocument",
            get(details::fetch_document_url),
        )
        .route(
            "/api/v3.1/document/fetchDocument",
            get(details::fetch_document_bytes),
        )
        .route(
            "/api/v3.2/sign/request",
            get(details::get_sign_request_status_v32),
        )
        .route(
            "/api/v3.0/sign/request/list",
            get(details::list_sign_requests),
        )
        .route(
            "/api/v3.1/document/details",
            get(details::get_document_details_v31),
        )
        .route(
            "/api/v3.0/document/details",
            get(details::get_document_details_v30),
        )
        .route("/api/v3.0/document/completed", get(details::list_completed))
        .route(
            "/api/v3.0/sign/request/invitation",
            delete(lifecycle::delete_invitation),
        )
        .route(
            "/api/v3.0/sign/request/reactivate",
            post(lifecycle::reactivate),
        )
        .route("/api/v3.0/sign/request/resend", post(lifecycle::resend))
        .route("/api/v3.0/sign/request/complete", post(lifecycle::complete))
        .route("/api/v3.1/invitation/activate", put(lifecycle::activate))
        .route(
            "/api/v3.0/sign/docSigner/invitation",
            post(lifecycle::sign_with_doc_signer),
        )
        .route(
            "/api/v3.0/sign/request",
            post(sign_request::create_sign_request)
                .get(details::get_sign_request_status_v30)
                .delete(lifecycle::delete_document),
        );
    let mut by_path: Vec<(&str, MethodRouter<AppState>)> = Vec::new();
    for (method, path) in NOT_YET {
        let handler = match *method {
            "GET" => get(not_implemented),
            "POST" => post(not_implemented),
            "PUT" => put(not_implemented),
            _ => delete(not_implemented),
        };
        match by_path.iter_mut().find(|(p, _)| p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => by_path.push((path, handler)),
        }
    }
    for (path, methods) in by_path {
        router = router.route(path, methods);
    }
    router
}
