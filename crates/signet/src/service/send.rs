//! Sending a document: a PDF to a published workflow's invitees.

use std::sync::Arc;

use base64::Engine;
use sha2::{Digest, Sha256};

use super::{Actor, Origin, ServiceError};
use crate::domain::document::{
    check_cc, check_document_name, check_invitee, check_irn, expiry, invitee_type_name,
};
use crate::domain::event::EventKind;
use crate::domain::ids::{DocumentId, ProfileId, SignLink};
use crate::domain::limits::MAX_CC;
use crate::domain::nesl::NeslData;
use crate::domain::workflow::InviteeType;
use crate::state::AppState;
use crate::store::{Blobs, NewDocument, NewEvent, NewInvitation, WorkflowStatus};

/// What to send, as the caller gave it: every check is the service's, in the order its
/// refusals are documented (API.md section 3), so that every entry point refuses alike.
pub struct SendDocument {
    pub profile_id: Option<String>,
    pub file: Option<FileIn>,
    pub invitees: Vec<InviteeIn>,
    pub irn: Option<String>,
    /// Stamp papers were asked for (not supported yet).
    pub stamp_series: bool,
    pub cc: Vec<CcIn>,
    /// Leegality's `neslData`, as written; `None` when absent.
    pub nesl_data: Option<serde_json::Value>,
}

pub struct FileIn {
    pub name: Option<String>,
    pub pdf: Option<Pdf>,
    /// Template fields sent (not supported yet).
    pub template_fields: usize,
    /// Files to append sent (not supported yet).
    pub additional_files: usize,
}

/// The PDF as it arrives: base64 from the API, bytes from an upload.
pub enum Pdf {
    Base64(String),
    Bytes(Vec<u8>),
}

pub struct InviteeIn {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Leegality's `dscConfig`, `aadhaarConfig`, `neslConfig` and `offlineSignConfig`, by
    /// name: what to verify of the certificate the invitee signs with (API.md 10.2), as
    /// written.
    pub verification_configs: Vec<(&'static str, serde_json::Value)>,
}

pub struct CcIn {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A document sent: its invitations in slot order.
pub struct Sent {
    pub document_id: DocumentId,
    pub irn: Option<String>,
    pub expires_at: i64,
    pub invitations: Vec<NewInvitation>,
}

fn refuse(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::refused(code, message)
}

pub async fn send_document(
    state: &AppState,
    actor: &Actor<'_>,
    origin: &Origin,
    command: SendDocument,
) -> Result<Sent, ServiceError> {
    actor.may_change()?;
    let account = actor.account();
    let profile_id: ProfileId = command
        .profile_id
        .filter(|p| !p.is_empty())
        .ok_or_else(|| refuse("profile.id.required", "profileId is required"))?
        .parse()
        .map_err(|_| {
            refuse(
                "profile.id.invalid",
                "profileId: 7 letters and digits, the id of a published workflow of this account",
            )
        })?;
    let stored = state
        .store
        .workflow(&account.id, profile_id.as_str())
        .await?
        .filter(|w| w.status == WorkflowStatus::Published)
        .ok_or_else(|| {
            refuse(
                "profile.id.invalid",
                format!(
                    "profileId {:?} is not a published workflow of this account",
                    profile_id.as_str()
                ),
            )
        })?;
    let workflow = Arc::new(stored.definition);

    if command.stamp_series {
        return Err(refuse(
            "stamp.series.unsupported",
            "stampSeries: stamp papers are not supported by this server yet",
        ));
    }
    let irn = check_irn(command.irn.as_deref())?;
    if command.cc.len() > MAX_CC {
        return Err(refuse(
            "cc.invalid",
            format!("cc: at most {MAX_CC} recipients"),
        ));
    }
    for (i, cc) in command.cc.iter().enumerate() {
        check_cc(i, cc.name.as_deref(), cc.email.as_deref())?;
    }
    let nesl_data = match &command.nesl_data {
        Some(v) => NeslData::parse(v)?
            .map(|n| serde_json::to_string(&n))
            .transpose()
            .map_err(ServiceError::internal)?,
        None => None,
    };
    let file = command
        .file
        .ok_or_else(|| refuse("file.required", "file is required"))?;
    if file.template_fields > 0 {
        return Err(refuse(
            "file.fields.unsupported",
            "file.fields: template workflows are not supported yet",
        ));
    }
    if file.additional_files > 0 {
        return Err(refuse(
            "file.additional.unsupported",
            "file.additionalFiles: appending files is not supported yet; send one PDF",
        ));
    }
    let name = check_document_name(file.name.as_deref())?;
    let pdf = file
        .pdf
        .ok_or_else(|| refuse("file.required", "file.file: the base64 PDF is required"))?;
    let bytes = pdf_bytes(pdf, state.config.max_pdf_bytes)?;

    if command.invitees.len() != workflow.invitees.len() {
        return Err(refuse(
            "invitees.count.invalid",
            format!(
                "invitees: the workflow has {} slot(s), the request {} invitee(s)",
                workflow.invitees.len(),
                command.invitees.len()
            ),
        ));
    }
    let mut invitees = Vec::with_capacity(command.invitees.len());
    let mut asked = Vec::with_capacity(command.invitees.len());
    let today = state.clock.now();
    for (i, (inv, slot)) in command.invitees.iter().zip(&workflow.invitees).enumerate() {
        asked.push(super::certify::asked_checks(
            i,
            slot,
            &inv.verification_configs,
            today,
        )?);
        if slot.allows(crate::domain::signature_type::SignatureType::AutomatedSign) {
            // Nobody is invited to an automated slot: the name is what the audit trail shows.
            let name = check_invitee(
                i,
                inv.name.as_deref(),
                Some("automated@signet.invalid"),
                None,
            )?
            .name;
            invitees.push(crate::domain::document::Invitee {
                name,
                email: None,
                phone: None,
            });
            continue;
        }
        // One-time codes go by mail: SMS is not built.
        if slot.enforce_authentication && inv.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
            return Err(refuse(
                "invitee.email.required",
                format!(
                    "invitees[{i}].email: required, the slot sends one-time codes and they go by mail"
                ),
            ));
        }
        invitees.push(check_invitee(
            i,
            inv.name.as_deref(),
            inv.email.as_deref(),
            inv.phone.as_deref(),
        )?);
    }

