//! Where keys come from: the local root and sealing certificate Signet creates on first start,
//! an operator's PKCS#12, PEM keys and certificates.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use der::asn1::{Any, SetOfVec, Utf8StringRef};
use der::oid::AssociatedOid;
use der::pem::LineEnding;
use der::{Decode, DecodePem, Encode, EncodePem, asn1::ObjectIdentifier};
use p256::ecdsa::{DerSignature, SigningKey as P256SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rand_core::{OsRng, RngCore};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::{AsExtension, Extension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use p256::elliptic_curve::zeroize::Zeroizing;

use crate::certificate::issued_by;
use crate::error::{Error, Result};
use crate::signer::{LocalSigner, PrivateKey};

const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// id-kp-emailProtection: poppler's pdfsig validates through NSS as an e-mail signer, which
/// refuses a certificate whose extended key usage lacks this purpose.
pub const OID_KP_EMAIL_PROTECTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
/// Adobe Authentic Documents Trust, the purpose Acrobat looks for on document-signing
/// certificates.
pub const OID_ADOBE_AUTHENTIC_DOCUMENTS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.5");

const DAY: u64 = 24 * 60 * 60;
const ROOT_LIFETIME: Duration = Duration::from_secs(20 * 365 * DAY);
const SEAL_LIFETIME: Duration = Duration::from_secs(10 * 365 * DAY);
/// Start validity a little in the past so that a validator whose clock lags ours does not see
/// a certificate that is not yet valid.
const BACKDATE: Duration = Duration::from_secs(60 * 60);
/// X.520 upper bound for commonName and organizationName.
const MAX_NAME_LEN: usize = 64;

pub const ROOT_CERT_FILE: &str = "root.pem";
pub const ROOT_KEY_FILE: &str = "root.key.pem";
pub const SEAL_CERT_FILE: &str = "seal.pem";
pub const SEAL_KEY_FILE: &str = "seal.key.pem";

/// What the server uses on first start: a local root CA and a sealing certificate issued by it.
#[derive(Debug, Clone)]
pub struct SealingKeys {
    pub root: Certificate,
    /// The sealing key with its chain: the sealing certificate, then the root.
    pub signer: LocalSigner,
}

/// A self-signed P-256 root: CA:TRUE and keyCertSign + cRLSign (both critical), SKI, 20 years.
pub fn generate_root(common_name: &str, organization: &str) -> Result<(Certificate, PrivateKey)> {
    let subject = distinguished_name(common_name, organization)?;
    let key = P256SigningKey::random(&mut OsRng);
    let spki = spki_of(key.verifying_key())?;
    let builder = CertificateBuilder::new(
        Profile::Root,
        random_serial()?,
        validity(ROOT_LIFETIME)?,
        subject,
        spki,
        &key,
    )
    .map_err(builder_error)?;
    let cert = builder.build::<DerSignature>().map_err(builder_error)?;
    Ok((cert, PrivateKey::P256(key)))
}

/// A P-256 end-entity certificate for sealing PDFs, issued by `root_cert`: CA:FALSE,
/// digitalSignature + nonRepudiation (critical), SKI/AKI, 10 years, and extended key usage
/// emailProtection + Adobe Authentic Documents.
pub fn issue_sealing_certificate(
    root_cert: &Certificate,
    root_key: &PrivateKey,
    common_name: &str,
    organization: &str,
) -> Result<(Certificate, PrivateKey)> {
    if !key_matches(root_cert, root_key)? {
        return Err(Error::Key(
            "the root key does not match the root certificate".into(),
        ));
    }
    let subject = distinguished_name(common_name, organization)?;
    let key = P256SigningKey::random(&mut OsRng);
    let spki = spki_of(key.verifying_key())?;
    let profile = Profile::Leaf {
        issuer: root_cert.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    // pyHanko requires nonRepudiation (the profile sets it) and accepts any extended key
    // usage; pdfsig (NSS, e-mail signer usage) requires emailProtection once the extension is
    // present; Acrobat accepts either purpose below.
    let eku = NonCriticalEku(ExtendedKeyUsage(vec![
        OID_KP_EMAIL_PROTECTION,
        OID_ADOBE_AUTHENTIC_DOCUMENTS,
    ]));
    let serial = random_serial()?;
    let validity = validity(SEAL_LIFETIME)?;
    let cert = match root_key {
        PrivateKey::P256(root) => {
            let mut builder =
                CertificateBuilder::new(profile, serial, validity, subject, spki, root)
                    .map_err(builder_error)?;
            builder.add_extension(&eku).map_err(builder_error)?;
            builder.build::<DerSignature>().map_err(builder_error)?
        }
        PrivateKey::Rsa(root) => {
            let root = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(root.as_ref().clone());
            let mut builder =
                CertificateBuilder::new(profile, serial, validity, subject, spki, &root)
                    .map_err(builder_error)?;
            builder.add_extension(&eku).map_err(builder_error)?;
            builder
                .build::<rsa::pkcs1v15::Signature>()
                .map_err(builder_error)?
        }
    };
    Ok((cert, PrivateKey::P256(key)))
}

/// Loads the root and sealing keys from `dir`, creating whatever is missing: the root pair
/// (`root.pem`, `root.key.pem`) and the sealing pair (`seal.pem`, `seal.key.pem`). Deleting the
/// sealing pair makes the next start issue a new sealing certificate under the same root.
/// Key files are written with mode 0600 (Unix). The root's and the seal's organization is
/// `common_name`.
pub fn load_or_create_sealing_keys(dir: &Path, common_name: &str) -> Result<SealingKeys> {
    create_private_dir(dir)?;
    let path = |name: &str| dir.join(name);
    let root_cert_path = path(ROOT_CERT_FILE);
    let root_key_path = path(ROOT_KEY_FILE);
    let seal_cert_path = path(SEAL_CERT_FILE);
    let seal_key_path = path(SEAL_KEY_FILE);

    let root_present = pair_state(&root_cert_path, &root_key_path)?;
    let seal_present = pair_state(&seal_cert_path, &seal_key_path)?;

    let (root_cert, root_key) = if root_present {
        let cert = read_certificate_file(&root_cert_path)?;
        let key = read_key_file(&root_key_path)?;
        if !key_matches(&cert, &key)? {
            return Err(Error::Key(format!(
                "{} does not belong to {}",
                root_key_path.display(),
                root_cert_path.display()
            )));
        }
        (cert, key)
    } else if seal_present {
        // A new root would not vouch for the existing sealing certificate.
        return Err(Error::Key(format!(
            "{} exists but the root ({} and {}) is missing: restore it, or remove the \
             sealing files too to start over",
            seal_cert_path.display(),
            root_cert_path.display(),
            root_key_path.display()
        )));
    } else {
        let (cert, key) = generate_root(&format!("{common_name} Root CA"), common_name)?;
        write_private_file(&root_key_path, key_to_pkcs8_pem(&key)?.as_bytes())?;
        write_public_file(&root_cert_path, certificate_to_pem(&cert).as_bytes())?;
        (cert, key)
    };

    let (seal_cert, seal_key) = if seal_present {
        let cert = read_certificate_file(&seal_cert_path)?;
        let key = read_key_file(&seal_key_path)?;
        if !issued_by(&cert, &root_cert) {
            return Err(Error::Key(format!(
                "{} was not issued by {}",
                seal_cert_path.display(),
                root_cert_path.display()
            )));
        }
        (cert, key)
    } else {
        let (cert, key) =
            issue_sealing_certificate(&root_cert, &root_key, common_name, common_name)?;
        write_private_file(&seal_key_path, key_to_pkcs8_pem(&key)?.as_bytes())?;
        write_public_file(&seal_cert_path, certificate_to_pem(&cert).as_bytes())?;
        (cert, key)
    };

    let signer = LocalSigner::new(seal_key, vec![seal_cert, root_cert.clone()]).map_err(|_| {
        Error::Key(format!(
            "{} does not belong to {}",
            seal_key_path.display(),
            seal_cert_path.display()
        ))
    })?;
    Ok(SealingKeys {
        root: root_cert,
        signer,
    })
}

/// Reads a PKCS#12 (`.p12`/`.pfx`) file: the one private key (RSA or P-256), its certificate
/// and whatever issuers the file carries, ordered leaf first. Reads OpenSSL 3's default
/// (AES-256-CBC, PBKDF2) and `-legacy` (RC2/3DES, SHA-1 MAC) files.
pub fn load_pkcs12(der: &[u8], password: &str) -> Result<LocalSigner> {
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password).map_err(|e| {
        Error::Key(format!(
            "cannot open the PKCS#12 file (wrong password or damaged file): {e}"
        ))
    })?;
    let mut certs = Vec::with_capacity(archive.certs.len());
    for bag in &archive.certs {
        certs.push(
            Certificate::from_der(bag.cert.as_der())
                .map_err(|e| Error::Key(format!("PKCS#12 certificate: {e}")))?,
        );
    }
    let mut keys = Vec::with_capacity(archive.keys.len());
    for bag in &archive.keys {
        keys.push(private_key_from_pkcs8_der(bag.key.as_der())?);
    }
    if keys.is_empty() {
        return Err(Error::Key("the PKCS#12 file holds no private key".into()));
    }
    // Pair by public key rather than by localKeyId, which some exporters leave out.
    for key in keys {
        let spki = key.public_key_der()?;
        let leaf = certs.iter().position(|c| {
            c.tbs_certificate
                .subject_public_key_info
                .to_der()
                .is_ok_and(|d| d == spki)
        });
        if let Some(leaf) = leaf {
            let chain = order_chain(certs.swap_remove(leaf), certs);
            return LocalSigner::new(key, chain);
        }
    }
    Err(Error::Key(
        "the PKCS#12 file holds no certificate for its private key".into(),
    ))
}

/// Reads a private key in PEM: PKCS#8 (`PRIVATE KEY`), PKCS#1 RSA (`RSA PRIVATE KEY`) or SEC1
/// EC on P-256 (`EC PRIVATE KEY`).
pub fn load_private_key_pem(pem: &str) -> Result<PrivateKey> {
    let (label, der) = der::pem::decode_vec(pem.trim().as_bytes())
        .map_err(|e| Error::Key(format!("not a PEM private key: {e}")))?;
    let der = Zeroizing::new(der);
    match label {
        "PRIVATE KEY" => private_key_from_pkcs8_der(&der),
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| Error::Key(format!("PKCS#1 RSA key: {e}"))),
        "EC PRIVATE KEY" => p256::SecretKey::from_sec1_der(&der)
            .map(|k| PrivateKey::P256(P256SigningKey::from(k)))
            .map_err(|e| Error::Key(format!("SEC1 EC key (only P-256 is supported): {e}"))),
        "ENCRYPTED PRIVATE KEY" => Err(Error::Key(
            "the private key is encrypted; decrypt it first or use PKCS#12".into(),
        )),
        other => Err(Error::Key(format!(
            "unsupported PEM block {other:?}: expected a private key"
        ))),
    }
}

/// Reads every `CERTIFICATE` block of a PEM text, in order; other blocks (a key kept in the
/// same file) are skipped.
pub fn load_certificates_pem(pem: &str) -> Result<Vec<Certificate>> {
    // x509-cert's own `load_pem_chain` panics on some malformed input, so split blocks here.
    let mut certs = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block["-----BEGIN ".len()..]
            .find("-----")
            .ok_or_else(|| Error::Key("unterminated PEM header".into()))?;
        let label = &block["-----BEGIN ".len().."-----BEGIN ".len() + label_end];
        let end_marker = format!("-----END {label}-----");
        let end = block
            .find(&end_marker)
            .ok_or_else(|| Error::Key(format!("PEM block {label:?} has no END line")))?
            + end_marker.len();
        if label == "CERTIFICATE" {
            let cert = Certificate::from_pem(&block[..end])
                .map_err(|e| Error::Key(format!("certificate #{}: {e}", certs.len() + 1)))?;
            certs.push(cert);
        }
        rest = &block[end..];
    }
    if certs.is_empty() {
        return Err(Error::Key("no certificate found in the PEM text".into()));
    }
    Ok(certs)
}

