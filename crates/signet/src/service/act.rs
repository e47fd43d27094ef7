//! The invitee's actions: sign, approve, reject, and asking for the one-time code they may
//! need. Each is judged by the domain (`domain::invitation::check`), guarded by the code when
//! the slot enforces one, and recorded with what follows from it under the document's lock
//! (`Store::record_outcome`, which applies `domain::invitation::after_action`).

use std::sync::Arc;

use base64::Engine;

use super::pdf::Seal;
use super::{Origin, ServiceError};
use crate::domain::event::EventKind;
use crate::domain::invitation::{Action, InvitationState, check};
use crate::domain::signature_type::SignatureType;
use crate::domain::status::DocumentStatus;
use crate::domain::workflow::{InviteeSlot, InviteeType, Workflow};
use crate::state::AppState;
use crate::store::{
    Blobs, CertificateRecord, CodeCheck, CodeIssue, InvitationRow, NewCode, NewEvent, Outcome,
    OutcomeKind, Recorded,
};

/// The party acting by a signing link: the invitation a live link names (the edge has
/// authenticated it), with the workflow it was sent with.
pub struct Invitee {
    pub invitation: InvitationRow,
    pub workflow: Arc<Workflow>,
}

impl Invitee {
    /// The acting party of an invitation row: its document's workflow read, and the row's
    /// slot checked to be one of it, so that [`slot`](Self::slot) cannot fail.
    pub fn from_row(invitation: InvitationRow) -> Result<Invitee, ServiceError> {
        let workflow =
            Workflow::from_stored(&invitation.workflow).map_err(ServiceError::internal)?;
        if workflow.invitees.get(invitation.slot as usize).is_none() {
            return Err(ServiceError::internal(
                "invitation slot outside its workflow",
            ));
        }
        Ok(Invitee {
            invitation,
            workflow: Arc::new(workflow),
        })
    }

    /// The invitation's slot of its workflow. The edge checks that it exists before it hands
    /// an `Invitee` on.
    pub fn slot(&self) -> &InviteeSlot {
        &self.workflow.invitees[self.invitation.slot as usize]
    }

    pub(super) fn state(&self) -> InvitationState {
        let inv = &self.invitation;
        InvitationState {
            is_signer: self.slot().invitee_type == InviteeType::Signer,
            active: inv.active,
            status: inv.status,
            expires_at: inv.expires_at,
            document_open: inv.document_status == DocumentStatus::Sent,
            document_deleted: inv.document_deleted || inv.deleted,
        }
    }

    /// The invitee's event for the audit trail: who did what, when, from where.
    pub(super) fn event(&self, kind: &EventKind<'_>, now: i64, origin: &Origin) -> NewEvent {
        NewEvent::new(
            now,
            self.invitation.name.clone(),
            kind,
            origin.ip.clone(),
            origin.user_agent.clone(),
        )
    }
}

/// A signature, as the invitee asks for it.
pub struct Sign {
    /// The wire name; one this server does not know is refused as one the slot does not allow.
    pub signature_type: String,
    pub mark: Mark,
    pub consent: bool,
    pub otp: Option<String>,
}

/// What the signature draws at the slot's appearances.
pub enum Mark {
    Typed {
        text: String,
    },
    /// A PNG in base64, with or without a `data:image/png;base64,` prefix.
    Drawn {
        png: String,
    },
}

pub struct Approve {
    pub otp: Option<String>,
}

pub struct Reject {
    /// May be empty: a rejection without a reason is still a rejection.
    pub reason: String,
    pub otp: Option<String>,
}

/// An action recorded.
pub struct Done {
    pub document_id: String,
    /// The action completed the document (its audit trail is being sealed).
    pub completed: bool,
}

/// A one-time code mailed.
pub struct CodeSent {
    /// The address, masked.
    pub sent_to: String,
    pub expires_in_seconds: u64,
}

fn refuse(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::refused(code, message)
}

fn changed_meanwhile() -> ServiceError {
    ServiceError::Conflict {
        code: "invitation.conflict",
        message: "this invitation changed meanwhile; reload and try again".into(),
    }
}

