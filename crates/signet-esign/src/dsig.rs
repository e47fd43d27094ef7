//! Enveloped XML signatures over a whole message (`Reference URI=""`), as ASPs and ESPs put
//! them on `Esign`, `EsignStatus` and `EsignResp`.
//!
//! `bergshamra` does the canonicalisation and cryptography. What this module adds is the
//! profile of the eSign API: one signature, a child of the root, one reference to the whole
//! document, only the algorithms ESPs use, and trust in one pinned certificate. Every part
//! of that profile closes a known way around XML signatures (wrapping, key substitution,
//! exotic transforms), so each is checked here even where bergshamra's strict mode
//! overlaps.

use crate::{Error, MAX_MESSAGE_BYTES, Result};
use bergshamra::dsig::VerifyResult;
use bergshamra::keys::loader;
use bergshamra::xml::uppsala;
use bergshamra::{DsigContext, Key, KeysManager};

const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// What `sign` appends to the root; bergshamra fills the empty values and the X509Data
/// placeholders from the key's certificate.
const TEMPLATE: &str = concat!(
    r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">"#,
    "<SignedInfo>",
    r#"<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>"#,
    r#"<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
    r#"<Reference URI="">"#,
    "<Transforms>",
    r#"<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
    "</Transforms>",
    r#"<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
    "<DigestValue></DigestValue>",
    "</Reference>",
    "</SignedInfo>",
    "<SignatureValue></SignatureValue>",
    "<KeyInfo><X509Data><X509SubjectName></X509SubjectName><X509Certificate></X509Certificate></X509Data></KeyInfo>",
    "</Signature>",
);

/// The signer of messages: an RSA key and its certificate.
pub struct XmlSigner {
    context: DsigContext,
}

impl std::fmt::Debug for XmlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("XmlSigner").finish_non_exhaustive()
    }
}

impl XmlSigner {
    /// `key_pkcs8_der`: the RSA private key as PKCS#8 DER; `certificate_der`: its certificate.
    /// A certificate for another key is refused here rather than producing signatures no one
    /// can verify.
    pub fn new(key_pkcs8_der: &[u8], certificate_der: &[u8]) -> Result<XmlSigner> {
        let mut key = rsa_private_key(key_pkcs8_der)?;
        let certified = loader::load_x509_cert_der(certificate_der)
            .map_err(|e| Error::Key(format!("the certificate: {e}")))?;
        let (Some(ours), Some(theirs)) = (key.data.to_spki_der(), certified.data.to_spki_der())
        else {
            return Err(Error::Key("no public key to compare".into()));
        };
        if ours != theirs {
            return Err(Error::Key(
                "the certificate is not for this private key".into(),
            ));
        }
        key.x509_chain = vec![certificate_der.to_vec()];
        let mut keys = KeysManager::new();
        keys.add_key(key);
        Ok(XmlSigner {
            context: DsigContext::new(keys),
        })
    }

    /// Appends an enveloped signature (inclusive C14N, RSA-SHA256, SHA-256 digest, KeyInfo
    /// with X509SubjectName and X509Certificate) as the last child of the root element.
    pub fn sign(&self, xml: &str) -> Result<String> {
        let template = with_template(xml)?;
        bergshamra::sign(&self.context, &template)
            .map_err(|e| Error::Signature(format!("signing failed: {e}")))
    }
}