pub fn certificate_to_pem(cert: &Certificate) -> String {
    // Only lengths over 256 MiB fail to encode, which no decoded or built certificate has.
    cert.to_pem(LineEnding::LF)
        .expect("a certificate in memory always encodes")
}

/// The key as unencrypted PKCS#8 PEM, the form `load_private_key_pem` reads back.
pub fn key_to_pkcs8_pem(key: &PrivateKey) -> Result<Zeroizing<String>> {
    match key {
        PrivateKey::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
        PrivateKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
    }
    .map_err(|e| Error::Key(format!("cannot encode the private key: {e}")))
}

fn private_key_from_pkcs8_der(der: &[u8]) -> Result<PrivateKey> {
    let info = pkcs8::PrivateKeyInfo::try_from(der)
        .map_err(|e| Error::Key(format!("PKCS#8 private key: {e}")))?;
    if info.algorithm.oid == crate::signer::OID_RSA_ENCRYPTION {
        return RsaPrivateKey::from_pkcs8_der(der)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| Error::Key(format!("RSA private key: {e}")));
    }
    if info.algorithm.oid == OID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|e| Error::Key(format!("EC private key without a named curve: {e}")))?;
        if curve != OID_PRIME256V1 {
            return Err(Error::Key(format!(
                "unsupported EC curve {curve}: only P-256 (prime256v1) is supported"
            )));
        }
        return P256SigningKey::from_pkcs8_der(der)
            .map(PrivateKey::P256)
            .map_err(|e| Error::Key(format!("P-256 private key: {e}")));
    }
    Err(Error::Key(format!(
        "unsupported private key algorithm {}: use RSA or EC P-256",
        info.algorithm.oid
    )))
}

