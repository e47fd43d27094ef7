//! Revocation data for long-term validation (PAdES B-LT): where a certificate says its status
//! is published (OCSP responders, CRL distribution points), OCSP requests and the checks of
//! their answers, CRL checks, and [`collect_validation_data`], which gathers all of it for a
//! signer's chain so that [`crate::dss`] can embed it.
//!
//! The engine speaks no HTTP: the server implements [`RevocationSource`] with its client.
//! Everything fetched is untrusted: bounded in size, parsed without panics, and believed only
//! once its signature verifies with the issuer's key (or a responder the issuer delegated to).

use std::time::Duration;

use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use rand_core::{OsRng, RngCore};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, BasicConstraints, CrlDistributionPoints, CrlReason, ExtendedKeyUsage,
};
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, OcspRequest, OcspResponse, OcspResponseStatus, Request, ResponderId,
    SingleResponse, TbsRequest, Version,
};

use crate::certificate::issued_by;
use crate::crypto::{self, Hash};
use crate::error::{Error, Result};

/// An OCSP answer is one signed structure with, at most, the responder's chain: a few KB.
pub const MAX_OCSP_RESPONSE: usize = 64 * 1024;
/// Large public CAs publish CRLs of a few MB; anything larger would also bloat every signed
/// PDF that embeds it.
pub const MAX_CRL: usize = 8 * 1024 * 1024;
/// Longer chains are not met in practice and would multiply the fetches.
const MAX_CHAIN: usize = 8;
/// Sources tried per certificate and kind: a certificate may name several mirrors.
const MAX_URLS: usize = 4;
const MAX_URL_LEN: usize = 2048;
/// Clocks of responders, CAs and this server disagree by this much without anyone being wrong.
const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
/// An OCSP answer without nextUpdate claims nothing about its lifetime (RFC 6960 2.4); it is
/// taken as current for this long.
const UNDATED_OCSP_LIFETIME: Duration = Duration::from_secs(24 * 3600);

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_AIA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
const OID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const OID_CRL_DISTRIBUTION_POINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const OID_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const OID_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_DELTA_CRL_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");
const OID_ISSUING_DISTRIBUTION_POINT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.28");
const OID_AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const OID_CRL_REASON: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");

/// The transport to OCSP responders and CRL distribution points, implemented by the server
/// with its HTTP client. Both answer the body as received, refusing more than
/// [`MAX_OCSP_RESPONSE`] / [`MAX_CRL`] bytes; a transport failure is
/// [`Error::RevocationUnavailable`].
pub trait RevocationSource {
    /// POSTs a DER OCSPRequest (`application/ocsp-request`) to `url`, returns the DER
    /// OCSPResponse.
    fn ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>>;
    /// GETs the CRL at `url` (DER).
    fn crl(&self, url: &str) -> Result<Vec<u8>>;
}

/// Where a certificate says its revocation status is published. Only `http:` addresses are
/// kept: OCSP and CRLs are signed data that need no TLS, and an `https:` responder would need a
/// revocation check of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationUrls {
    pub ocsp: Vec<String>,
    pub crl: Vec<String>,
}

impl RevocationUrls {
    pub fn is_empty(&self) -> bool {
        self.ocsp.is_empty() && self.crl.is_empty()
    }
}

/// The OCSP responders of the Authority Information Access extension and the CRL distribution
/// points (full names; points whose CRL another party issues are left out, since their CRL is
/// checked against the certificate's issuer). A damaged extension names nothing.
pub fn revocation_urls(cert: &Certificate) -> RevocationUrls {
    let mut urls = RevocationUrls::default();
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id == OID_AIA {
            let Ok(aia) = AuthorityInfoAccessSyntax::from_der(ext.extn_value.as_bytes()) else {
                continue;
            };
            for access in aia.0 {
                if access.access_method == OID_AD_OCSP {
                    push_http(&mut urls.ocsp, &access.access_location);
                }
            }
        } else if ext.extn_id == OID_CRL_DISTRIBUTION_POINTS {
            let Ok(points) = CrlDistributionPoints::from_der(ext.extn_value.as_bytes()) else {
                continue;
            };
            for point in points.0 {
                if point.crl_issuer.is_some() {
                    continue;
                }
                if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                    for name in names {
                        push_http(&mut urls.crl, name);
                    }
                }
            }
        }
    }
    urls
}

