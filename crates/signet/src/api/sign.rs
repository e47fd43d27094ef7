//! The invitee's side, `/api/sign/{uuid}`: the UUID of the signing link is the credential.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, ApiJson, ok};
use crate::domain::document::{leegality_time, zone_offset};
use crate::domain::invitation::{Action, InvitationState, check, next_in_order};
use crate::domain::workflow::{InviteeSlot, InviteeType, WorkflowDefinition};
use crate::server::AppState;
use crate::store::{
    Blobs, CODE_TTL_MS, CodeCheck, CodeIssue, InvitationRow, NewCode, NewEvent, Outcome,
    OutcomeKind,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/sign/{uuid}", get(invitation_view))
        .route("/api/sign/{uuid}/file", get(current_file))
        .route("/api/sign/{uuid}/sign", post(sign))
        .route("/api/sign/{uuid}/approve", post(approve))
        .route("/api/sign/{uuid}/reject", post(reject))
        .route("/api/sign/{uuid}/otp", post(send_code))
}

/// Loads the invitation and its workflow slot. An unknown link is HTTP 404: there is nothing
/// to see, and nothing to learn about which links exist.
async fn load(
    state: &AppState,
    uuid: &str,
) -> Result<(InvitationRow, WorkflowDefinition), ApiError> {
    let not_found = || {
        ApiError::new("invitation.not.found", "no such signing link")
            .with_status(StatusCode::NOT_FOUND)
    };
    if uuid.len() != 36 {
        return Err(not_found());
    }
    let inv = state.store.invitation(uuid).await?.ok_or_else(not_found)?;
    let workflow: WorkflowDefinition = serde_json::from_str(&inv.workflow)
        .map_err(|e| ApiError::new("internal.error", e.to_string()))?;
    if workflow.invitees.get(inv.slot as usize).is_none() {
        return Err(ApiError::new(
            "internal.error",
            "invitation slot outside its workflow",
        ));
    }
    Ok((inv, workflow))
}

fn slot<'w>(inv: &InvitationRow, w: &'w WorkflowDefinition) -> &'w InviteeSlot {
    &w.invitees[inv.slot as usize]
}

fn state_of(inv: &InvitationRow, w: &WorkflowDefinition) -> InvitationState {
    InvitationState {
        is_signer: slot(inv, w).invitee_type == InviteeType::Signer,
        active: inv.active,
        signed: inv.signed,
        approved: inv.approved,
        rejected: inv.rejected,
        expired: inv.expired,
        expires_at: inv.expires_at,
        document_open: inv.document_status == "SENT",
        document_deleted: inv.document_deleted || inv.deleted,
    }
}

async fn invitation_view(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let (inv, w) = load(&state, &uuid).await?;
    let s = slot(&inv, &w);
    let pages = page_sizes(&state, &inv).await?;
    let offset = zone_offset(&state.config.timezone);
    Ok(ok(json!({
        "documentName": inv.document_name,
        "name": inv.name,
        "inviteeType": s.invitee_type,
        "pageCount": pages.len(),
        "pages": pages.iter().map(|(w, h)| json!({"width": w, "height": h})).collect::<Vec<_>>(),
        "active": inv.active,
        "signed": inv.signed,
        "approved": inv.approved,
        "rejected": inv.rejected,
        "expired": inv.expired || state.clock.now_ms() > inv.expires_at,
        "expiryDate": leegality_time(inv.expires_at, offset),
        "allowedSignatureTypes": if s.invitee_type == InviteeType::Signer { s.signature_types.clone() } else { vec![] },
        "appearances": s.appearances,
        "otpRequired": s.enforce_authentication,
        "rejectAllowed": s.enable_reject_document,
    })))
}

