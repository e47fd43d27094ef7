//! Keys on PKCS#11 tokens (an HSM, a signer's USB token or smart card; SoftHSM2 in the tests)
//! as signers for the PDF engine.
//!
//! - [`Module::load`]: a library, loaded and initialised once per process.
//! - [`Module::certificates`]: what a signer can choose from, read without a PIN.
//! - [`Module::signer`]: a [`KeySelector`] and the user PIN give a [`Pkcs11Signer`], a
//!   [`signet_pdf::signer::Signer`] that signs SHA-256 digests on the token (RSA PKCS#1 v1.5
//!   over the DigestInfo, or ECDSA P-256 answered as DER).
//!
//! Every failure is an [`Error`] with a stable [`Error::code`]. PINs are taken as
//! [`SecretString`] and never reach an error, a `Debug` output or a log.

mod certs;
mod error;
mod listing;
mod module;
mod objects;
mod signer;

pub use certs::{algorithm_of, chain, common_name, is_ca};
pub use error::{Error, Result};
pub use listing::TokenCertificate;
pub use module::Module;
pub use secrecy::{self, ExposeSecret, SecretString};
pub use signer::{KeySelector, Pkcs11Signer};
