//! The operations of Signet, once for every entry point: the Leegality API calls them today,
//! the dashboard, an ESP's callback and a DSC agent will tomorrow. Each takes a typed command
//! and the party acting, and answers a typed result or a [`ServiceError`]; the edge turns
//! requests into commands and results into its own answers, and knows nothing of how an
//! operation is done.

pub mod act;
pub mod api_access;
pub mod automated;
pub mod certificate_settings;
pub mod certify;
pub mod doc_signers;
pub mod dsc;
pub mod esign;
pub mod lifecycle;
pub mod pdf;
pub mod purge;
pub mod seal;
pub mod send;
pub mod users;
pub mod webhooks;
pub mod workflows;

use crate::domain::workflow::Invalid;
use crate::store::{Account, StoreError};

/// Who asks for an operation: it is checked against what they may do and named in the audit
/// trail.
pub enum Actor<'a> {
    /// An integration, with its account's API token.
    Api(&'a Account),
    /// A person signed in to the dashboard.
    User {
        account: &'a Account,
        id: &'a str,
        name: &'a str,
        role: crate::domain::users::Role,
    },
}

impl Actor<'_> {
    /// The account the operation acts in.
    pub fn account(&self) -> &Account {
        match self {
            Actor::Api(account) | Actor::User { account, .. } => account,
        }
    }

    /// The name details' `sender` reports for a document this actor sends: the user's; none for
    /// the API, whose documents report the account.
    pub fn sender_name(&self) -> Option<String> {
        match self {
            Actor::Api(_) => None,
            Actor::User { name, id, .. } => Some(if name.is_empty() {
                (*id).to_string()
            } else {
                (*name).to_string()
            }),
        }
    }

    /// Refuses an actor who may only read (a dashboard viewer). Every operation that changes
    /// something asks, whichever entry point calls it: the dashboard's gate refusing a
    /// viewer's forms is the first line, not the only one.
    pub fn may_change(&self) -> Result<(), ServiceError> {
        match self {
            Actor::User { role, .. } if !role.may_change() => Err(ServiceError::forbidden(
                "user.read.only",
                "a viewer may read, not change",
            )),
            _ => Ok(()),
        }
    }

    /// How the audit trail names the actor.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::Api(account) => format!("{} (API)", account.name),
            Actor::User { name, .. } => format!("{name} (dashboard)"),
        }
    }
}

/// Where a request came from, for the audit trail.
#[derive(Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Why an operation did not happen. The codes are the API's `messages[].code`.
#[derive(Debug)]
pub enum ServiceError {
    /// The command is refused as it stands; the caller can change it.
    Refused { code: &'static str, message: String },
    /// What the command names does not exist for this actor.
    NotFound { code: &'static str, message: String },
    /// The command came too late or too early for the state things are in.
    Conflict { code: &'static str, message: String },
    /// The actor's role does not allow the operation.
    Forbidden { code: &'static str, message: String },
    /// A failure of ours. The cause is for the log, never for the caller.
    Internal(String),
}

impl ServiceError {
    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Refused {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::NotFound {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ServiceError::Internal(cause.to_string())
    }
}

/// For the log: an internal cause is shown, never to a client.
impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceError::Refused { code, message }
            | ServiceError::NotFound { code, message }
            | ServiceError::Conflict { code, message }
            | ServiceError::Forbidden { code, message } => write!(f, "{code}: {message}"),
            ServiceError::Internal(cause) => f.write_str(cause),
        }
    }
}

impl From<Invalid> for ServiceError {
    fn from(e: Invalid) -> Self {
        ServiceError::Refused {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        ServiceError::internal(e)
    }
}

impl From<signet_pdf::Error> for ServiceError {
    fn from(e: signet_pdf::Error) -> Self {
        ServiceError::refused(e.code(), e.to_string())
    }
}

impl From<crate::pdf_budget::WorkersGone> for ServiceError {
    fn from(e: crate::pdf_budget::WorkersGone) -> Self {
        ServiceError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_trail_names_a_dashboard_user_by_name() {
        let account = Account {
            id: "A".into(),
            name: "Acme".into(),
            token_hash: String::new(),
            private_salt: String::new(),
            created_at: 0,
        };
        let user = Actor::User {
            account: &account,
            id: "u1",
            name: "Asha Rao",
            role: crate::domain::users::Role::Sender,
        };
        assert_eq!(user.audit_name(), "Asha Rao (dashboard)");
        assert_eq!(user.account().id, "A");
        assert_eq!(Actor::Api(&account).audit_name(), "Acme (API)");
        assert!(user.may_change().is_ok() && Actor::Api(&account).may_change().is_ok());
        let viewer = Actor::User {
            account: &account,
            id: "u2",
            name: "Ravi",
            role: crate::domain::users::Role::Viewer,
        };
        assert!(matches!(
            viewer.may_change(),
            Err(ServiceError::Forbidden { .. })
        ));
    }
}
