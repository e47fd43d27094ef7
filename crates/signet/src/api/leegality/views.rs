//! What the document-reading endpoints answer, as typed values serialized straight into the
//! response body. Details is what clients poll; built as a `serde_json::Value` tree it cost a
//! map insertion and an allocation or two per field, and a copy of every value moved from one
//! tree into another.
//!
//! Opt-in fields are `Option`s skipped when `None`: a flag that asks for a field makes it
//! `Some`, and `Some(None)` (or `Some(())`) is how a field asked for but empty says `null`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::signature_type::SignatureType;
use crate::domain::status::{DocumentStatus, InvitationStatus as Status};
use crate::domain::workflow::InviteeSlot;

use crate::api::query::{flag, given_flag};

/// `data.invitations[]` of details v3.3 and v3.1.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub invitee_type: &'static str,
    pub sign_url: String,
    pub invitation_url: String,
    pub allowed_signatures: Option<&'a [SignatureType]>,
    pub used_signature_type: Option<SignatureType>,
    pub active: bool,
    pub signed: bool,
    pub rejected: bool,
    pub expired: bool,
    pub sign_date: Option<String>,
    pub invitation_status: InvitationStatus<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitee_configs: Option<Option<&'a InviteeSlot>>,
    // Certificate data and its verification exist for certificate-based signatures; a
    // VIRTUAL_SIGN invitation has none, and says so with null rather than invented values.
    // Each is JSON the store holds as written when the certificate was judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_data: Option<Option<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_request: Option<Option<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_response: Option<Option<serde_json::Value>>,
    /// Shown in `requests[]`, not here: what became of the invitation (`Expired` once due,
    /// before the sweeper has seen it) and whether it was deleted.
    #[serde(skip)]
    pub status: Status,
    #[serde(skip)]
    pub deleted: bool,
}

/// `invitations[].invitationStatus`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationStatus<'a> {
    pub active: bool,
    pub signed: bool,
    pub reviewed: bool,
    pub approved: bool,
    pub rejected: bool,
    pub expired: bool,
    pub creation_date: String,
    pub expiry_date: String,
    pub sign_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_message: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_rejection_message: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<()>,
}

/// `requests[]`: an invitation as the status and list-style answers summarise it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub sign_url: &'a str,
    pub active: bool,
    pub signed: bool,
    pub rejected: bool,
    pub expired: bool,
    pub expiry_date: &'a str,
    pub deleted: bool,
    pub status: &'static str,
    /// Reactivation's answer names the signature each invitee used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_type: Option<Option<SignatureType>>,
}

impl<'a> Request<'a> {
    pub fn of(inv: &'a Invitation<'a>) -> Request<'a> {
        // What an invitation did outlives its deletion; an approval is shown as pending
        // here (its `invitationStatus.approved` says it), as it always was.
        let status = match inv.status {
            Status::Signed | Status::Rejected => inv.status.as_str(),
            _ if inv.deleted => "DELETED",
            Status::Expired => inv.status.as_str(),
            Status::Pending | Status::Approved => Status::Pending.as_str(),
        };
        Request {
            name: inv.name,
            email: inv.email,
            phone: inv.phone,
            sign_url: &inv.sign_url,
            active: inv.active,
            signed: inv.signed,
            rejected: inv.rejected,
            expired: inv.expired,
            expiry_date: &inv.invitation_status.expiry_date,
            deleted: inv.deleted,
            status,
            sign_type: None,
        }
    }
}

/// `data` of details v3.3 and v3.1.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Details<'a> {
    pub document_id: &'a str,
    pub irn: Option<&'a str>,
    pub document_status: String,
    pub document: Document<'a>,
    pub requests: Vec<Request<'a>>,
    pub invitations: &'a [Invitation<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_trail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<()>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountNames<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<Sender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folders: Option<[(); 0]>,
    /// Stamp papers are a later capability (API.md section 8): no document carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamp_details: Option<[(); 0]>,
    /// With `neslDocumentDetails`: Leegality's view of the NeSL data (`null` for a document
    /// sent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nesl_document_details: Option<Value>,
    /// With `neslDocumentDetails`: `neslData` whole, as checked and stored, for the members
    /// Leegality's view has no place for at the document's level (`participants`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nesl_data: Option<Value>,
}

/// `data.document` of details v3.3 and v3.1.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub irn: Option<&'a str>,
    pub status: DocumentStatus,
    pub deleted: bool,
    pub creation_date: String,
    pub completion_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_on_complete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_deletion_date: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_signing_order: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_signing_order: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<Option<&'a str>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub sub_type: (),
    pub profile_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountNames<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub brand_name: &'a str,
}

#[derive(Serialize)]
pub struct Sender {
    pub name: String,
}

/// The opt-in flags of details (API.md section 4), from its query.
#[derive(Default, Clone, Copy)]
pub struct Flags {
    pub rejection_message: bool,
    pub failure_reason: bool,
    pub invitee_configs: bool,
    pub certificate_data: bool,
    pub verification_request: bool,
    pub verification_response: bool,
    pub delete_on_complete: bool,
    pub scheduled_deletion_date: bool,
    pub signing_order: bool,
    pub profile_id: bool,
    pub custom_message: bool,
    pub file: bool,
    pub audit_trail: bool,
    pub workflow: bool,
    pub template: bool,
    pub account: bool,
    pub sender: bool,
    pub folder: bool,
    pub stamp_details: bool,
    pub nesl: NeslFlags,
}

