//! The invitee's side, `/api/sign/{uuid}`: the UUID of the signing link is the credential.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::body::optional_body;
use crate::api::invitee::Invitee;
use crate::api::{ApiError, ApiJson, ok};
use crate::domain::document::{leegality_time, zone_offset};
use crate::domain::invitation::{Action, InvitationState, check, next_in_order};
use crate::domain::signature_type::SignatureType;
use crate::domain::status::{DocumentStatus, InvitationStatus};
use crate::domain::workflow::InviteeType;
use crate::state::AppState;
use crate::store::{
    Blobs, CodeCheck, CodeIssue, InvitationRow, NewCode, NewEvent, Outcome, OutcomeKind, Recorded,
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

fn state_of(invitee: &Invitee) -> InvitationState {
    let inv = &invitee.invitation;
    InvitationState {
        is_signer: invitee.slot().invitee_type == InviteeType::Signer,
        active: inv.active,
        status: inv.status,
        expires_at: inv.expires_at,
        document_open: inv.document_status == DocumentStatus::Sent,
        document_deleted: inv.document_deleted || inv.deleted,
    }
}

async fn invitation_view(
    State(state): State<AppState>,
    invitee: Invitee,
) -> Result<axum::Json<Value>, ApiError> {
    let (inv, s) = (&invitee.invitation, invitee.slot());
    let pages = page_sizes(&state, inv).await?;
    let offset = zone_offset(&state.config.timezone);
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
        "expired": inv.status == InvitationStatus::Expired || state.clock.now_ms() > inv.expires_at,
        "expiryDate": leegality_time(inv.expires_at, offset),
        "allowedSignatureTypes": if s.invitee_type == InviteeType::Signer { s.signature_types.clone() } else { vec![] },
        "appearances": s.appearances,
        "otpRequired": s.enforce_authentication,
        "rejectAllowed": s.enable_reject_document,
    })))
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

