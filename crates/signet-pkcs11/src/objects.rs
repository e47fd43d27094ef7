//! The objects of a token that signing needs: X.509 certificates and keys, read through a
//! session, bounded in number.

use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::Session;
use der::Decode;
use x509_cert::Certificate;

use crate::error::{Error, Result};

/// Objects of one class read from one token at most: real tokens hold a handful, and a module
/// that reports thousands is not one to sign with.
const MAX_OBJECTS: usize = 256;

/// A certificate object. Certificates are public: reading them needs no login.
#[derive(Clone)]
pub(crate) struct CertObject {
    pub id: Vec<u8>,
    pub label: String,
    pub der: Vec<u8>,
    pub certificate: Certificate,
}

/// A key object: its handle, `CKA_ID`, `CKA_LABEL` and `CKA_KEY_TYPE`.
#[derive(Debug, Clone)]
pub(crate) struct KeyObject {
    pub handle: ObjectHandle,
    pub id: Vec<u8>,
    pub label: String,
    pub key_type: Option<KeyType>,
    /// `CKA_ALWAYS_AUTHENTICATE`: the PIN again between `C_SignInit` and `C_Sign`.
    pub always_authenticate: bool,
}

fn handles(session: &Session, template: &[Attribute]) -> Result<Vec<ObjectHandle>> {
    session
        .iter_objects(template)
        .map_err(Error::reading)?
        .take(MAX_OBJECTS)
        .collect::<std::result::Result<_, _>>()
        .map_err(Error::reading)
}

/// The token's X.509 certificates; one whose value does not parse is left out.
pub(crate) fn certificates(session: &Session) -> Result<Vec<CertObject>> {
    let template = [
        Attribute::Class(ObjectClass::CERTIFICATE),
        Attribute::CertificateType(CertificateType::X_509),
    ];
    let mut out = Vec::new();
    for handle in handles(session, &template)? {
        let attributes = session
            .get_attributes(
                handle,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Value,
                ],
            )
            .map_err(Error::reading)?;
        let mut cert = (Vec::new(), String::new(), Vec::new());
        for a in attributes {
            match a {
                Attribute::Id(id) => cert.0 = id,
                Attribute::Label(l) => cert.1 = String::from_utf8_lossy(&l).into_owned(),
                Attribute::Value(v) => cert.2 = v,
                _ => {}
            }
        }
        let (id, label, der) = cert;
        if let Ok(certificate) = Certificate::from_der(&der) {
            out.push(CertObject {
                id,
                label,
                der,
                certificate,
            });
        }
    }
    Ok(out)
}

/// The token's keys of `class` that this session can see: private keys usually only once
/// logged in, public keys always.
pub(crate) fn keys(session: &Session, class: ObjectClass) -> Result<Vec<KeyObject>> {
    let mut out = Vec::new();
    for handle in handles(session, &[Attribute::Class(class)])? {
        let attributes = session
            .get_attributes(
                handle,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::KeyType,
                    AttributeType::AlwaysAuthenticate,
                ],
            )
            .map_err(Error::reading)?;
        let mut key = KeyObject {
            handle,
            id: Vec::new(),
            label: String::new(),
            key_type: None,
            always_authenticate: false,
        };
        for a in attributes {
            match a {
                Attribute::Id(id) => key.id = id,
                Attribute::Label(l) => key.label = String::from_utf8_lossy(&l).into_owned(),
                Attribute::KeyType(t) => key.key_type = Some(t),
                Attribute::AlwaysAuthenticate(a) => key.always_authenticate = a,
                _ => {}
            }
        }
        out.push(key);
    }
    Ok(out)
}