/// Orders `rest` after `leaf` by following issuer names; certificates that are not part of the
/// leaf's path are kept at the end (a validator may still use them).
pub(crate) fn order_chain(leaf: Certificate, mut rest: Vec<Certificate>) -> Vec<Certificate> {
    let mut chain = vec![leaf];
    while let Some(last) = chain.last() {
        let tbs = &last.tbs_certificate;
        if tbs.issuer == tbs.subject {
            break;
        }
        let Some(next) = rest
            .iter()
            .position(|c| c.tbs_certificate.subject == tbs.issuer)
        else {
            break;
        };
        chain.push(rest.remove(next));
    }
    chain.extend(rest);
    chain
}

/// Extended key usage marked non-critical, as on commercial document-signing certificates:
/// x509-cert marks it critical, which tells every other application to refuse the key.
struct NonCriticalEku(ExtendedKeyUsage);

impl AssociatedOid for NonCriticalEku {
    const OID: ObjectIdentifier = ExtendedKeyUsage::OID;
}

impl Encode for NonCriticalEku {
    fn encoded_len(&self) -> der::Result<der::Length> {
        self.0.encoded_len()
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        self.0.encode(writer)
    }
}

impl AsExtension for NonCriticalEku {
    fn critical(&self, _subject: &Name, _extensions: &[Extension]) -> bool {
        false
    }
}

