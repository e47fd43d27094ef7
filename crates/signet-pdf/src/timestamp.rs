//! RFC 3161 timestamps for PAdES B-T: asking a timestamp authority (TSA) to vouch for a
//! signature value, and checking the tokens found in signed PDFs.
//!
//! The engine speaks no HTTP: the server implements [`TimestampAuthority`] with its client.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{Any, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, Sequence, SliceReader, Tag, TagNumber, Tagged};
use rand_core::{OsRng, RngCore};
use sha2::Digest;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, DecodePublicKey};
use x509_cert::Certificate;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::ext::pkix::name::GeneralName;
use x509_tsp::{Accuracy, MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

use crate::error::{Error, Result};
use crate::signer::OID_SHA256;

/// The unsigned attribute of a CMS SignerInfo that carries the token (id-aa-timeStampToken).
pub const OID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const OID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const OID_SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const OID_ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// The transport to a timestamp authority, implemented by the server with its HTTP client
/// (`POST`, `Content-Type: application/timestamp-query`).
pub trait TimestampAuthority {
    /// POSTs a DER TimeStampReq, returns the DER TimeStampResp.
    fn exchange(&self, request_der: &[u8]) -> Result<Vec<u8>>;
}

/// Timestamps a CMS SignerInfo's signature value: SHA-256 imprint, random nonce, certReq=true;
/// checks the response status is granted, nonce and imprint match; returns the TimeStampToken
/// (a ContentInfo, DER) ready to be put in the unsigned attribute
/// [`OID_SIGNATURE_TIME_STAMP_TOKEN`].
pub fn timestamp_signature(
    tsa: &dyn TimestampAuthority,
    signature_value: &[u8],
) -> Result<Vec<u8>> {
    let imprint = sha2::Sha256::digest(signature_value).to_vec();
    let nonce = random_nonce()?;
    let request = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            // NULL parameters, as OpenSSL and most TSA clients send them.
            hash_algorithm: spki::AlgorithmIdentifier {
                oid: OID_SHA256,
                parameters: Some(Any::null()),
            },
            hashed_message: OctetString::new(imprint.clone()).map_err(ts_der)?,
        },
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: true,
        extensions: None,
    }
    .to_der()
    .map_err(ts_der)?;

    let response_der = tsa.exchange(&request)?;
    let response = TimeStampResp::from_der(&response_der).map_err(|e| {
        Error::Timestamp(format!("the answer is not an RFC 3161 TimeStampResp: {e}"))
    })?;
    check_status(&response)?;
    let token = response
        .time_stamp_token
        .ok_or_else(|| Error::Timestamp("the answer is granted but holds no token".into()))?;
    let token_der = token.to_der().map_err(ts_der)?;
    let parsed = ParsedToken::from_content_info(&token)?;
    let tst = &parsed.tst_info;
    if tst.message_imprint.hash_algorithm.oid != OID_SHA256
        || tst.message_imprint.hashed_message.as_bytes() != imprint.as_slice()
    {
        return Err(Error::Timestamp(
            "the token vouches for other data than the signature sent".into(),
        ));
    }
    if tst.nonce.as_ref() != Some(&nonce) {
        return Err(Error::Timestamp(
            "the token's nonce differs from the request's (a replayed or mixed-up answer)".into(),
        ));
    }
    Ok(token_der)
}

/// What a timestamp token says and whether it holds up.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub gen_time: time::OffsetDateTime,
    /// The TSA certificate's subject, or the TSTInfo's `tsa` name when no certificate is
    /// included.
    pub tsa_subject: Option<String>,
    /// The token's message imprint is the digest of the data it was checked against.
    pub imprint_matches: bool,
    /// The token's own CMS signature verifies with the TSA certificate included in it (signed
    /// attributes' content type and message digest, ESS signing-certificate binding when
    /// present, then the signature).
    pub signature_valid: bool,
    /// The certificates in the token, the TSA's own first; trust is the caller's decision.
    pub tsa_chain: Vec<Certificate>,
}

