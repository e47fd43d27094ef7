//! Enveloped XML signatures over a whole message (`Reference URI=""`), as ASPs and ESPs put
//! them on `Esign`, `EsignStatus` and `EsignResp`.

use crate::Result;

/// The signer of messages: an RSA key and its certificate.
pub struct XmlSigner {
    _private: (),
}

impl XmlSigner {
    /// `key_pkcs8_der`: the RSA private key as PKCS#8 DER; `certificate_der`: its certificate.
    pub fn new(key_pkcs8_der: &[u8], certificate_der: &[u8]) -> Result<XmlSigner> {
        let _ = (key_pkcs8_der, certificate_der);
        todo!()
    }

    /// Appends an enveloped signature (inclusive C14N, RSA-SHA256, SHA-256 digest, KeyInfo
    /// with X509SubjectName and X509Certificate) as the last child of the root element.
    pub fn sign(&self, xml: &str) -> Result<String> {
        let _ = xml;
        todo!()
    }
}

/// Checks the enveloped signature of `xml` against `certificate_der` only (the pinned
/// certificate, whatever KeyInfo says). Accepts RSA-SHA1 or RSA-SHA256, SHA-1 or SHA-256
/// digests, inclusive C14N with or without comments: what real ASPs and ESPs send. Exactly
/// one reference, to the whole document, with the enveloped-signature transform.
pub fn verify(xml: &str, certificate_der: &[u8]) -> Result<()> {
    let _ = (xml, certificate_der);
    todo!()
}
