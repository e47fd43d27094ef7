//! The domain: plain structs and decisions, no I/O and no wire format.

pub mod document;
pub mod event;
pub mod ids;
pub mod invitation;
pub mod language;
pub mod limits;
pub mod nesl;
pub mod otp;
pub mod signature_type;
pub mod status;
pub mod users;
pub mod verification;
pub mod workflow;
