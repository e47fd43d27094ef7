//! `GET /api/v3.3/document/details` and `fetchDocument`: what clients poll to follow a
//! document and to download its files.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::{ApiAccount, ApiError, ok};
use crate::audit_trail::{self, audit_key};
use crate::domain::document::{leegality_time, zone_offset};
use crate::domain::workflow::{InviteeType, WorkflowDefinition};
use crate::files::signed_url;
use crate::server::AppState;
use crate::store::{Blobs, DocumentRow, InvitationRow, now_ms};

type Params = HashMap<String, String>;

/// Booleans in queries: `true`, `TRUE` and `1` are true; anything else false.
fn flag(params: &Params, key: &str) -> bool {
    params
        .get(key)
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

async fn load(
    state: &AppState,
    account_id: &str,
    params: &Params,
) -> Result<DocumentRow, ApiError> {
    let id = params
        .get("documentId")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| ApiError::new("document.id.required", "documentId is required"))?;
    state
        .store
        .document(account_id, id)
        .await?
        .filter(|d| !d.deleted)
        .ok_or_else(|| ApiError::new("no.document.found", format!("no document {id:?}")))
}

/// The workflow a document was sent with (each invitation row carries the document's copy).
fn workflow_of(invitations: &[InvitationRow]) -> Result<WorkflowDefinition, ApiError> {
    let first = invitations
        .first()
        .ok_or_else(|| ApiError::new("internal.error", "a document without invitations"))?;
    serde_json::from_str(&first.workflow)
        .map_err(|e| ApiError::new("internal.error", e.to_string()))
}

