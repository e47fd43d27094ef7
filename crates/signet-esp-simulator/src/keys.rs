//! The simulator's own PKI: a CA ("Signet ESP Simulator CA") that issues the signers'
//! short-lived certificates, and the ESP certificate that signs every `EsignResp`. Both live
//! in the data directory so that an ASP configured with `ca.pem` and `esp.pem` keeps working
//! across restarts.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use der::asn1::{Any, ObjectIdentifier, PrintableStringRef, SetOfVec, Utf8StringRef};
use der::{Encode, Tag};
use rand_core::{OsRng, RngCore};
use rsa::RsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use sha2::{Digest, Sha256};
use signet_pdf::keys::{
    certificate_to_pem, key_to_pkcs8_pem, load_certificates_pem, load_private_key_pem,
};
use signet_pdf::signer::PrivateKey;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::CertificatePolicies;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::kyc::Person;

pub const CA_CERT_FILE: &str = "ca.pem";
pub const CA_KEY_FILE: &str = "ca.key.pem";
pub const ESP_CERT_FILE: &str = "esp.pem";
pub const ESP_KEY_FILE: &str = "esp.key.pem";

const CA_NAME: &str = "Signet ESP Simulator CA";
const ESP_NAME: &str = "Signet ESP Simulator";
const ORGANIZATION: &str = "Signet";
const RSA_BITS: usize = 2048;
const DAY: u64 = 24 * 60 * 60;
const CA_LIFETIME: Duration = Duration::from_secs(20 * 365 * DAY);
const ESP_LIFETIME: Duration = Duration::from_secs(10 * 365 * DAY);
/// Real eSign certificates live about half an hour: long enough to embed the signature.
pub const SIGNER_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// A verifier whose clock lags ours must not see a certificate that is not valid yet.
const SIGNER_BACKDATE: Duration = Duration::from_secs(60);

/// The CCA's policy for "Aadhaar-Online-eKYC-OTP Class" eSign certificates.
const OID_ESIGN_OTP_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.356.100.2.4.1");
const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_POSTAL_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.17");
const OID_ST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const OID_STREET: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.9");
const OID_L: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const OID_DN_QUALIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.46");
const OID_PSEUDONYM: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.65");
const OID_TITLE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.12");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

/// The CA and the ESP's response-signing key.
pub struct Authority {
    pub ca: Certificate,
    ca_key: RsaPrivateKey,
    pub esp: Certificate,
    esp_key: RsaPrivateKey,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

impl Authority {
    /// Loads `ca.pem`/`ca.key.pem` and `esp.pem`/`esp.key.pem` from `dir`, creating what is
    /// missing. Keys are PKCS#8 PEM with mode 0600.
    pub fn load_or_create(dir: &Path) -> Result<Authority, String> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let ca_cert = dir.join(CA_CERT_FILE);
        let ca_key = dir.join(CA_KEY_FILE);
        let esp_cert = dir.join(ESP_CERT_FILE);
        let esp_key = dir.join(ESP_KEY_FILE);

        let (ca, ca_key) = match load_pair(&ca_cert, &ca_key)? {
            Some(pair) => pair,
            None if esp_cert.exists() => {
                // A new CA would not vouch for the existing ESP certificate; say so rather
                // than replacing a key an ASP may have pinned.
                return Err(format!(
                    "{} exists but {} is missing: restore it, or remove {} too",
                    esp_cert.display(),
                    ca_cert.display(),
                    esp_cert.display()
                ));
            }
            None => {
                let key = rsa_key()?;
                let name = simple_name(CA_NAME)?;
                let signer = rsa_signer(&key);
                let builder = CertificateBuilder::new(
                    Profile::Root,
                    random_serial()?,
                    validity(SystemTime::now(), Duration::from_secs(3600), CA_LIFETIME)?,
                    name,
                    spki(&key)?,
                    &signer,
                )
                .map_err(builder_error)?;
                let cert = builder
                    .build::<rsa::pkcs1v15::Signature>()
                    .map_err(builder_error)?;
                store_pair(&ca_cert, &ca_key, &cert, key.clone())?;
                (cert, key)
            }
        };

