use thiserror::Error;

pub type Result<T> = std::result::Result<T, Error>;

/// What went wrong with a message. The variants map to the ESP error codes a simulator
/// answers with (`esp_code`) and to the `esign.*` codes the ASP records.
#[derive(Debug, Error)]
pub enum Error {
    /// Not well-formed XML, a DTD, too large, or not the expected root element.
    #[error("the message is not a well-formed {0} (ESP-992)")]
    Malformed(&'static str),
    /// A required attribute or element is missing or has a bad value: (name, why).
    #[error("{0}: {1}")]
    Field(&'static str, String),
    /// The enveloped XML signature is missing, malformed, or does not verify with the
    /// expected certificate.
    #[error("the XML signature does not verify: {0}")]
    Signature(String),
    /// A key or certificate could not be read.
    #[error("key: {0}")]
    Key(String),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "esign.message.malformed",
            Error::Field(..) => "esign.message.invalid",
            Error::Signature(_) => "esign.signature.invalid",
            Error::Key(_) => "esign.key.invalid",
        }
    }
}