fn distinguished_name(common_name: &str, organization: &str) -> Result<Name> {
    if common_name.trim().is_empty() {
        return Err(Error::Key("the certificate needs a common name".into()));
    }
    let mut rdns = Vec::new();
    for (oid, value, what) in [
        (OID_ORGANIZATION, organization, "organization"),
        (OID_COMMON_NAME, common_name, "common name"),
    ] {
        if value.is_empty() {
            continue;
        }
        if value.chars().count() > MAX_NAME_LEN {
            return Err(Error::Key(format!(
                "the {what} is longer than {MAX_NAME_LEN} characters"
            )));
        }
        let value = Utf8StringRef::new(value)
            .and_then(|s| Any::encode_from(&s))
            .map_err(|e| Error::Key(format!("{what}: {e}")))?;
        let atv = AttributeTypeAndValue { oid, value };
        let rdn = SetOfVec::try_from(vec![atv]).map_err(|e| Error::Key(format!("{what}: {e}")))?;
        rdns.push(RelativeDistinguishedName(rdn));
    }
    Ok(RdnSequence(rdns))
}

fn spki_of(key: &p256::ecdsa::VerifyingKey) -> Result<SubjectPublicKeyInfoOwned> {
    SubjectPublicKeyInfoOwned::from_key(*key)
        .map_err(|e| Error::Key(format!("cannot encode public key: {e}")))
}