fn push_http(out: &mut Vec<String>, name: &GeneralName) {
    let GeneralName::UniformResourceIdentifier(uri) = name else {
        return;
    };
    let uri = uri.as_str();
    let is_http = uri
        .get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
    if is_http && uri.len() <= MAX_URL_LEN && out.len() < MAX_URLS && !out.iter().any(|u| u == uri)
    {
        out.push(uri.to_string());
    }
}

/// A certificate's status as an OCSP responder or a CRL states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    Revoked {
        time: OffsetDateTime,
        /// RFC 5280's name of the reason (`keyCompromise`, …), when one is given.
        reason: Option<&'static str>,
    },
    /// The responder does not know the certificate (OCSP only).
    Unknown,
}

/// What a checked OCSP answer or CRL says about one certificate.
#[derive(Debug, Clone)]
pub struct Checked {
    pub status: CertStatus,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    /// The delegated responder that signed an OCSP answer, which a validator needs too.
    pub responder: Option<Certificate>,
}

/// An OCSP request for one certificate, and what its answer must echo.
#[derive(Debug, Clone)]
pub struct OcspQuery {
    pub der: Vec<u8>,
    nonce: Vec<u8>,
}

/// A request for `cert`'s status: a SHA-1 CertID (what every responder answers; SHA-1 only
/// names the certificate here, nothing is signed with it) and a random nonce.
pub fn ocsp_request(cert: &Certificate, issuer: &Certificate) -> Result<OcspQuery> {
    let cert_id = cert_id(Hash::Sha1, OID_SHA1, issuer, cert)?;
    let mut nonce = vec![0u8; 16];
    OsRng.fill_bytes(&mut nonce);
    let nonce_ext = x509_cert::ext::Extension {
        extn_id: OID_OCSP_NONCE,
        critical: false,
        extn_value: Nonce::new(nonce.clone())
            .and_then(|n| n.to_der())
            .and_then(OctetString::new)
            .map_err(encoding)?,
    };
    let der = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            request_extensions: Some(vec![nonce_ext]),
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(encoding)?;
    Ok(OcspQuery { der, nonce })
}

fn cert_id(
    hash: Hash,
    oid: ObjectIdentifier,
    issuer: &Certificate,
    cert: &Certificate,
) -> Result<CertId> {
    let issuer_name = issuer.tbs_certificate.subject.to_der().map_err(encoding)?;
    let issuer_key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid,
            parameters: Some(Any::null()),
        },
        issuer_name_hash: OctetString::new(hash.digest(&[&issuer_name])).map_err(encoding)?,
        issuer_key_hash: OctetString::new(hash.digest(&[issuer_key])).map_err(encoding)?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

