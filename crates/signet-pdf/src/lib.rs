//! Signet's PDF engine: bytes in, bytes out. No async, no HTTP, no database.
//!
//! - [`read`]: open and check untrusted PDFs ([`read::Document`]).
//! - [`sign`]: append a signed revision (PAdES B-B, B-T) — the caller appends the bytes.
//! - [`object`]: the object model and its serialization.
//! - [`signer`]: who holds the key ([`signer::Signer`]); [`keys`]: certificates and key files.
//! - [`timestamp`]: RFC 3161 signature timestamps (B-T).
//! - [`revocation`]: OCSP and CRL checks for a signer's chain; [`dss`]: the revision that
//!   embeds them (B-LT).
//! - [`verify`]: an offline report on every signature of a PDF.
//! - [`certificate`]: checks of a certificate someone else holds before signing with it.
//! - [`audit`]: the hash-chained audit-trail PDF.
//! - [`appearance`]: the visible signature block (typed or drawn mark and caption);
//!   [`pages`] says on which pages and where.

pub mod appearance;
pub mod audit;
pub mod certificate;
mod cms;
mod crypt;
mod crypto;
pub mod dss;
pub mod error;
pub mod external;
mod filter;
mod font;
mod image;
pub mod keys;
pub mod object;
pub mod pages;
mod parse;
pub mod read;
pub mod revocation;
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
