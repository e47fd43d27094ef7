//! `POST /api/v3.0/sign/request`: send a PDF to a workflow's invitees.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::api::{ApiAccount, ApiError, ApiJson, ok};
use crate::domain::document::{
    check_cc, check_document_name, check_invitee, check_irn, expiry, initially_active,
    invitee_type_name, leegality_time, zone_offset,
};
use crate::domain::limits::MAX_CC;
use crate::domain::workflow::WorkflowDefinition;
use crate::server::AppState;
use crate::store::{Blobs, NewDocument, NewEvent, NewInvitation, WorkflowStatus};

/// The request body, with Leegality's names. Unknown fields are ignored, as Leegality clients
/// send fields from several API versions.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSignRequest {
    profile_id: Option<String>,
    file: Option<FileIn>,
    #[serde(default)]
    invitees: Vec<InviteeIn>,
    irn: Option<String>,
    stamp_series: Option<String>,
    #[serde(default)]
    multiple_stamp_series: Vec<String>,
    /// Notified only: checked, as an address no mail reaches would otherwise go unnoticed.
    #[serde(default)]
    cc: Vec<CcIn>,
}

#[derive(Deserialize)]
struct CcIn {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileIn {
    name: Option<String>,
    file: Option<String>,
    #[serde(default)]
    fields: Vec<Value>,
    #[serde(default)]
    additional_files: Vec<String>,
}

#[derive(Deserialize)]
struct InviteeIn {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

fn refuse(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

fn invalid(e: crate::domain::workflow::Invalid) -> ApiError {
    ApiError::new(e.code, e.message)
}

/// Decodes and checks the PDF, repairing damaged cross-reference data once (recorded in the
/// audit trail). Runs on a blocking thread: parsing is CPU work.
/// A PDF the engine accepted.
struct CheckedPdf {
    /// What to store: the upload, or its repair.
    bytes: Vec<u8>,
    repaired: bool,
    /// Each page's displayed size in points.
    page_sizes: Vec<(f64, f64)>,
}

fn checked_pdf(bytes: Vec<u8>, limits: signet_pdf::Limits) -> Result<CheckedPdf, ApiError> {
    let pdf_error = |e: signet_pdf::Error| ApiError::new(e.code(), format!("file.file: {e}"));
    let doc = signet_pdf::Document::open(&bytes, &limits).map_err(pdf_error)?;
    doc.ensure_modifiable().map_err(pdf_error)?;
    let repaired = doc.was_repaired();
    let sizes = doc.pages().iter().map(|p| p.displayed_size()).collect();
    drop(doc);
    if repaired {
        let fixed = signet_pdf::write::repair(&bytes, &limits)
            .map_err(pdf_error)?
            .unwrap_or(bytes);
        return Ok(CheckedPdf {
            bytes: fixed,
            repaired: true,
            page_sizes: sizes,
        });
    }
    Ok(CheckedPdf {
        bytes,
        repaired: false,
        page_sizes: sizes,
    })
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

pub async fn create_sign_request(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateSignRequest>,
) -> Result<axum::Json<Value>, ApiError> {
    let profile_id = req
        .profile_id
        .filter(|p| !p.is_empty())
        .ok_or_else(|| refuse("profile.id.required", "profileId is required"))?;
    if profile_id.len() != 7 || !profile_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(refuse(
            "profile.id.invalid",
            "profileId: 7 letters and digits, the id of a published workflow of this account",
        ));
    }
    let stored = state
        .store
        .workflow(&account.id, &profile_id)
        .await?
        .filter(|w| w.status == WorkflowStatus::Published)
        .ok_or_else(|| {
            refuse(
                "profile.id.invalid",
                format!("profileId {profile_id:?} is not a published workflow of this account"),
            )
        })?;
    let workflow: WorkflowDefinition =
        serde_json::from_str(&stored.definition).map_err(ApiError::internal)?;

    if req.stamp_series.is_some() || !req.multiple_stamp_series.is_empty() {
        return Err(refuse(
            "stamp.series.unsupported",
            "stampSeries: stamp papers are not supported by this server yet",
        ));
    }
    let irn = check_irn(req.irn.as_deref()).map_err(invalid)?;
    if req.cc.len() > MAX_CC {
        return Err(refuse(
            "cc.invalid",
            format!("cc: at most {MAX_CC} recipients"),
        ));
    }
    for (i, cc) in req.cc.iter().enumerate() {
        check_cc(i, cc.name.as_deref(), cc.email.as_deref()).map_err(invalid)?;
    }
    let file = req
        .file
        .ok_or_else(|| refuse("file.required", "file is required"))?;
    if !file.fields.is_empty() {
        return Err(refuse(
            "file.fields.unsupported",
            "file.fields: template workflows are not supported yet",
        ));
    }
    if !file.additional_files.is_empty() {
        return Err(refuse(
            "file.additional.unsupported",
            "file.additionalFiles: appending files is not supported yet; send one PDF",
        ));
    }
    let name = check_document_name(file.name.as_deref()).map_err(invalid)?;
    let b64 = file
        .file
        .ok_or_else(|| refuse("file.required", "file.file: the base64 PDF is required"))?;
    let max = state.config.max_pdf_bytes;
    // Decoded size is at most 3/4 of the text: refuse a too-large file before decoding it.
    if b64.len() / 4 * 3 > max + 3 {
        return Err(refuse(
            "file.too.large",
            format!("file.file: the PDF is over the limit of {max} bytes"),
        ));
    }
    let bytes = decode_base64(&b64).map_err(|e| {
        refuse(
            "file.base64.invalid",
            format!("file.file is not valid base64: {e}"),
        )
    })?;

    if req.invitees.len() != workflow.invitees.len() {
        return Err(refuse(
            "invitees.count.invalid",
            format!(
                "invitees: the workflow has {} slot(s), the request {} invitee(s)",
                workflow.invitees.len(),
                req.invitees.len()
            ),
        ));
    }
    let mut invitees = Vec::with_capacity(req.invitees.len());
    for (i, (inv, slot)) in req.invitees.iter().zip(&workflow.invitees).enumerate() {
        // One-time codes go by mail: SMS is not built.
        if slot.enforce_authentication && inv.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
            return Err(ApiError::new(
                "invitee.email.required",
                format!(
                    "invitees[{i}].email: required, the slot sends one-time codes and they go by mail"
                ),
            ));
        }
        invitees.push(
            check_invitee(
                i,
                inv.name.as_deref(),
                inv.email.as_deref(),
                inv.phone.as_deref(),
            )
            .map_err(invalid)?,
        );
    }

    let limits = state.pdf.upload_limits();
    let lease = state.pdf.reserve(state.pdf.open_cost(bytes.len())).await;
    let (checked, _) = lease.run(move || checked_pdf(bytes, limits)).await?;
    let CheckedPdf {
        bytes: pdf,
        repaired,
        page_sizes,
    } = checked?;
    workflow.check_document(&page_sizes).map_err(invalid)?;

    let now = state.clock.now_ms();
    let offset = zone_offset(&state.config.timezone);
    let now_t = state.clock.now();
    let expires_at =
        (expiry(workflow.expiry_days, now_t, offset).unix_timestamp_nanos() / 1_000_000) as i64;
    let document_id = ulid::Ulid::generate().to_string();
    let sha256 = hex::encode(Sha256::digest(&pdf));

    // The file first: a crash after it leaves an orphan file, never a row without its file.
    state
        .blobs
        .put(&Blobs::document_version(&document_id, 1), pdf)
        .await?;

    let invitations: Vec<NewInvitation> = invitees
        .iter()
        .zip(&workflow.invitees)
        .enumerate()
        .map(|(i, (inv, slot))| NewInvitation {
            id: uuid::Uuid::new_v4().to_string(),
            slot: i as i64,
            name: inv.name.clone(),
            email: inv.email.clone(),
            phone: inv.phone.clone(),
            invitee_type: invitee_type_name(slot.invitee_type).to_string(),
            active: initially_active(&workflow, i),
        })
        .collect();
    let ip = Some(peer.ip().to_string());
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect());
    let mut events = vec![NewEvent {
        time: now,
        actor: format!("{} (API)", account.name),
        action: "Document created".into(),
        ip: ip.clone(),
        user_agent: user_agent.clone(),
        details: format!("{name}; SHA-256 of the original file {sha256}"),
    }];
    if repaired {
        events.push(NewEvent {
            time: now,
            actor: "Signet".into(),
            action: "File repaired".into(),
            ip: None,
            user_agent: None,
            details: "the uploaded file's cross-reference data was damaged; it was rewritten before any signature".into(),
        });
    }
    events.push(NewEvent {
        time: now,
        actor: format!("{} (API)", account.name),
        action: "Document sent".into(),
        ip,
        user_agent,
        details: invitations
            .iter()
            .map(|i| format!("{} ({})", i.name, i.invitee_type))
            .collect::<Vec<_>>()
            .join(", "),
    });
    state
        .store
        .insert_sent_document(
            &NewDocument {
                id: document_id.clone(),
                account_id: account.id.clone(),
                profile_id: profile_id.clone(),
                name,
                irn: irn.clone(),
                workflow: stored.definition.clone(),
                original_sha256: sha256,
                file_key: Blobs::document_version(&document_id, 1),
                page_sizes: serde_json::to_string(&page_sizes).map_err(ApiError::internal)?,
                created_at: now,
                expires_at,
                delete_after_ms: workflow
                    .delete_on_complete
                    .then(|| state.config.delete_on_complete_after.as_millis() as i64),
            },
            &invitations,
            &events,
        )
        .await?;
    crate::ops::metrics::document_sent();

    let expiry_date = leegality_time(expires_at, offset);
    let public = state.config.public_url();
    let listed: Vec<Value> = invitations
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "email": i.email.clone().unwrap_or_default(),
                "phone": i.phone.clone().unwrap_or_default(),
                "signUrl": format!("{public}/sign/{}", i.id),
                "active": i.active,
                "expiryDate": expiry_date,
            })
        })
        .collect();
    Ok(ok(json!({
        "documentId": document_id,
        "irn": irn,
        "expiryDate": expiry_date,
        "invitees": listed,
        "invitations": listed,
    })))
}
