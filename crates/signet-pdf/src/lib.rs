//! Signet's PDF engine: bytes in, bytes out. No async, no HTTP, no database.
//!
//! - [`read`]: open and check untrusted PDFs ([`read::Document`]).
//! - [`object`]: the object model and its serialization.
//! - [`signer`]: who holds the key ([`signer::Signer`]).

pub mod error;
mod filter;
pub mod object;
mod parse;
pub mod read;
pub mod signer;
mod xref;

pub use error::{Error, Result};
pub use read::{Document, Limits, Page};
