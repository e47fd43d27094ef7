//! Signet's PDF engine: bytes in, bytes out. No async, no HTTP, no database.
//!
//! - [`object`]: the object model and its serialization.
//! - [`signer`]: who holds the key ([`signer::Signer`]).

pub mod audit;
pub mod error;
pub mod object;
pub mod signer;

pub use error::{Error, Result};