/// Checks an OCSP answer about `cert` (issued by `issuer`) at `now`: the response is
/// successful and basic, signed by the issuer or by a responder certificate the issuer issued
/// for OCSP signing, it answers for this certificate, echoes `query`'s nonce if it carries
/// one, and is current. Anything else is [`Error::Revocation`].
pub fn check_ocsp_response(
    response_der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    query: Option<&OcspQuery>,
    now: OffsetDateTime,
) -> Result<Checked> {
    if response_der.len() > MAX_OCSP_RESPONSE {
        return Err(invalid(format!(
            "the OCSP answer is {} bytes, over the limit of {MAX_OCSP_RESPONSE}",
            response_der.len()
        )));
    }
    let response = OcspResponse::from_der(response_der)
        .map_err(|e| invalid(format!("the answer is not an OCSP response: {e}")))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(invalid(format!(
            "the OCSP responder answered {:?}",
            response.response_status
        )));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| invalid("the OCSP answer is successful but empty"))?;
    if bytes.response_type != OID_OCSP_BASIC {
        return Err(invalid(format!(
            "the OCSP answer is of type {}, not basic",
            bytes.response_type
        )));
    }
    let basic_der = bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(basic_der)
        .map_err(|e| invalid(format!("the basic OCSP response: {e}")))?;
    let data = &basic.tbs_response_data;

    let single = matching_response(&data.responses, cert, issuer)?;
    let signer = ocsp_signer(&basic, issuer, now)?;
    // The signature covers the responder's own encoding of the data: re-encoding what was
    // decoded could differ from it.
    let signed =
        first_element(basic_der).map_err(|e| invalid(format!("the basic OCSP response: {e}")))?;
    crypto::verify_signature(
        &signer.tbs_certificate.subject_public_key_info,
        &basic.signature_algorithm,
        Hash::Sha256,
        signed,
        basic.signature.raw_bytes(),
    )
    .map_err(|e| invalid(format!("the OCSP answer's signature: {e}")))?;

    if let (Some(query), Some(echoed)) = (query, data.nonce())
        && echoed.0.as_bytes() != query.nonce.as_slice()
    {
        return Err(invalid(
            "the OCSP answer's nonce differs from the request's (a replayed answer)",
        ));
    }

    let this_update = instant(single.this_update.0.to_unix_duration())?;
    let next_update = match &single.next_update {
        Some(t) => Some(instant(t.0.to_unix_duration())?),
        None => None,
    };
    check_freshness(
        "OCSP answer",
        this_update,
        next_update.unwrap_or(this_update + UNDATED_OCSP_LIFETIME),
        now,
    )?;

    let status = match &single.cert_status {
        x509_ocsp::CertStatus::Good(_) => CertStatus::Good,
        x509_ocsp::CertStatus::Unknown(_) => CertStatus::Unknown,
        x509_ocsp::CertStatus::Revoked(info) => CertStatus::Revoked {
            time: instant(info.revocation_time.0.to_unix_duration())?,
            reason: info.revocation_reason.map(reason_name),
        },
    };
    let responder = (!same_cert(signer, issuer)).then(|| signer.clone());
    Ok(Checked {
        status,
        this_update,
        next_update,
        responder,
    })
}

/// The answer about `cert` among an OCSP response's answers, matched by its CertID in whatever
/// hash the responder chose.
fn matching_response<'a>(
    responses: &'a [SingleResponse],
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<&'a SingleResponse> {
    for single in responses {
        let id = &single.cert_id;
        let Some(hash) = Hash::from_oid(&id.hash_algorithm.oid) else {
            continue;
        };
        let expected = cert_id(hash, id.hash_algorithm.oid, issuer, cert)?;
        if id.issuer_name_hash == expected.issuer_name_hash
            && id.issuer_key_hash == expected.issuer_key_hash
            && id.serial_number == expected.serial_number
        {
            return Ok(single);
        }
    }
    Err(invalid(
        "the OCSP answer does not speak about the certificate asked for",
    ))
}

/// Who signed an OCSP response: the issuer itself, or a responder certificate carried in the
/// response that the issuer issued with the OCSP-signing purpose (RFC 6960 4.2.2.2).
fn ocsp_signer<'a>(
    basic: &'a BasicOcspResponse,
    issuer: &'a Certificate,
    now: OffsetDateTime,
) -> Result<&'a Certificate> {
    let responder_id = &basic.tbs_response_data.responder_id;
    if names_responder(responder_id, issuer) {
        return Ok(issuer);
    }
    let candidate = basic
        .certs
        .iter()
        .flatten()
        .find(|c| names_responder(responder_id, c))
        .ok_or_else(|| {
            invalid("the OCSP answer is signed by a responder whose certificate it does not carry")
        })?;
    if !issued_by(candidate, issuer) {
        return Err(invalid(
            "the OCSP responder's certificate was not issued by the certificate's issuer",
        ));
    }
    if !has_ocsp_signing(candidate) {
        return Err(invalid(
            "the OCSP responder's certificate is not meant for OCSP signing",
        ));
    }
    let validity = &candidate.tbs_certificate.validity;
    let not_before = instant(validity.not_before.to_unix_duration())?;
    let not_after = instant(validity.not_after.to_unix_duration())?;
    if now + CLOCK_SKEW < not_before || now - CLOCK_SKEW > not_after {
        return Err(invalid("the OCSP responder's certificate is not valid now"));
    }
    Ok(candidate)
}

