//! What a document and an invitation have become. The database keeps its own columns (a
//! `documents.status` text, an invitation's flags); the store converts a row once as it reads
//! it, and refuses a stored value that names none of these, so no caller sees a stray string.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A name that is none of those known here. Read from the store (a row written by something
/// else, or a corrupt one), it fails the read instead of being guessed at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub(crate) fn new(what: &'static str, value: &str) -> UnknownValue {
        UnknownValue {
            what,
            value: value.chars().take(64).collect(),
        }
    }
}

/// A document's status: `documents.status` and the `status` clients read, in Leegality's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentStatus {
    Draft,
    /// Sent to its invitees and open for their actions.
    Sent,
    Completed,
    /// Every invitation still open ran out of time; reactivation makes it `Sent` again.
    Expired,
}

impl DocumentStatus {
    pub const ALL: [DocumentStatus; 4] = [
        DocumentStatus::Draft,
        DocumentStatus::Sent,
        DocumentStatus::Completed,
        DocumentStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Draft => "DRAFT",
            DocumentStatus::Sent => "SENT",
            DocumentStatus::Completed => "COMPLETED",
            DocumentStatus::Expired => "EXPIRED",
        }
    }
}

impl FromStr for DocumentStatus {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        DocumentStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue::new("document status", s))
    }
}

/// What became of an invitation. The store keeps it as four flags (`signed`, `approved`,
/// `rejected`, `expired`) of which it sets at most one. Deletion is kept apart: a rejected or
/// expired invitation can be deleted with its document and still shows what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationStatus {
    /// Neither acted on nor ended: the invitee may still act, once it is its turn.
    Pending,
    Signed,
    Approved,
    Rejected,
    Expired,
}

impl InvitationStatus {
    pub const ALL: [InvitationStatus; 5] = [
        InvitationStatus::Pending,
        InvitationStatus::Signed,
        InvitationStatus::Approved,
        InvitationStatus::Rejected,
        InvitationStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "PENDING",
            InvitationStatus::Signed => "SIGNED",
            InvitationStatus::Approved => "APPROVED",
            InvitationStatus::Rejected => "REJECTED",
            InvitationStatus::Expired => "EXPIRED",
        }
    }

    /// From the stored flags, in the order of the store's columns. More than one set is a row
    /// no transition of the store writes.
    pub fn from_flags(
        signed: bool,
        approved: bool,
        rejected: bool,
        expired: bool,
    ) -> Result<InvitationStatus, UnknownValue> {
        match (signed, approved, rejected, expired) {
            (false, false, false, false) => Ok(InvitationStatus::Pending),
            (true, false, false, false) => Ok(InvitationStatus::Signed),
            (false, true, false, false) => Ok(InvitationStatus::Approved),
            (false, false, true, false) => Ok(InvitationStatus::Rejected),
            (false, false, false, true) => Ok(InvitationStatus::Expired),
            _ => {
                let set: Vec<&str> = [signed, approved, rejected, expired]
                    .iter()
                    .zip(["signed", "approved", "rejected", "expired"])
                    .filter(|(on, _)| **on)
                    .map(|(_, name)| name)
                    .collect();
                Err(UnknownValue::new("invitation flags", &set.join(" and ")))
            }
        }
    }

    /// The invitee signed or approved: the invitation is done, not ended.
    pub fn acted(self) -> bool {
        matches!(self, InvitationStatus::Signed | InvitationStatus::Approved)
    }
}

impl FromStr for InvitationStatus {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        InvitationStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue::new("invitation status", s))
    }
}

macro_rules! as_text {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

as_text!(DocumentStatus, InvitationStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_statuses_round_trip_through_their_names() {
        for s in DocumentStatus::ALL {
            assert_eq!(s.as_str().parse::<DocumentStatus>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        let names: Vec<&str> = DocumentStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["DRAFT", "SENT", "COMPLETED", "EXPIRED"]);
        for bad in ["", "sent", "Sent", "DELETED", " SENT", "SENT\0"] {
            let e = bad.parse::<DocumentStatus>().unwrap_err();
            assert_eq!(e.what, "document status");
            assert_eq!(e.value, bad);
        }
        let long = "X".repeat(1_000).parse::<DocumentStatus>().unwrap_err();
        assert_eq!(
            long.value.len(),
            64,
            "an error never carries a whole stored value"
        );
    }

    #[test]
    fn invitation_statuses_round_trip_through_their_names_and_flags() {
        for s in InvitationStatus::ALL {
            assert_eq!(s.as_str().parse::<InvitationStatus>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            let flags = [
                InvitationStatus::Signed,
                InvitationStatus::Approved,
                InvitationStatus::Rejected,
                InvitationStatus::Expired,
            ]
            .map(|f| f == s);
            assert_eq!(
                InvitationStatus::from_flags(flags[0], flags[1], flags[2], flags[3]),
                Ok(s)
            );
        }
        for bad in ["", "pending", "DELETED", "ACTIVE"] {
            assert_eq!(
                bad.parse::<InvitationStatus>().unwrap_err().what,
                "invitation status"
            );
        }
        let e = InvitationStatus::from_flags(true, false, true, false).unwrap_err();
        assert_eq!(e.value, "signed and rejected");
        assert!(InvitationStatus::from_flags(true, true, true, true).is_err());
        assert!(InvitationStatus::Signed.acted() && InvitationStatus::Approved.acted());
        assert!(!InvitationStatus::Rejected.acted() && !InvitationStatus::Pending.acted());
    }
}
