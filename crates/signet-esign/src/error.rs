use thiserror::Error;

pub type Result<T> = std::result::Result<T, Error>;

/// What went wrong with a message. The variants map to the ESP error codes a simulator
/// answers with (`esp_code`) and to the `esign.*` codes the ASP records (`code`).
#[derive(Debug, Error)]
pub enum Error {
    /// Not well-formed XML, a DTD, too large, or not the expected root element.
    #[error("the message is not a well-formed {0} (ESP-992)")]
    Malformed(&'static str),
    /// A required attribute or element is missing or has a bad value: (name, why). The name
    /// is the wire name (`AuthMode`, `aspId`, `InputHash`, …); `esp_code` reads it.
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

    /// The ESP error code an ESP answers this failure of an ASP's message with (the codes of
    /// the CCA eSign API as ESPs publish them). A field without a code of its own is a
    /// parsing error of the input, ESP-992.
    pub fn esp_code(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "ESP-992",
            Error::Field(name, _) => match *name {
                "AuthMode" => "ESP-901",
                "aspId" => "ESP-902",
                "Docs" | "InputHash" => "ESP-905",
                "ts" => "ESP-907",
                "txn" => "ESP-909",
                _ => "ESP-992",
            },
            Error::Signature(_) => "ESP-911",
            Error::Key(_) => "ESP-999",
        }
    }

    /// The message an ESP puts beside `esp_code` (as ESPs word them), for `errMsg`.
    pub fn esp_message(&self) -> &'static str {
        match self.esp_code() {
            "ESP-901" => "Invalid Authentication Mode",
            "ESP-902" => "Invalid ASP ID, cannot be empty",
            "ESP-905" => "Document Hash not received",
            "ESP-907" => "Request Time Stamp cannot be empty",
            "ESP-909" => "Transaction ID cannot be empty",
            "ESP-911" => "Input XML Signature verification failed",
            "ESP-992" => "Input XML parsing error",
            _ => "Unknown error",
        }
    }
}
