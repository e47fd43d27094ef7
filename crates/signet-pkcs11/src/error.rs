//! The one error type of the PKCS#11 layer. Each variant has a stable dotted code that the
//! server and the DSC agent pass through as `messages[].code` or `error.code`.
//!
//! No variant carries a PIN: a PIN never reaches a message, so it cannot reach a log.

use cryptoki::context::Function;
use cryptoki::error::{Error as Ck, RvError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the PKCS#11 module cannot be used: {0}")]
    ModuleUnavailable(String),
    #[error("no such token: {0}")]
    TokenNotFound(String),
    #[error("no such key: {0}")]
    KeyNotFound(String),
    #[error("several keys match, choose one: {0}")]
    KeyAmbiguous(String),
    #[error("the PIN is incorrect")]
    PinIncorrect,
    #[error("the PIN is locked after too many wrong attempts; unlock the token with its SO PIN")]
    PinLocked,
    #[error("the key cannot sign here: {0}")]
    KeyUnsupported(String),
    #[error("the token failed to sign: {0}")]
    SigningFailed(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::ModuleUnavailable(_) => "pkcs11.module.unavailable",
            Error::TokenNotFound(_) => "pkcs11.token.not.found",
            Error::KeyNotFound(_) => "pkcs11.key.not.found",
            Error::KeyAmbiguous(_) => "pkcs11.key.ambiguous",
            Error::PinIncorrect => "pkcs11.pin.incorrect",
            Error::PinLocked => "pkcs11.pin.locked",
            Error::KeyUnsupported(_) => "pkcs11.key.unsupported",
            Error::SigningFailed(_) => "pkcs11.signing.failed",
        }
    }

    /// A failure of reading the token (slots, objects, attributes): the module, not the key.
    pub(crate) fn reading(e: Ck) -> Self {
        match pin_error(&e) {
            Some(pin) => pin,
            None => Error::ModuleUnavailable(e.to_string()),
        }
    }

    /// A failure once a key was chosen (login, signing).
    pub(crate) fn signing(e: Ck) -> Self {
        match pin_error(&e) {
            Some(pin) => pin,
            None => match &e {
                Ck::Pkcs11(RvError::KeyTypeInconsistent | RvError::MechanismInvalid, _) => {
                    Error::KeyUnsupported(e.to_string())
                }
                _ => Error::SigningFailed(e.to_string()),
            },
        }
    }
}

fn pin_error(e: &Ck) -> Option<Error> {
    match e {
        Ck::Pkcs11(
            RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange,
            Function::Login,
        ) => Some(Error::PinIncorrect),
        Ck::Pkcs11(RvError::PinLocked | RvError::PinExpired, _) => Some(Error::PinLocked),
        _ => None,
    }
}

/// What the engine's [`signet_pdf::signer::Signer`] trait can carry: the code leads the text.
impl From<Error> for signet_pdf::Error {
    fn from(e: Error) -> Self {
        signet_pdf::Error::Signing(format!("{}: {e}", e.code()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_pins_have_their_own_codes() {
        let wrong = Error::reading(Ck::Pkcs11(RvError::PinIncorrect, Function::Login));
        assert_eq!(wrong.code(), "pkcs11.pin.incorrect");
        let locked = Error::signing(Ck::Pkcs11(RvError::PinLocked, Function::Login));
        assert_eq!(locked.code(), "pkcs11.pin.locked");
        let other = Error::signing(Ck::Pkcs11(RvError::DeviceError, Function::Sign));
        assert_eq!(other.code(), "pkcs11.signing.failed");
    }
}
