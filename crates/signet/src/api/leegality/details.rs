//! `GET /api/v3.3/document/details` and `fetchDocument`: what clients poll to follow a
//! document and to download its files.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::files::signed_url;
use crate::api::{ApiAccount, ApiError, ApiQuery, ok, ok_typed};
use crate::domain::nesl::NeslData;
use crate::domain::status::{DocumentStatus, InvitationStatus};
use crate::domain::verification::VerificationResults;
use crate::domain::workflow::{InviteeType, Workflow};
use crate::pdf_budget::Lease;
use crate::service::Actor;
use crate::service::lifecycle::{account_document, document_id, no_document, workflow_of};
use crate::service::seal::{audit_key, sealed_audit_trail};
use crate::state::AppState;
use crate::store::{Account, CompletedQuery, DocumentRow, InvitationRow, Search};

use super::views::{self, DetailsQuery, Flags};

/// The query of the endpoints that name one document.
#[derive(Deserialize)]
pub struct DocumentQuery {
    #[serde(rename = "documentId")]
    pub document_id: Option<String>,
}

/// `fetchDocument`'s query.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchQuery {
    document_id: Option<String>,
    document_download_type: Option<String>,
}

/// The completed list's query: a page, and narrowed by name, irn and completion dates.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletedListQuery {
    max: Option<String>,
    offset: Option<String>,
    name: Option<String>,
    irn: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
}

/// The document list's query: a page, narrowed by status and a search.
#[derive(Deserialize)]
pub struct ListQuery {
    max: Option<String>,
    offset: Option<String>,
    status: Option<String>,
    q: Option<String>,
}

/// The document named by `documentId` (deleted ones included) with its invitations, in one
/// query.
async fn load_with_invitations(
    state: &AppState,
    account_id: &str,
    document_id: Option<&str>,
) -> Result<(DocumentRow, Vec<InvitationRow>), ApiError> {
    let id = self::document_id(document_id)?;
    Ok(state
        .store
        .document_with_invitations(account_id, id.as_str())
        .await?
        .ok_or_else(|| no_document(id.as_str()))?)
}

/// The document named by `documentId`, if not deleted.
async fn load(
    state: &AppState,
    account: &Account,
    document_id: Option<&str>,
) -> Result<DocumentRow, ApiError> {
    let id = self::document_id(document_id)?;
    Ok(account_document(state, &Actor::Api(account), &id).await?)
}

/// Who sent the document: the dashboard user, or the account for the API's own sends.
fn sender_name(doc: &DocumentRow, account: &Account) -> String {
    doc.sender_name
        .clone()
        .unwrap_or_else(|| format!("{} (API)", account.name))
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
    let key = sealed_audit_trail(state, doc).await?;
    Ok(signed_url(state, &key, until))
}

/// An invitation as details v3.3 and v3.1 show it; `flags` adds the opt-in groups.
pub(super) fn invitation_view<'a>(
    state: &AppState,
    i: &'a InvitationRow,
    w: &'a Workflow,
    flags: &Flags,
) -> views::Invitation<'a> {
    let zone = state.zone;
    let slot = w.invitees.get(i.slot as usize);
    let is_signer = slot.is_some_and(|s| s.invitee_type == InviteeType::Signer);
    let expired = match i.status {
        InvitationStatus::Expired => true,
        InvitationStatus::Pending => state.clock.now_ms() > i.expires_at,
        _ => false,
    };
    let sign_url = format!("{}/sign/{}", state.config.public_url(), i.id);
    let active = i.active && !expired && !i.deleted;
    let sign_date = || {
        i.signed_at
            .filter(|_| i.status.acted())
            .map(|m| zone.time(m))
    };
    let rejection_message = flags
        .rejection_message
        .then_some(i.rejection_message.as_deref());
    views::Invitation {
        name: &i.name,
        email: i.email.as_deref().unwrap_or_default(),
        phone: i.phone.as_deref().unwrap_or_default(),
        invitee_type: if is_signer { "Signer" } else { "Reviewer" },
        invitation_url: sign_url.clone(),
        sign_url,
        allowed_signatures: slot.map(|s| {
            if is_signer {
                s.signature_types.as_slice()
            } else {
                &[]
            }
        }),
        used_signature_type: i.signature_type,
        active,
        signed: i.status == InvitationStatus::Signed,
        rejected: i.status == InvitationStatus::Rejected,
        expired,
        sign_date: sign_date(),
        invitation_status: views::InvitationStatus {
            active,
            signed: i.status == InvitationStatus::Signed,
            reviewed: i.status == InvitationStatus::Approved
                || (!is_signer && i.status == InvitationStatus::Rejected),
            approved: i.status == InvitationStatus::Approved,
            rejected: i.status == InvitationStatus::Rejected,
            expired,
            creation_date: zone.time(i.created_at),
            expiry_date: zone.time(i.expires_at),
            sign_date: sign_date(),
            rejection_message,
            sign_rejection_message: rejection_message,
            failure_reason: flags.failure_reason.then_some(()),
        },
        invitee_configs: flags.invitee_configs.then_some(slot),
        certificate_data: flags
            .certificate_data
            .then(|| stored_json(i.certificate_data.as_deref())),
        verification_request: flags
            .verification_request
            .then(|| stored_json(i.verification_request.as_deref())),
        verification_response: flags
            .verification_response
            .then(|| stored_response(i.verification_response.as_deref())),
        status: if expired {
            InvitationStatus::Expired
        } else {
            i.status
        },
        deleted: i.deleted,
    }
}