        let (esp, esp_key) = match load_pair(&esp_cert, &esp_key)? {
            Some(pair) => pair,
            None => {
                let key = rsa_key()?;
                let cert = issue(
                    &ca,
                    &ca_key,
                    simple_name(ESP_NAME)?,
                    &key,
                    validity(SystemTime::now(), Duration::from_secs(3600), ESP_LIFETIME)?,
                    None,
                )?;
                store_pair(&esp_cert, &esp_key, &cert, key.clone())?;
                (cert, key)
            }
        };
        if esp.tbs_certificate.issuer != ca.tbs_certificate.subject {
            return Err(format!(
                "{} was not issued by {}",
                esp_cert.display(),
                ca_cert.display()
            ));
        }
        Ok(Authority {
            ca,
            ca_key,
            esp,
            esp_key,
        })
    }

    /// The signer of `EsignResp` messages.
    pub fn xml_signer(&self) -> Result<signet_esign::dsig::XmlSigner, String> {
        let key = self
            .esp_key
            .to_pkcs8_der()
            .map_err(|e| format!("the ESP key: {e}"))?;
        let cert = self
            .esp
            .to_der()
            .map_err(|e| format!("the ESP certificate: {e}"))?;
        signet_esign::dsig::XmlSigner::new(key.as_bytes(), &cert).map_err(|e| e.to_string())
    }

    /// A signer's certificate for `person` and their key: the subject of real eSign
    /// certificates (C, postalCode, ST, street, L, dnQualifier, pseudonym, title, CN), valid
    /// 30 minutes from a minute ago, policy 2.16.356.100.2.4.1, sha256WithRSA.
    pub fn issue_signer_certificate(
        &self,
        person: &Person,
        key: &RsaPrivateKey,
        now: SystemTime,
    ) -> Result<Certificate, String> {
        let validity = validity(now, SIGNER_BACKDATE, SIGNER_LIFETIME - SIGNER_BACKDATE)?;
        let policies = CertificatePolicies(vec![PolicyInformation {
            policy_identifier: OID_ESIGN_OTP_POLICY,
            policy_qualifiers: None,
        }]);
        issue(
            &self.ca,
            &self.ca_key,
            signer_name(person)?,
            key,
            validity,
            Some(policies),
        )
    }
}

/// A fresh RSA key. Slow (a second or more in debug builds), hence the callers' caches.
pub fn rsa_key() -> Result<RsaPrivateKey, String> {
    RsaPrivateKey::new(&mut OsRng, RSA_BITS).map_err(|e| format!("RSA key generation: {e}"))
}

fn issue(
    ca: &Certificate,
    ca_key: &RsaPrivateKey,
    subject: Name,
    key: &RsaPrivateKey,
    validity: Validity,
    policies: Option<CertificatePolicies>,
) -> Result<Certificate, String> {
    let profile = Profile::Leaf {
        issuer: ca.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    let signer = rsa_signer(ca_key);
    let mut builder = CertificateBuilder::new(
        profile,
        random_serial()?,
        validity,
        subject,
        spki(key)?,
        &signer,
    )
    .map_err(builder_error)?;
    if let Some(policies) = policies {
        builder.add_extension(&policies).map_err(builder_error)?;
    }
    builder
        .build::<rsa::pkcs1v15::Signature>()
        .map_err(builder_error)
}

/// The subject in the order real eSign certificates carry it. dnQualifier is the year of
/// birth, the gender and 40 hex digits, pseudonym 32 hex digits: both derived from the
/// Aadhaar number, so one person's certificates agree, as a real ESP's do.
fn signer_name(p: &Person) -> Result<Name, String> {
    let digest = |label: &str| hex::encode(Sha256::digest(format!("{label}|{}", p.aadhaar)));
    let dn_qualifier = format!("{}{}{}", p.yob, p.gender, &digest("dnQualifier")[..40]);
    let pseudonym = digest("pseudonym")[..32].to_owned();
    let title = p.aadhaar[p.aadhaar.len() - 4..].to_owned();
    let mut rdns = vec![
        rdn(OID_C, printable("IN")?)?,
        rdn(OID_POSTAL_CODE, utf8(&p.pincode)?)?,
        rdn(OID_ST, utf8(&p.state)?)?,
    ];
    if let Some(street) = &p.street {
        rdns.push(rdn(OID_STREET, utf8(street)?)?);
    }
    if let Some(locality) = &p.locality {
        rdns.push(rdn(OID_L, utf8(locality)?)?);
    }
    rdns.push(rdn(OID_DN_QUALIFIER, printable(&dn_qualifier)?)?);
    rdns.push(rdn(OID_PSEUDONYM, utf8(&pseudonym)?)?);
    rdns.push(rdn(OID_TITLE, utf8(&title)?)?);
    rdns.push(rdn(OID_CN, utf8(&p.name)?)?);
    Ok(RdnSequence(rdns))
}

fn simple_name(common_name: &str) -> Result<Name, String> {
    Ok(RdnSequence(vec![
        rdn(OID_C, printable("IN")?)?,
        rdn(OID_O, utf8(ORGANIZATION)?)?,
        rdn(OID_CN, utf8(common_name)?)?,
    ]))
}

fn rdn(oid: ObjectIdentifier, value: Any) -> Result<RelativeDistinguishedName, String> {
    let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }])
        .map_err(|e| format!("name attribute {oid}: {e}"))?;
    Ok(RelativeDistinguishedName(set))
}

