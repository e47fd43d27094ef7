//! Who holds the key. The engine only ever asks a [`Signer`] to sign a SHA-256 digest, so a key
//! in a file, in an HSM or in a signer's own token (hash signing) all look the same to it.

use der::{Encode, asn1::ObjectIdentifier};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, traits::PublicKeyParts};
use sha2::Sha256;
use signature::hazmat::PrehashSigner;
use spki::{AlgorithmIdentifierOwned, EncodePublicKey};
use x509_cert::Certificate;

use crate::error::{Error, Result};

pub const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub const OID_SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
pub const OID_ECDSA_WITH_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// The signature schemes the engine produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 over SHA-256 (any modulus size the certificate has).
    RsaPkcs1Sha256,
    /// ECDSA on P-256 over SHA-256; the signature is DER `SEQUENCE { r, s }`.
    EcdsaP256Sha256,
}

impl SignatureAlgorithm {
    /// The `signatureAlgorithm` of a CMS SignerInfo.
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        match self {
            SignatureAlgorithm::RsaPkcs1Sha256 => AlgorithmIdentifierOwned {
                oid: OID_SHA256_WITH_RSA,
                parameters: Some(der::Any::null()),
            },
            SignatureAlgorithm::EcdsaP256Sha256 => AlgorithmIdentifierOwned {
                oid: OID_ECDSA_WITH_SHA256,
                parameters: None,
            },
        }
    }

    /// Room to reserve for one signature value.
    pub fn max_signature_len(self, certificate: &Certificate) -> usize {
        match self {
            SignatureAlgorithm::RsaPkcs1Sha256 => certificate
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes()
                .len(),
            SignatureAlgorithm::EcdsaP256Sha256 => 72,
        }
    }
}

/// A holder of a private key and its certificate chain.
pub trait Signer {
    /// The signer's certificate first, then the intermediates (and optionally the root).
    fn certificates(&self) -> &[Certificate];
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Signs a SHA-256 digest: a PKCS#1 v1.5 signature for RSA, DER `(r, s)` for ECDSA.
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>>;
}

/// A private key held in memory.
#[derive(Clone)]
pub enum PrivateKey {
    Rsa(Box<RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material, even in debug output.
        match self {
            PrivateKey::Rsa(k) => write!(f, "PrivateKey::Rsa({} bits)", k.size() * 8),
            PrivateKey::P256(_) => f.write_str("PrivateKey::P256"),
        }
    }
}

impl PrivateKey {
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self {
            PrivateKey::Rsa(_) => SignatureAlgorithm::RsaPkcs1Sha256,
            PrivateKey::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
        }
    }

    /// The DER SubjectPublicKeyInfo of the matching public key.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::P256(k) => k.verifying_key().to_public_key_der(),
        };
        Ok(doc
            .map_err(|e| Error::Key(format!("cannot encode public key: {e}")))?
            .into_vec())
    }

    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        match self {
            PrivateKey::Rsa(k) => k
                .sign(Pkcs1v15Sign::new::<Sha256>(), digest)
                .map_err(|e| Error::Signing(format!("RSA: {e}"))),
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::Signature = k
                    .sign_prehash(digest)
                    .map_err(|e| Error::Signing(format!("ECDSA: {e}")))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
        }
    }
}

/// A key in memory with its chain: the server's sealing key, an organisation's certificate.
#[derive(Debug, Clone)]
pub struct LocalSigner {
    key: PrivateKey,
    chain: Vec<Certificate>,
}

impl LocalSigner {
    /// Pairs a key with its chain (signer certificate first), refusing a key that does not
    /// belong to the certificate: such a pair would produce signatures no validator accepts.
    pub fn new(key: PrivateKey, chain: Vec<Certificate>) -> Result<Self> {
        let leaf = chain
            .first()
            .ok_or_else(|| Error::Key("no certificate given for the key".into()))?;
        let cert_spki = leaf
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::Key(e.to_string()))?;
        if cert_spki != key.public_key_der()? {
            return Err(Error::Key(
                "the private key does not match the certificate".into(),
            ));
        }
        Ok(LocalSigner { key, chain })
    }

    pub fn key(&self) -> &PrivateKey {
        &self.key
    }
}

impl Signer for LocalSigner {
    fn certificates(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.key.algorithm()
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        self.key.sign_digest(digest)
    }
}

/// A signer whose key lives elsewhere (a signer's USB token, a remote HSM): the engine hands
/// out the digest and takes back the signature.
pub struct ExternalSigner<F> {
    chain: Vec<Certificate>,
    algorithm: SignatureAlgorithm,
    sign: F,
}

impl<F> ExternalSigner<F>
where
    F: Fn(&[u8; 32]) -> Result<Vec<u8>>,
{
    pub fn new(chain: Vec<Certificate>, algorithm: SignatureAlgorithm, sign: F) -> Self {
        ExternalSigner {
            chain,
            algorithm,
            sign,
        }
    }
}

impl<F> Signer for ExternalSigner<F>
where
    F: Fn(&[u8; 32]) -> Result<Vec<u8>>,
{
    fn certificates(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        (self.sign)(digest)
    }
}