    let limits = state.pdf.upload_limits();
    let lease = state.pdf.reserve(state.pdf.open_cost(bytes.len())).await;
    let (checked, _) = lease.run(move || checked_pdf(bytes, limits)).await?;
    let CheckedPdf {
        bytes: pdf,
        repaired,
        page_sizes,
    } = checked?;
    workflow.check_document(&page_sizes)?;

    let now = state.clock.now_ms();
    let expires_at = (expiry(workflow.expiry_days, state.clock.now(), state.zone.offset())
        .unix_timestamp_nanos()
        / 1_000_000) as i64;
    let document_id = DocumentId::generate();
    let sha256 = hex::encode(Sha256::digest(&pdf));

    // The file first: a crash after it leaves an orphan file, never a row without its file.
    state
        .blobs
        .put(&Blobs::document_version(document_id.as_str(), 1), pdf)
        .await?;

    let invitations: Vec<NewInvitation> = invitees
        .iter()
        .zip(&workflow.invitees)
        .enumerate()
        .map(|(i, (inv, slot))| NewInvitation {
            id: SignLink::generate().into(),
            slot: i as i64,
            name: inv.name.clone(),
            email: inv.email.clone(),
            phone: inv.phone.clone(),
            invitee_type: invitee_type_name(slot.invitee_type).to_string(),
            active: workflow.initially_active(i),
            verification_request: asked[i].clone(),
            automated_signer: slot.doc_signer.clone(),
        })
        .collect();
    let sent_to: Vec<(&str, InviteeType)> = invitations
        .iter()
        .zip(&workflow.invitees)
        .map(|(i, slot)| (i.name.as_str(), slot.invitee_type))
        .collect();
    let events = sent_events(actor, origin, now, &name, &sha256, repaired, &sent_to);
    state
        .store
        .insert_sent_document(
            &NewDocument {
                id: document_id.to_string(),
                account_id: account.id.clone(),
                profile_id: profile_id.into(),
                name,
                irn: irn.clone(),
                workflow: workflow.clone(),
                original_sha256: sha256,
                file_key: Blobs::document_version(document_id.as_str(), 1),
                page_sizes: serde_json::to_string(&page_sizes).map_err(ServiceError::internal)?,
                created_at: now,
                expires_at,
                delete_after_ms: workflow
                    .delete_on_complete
                    .then(|| state.config.delete_on_complete_after.as_millis() as i64),
                sender_name: actor.sender_name(),
                nesl_data,
            },
            &invitations,
            &events,
        )
        .await?;
    crate::ops::metrics::document_sent();
    if workflow.invitees.iter().any(|s| s.doc_signer.is_some()) {
        state.automated.notify_one();
    }
    Ok(Sent {
        document_id,
        irn,
        expires_at,
        invitations,
    })
}

/// The audit trail's first entries: created, repaired if it was, sent to whom.
fn sent_events(
    actor: &Actor<'_>,
    origin: &Origin,
    now: i64,
    name: &str,
    sha256: &str,
    repaired: bool,
    sent_to: &[(&str, InviteeType)],
) -> Vec<NewEvent> {
    let by_actor = |kind: &EventKind<'_>| {
        NewEvent::new(
            now,
            actor.audit_name(),
            kind,
            origin.ip.clone(),
            origin.user_agent.clone(),
        )
    };
    let mut events = vec![by_actor(&EventKind::DocumentCreated {
        name,
        original_sha256: sha256,
    })];
    if repaired {
        events.push(NewEvent::by_signet(now, &EventKind::FileRepaired));
    }
    events.push(by_actor(&EventKind::DocumentSent { invitees: sent_to }));
    events
}