fn names_responder(id: &ResponderId, cert: &Certificate) -> bool {
    match id {
        ResponderId::ByName(name) => *name == cert.tbs_certificate.subject,
        ResponderId::ByKey(hash) => {
            let key = cert
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes();
            hash.as_bytes() == Hash::Sha1.digest(&[key]).as_slice()
        }
    }
}

fn has_ocsp_signing(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == OID_EXT_KEY_USAGE)
        .filter_map(|e| ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok())
        .any(|eku| eku.0.contains(&OID_KP_OCSP_SIGNING))
}

/// Checks a CRL for `cert` at `now`: issued and signed by `issuer`, complete for this kind of
/// certificate (no delta CRL, no partition by reasons, no indirect CRL), current, and whether it
/// lists the serial. Anything else is [`Error::Revocation`].
pub fn check_crl(
    crl_der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    now: OffsetDateTime,
) -> Result<Checked> {
    if crl_der.len() > MAX_CRL {
        return Err(invalid(format!(
            "the CRL is {} bytes, over the limit of {MAX_CRL}",
            crl_der.len()
        )));
    }
    let crl = CertificateList::from_der(crl_der)
        .map_err(|e| invalid(format!("the answer is not a CRL: {e}")))?;
    let tbs = &crl.tbs_cert_list;
    if tbs.issuer != issuer.tbs_certificate.subject {
        return Err(invalid(format!(
            "the CRL is issued by {}, not by the certificate's issuer",
            tbs.issuer
        )));
    }
    let signed = first_element(crl_der).map_err(|e| invalid(format!("the CRL: {e}")))?;
    crypto::verify_signature(
        &issuer.tbs_certificate.subject_public_key_info,
        &crl.signature_algorithm,
        Hash::Sha256,
        signed,
        crl.signature.raw_bytes(),
    )
    .map_err(|e| invalid(format!("the CRL's signature: {e}")))?;

    for ext in tbs.crl_extensions.iter().flatten() {
        if ext.extn_id == OID_ISSUING_DISTRIBUTION_POINT {
            let idp = IssuingDistributionPoint::from_der(ext.extn_value.as_bytes())
                .map_err(|e| invalid(format!("the CRL's issuing distribution point: {e}")))?;
            check_scope(&idp, cert)?;
        } else if ext.extn_id == OID_DELTA_CRL_INDICATOR {
            return Err(invalid("the CRL is a delta CRL, which lists only changes"));
        } else if ext.critical
            && ext.extn_id != OID_CRL_NUMBER
            && ext.extn_id != OID_AUTHORITY_KEY_IDENTIFIER
        {
            return Err(invalid(format!(
                "the CRL has a critical extension this checker does not know ({})",
                ext.extn_id
            )));
        }
    }

    let this_update = instant(tbs.this_update.to_unix_duration())?;
    // RFC 5280 5.1.2.5: conforming CRLs say when the next one is due; one that does not
    // cannot be judged current.
    let next_update = tbs
        .next_update
        .map(|t| instant(t.to_unix_duration()))
        .transpose()?
        .ok_or_else(|| invalid("the CRL does not say when it expires (no nextUpdate)"))?;
    check_freshness("CRL", this_update, next_update, now)?;

    let serial = &cert.tbs_certificate.serial_number;
    let entry = tbs
        .revoked_certificates
        .iter()
        .flatten()
        .find(|entry| entry.serial_number == *serial);
    let status = match entry {
        None => CertStatus::Good,
        Some(entry) => {
            let reason = entry
                .crl_entry_extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == OID_CRL_REASON)
                .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok());
            if reason == Some(CrlReason::RemoveFromCRL) {
                CertStatus::Good
            } else {
                CertStatus::Revoked {
                    time: instant(entry.revocation_date.to_unix_duration())?,
                    reason: reason.map(reason_name),
                }
            }
        }
    };
    Ok(Checked {
        status,
        this_update,
        next_update: Some(next_update),
        responder: None,
    })
}

