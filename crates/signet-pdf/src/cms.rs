//! CMS SignedData for PAdES baseline signatures, assembled from RustCrypto's `cms` types.
//!
//! The `cms` builder signs in one step with a key it holds; PAdES with signer-held keys needs
//! the to-be-signed digest handed out and the signature taken back later, and B-T needs an
//! unsigned attribute added after signing, so the SignerInfo is assembled here instead.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use crate::error::{Error, Result};
use crate::signer::{OID_SHA256, SignatureAlgorithm};

pub const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub const OID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub const OID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
pub const OID_SIGNATURE_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// RFC 5035 `IssuerSerial`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// RFC 5035 `ESSCertIDv2`; the hash algorithm is omitted because SHA-256 is its default.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn der_err(e: der::Error) -> Error {
    Error::Signing(format!("DER encoding: {e}"))
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(der_err)?,
    })
}

pub fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: OID_SHA256,
        parameters: None,
    }
}

/// The PAdES signed attributes: content type, message digest and signing-certificate-v2.
/// PAdES forbids the CMS signing-time attribute; the time goes in the signature's `/M`.
pub fn signed_attributes(
    document_digest: &[u8; 32],
    signer: &Certificate,
) -> Result<SetOfVec<Attribute>> {
    signed_attributes_at(document_digest, signer, None)
}

/// The same with a CMS signing-time attribute when `signing_time` is given: what eSign
/// providers send, and why their signatures go under `adbe.pkcs7.detached`.
pub fn signed_attributes_at(
    document_digest: &[u8; 32],
    signer: &Certificate,
    signing_time: Option<time::OffsetDateTime>,
) -> Result<SetOfVec<Attribute>> {
    let cert_der = signer.to_der().map_err(der_err)?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(&cert_der).to_vec()).map_err(der_err)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    signer.tbs_certificate.issuer.clone(),
                )],
                serial_number: signer.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    let mut attrs = vec![
        attribute(
            OID_CONTENT_TYPE,
            Any::encode_from(&OID_DATA).map_err(der_err)?,
        )?,
        attribute(
            OID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(document_digest.to_vec()).map_err(der_err)?)
                .map_err(der_err)?,
        )?,
        attribute(
            OID_SIGNING_CERTIFICATE_V2,
            Any::encode_from(&ess).map_err(der_err)?,
        )?,
    ];
    if let Some(at) = signing_time {
        let secs = u64::try_from(at.unix_timestamp())
            .map_err(|_| Error::Signing("signing time before 1970".into()))?;
        let time = x509_cert::time::Time::try_from(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
        )
        .map_err(der_err)?;
        attrs.push(attribute(
            OID_SIGNING_TIME,
            Any::encode_from(&time).map_err(der_err)?,
        )?);
    }
    SetOfVec::try_from(attrs).map_err(der_err)
}

/// What the signature value covers: the DER `SET OF` encoding of the signed attributes.
pub fn signed_attributes_der(attrs: &SetOfVec<Attribute>) -> Result<Vec<u8>> {
    attrs.to_der().map_err(der_err)
}

/// Assembles the DER ContentInfo of a detached SignedData.
pub fn assemble(
    chain: &[Certificate],
    algorithm: SignatureAlgorithm,
    signed_attrs: SetOfVec<Attribute>,
    signature: &[u8],
    timestamp_token: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let leaf = chain
        .first()
        .ok_or_else(|| Error::Signing("no signer certificate".into()))?;
    let unsigned_attrs = match timestamp_token {
        None => None,
        Some(token) => {
            let token = Any::from_der(token)
                .map_err(|e| Error::Timestamp(format!("token is not DER: {e}")))?;
            Some(
                SetOfVec::try_from(vec![attribute(OID_SIGNATURE_TIMESTAMP, token)?])
                    .map_err(der_err)?,
            )
        }
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.tbs_certificate.issuer.clone(),
            serial_number: leaf.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: algorithm.algorithm_identifier(),
        signature: OctetString::new(signature.to_vec()).map_err(der_err)?,
        unsigned_attrs,
    };
    let certificates = chain
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect::<Vec<_>>();
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()]).map_err(der_err)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: OID_DATA,
            econtent: None,
        },
        certificates: Some(cms::signed_data::CertificateSet(
            SetOfVec::try_from(certificates).map_err(der_err)?,
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(der_err)?),
    };
    ContentInfo {
        content_type: OID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}