/// With a slot that enforces authentication, the action needs the one-time code the invitee
/// was mailed (`POST /api/sign/{uuid}/otp`); a right code is spent, a wrong one costs a guess.
async fn require_code(
    state: &AppState,
    invitee: &Invitee,
    otp: Option<&str>,
) -> Result<(), ApiError> {
    if !invitee.slot().enforce_authentication {
        return Ok(());
    }
    let inv = &invitee.invitation;
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
/// `enforceAuthentication`), paced and bounded by the domain's `otp::POLICY`.
async fn send_code(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    let inv = &invitee.invitation;
    if !invitee.slot().enforce_authentication {
        return Err(ApiError::new(
            "otp.not.required",
            "this invitation does not use one-time codes",
        ));
    }
    let now = state.clock.now_ms();
    check(&state_of(&invitee), &Action::RequestCode, now).map_err(refusal)?;
    let Some(email) = inv.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Err(ApiError::new(
            "otp.channel.unavailable",
            "codes go by mail, and this invitation has no email address",
        ));
    };
    let code = crate::domain::otp::new_code();
    let masked = crate::notify::mask(email);
    let issued = state
        .store
        .issue_code(&NewCode {
            account_id: &inv.account_id,
            document_id: &inv.document_id,
            invitation_id: &inv.id,
            code_hash: crate::domain::otp::code_hash(&state.file_secret, &inv.id, &code),
            mail: crate::notify::code_mail(
                inv.language,
                email,
                &inv.name,
                &inv.document_name,
                &code,
            ),
            event: invitee_event(
                inv,
                "One-time code sent",
                masked.clone(),
                now,
                peer,
                &headers,
            ),
            now,
        })
        .await?;
    match issued {
        CodeIssue::Issued => Ok(ok(json!({
            "sentTo": masked,
            "expiresInSeconds": crate::domain::otp::POLICY.lifetime.as_secs(),
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

/// An invitee's event for the audit trail: who did what, when, from where.
fn invitee_event(
    inv: &InvitationRow,
    action: &str,
    details: String,
    now: i64,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> NewEvent {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect());
    NewEvent {
        time: now,
        actor: inv.name.clone(),
        action: action.into(),
        ip: Some(peer.ip().to_string()),
        user_agent,
        details,
    }
}

fn refusal(e: crate::domain::workflow::Invalid) -> ApiError {
    ApiError::new(e.code, e.message)
}

/// How often a signature is made again on a version that another signer committed first.
/// Each retry means a signature landed meanwhile, so this bounds the signers of one document
/// signing at the same instant, not the patience of one of them.
const MAX_REBASES: usize = 16;

async fn sign(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignBody>,
) -> Result<axum::Json<Value>, ApiError> {
    match &body.mark {
        MarkIn::Typed { text } => crate::domain::invitation::check_mark_text(text),
        MarkIn::Drawn { png } => crate::domain::invitation::check_mark_png_base64(png.len()),
    }
    .map_err(refusal)?;
    let (inv, s) = (&invitee.invitation, invitee.slot());
    let now = state.clock.now_ms();
    // A name this server does not know is refused as one the slot does not allow.
    let signature_type: Option<SignatureType> = body.signature_type.parse().ok();
    check(
        &state_of(&invitee),
        &Action::Sign {
            signature_type,
            slot: s,
            consent: body.consent,
        },
        now,
    )
    .map_err(refusal)?;
    let Some(signature_type) = signature_type else {
        return Err(ApiError::internal(
            "check let an unknown signature type pass",
        ));
    };
    require_code(&state, &invitee, body.otp.as_deref()).await?;
    let options = Arc::new(signature_options(&state, &invitee, body.mark, now)?);
    let details = format!("{signature_type} (slot {})", inv.slot + 1);
    let event = invitee_event(inv, "Signed", details, now, peer, &headers);
    let activate_slots = next_slots(&state, &invitee, false).await?;
    let (mut version, mut file_key) = (inv.versions, inv.file_key.clone());
    for _ in 0..=MAX_REBASES {
        let key = sign_version(&state, &inv.document_id, version, &file_key, &options).await?;
        let outcome = Outcome {
            invitation_id: inv.id.clone(),
            document_id: inv.document_id.clone(),
            kind: OutcomeKind::Signed { signature_type },
            new_version: Some((version, key.clone())),
            activate_slots: activate_slots.clone(),
            at: state.clock.now_ms(),
            events: vec![event.clone()],
        };
        let recorded = state.store.record_outcome(&outcome).await?;
        if !matches!(recorded, Recorded::Done { .. }) {
            // Never recorded: nothing refers to it. The purge of the document would find it.
            let _ = state.blobs.delete(&key).await;
        }
        match recorded {
            Recorded::Done { completes } => {
                crate::ops::metrics::outcome_recorded(&outcome.kind, completes);
                return Ok(answer(&state, &invitee, completes));
            }
            Recorded::Closed => return Err(changed_meanwhile()),
            // Another signature landed first: sign the version it made, so that every
            // signature stays a revision of the one before it.
            Recorded::Stale => {
                let current = state
                    .store
                    .invitation(&inv.id)
                    .await?
                    .ok_or_else(changed_meanwhile)?;
                (version, file_key) = (current.versions, current.file_key);
            }
        }
    }
    Err(ApiError::new(
        "invitation.conflict",
        "too many signatures arrived at once; try again",
    ))
}

/// What the signature says and draws: the signer's name, the reason, the mark at the slot's
/// appearances.
fn signature_options(
    state: &AppState,
    invitee: &Invitee,
    mark: MarkIn,
    now: i64,
) -> Result<signet_pdf::sign::SignatureOptions, ApiError> {
    let (inv, s) = (&invitee.invitation, invitee.slot());
    let mark = match mark {
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
    // What `service::pdf::sign_stored` expects: a stored file's limits (signed versions grow
    // past the upload limit), and room for the timestamp when an authority is configured.
    options.limits = state.pdf.stored_limits();
    options.timestamp = state.tsa.is_some();
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
    Ok(options)
}

/// Signs `version` of the document (the object `file_key`) and stores the result as the next
/// version, under a key of this attempt's own: a concurrent signer refused at commit cannot
/// have overwritten the file of the one accepted.
async fn sign_version(
    state: &AppState,
    document_id: &str,
    version: i64,
    file_key: &str,
    options: &Arc<signet_pdf::sign::SignatureOptions>,
) -> Result<String, ApiError> {
    let signed = crate::service::pdf::sign_stored(state, file_key, Arc::clone(options)).await?;
    let key = Blobs::new_version_key(document_id, version + 1);
    state.blobs.put(&key, signed).await?;
    Ok(key)
}

async fn approve(
    State(state): State<AppState>,
    invitee: Invitee,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    let body: ApproveBody = optional_body(&body)?;
    let now = state.clock.now_ms();
    check(&state_of(&invitee), &Action::Approve, now).map_err(refusal)?;
    require_code(&state, &invitee, body.otp.as_deref()).await?;
    let event = invitee_event(
        &invitee.invitation,
        "Approved",
        String::new(),
        now,
        peer,
        &headers,
    );
    finish(&state, &invitee, OutcomeKind::Approved, event).await
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
    crate::domain::invitation::check_reject_reason(&body.reason).map_err(refusal)?;
    let now = state.clock.now_ms();
    check(
        &state_of(&invitee),
        &Action::Reject {
            allowed: invitee.slot().enable_reject_document,
        },
        now,
    )
    .map_err(refusal)?;
    require_code(&state, &invitee, body.otp.as_deref()).await?;
    let reason = body.reason;
    let event = invitee_event(
        &invitee.invitation,
        "Rejected",
        reason.clone(),
        now,
        peer,
        &headers,
    );
    finish(&state, &invitee, OutcomeKind::Rejected { reason }, event).await
}

/// Records an action that adds no file version, with what follows from it.
async fn finish(
    state: &AppState,
    invitee: &Invitee,
    kind: OutcomeKind,
    event: NewEvent,
) -> Result<axum::Json<Value>, ApiError> {
    let rejecting = matches!(
        kind,
        OutcomeKind::Rejected { .. } | OutcomeKind::VerificationFailed { .. }
    );
    let outcome = Outcome {
        invitation_id: invitee.invitation.id.clone(),
        document_id: invitee.invitation.document_id.clone(),
        kind,
        new_version: None,
        activate_slots: next_slots(state, invitee, rejecting).await?,
        at: state.clock.now_ms(),
        events: vec![event],
    };
    match state.store.record_outcome(&outcome).await? {
        Recorded::Done { completes } => {
            crate::ops::metrics::outcome_recorded(&outcome.kind, completes);
            Ok(answer(state, invitee, completes))
        }
        Recorded::Closed | Recorded::Stale => Err(changed_meanwhile()),
    }
}

/// The slot whose turn comes after this invitee acts: the next in a signing order. With a
/// signing order only one slot is active at a time, so reading the others before the
/// transaction cannot race; completion is decided inside it (`Store::record_outcome`).
async fn next_slots(
    state: &AppState,
    invitee: &Invitee,
    rejecting: bool,
) -> Result<Vec<i64>, ApiError> {
    // A rejection ends the invitation; the document stays open, as Leegality does.
    if !invitee.workflow.require_signing_order || rejecting {
        return Ok(vec![]);
    }
    let inv = &invitee.invitation;
    let all = state.store.invitations_of(&inv.document_id).await?;
    let waiting: Vec<bool> = all.iter().map(|i| i.id != inv.id && i.is_open()).collect();
    Ok(next_in_order(&waiting, inv.slot as usize)
        .map(|s| vec![s as i64])
        .unwrap_or_default())
}

fn changed_meanwhile() -> ApiError {
    ApiError::new(
        "invitation.conflict",
        "this invitation changed meanwhile; reload and try again",
    )
}

/// The answer to an action that was recorded: whether it completed the document, and where
/// the slot sends the invitee next.
fn answer(state: &AppState, invitee: &Invitee, completes: bool) -> axum::Json<Value> {
    let document_id = &invitee.invitation.document_id;
    if completes {
        crate::service::seal::seal_completed(state, document_id);
    }
    let mut answer = json!({"documentId": document_id, "completed": completes});
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
