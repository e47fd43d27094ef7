//! The one error type of the PDF engine. Each variant has a stable dotted code that the server
//! passes through to the API's `messages[].code`.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the file is not a PDF: {0}")]
    NotPdf(String),
    #[error("the PDF is damaged beyond repair (near byte {offset}): {reason}")]
    Corrupt { offset: usize, reason: String },
    #[error("the PDF is encrypted; send it without a password or permissions")]
    Encrypted,
    #[error(
        "the PDF is encrypted with permissions that forbid adding a signature (changing form \
         fields and annotations); send a copy without these restrictions"
    )]
    EncryptedRestricted,
    #[error("the PDF is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("the PDF has no pages")]
    NoPages,
    #[error("the PDF exceeds a safety limit: {0}")]
    Limit(String),
    #[error("the PDF is certified against any change, so it cannot be signed again")]
    Locked,
    #[error(
        "page {page} is {width} x {height} points at ({x}, {y}) as displayed (its CropBox within \
         its MediaBox), which no reader shows as a page; save the document again from its editor"
    )]
    PageBox {
        page: usize,
        x: String,
        y: String,
        width: String,
        height: String,
    },
    #[error("invalid page selection {0:?}: use A, F, L, E, O or page numbers like \"1,3\"")]
    PageSpec(String),
    #[error("invalid signature appearance: {0}")]
    Appearance(String),
    #[error("invalid image: {0}")]
    Image(String),
    #[error("certificate or key problem: {0}")]
    Key(String),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("the timestamp authority failed: {0}")]
    Timestamp(String),
    #[error("audit trail: {0}")]
    Audit(String),
    #[error("the certificate cannot be used: {0}")]
    CertificateInvalid(String),
    #[error("the certificate has expired: {0}")]
    CertificateExpired(String),
    #[error("the certificate is not valid yet: {0}")]
    CertificateNotYetValid(String),
    #[error("the certificate is not meant for signatures: {0}")]
    CertificateKeyUsage(String),
    #[error("the certificate does not chain to a trusted root: {0}")]
    CertificateUntrusted(String),
    #[error("the certificate's key is not supported: {0}")]
    CertificateKeyUnsupported(String),
    #[error("the signature does not verify with the certificate: {0}")]
    SignatureInvalid(String),
    #[error("the certificate {subject} is revoked (since {time}, reason: {reason})")]
    Revoked {
        subject: String,
        time: String,
        reason: &'static str,
    },
    #[error("revocation data that does not hold up: {0}")]
    Revocation(String),
    #[error("no usable revocation status: {0}")]
    RevocationUnavailable(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Error {
    #[allow(dead_code)] // used by the reader
    pub(crate) fn corrupt(offset: usize, reason: impl Into<String>) -> Self {
        Error::Corrupt {
            offset,
            reason: reason.into(),
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotPdf(_) => "file.not.pdf",
            Error::Corrupt { .. } => "file.pdf.corrupt",
            Error::Encrypted => "file.pdf.encrypted",
            Error::EncryptedRestricted => "file.pdf.restricted",
            Error::TooLarge { .. } => "file.too.large",
            Error::NoPages => "file.pdf.no.pages",
            Error::Limit(_) => "file.pdf.limit",
            Error::Locked => "file.pdf.certified",
            Error::PageBox { .. } => "file.page.box.invalid",
            Error::PageSpec(_) => "appearance.page.invalid",
            Error::Appearance(_) => "appearance.invalid",
            Error::Image(_) => "signature.image.invalid",
            Error::Key(_) => "signing.key.invalid",
            Error::Signing(_) => "signing.failed",
            Error::Timestamp(_) => "signing.timestamp.failed",
            Error::Audit(_) => "audit.trail.failed",
            Error::CertificateInvalid(_) => "certificate.invalid",
            Error::CertificateExpired(_) => "certificate.expired",
            Error::CertificateNotYetValid(_) => "certificate.not.yet.valid",
            Error::CertificateKeyUsage(_) => "certificate.key.usage",
            Error::CertificateUntrusted(_) => "certificate.untrusted",
            Error::CertificateKeyUnsupported(_) => "certificate.key.unsupported",
            Error::SignatureInvalid(_) => "signature.invalid",
            Error::Revoked { .. } => "certificate.revoked",
            Error::Revocation(_) => "certificate.revocation.invalid",
            Error::RevocationUnavailable(_) => "certificate.revocation.unavailable",
            Error::Io(_) => "internal.io",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
