//! `Esign`: the ASP's request to sign document hashes.

use crate::{Result, Version};

/// One document hash to sign (`Docs/InputHash`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputHash {
    /// "1", "2", …; the `DocSignature` for it carries the same id.
    pub id: String,
    /// SHA-256, 32 bytes (64 lowercase hex digits on the wire).
    pub hash: [u8; 32],
    /// `docInfo`: what the signer is told the document is.
    pub doc_info: String,
}

/// The `Esign` element, both versions. Fields a version lacks are ignored when writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsignRequest {
    pub version: Version,
    /// `sc`: the signer's consent, "Y".
    pub consent: bool,
    /// `ts`: "yyyy-MM-ddTHH:mm:ss" in IST, as the ASP's clock reads it.
    pub ts: String,
    /// `txn`: unique per ASP, at most 50 characters.
    pub txn: String,
    /// `ekycIdType`: "A" (Aadhaar).
    pub ekyc_id_type: String,
    pub asp_id: String,
    /// `AuthMode`: "1" OTP, "2" fingerprint, "3" iris, "4" face.
    pub auth_mode: String,
    /// `responseSigType`: "pkcs7".
    pub response_sig_type: String,
    pub response_url: String,
    /// 3.2 only.
    pub signer_id: Option<String>,
    /// 3.2 only: where the ESP sends the browser back.
    pub redirect_url: Option<String>,
    /// 3.2 only: "RSA".
    pub signing_algorithm: Option<String>,
    /// 3.2 only: minutes the ESP waits for the signer.
    pub max_wait_period: Option<u32>,
    pub hashes: Vec<InputHash>,
}

impl EsignRequest {
    /// The unsigned XML (sign it with `dsig::XmlSigner::sign`).
    pub fn to_xml(&self) -> String {
        todo!()
    }

    /// Reads a request (the ESP's side). Checks required attributes and the hashes; does
    /// not check the signature (`dsig::verify`) nor the time.
    pub fn parse(xml: &str) -> Result<EsignRequest> {
        let _ = xml;
        todo!()
    }
}
