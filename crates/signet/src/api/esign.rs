//! Aadhaar eSign at the edge (API.md 11): the signer's hand-off to the ESP, and the ESP's
//! answer coming back through the signer's browser (or, in 3.2, from the ESP's server).

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::api::invitee::Invitee;
use crate::api::{ApiError, ok};
use crate::domain::language::Language;
use crate::service::esign;
use crate::state::AppState;

/// An answer's form: the EsignResp (tens of KB, percent-encoded up to three times over).
const MAX_ANSWER_BYTES: usize = signet_esign::MAX_MESSAGE_BYTES * 3 + 4096;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/sign/{uuid}/aadhaar/start", post(start))
        .route(
            "/esign/response/{txn}",
            post(response).layer(DefaultBodyLimit::max(MAX_ANSWER_BYTES)),
        )
        .route("/esign/return/{txn}", get(back).post(back))
}

#[derive(Deserialize, Default)]
struct StartBody {
    #[serde(default, deserialize_with = "flag")]
    consent: bool,
    #[serde(default)]
    otp: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// `true` in JSON; `true`, `on` or `1` from a form's checkbox.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => matches!(t.as_str(), "true" | "on" | "1"),
    })
}

/// `POST /api/sign/{uuid}/aadhaar/start`: JSON or a form, `{"consent": true}`. Answers the
/// hand-off page, or with `Accept: application/json` the form to post (`action`, `fields`)
/// for a page that posts it itself.
async fn start(
    State(state): State<AppState>,
    invitee: Invitee,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let body: StartBody = if body.is_empty() {
        StartBody::default()
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(&body).map_err(|e| {
            ApiError::new("request.invalid", format!("the form cannot be read: {e}"))
        })?
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                "request.invalid",
                format!("the body is not the JSON expected: {e}"),
            )
        })?
    };
    let handoff = esign::start(&state, &invitee, body.consent, body.otp.as_deref()).await?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        let fields: serde_json::Map<String, serde_json::Value> = handoff
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        return Ok(ok(json!({"action": handoff.action, "fields": fields})).into_response());
    }
    let language = match body.lang.as_deref() {
        Some("hi") => Language::Hindi,
        _ => Language::English,
    };
    Ok(crate::web::esign::handoff_page(&handoff, language))
}

/// `POST /esign/response/{txn}`: the ESP's answer, in the provider's form field. The signer's
/// browser is sent back to the signing page, which says how it ended.
async fn response(
    State(state): State<AppState>,
    Path(txn): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::new("esign.response.invalid", "the answer is not a form"))?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let origin = crate::api::request_origin(peer, &headers);
    match esign::answer(&state, &txn, field, &origin).await {
        Ok(answered) => Ok(back_to_page(
            &state,
            &answered.invitation_id,
            &answered.outcome,
        )),
        Err(e) => {
            let error = ApiError::from(e);
            tracing::info!(txn, code = error.code, "an eSign answer was refused");
            // The browser still belongs on the signing page, which says what went wrong; an
            // answer delivered twice (server to server, then through the browser) shows how
            // the first one ended.
            match esign::transaction(&state, &txn).await {
                Ok(row) => {
                    let outcome = match (&row.outcome, error.code) {
                        (Some(o), "esign.transaction.used") => o.as_str(),
                        _ => error.code,
                    };
                    Ok(back_to_page(&state, &row.invitation_id, outcome))
                }
                Err(_) => Err(error),
            }
        }
    }
}

/// `/esign/return/{txn}`: where a 3.2 ESP sends the browser (`redirectUrl`) once it has
/// delivered the answer to `/esign/response/{txn}`.
async fn back(
    State(state): State<AppState>,
    Path(txn): Path<String>,
) -> Result<Response, ApiError> {
    let row = esign::transaction(&state, &txn).await?;
    let outcome = row.outcome.as_deref().unwrap_or("pending");
    Ok(back_to_page(&state, &row.invitation_id, outcome))
}

/// The signing page under `SIGNET_PUBLIC_URL` (which may have a path), saying how it ended.
fn back_to_page(state: &AppState, invitation_id: &str, outcome: &str) -> Response {
    let outcome: String = outcome
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .take(48)
        .collect();
    let public = state.config.public_url();
    let base = public.trim_end_matches('/');
    let mut res =
        Redirect::to(&format!("{base}/sign/{invitation_id}?esign={outcome}")).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}