/// The PDF's bytes, refused before decoding when its base64 is over the limit.
fn pdf_bytes(pdf: Pdf, max: usize) -> Result<Vec<u8>, ServiceError> {
    let too_large = || {
        refuse(
            "file.too.large",
            format!("file.file: the PDF is over the limit of {max} bytes"),
        )
    };
    match pdf {
        Pdf::Bytes(bytes) if bytes.len() > max => Err(too_large()),
        Pdf::Bytes(bytes) => Ok(bytes),
        // Decoded size is at most 3/4 of the text.
        Pdf::Base64(text) if text.len() / 4 * 3 > max + 3 => Err(too_large()),
        Pdf::Base64(text) => decode_base64(&text).map_err(|e| {
            refuse(
                "file.base64.invalid",
                format!("file.file is not valid base64: {e}"),
            )
        }),
    }
}

/// Base64 as clients send it: in one line, or wrapped (MIME-style, `\r\n` every 76 characters).
/// Most send one line, so that is decoded at once; only if it fails for whitespace is a copy
/// without whitespace decoded. Looking for whitespace first went through the text a byte at a
/// time: 9 % of the server's CPU for a 100 KB PDF.
fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let engine = base64::engine::general_purpose::STANDARD;
    engine.decode(text).or_else(|e| {
        if !text.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(e);
        }
        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        engine.decode(compact)
    })
}

/// A PDF the engine accepted.
struct CheckedPdf {
    /// What to store: the upload, or its repair.
    bytes: Vec<u8>,
    repaired: bool,
    /// Each page's displayed size in points.
    page_sizes: Vec<(f64, f64)>,
}

/// Opens and checks the PDF, repairing damaged cross-reference data once (recorded in the
/// audit trail). Runs on a PDF thread: parsing is CPU work.
fn checked_pdf(bytes: Vec<u8>, limits: signet_pdf::Limits) -> Result<CheckedPdf, ServiceError> {
    let pdf_error = |e: signet_pdf::Error| refuse(e.code(), format!("file.file: {e}"));
    let doc = signet_pdf::Document::open(&bytes, &limits).map_err(pdf_error)?;
    doc.ensure_modifiable().map_err(pdf_error)?;
    let repaired = doc.was_repaired();
    let page_sizes = doc.pages().iter().map(|p| p.displayed_size()).collect();
    drop(doc);
    let bytes = match repaired {
        true => signet_pdf::write::repair(&bytes, &limits)
            .map_err(pdf_error)?
            .unwrap_or(bytes),
        false => bytes,
    };
    Ok(CheckedPdf {
        bytes,
        repaired,
        page_sizes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Vec<u8>, ServiceError>) -> &'static str {
        match r {
            Err(ServiceError::Refused { code, .. }) => code,
            other => panic!("not a refusal: {:?}", other.map(|b| b.len())),
        }
    }

    #[test]
    fn the_pdf_is_bounded_however_it_arrives() {
        assert_eq!(pdf_bytes(Pdf::Bytes(vec![1; 10]), 10).unwrap().len(), 10);
        assert_eq!(
            code(pdf_bytes(Pdf::Bytes(vec![1; 11]), 10)),
            "file.too.large"
        );
        // Refused from the text's length, before decoding.
        assert_eq!(
            code(pdf_bytes(Pdf::Base64("A".repeat(24)), 10)),
            "file.too.large"
        );
        assert_eq!(
            code(pdf_bytes(Pdf::Base64("not base64!".into()), 100)),
            "file.base64.invalid"
        );
        // Wrapped as MIME wraps it.
        assert_eq!(
            pdf_bytes(Pdf::Base64("JVBE\r\nRi0x".into()), 100).unwrap(),
            b"%PDF-1"
        );
    }
}
