//! What happens to a document, once: each kind of event names its action and details as the
//! audit trail records them, and the webhook it causes. Whoever records an event (a service,
//! the store's sweep, the completion under the document's lock) describes it with an
//! [`EventKind`] instead of writing the words itself, so the trail reads the same whichever
//! entry point acted.

use super::document::invitee_type_name;
use super::signature_type::SignatureType;
use super::workflow::InviteeType;

/// The invitation events that cause webhooks (API.md section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookEvent {
    Signed,
    Approved,
    Rejected,
    /// A certificate-based signature whose checks failed: the invitation is terminated.
    VerificationFailed,
    Expired,
}

impl WebhookEvent {
    pub fn name(self) -> &'static str {
        match self {
            WebhookEvent::Signed => "signed",
            WebhookEvent::Approved => "approved",
            WebhookEvent::Rejected => "rejected",
            WebhookEvent::VerificationFailed => "verification_failed",
            WebhookEvent::Expired => "expired",
        }
    }
}

/// One check of a signer's certificate against what the request asked to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationCheck {
    /// `name`, `smartName`, `pincode`, `state`, `title`, `yob` or `gender`.
    pub check: String,
    pub passed: bool,
    /// The match score of `smartName` (0–100).
    pub score: Option<i64>,
}

/// Who the audit trail names for the server's own events.
pub const SIGNET: &str = "Signet";

/// An event of a document's log.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind<'a> {
    DocumentCreated {
        name: &'a str,
        original_sha256: &'a str,
    },
    /// The upload's cross-reference data was rewritten before any signature.
    FileRepaired,
    DocumentSent {
        invitees: &'a [(&'a str, InviteeType)],
    },
    /// `slot` counts from 0.
    Signed {
        signature_type: SignatureType,
        slot: i64,
    },
    Approved,
    /// May have an empty reason.
    Rejected {
        reason: &'a str,
    },
    /// `to` is the address, masked.
    CodeSent {
        to: &'a str,
    },
    /// Every invitation signed or approved.
    Completed,
    /// The account completed it before every invitation acted.
    CompletedByAccount,
    InvitationExpired {
        name: &'a str,
    },
    /// No invitation was left open.
    DocumentExpired,
    DocumentDeleted,
    InvitationDeleted {
        name: &'a str,
    },
    /// `until` is the new expiry as the trail shows times.
    Reactivated {
        until: &'a str,
    },
    ActivatedOutOfOrder {
        name: &'a str,
    },
    InvitationResent {
        name: &'a str,
    },
    /// The signer's certificate failed some of these checks: the invitation is terminated.
    /// Nothing over HTTP causes it until certificate signing exists (`webhooks::tests`).
    #[cfg_attr(not(test), allow(dead_code))]
    VerificationFailed {
        checks: &'a [VerificationCheck],
    },
    /// A completed document of a `deleteOnComplete` workflow, deleted when its grace ended.
    DeletedOnComplete,
}