/// A JSON column as the value it holds; one that does not read is shown as absent rather
/// than failing the whole answer (the store writes these columns from typed values only).
fn stored_json(column: Option<&str>) -> Option<Value> {
    column.and_then(|c| serde_json::from_str(c).ok())
}

/// The stored verification results (`VerificationResults`, which also keep the smart-name
/// threshold) as details' `verificationResponse`, whose fields are Leegality's.
fn stored_response(column: Option<&str>) -> Option<Value> {
    let results: VerificationResults = serde_json::from_str(column?).ok()?;
    serde_json::to_value(results.response()).ok()
}

/// Every invitation's view, in slot order.
pub(super) fn invitation_views<'a>(
    state: &AppState,
    rows: &'a [InvitationRow],
    workflow: &'a Workflow,
    flags: &Flags,
) -> Vec<views::Invitation<'a>> {
    rows.iter()
        .map(|i| invitation_view(state, i, workflow, flags))
        .collect()
}

/// `requests[]`: one per invitation.
pub(super) fn requests<'a>(views: &'a [views::Invitation<'a>]) -> Vec<views::Request<'a>> {
    views.iter().map(views::Request::of).collect()
}

/// How a details answer carries files: v3.3 as short-lived URLs, v3.1 and v3.0 as base64.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileForm {
    Url,
    Base64,
}

/// The files of an answer: the current file and the audit trail, and for base64 the share
/// of the PDF budget they hold until the answer is written.
struct Files {
    file: Option<String>,
    audit: Option<String>,
    _lease: Option<Lease>,
}

/// The current file (absent once deleted) and, when completed, the audit trail, in `form`.
async fn files_of(
    state: &AppState,
    doc: &DocumentRow,
    form: FileForm,
    want_file: bool,
    want_audit: bool,
) -> Result<Files, ApiError> {
    use base64::Engine;
    let until = state.clock.now_ms() + state.config.file_url_ttl.as_millis() as i64;
    let want_file = want_file && !doc.deleted;
    let audit_url = if want_audit && doc.status == DocumentStatus::Completed {
        Some(audit_trail_url(state, doc, until).await?)
    } else {
        None
    };
    if form == FileForm::Url {
        return Ok(Files {
            file: want_file.then(|| signed_url(state, &doc.file_key, until)),
            audit: audit_url,
            _lease: None,
        });
    }
    let mut keys = Vec::new();
    if want_file {
        keys.push(doc.file_key.clone());
    }
    if audit_url.is_some() {
        keys.push(audit_key(&doc.id));
    }
    if keys.is_empty() {
        return Ok(Files {
            file: None,
            audit: None,
            _lease: None,
        });
    }
    let mut total = 0usize;
    for key in &keys {
        total = total.saturating_add(state.blobs.size(key).await? as usize);
    }
    let lease = state.pdf.reserve(state.pdf.encode_cost(total)).await;
    let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(bytes);
    let file = match want_file {
        true => Some(b64(state.blobs.get(&doc.file_key).await?)),
        false => None,
    };
    let audit = match audit_url {
        Some(_) => Some(b64(state.blobs.get(&audit_key(&doc.id)).await?)),
        None => None,
    };
    Ok(Files {
        file,
        audit,
        _lease: Some(lease),
    })
}

