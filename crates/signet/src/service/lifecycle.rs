//! What the account does to a document it sent: delete it or one invitation, reactivate it
//! after expiry, complete it early, activate an invitation out of turn, send invitations
//! again. The rules are the domain's; each change is conditional in the store under the
//! document's lock and commits with its events (and their webhooks and mail).

use super::purge::purge_files;
use super::{Actor, ServiceError};
use crate::domain::document::expiry;
use crate::domain::event::EventKind;
use crate::domain::ids::{DocumentId, SignLink};
use crate::domain::invitation::next_in_order;
use crate::domain::status::{DocumentStatus, InvitationStatus};
use crate::domain::workflow::Workflow;
use crate::state::AppState;
use crate::store::{Completion, DocumentRow, InvitationRow, NewEvent};

/// Reactivation is possible for this long after the invitations expired, as Leegality allows.
const REACTIVATION_WINDOW_MS: i64 = 30 * 86_400_000;
const YEAR_MS: i64 = 365 * 86_400_000;
/// The most links one resend may name.
const MAX_RESEND: usize = 15;

pub struct DeleteDocument {
    pub document_id: DocumentId,
}

pub struct DeleteInvitation {
    /// A `signUrl`: the full URL or the bare UUID.
    pub sign_url: Option<String>,
}

pub struct Reactivate {
    pub document_id: DocumentId,
    /// Epoch milliseconds; wins over `expiry_days`.
    pub expiry_time: Option<i64>,
    /// As a workflow's `expiryDays`; without either, the workflow's own.
    pub expiry_days: Option<i64>,
}

/// A reactivated document as it now stands.
pub struct Reactivated {
    pub document: DocumentRow,
    pub invitations: Vec<InvitationRow>,
    pub workflow: Workflow,
}

pub struct Complete {
    pub document_id: DocumentId,
}

pub struct Activate {
    pub sign_url: Option<String>,
}

pub struct Resend {
    pub sign_urls: Vec<String>,
}

/// One link of a resend: each has its own outcome, the resend as a whole succeeds.
pub struct Resent {
    /// The link as the command named it.
    pub sign_url: String,
    pub outcome: ResendOutcome,
}

pub enum ResendOutcome {
    /// No invitation of the account's by that link.
    Unknown,
    /// Notified again.
    Sent(InvitationRow),
    /// Not notified: the refusal's code and why.
    Refused(InvitationRow, &'static str, String),
}

/// An event caused by the actor, with no peer recorded (as the API's lifecycle calls always
/// were).
fn by_actor(state: &AppState, actor: &Actor<'_>, kind: &EventKind<'_>) -> NewEvent {
    NewEvent::new(state.clock.now_ms(), actor.audit_name(), kind, None, None)
}

/// A `documentId` as a client sent it, parsed: absent or empty is refused, and one that is
/// malformed is not found, exactly as a well-formed id the account does not have.
pub fn document_id(id: Option<&str>) -> Result<DocumentId, ServiceError> {
    let id = id
        .filter(|d| !d.is_empty())
        .ok_or_else(|| ServiceError::refused("document.id.required", "documentId is required"))?;
    id.parse().map_err(|_| no_document(id))
}

pub fn no_document(id: &str) -> ServiceError {
    ServiceError::not_found("no.document.found", format!("no document {id:?}"))
}

/// The actor's document named by `id`, if not deleted.
pub async fn account_document(
    state: &AppState,
    actor: &Actor<'_>,
    id: &DocumentId,
) -> Result<DocumentRow, ServiceError> {
    let doc = state
        .store
        .document(&actor.account().id, id.as_str())
        .await?
        .ok_or_else(|| no_document(id.as_str()))?;
    if doc.deleted {
        return Err(ServiceError::not_found(
            "no.document.found",
            format!("document {:?} was deleted", doc.id),
        ));
    }
    Ok(doc)
}

/// The actor's invitation named by a `signUrl`; one of another account is not found.
pub(super) async fn account_invitation(
    state: &AppState,
    actor: &Actor<'_>,
    sign_url: Option<&str>,
) -> Result<InvitationRow, ServiceError> {
    let sign_url = sign_url
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ServiceError::refused("sign.url.required", "signUrl is required"))?;
    let not_found = || {
        ServiceError::not_found(
            "invitation.not.found",
            format!("no invitation {sign_url:?}"),
        )
    };
    let link = SignLink::from_sign_url(sign_url).map_err(|_| not_found())?;
    state
        .store
        .invitation(link.as_str())
        .await?
        .filter(|i| i.account_id == actor.account().id && !i.document_deleted && !i.deleted)
        .ok_or_else(not_found)
}

