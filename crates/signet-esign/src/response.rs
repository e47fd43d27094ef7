//! `EsignResp`: the ESP's answer (to the two-step request, to the signer's authentication,
//! and to `EsignStatus`).

use crate::xml::{self, attr, children, push_attr};
use crate::{Error, Result, Version};

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

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Failed => "0",
            Status::Signed => "1",
            Status::Pending => "2",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s.trim() {
            "0" => Some(Status::Failed),
            "1" => Some(Status::Signed),
            "2" => Some(Status::Pending),
            _ => None,
        }
    }
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
    /// Empty when the ESP left it out (some error answers do).
    pub ts: String,
    /// Empty when the ESP left it out (some error answers do); never equal to a real txn.
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

const ROOT: &str = "EsignResp";

impl EsignResponse {
    /// The unsigned XML, errors spelt as `version` spells them (`errCode`/`errMsg` in 2.1,
    /// `errorCode`/`errorMessage` in 3.2; a `DocSignature`'s always the latter).
    pub fn to_xml(&self, version: Version) -> String {
        let (code_name, message_name) = match version {
            Version::V2_1 => ("errCode", "errMsg"),
            Version::V3_2 => ("errorCode", "errorMessage"),
        };
        let cms_len: usize = self.signatures.iter().map(|s| s.cms.len()).sum();
        let cert_len = self.user_certificate.as_ref().map_or(0, Vec::len);
        let mut out = String::with_capacity(512 + (cms_len + cert_len) * 4 / 3);
        out.push_str(xml::DECLARATION);
        out.push_str("<EsignResp");
        push_attr(&mut out, "status", self.status.as_str());
        push_attr(&mut out, "ts", &self.ts);
        push_attr(&mut out, "txn", &self.txn);
        if let Some(v) = &self.res_code {
            push_attr(&mut out, "resCode", v);
        }
        if let Some(v) = &self.error_code {
            push_attr(&mut out, code_name, v);
        }
        if let Some(v) = &self.error_message {
            push_attr(&mut out, message_name, v);
        }
        out.push('>');
        if let Some(cert) = &self.user_certificate {
            out.push_str("<UserX509Certificate>");
            out.push_str(&xml::base64_encode(cert));
            out.push_str("</UserX509Certificate>");
        }
        if !self.signatures.is_empty() {
            out.push_str("<Signatures>");
            for s in &self.signatures {
                out.push_str("<DocSignature");
                push_attr(&mut out, "id", &s.id);
                push_attr(&mut out, "sigHashAlgorithm", "SHA256");
                if let Some(v) = &s.error_code {
                    push_attr(&mut out, "errorCode", v);
                }
                if let Some(v) = &s.error_message {
                    push_attr(&mut out, "errorMessage", v);
                }
                out.push('>');
                out.push_str(&xml::base64_encode(&s.cms));
                out.push_str("</DocSignature>");
            }
            out.push_str("</Signatures>");
        }
        out.push_str("</EsignResp>");
        out
    }

    /// Reads an answer: every spelling of the error attributes, Base64 with or without line
    /// breaks. Does not check the signature (`dsig::verify`).
    pub fn parse(xml: &str) -> Result<EsignResponse> {
        let doc = xml::parse(xml, ROOT)?;
        let root = doc.root_element();

        let status = attr(root, "status")
            .and_then(Status::parse)
            .ok_or_else(|| Error::Field("status", "missing or not 0, 1 or 2".into()))?;
        let owned = |name| attr(root, name).map(str::to_owned);

        let user_certificate =
            match children(root, "UserX509Certificate").next() {
                None => None,
                Some(node) => {
                    let text = xml::text(node);
                    if text.trim().is_empty() {
                        None
                    } else {
                        Some(xml::base64_decode(&text).ok_or_else(|| {
                            Error::Field("UserX509Certificate", "not Base64".into())
                        })?)
                    }
                }
            };

        let mut signatures = Vec::new();
        for list in children(root, "Signatures") {
            for node in children(list, "DocSignature") {
                signatures.push(parse_doc_signature(node)?);
            }
        }

        Ok(EsignResponse {
            status,
            ts: owned("ts").unwrap_or_default(),
            txn: owned("txn").unwrap_or_default(),
            res_code: owned("resCode"),
            error_code: either(root, "errCode", "errorCode"),
            error_message: either(root, "errMsg", "errorMessage"),
            user_certificate,
            signatures,
        })
    }
}

/// The first of two spellings present: ESPs mix the 2.1 and 3.x names.
fn either(node: roxmltree::Node<'_, '_>, a: &str, b: &str) -> Option<String> {
    attr(node, a).or_else(|| attr(node, b)).map(str::to_owned)
}

fn parse_doc_signature(node: roxmltree::Node<'_, '_>) -> Result<DocSignature> {
    let id = attr(node, "id").unwrap_or_default().to_owned();
    let text = xml::text(node);
    let cms = if text.trim().is_empty() {
        Vec::new()
    } else {
        xml::base64_decode(&text)
            .ok_or_else(|| Error::Field("DocSignature", format!("id {id:?}: not Base64")))?
    };
    Ok(DocSignature {
        id,
        cms,
        error_code: either(node, "errorCode", "errCode"),
        error_message: either(node, "errorMessage", "errMsg"),
    })
}