/// Details as v3.3 and v3.1 shape them, every opt-in group of API.md section 4, as the
/// response body.
async fn details(
    state: &AppState,
    account: &Account,
    query: &DetailsQuery,
    form: FileForm,
) -> Result<Response, ApiError> {
    let flags = Flags::of(query);
    let (doc, rows) =
        load_with_invitations(state, &account.id, query.document_id.as_deref()).await?;
    let zone = state.zone;
    let workflow = workflow_of(&rows)?;
    let Files {
        file,
        audit: audit_trail,
        _lease: _held,
    } = files_of(state, &doc, form, flags.file, flags.audit_trail).await?;
    let invitations = invitation_views(state, &rows, &workflow, &flags);
    let (nesl_document_details, nesl_data) = match flags.nesl.asked {
        true => nesl_views(state, &doc.id, flags.nesl).await?,
        false => (None, None),
    };
    let signing_order = flags
        .signing_order
        .then_some(workflow.require_signing_order);
    let data = views::Details {
        document_id: &doc.id,
        irn: doc.irn.as_deref(),
        document_status: title_case(doc.status.as_str()),
        document: views::Document {
            id: &doc.id,
            name: &doc.name,
            irn: doc.irn.as_deref(),
            status: doc.status,
            deleted: doc.deleted,
            creation_date: zone.time(doc.created_at),
            completion_date: doc.completed_at.map(|c| zone.time(c)),
            delete_on_complete: flags
                .delete_on_complete
                .then_some(workflow.delete_on_complete),
            scheduled_deletion_date: flags
                .scheduled_deletion_date
                .then(|| doc.delete_at.map(|at| zone.time(at))),
            require_signing_order: signing_order,
            request_signing_order: signing_order,
            profile_id: flags.profile_id.then_some(doc.profile_id.as_str()),
            custom_message: flags.custom_message.then_some(workflow.message.as_deref()),
        },
        requests: requests(&invitations),
        invitations: &invitations,
        files: flags.file.then(|| file.iter().cloned().collect()),
        file: flags.file.then_some(file),
        audit_trail,
        workflow: flags.workflow.then_some(views::Workflow {
            name: &workflow.name,
            kind: workflow.kind.as_str(),
            sub_type: (),
            profile_id: &doc.profile_id,
        }),
        template: flags.template.then_some(()),
        account: flags.account.then_some(views::AccountNames {
            name: &account.name,
            label: &account.name,
            brand_name: &account.name,
        }),
        sender: flags.sender.then(|| views::Sender {
            name: sender_name(&doc, account),
        }),
        folders: flags.folder.then_some([]),
        stamp_details: flags.stamp_details.then_some([]),
        nesl_document_details,
        nesl_data,
    };
    Ok(ok_typed(&data))
}

/// The document's NeSL data as details show it: Leegality's `neslDocumentDetails` (the loan as
/// `loanDetails`; `securityDetails` and `stampDetails` with their child flags; `transactionId`
/// null, as no NeSL adapter has registered the document) and `neslData` as stored. Both `null`
/// for a document sent without NeSL data.
async fn nesl_views(
    state: &AppState,
    document_id: &str,
    flags: views::NeslFlags,
) -> Result<(Option<Value>, Option<Value>), ApiError> {
    let Some(stored) = state.store.nesl_data(document_id).await? else {
        return Ok((Some(Value::Null), Some(Value::Null)));
    };
    let nesl: NeslData = serde_json::from_str(&stored)
        .map_err(|e| ApiError::internal(format!("document {document_id}: stored neslData: {e}")))?;
    let mut details = json!({
        "transactionId": null,
        "loanDetails": nesl.document_detail,
    });
    if flags.security_details {
        details["securityDetails"] = json!(nesl.nesl_securities);
    }
    // Leegality shows one stamp entry as an object; a document may carry several, so the
    // list is kept.
    if flags.stamp_details {
        details["stampDetails"] = json!(nesl.stamp_data);
    }
    Ok((Some(details), Some(json!(nesl))))
}

/// `GET /api/v3.3/document/details`: files as short-lived URLs.
pub async fn get_document_details(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<DetailsQuery>,
) -> Result<Response, ApiError> {
    details(&state, &account, &query, FileForm::Url).await
}

/// `GET /api/v3.1/document/details`: the same flags, files as base64.
pub async fn get_document_details_v31(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<DetailsQuery>,
) -> Result<Response, ApiError> {
    details(&state, &account, &query, FileForm::Base64).await
}