/// `neslDocumentDetails` and the children that add its lists.
#[derive(Clone, Copy, Default)]
pub struct NeslFlags {
    pub asked: bool,
    pub security_details: bool,
    pub stamp_details: bool,
}

/// The query of details, every version: the document and the opt-in flags of API.md section
/// 4 (v3.3, v3.1) and of the flat v3.0. Each name a client may write is a field of its own, so
/// a flag and its alias may both be given; either asks.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailsQuery {
    #[serde(rename = "documentId")]
    pub document_id: Option<String>,
    #[serde(
        rename = "invitations_invitationStatus_rejectionMessage",
        deserialize_with = "flag"
    )]
    rejection_message: bool,
    #[serde(
        rename = "invitations_invitationStatus_signRejectionMessage",
        deserialize_with = "flag"
    )]
    sign_rejection_message: bool,
    #[serde(
        rename = "invitations_invitationStatus_failureReason",
        deserialize_with = "flag"
    )]
    status_failure_reason: bool,
    #[serde(rename = "invitations_inviteeConfigs", deserialize_with = "flag")]
    invitee_configs: bool,
    #[serde(rename = "invitations_certificateData", deserialize_with = "flag")]
    certificate_data: bool,
    #[serde(rename = "invitations_verificationRequest", deserialize_with = "flag")]
    verification_request: bool,
    #[serde(rename = "invitations_verificationResponse", deserialize_with = "flag")]
    invitations_verification_response: bool,
    #[serde(rename = "document_deleteOnComplete", deserialize_with = "flag")]
    delete_on_complete: bool,
    #[serde(rename = "document_scheduledDeletionDate", deserialize_with = "flag")]
    scheduled_deletion_date: bool,
    #[serde(rename = "document_requireSigningOrder", deserialize_with = "flag")]
    require_signing_order: bool,
    #[serde(rename = "document_requestSigningOrder", deserialize_with = "flag")]
    request_signing_order: bool,
    #[serde(rename = "document_profileId", deserialize_with = "flag")]
    profile_id: bool,
    #[serde(rename = "document_customMessage", deserialize_with = "flag")]
    custom_message: bool,
    /// v3.0 sends the file unless `file` is given and not true.
    #[serde(deserialize_with = "given_flag")]
    pub file: Option<bool>,
    #[serde(rename = "auditTrail", deserialize_with = "flag")]
    pub audit_trail: bool,
    #[serde(deserialize_with = "flag")]
    workflow: bool,
    #[serde(deserialize_with = "flag")]
    workflow_name: bool,
    #[serde(deserialize_with = "flag")]
    template: bool,
    #[serde(deserialize_with = "flag")]
    account: bool,
    #[serde(deserialize_with = "flag")]
    account_name: bool,
    #[serde(deserialize_with = "flag")]
    sender: bool,
    #[serde(deserialize_with = "flag")]
    sender_name: bool,
    #[serde(deserialize_with = "flag")]
    folder: bool,
    #[serde(deserialize_with = "flag")]
    folder_name: bool,
    #[serde(rename = "stampDetails", deserialize_with = "flag")]
    stamp_details: bool,
    #[serde(rename = "neslDocumentDetails", deserialize_with = "flag")]
    nesl_document_details: bool,
    #[serde(
        rename = "neslDocumentDetails_securityDetails",
        deserialize_with = "flag"
    )]
    nesl_security_details: bool,
    #[serde(rename = "neslDocumentDetails_stampDetails", deserialize_with = "flag")]
    nesl_stamp_details: bool,
    /// v3.0's flat names.
    #[serde(rename = "failureReason", deserialize_with = "flag")]
    pub failure_reason: bool,
    #[serde(rename = "verificationResponse", deserialize_with = "flag")]
    pub verification_response: bool,
    #[serde(deserialize_with = "flag")]
    pub attachments: bool,
}

impl Flags {
    pub fn of(q: &DetailsQuery) -> Flags {
        Flags {
            rejection_message: q.rejection_message || q.sign_rejection_message,
            failure_reason: q.status_failure_reason,
            invitee_configs: q.invitee_configs,
            certificate_data: q.certificate_data,
            verification_request: q.verification_request,
            verification_response: q.invitations_verification_response,
            delete_on_complete: q.delete_on_complete,
            scheduled_deletion_date: q.scheduled_deletion_date,
            signing_order: q.require_signing_order || q.request_signing_order,
            profile_id: q.profile_id,
            custom_message: q.custom_message,
            file: q.file == Some(true),
            audit_trail: q.audit_trail,
            workflow: q.workflow || q.workflow_name,
            template: q.template,
            account: q.account || q.account_name,
            sender: q.sender || q.sender_name,
            folder: q.folder || q.folder_name,
            stamp_details: q.stamp_details,
            // A child flag works only with its parent, as Leegality's do.
            nesl: NeslFlags {
                asked: q.nesl_document_details,
                security_details: q.nesl_document_details && q.nesl_security_details,
                stamp_details: q.nesl_document_details && q.nesl_stamp_details,
            },
        }
    }
}