/// The workflow a document was sent with (each invitation row carries the document's copy).
pub fn workflow_of(invitations: &[InvitationRow]) -> Result<Workflow, ServiceError> {
    let first = invitations
        .first()
        .ok_or_else(|| ServiceError::internal("a document without invitations"))?;
    Workflow::from_stored(&first.workflow).map_err(ServiceError::internal)
}

fn not_sent(status: DocumentStatus) -> ServiceError {
    ServiceError::conflict("document.not.sent", not_sent_message(status))
}

fn not_sent_message(status: DocumentStatus) -> String {
    format!("only a SENT document can change this way; this one is {status}")
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::conflict(
        "invitation.conflict",
        "the invitation or its document changed meanwhile; read the details and try again",
    )
}

fn not_expired() -> ServiceError {
    ServiceError::conflict(
        "document.not.expired",
        "the document has no expired invitation to reactivate",
    )
}

/// The document and its files go; its event log and audit trail stay as the record of what
/// happened.
pub async fn delete_document(
    state: &AppState,
    actor: &Actor<'_>,
    command: DeleteDocument,
) -> Result<(), ServiceError> {
    actor.may_change()?;
    let doc = account_document(state, actor, &command.document_id).await?;
    let event = by_actor(state, actor, &EventKind::DocumentDeleted);
    let Some(deleted) = state
        .store
        .delete_document(&actor.account().id, &doc.id, state.clock.now_ms(), &[event])
        .await?
    else {
        return Err(ServiceError::not_found(
            "no.document.found",
            format!("document {:?} was deleted", doc.id),
        ));
    };
    // Committed: the files go now, or on the sweeper's next pass if this fails.
    if let Err(e) = purge_files(state, &deleted).await {
        tracing::warn!(document = %doc.id, error = %e, "file removal left to the sweeper");
    }
    Ok(())
}

/// A completed document of a `deleteOnComplete` workflow whose grace has ended goes as if
/// the account deleted it, the server named as the one who did. Answers whether it was still
/// there to delete (another server's sweep, or the account, may have been first).
pub async fn delete_completed(
    state: &AppState,
    account_id: &str,
    document_id: &str,
) -> Result<bool, ServiceError> {
    let now = state.clock.now_ms();
    let event = NewEvent::by_signet(now, &EventKind::DeletedOnComplete);
    let Some(deleted) = state
        .store
        .delete_document(account_id, document_id, now, &[event])
        .await?
    else {
        return Ok(false);
    };
    if let Err(e) = purge_files(state, &deleted).await {
        tracing::warn!(document = %document_id, error = %e, "file removal left to the sweeper");
    }
    Ok(true)
}

/// An invitation that has not signed leaves the document; with a signing order the next slot
/// takes its turn.
pub async fn delete_invitation(
    state: &AppState,
    actor: &Actor<'_>,
    command: DeleteInvitation,
) -> Result<(), ServiceError> {
    actor.may_change()?;
    let inv = account_invitation(state, actor, command.sign_url.as_deref()).await?;
    if let Some(refused) = deletion_refused(&inv) {
        return Err(refused);
    }
    let all = state.store.invitations_of(&inv.document_id).await?;
    let workflow = workflow_of(&all)?;
    let next = if workflow.require_signing_order && inv.active {
        let waiting: Vec<bool> = all.iter().map(|i| i.id != inv.id && i.is_open()).collect();
        next_in_order(&waiting, inv.slot as usize).map(|s| s as i64)
    } else {
        None
    };
    let event = by_actor(
        state,
        actor,
        &EventKind::InvitationDeleted { name: &inv.name },
    );
    if !state
        .store
        .delete_invitation(&inv.document_id, &inv.id, next, &[event])
        .await?
    {
        return Err(changed_meanwhile());
    }
    Ok(())
}