/// 16 random bytes, top bit clear (positive) and second bit set (always 16 octets).
fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(|e| Error::Key(format!("serial number: {e}")))
}

fn validity(lifetime: Duration) -> Result<Validity> {
    let now = SystemTime::now();
    let time = |t: SystemTime| Time::try_from(t).map_err(|e| Error::Key(format!("validity: {e}")));
    Ok(Validity {
        not_before: time(now - BACKDATE)?,
        not_after: time(now + lifetime)?,
    })
}

fn builder_error(e: x509_cert::builder::Error) -> Error {
    Error::Key(format!("cannot build the certificate: {e}"))
}

fn key_matches(cert: &Certificate, key: &PrivateKey) -> Result<bool> {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| Error::Key(format!("certificate public key: {e}")))?;
    Ok(spki == key.public_key_der()?)
}

/// Whether a cert/key pair is there; one file without the other is an error naming the
/// missing file, since guessing would replace a key that certificates were issued for.
fn pair_state(cert: &Path, key: &Path) -> Result<bool> {
    match (cert.exists(), key.exists()) {
        (true, true) => Ok(true),
        (false, false) => Ok(false),
        (true, false) => Err(missing(key, cert)),
        (false, true) => Err(missing(cert, key)),
    }
}

fn missing(absent: &Path, present: &Path) -> Error {
    Error::Key(format!(
        "{} is missing while {} exists: restore it, or remove both",
        absent.display(),
        present.display()
    ))
}

fn read_certificate_file(path: &Path) -> Result<Certificate> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::Key(format!("cannot read {}: {e}", path.display())))?;
    let mut certs =
        load_certificates_pem(&text).map_err(|e| Error::Key(format!("{}: {e}", path.display())))?;
    if certs.len() != 1 {
        return Err(Error::Key(format!(
            "{}: expected one certificate, found {}",
            path.display(),
            certs.len()
        )));
    }
    Ok(certs.remove(0))
}

fn read_key_file(path: &Path) -> Result<PrivateKey> {
    let text = Zeroizing::new(
        fs::read_to_string(path)
            .map_err(|e| Error::Key(format!("cannot read {}: {e}", path.display())))?,
    );
    load_private_key_pem(&text).map_err(|e| Error::Key(format!("{}: {e}", path.display())))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Error::Key(format!("cannot create {}: {e}", dir.display())))
}

fn write_private_file(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomically(path, contents, 0o600)
}

/// Certificates are public, but they live among the private keys, in a directory only the
/// server's user may read: they get its mode too (the server publishes its root over HTTP).
fn write_public_file(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomically(path, contents, 0o600)
}

/// Writes through a temporary file and a rename, so that a crash never leaves a half-written
/// key that the next start would refuse. The ESP simulator keeps its keys the same way.
pub fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let io = |e: std::io::Error| Error::Key(format!("cannot write {}: {e}", path.display()));
    let mut tmp = PathBuf::from(path);
    tmp.as_mut_os_string().push(".tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(io)?;
    // The mode given to open() applies only when the file is created.
    #[cfg(unix)]
    fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(mode)).map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    fs::rename(&tmp, path).map_err(io)
}