/// For the verifier: parses a token, checks its imprint against `signed_data` (SHA-1/256/384/512
/// as the token says), and verifies the token's own CMS signature (message-digest attribute
/// over the eContent TSTInfo, then RSA PKCS#1 v1.5 or ECDSA P-256/P-384 over the DER of the
/// signed attributes with the TSA certificate included in the token).
///
/// A token that cannot be parsed, or whose algorithms are not supported, is an
/// [`Error::Timestamp`]; a token that parses but does not hold up has `imprint_matches` or
/// `signature_valid` false.
pub fn inspect_token(token_der: &[u8], signed_data: &[u8]) -> Result<TokenInfo> {
    let content_info = ContentInfo::from_der(token_der)
        .map_err(|e| Error::Timestamp(format!("the token is not a CMS ContentInfo: {e}")))?;
    let token = ParsedToken::from_content_info(&content_info)?;
    let tst = &token.tst_info;

    let imprint_algorithm = tst.message_imprint.hash_algorithm.oid;
    let expected = digest(imprint_algorithm, signed_data).ok_or_else(|| {
        Error::Timestamp(format!(
            "unsupported message imprint algorithm {imprint_algorithm}"
        ))
    })?;
    let imprint_matches = tst.message_imprint.hashed_message.as_bytes() == expected.as_slice();

    let signer_cert = token.signer_certificate();
    let signature_valid = match signer_cert {
        Some(cert) => token.signature_holds(cert)?,
        None => false,
    };

    let tsa_subject = signer_cert
        .map(|c| c.tbs_certificate.subject.to_string())
        .or_else(|| match &tst.tsa {
            Some(GeneralName::DirectoryName(name)) => Some(name.to_string()),
            _ => None,
        });
    let tsa_chain = match signer_cert {
        Some(cert) => {
            let rest = token
                .certificates
                .iter()
                .filter(|c| *c != cert)
                .cloned()
                .collect();
            crate::keys::order_chain(cert.clone(), rest)
        }
        None => token.certificates.clone(),
    };

    Ok(TokenInfo {
        gen_time: parse_generalized_time(&tst.gen_time)?,
        tsa_subject,
        imprint_matches,
        signature_valid,
        tsa_chain,
    })
}