async fn current_file(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Response, ApiError> {
    let (inv, _) = load(&state, &uuid).await?;
    if inv.document_deleted {
        return Err(ApiError::new(
            "invitation.deleted",
            "this document was deleted",
        ));
    }
    let pdf = state.blobs.get(&inv.file_key).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        pdf,
    )
        .into_response())
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
    let pdf = state.blobs.get(&inv.file_key).await?;
    tokio::task::spawn_blocking(move || {
        signet_pdf::Document::open(&pdf, &signet_pdf::Limits::default()).map(|d| {
            d.pages()
                .iter()
                .map(|p| p.displayed_size())
                .collect::<Vec<_>>()
        })
    })
    .await
    .map_err(|e| ApiError::new("internal.error", e.to_string()))?
    .map_err(|e| ApiError::new("internal.error", e.to_string()))
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

/// An optional JSON body: none (or only whitespace) is the default.
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new("request.json.invalid", format!("invalid JSON body: {e}")))
}

/// With a slot that enforces authentication, the action needs the one-time code the invitee
/// was mailed (`POST /api/sign/{uuid}/otp`); a right code is spent, a wrong one costs a guess.
async fn require_code(
    state: &AppState,
    inv: &InvitationRow,
    slot: &InviteeSlot,
    otp: Option<&str>,
) -> Result<(), ApiError> {
    if !slot.enforce_authentication {
        return Ok(());
    }
    let Some(code) = otp.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(ApiError::new(
            "otp.required",
            "this invitation needs the one-time code sent to your email: ask for one first",
        ));
    };
    let hash = crate::domain::otp::code_hash(&state.file_secret, &inv.id, code);
    let refusal = match state
        .store
        .use_code(&inv.id, &hash, state.clock.now_ms())
        .await?
    {
        CodeCheck::Valid => return Ok(()),
        CodeCheck::Wrong(left) => ApiError::new(
            "otp.invalid",
            format!("the code is wrong; {left} attempt(s) left"),
        ),
        CodeCheck::Expired => {
            ApiError::new("otp.expired", "the code has expired: ask for a new one")
        }
        CodeCheck::Missing => {
            ApiError::new("otp.required", "no code was sent yet: ask for one first")
        }
        CodeCheck::Exhausted => ApiError::new(
            "otp.attempts.exceeded",
            "this code can no longer be used: ask for a new one",
        ),
    };
    Err(refusal)
}

/// `POST /api/sign/{uuid}/otp`: mails the invitee a one-time code (slots with
/// `enforceAuthentication`), at most one every 30 seconds and ten in all.
async fn send_code(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    let (inv, w) = load(&state, &uuid).await?;
    let s = slot(&inv, &w);
    if !s.enforce_authentication {
        return Err(ApiError::new(
            "otp.not.required",
            "this invitation does not use one-time codes",
        ));
    }
    let now = state.clock.now_ms();
    check(&state_of(&inv, &w), &Action::RequestCode, now).map_err(refusal)?;
    let Some(email) = inv.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Err(ApiError::new(
            "otp.channel.unavailable",
            "codes go by mail, and this invitation has no email address",
        ));
    };
    let code = crate::domain::otp::new_code();
    let masked = crate::notify::mask(email);
    let (ip, ua) = witness(peer, &headers);
    let issued = state
        .store
        .issue_code(&NewCode {
            account_id: &inv.account_id,
            document_id: &inv.document_id,
            invitation_id: &inv.id,
            code_hash: crate::domain::otp::code_hash(&state.file_secret, &inv.id, &code),
            mail: crate::notify::code_mail(email, &inv.name, &inv.document_name, &code),
            event: NewEvent {
                time: now,
                actor: inv.name.clone(),
                action: "One-time code sent".into(),
                ip,
                user_agent: ua,
                details: masked.clone(),
            },
            now,
        })
        .await?;
    match issued {
        CodeIssue::Issued => Ok(ok(json!({
            "sentTo": masked,
            "expiresInSeconds": CODE_TTL_MS / 1000,
        }))),
        CodeIssue::TooSoon(wait) => Err(ApiError::new(
            "otp.too.soon",
            format!("a code was sent just now: wait {wait} s before asking again"),
        )),
        CodeIssue::LimitReached => Err(ApiError::new(
            "otp.limit.reached",
            "too many codes were sent for this invitation; contact the sender",
        )),
        CodeIssue::Closed => Err(ApiError::new(
            "document.not.open",
            "this document is no longer open for signing",
        )),
    }
}

