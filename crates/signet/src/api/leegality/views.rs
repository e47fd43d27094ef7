//! What the document-reading endpoints answer, as typed values serialized straight into the
//! response body. Details is what clients poll; built as a `serde_json::Value` tree it cost a
//! map insertion and an allocation or two per field, and a copy of every value moved from one
//! tree into another.
//!
//! Opt-in fields are `Option`s skipped when `None`: a flag that asks for a field makes it
//! `Some`, and `Some(None)` (or `Some(())`) is how a field asked for but empty says `null`.

use serde::Serialize;

use crate::domain::signature_type::SignatureType;
use crate::domain::status::{DocumentStatus, InvitationStatus as Status};
use crate::domain::workflow::InviteeSlot;

use super::details::Params;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_data: Option<()>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_request: Option<Option<&'a serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_response: Option<()>,
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

/// The opt-in flags of details (API.md section 4), read from the query once.
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
}

/// Booleans in queries: `true`, `TRUE` and `1` are true; anything else false.
pub fn is_true(value: &str) -> bool {
    value.eq_ignore_ascii_case("true") || value == "1"
}

impl Flags {
    pub fn of(params: &Params) -> Flags {
        let mut f = Flags::default();
        for (key, value) in params {
            if !is_true(value) {
                continue;
            }
            let set = match key.as_str() {
                "invitations_invitationStatus_rejectionMessage"
                | "invitations_invitationStatus_signRejectionMessage" => &mut f.rejection_message,
                "invitations_invitationStatus_failureReason" => &mut f.failure_reason,
                "invitations_inviteeConfigs" => &mut f.invitee_configs,
                "invitations_certificateData" => &mut f.certificate_data,
                "invitations_verificationRequest" => &mut f.verification_request,
                "invitations_verificationResponse" => &mut f.verification_response,
                "document_deleteOnComplete" => &mut f.delete_on_complete,
                "document_scheduledDeletionDate" => &mut f.scheduled_deletion_date,
                "document_requireSigningOrder" | "document_requestSigningOrder" => {
                    &mut f.signing_order
                }
                "document_profileId" => &mut f.profile_id,
                "document_customMessage" => &mut f.custom_message,
                "file" => &mut f.file,
                "auditTrail" => &mut f.audit_trail,
                "workflow" | "workflow_name" => &mut f.workflow,
                "template" => &mut f.template,
                "account" | "account_name" => &mut f.account,
                "sender" | "sender_name" => &mut f.sender,
                "folder" | "folder_name" => &mut f.folder,
                "stampDetails" => &mut f.stamp_details,
                _ => continue,
            };
            *set = true;
        }
        f
    }
}
