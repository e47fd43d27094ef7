//! The invitee's side, `/api/sign/{uuid}`: the UUID of the signing link is the credential.
//! Reading the invitation and its file is answered here; every action is `service::act`'s.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::body::optional_body;
use crate::api::invitee::Invitee;
use crate::api::{ApiError, ApiJson, ok};
use crate::domain::status::InvitationStatus;
use crate::domain::workflow::InviteeType;
use crate::service::act;
use crate::state::AppState;
use crate::store::InvitationRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/sign/{uuid}", get(invitation_view))
        .route("/api/sign/{uuid}/file", get(current_file))
        .route("/api/sign/{uuid}/sign", post(sign))
        .route("/api/sign/{uuid}/approve", post(approve))
        .route("/api/sign/{uuid}/reject", post(reject))
        .route("/api/sign/{uuid}/otp", post(send_code))
        .route("/api/sign/{uuid}/dsc/prepare", post(dsc_prepare))
        .route("/api/sign/{uuid}/dsc/complete", post(dsc_complete))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DscPrepareBody {
    certificates: Vec<String>,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    otp: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DscCompleteBody {
    prepare_id: String,
    signature: String,
}

/// `POST /api/sign/{uuid}/dsc/prepare` (API.md 10.3).
async fn dsc_prepare(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DscPrepareBody>,
) -> Result<axum::Json<Value>, ApiError> {
    use base64::Engine;
    let prepared = crate::service::dsc::prepare(
        &state,
        &invitee,
        &crate::api::request_origin(peer, &headers),
        crate::service::dsc::Prepare {
            certificates: body.certificates,
            consent: body.consent,
            otp: body.otp,
        },
    )
    .await?;
    Ok(ok(json!({
        "prepareId": prepared.prepare_id,
        "toBeSigned": base64::engine::general_purpose::STANDARD.encode(&prepared.to_be_signed),
        "digestAlgorithm": "SHA-256",
        "signatureAlgorithm": crate::service::dsc::algorithm_name(prepared.signature_algorithm),
        "expiresAt": crate::store::rfc3339(prepared.expires_at),
    })))
}

/// `POST /api/sign/{uuid}/dsc/complete` (API.md 10.3).
async fn dsc_complete(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DscCompleteBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let done = crate::service::dsc::complete(
        &state,
        &invitee,
        &crate::api::request_origin(peer, &headers),
        crate::service::dsc::Complete {
            prepare_id: body.prepare_id,
            signature: body.signature,
        },
    )
    .await?;
    Ok(answer(&invitee, &done))
}

async fn invitation_view(
    State(state): State<AppState>,
    invitee: Invitee,
) -> Result<axum::Json<Value>, ApiError> {
    let (inv, s) = (&invitee.invitation, invitee.slot());
    let pages = page_sizes(&state, inv).await?;
    let aadhaar = aadhaar_view(&state, &invitee).await?;
    Ok(ok(json!({
        "documentName": inv.document_name,
        "name": inv.name,
        "inviteeType": s.invitee_type,
        "pageCount": pages.len(),
        "pages": pages.iter().map(|(w, h)| json!({"width": w, "height": h})).collect::<Vec<_>>(),
        "active": inv.active,
        "signed": inv.status == InvitationStatus::Signed,
        "approved": inv.status == InvitationStatus::Approved,
        "rejected": inv.status == InvitationStatus::Rejected,
        // Ended by the server because the certificate failed the sender's checks: an
        // invitee's own rejection carries no certificate.
        "verificationFailed": inv.status == InvitationStatus::Rejected && inv.certificate_data.is_some(),
        "expired": inv.status == InvitationStatus::Expired || state.clock.now_ms() > inv.expires_at,
        "expiryDate": state.zone.time(inv.expires_at),
        "allowedSignatureTypes": if s.invitee_type == InviteeType::Signer { s.signature_types.clone() } else { vec![] },
        "appearances": s.appearances,
        "otpRequired": s.enforce_authentication,
        "rejectAllowed": s.enable_reject_document,
        "aadhaar": aadhaar,
    })))
}

/// For a slot that allows Aadhaar eSign: the latest attempt's outcome (`signed`, `pending`
/// or the ESP's error code) and, for an error, the provider's words.
async fn aadhaar_view(state: &AppState, invitee: &Invitee) -> Result<Value, ApiError> {
    use crate::domain::signature_type::SignatureType;
    let s = invitee.slot();
    if s.invitee_type != InviteeType::Signer || !s.allows(SignatureType::Aadhaar) {
        return Ok(Value::Null);
    }
    let last = state
        .store
        .latest_esign_transaction(&invitee.invitation.id)
        .await?;
    Ok(json!({
        "lastAttempt": last.map(|t| json!({
            "outcome": t.outcome.as_deref().unwrap_or(if t.answered_at.is_some() { "pending" } else { "open" }),
            "message": t.outcome_message.filter(|m| !m.is_empty()),
            "at": crate::store::rfc3339(t.created_at),
        })),
    }))
}

async fn current_file(
    State(state): State<AppState>,
    invitee: Invitee,
) -> Result<Response, ApiError> {
    crate::api::files::pdf_answer(&state.blobs, &invitee.invitation.file_key).await
}

/// Each page's displayed size: as measured when the document was sent, or (for documents
/// sent before that was kept) from the file.
async fn page_sizes(state: &AppState, inv: &InvitationRow) -> Result<Vec<(f64, f64)>, ApiError> {
    if let Some(sizes) = inv
        .page_sizes
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
    {
        return Ok(sizes);
    }
    Ok(crate::service::pdf::stored_page_sizes(state, &inv.file_key).await?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignBody {
    signature_type: String,
    mark: MarkIn,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    otp: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum MarkIn {
    Typed { text: String },
    Drawn { png: String },
}

#[derive(Deserialize, Default)]
struct RejectBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    otp: Option<String>,
}

#[derive(Deserialize, Default)]
struct ApproveBody {
    #[serde(default)]
    otp: Option<String>,
}

/// `POST /api/sign/{uuid}/otp`: mails the invitee a one-time code.
async fn send_code(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    let sent = act::request_code(
        &state,
        &invitee,
        &crate::api::request_origin(peer, &headers),
    )
    .await?;
    Ok(ok(json!({
        "sentTo": sent.sent_to,
        "expiresInSeconds": sent.expires_in_seconds,
    })))
}

async fn sign(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let command = act::Sign {
        signature_type: body.signature_type,
        mark: match body.mark {
            MarkIn::Typed { text } => act::Mark::Typed { text },
            MarkIn::Drawn { png } => act::Mark::Drawn { png },
        },
        consent: body.consent,
        otp: body.otp,
    };
    let done = act::sign(
        &state,
        &invitee,
        &crate::api::request_origin(peer, &headers),
        command,
    )
    .await?;
    Ok(answer(&invitee, &done))
}

async fn approve(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    let body: ApproveBody = optional_body(&body)?;
    let command = act::Approve { otp: body.otp };
    let done = act::approve(
        &state,
        &invitee,
        &crate::api::request_origin(peer, &headers),
        command,
    )
    .await?;
    Ok(answer(&invitee, &done))
}

async fn reject(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    // The body is optional: a rejection without a reason is still a rejection.
    let body: RejectBody = optional_body(&body)?;
    let command = act::Reject {
        reason: body.reason,
        otp: body.otp,
    };
    let done = act::reject(
        &state,
        &invitee,
        &crate::api::request_origin(peer, &headers),
        command,
    )
    .await?;
    Ok(answer(&invitee, &done))
}

/// The answer to an action that was recorded: whether it completed the document, and where
/// the slot sends the invitee next.
fn answer(invitee: &Invitee, done: &act::Done) -> axum::Json<Value> {
    let document_id = &done.document_id;
    let mut answer = json!({"documentId": document_id, "completed": done.completed});
    if let Some(url) = invitee
        .slot()
        .redirect_url
        .as_deref()
        .filter(|u| !u.is_empty())
    {
        answer["redirectUrl"] = with_document_id(url, document_id).into();
    }
    ok(answer)
}

/// The slot's redirect URL with `documentId` added as a query parameter, as Leegality does.
fn with_document_id(url: &str, document_id: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, format!("#{f}")),
        None => (url, String::new()),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}documentId={document_id}{fragment}")
}

#[cfg(test)]
mod tests {
    use super::with_document_id;

    #[test]
    fn redirect_urls_gain_the_document_id() {
        assert_eq!(
            with_document_id("https://x.in/done", "D1"),
            "https://x.in/done?documentId=D1"
        );
        assert_eq!(
            with_document_id("https://x.in/done?a=1", "D1"),
            "https://x.in/done?a=1&documentId=D1"
        );
        assert_eq!(
            with_document_id("https://x.in/d#top", "D1"),
            "https://x.in/d?documentId=D1#top"
        );
    }
}