/// `GET /api/v3.0/document/details`: the old flat shape, with the file as base64 unless
/// `file=false`.
pub async fn get_document_details_v30(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<DetailsQuery>,
) -> Result<Response, ApiError> {
    let (doc, invitations) =
        load_with_invitations(&state, &account.id, query.document_id.as_deref()).await?;
    let time = |ms: Option<i64>| ms.map(|m| state.zone.time(m));
    let workflow = workflow_of(&invitations)?;
    let want_file = query.file.unwrap_or(true);
    let Files {
        file,
        audit,
        _lease: _held,
    } = files_of(&state, &doc, FileForm::Base64, want_file, query.audit_trail).await?;
    let invs: Vec<Value> = invitations
        .iter()
        .map(|i| {
            let nested = invitation_view(&state, i, &workflow, &Flags::default());
            let mut flat = json!({
                "name": nested.name, "email": nested.email, "phone": nested.phone,
                "signUrl": nested.sign_url, "active": nested.active, "signed": nested.signed,
                "rejected": nested.rejected, "expired": nested.expired,
                "creationDate": nested.invitation_status.creation_date,
                "expiryDate": nested.invitation_status.expiry_date,
                "signDate": nested.sign_date, "signType": i.signature_type,
            });
            if query.failure_reason {
                flat["failureReason"] = Value::Null;
            }
            if query.verification_response {
                flat["verificationResponse"] =
                    stored_response(i.verification_response.as_deref()).unwrap_or(Value::Null);
            }
            if query.attachments {
                flat["attachments"] = json!([]);
            }
            flat
        })
        .collect();
    let mut data = json!({
        "file": file,
        "documentId": doc.id,
        "documentName": doc.name,
        "workflowId": doc.profile_id,
        "workflowName": workflow.name,
        "irn": doc.irn,
        "status": doc.status,
        "creationDate": time(Some(doc.created_at)),
        "completionDate": time(doc.completed_at),
        "deletionDate": time(doc.deleted_at),
        "senderName": sender_name(&doc, &account),
        "senderUsername": account.id,
        "folders": [],
        "stamp": [],
        "invitations": invs,
    });
    if let Some(audit) = audit {
        data["auditTrail"] = audit.into();
    }
    if query.attachments {
        data["attachments"] = json!([]);
    }
    // Written while the files' share of the budget is held.
    Ok(ok(data).into_response())
}

/// Leegality's paging rule: `max` defaults to 20 and anything above 40 falls back to 20.
fn page(max: Option<&str>, offset: Option<&str>) -> Result<(i64, i64), ApiError> {
    let max = match max.map(|m| m.parse::<i64>()) {
        None => 20,
        Some(Ok(m)) if (1..=40).contains(&m) => m,
        Some(Ok(m)) if m > 40 => 20,
        _ => return Err(ApiError::new("max.invalid", "max: a number from 1 to 40")),
    };
    let offset = match offset.map(|o| o.parse::<i64>()) {
        None => 0,
        Some(Ok(o)) if o >= 0 => o,
        _ => return Err(ApiError::new("offset.invalid", "offset: a number from 0")),
    };
    Ok((max, offset))
}

/// A `dd-MM-yyyy` query date as the first (or, with `end_of_day`, the last) millisecond of
/// that day in the server's zone.
fn query_date(
    value: Option<&str>,
    key: &str,
    offset: time::UtcOffset,
    end_of_day: bool,
) -> Result<Option<i64>, ApiError> {
    let Some(text) = value.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let format = time::macros::format_description!("[day]-[month]-[year]");
    let day = time::Date::parse(text, format).map_err(|_| {
        ApiError::new(
            "date.invalid",
            format!("{key}: a date as dd-MM-yyyy, not {text:?}"),
        )
    })?;
    let start = day.midnight().assume_offset(offset).unix_timestamp() * 1000;
    Ok(Some(if end_of_day {
        start + 86_400_000 - 1
    } else {
        start
    }))
}

/// `GET /api/v3.0/document/completed`: completed documents, oldest completion first.
pub async fn list_completed(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<CompletedListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let (max, offset) = page(query.max.as_deref(), query.offset.as_deref())?;
    let zone = state.zone;
    fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let q = CompletedQuery {
        account_id: &account.id,
        name: text(&query.name),
        irn: text(&query.irn),
        completed_from: query_date(
            query.start_date.as_deref(),
            "startDate",
            zone.offset(),
            false,
        )?,
        completed_until: query_date(query.end_date.as_deref(), "endDate", zone.offset(), true)?,
        limit: max,
        offset,
    };
    let (docs, total) = state.store.completed_documents(&q).await?;
    let documents: Vec<Value> = docs
        .iter()
        .map(|d| {
            json!({"documentId": d.id, "documentName": d.name, "irn": d.irn, "folderId": Value::Null,
                   "folderName": Value::Null, "dateCreated": zone.time(d.created_at),
                   "completionDate": d.completed_at.map(|c| zone.time(c))})
        })
        .collect();
    // Both names: older docs say `totalCount`, newer excerpts `total`.
    Ok(ok(
        json!({"documents": documents, "totalCount": total, "total": total}),
    ))
}

