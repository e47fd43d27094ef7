//! Signatures whose whole CMS is made elsewhere: an eSign service provider receives only the
//! digest of the document's byte ranges and answers a detached CMS SignedData of its own
//! making, with a certificate it issued for that one signature. Unlike a signer-held key
//! (`sign::prepare`), nothing about the signer is known when the revision is built, so the
//! hole is sized for the largest CMS a provider sends and the CMS is checked, not assembled.

use std::ops::Range;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::OctetString;
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::cms::{OID_MESSAGE_DIGEST, OID_SIGNED_DATA};
use crate::crypto::{self, Hash};
use crate::error::{Error, Result};
use crate::sign::{Hollow, SignatureOptions, SubFilter, fill_hole, revision_with_hole};
use crate::signer::Signer;

/// Room for a provider's CMS: its signer and CA certificates, a CRL and a timestamp token
/// come to 8–15 KB in the signatures seen from Indian ESPs.
pub const CONTAINER_RESERVE: usize = 32 * 1024;
/// The largest CMS accepted from a provider: the hole holds no more.
pub const MAX_CMS_BYTES: usize = CONTAINER_RESERVE;

/// A revision waiting for a CMS made elsewhere over `document_digest`.
pub struct PreparedContainer {
    revision: Vec<u8>,
    hole: Range<usize>,
    /// SHA-256 of the signed byte ranges: what the provider signs (its `InputHash`).
    pub document_digest: [u8; 32],
}

/// Builds the revision (mark, field, an `adbe.pkcs7.detached` signature dictionary, since
/// providers' CMS carry signing time) and the digest to send.
pub fn prepare_container(input: &[u8], options: &SignatureOptions) -> Result<PreparedContainer> {
    let Hollow {
        revision,
        hole,
        document_digest,
    } = revision_with_hole(input, options, CONTAINER_RESERVE, SubFilter::Pkcs7Detached)?;
    Ok(PreparedContainer {
        revision,
        hole,
        document_digest,
    })
}

/// The stored form's first bytes; a change of the layout changes them.
const STORED_MAGIC: &[u8; 4] = b"SPC1";
/// Read back from our own database, but bounded all the same.
const MAX_STORED_REVISION: usize = 8 * 1024 * 1024;

impl PreparedContainer {
    /// Puts `cms` (checked with [`check_detached`] first) in the hole and returns the bytes
    /// to append to the document.
    pub fn embed(mut self, cms: &[u8]) -> Result<Vec<u8>> {
        fill_hole(&mut self.revision, &self.hole, cms)?;
        Ok(self.revision)
    }

    /// The state between the hand-off to the provider and its answer, which may come after a
    /// restart of the server.
    pub fn to_stored(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.revision.len() + 60);
        out.extend_from_slice(STORED_MAGIC);
        for n in [self.hole.start, self.hole.end] {
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
        out.extend_from_slice(&self.document_digest);
        out.extend_from_slice(&self.revision);
        out
    }

    /// Reads what [`to_stored`](Self::to_stored) wrote, checking that it holds together.
    pub fn from_stored(stored: &[u8]) -> Result<PreparedContainer> {
        let bad = || Error::Signing("the stored prepared signature is damaged".into());
        let rest = stored.strip_prefix(STORED_MAGIC).ok_or_else(bad)?;
        let (start, rest) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let (end, rest) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let (digest, revision) = rest.split_first_chunk::<32>().ok_or_else(bad)?;
        let number = |n: &[u8; 8]| usize::try_from(u64::from_be_bytes(*n)).map_err(|_| bad());
        let hole = number(start)?..number(end)?;
        if revision.len() > MAX_STORED_REVISION
            || hole.start == 0
            || hole.start > hole.end
            || hole.end >= revision.len()
            || !hole.len().is_multiple_of(2)
            || revision[hole.start - 1] != b'<'
            || revision[hole.end] != b'>'
        {
            return Err(bad());
        }
        Ok(PreparedContainer {
            revision: revision.to_vec(),
            hole,
            document_digest: *digest,
        })
    }
}

/// What a checked CMS says of its signer.
#[derive(Debug)]
pub struct CheckedCms {
    /// The certificate whose key made the signature.
    pub signer: Certificate,
    /// Every certificate the CMS carries, the signer's included.
    pub certificates: Vec<Certificate>,
}