/// A CRL limited by its issuing distribution point must cover this certificate whole.
fn check_scope(idp: &IssuingDistributionPoint, cert: &Certificate) -> Result<()> {
    if idp.indirect_crl {
        return Err(invalid("indirect CRLs are not supported"));
    }
    if idp.only_some_reasons.is_some() {
        return Err(invalid(
            "the CRL covers only some revocation reasons, so it cannot show a certificate good",
        ));
    }
    if idp.only_contains_attribute_certs {
        return Err(invalid("the CRL lists only attribute certificates"));
    }
    let ca = is_ca(cert);
    if (idp.only_contains_user_certs && ca) || (idp.only_contains_ca_certs && !ca) {
        return Err(invalid(
            "the CRL covers another kind of certificate (end entity or CA)",
        ));
    }
    Ok(())
}

fn is_ca(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == OID_BASIC_CONSTRAINTS)
        .filter_map(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
        .any(|bc| bc.ca)
}

fn check_freshness(
    what: &str,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<()> {
    if this_update > now + CLOCK_SKEW {
        return Err(invalid(format!(
            "the {what} is dated {this_update}, in the future"
        )));
    }
    if next_update < now - CLOCK_SKEW {
        return Err(invalid(format!(
            "the {what} is stale: it was current until {next_update}"
        )));
    }
    Ok(())
}

/// Revocation data for a chain, DER, as the DSS holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationData {
    /// The chain and the OCSP responders' certificates, each once.
    pub certs: Vec<Vec<u8>>,
    /// OCSPResponse structures, as the responders sent them.
    pub ocsps: Vec<Vec<u8>>,
    /// CertificateList structures.
    pub crls: Vec<Vec<u8>>,
}

impl ValidationData {
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty() && self.ocsps.is_empty() && self.crls.is_empty()
    }

    /// Adds what `other` holds that this does not.
    pub fn merge(&mut self, other: ValidationData) {
        for (mine, theirs) in [
            (&mut self.certs, other.certs),
            (&mut self.ocsps, other.ocsps),
            (&mut self.crls, other.crls),
        ] {
            for item in theirs {
                push_unique(mine, item);
            }
        }
    }

    fn add_cert(&mut self, cert: &Certificate) -> Result<()> {
        push_unique(&mut self.certs, cert.to_der().map_err(encoding)?);
        Ok(())
    }
}

fn push_unique(list: &mut Vec<Vec<u8>>, item: Vec<u8>) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Gathers the revocation data of a signer's chain (leaf first, as signing takes it): for each
/// certificate but a self-issued root, an OCSP answer from the responders it names, or else a
/// CRL from its distribution points, each checked against its issuer, which must be in the
/// chain.
///
/// - `Ok(None)`: no certificate of the chain names a responder or a CRL; there is nothing to
///   embed, and that is no fault.
/// - [`Error::Revoked`] (`certificate.revoked`): a certificate of the chain is revoked (or on
///   hold).
/// - [`Error::RevocationUnavailable`] (`certificate.revocation.unavailable`): a certificate
///   names sources but none gave a usable answer (unreachable, invalid, stale, or the status
///   is unknown); the reasons are in the message. The signature stands; it only cannot be
///   made long-term.
pub fn collect_validation_data(
    chain: &[Certificate],
    source: &dyn RevocationSource,
    now: OffsetDateTime,
) -> Result<Option<ValidationData>> {
    if chain.len() > MAX_CHAIN {
        return Err(Error::RevocationUnavailable(format!(
            "the chain has {} certificates, over the limit of {MAX_CHAIN}",
            chain.len()
        )));
    }
    let mut data = ValidationData::default();
    let mut named = false;
    let mut failures = Vec::new();
    // A CRL serves every certificate its CA issued: fetched once per call.
    let mut crl_cache: Vec<(String, std::result::Result<Vec<u8>, String>)> = Vec::new();
    for cert in chain {
        data.add_cert(cert)?;
        let tbs = &cert.tbs_certificate;
        if tbs.subject == tbs.issuer {
            continue;
        }
        let urls = revocation_urls(cert);
        if urls.is_empty() {
            continue;
        }
        named = true;
        let issuer = chain.iter().find(|c| issued_by(cert, c));
        let Some(issuer) = issuer else {
            failures.push(format!(
                "{}: its issuer is not in the chain, so no answer about it can be checked",
                tbs.subject
            ));
            continue;
        };
        match status_of(cert, issuer, &urls, source, now, &mut crl_cache)? {
            Ok(Evidence::Ocsp { der, responder }) => {
                push_unique(&mut data.ocsps, der);
                if let Some(responder) = responder {
                    data.add_cert(&responder)?;
                }
            }
            Ok(Evidence::Crl(der)) => push_unique(&mut data.crls, der),
            Err(reasons) => failures.push(format!("{}: {}", tbs.subject, reasons.join("; "))),
        }
    }
    if !failures.is_empty() {
        return Err(Error::RevocationUnavailable(failures.join(" | ")));
    }
    Ok(named.then_some(data))
}