/// Who did it, from where: for the audit trail.
fn witness(peer: SocketAddr, headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect());
    (Some(peer.ip().to_string()), ua)
}

fn refusal(e: crate::domain::workflow::Invalid) -> ApiError {
    ApiError::new(e.code, e.message)
}

async fn sign(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let (inv, w) = load(&state, &uuid).await?;
    let s = slot(&inv, &w);
    let now = state.clock.now_ms();
    check(
        &state_of(&inv, &w),
        &Action::Sign {
            signature_type: &body.signature_type,
            allowed: &s.signature_types,
            consent: body.consent,
        },
        now,
    )
    .map_err(refusal)?;
    require_code(&state, &inv, s, body.otp.as_deref()).await?;
    let mark = match body.mark {
        MarkIn::Typed { text } => signet_pdf::appearance::Mark::Typed { text },
        MarkIn::Drawn { png } => signet_pdf::appearance::Mark::Drawn {
            png: base64::engine::general_purpose::STANDARD
                .decode(png.trim_start_matches("data:image/png;base64,"))
                .map_err(|e| {
                    ApiError::new(
                        "signature.image.invalid",
                        format!("mark.png is not base64: {e}"),
                    )
                })?,
        },
    };
    let offset = zone_offset(&state.config.timezone);
    let signed_at = format!(
        "{} {}",
        leegality_time(now, offset),
        if offset.is_utc() { "UTC" } else { "IST" }
    );
    let mut options = signet_pdf::sign::SignatureOptions::new(state.clock.now());
    options.name = Some(inv.name.clone());
    options.reason = Some(format!("Signed by {} on {}", inv.name, inv.document_name));
    options.limits.max_file_size = usize::MAX;
    if !s.appearances.is_empty() {
        let placements =
            s.appearances
                .iter()
                .map(|a| {
                    Ok(signet_pdf::sign::Placement {
                        pages: a.page.parse().map_err(|e: signet_pdf::Error| {
                            ApiError::new(e.code(), e.to_string())
                        })?,
                        rect: [a.x1, a.y1, a.x2, a.y2],
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
        options.visible = Some(signet_pdf::sign::Visible {
            mark,
            caption: signet_pdf::appearance::Caption {
                signer_name: inv.name.clone(),
                signed_at,
                reason: None,
            },
            placements,
        });
    }
    let version = inv.versions;
    let current = state.blobs.get(&inv.file_key).await?;
    let keys = state.keys.clone();
    let signed = tokio::task::spawn_blocking(move || {
        let appended = signet_pdf::sign::sign(&current, &options, &keys.signer, None)?;
        let mut full = current;
        full.extend_from_slice(&appended);
        Ok::<_, signet_pdf::Error>(full)
    })
    .await
    .map_err(|e| ApiError::new("internal.error", e.to_string()))?
    .map_err(|e| ApiError::new(e.code(), e.to_string()))?;
    // A key of this attempt's own: a concurrent signer refused at commit cannot have
    // overwritten the file of the one accepted.
    let key = Blobs::new_version_key(&inv.document_id, version + 1);
    state.blobs.put(&key, signed).await?;
    let (ip, ua) = witness(peer, &headers);
    let event = NewEvent {
        time: now,
        actor: inv.name.clone(),
        action: "Signed".into(),
        ip,
        user_agent: ua,
        details: format!("{} (slot {})", body.signature_type, inv.slot + 1),
    };
    finish(
        &state,
        &inv,
        &w,
        OutcomeKind::Signed {
            signature_type: body.signature_type,
        },
        Some((version, key)),
        event,
    )
    .await
}

async fn approve(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    let body: ApproveBody = optional_body(&body)?;
    let (inv, w) = load(&state, &uuid).await?;
    let now = state.clock.now_ms();
    check(&state_of(&inv, &w), &Action::Approve, now).map_err(refusal)?;
    require_code(&state, &inv, slot(&inv, &w), body.otp.as_deref()).await?;
    let (ip, ua) = witness(peer, &headers);
    let event = NewEvent {
        time: now,
        actor: inv.name.clone(),
        action: "Approved".into(),
        ip,
        user_agent: ua,
        details: String::new(),
    };
    finish(&state, &inv, &w, OutcomeKind::Approved, None, event).await
}

async fn reject(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    // The body is optional: a rejection without a reason is still a rejection.
    let body: RejectBody = optional_body(&body)?;
    let (inv, w) = load(&state, &uuid).await?;
    let now = state.clock.now_ms();
    check(
        &state_of(&inv, &w),
        &Action::Reject {
            allowed: slot(&inv, &w).enable_reject_document,
        },
        now,
    )
    .map_err(refusal)?;
    require_code(&state, &inv, slot(&inv, &w), body.otp.as_deref()).await?;
    let reason: String = body.reason.chars().take(1000).collect();
    let (ip, ua) = witness(peer, &headers);
    let event = NewEvent {
        time: now,
        actor: inv.name.clone(),
        action: "Rejected".into(),
        ip,
        user_agent: ua,
        details: reason.clone(),
    };
    finish(
        &state,
        &inv,
        &w,
        OutcomeKind::Rejected { reason },
        None,
        event,
    )
    .await
}

/// Records the action with what follows from it: the next slot in order becomes active, and
/// the document completes when every invitation is signed or approved.
async fn finish(
    state: &AppState,
    inv: &InvitationRow,
    w: &WorkflowDefinition,
    kind: OutcomeKind,
    new_version: Option<(i64, String)>,
    event: NewEvent,
) -> Result<axum::Json<Value>, ApiError> {
    let rejecting = matches!(
        kind,
        OutcomeKind::Rejected { .. } | OutcomeKind::VerificationFailed { .. }
    );
    // With a signing order only one slot is active at a time, so reading the others before
    // the transaction cannot race; completion is decided inside it (store::record_outcome).
    let activate_slots = if w.require_signing_order && !rejecting {
        let all = state.store.invitations_of(&inv.document_id).await?;
        let waiting: Vec<bool> = all
            .iter()
            .map(|i| i.id != inv.id && !(i.signed || i.approved || i.rejected || i.expired))
            .collect();
        next_in_order(&waiting, inv.slot as usize)
            .map(|s| vec![s as i64])
            .unwrap_or_default()
    } else {
        // A rejection ends the invitation; the document stays open, as Leegality does.
        vec![]
    };
    let outcome = Outcome {
        invitation_id: inv.id.clone(),
        document_id: inv.document_id.clone(),
        kind,
        new_version: new_version.clone(),
        activate_slots,
        at: state.clock.now_ms(),
        events: vec![event],
    };
    let Some(completes) = state.store.record_outcome(&outcome).await? else {
        if let Some((_, orphan)) = &new_version {
            // Never recorded: nothing refers to it. The purge of the document would find it.
            let _ = state.blobs.delete(orphan).await;
        }
        return Err(ApiError::new(
            "invitation.conflict",
            "this invitation changed meanwhile; reload and try again",
        ));
    };
    if completes {
        crate::audit_trail::seal_completed(state, &inv.document_id);
    }
    let mut answer = json!({"documentId": inv.document_id, "completed": completes});
    if let Some(url) = slot(inv, w)
        .redirect_url
        .as_deref()
        .filter(|u| !u.is_empty())
    {
        answer["redirectUrl"] = with_document_id(url, &inv.document_id).into();
    }
    Ok(ok(answer))
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