/// The one download type of `documentDownloadType`, refusing none or several.
fn download_type(t: Option<&str>) -> Result<&str, ApiError> {
    let t = t.unwrap_or("DOCUMENT");
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
    ApiQuery(query): ApiQuery<FetchQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let doc = load(&state, &account, query.document_id.as_deref()).await?;
    let kind = download_type(query.document_download_type.as_deref())?;
    if doc.status != DocumentStatus::Completed {
        return Err(ApiError::new(
            "no.document.found",
            "the document is not completed yet",
        ));
    }
    let until = state.clock.now_ms() + state.config.file_url_ttl.as_millis() as i64;
    let url = match kind {
        "AUDIT_TRAIL" => audit_trail_url(&state, &doc, until).await?,
        _ => signed_url(&state, &doc.file_key, until),
    };
    Ok(ok(json!({"file": url})))
}

/// v3.1: the bytes themselves.
pub async fn fetch_document_bytes(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<FetchQuery>,
) -> Result<Response, ApiError> {
    let doc = load(&state, &account, query.document_id.as_deref()).await?;
    let kind = download_type(query.document_download_type.as_deref())?;
    let key = match kind {
        "AUDIT_TRAIL" if doc.status != DocumentStatus::Completed => {
            return Err(ApiError::new(
                "no.document.found",
                "the audit trail exists once the document is completed",
            ));
        }
        "AUDIT_TRAIL" => {
            let until = state.clock.now_ms() + 1000;
            audit_trail_url(&state, &doc, until).await?;
            audit_key(&doc.id)
        }
        _ => doc.file_key.clone(),
    };
    crate::api::files::pdf_answer(&state.blobs, &key).await
}

/// `GET /api/v3.0/sign/request` (files as base64) and `/api/v3.2/sign/request` (files as
/// URLs): the transaction status.
async fn sign_request_status(
    state: AppState,
    account: &Account,
    query: DocumentQuery,
    inline_files: bool,
) -> Result<Response, ApiError> {
    let doc = load(&state, account, query.document_id.as_deref()).await?;
    let invitations = state.store.invitations_of(&doc.id).await?;
    let workflow = workflow_of(&invitations)?;
    let shown = invitation_views(&state, &invitations, &workflow, &Flags::default());
    let form = if inline_files {
        FileForm::Base64
    } else {
        FileForm::Url
    };
    let Files {
        file,
        audit,
        _lease: _held,
    } = files_of(&state, &doc, form, true, true).await?;
    let files: Vec<String> = file.into_iter().collect();
    Ok(ok(json!({
        "documentId": doc.id,
        "irn": doc.irn,
        "status": doc.status,
        "requests": requests(&shown),
        "files": files,
        "auditTrail": audit,
        "signers": signers(&invitations, &shown),
    }))
    .into_response())
}

/// `signers[]`: every invitee who signed with a certificate, with what it said and how it
/// fared; VIRTUAL_SIGN signatures carry no certificate of the signer's and are not listed.
fn signers(rows: &[InvitationRow], shown: &[views::Invitation<'_>]) -> Vec<Value> {
    rows.iter()
        .zip(shown)
        .filter_map(|(i, v)| {
            let data = stored_json(i.certificate_data.as_deref())?;
            Some(json!({
                "name": i.name,
                "email": v.email,
                "phone": v.phone,
                "signUrl": v.sign_url,
                "signType": i.signature_type,
                "signed": v.signed,
                "signDate": v.sign_date,
                "certificateData": data,
                "verificationResponse": stored_response(i.verification_response.as_deref()),
            }))
        })
        .collect()
}

pub async fn get_sign_request_status_v30(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    sign_request_status(state, &account, query, true).await
}

pub async fn get_sign_request_status_v32(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    sign_request_status(state, &account, query, false).await
}

/// `GET /api/v3.0/sign/request/list`: the account's documents, newest first.
pub async fn list_sign_requests(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let (max, offset) = page(query.max.as_deref(), query.offset.as_deref())?;
    let status = match query
        .status
        .as_deref()
        .map(|s| s.to_uppercase())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => match s.parse::<DocumentStatus>() {
            Ok(status) => Some(status),
            Err(_) => {
                return Err(ApiError::new(
                    "status.invalid",
                    "status: DRAFT, SENT, COMPLETED or EXPIRED",
                ));
            }
        },
    };
    let search = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|text| Search {
            text,
            invitee_email: false,
        });
    let (docs, total) = state
        .store
        .list_documents(&account.id, status, search, max, offset)
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