/// Checks that `cms` is a detached SignedData with one signer, whose message-digest
/// attribute is `document_digest` and whose signature verifies with the certificate it
/// names. Trust in that certificate is the caller's to judge.
pub fn check_detached(cms: &[u8], document_digest: &[u8; 32]) -> Result<CheckedCms> {
    let bad = |why: &str| Error::Signing(format!("the CMS signature is not acceptable: {why}"));
    if cms.len() > MAX_CMS_BYTES {
        return Err(bad(&format!("over {MAX_CMS_BYTES} bytes")));
    }
    let ci = ContentInfo::from_der(cms).map_err(|_| bad("not DER CMS"))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err(bad("not SignedData"));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|_| bad("malformed SignedData"))?;
    if sd.encap_content_info.econtent.is_some() {
        return Err(bad(
            "the content is attached; a detached signature was asked for",
        ));
    }
    let mut signers = sd.signer_infos.0.iter();
    let (Some(si), None) = (signers.next(), signers.next()) else {
        return Err(bad("not exactly one signer"));
    };
    let certificates: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let signer = crate::verify::find_signer(&certificates, &si.sid)
        .ok_or_else(|| bad("the signer's certificate is not in the CMS"))?
        .clone();
    let hash = Hash::from_oid(&si.digest_alg.oid)
        .filter(|h| *h == Hash::Sha256)
        .ok_or_else(|| bad("the digest algorithm is not SHA-256"))?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| bad("no signed attributes"))?;
    let md = attrs
        .iter()
        .filter(|a| a.oid == OID_MESSAGE_DIGEST)
        .map(|a| {
            let mut values = a.values.iter();
            match (values.next(), values.next()) {
                (Some(v), None) => v.decode_as::<OctetString>().ok(),
                _ => None,
            }
        })
        .collect::<Vec<_>>();
    let [Some(md)] = md.as_slice() else {
        return Err(bad("not exactly one message-digest attribute"));
    };
    if md.as_bytes() != document_digest {
        return Err(bad("it signs another digest than the document's"));
    }
    let signed = attrs.to_der().map_err(|_| bad("signed attributes"))?;
    crypto::verify_signature(
        &signer.tbs_certificate.subject_public_key_info,
        &si.signature_algorithm,
        hash,
        &signed,
        si.signature.as_bytes(),
    )
    .map_err(|_| bad("the signature does not verify with the signer's certificate"))?;
    Ok(CheckedCms {
        signer,
        certificates,
    })
}

/// The provider's CMS with an RFC 3161 timestamp over its signature value (an unsigned
/// attribute, so the provider's signature stays as it made it): B-T. A CMS that carries a
/// timestamp already (some providers add their own) is returned as it is.
pub fn with_signature_timestamp(
    cms: &[u8],
    tsa: &dyn crate::timestamp::TimestampAuthority,
) -> Result<Vec<u8>> {
    let bad = |why: String| Error::Signing(format!("cannot timestamp the CMS: {why}"));
    let ci = ContentInfo::from_der(cms).map_err(|e| bad(e.to_string()))?;
    let mut sd: SignedData = ci.content.decode_as().map_err(|e| bad(e.to_string()))?;
    let mut infos: Vec<_> = sd.signer_infos.0.into_vec();
    let [si] = infos.as_mut_slice() else {
        return Err(bad("not exactly one signer".into()));
    };
    let stamped = si
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .any(|a| a.oid == crate::cms::OID_SIGNATURE_TIMESTAMP);
    if stamped {
        return Ok(cms.to_vec());
    }
    let token = crate::timestamp::timestamp_signature(tsa, si.signature.as_bytes())?;
    let attr = x509_cert::attr::Attribute {
        oid: crate::cms::OID_SIGNATURE_TIMESTAMP,
        values: der::asn1::SetOfVec::try_from(vec![
            der::asn1::Any::from_der(&token).map_err(|e| bad(e.to_string()))?,
        ])
        .map_err(|e| bad(e.to_string()))?,
    };
    let mut attrs = si
        .unsigned_attrs
        .take()
        .map(|a| a.into_vec())
        .unwrap_or_default();
    attrs.push(attr);
    si.unsigned_attrs = Some(der::asn1::SetOfVec::try_from(attrs).map_err(|e| bad(e.to_string()))?);
    sd.signer_infos = cms::signed_data::SignerInfos(
        der::asn1::SetOfVec::try_from(infos).map_err(|e| bad(e.to_string()))?,
    );
    ContentInfo {
        content_type: OID_SIGNED_DATA,
        content: der::asn1::Any::encode_from(&sd).map_err(|e| bad(e.to_string()))?,
    }
    .to_der()
    .map_err(|e| bad(e.to_string()))
}

/// A detached CMS over `document_digest` signed by `signer`, with a signing-time attribute
/// when `signing_time` is given: what an eSign provider answers (the ESP simulator's).
pub fn detached_cms(
    document_digest: &[u8; 32],
    signer: &dyn Signer,
    signing_time: Option<OffsetDateTime>,
) -> Result<Vec<u8>> {
    let chain = signer.certificates();
    let leaf = chain
        .first()
        .ok_or_else(|| Error::Key("no signer certificate".into()))?;
    let attrs = crate::cms::signed_attributes_at(document_digest, leaf, signing_time)?;
    let der = crate::cms::signed_attributes_der(&attrs)?;
    let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&der).into();
    let signature = signer.sign_digest(&digest)?;
    crate::cms::assemble(chain, signer.algorithm(), attrs, &signature, None)
}
