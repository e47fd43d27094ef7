//! What the account does to a document it sent: delete it or one invitation, reactivate it
//! after expiry, complete it early, activate an invitation out of turn, send invitations
//! again. The rules are the domain's; each change commits with its events.

use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::details::{Params, invitation_views, load, workflow_of};
use super::views::{Flags, Request};
use crate::api::{ApiAccount, ApiError, ApiJson, ok, ok_with_message};
use crate::domain::document::{expiry, leegality_time, zone_offset};
use crate::domain::invitation::next_in_order;
use crate::domain::status::{DocumentStatus, InvitationStatus};
use crate::state::AppState;
use crate::store::{Account, Completion, DocumentRow, InvitationRow, NewEvent};

/// Reactivation is possible for this long after the invitations expired, as Leegality allows.
const REACTIVATION_WINDOW_MS: i64 = 30 * 86_400_000;
const YEAR_MS: i64 = 365 * 86_400_000;

/// An event caused by the account through the API.
fn by_account(state: &AppState, account: &Account, action: &str, details: String) -> NewEvent {
    NewEvent {
        time: state.clock.now_ms(),
        actor: format!("{} (API)", account.name),
        action: action.into(),
        ip: None,
        user_agent: None,
        details,
    }
}

/// The invitation id in a `signUrl`: the full URL or the bare UUID.
pub fn invitation_id(sign_url: &str) -> Option<String> {
    let path = sign_url.trim().split(['?', '#']).next().unwrap_or_default();
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    uuid::Uuid::parse_str(last).ok().map(|u| u.to_string())
}

/// The account's invitation named by a `signUrl`; one of another account is not found.
async fn account_invitation(
    state: &AppState,
    account: &Account,
    sign_url: Option<&str>,
) -> Result<InvitationRow, ApiError> {
    let sign_url = sign_url
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::new("sign.url.required", "signUrl is required"))?;
    let not_found = || {
        ApiError::new(
            "invitation.not.found",
            format!("no invitation {sign_url:?}"),
        )
    };
    let id = invitation_id(sign_url).ok_or_else(not_found)?;
    state
        .store
        .invitation(&id)
        .await?
        .filter(|i| i.account_id == account.id && !i.document_deleted && !i.deleted)
        .ok_or_else(not_found)
}

/// `DELETE /api/v3.0/sign/request?documentId=`: the document and its files go; its event
/// log and audit trail stay as the record of what happened.
pub async fn delete_document(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    let doc = load(&state, &account.id, &params).await?;
    let event = by_account(&state, &account, "Document deleted", String::new());
    let Some(deleted) = state
        .store
        .delete_document(&account.id, &doc.id, state.clock.now_ms(), &[event])
        .await?
    else {
        return Err(ApiError::new(
            "no.document.found",
            format!("document {:?} was deleted", doc.id),
        ));
    };
    // Committed: the files go now, or on the sweeper's next pass if this fails.
    if let Err(e) = crate::sweeper::purge_files(&state, &deleted).await {
        tracing::warn!(document = %doc.id, error = %e, "file removal left to the sweeper");
    }
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
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    let inv =
        account_invitation(&state, &account, params.get("signUrl").map(String::as_str)).await?;
    if inv.status.acted() {
        return Err(ApiError::new(
            "invitation.already.signed",
            "an invitation that signed or approved cannot be deleted",
        ));
    }
    if inv.document_status != DocumentStatus::Sent {
        return Err(not_sent(inv.document_status));
    }
    let all = state.store.invitations_of(&inv.document_id).await?;
    let workflow = workflow_of(&all)?;
    let next = if workflow.require_signing_order && inv.active {
        let waiting: Vec<bool> = all.iter().map(|i| i.id != inv.id && i.is_open()).collect();
        next_in_order(&waiting, inv.slot as usize).map(|s| s as i64)
    } else {
        None
    };
    let event = by_account(&state, &account, "Invitation deleted", inv.name.clone());
    if !state
        .store
        .delete_invitation(&inv.document_id, &inv.id, next, &[event])
        .await?
    {
        return Err(ApiError::new(
            "invitation.conflict",
            "the invitation or its document changed meanwhile; read the details and try again",
        ));
    }
    Ok(ok_with_message(
        "invitation.deleted.success",
        "the invitation was deleted",
        json!({}),
    ))
}