enum Evidence {
    Ocsp {
        der: Vec<u8>,
        responder: Option<Box<Certificate>>,
    },
    Crl(Vec<u8>),
}

/// The first usable answer about `cert`: OCSP first (small, and current by design), then the
/// CRLs. `Err(Error::Revoked)` ends the search; `Ok(Err(reasons))` says why nothing was usable.
fn status_of(
    cert: &Certificate,
    issuer: &Certificate,
    urls: &RevocationUrls,
    source: &dyn RevocationSource,
    now: OffsetDateTime,
    crl_cache: &mut Vec<(String, std::result::Result<Vec<u8>, String>)>,
) -> Result<std::result::Result<Evidence, Vec<String>>> {
    let mut reasons = Vec::new();
    for url in &urls.ocsp {
        let query = ocsp_request(cert, issuer)?;
        let answer = source.ocsp(url, &query.der).and_then(|der| {
            let checked = check_ocsp_response(&der, cert, issuer, Some(&query), now)?;
            Ok((der, checked))
        });
        match answer {
            Ok((der, checked)) => match checked.status {
                CertStatus::Good => {
                    return Ok(Ok(Evidence::Ocsp {
                        der,
                        responder: checked.responder.map(Box::new),
                    }));
                }
                CertStatus::Revoked { time, reason } => return Err(revoked(cert, time, reason)),
                CertStatus::Unknown => reasons.push(format!("OCSP {url}: status unknown")),
            },
            Err(e) => reasons.push(format!("OCSP {url}: {e}")),
        }
    }
    for url in &urls.crl {
        let fetched = match crl_cache.iter().find(|(u, _)| u == url) {
            Some((_, cached)) => cached.clone(),
            None => {
                let fetched = source.crl(url).map_err(|e| e.to_string());
                crl_cache.push((url.clone(), fetched.clone()));
                fetched
            }
        };
        let der = match fetched {
            Ok(der) => der,
            Err(e) => {
                reasons.push(format!("CRL {url}: {e}"));
                continue;
            }
        };
        match check_crl(&der, cert, issuer, now) {
            Ok(checked) => match checked.status {
                CertStatus::Revoked { time, reason } => return Err(revoked(cert, time, reason)),
                _ => return Ok(Ok(Evidence::Crl(der))),
            },
            Err(e) => reasons.push(format!("CRL {url}: {e}")),
        }
    }
    Ok(Err(reasons))
}

fn revoked(cert: &Certificate, time: OffsetDateTime, reason: Option<&'static str>) -> Error {
    Error::Revoked {
        subject: cert.tbs_certificate.subject.to_string(),
        time: time
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| time.to_string()),
        reason: reason.unwrap_or("unspecified"),
    }
}

fn reason_name(reason: CrlReason) -> &'static str {
    match reason {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}

fn same_cert(a: &Certificate, b: &Certificate) -> bool {
    a.tbs_certificate.subject == b.tbs_certificate.subject
        && a.tbs_certificate.subject_public_key_info == b.tbs_certificate.subject_public_key_info
}

/// The first element of a DER SEQUENCE, header included, exactly as encoded.
fn first_element(der: &[u8]) -> der::Result<&[u8]> {
    let mut outer = SliceReader::new(der)?;
    let header = outer.peek_header()?;
    if header.tag != der::Tag::Sequence {
        return Err(header.tag.unexpected_error(Some(der::Tag::Sequence)));
    }
    outer.sequence(|inner| {
        let first = inner.tlv_bytes()?;
        // The rest of the sequence is the decoder's business; consume it so that the
        // sequence reads as complete.
        while !inner.is_finished() {
            inner.tlv_bytes()?;
        }
        Ok(first)
    })
}