impl EventKind<'_> {
    /// The action as the audit trail names it.
    pub fn action(&self) -> &'static str {
        match self {
            EventKind::DocumentCreated { .. } => "Document created",
            EventKind::FileRepaired => "File repaired",
            EventKind::DocumentSent { .. } => "Document sent",
            EventKind::Signed { .. } => "Signed",
            EventKind::Approved => "Approved",
            EventKind::Rejected { .. } => "Rejected",
            EventKind::CodeSent { .. } => "One-time code sent",
            EventKind::Completed | EventKind::CompletedByAccount => "Document completed",
            EventKind::InvitationExpired { .. } => "Invitation expired",
            EventKind::DocumentExpired => "Document expired",
            EventKind::DocumentDeleted => "Document deleted",
            EventKind::InvitationDeleted { .. } => "Invitation deleted",
            EventKind::Reactivated { .. } => "Document reactivated",
            EventKind::ActivatedOutOfOrder { .. } => "Invitation activated out of order",
            EventKind::InvitationResent { .. } => "Invitation sent again",
            EventKind::VerificationFailed { .. } => "Verification failed",
            EventKind::DeletedOnComplete => "Document deleted",
        }
    }

    /// What the audit trail says of it beyond the action.
    pub fn details(&self) -> String {
        match self {
            EventKind::DocumentCreated {
                name,
                original_sha256,
            } => format!("{name}; SHA-256 of the original file {original_sha256}"),
            EventKind::FileRepaired => "the uploaded file's cross-reference data was damaged; \
                                        it was rewritten before any signature"
                .into(),
            EventKind::DocumentSent { invitees } => invitees
                .iter()
                .map(|(name, kind)| format!("{name} ({})", invitee_type_name(*kind)))
                .collect::<Vec<_>>()
                .join(", "),
            EventKind::Signed {
                signature_type,
                slot,
            } => format!("{signature_type} (slot {})", slot + 1),
            EventKind::Approved | EventKind::DocumentDeleted => String::new(),
            EventKind::Rejected { reason } => (*reason).to_string(),
            EventKind::CodeSent { to } => (*to).to_string(),
            EventKind::Completed => "every invitation is signed or approved".into(),
            EventKind::CompletedByAccount => {
                "completed by the account before every invitation acted".into()
            }
            EventKind::DocumentExpired => "no invitation is left open".into(),
            EventKind::Reactivated { until } => format!("invitations now expire at {until}"),
            EventKind::VerificationFailed { checks } => checks
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.check.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            EventKind::DeletedOnComplete => {
                "the workflow deletes documents once they are completed".into()
            }
            EventKind::InvitationExpired { name }
            | EventKind::InvitationDeleted { name }
            | EventKind::ActivatedOutOfOrder { name }
            | EventKind::InvitationResent { name } => (*name).to_string(),
        }
    }

    /// The webhook the event causes at its invitation's slot, if any.
    pub fn webhook(&self) -> Option<WebhookEvent> {
        match self {
            EventKind::Signed { .. } => Some(WebhookEvent::Signed),
            EventKind::Approved => Some(WebhookEvent::Approved),
            EventKind::Rejected { .. } => Some(WebhookEvent::Rejected),
            EventKind::InvitationExpired { .. } => Some(WebhookEvent::Expired),
            EventKind::VerificationFailed { .. } => Some(WebhookEvent::VerificationFailed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trail_words_each_event_once() {
        let sent = [
            ("Asha", InviteeType::Signer),
            ("Ravi", InviteeType::Reviewer),
        ];
        let cases = [
            (
                EventKind::DocumentSent { invitees: &sent },
                "Document sent",
                "Asha (Signer), Ravi (Reviewer)",
            ),
            (
                EventKind::Signed {
                    signature_type: SignatureType::VirtualSign,
                    slot: 0,
                },
                "Signed",
                "VIRTUAL_SIGN (slot 1)",
            ),
            (
                EventKind::Reactivated {
                    until: "09-12-2026 23:59:59",
                },
                "Document reactivated",
                "invitations now expire at 09-12-2026 23:59:59",
            ),
            (EventKind::Approved, "Approved", ""),
        ];
        for (kind, action, details) in cases {
            assert_eq!(kind.action(), action);
            assert_eq!(kind.details(), details);
        }
    }

    #[test]
    fn only_invitation_events_cause_webhooks() {
        assert_eq!(
            EventKind::Rejected { reason: "" }.webhook(),
            Some(WebhookEvent::Rejected)
        );
        assert_eq!(
            EventKind::InvitationExpired { name: "Asha" }.webhook(),
            Some(WebhookEvent::Expired)
        );
        assert_eq!(EventKind::Completed.webhook(), None);
        assert_eq!(EventKind::CodeSent { to: "a***@x.in" }.webhook(), None);
    }
}
