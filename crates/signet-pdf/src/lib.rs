//! Signet's PDF engine: bytes in, bytes out. No async, no HTTP, no database.
//!
//! - [`object`]: the object model and its serialization.
//! - [`signer`]: who holds the key ([`signer::Signer`]).

pub mod error;
pub mod keys;
pub mod object;
pub mod signer;
pub mod timestamp;

pub use error::{Error, Result};