/// RFC 3161 TSTInfo. x509-tsp's own type holds genTime as der's `GeneralizedTime`, which
/// refuses the fractional seconds many TSAs send (RFC 3161 allows them), so the time is kept
/// raw here and parsed by [`parse_generalized_time`].
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TstInfo {
    version: TspVersion,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

struct ParsedToken {
    signer_info: SignerInfo,
    /// The signed attributes exactly as the TSA encoded them, retagged as a SET: what the
    /// signature covers. Re-encoding the decoded attributes could reorder them.
    signed_attrs_der: Option<Vec<u8>>,
    /// The eContent octets: what the message-digest attribute covers.
    tst_info_der: Vec<u8>,
    tst_info: TstInfo,
    certificates: Vec<Certificate>,
}

impl ParsedToken {
    fn from_content_info(content_info: &ContentInfo) -> Result<ParsedToken> {
        if content_info.content_type != OID_SIGNED_DATA {
            return Err(Error::Timestamp(format!(
                "the token is not CMS SignedData but {}",
                content_info.content_type
            )));
        }
        let signed_data: SignedData = content_info
            .content
            .decode_as()
            .map_err(|e| Error::Timestamp(format!("the token's SignedData: {e}")))?;
        let encap = &signed_data.encap_content_info;
        if encap.econtent_type != OID_TST_INFO {
            return Err(Error::Timestamp(format!(
                "the token's content is {}, not a TSTInfo",
                encap.econtent_type
            )));
        }
        let tst_info_der = encap
            .econtent
            .as_ref()
            .ok_or_else(|| Error::Timestamp("the token has no TSTInfo".into()))?
            .decode_as::<OctetString>()
            .map_err(|e| Error::Timestamp(format!("the token's TSTInfo wrapper: {e}")))?
            .into_bytes();
        let tst_info = TstInfo::from_der(&tst_info_der)
            .map_err(|e| Error::Timestamp(format!("the token's TSTInfo: {e}")))?;

        let mut signer_infos = signed_data.signer_infos.0.into_vec();
        if signer_infos.len() != 1 {
            return Err(Error::Timestamp(format!(
                "a timestamp token has one signer, this one has {}",
                signer_infos.len()
            )));
        }
        let signer_info = signer_infos.remove(0);
        let signed_attrs_der = raw_signed_attrs(&content_info.content)
            .map_err(|e| Error::Timestamp(format!("the token's signed attributes: {e}")))?;

        let certificates = signed_data
            .certificates
            .map(|set| {
                set.0
                    .into_vec()
                    .into_iter()
                    .filter_map(|choice| match choice {
                        cms::cert::CertificateChoices::Certificate(c) => Some(c),
                        cms::cert::CertificateChoices::Other(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default();

        Ok(ParsedToken {
            signer_info,
            signed_attrs_der,
            tst_info_der,
            tst_info,
            certificates,
        })
    }

    fn signer_certificate(&self) -> Option<&Certificate> {
        self.certificates
            .iter()
            .find(|cert| match &self.signer_info.sid {
                SignerIdentifier::IssuerAndSerialNumber(id) => {
                    cert.tbs_certificate.issuer == id.issuer
                        && cert.tbs_certificate.serial_number == id.serial_number
                }
                SignerIdentifier::SubjectKeyIdentifier(ski) => cert
                    .tbs_certificate
                    .get::<SubjectKeyIdentifier>()
                    .ok()
                    .flatten()
                    .is_some_and(|(_, own)| own == *ski),
            })
    }

    /// Whether the token's CMS signature holds with `cert`. Errors only for what cannot be
    /// checked (unsupported algorithms).
    fn signature_holds(&self, cert: &Certificate) -> Result<bool> {
        let info = &self.signer_info;
        let (Some(attrs), Some(attrs_der)) = (&info.signed_attrs, &self.signed_attrs_der) else {
            // RFC 5652 5.3: content other than id-data must come with signed attributes.
            return Ok(false);
        };
        let digest_alg = info.digest_alg.oid;
        let content_digest = digest(digest_alg, &self.tst_info_der).ok_or_else(|| {
            Error::Timestamp(format!("unsupported token digest algorithm {digest_alg}"))
        })?;

        let single_value = |oid: ObjectIdentifier| -> Option<&Any> {
            let mut found = attrs.iter().filter(|a| a.oid == oid);
            let attr = found.next()?;
            if found.next().is_some() || attr.values.len() != 1 {
                return None;
            }
            attr.values.get(0)
        };
        let content_type_ok = single_value(OID_CONTENT_TYPE)
            .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
            == Some(OID_TST_INFO);
        let message_digest_ok = single_value(OID_MESSAGE_DIGEST)
            .and_then(|v| v.decode_as::<OctetString>().ok())
            .is_some_and(|d| d.as_bytes() == content_digest.as_slice());
        if !content_type_ok || !message_digest_ok {
            return Ok(false);
        }
        if !self.signing_certificate_matches(cert) {
            return Ok(false);
        }

        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(ts_der)?;
        let hash = signature_hash(&info.signature_algorithm, digest_alg)?;
        let attrs_digest = digest(hash, attrs_der)
            .ok_or_else(|| Error::Timestamp(format!("unsupported token signature hash {hash}")))?;
        verify_signature(
            &cert.tbs_certificate.subject_public_key_info.algorithm,
            &spki,
            hash,
            &attrs_digest,
            info.signature.as_bytes(),
        )
    }

    /// The ESS signing-certificate(-v2) attribute, when present, must name `cert`: it stops a
    /// different certificate for the same key from being passed off as the TSA's.
    fn signing_certificate_matches(&self, cert: &Certificate) -> bool {
        let Some(attrs) = &self.signer_info.signed_attrs else {
            return false;
        };
        let Ok(cert_der) = cert.to_der() else {
            return false;
        };
        for attr in attrs.iter() {
            let v2 = attr.oid == OID_SIGNING_CERTIFICATE_V2;
            if !v2 && attr.oid != OID_SIGNING_CERTIFICATE {
                continue;
            }
            let Some((hash_alg, hash)) = attr.values.get(0).and_then(|v| first_ess_cert_id(v, v2))
            else {
                return false;
            };
            if digest(hash_alg, &cert_der).as_deref() != Some(hash.as_slice()) {
                return false;
            }
        }
        true
    }
}

/// The (hash algorithm, certificate hash) of the first ESSCertID(v2) in a SigningCertificate
/// (v1: always SHA-1) or SigningCertificateV2 (default SHA-256) value.
fn first_ess_cert_id(value: &Any, v2: bool) -> Option<(ObjectIdentifier, Vec<u8>)> {
    let top = children(value.value()).ok()?;
    let certs = top.first()?;
    let ids = children(certs.value()).ok()?;
    let fields = children(ids.first()?.value()).ok()?;
    let mut fields = fields.iter();
    let mut field = fields.next()?;
    let mut hash_alg = if v2 { OID_SHA256 } else { OID_SHA1 };
    if v2 && field.tag() == Tag::Sequence {
        hash_alg = field.decode_as::<AlgorithmIdentifierOwned>().ok()?.oid;
        field = fields.next()?;
    }
    let hash = field.decode_as::<OctetString>().ok()?;
    Some((hash_alg, hash.into_bytes()))
}

/// The signed attributes of the (only) SignerInfo as encoded in the token, with the `[0]`
/// IMPLICIT tag replaced by SET as RFC 5652 5.4 prescribes for the signature input.
fn raw_signed_attrs(signed_data: &Any) -> der::Result<Option<Vec<u8>>> {
    let fields = children(signed_data.value())?;
    let Some(signer_infos) = fields.last().filter(|f| f.tag() == Tag::Set) else {
        return Err(Tag::Set.value_error());
    };
    let infos = children(signer_infos.value())?;
    let Some(info) = infos.first() else {
        return Ok(None);
    };
    let signed_attrs_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N0,
    };
    children(info.value())?
        .iter()
        .find(|f| f.tag() == signed_attrs_tag)
        .map(|f| Any::new(Tag::Set, f.value()).and_then(|a| a.to_der()))
        .transpose()
}

/// The TLVs inside a constructed value.
fn children(value: &[u8]) -> der::Result<Vec<Any>> {
    let mut reader = SliceReader::new(value)?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(reader.decode()?);
    }
    Ok(out)
}

fn digest(algorithm: ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    Some(match algorithm {
        a if a == OID_SHA256 => sha2::Sha256::digest(data).to_vec(),
        a if a == OID_SHA384 => sha2::Sha384::digest(data).to_vec(),
        a if a == OID_SHA512 => sha2::Sha512::digest(data).to_vec(),
        a if a == OID_SHA1 => sha1::Sha1::digest(data).to_vec(),
        _ => return None,
    })
}

/// The hash the signature was computed with: named by a combined signature algorithm, or the
/// SignerInfo's digest algorithm when the signature algorithm names only the key type.
fn signature_hash(
    signature_algorithm: &AlgorithmIdentifierOwned,
    digest_alg: ObjectIdentifier,
) -> Result<ObjectIdentifier> {
    let oid = signature_algorithm.oid;
    Ok(match oid {
        o if o == OID_RSA_ENCRYPTION || o == OID_EC_PUBLIC_KEY => digest_alg,
        o if o == OID_SHA1_WITH_RSA || o == OID_ECDSA_WITH_SHA1 => OID_SHA1,
        o if o == OID_SHA256_WITH_RSA || o == OID_ECDSA_WITH_SHA256 => OID_SHA256,
        o if o == OID_SHA384_WITH_RSA || o == OID_ECDSA_WITH_SHA384 => OID_SHA384,
        o if o == OID_SHA512_WITH_RSA || o == OID_ECDSA_WITH_SHA512 => OID_SHA512,
        _ => {
            return Err(Error::Timestamp(format!(
                "unsupported token signature algorithm {oid}"
            )));
        }
    })
}

fn verify_signature(
    key_algorithm: &AlgorithmIdentifierOwned,
    spki_der: &[u8],
    hash: ObjectIdentifier,
    hashed: &[u8],
    signature: &[u8],
) -> Result<bool> {
    if key_algorithm.oid == OID_RSA_ENCRYPTION {
        let key = rsa::RsaPublicKey::from_public_key_der(spki_der)
            .map_err(|e| Error::Timestamp(format!("the TSA's RSA key: {e}")))?;
        let scheme = match hash {
            h if h == OID_SHA1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            h if h == OID_SHA256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            h if h == OID_SHA384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            _ => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        return Ok(key.verify(scheme, hashed, signature).is_ok());
    }
    if key_algorithm.oid == OID_EC_PUBLIC_KEY {
        let curve = key_algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        if curve == Some(OID_P256) {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der)
                .map_err(|e| Error::Timestamp(format!("the TSA's P-256 key: {e}")))?;
            let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                return Ok(false);
            };
            return Ok(key.verify_prehash(hashed, &sig).is_ok());
        }
        if curve == Some(OID_P384) {
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki_der)
                .map_err(|e| Error::Timestamp(format!("the TSA's P-384 key: {e}")))?;
            let Ok(sig) = p384::ecdsa::Signature::from_der(signature) else {
                return Ok(false);
            };
            return Ok(key.verify_prehash(hashed, &sig).is_ok());
        }
        return Err(Error::Timestamp(format!(
            "unsupported EC curve for the TSA key: {}",
            curve.map_or("none named".to_string(), |c| c.to_string())
        )));
    }
    Err(Error::Timestamp(format!(
        "unsupported TSA key algorithm {}",
        key_algorithm.oid
    )))
}

fn check_status(response: &TimeStampResp<'_>) -> Result<()> {
    let status = response.status.status as u8;
    // granted (0) and grantedWithMods (1) carry a token; everything else is a refusal.
    if status <= 1 {
        return Ok(());
    }
    let name = match status {
        2 => "rejection",
        3 => "waiting",
        4 => "revocation warning",
        5 => "revocation notification",
        _ => "refusal",
    };
    let text = response
        .status
        .status_string
        .as_ref()
        .map(|texts| {
            texts
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|t| !t.is_empty());
    let mut message = format!("the timestamp authority answered {name} (status {status})");
    if let Some(text) = text {
        message.push_str(&format!(": {text}"));
    }
    if let Some(fail) = &response.status.fail_info {
        message.push_str(&format!(" [{fail:?}]"));
    }
    Err(Error::Timestamp(message))
}

/// 64 random bits as a positive INTEGER, canonical so the echoed value compares equal.
fn random_nonce() -> Result<Int> {
    let mut bytes = [0u8; 8];
    OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Int::new(&bytes).map_err(ts_der)
}

/// RFC 3161 genTime: `YYYYMMDDhhmmss[.f+]Z`.
fn parse_generalized_time(value: &Any) -> Result<time::OffsetDateTime> {
    let bad = || Error::Timestamp("the token's genTime is not a valid GeneralizedTime".into());
    if value.tag() != Tag::GeneralizedTime {
        return Err(bad());
    }
    let text = std::str::from_utf8(value.value()).map_err(|_| bad())?;
    let text = text.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let field = |range: std::ops::Range<usize>| -> Result<u32> {
        whole[range].parse::<u32>().map_err(|_| bad())
    };
    let month =
        time::Month::try_from(u8::try_from(field(4..6)?).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(
        i32::try_from(field(0..4)?).map_err(|_| bad())?,
        month,
        u8::try_from(field(6..8)?).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let mut nanos = 0u32;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // Digits past nanoseconds carry no meaning here.
        let digits: String = fraction
            .chars()
            .chain(std::iter::repeat('0'))
            .take(9)
            .collect();
        nanos = digits.parse().map_err(|_| bad())?;
    }
    let time_of_day = time::Time::from_hms_nano(
        u8::try_from(field(8..10)?).map_err(|_| bad())?,
        u8::try_from(field(10..12)?).map_err(|_| bad())?,
        u8::try_from(field(12..14)?).map_err(|_| bad())?,
        nanos,
    )
    .map_err(|_| bad())?;
    Ok(time::PrimitiveDateTime::new(date, time_of_day).assume_utc())
}

fn ts_der(e: der::Error) -> Error {
    Error::Timestamp(format!("encoding: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_time(text: &str) -> Result<time::OffsetDateTime> {
        parse_generalized_time(&Any::new(Tag::GeneralizedTime, text.as_bytes()).unwrap())
    }

    #[test]
    fn generalized_time_with_and_without_fraction() {
        let t = gen_time("20261129120304Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_795_953_784);
        assert_eq!(t.nanosecond(), 0);
        let t = gen_time("20261129120304.5Z").unwrap();
        assert_eq!(t.nanosecond(), 500_000_000);
        let t = gen_time("20261129120304.123456789123Z").unwrap();
        assert_eq!(t.nanosecond(), 123_456_789);
        for bad in [
            "20261129120304",
            "20261129120304.Z",
            "2026112912030Z",
            "20261329120304Z",
            "20261129250304Z",
            "2026112912030+Z",
            "20261129120304.1x2Z",
            "20261129120304+0100",
            "",
        ] {
            assert!(gen_time(bad).is_err(), "{bad}");
        }
        let utc = Any::new(Tag::UtcTime, b"261129120304Z".as_slice()).unwrap();
        assert!(parse_generalized_time(&utc).is_err());
    }

    #[test]
    fn nonces_are_positive_and_canonical() {
        for _ in 0..64 {
            let nonce = random_nonce().unwrap();
            let bytes = nonce.as_bytes();
            assert_eq!(bytes.len(), 8);
            assert!(bytes[0] > 0 && bytes[0] < 0x80);
            assert_eq!(Int::from_der(&nonce.to_der().unwrap()).unwrap(), nonce);
        }
    }
}