fn not_sent(status: DocumentStatus) -> ApiError {
    ApiError::new(
        "document.not.sent",
        format!("only a SENT document can change this way; this one is {status}"),
    )
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
pub async fn reactivate(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(body): ApiJson<ReactivateBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let params = Params::from([("documentId".to_string(), body.document_id.clone())]);
    let doc = load(&state, &account.id, &params).await?;
    let now = state.clock.now_ms();
    // Settle what is due first, so the answer never depends on the sweeper's timing.
    state.store.expire_due(&doc.id, now).await?;
    let invitations = state.store.invitations_of(&doc.id).await?;
    let workflow = workflow_of(&invitations)?;
    let last_expiry = invitations
        .iter()
        .filter(|i| i.status == InvitationStatus::Expired && !i.deleted)
        .map(|i| i.expires_at)
        .max()
        .ok_or_else(|| {
            ApiError::new(
                "document.not.expired",
                "the document has no expired invitation to reactivate",
            )
        })?;
    if now - last_expiry > REACTIVATION_WINDOW_MS {
        return Err(ApiError::new(
            "reactivation.window.passed",
            "a document can be reactivated within 30 days of its expiry",
        ));
    }
    let offset = zone_offset(&state.config.timezone);
    let expires_at = match (body.expiry_time, body.expiry_days) {
        (Some(t), _) if t > now && t - now <= YEAR_MS => t,
        (Some(_), _) => {
            return Err(ApiError::new(
                "expiry.time.invalid",
                "expiryTime: epoch milliseconds in the future, at most 365 days ahead",
            ));
        }
        (None, Some(d)) if (-1..=365).contains(&d) => expiry_ms(d, &state),
        (None, Some(_)) => {
            return Err(ApiError::new(
                "expiry.days.invalid",
                "expiryDays: -1 (45 minutes), 0 (end of today) or 1 to 365",
            ));
        }
        (None, None) => expiry_ms(workflow.expiry_days, &state),
    };
    let event = by_account(
        &state,
        &account,
        "Document reactivated",
        format!(
            "invitations now expire at {}",
            leegality_time(expires_at, offset)
        ),
    );
    if !state
        .store
        .reactivate(
            &doc.id,
            expires_at,
            workflow.require_signing_order,
            &[event],
        )
        .await?
    {
        return Err(ApiError::new(
            "document.not.expired",
            "the document has no expired invitation to reactivate",
        ));
    }
    state.sweeper.notify_one();
    Ok(ok(requests_answer(&state, &doc).await?))
}

fn expiry_ms(days: i64, state: &AppState) -> i64 {
    let offset = zone_offset(&state.config.timezone);
    let at = expiry(days, state.clock.now(), offset);
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// `documentId`, `irn` and `requests[]` with `signType`, as reactivation answers.
async fn requests_answer(state: &AppState, doc: &DocumentRow) -> Result<Value, ApiError> {
    let invitations = state.store.invitations_of(&doc.id).await?;
    let workflow = workflow_of(&invitations)?;
    let shown = invitation_views(state, &invitations, &workflow, &Flags::default());
    let requests: Vec<Request> = shown
        .iter()
        .map(|v| Request {
            sign_type: Some(v.used_signature_type),
            ..Request::of(v)
        })
        .collect();
    Ok(json!({"documentId": doc.id, "irn": doc.irn, "requests": requests}))
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
    let params = Params::from([("documentId".to_string(), body.document_id)]);
    let doc = load(&state, &account.id, &params).await?;
    let now = state.clock.now_ms();
    state.store.expire_due(&doc.id, now).await?;
    let event = by_account(
        &state,
        &account,
        "Document completed",
        "completed by the account before every invitation acted".into(),
    );
    match state
        .store
        .complete_document(&doc.id, now, &[event])
        .await?
    {
        Completion::Completed => {}
        Completion::NotOpen => {
            let status = state
                .store
                .document_by_id(&doc.id)
                .await?
                .map_or(doc.status, |d| d.status);
            return Err(not_sent(status));
        }
        Completion::ActiveInvitations => {
            return Err(ApiError::new(
                "document.invitations.active",
                "an invitation is still active: delete it, or wait for it to act or expire",
            ));
        }
    }
    crate::ops::metrics::document_completed();
    crate::service::seal::seal_completed(&state, &doc.id);
    Ok(ok(json!({})))
}

/// `PUT /api/v3.1/invitation/activate?signUrl=`: an invitation takes its turn out of the
/// signing order. Activating one already active changes nothing and succeeds.
pub async fn activate(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    let inv =
        account_invitation(&state, &account, params.get("signUrl").map(String::as_str)).await?;
    if let Some(refusal) = closed_invitation(&state, &inv) {
        return Err(refusal);
    }
    if !inv.active {
        let event = by_account(
            &state,
            &account,
            "Invitation activated out of order",
            inv.name.clone(),
        );
        if !state
            .store
            .activate_invitation(&inv.document_id, &inv.id, &[event])
            .await?
        {
            return Err(ApiError::new(
                "invitation.conflict",
                "the invitation or its document changed meanwhile; read the details and try again",
            ));
        }
    }
    Ok(ok_with_message(
        "invitation.activated",
        "the invitation is active",
        json!({}),
    ))
}

/// Why an invitation can no longer be acted on, if it cannot.
fn closed_invitation(state: &AppState, inv: &InvitationRow) -> Option<ApiError> {
    let (code, message) = if inv.status.acted() {
        (
            "invitation.already.signed",
            "the invitation already signed or approved",
        )
    } else if inv.status == InvitationStatus::Rejected {
        ("invitation.rejected", "the invitation was rejected")
    } else if inv.status == InvitationStatus::Expired || state.clock.now_ms() > inv.expires_at {
        (
            "invitation.expired",
            "the invitation has expired; reactivate the document first",
        )
    } else if inv.document_status != DocumentStatus::Sent {
        return Some(not_sent(inv.document_status));
    } else {
        return None;
    };
    Some(ApiError::new(code, message))
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
    if body.sign_urls.is_empty() || body.sign_urls.len() > 15 {
        return Err(ApiError::new(
            "sign.urls.invalid",
            "signUrls: from 1 to 15 signing links",
        ));
    }
    let mut answers = Vec::with_capacity(body.sign_urls.len());
    for url in &body.sign_urls {
        let answer = match account_invitation(&state, &account, Some(url)).await {
            Err(_) => {
                json!({"status": 0, "name": Value::Null, "email": Value::Null, "phone": Value::Null,
                             "signUrl": url, "message": "no such invitation"})
            }
            Ok(inv) => {
                let refusal = closed_invitation(&state, &inv)
                    .map(|e| e.message().to_string())
                    .or_else(|| {
                        (!inv.active)
                            .then(|| "the invitation is not active yet (signing order)".to_string())
                    });
                let status = match refusal {
                    Some(_) => 0,
                    None => {
                        let event =
                            by_account(&state, &account, "Invitation sent again", inv.name.clone());
                        state
                            .store
                            .resend_invitations(&inv.document_id, &[inv.id.as_str()], &[event])
                            .await?;
                        1
                    }
                };
                json!({"status": status, "name": inv.name, "email": inv.email.clone().unwrap_or_default(),
                       "phone": inv.phone.clone().unwrap_or_default(),
                       "signUrl": format!("{}/sign/{}", state.config.public_url(), inv.id),
                       "message": refusal.unwrap_or_else(|| "the invitation was sent again".into())})
            }
        };
        answers.push(answer);
    }
    Ok(ok(json!({"invitations": answers})))
}

#[cfg(test)]
mod tests {
    use super::invitation_id;

    #[test]
    fn sign_urls_and_bare_uuids() {
        let id = "6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6";
        assert_eq!(invitation_id(id).as_deref(), Some(id));
        for url in [
            format!("http://127.0.0.1:8080/sign/{id}"),
            format!("https://x.in/sign/{id}/"),
            format!("https://x.in/sign/{id}?lang=hi"),
            format!(" {} ", id.to_uppercase()),
        ] {
            assert_eq!(invitation_id(&url).as_deref(), Some(id), "{url}");
        }
        assert_eq!(invitation_id("https://x.in/sign/not-a-uuid"), None);
        assert_eq!(invitation_id(""), None);
    }
}