fn title_case(status: &str) -> String {
    let mut c = status.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// The audit trail's URL, sealing it first if it is not stored yet (a completion whose
/// sealing failed is repaired here).
async fn audit_trail_url(
    state: &AppState,
    doc: &DocumentRow,
    until: i64,
) -> Result<String, ApiError> {
    if state.blobs.get(&audit_key(&doc.id)).await.is_err() {
        audit_trail::seal(state, doc).await?;
    }
    Ok(signed_url(state, &audit_key(&doc.id), until))
}

fn invitation_json(
    state: &AppState,
    i: &InvitationRow,
    w: &WorkflowDefinition,
    params: &Params,
) -> Value {
    let offset = zone_offset(&state.config.timezone);
    let time = |ms: Option<i64>| ms.map(|m| leegality_time(m, offset));
    let slot = w.invitees.get(i.slot as usize);
    let is_signer = slot.is_some_and(|s| s.invitee_type == InviteeType::Signer);
    let expired = i.expired || (now_ms() > i.expires_at && !i.signed && !i.approved && !i.rejected);
    let sign_url = format!("{}/sign/{}", state.config.public_url(), i.id);
    let mut status = json!({
        "active": i.active && !expired,
        "signed": i.signed,
        "reviewed": i.approved || (!is_signer && i.rejected),
        "approved": i.approved,
        "rejected": i.rejected,
        "expired": expired,
        "creationDate": time(Some(i.created_at)),
        "expiryDate": time(Some(i.expires_at)),
        "signDate": time(i.signed_at.filter(|_| i.signed || i.approved)),
    });
    if flag(params, "invitations_invitationStatus_rejectionMessage")
        || flag(params, "invitations_invitationStatus_signRejectionMessage")
    {
        status["rejectionMessage"] = i.rejection_message.clone().into();
        status["signRejectionMessage"] = i.rejection_message.clone().into();
    }
    if flag(params, "invitations_invitationStatus_failureReason") {
        status["failureReason"] = Value::Null;
    }
    let mut inv = json!({
        "name": i.name,
        "email": i.email.clone().unwrap_or_default(),
        "phone": i.phone.clone().unwrap_or_default(),
        "inviteeType": if is_signer { "Signer" } else { "Reviewer" },
        "signUrl": sign_url,
        "invitationUrl": sign_url,
        "allowedSignatures": slot.map(|s| if is_signer { s.signature_types.clone() } else { vec![] }),
        "usedSignatureType": i.signature_type,
        "active": status["active"],
        "signed": i.signed,
        "rejected": i.rejected,
        "expired": expired,
        "signDate": status["signDate"],
        "invitationStatus": status,
    });
    if flag(params, "invitations_inviteeConfigs") {
        inv["inviteeConfigs"] = slot.map(|s| json!(s)).unwrap_or(Value::Null);
    }
    inv
}

fn request_json(inv: &Value, deleted: bool) -> Value {
    json!({
        "name": inv["name"], "email": inv["email"], "phone": inv["phone"], "signUrl": inv["signUrl"],
        "active": inv["active"], "signed": inv["signed"], "rejected": inv["rejected"], "expired": inv["expired"],
        "expiryDate": inv["invitationStatus"]["expiryDate"], "deleted": deleted,
        "status": if inv["signed"] == true { "SIGNED" } else if inv["rejected"] == true { "REJECTED" }
                  else if inv["expired"] == true { "EXPIRED" } else { "PENDING" },
    })
}

pub async fn get_document_details(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    let doc = load(&state, &account.id, &params).await?;
    let offset = zone_offset(&state.config.timezone);
    let invitations = state.store.invitations_of(&doc.id).await?;
    let workflow = workflow_of(&invitations)?;
    let until = now_ms() + state.config.file_url_ttl.as_millis() as i64;
    let invs: Vec<Value> = invitations
        .iter()
        .map(|i| invitation_json(&state, i, &workflow, &params))
        .collect();
    let mut data = json!({
        "documentId": doc.id,
        "irn": doc.irn,
        "documentStatus": title_case(&doc.status),
        "document": {
            "id": doc.id, "name": doc.name, "irn": doc.irn, "status": doc.status, "deleted": doc.deleted,
            "creationDate": leegality_time(doc.created_at, offset),
            "completionDate": doc.completed_at.map(|c| leegality_time(c, offset)),
        },
        "invitations": invs,
        "requests": invs.iter().map(|i| request_json(i, doc.deleted)).collect::<Vec<_>>(),
    });
    if flag(&params, "file") {
        let url = signed_url(
            &state,
            &Blobs::document_version(&doc.id, doc.versions),
            until,
        );
        data["file"] = url.clone().into();
        data["files"] = json!([url]);
    }
    if flag(&params, "auditTrail") && doc.status == "COMPLETED" {
        data["auditTrail"] = audit_trail_url(&state, &doc, until).await?.into();
    }
    if flag(&params, "workflow") || flag(&params, "workflow_name") {
        data["workflow"] = json!({"name": workflow.name, "type": workflow.kind, "subType": Value::Null, "profileId": doc.profile_id});
    }
    if flag(&params, "account") || flag(&params, "account_name") {
        data["account"] =
            json!({"name": account.name, "label": account.name, "brandName": account.name});
    }
    if flag(&params, "sender") || flag(&params, "sender_name") {
        data["sender"] = json!({"name": format!("{} (API)", account.name)});
    }
    if flag(&params, "folder") || flag(&params, "folder_name") {
        data["folders"] = json!([]);
    }
    Ok(ok(data))
}

/// The one download type of `documentDownloadType`, refusing none or several.
fn download_type(params: &Params) -> Result<&str, ApiError> {
    let t = params
        .get("documentDownloadType")
        .map(String::as_str)
        .unwrap_or("DOCUMENT");
    match t {
        "DOCUMENT" | "AUDIT_TRAIL" => Ok(t),
        "ATTACHMENT" | "SUPPORTING_DOCUMENT" => Err(ApiError::new(
            "no.document.found",
            "this document has no such file",
        )),
        _ => Err(ApiError::new(
            "document.download.type",
            "documentDownloadType: one of DOCUMENT, AUDIT_TRAIL, ATTACHMENT, SUPPORTING_DOCUMENT",
        )),
    }
}

/// v3.3: a short-lived URL of the completed document or its audit trail.
pub async fn fetch_document_url(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    let doc = load(&state, &account.id, &params).await?;
    let kind = download_type(&params)?;
    if doc.status != "COMPLETED" {
        return Err(ApiError::new(
            "no.document.found",
            "the document is not completed yet",
        ));
    }
    let until = now_ms() + state.config.file_url_ttl.as_millis() as i64;
    let url = match kind {
        "AUDIT_TRAIL" => audit_trail_url(&state, &doc, until).await?,
        _ => signed_url(
            &state,
            &Blobs::document_version(&doc.id, doc.versions),
            until,
        ),
    };
    Ok(ok(json!({"file": url})))
}

/// v3.1: the bytes themselves.
pub async fn fetch_document_bytes(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let doc = load(&state, &account.id, &params).await?;
    let kind = download_type(&params)?;
    let key = match kind {
        "AUDIT_TRAIL" if doc.status != "COMPLETED" => {
            return Err(ApiError::new(
                "no.document.found",
                "the audit trail exists once the document is completed",
            ));
        }
        "AUDIT_TRAIL" => {
            let until = now_ms() + 1000;
            audit_trail_url(&state, &doc, until).await?;
            audit_key(&doc.id)
        }
        _ => Blobs::document_version(&doc.id, doc.versions),
    };
    let bytes = state.blobs.get(&key).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

/// `GET /api/v3.0/sign/request` (files as base64) and `/api/v3.2/sign/request` (files as
/// URLs): the transaction status.
async fn sign_request_status(
    state: AppState,
    account_id: &str,
    params: Params,
    inline_files: bool,
) -> Result<axum::Json<Value>, ApiError> {
    use base64::Engine;
    let doc = load(&state, account_id, &params).await?;
    let invitations = state.store.invitations_of(&doc.id).await?;
    let workflow = workflow_of(&invitations)?;
    let requests: Vec<Value> = invitations
        .iter()
        .map(|i| request_json(&invitation_json(&state, i, &workflow, &params), doc.deleted))
        .collect();
    let until = now_ms() + state.config.file_url_ttl.as_millis() as i64;
    let current = Blobs::document_version(&doc.id, doc.versions);
    let (files, audit) = if inline_files {
        let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(bytes);
        let file = b64(state.blobs.get(&current).await?);
        let audit = if doc.status == "COMPLETED" {
            audit_trail_url(&state, &doc, until).await?;
            Some(b64(state.blobs.get(&audit_key(&doc.id)).await?))
        } else {
            None
        };
        (vec![file], audit)
    } else {
        let audit = if doc.status == "COMPLETED" {
            Some(audit_trail_url(&state, &doc, until).await?)
        } else {
            None
        };
        (vec![signed_url(&state, &current, until)], audit)
    };
    Ok(ok(json!({
        "documentId": doc.id,
        "irn": doc.irn,
        "status": doc.status,
        "requests": requests,
        "files": files,
        "auditTrail": audit,
        // Certificate data of certificate-based signatures; VIRTUAL_SIGN has none.
        "signers": [],
    })))
}

pub async fn get_sign_request_status_v30(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    sign_request_status(state, &account.id, params, true).await
}

pub async fn get_sign_request_status_v32(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    sign_request_status(state, &account.id, params, false).await
}

/// `GET /api/v3.0/sign/request/list`: the account's documents, newest first.
pub async fn list_sign_requests(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Query(params): Query<Params>,
) -> Result<axum::Json<Value>, ApiError> {
    // Leegality's rule: default 20, and anything above 40 falls back to 20.
    let max = match params.get("max").map(|m| m.parse::<i64>()) {
        None => 20,
        Some(Ok(m)) if (1..=40).contains(&m) => m,
        Some(Ok(_)) => 20,
        Some(Err(_)) => return Err(ApiError::new("max.invalid", "max: a number from 1 to 40")),
    };
    let offset = match params.get("offset").map(|o| o.parse::<i64>()) {
        None => 0,
        Some(Ok(o)) if o >= 0 => o,
        _ => return Err(ApiError::new("offset.invalid", "offset: a number from 0")),
    };
    let status = match params
        .get("status")
        .map(|s| s.to_uppercase())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) if ["DRAFT", "SENT", "COMPLETED", "EXPIRED"].contains(&s.as_str()) => Some(s),
        Some(_) => {
            return Err(ApiError::new(
                "status.invalid",
                "status: DRAFT, SENT, COMPLETED or EXPIRED",
            ));
        }
    };
    let query = params.get("q").map(|q| q.trim()).filter(|q| !q.is_empty());
    let (docs, total) = state
        .store
        .list_documents(&account.id, status.as_deref(), query, max, offset)
        .await?;
    let documents: Vec<Value> = docs
        .iter()
        .map(|d| {
            json!({"name": d.name, "documentId": d.id, "irn": d.irn, "folderId": Value::Null,
                   "folderName": Value::Null, "status": d.status})
        })
        .collect();
    Ok(ok(json!({"total": total, "documents": documents})))
}