/// How often a signature is made again on a version that another signer committed first.
/// Each retry means a signature landed meanwhile, so this bounds the signers of one document
/// signing at the same instant, not the patience of one of them.
const MAX_REBASES: usize = 16;

/// Signs the document's current version with the server's seal and the invitee's mark, and
/// records it as the next version.
pub async fn sign(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    command: Sign,
) -> Result<Done, ServiceError> {
    match &command.mark {
        Mark::Typed { text } => crate::domain::invitation::check_mark_text(text),
        Mark::Drawn { png } => crate::domain::invitation::check_mark_png_base64(png.len()),
    }?;
    let s = invitee.slot();
    let now = state.clock.now_ms();
    let signature_type: Option<SignatureType> = command.signature_type.parse().ok();
    check(
        &invitee.state(),
        &Action::Sign {
            signature_type,
            slot: s,
            consent: command.consent,
        },
        now,
    )?;
    let Some(signature_type) = signature_type else {
        return Err(ServiceError::internal(
            "check let an unknown signature type pass",
        ));
    };
    if signature_type != SignatureType::VirtualSign {
        return Err(refuse(
            "signature.type.endpoint",
            format!(
                "{signature_type} is not signed here: DSC through dsc/prepare and dsc/complete, \
                 DOC_SIGNER through the account's docSigner/invitation, AUTOMATED_SIGN by the server"
            ),
        ));
    }
    require_code(state, invitee, command.otp.as_deref()).await?;
    let options = Arc::new(signature_options(state, invitee, command.mark, now)?);
    sign_and_record(
        state,
        invitee,
        origin,
        signature_type,
        options,
        Seal::Server,
        None,
        None,
    )
    .await
}