/// Why an invitation cannot be deleted now, if it cannot.
fn deletion_refused(inv: &InvitationRow) -> Option<ServiceError> {
    if inv.status.acted() {
        return Some(ServiceError::conflict(
            "invitation.already.signed",
            "an invitation that signed or approved cannot be deleted",
        ));
    }
    (inv.document_status != DocumentStatus::Sent).then(|| not_sent(inv.document_status))
}

/// Why a document cannot be reactivated now, if it cannot. An open invitation past its time
/// counts as expired: the sweeper may not have marked it yet, reactivation settles it first.
fn reactivation_refused(invitations: &[InvitationRow], now: i64) -> Option<ServiceError> {
    let Some(last_expiry) = invitations
        .iter()
        .filter(|i| {
            !i.deleted
                && (i.status == InvitationStatus::Expired || (i.is_open() && i.expires_at <= now))
        })
        .map(|i| i.expires_at)
        .max()
    else {
        return Some(not_expired());
    };
    (now - last_expiry > REACTIVATION_WINDOW_MS).then(|| {
        ServiceError::conflict(
            "reactivation.window.passed",
            "a document can be reactivated within 30 days of its expiry",
        )
    })
}

/// What the account may do now to one invitation, as the operations below decide: the
/// dashboard offers exactly these.
pub struct InvitationActions {
    pub resend: bool,
    pub activate: bool,
    pub delete: bool,
}

pub fn invitation_actions(state: &AppState, inv: &InvitationRow) -> InvitationActions {
    let open = !inv.deleted && !inv.document_deleted && closed_invitation(state, inv).is_none();
    InvitationActions {
        resend: open && inv.active,
        activate: open && !inv.active,
        delete: !inv.deleted && !inv.document_deleted && deletion_refused(inv).is_none(),
    }
}

/// What the account may do now to a document as a whole.
pub struct DocumentActions {
    pub complete: bool,
    pub reactivate: bool,
}

pub fn document_actions(
    state: &AppState,
    doc: &DocumentRow,
    invitations: &[InvitationRow],
) -> DocumentActions {
    let now = state.clock.now_ms();
    let live = !doc.deleted;
    // Completion waits for active invitations, but one past its time expires first.
    let waiting = invitations
        .iter()
        .any(|i| i.is_open() && i.active && i.expires_at > now);
    DocumentActions {
        complete: live && doc.status == DocumentStatus::Sent && !waiting,
        reactivate: live && reactivation_refused(invitations, now).is_none(),
    }
}

/// Expired invitations get a new expiry (from `expiry_time`, else `expiry_days`, else the
/// workflow's) and the document is `SENT` again.
pub async fn reactivate(
    state: &AppState,
    actor: &Actor<'_>,
    command: Reactivate,
) -> Result<Reactivated, ServiceError> {
    actor.may_change()?;
    let doc = account_document(state, actor, &command.document_id).await?;
    let now = state.clock.now_ms();
    // Settle what is due first, so the answer never depends on the sweeper's timing.
    state.store.expire_due(&doc.id, now).await?;
    let invitations = state.store.invitations_of(&doc.id).await?;
    let workflow = workflow_of(&invitations)?;
    if let Some(refused) = reactivation_refused(&invitations, now) {
        return Err(refused);
    }
    let expires_at = match (command.expiry_time, command.expiry_days) {
        (Some(t), _) if t > now && t - now <= YEAR_MS => t,
        (Some(_), _) => {
            return Err(ServiceError::refused(
                "expiry.time.invalid",
                "expiryTime: epoch milliseconds in the future, at most 365 days ahead",
            ));
        }
        (None, Some(d)) if (-1..=365).contains(&d) => expiry_ms(d, state),
        (None, Some(_)) => {
            return Err(ServiceError::refused(
                "expiry.days.invalid",
                "expiryDays: -1 (45 minutes), 0 (end of today) or 1 to 365",
            ));
        }
        (None, None) => expiry_ms(workflow.expiry_days, state),
    };
    let until = state.zone.time(expires_at);
    let event = by_actor(state, actor, &EventKind::Reactivated { until: &until });
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
        return Err(not_expired());
    }
    state.sweeper.notify_one();
    let invitations = state.store.invitations_of(&doc.id).await?;
    let workflow = workflow_of(&invitations)?;
    Ok(Reactivated {
        document: doc,
        invitations,
        workflow,
    })
}

