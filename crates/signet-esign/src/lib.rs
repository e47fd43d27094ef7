//! The CCA eSign API (versions 2.1 and 3.2) as it crosses the wire between an ASP (Signet)
//! and an eSign service provider: the `Esign` request, the `EsignResp` answer, the
//! `EsignStatus` query, the two-step transport's `txnref`, and the enveloped XML signatures
//! that both sides put on every message. Both Signet's ASP side and `signet esp-simulator`
//! speak through this crate, so the two can only disagree with a real ESP, never with each
//! other's reading of the messages.
//!
//! Nothing here does I/O. XML is read with `roxmltree` (no DTD, bounded input); signatures
//! are made and checked with `bergshamra` (see ARCHITECTURE.md for why).

pub mod dsig;
pub mod error;
pub mod request;
pub mod response;
pub mod status;
pub mod txnref;
mod xml;

pub use error::{Error, Result};

/// The largest message either side reads: a request with five hashes is ~6 KB, a response
/// with a certificate chain, CRL and timestamp tens of KB.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// The API versions spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2_1,
    V3_2,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2_1 => "2.1",
            Version::V3_2 => "3.2",
        }
    }

    pub fn parse(s: &str) -> Option<Version> {
        match s.trim() {
            "2.1" => Some(Version::V2_1),
            "3.2" | "3.0" | "3.1" => Some(Version::V3_2),
            _ => None,
        }
    }
}