fn instant(since_epoch: Duration) -> Result<OffsetDateTime> {
    i64::try_from(since_epoch.as_secs())
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .ok_or_else(|| invalid("a time out of range"))
}

fn invalid(message: impl Into<String>) -> Error {
    Error::Revocation(message.into())
}

fn encoding(e: der::Error) -> Error {
    Error::Revocation(format!("encoding: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_root;
    use der::asn1::Ia5String;
    use x509_cert::ext::Extension;
    use x509_cert::ext::pkix::AccessDescription;
    use x509_cert::ext::pkix::crl::dp::DistributionPoint;

    fn uri(s: &str) -> GeneralName {
        GeneralName::UniformResourceIdentifier(Ia5String::new(s).unwrap())
    }

    fn with_extensions(extensions: Vec<Extension>) -> Certificate {
        let (mut cert, _) = generate_root("Test", "Test").unwrap();
        cert.tbs_certificate.extensions = Some(extensions);
        cert
    }

    fn extension(oid: ObjectIdentifier, value: &impl Encode) -> Extension {
        Extension {
            extn_id: oid,
            critical: false,
            extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
        }
    }

    fn point(names: Vec<GeneralName>, crl_issuer: bool) -> DistributionPoint {
        DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(names)),
            reasons: None,
            crl_issuer: crl_issuer.then(|| vec![uri("http://issuer.example/")]),
        }
    }

    /// A source that must not be asked.
    struct Nobody;

    impl RevocationSource for Nobody {
        fn ocsp(&self, url: &str, _: &[u8]) -> Result<Vec<u8>> {
            panic!("asked {url}")
        }
        fn crl(&self, url: &str) -> Result<Vec<u8>> {
            panic!("asked {url}")
        }
    }

    #[test]
    fn only_http_sources_are_named() {
        let aia = AuthorityInfoAccessSyntax(
            [
                "http://ocsp.example/",
                "HTTP://OCSP2.example/",
                "https://ocsp.example/",
                "ldap://ldap.example/",
                "http://ocsp.example/",
            ]
            .iter()
            .map(|u| AccessDescription {
                access_method: OID_AD_OCSP,
                access_location: uri(u),
            })
            .chain(std::iter::once(AccessDescription {
                // caIssuers: where the issuer's certificate is, not its status
                access_method: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2"),
                access_location: uri("http://ca.example/ca.cer"),
            }))
            .collect(),
        );
        let cdp = CrlDistributionPoints(vec![
            point(vec![uri("http://crl.example/a.crl")], false),
            point(vec![uri("http://indirect.example/b.crl")], true),
            point(vec![uri("ldap://crl.example/c")], false),
        ]);
        let cert = with_extensions(vec![
            extension(OID_AIA, &aia),
            extension(OID_CRL_DISTRIBUTION_POINTS, &cdp),
        ]);
        assert_eq!(
            revocation_urls(&cert),
            RevocationUrls {
                ocsp: vec![
                    "http://ocsp.example/".to_string(),
                    "HTTP://OCSP2.example/".to_string()
                ],
                crl: vec!["http://crl.example/a.crl".to_string()],
            }
        );

        let many = AuthorityInfoAccessSyntax(
            (0..20)
                .map(|i| AccessDescription {
                    access_method: OID_AD_OCSP,
                    access_location: uri(&format!("http://ocsp{i}.example/")),
                })
                .collect(),
        );
        let cert = with_extensions(vec![extension(OID_AIA, &many)]);
        assert_eq!(revocation_urls(&cert).ocsp.len(), MAX_URLS);

        // A damaged extension names nothing, and is no error.
        let damaged = Extension {
            extn_id: OID_AIA,
            critical: false,
            extn_value: OctetString::new(vec![0x30, 0x05, 0x01]).unwrap(),
        };
        assert!(revocation_urls(&with_extensions(vec![damaged])).is_empty());
    }

    #[test]
    fn garbage_and_oversized_answers_are_invalid() {
        let (cert, _) = generate_root("Leaf", "Test").unwrap();
        let (issuer, _) = generate_root("Issuer", "Test").unwrap();
        let now = OffsetDateTime::now_utc();
        for bad in [
            vec![],
            b"not DER".to_vec(),
            vec![0x30, 0x80, 0x00, 0x00],
            vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            // A successful OCSPResponse without responseBytes.
            vec![0x30, 0x03, 0x0a, 0x01, 0x00],
            // tryLater.
            vec![0x30, 0x03, 0x0a, 0x01, 0x03],
        ] {
            let e = check_ocsp_response(&bad, &cert, &issuer, None, now).unwrap_err();
            assert_eq!(e.code(), "certificate.revocation.invalid", "{e}");
            let e = check_crl(&bad, &cert, &issuer, now).unwrap_err();
            assert_eq!(e.code(), "certificate.revocation.invalid", "{e}");
        }
        let big = vec![0x30; MAX_OCSP_RESPONSE + 1];
        let e = check_ocsp_response(&big, &cert, &issuer, None, now).unwrap_err();
        assert!(e.to_string().contains("over the limit"), "{e}");
        let big = vec![0x30; MAX_CRL + 1];
        let e = check_crl(&big, &cert, &issuer, now).unwrap_err();
        assert!(e.to_string().contains("over the limit"), "{e}");
    }

    #[test]
    fn requests_name_the_certificate_by_sha1_and_carry_a_nonce() {
        let (cert, _) = generate_root("Leaf", "Test").unwrap();
        let (issuer, _) = generate_root("Issuer", "Test").unwrap();
        let query = ocsp_request(&cert, &issuer).unwrap();
        let request = OcspRequest::from_der(&query.der).unwrap();
        let single = &request.tbs_request.request_list[0].req_cert;
        assert_eq!(single.hash_algorithm.oid, OID_SHA1);
        assert_eq!(single.serial_number, cert.tbs_certificate.serial_number);
        assert_eq!(
            single.issuer_key_hash.as_bytes(),
            Hash::Sha1
                .digest(&[issuer
                    .tbs_certificate
                    .subject_public_key_info
                    .subject_public_key
                    .raw_bytes()])
                .as_slice()
        );
        assert_eq!(
            request.nonce().unwrap().0.as_bytes(),
            query.nonce.as_slice()
        );
        assert_ne!(ocsp_request(&cert, &issuer).unwrap().nonce, query.nonce);
    }

    #[test]
    fn chains_that_name_nothing_need_nothing() {
        let (root, _) = generate_root("Root", "Test").unwrap();
        let (leaf, _) = generate_root("Leaf", "Test").unwrap();
        let now = OffsetDateTime::now_utc();
        assert!(
            collect_validation_data(&[leaf.clone(), root.clone()], &Nobody, now)
                .unwrap()
                .is_none()
        );

        // A certificate that names a source but whose issuer is missing cannot be checked.
        let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
            access_method: OID_AD_OCSP,
            access_location: uri("http://ocsp.example/"),
        }]);
        let mut named = with_extensions(vec![extension(OID_AIA, &aia)]);
        named.tbs_certificate.issuer = root.tbs_certificate.subject.clone();
        let e = collect_validation_data(&[named.clone()], &Nobody, now).unwrap_err();
        assert_eq!(e.code(), "certificate.revocation.unavailable");
        assert!(e.to_string().contains("issuer is not in the chain"), "{e}");

        let long = vec![leaf; MAX_CHAIN + 1];
        let e = collect_validation_data(&long, &Nobody, now).unwrap_err();
        assert_eq!(e.code(), "certificate.revocation.unavailable");
    }

    #[test]
    fn first_element_is_read_as_encoded() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        assert_eq!(first_element(&der).unwrap(), &[0x02, 0x01, 0x05]);
        assert!(first_element(&[0x31, 0x00]).is_err());
        assert!(first_element(&[0x30, 0x00]).is_err());
        assert!(first_element(&[0x30, 0x05, 0x02, 0x01]).is_err());
    }
}