fn utf8(value: &str) -> Result<Any, String> {
    Utf8StringRef::new(value)
        .and_then(|s| Any::encode_from(&s))
        .map_err(|e| format!("name value {value:?}: {e}"))
}

fn printable(value: &str) -> Result<Any, String> {
    PrintableStringRef::new(value)
        .and_then(|s| Any::new(Tag::PrintableString, s.as_bytes()))
        .map_err(|e| format!("name value {value:?}: {e}"))
}

fn rsa_signer(key: &RsaPrivateKey) -> rsa::pkcs1v15::SigningKey<Sha256> {
    rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone())
}

fn spki(key: &RsaPrivateKey) -> Result<SubjectPublicKeyInfoOwned, String> {
    SubjectPublicKeyInfoOwned::from_key(key.to_public_key())
        .map_err(|e| format!("cannot encode the public key: {e}"))
}

/// 16 random bytes, positive and always 16 octets: a fresh serial for every certificate.
fn random_serial() -> Result<SerialNumber, String> {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(|e| format!("serial number: {e}"))
}

fn validity(now: SystemTime, back: Duration, ahead: Duration) -> Result<Validity, String> {
    let time = |t: SystemTime| Time::try_from(t).map_err(|e| format!("validity: {e}"));
    Ok(Validity {
        not_before: time(now - back)?,
        not_after: time(now + ahead)?,
    })
}

fn builder_error(e: x509_cert::builder::Error) -> String {
    format!("cannot build the certificate: {e}")
}

/// The pair at these paths, `None` when neither file exists; one without the other is an
/// error, since guessing would replace a key certificates were issued for.
fn load_pair(cert: &Path, key: &Path) -> Result<Option<(Certificate, RsaPrivateKey)>, String> {
    match (cert.exists(), key.exists()) {
        (false, false) => return Ok(None),
        (true, true) => {}
        (true, false) | (false, true) => {
            let (present, absent) = if cert.exists() {
                (cert, key)
            } else {
                (key, cert)
            };
            return Err(format!(
                "{} is missing while {} exists: restore it, or remove both",
                absent.display(),
                present.display()
            ));
        }
    }
    let read =
        |p: &Path| fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let mut certs =
        load_certificates_pem(&read(cert)?).map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.len() != 1 {
        return Err(format!("{}: expected one certificate", cert.display()));
    }
    let certificate = certs.remove(0);
    let PrivateKey::Rsa(rsa_key) =
        load_private_key_pem(&read(key)?).map_err(|e| format!("{}: {e}", key.display()))?
    else {
        return Err(format!("{}: expected an RSA key", key.display()));
    };
    let ours = spki(&rsa_key)?.to_der().map_err(|e| e.to_string())?;
    let theirs = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    if ours != theirs {
        return Err(format!(
            "{} does not belong to {}",
            key.display(),
            cert.display()
        ));
    }
    Ok(Some((certificate, *rsa_key)))
}

fn store_pair(
    cert_path: &Path,
    key_path: &Path,
    cert: &Certificate,
    key: RsaPrivateKey,
) -> Result<(), String> {
    let pem = key_to_pkcs8_pem(&PrivateKey::Rsa(Box::new(key))).map_err(|e| e.to_string())?;
    write_atomically(key_path, pem.as_bytes(), 0o600)?;
    write_atomically(cert_path, certificate_to_pem(cert).as_bytes(), 0o644)
}

fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> Result<(), String> {
    signet_pdf::keys::write_atomically(path, contents, mode).map_err(|e| e.to_string())
}