/// Signs the document's current version and records it as the next, signing again on the
/// version another signer committed first. `validation` adds a DSS revision after the
/// signature (B-LT); `certificate` is what details report of the certificate used.
#[allow(clippy::too_many_arguments)]
pub(super) async fn sign_and_record(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    signature_type: SignatureType,
    options: Arc<signet_pdf::sign::SignatureOptions>,
    seal: Seal,
    validation: Option<Arc<signet_pdf::revocation::ValidationData>>,
    certificate: Option<CertificateRecord>,
) -> Result<Done, ServiceError> {
    let inv = &invitee.invitation;
    let now = state.clock.now_ms();
    let kind = OutcomeKind::Signed { signature_type };
    let event = invitee.event(&kind.event(inv.slot), now, origin);
    let (mut version, mut file_key) = (inv.versions, inv.file_key.clone());
    for _ in 0..=MAX_REBASES {
        let signed = super::pdf::sign_stored(
            state,
            &file_key,
            Arc::clone(&options),
            seal.clone(),
            validation.clone(),
        )
        .await?;
        let key = Blobs::new_version_key(&inv.document_id, version + 1);
        state.blobs.put(&key, signed).await?;
        let outcome = Outcome {
            invitation_id: inv.id.clone(),
            document_id: inv.document_id.clone(),
            kind: kind.clone(),
            new_version: Some((version, key.clone())),
            workflow: invitee.workflow.clone(),
            at: state.clock.now_ms(),
            events: vec![event.clone()],
            certificate: certificate.clone(),
        };
        let recorded = state.store.record_outcome(&outcome).await?;
        if !matches!(recorded, Recorded::Done { .. }) {
            // Never recorded: nothing refers to it. The purge of the document would find it.
            let _ = state.blobs.delete(&key).await;
        }
        match recorded {
            Recorded::Done { completes } => return Ok(done(state, &outcome, completes)),
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
    Err(ServiceError::Conflict {
        code: "invitation.conflict",
        message: "too many signatures arrived at once; try again".into(),
    })
}

/// Stores a signature finished elsewhere on a revision prepared on `version` (a DSC token's,
/// an eSign provider's) as version n+1, and records it with `event` and the certificate's
/// record only while the document is still at `version`: the signature covers that version,
/// so unlike `sign_and_record` it cannot be made again on a newer one (`stale`).
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_prepared(
    state: &AppState,
    invitee: &Invitee,
    version: i64,
    signed: Vec<u8>,
    signature_type: SignatureType,
    event: NewEvent,
    certificate: CertificateRecord,
    stale: fn() -> ServiceError,
) -> Result<Done, ServiceError> {
    let inv = &invitee.invitation;
    let key = Blobs::new_version_key(&inv.document_id, version + 1);
    state.blobs.put(&key, signed).await?;
    let outcome = Outcome {
        invitation_id: inv.id.clone(),
        document_id: inv.document_id.clone(),
        kind: OutcomeKind::Signed { signature_type },
        new_version: Some((version, key.clone())),
        workflow: invitee.workflow.clone(),
        at: state.clock.now_ms(),
        events: vec![event],
        certificate: Some(certificate),
    };
    let recorded = state.store.record_outcome(&outcome).await?;
    if !matches!(recorded, Recorded::Done { .. }) {
        let _ = state.blobs.delete(&key).await;
    }
    match recorded {
        Recorded::Done { completes } => Ok(done(state, &outcome, completes)),
        Recorded::Closed => Err(changed_meanwhile()),
        Recorded::Stale => Err(stale()),
    }
}

/// A reviewer's approval.
pub async fn approve(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    command: Approve,
) -> Result<Done, ServiceError> {
    let now = state.clock.now_ms();
    check(&invitee.state(), &Action::Approve, now)?;
    require_code(state, invitee, command.otp.as_deref()).await?;
    record(state, invitee, OutcomeKind::Approved, now, origin).await
}

/// A rejection, where the slot allows it: it ends the invitation, and the document can no
/// longer complete.
pub async fn reject(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    command: Reject,
) -> Result<Done, ServiceError> {
    crate::domain::invitation::check_reject_reason(&command.reason)?;
    let now = state.clock.now_ms();
    check(
        &invitee.state(),
        &Action::Reject {
            allowed: invitee.slot().enable_reject_document,
        },
        now,
    )?;
    require_code(state, invitee, command.otp.as_deref()).await?;
    let kind = OutcomeKind::Rejected {
        reason: command.reason,
    };
    record(state, invitee, kind, now, origin).await
}

/// Mails the invitee a one-time code (slots with `enforceAuthentication`), paced and bounded
/// by the domain's `otp::POLICY`.
pub async fn request_code(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
) -> Result<CodeSent, ServiceError> {
    let inv = &invitee.invitation;
    if !invitee.slot().enforce_authentication {
        return Err(refuse(
            "otp.not.required",
            "this invitation does not use one-time codes",
        ));
    }
    let now = state.clock.now_ms();
    check(&invitee.state(), &Action::RequestCode, now)?;
    let Some(email) = inv.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Err(refuse(
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
            event: invitee.event(&EventKind::CodeSent { to: &masked }, now, origin),
            now,
        })
        .await?;
    match issued {
        CodeIssue::Issued => Ok(CodeSent {
            sent_to: masked,
            expires_in_seconds: crate::domain::otp::POLICY.lifetime.as_secs(),
        }),
        CodeIssue::TooSoon(wait) => Err(refuse(
            "otp.too.soon",
            format!("a code was sent just now: wait {wait} s before asking again"),
        )),
        CodeIssue::LimitReached => Err(refuse(
            "otp.limit.reached",
            "too many codes were sent for this invitation; contact the sender",
        )),
        CodeIssue::Closed => Err(refuse(
            "document.not.open",
            "this document is no longer open for signing",
        )),
    }
}

/// With a slot that enforces authentication, the action needs the one-time code the invitee
/// was mailed; a right code is spent, a wrong one costs a guess.
pub(super) async fn require_code(
    state: &AppState,
    invitee: &Invitee,
    otp: Option<&str>,
) -> Result<(), ServiceError> {
    if !invitee.slot().enforce_authentication {
        return Ok(());
    }
    let inv = &invitee.invitation;
    let Some(code) = otp.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(refuse(
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
        CodeCheck::Wrong(left) => refuse(
            "otp.invalid",
            format!("the code is wrong; {left} attempt(s) left"),
        ),
        CodeCheck::Expired => refuse("otp.expired", "the code has expired: ask for a new one"),
        CodeCheck::Missing => refuse("otp.required", "no code was sent yet: ask for one first"),
        CodeCheck::Exhausted => refuse(
            "otp.attempts.exceeded",
            "this code can no longer be used: ask for a new one",
        ),
    };
    Err(refusal)
}

/// Records an action that adds no file version, with what follows from it.
async fn record(
    state: &AppState,
    invitee: &Invitee,
    kind: OutcomeKind,
    now: i64,
    origin: &Origin,
) -> Result<Done, ServiceError> {
    let event = invitee.event(&kind.event(invitee.invitation.slot), now, origin);
    let outcome = Outcome {
        invitation_id: invitee.invitation.id.clone(),
        document_id: invitee.invitation.document_id.clone(),
        kind,
        new_version: None,
        workflow: invitee.workflow.clone(),
        at: state.clock.now_ms(),
        events: vec![event],
        certificate: None,
    };
    match state.store.record_outcome(&outcome).await? {
        Recorded::Done { completes } => Ok(done(state, &outcome, completes)),
        Recorded::Closed | Recorded::Stale => Err(changed_meanwhile()),
    }
}

/// An outcome recorded: counted, and the audit trail sealed once the document is complete.
pub(super) fn done(state: &AppState, outcome: &Outcome, completes: bool) -> Done {
    crate::ops::metrics::outcome_recorded(&outcome.kind, completes);
    // The next slot's turn may have come, and it may be the server's to sign.
    state.automated.notify_one();
    if completes {
        super::seal::seal_completed(state, &outcome.document_id);
    }
    Done {
        document_id: outcome.document_id.clone(),
        completed: completes,
    }
}

/// What the signature says and draws: the signer's name, the reason, the mark at the slot's
/// appearances.
fn signature_options(
    state: &AppState,
    invitee: &Invitee,
    mark: Mark,
    now: i64,
) -> Result<signet_pdf::sign::SignatureOptions, ServiceError> {
    let mark = match mark {
        Mark::Typed { text } => signet_pdf::appearance::Mark::Typed { text },
        Mark::Drawn { png } => signet_pdf::appearance::Mark::Drawn {
            png: base64::engine::general_purpose::STANDARD
                .decode(png.trim_start_matches("data:image/png;base64,"))
                .map_err(|e| {
                    refuse(
                        "signature.image.invalid",
                        format!("mark.png is not base64: {e}"),
                    )
                })?,
        },
    };
    Ok(options_for(
        state,
        invitee,
        &invitee.invitation.name,
        mark,
        now,
    ))
}

/// What a certificate signature says and draws: the certificate's name (its subject's common
/// name), typed at the slot's appearances.
pub(super) fn certificate_options(
    state: &AppState,
    invitee: &Invitee,
    name: &str,
    now: i64,
) -> signet_pdf::sign::SignatureOptions {
    let mark = signet_pdf::appearance::Mark::Typed {
        text: name.to_string(),
    };
    options_for(state, invitee, name, mark, now)
}

/// A signature by `name`: named in the signature dictionary and the caption, with `mark` at
/// the slot's appearances.
fn options_for(
    state: &AppState,
    invitee: &Invitee,
    name: &str,
    mark: signet_pdf::appearance::Mark,
    now: i64,
) -> signet_pdf::sign::SignatureOptions {
    let (inv, s) = (&invitee.invitation, invitee.slot());
    let signed_at = format!("{} {}", state.zone.time(now), state.zone.label());
    let mut options = signet_pdf::sign::SignatureOptions::new(state.clock.now());
    options.name = Some(name.to_string());
    options.reason = Some(format!("Signed by {name} on {}", inv.document_name));
    // What `service::pdf::sign_stored` expects: a stored file's limits (signed versions grow
    // past the upload limit), and room for the timestamp when an authority is configured.
    options.limits = state.pdf.stored_limits();
    options.timestamp = state.tsa.is_some();
    if !s.appearances.is_empty() {
        let placements = s
            .appearances
            .iter()
            .map(|a| signet_pdf::sign::Placement {
                pages: a.pages.clone(),
                rect: a.rect(),
            })
            .collect();
        options.visible = Some(signet_pdf::sign::Visible {
            mark,
            caption: signet_pdf::appearance::Caption {
                signer_name: name.to_string(),
                signed_at,
                reason: None,
            },
            placements,
        });
    }
    options
}
