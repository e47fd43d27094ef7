//! Signet's PDF engine: bytes in, bytes out. No async, no HTTP, no database.
//!
//! - [`object`]: the object model and its serialization.
//! - [`signer`]: who holds the key ([`signer::Signer`]).
//! - [`appearance`]: the visible signature block (typed or drawn mark and caption);
//!   [`pages`] says on which pages and where.

pub mod appearance;
pub mod error;
mod font;
mod image;
pub mod object;
pub mod pages;
pub mod signer;

pub use error::{Error, Result};
