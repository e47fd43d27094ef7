//! `Esign`: the ASP's request to sign document hashes.

use crate::xml::{self, attr, children, push_attr};
use crate::{Error, Result, Version};

/// The most documents one request carries (the limit ESPs' SDKs enforce).
pub const MAX_HASHES: usize = 5;

/// The longest `txn` accepted.
pub const MAX_TXN_CHARS: usize = 50;

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

const ROOT: &str = "Esign";

impl EsignRequest {
    /// The unsigned XML (sign it with `dsig::XmlSigner::sign`).
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(512 + self.hashes.len() * 160);
        out.push_str(xml::DECLARATION);
        out.push_str("<Esign");
        push_attr(&mut out, "ver", self.version.as_str());
        push_attr(&mut out, "sc", if self.consent { "Y" } else { "N" });
        push_attr(&mut out, "ts", &self.ts);
        push_attr(&mut out, "txn", &self.txn);
        push_attr(&mut out, "ekycId", "");
        push_attr(&mut out, "ekycIdType", &self.ekyc_id_type);
        push_attr(&mut out, "aspId", &self.asp_id);
        push_attr(&mut out, "AuthMode", &self.auth_mode);
        push_attr(&mut out, "responseSigType", &self.response_sig_type);
        push_attr(&mut out, "responseUrl", &self.response_url);
        if self.version == Version::V3_2 {
            if let Some(v) = &self.signer_id {
                push_attr(&mut out, "signerid", v);
            }
            if let Some(v) = &self.redirect_url {
                push_attr(&mut out, "redirectUrl", v);
            }
            if let Some(v) = &self.signing_algorithm {
                push_attr(&mut out, "signingAlgorithm", v);
            }
            if let Some(v) = self.max_wait_period {
                push_attr(&mut out, "maxWaitPeriod", &v.to_string());
            }
        }
        out.push_str("><Docs>");
        for h in &self.hashes {
            out.push_str("<InputHash");
            push_attr(&mut out, "id", &h.id);
            push_attr(&mut out, "hashAlgorithm", "SHA256");
            push_attr(&mut out, "docInfo", &h.doc_info);
            out.push('>');
            out.push_str(&hex::encode(h.hash));
            out.push_str("</InputHash>");
        }
        out.push_str("</Docs></Esign>");
        out
    }

    /// Reads a request (the ESP's side). Checks required attributes and the hashes; does
    /// not check the signature (`dsig::verify`) nor the time. Each failure's
    /// `Error::esp_code` is the code an ESP answers it with: AuthMode missing or not 1–4
    /// ESP-901, aspId missing ESP-902, no hash (or a bad one) ESP-905, ts missing ESP-907,
    /// txn missing or longer than 50 characters ESP-909, anything else ESP-992.
    pub fn parse(xml: &str) -> Result<EsignRequest> {
        let doc = xml::parse(xml, ROOT)?;
        let root = doc.root_element();

        let version = attr(root, "ver")
            .and_then(Version::parse)
            .ok_or_else(|| Error::Field("ver", "missing or not a known version".into()))?;
        let consent = match attr(root, "sc") {
            Some(v) if v.eq_ignore_ascii_case("y") => true,
            Some(v) if v.eq_ignore_ascii_case("n") => false,
            _ => return Err(Error::Field("sc", "missing or not Y/N".into())),
        };
        let ts = required(root, "ts")?;
        let txn = required(root, "txn")?;
        if txn.chars().count() > MAX_TXN_CHARS {
            return Err(Error::Field(
                "txn",
                format!("longer than {MAX_TXN_CHARS} characters"),
            ));
        }
        let asp_id = required(root, "aspId")?;
        let auth_mode = required(root, "AuthMode")?;
        if !matches!(auth_mode.as_str(), "1" | "2" | "3" | "4") {
            return Err(Error::Field("AuthMode", "not 1, 2, 3 or 4".into()));
        }
        let response_sig_type = required(root, "responseSigType")?;
        let response_url = required(root, "responseUrl")?;
        let ekyc_id_type = attr(root, "ekycIdType").unwrap_or_default().to_owned();

        let optional = |name| attr(root, name).map(str::to_owned);
        let max_wait_period = match attr(root, "maxWaitPeriod") {
            None => None,
            Some(v) => Some(v.parse::<u32>().map_err(|_| {
                Error::Field("maxWaitPeriod", "not a whole number of minutes".into())
            })?),
        };

        let hashes = parse_hashes(root)?;

        Ok(EsignRequest {
            version,
            consent,
            ts,
            txn,
            ekyc_id_type,
            asp_id,
            auth_mode,
            response_sig_type,
            response_url,
            signer_id: optional("signerid"),
            redirect_url: optional("redirectUrl"),
            signing_algorithm: optional("signingAlgorithm"),
            max_wait_period,
            hashes,
        })
    }
}

fn required(node: roxmltree::Node<'_, '_>, name: &'static str) -> Result<String> {
    attr(node, name)
        .map(str::to_owned)
        .ok_or_else(|| Error::Field(name, "missing".into()))
}

fn parse_hashes(root: roxmltree::Node<'_, '_>) -> Result<Vec<InputHash>> {
    let mut docs = children(root, "Docs");
    let Some(docs_node) = docs.next() else {
        return Err(Error::Field("Docs", "missing".into()));
    };
    if docs.next().is_some() {
        return Err(Error::Field("Docs", "more than one".into()));
    }
    let mut hashes: Vec<InputHash> = Vec::new();
    for node in children(docs_node, "InputHash") {
        if hashes.len() == MAX_HASHES {
            return Err(Error::Field(
                "InputHash",
                format!("more than {MAX_HASHES} documents"),
            ));
        }
        let id = attr(node, "id")
            .ok_or_else(|| Error::Field("InputHash", "an InputHash without id".into()))?;
        if hashes.iter().any(|h| h.id == id) {
            return Err(Error::Field("InputHash", format!("id {id:?} twice")));
        }
        if let Some(alg) = attr(node, "hashAlgorithm")
            && !alg.eq_ignore_ascii_case("SHA256")
        {
            return Err(Error::Field(
                "InputHash",
                format!("hashAlgorithm {alg:?} is not SHA256"),
            ));
        }
        let text = xml::text(node);
        let text = text.trim();
        let mut hash = [0u8; 32];
        if text.len() != 64 || hex::decode_to_slice(text, &mut hash).is_err() {
            return Err(Error::Field(
                "InputHash",
                format!("id {id:?}: not 64 hexadecimal digits"),
            ));
        }
        hashes.push(InputHash {
            id: id.to_owned(),
            hash,
            doc_info: node.attribute("docInfo").unwrap_or_default().to_owned(),
        });
    }
    if hashes.is_empty() {
        return Err(Error::Field("InputHash", "no document hash".into()));
    }
    Ok(hashes)
}