/// bergshamra's loaders take PEM (its DER loader is private), so the DER is wrapped.
fn rsa_private_key(pkcs8_der: &[u8]) -> Result<Key> {
    let body = crate::xml::base64_encode(pkcs8_der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        // Base64 is ASCII, so every chunk is UTF-8.
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    loader::load_rsa_private_pem(pem.as_bytes())
        .map_err(|e| Error::Key(format!("not an RSA private key in PKCS#8 DER: {e}")))
}

/// `xml` with `TEMPLATE` as the root's last child; a self-closing root is opened for it.
fn with_template(xml: &str) -> Result<String> {
    const WHAT: &str = "XML document to sign";
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(xml, options)
        .map_err(|_| Error::Malformed(WHAT))?;
    let range = doc.root_element().range();
    let element = &xml[range.clone()];
    let mut out = String::with_capacity(xml.len() + TEMPLATE.len() + 64);
    if let Some(open) = element.strip_suffix("/>") {
        let qname_end = element[1..]
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .map_or(element.len(), |i| i + 1);
        out.push_str(&xml[..range.start]);
        out.push_str(open);
        out.push('>');
        out.push_str(TEMPLATE);
        out.push_str("</");
        out.push_str(&element[1..qname_end]);
        out.push('>');
    } else {
        let close = element.rfind("</").ok_or(Error::Malformed(WHAT))?;
        out.push_str(&xml[..range.start + close]);
        out.push_str(TEMPLATE);
        out.push_str(&element[close..]);
    }
    out.push_str(&xml[range.end..]);
    Ok(out)
}

/// Checks the enveloped signature of `xml` against `certificate_der` only (the pinned
/// certificate, whatever KeyInfo says). Accepts RSA-SHA1 or RSA-SHA256, SHA-1 or SHA-256
/// digests, inclusive C14N with or without comments: what real ASPs and ESPs send. Exactly
/// one reference, to the whole document, with the enveloped-signature transform.
///
/// The certificate's validity period and issuer are not checked: pinning it is the trust
/// decision. Errors: `Malformed` for a DTD, oversized or ill-formed input; `Key` for an
/// unreadable certificate; `Signature` for everything else.
pub fn verify(xml: &str, certificate_der: &[u8]) -> Result<()> {
    const WHAT: &str = "signed XML message";
    if xml.len() > MAX_MESSAGE_BYTES || has_doctype(xml) {
        return Err(Error::Malformed(WHAT));
    }
    // The readers of the messages use roxmltree: what it can't read isn't a message, however
    // bergshamra's parser sees it.
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(xml, options).map_err(|_| Error::Malformed(WHAT))?;
    let doc = uppsala::parse(xml).map_err(|_| Error::Malformed(WHAT))?;

    let signature = check_profile(&doc)?;

    let pinned = loader::load_x509_cert_der(certificate_der)
        .map_err(|e| Error::Key(format!("the pinned certificate: {e}")))?;
    let mut keys = KeysManager::new();
    keys.add_key(pinned);
    // `new`: only the manager's key is trusted (KeyInfo is ignored) and references must sit
    // where an enveloped signature's can.
    let context = DsigContext::new(keys);

    let result = bergshamra::dsig::verify::verify_document_with_source(&context, &doc, Some(xml))
        .map_err(|e| Error::Signature(e.to_string()))?;
    match result {
        VerifyResult::Invalid { reason } => Err(Error::Signature(reason)),
        VerifyResult::Valid {
            signature_node,
            references,
            ..
        } => {
            if signature_node != signature {
                return Err(Error::Signature("another Signature was verified".into()));
            }
            match references.as_slice() {
                [only] if only.uri.is_empty() && only.digest_verified => Ok(()),
                _ => Err(Error::Signature(
                    "the signature does not cover exactly the whole document".into(),
                )),
            }
        }
    }
}

/// XML names are case-sensitive, but a parser that were lenient about `<!doctype` would
/// expand entities; neither spelling reaches one.
fn has_doctype(xml: &str) -> bool {
    const NEEDLE: &[u8] = b"<!doctype";
    xml.as_bytes()
        .windows(NEEDLE.len())
        .any(|w| w.eq_ignore_ascii_case(NEEDLE))
}

/// The eSign profile of the signature, checked before any cryptography: exactly one
/// `Signature` in the document, a child of the root; one `SignedInfo` with allowed
/// algorithms and one `Reference URI=""` whose transforms are the enveloped-signature
/// transform and at most canonicalisations. Returns the `Signature` node.
fn check_profile(doc: &uppsala::Document<'_>) -> Result<uppsala::NodeId> {
    let fail = |why: &str| Error::Signature(why.to_owned());
    let root = doc
        .document_element()
        .ok_or_else(|| fail("no root element"))?;

    let signatures: Vec<_> = doc
        .descendants(doc.root())
        .into_iter()
        .filter(|&n| is_dsig(doc, n, "Signature"))
        .collect();
    let signature = match signatures.as_slice() {
        [] => return Err(fail("the message is not signed")),
        [one] => *one,
        _ => return Err(fail("more than one Signature")),
    };
    if doc.parent(signature) != Some(root) {
        return Err(fail("the Signature is not a child of the root element"));
    }

    let signed_info = only_child(doc, signature, "SignedInfo")?;
    let c14n = algorithm(doc, only_child(doc, signed_info, "CanonicalizationMethod")?)?;
    if !matches!(c14n, C14N | C14N_WITH_COMMENTS) {
        return Err(fail(&format!("canonicalisation {c14n} is not accepted")));
    }
    let method = algorithm(doc, only_child(doc, signed_info, "SignatureMethod")?)?;
    if !matches!(method, RSA_SHA1 | RSA_SHA256) {
        return Err(fail(&format!("signature method {method} is not accepted")));
    }

    let reference = only_child(doc, signed_info, "Reference")?;
    if doc.get_attribute(reference, "URI") != Some("") {
        return Err(fail(
            "the Reference is not to the whole document (URI=\"\")",
        ));
    }
    let digest = algorithm(doc, only_child(doc, reference, "DigestMethod")?)?;
    if !matches!(digest, SHA1 | SHA256) {
        return Err(fail(&format!("digest method {digest} is not accepted")));
    }
    let transforms = only_child(doc, reference, "Transforms")?;
    let mut enveloped = false;
    for transform in dsig_children(doc, transforms, "Transform") {
        match algorithm(doc, transform)? {
            ENVELOPED => enveloped = true,
            C14N | C14N_WITH_COMMENTS | EXC_C14N | EXC_C14N_WITH_COMMENTS => {}
            other => return Err(fail(&format!("transform {other} is not accepted"))),
        }
    }
    if !enveloped {
        return Err(fail(
            "the Reference lacks the enveloped-signature transform",
        ));
    }
    Ok(signature)
}

fn is_dsig(doc: &uppsala::Document<'_>, node: uppsala::NodeId, name: &str) -> bool {
    doc.element(node).is_some_and(|e| {
        *e.name.local_name == *name && e.name.namespace_uri.as_deref() == Some(DSIG_NS)
    })
}

fn dsig_children(
    doc: &uppsala::Document<'_>,
    parent: uppsala::NodeId,
    name: &str,
) -> Vec<uppsala::NodeId> {
    doc.children(parent)
        .into_iter()
        .filter(|&n| is_dsig(doc, n, name))
        .collect()
}

fn only_child(
    doc: &uppsala::Document<'_>,
    parent: uppsala::NodeId,
    name: &str,
) -> Result<uppsala::NodeId> {
    match dsig_children(doc, parent, name).as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::Signature(format!("no {name}"))),
        _ => Err(Error::Signature(format!("more than one {name}"))),
    }
}

fn algorithm<'d>(doc: &'d uppsala::Document<'_>, node: uppsala::NodeId) -> Result<&'d str> {
    doc.get_attribute(node, "Algorithm")
        .ok_or_else(|| Error::Signature("an Algorithm attribute is missing".into()))
}
