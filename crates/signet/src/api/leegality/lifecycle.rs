//! What the account does to a document it sent (`service::lifecycle` does it): each handler
//! maps Leegality's query or body to a command and the result to Leegality's answer.

use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::details::{DocumentQuery, invitation_views};
use super::views::{Flags, Request};
use crate::api::{ApiAccount, ApiError, ApiJson, ApiQuery, ok, ok_with_message};
use crate::service::Actor;
use crate::service::lifecycle::{self, ResendOutcome};
use crate::state::AppState;

/// The query of the endpoints that name one invitation: its `signUrl`, the full URL or the
/// bare UUID, as the client wrote it (the service's answers quote it).
#[derive(Deserialize)]
pub struct SignUrlQuery {
    #[serde(rename = "signUrl")]
    sign_url: Option<String>,
}

/// `DELETE /api/v3.0/sign/request?documentId=`: the document and its files go; its event
/// log and audit trail stay as the record of what happened.
pub async fn delete_document(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<DocumentQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let command = lifecycle::DeleteDocument {
        document_id: lifecycle::document_id(query.document_id.as_deref())?,
    };
    lifecycle::delete_document(&state, &Actor::Api(&account), command).await?;
    Ok(ok_with_message(
        "document.delete.success",
        "the document and its files were deleted",
        json!({}),
    ))
}

/// `DELETE /api/v3.0/sign/request/invitation?signUrl=`: an invitation that has not signed
/// leaves the document; with a signing order the next slot takes its turn.
pub async fn delete_invitation(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<SignUrlQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let command = lifecycle::DeleteInvitation {
        sign_url: query.sign_url,
    };
    lifecycle::delete_invitation(&state, &Actor::Api(&account), command).await?;
    Ok(ok_with_message(
        "invitation.deleted.success",
        "the invitation was deleted",
        json!({}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactivateBody {
    document_id: String,
    expiry_days: Option<i64>,
    expiry_time: Option<i64>,
}

/// `POST /api/v3.0/sign/request/reactivate`: expired invitations get a new expiry (from
/// `expiryTime`, else `expiryDays`, else the workflow's) and the document is `SENT` again.
/// The answer: `documentId`, `irn` and `requests[]` with `signType`.
pub async fn reactivate(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(body): ApiJson<ReactivateBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let command = lifecycle::Reactivate {
        document_id: lifecycle::document_id(Some(&body.document_id))?,
        expiry_time: body.expiry_time,
        expiry_days: body.expiry_days,
    };
    let done = lifecycle::reactivate(&state, &Actor::Api(&account), command).await?;
    let shown = invitation_views(&state, &done.invitations, &done.workflow, &Flags::default());
    let requests: Vec<Request> = shown
        .iter()
        .map(|v| Request {
            sign_type: Some(v.used_signature_type),
            ..Request::of(v)
        })
        .collect();
    let doc = &done.document;
    Ok(ok(
        json!({"documentId": doc.id, "irn": doc.irn, "requests": requests}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentBody {
    document_id: String,
}

/// `POST /api/v3.0/sign/request/complete`: the account closes a `SENT` document before every
/// invitation acted, once none is still active.
pub async fn complete(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(body): ApiJson<DocumentBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let command = lifecycle::Complete {
        document_id: lifecycle::document_id(Some(&body.document_id))?,
    };
    lifecycle::complete(&state, &Actor::Api(&account), command).await?;
    Ok(ok(json!({})))
}

/// `PUT /api/v3.1/invitation/activate?signUrl=`: an invitation takes its turn out of the
/// signing order. Activating one already active changes nothing and succeeds.
pub async fn activate(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<SignUrlQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let command = lifecycle::Activate {
        sign_url: query.sign_url,
    };
    lifecycle::activate(&state, &Actor::Api(&account), command).await?;
    Ok(ok_with_message(
        "invitation.activated",
        "the invitation is active",
        json!({}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResendBody {
    sign_urls: Vec<String>,
}

/// `POST /api/v3.0/sign/request/resend`: notifies each named invitee again. The request as a
/// whole succeeds when well formed; each invitation has its own `status` and `message`.
pub async fn resend(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(body): ApiJson<ResendBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let command = lifecycle::Resend {
        sign_urls: body.sign_urls,
    };
    let resent = lifecycle::resend(&state, &Actor::Api(&account), command).await?;
    let answers: Vec<Value> = resent
        .into_iter()
        .map(|r| {
            let (inv, status, message) = match r.outcome {
                ResendOutcome::Unknown => {
                    return json!({"status": 0, "name": Value::Null, "email": Value::Null,
                                  "phone": Value::Null, "signUrl": r.sign_url,
                                  "message": "no such invitation"});
                }
                ResendOutcome::Sent(inv) => (inv, 1, "the invitation was sent again".to_string()),
                ResendOutcome::Refused(inv, _, reason) => (inv, 0, reason),
            };
            json!({"status": status, "name": inv.name, "email": inv.email.unwrap_or_default(),
                   "phone": inv.phone.unwrap_or_default(),
                   "signUrl": format!("{}/sign/{}", state.config.public_url(), inv.id),
                   "message": message})
        })
        .collect();
    Ok(ok(json!({"invitations": answers})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocSignerBody {
    sign_url: Option<String>,
    profile_id: Option<String>,
    #[serde(default)]
    consent: bool,
}

/// `POST /api/v3.0/sign/docSigner/invitation`: signs an invitation of the account with one of
/// its organisation certificates (API.md 10.1).
pub async fn sign_with_doc_signer(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<DocSignerBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let done = crate::service::certify::sign_with_doc_signer(
        &state,
        &Actor::Api(&account),
        &crate::api::request_origin(peer, &headers),
        body.sign_url.as_deref(),
        body.profile_id.as_deref(),
        body.consent,
    )
    .await?;
    Ok(ok(json!({
        "documentId": done.document_id,
        "completed": done.completed,
    })))
}
