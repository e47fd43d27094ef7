//! Signet's PDF engine: bytes in, bytes out. No async, no HTTP, no database.
//!
//! - [`read`]: open and check untrusted PDFs ([`read::Document`]).
//! - [`sign`]: append a signed revision (PAdES B-B, B-T) — the caller appends the bytes.
//! - [`object`]: the object model and its serialization.
//! - [`signer`]: who holds the key ([`signer::Signer`]).

pub mod audit;
mod cms;
mod crypto;
pub mod error;
mod filter;
pub mod keys;
pub mod object;
mod parse;
pub mod read;
pub mod sign;
pub mod signer;
#[cfg(test)]
mod testutil;
pub mod timestamp;
pub mod verify;
pub mod write;
mod xref;

pub use error::{Error, Result};
pub use read::{Document, Limits, Page};
