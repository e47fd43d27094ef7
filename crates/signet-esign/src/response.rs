//! `EsignResp`: the ESP's answer (to the two-step request, to the signer's authentication,
//! and to `EsignStatus`).

use crate::Result;

/// `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// "0"
    Failed,
    /// "1"
    Signed,
    /// "2": accepted, waiting for the signer (two-step, status queries).
    Pending,
}

/// One `Signatures/DocSignature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSignature {
    pub id: String,
    /// The DER of the CMS SignedData (Base64 on the wire); empty when the ESP reports an
    /// error for this document.
    pub cms: Vec<u8>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsignResponse {
    pub status: Status,
    pub ts: String,
    pub txn: String,
    /// `resCode`: the ESP's handle, part of the two-step `txnref`.
    pub res_code: Option<String>,
    /// `errCode` (2.1) or `errorCode` (3.x), whichever is present.
    pub error_code: Option<String>,
    /// `errMsg` (2.1) or `errorMessage` (3.x).
    pub error_message: Option<String>,
    /// `UserX509Certificate`, DER.
    pub user_certificate: Option<Vec<u8>>,
    pub signatures: Vec<DocSignature>,
}

impl EsignResponse {
    /// The unsigned XML, errors spelt as `version` spells them.
    pub fn to_xml(&self, version: crate::Version) -> String {
        let _ = version;
        todo!()
    }

    /// Reads an answer: every spelling of the error attributes, Base64 with or without line
    /// breaks. Does not check the signature (`dsig::verify`).
    pub fn parse(xml: &str) -> Result<EsignResponse> {
        let _ = xml;
        todo!()
    }
}