fn expiry_ms(days: i64, state: &AppState) -> i64 {
    let at = expiry(days, state.clock.now(), state.zone.offset());
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The account closes a `SENT` document before every invitation acted, once none is still
/// active; its audit trail is sealed after.
pub async fn complete(
    state: &AppState,
    actor: &Actor<'_>,
    command: Complete,
) -> Result<(), ServiceError> {
    actor.may_change()?;
    let doc = account_document(state, actor, &command.document_id).await?;
    let now = state.clock.now_ms();
    state.store.expire_due(&doc.id, now).await?;
    let event = by_actor(state, actor, &EventKind::CompletedByAccount);
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
            return Err(ServiceError::conflict(
                "document.invitations.active",
                "an invitation is still active: delete it, or wait for it to act or expire",
            ));
        }
    }
    crate::ops::metrics::document_completed();
    super::seal::seal_completed(state, &doc.id);
    Ok(())
}

/// An invitation takes its turn out of the signing order. Activating one already active
/// changes nothing and succeeds.
pub async fn activate(
    state: &AppState,
    actor: &Actor<'_>,
    command: Activate,
) -> Result<(), ServiceError> {
    actor.may_change()?;
    let inv = account_invitation(state, actor, command.sign_url.as_deref()).await?;
    if let Some((code, message)) = closed_invitation(state, &inv) {
        return Err(ServiceError::conflict(code, message));
    }
    if !inv.active {
        let event = by_actor(
            state,
            actor,
            &EventKind::ActivatedOutOfOrder { name: &inv.name },
        );
        if !state
            .store
            .activate_invitation(&inv.document_id, &inv.id, &[event])
            .await?
        {
            return Err(changed_meanwhile());
        }
    }
    Ok(())
}

/// Why an invitation can no longer be acted on, if it cannot: a code and a message.
fn closed_invitation(state: &AppState, inv: &InvitationRow) -> Option<(&'static str, String)> {
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
        return Some(("document.not.sent", not_sent_message(inv.document_status)));
    } else {
        return None;
    };
    Some((code, message.to_string()))
}

/// Notifies each named invitee again, each link on its own: one that names nothing, or an
/// invitation that cannot act now, is reported and the others still go.
pub async fn resend(
    state: &AppState,
    actor: &Actor<'_>,
    command: Resend,
) -> Result<Vec<Resent>, ServiceError> {
    actor.may_change()?;
    if command.sign_urls.is_empty() || command.sign_urls.len() > MAX_RESEND {
        return Err(ServiceError::refused(
            "sign.urls.invalid",
            "signUrls: from 1 to 15 signing links",
        ));
    }
    let mut resent = Vec::with_capacity(command.sign_urls.len());
    for sign_url in command.sign_urls {
        let outcome = match account_invitation(state, actor, Some(&sign_url)).await {
            Err(_) => ResendOutcome::Unknown,
            Ok(inv) => {
                let refusal = closed_invitation(state, &inv).or_else(|| {
                    (!inv.active).then(|| {
                        (
                            "invitation.not.active",
                            "the invitation is not active yet (signing order)".to_string(),
                        )
                    })
                });
                match refusal {
                    Some((code, reason)) => ResendOutcome::Refused(inv, code, reason),
                    None => {
                        let event = by_actor(
                            state,
                            actor,
                            &EventKind::InvitationResent { name: &inv.name },
                        );
                        state
                            .store
                            .resend_invitations(&inv.document_id, &[inv.id.as_str()], &[event])
                            .await?;
                        ResendOutcome::Sent(inv)
                    }
                }
            }
        };
        resent.push(Resent { sign_url, outcome });
    }
    Ok(resent)
}
