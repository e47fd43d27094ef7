//! The HTTP edge: the router, Leegality's envelope, errors as clients see them, and the
//! extractors that authenticate.

pub mod body;
pub mod esign;
pub mod files;
pub mod invitee;
pub mod leegality;
pub mod query;
pub mod sign;
pub mod signet;

pub use body::ApiJson;
pub use query::ApiQuery;

use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::service::{Origin, ServiceError};
use crate::state::AppState;
use crate::store::{Account, StoreError};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/trust/root.pem", get(root_certificate))
        .route("/files/{token}", get(crate::api::files::download))
        .merge(signet::routes(state.config.test_clock))
        .merge(leegality::routes())
        .merge(sign::routes())
        .merge(esign::routes())
        .merge(crate::web::routes(state.clone()))
        .merge(crate::ops::routes())
        .fallback(|| async {
            ApiError::new("route.not.found", "no such endpoint").with_status(StatusCode::NOT_FOUND)
        })
        // After routing (axum runs layers per route), so the route template is known.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::ops::requests::around,
        ))
        // A base64 PDF at the size limit, plus room for the rest of the JSON.
        .layer(DefaultBodyLimit::max(
            state.config.max_pdf_bytes / 3 * 4 + 1024 * 1024,
        ))
        .with_state(state)
}

/// The root of the server's seal, so anyone can validate Signet's signatures.
async fn root_certificate(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
        signet_pdf::keys::certificate_to_pem(&state.keys.root),
    )
        .into_response()
}

/// A success in the envelope every client switches on: `status: 1`, no messages.
pub fn ok(data: Value) -> Json<Value> {
    envelope(json!([]), data)
}

/// `ok` for data of a typed answer, serialized straight into the body.
pub fn ok_typed<T: Serialize>(data: &T) -> Response {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        status: u8,
        messages: [(); 0],
        data: &'a T,
    }
    Json(Envelope {
        status: 1,
        messages: [],
        data,
    })
    .into_response()
}

/// A success that names what happened, as Leegality's delete endpoints do
/// (`document.delete.success`).
pub fn ok_with_message(code: &str, message: &str, data: Value) -> Json<Value> {
    envelope(json!([{"code": code, "message": message}]), data)
}

/// The answer moved into its envelope: `json!` would copy it value by value (it serializes
/// whatever it is given), which for a document's details was a fair share of the work.
fn envelope(messages: Value, data: Value) -> Json<Value> {
    let mut answer = serde_json::Map::new();
    answer.insert("status".into(), 1.into());
    answer.insert("messages".into(), messages);
    answer.insert("data".into(), data);
    Json(Value::Object(answer))
}

/// A refusal: `status: 0`, one message with a stable dotted code, HTTP 200 as Leegality does.
#[derive(Debug)]
pub struct ApiError {
    code: &'static str,
    message: String,
    http: StatusCode,
}

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            http: StatusCode::OK,
        }
    }

    /// A failure of ours (database, files, a library): the cause is logged with the request's
    /// id and the client gets only that id, to quote when reporting it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let id = crate::ops::requests::current_id();
        let id = id.as_deref().unwrap_or("none");
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            "internal.error",
            format!("an internal error occurred; it has been logged as request {id}"),
        )
    }

    #[cfg(test)]
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn with_status(mut self, http: StatusCode) -> Self {
        self.http = http;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"status": 0, "messages": [{"code": self.code, "message": self.message}], "data": {}});
        let mut res = (self.http, Json(body)).into_response();
        res.extensions_mut()
            .insert(crate::ops::requests::OutcomeCode(self.code));
        res
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Refused { code, message }
            | ServiceError::NotFound { code, message }
            | ServiceError::Conflict { code, message }
            | ServiceError::Forbidden { code, message } => ApiError::new(code, message),
            ServiceError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::internal(e)
    }
}

/// The account a request authenticates as, from `X-Auth-Token`.
pub struct ApiAccount(pub Account);

impl FromRequestParts<AppState> for ApiAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let invalid = || ApiError::new("auth.token.invalid", "missing or invalid X-Auth-Token");
        let token = parts
            .headers
            .get("x-auth-token")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty())
            .ok_or_else(invalid)?;
        let hash = hex::encode(Sha256::digest(token.as_bytes()));
        let account = match state.accounts.get(&hash) {
            Some(a) => a,
            None => {
                let a = state
                    .store
                    .account_by_token_hash(&hash)
                    .await?
                    .ok_or_else(invalid)?;
                state.accounts.put(&hash, &a);
                a
            }
        };
        // The lookup matched on the hash; compare again in constant time so that no timing
        // difference in the database's comparison can be observed through this path.
        if !bool::from(account.token_hash.as_bytes().ct_eq(hash.as_bytes())) {
            return Err(invalid());
        }
        Ok(ApiAccount(account))
    }
}

/// Where a request came from, for the audit trail: the peer's address and its user agent, cut
/// to 512 characters.
pub fn request_origin(peer: std::net::SocketAddr, headers: &axum::http::HeaderMap) -> Origin {
    Origin {
        ip: Some(peer.ip().to_string()),
        user_agent: headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect()),
    }
}
