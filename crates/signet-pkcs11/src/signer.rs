//! A key on a token as the engine's [`Signer`]: chosen by label, certificate or as the only
//! one, logged in with the user PIN, signing SHA-256 digests.

use std::sync::{Arc, Mutex};

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use der::Encode;
use secrecy::SecretString;
use sha2::Sha256;
use signet_pdf::signer::{SignatureAlgorithm, Signer};
use x509_cert::Certificate;

use crate::certs::{algorithm_of, chain};
use crate::error::{Error, Result};
use crate::module::{Module, Token, labels};
use crate::objects::{self, CertObject, KeyObject};

/// Which key to sign with. Unset fields do not narrow the choice; a choice that is still
/// ambiguous is refused with the candidates named.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeySelector<'a> {
    pub token_label: Option<&'a str>,
    /// The private key's `CKA_LABEL`.
    pub key_label: Option<&'a str>,
    /// The key whose certificate (same `CKA_ID`) this is.
    pub certificate: Option<&'a Certificate>,
}

/// A logged-in session on one private key, with the key's certificate chain.
pub struct Pkcs11Signer {
    module: Arc<Module>,
    slot: Slot,
    // A PKCS#11 session runs one operation at a time and is not `Sync`.
    session: Mutex<Session>,
    key: ObjectHandle,
    chain: Vec<Certificate>,
    algorithm: SignatureAlgorithm,
    token_label: String,
    key_label: String,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("module", &self.module.path())
            .field("token_label", &self.token_label)
            .field("key_label", &self.key_label)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl Module {
    /// Logs in to the selected key's token with `pin` and returns a signer over that key.
    pub fn signer(
        self: &Arc<Self>,
        select: KeySelector<'_>,
        pin: &SecretString,
    ) -> Result<Pkcs11Signer> {
        let wanted_der = select
            .certificate
            .map(|c| c.to_der())
            .transpose()
            .map_err(|e| Error::KeyNotFound(format!("the certificate does not encode: {e}")))?;
        let token = self.choose_token(select, wanted_der.as_deref())?;
        let session = self.open(&token)?;
        // Certificates first: they are public, so a missing one costs no PIN attempt.
        let certs = objects::certificates(&session)?;
        let wanted_id = match &wanted_der {
            Some(der) => Some(
                certs
                    .iter()
                    .find(|c| &c.der == der)
                    .map(|c| c.id.clone())
                    .ok_or_else(|| {
                        Error::KeyNotFound(format!(
                            "the certificate is not on token {:?}",
                            token.label
                        ))
                    })?,
            ),
            None => None,
        };
        self.login(token.slot, &session, pin)?;
        // From here the token is logged in on our account: a refusal must log it out again.
        let chosen =
            choose_key(&session, &token, select.key_label, wanted_id.as_deref()).and_then(|key| {
                let leaf = leaf_for(&key, &certs, select.certificate, &token)?;
                let algorithm = algorithm_of(&leaf)?;
                check_key_type(&key, algorithm)?;
                let pool: Vec<Certificate> = certs.iter().map(|c| c.certificate.clone()).collect();
                Ok((key, chain(&leaf, &pool), algorithm))
            });
        let (key, chain, algorithm) = match chosen {
            Ok(c) => c,
            Err(e) => {
                self.release(token.slot, &session);
                return Err(e);
            }
        };
        Ok(Pkcs11Signer {
            module: self.clone(),
            slot: token.slot,
            session: Mutex::new(session),
            key: key.handle,
            chain,
            algorithm,
            token_label: token.label,
            key_label: key.label,
        })
    }

    /// The token to log in to: the one named, else the only one, else the only one holding
    /// the certificate or a key or certificate with the label given.
    fn choose_token(&self, select: KeySelector<'_>, wanted_der: Option<&[u8]>) -> Result<Token> {
        let mut tokens = self.tokens(select.token_label)?;
        if tokens.len() > 1 {
            let mut holding = Vec::new();
            for token in tokens {
                let session = self.open(&token)?;
                let certs = objects::certificates(&session)?;
                let holds = match (wanted_der, select.key_label) {
                    (Some(der), _) => certs.iter().any(|c| c.der == der),
                    (None, Some(label)) => {
                        certs.iter().any(|c| c.label == label)
                            || objects::keys(&session, ObjectClass::PUBLIC_KEY)?
                                .iter()
                                .chain(objects::keys(&session, ObjectClass::PRIVATE_KEY)?.iter())
                                .any(|k| k.label == label)
                    }
                    (None, None) => true,
                };
                if holds {
                    holding.push(token);
                }
            }
            tokens = holding;
        }
        match tokens.len() {
            1 => Ok(tokens.remove(0)),
            0 => Err(Error::KeyNotFound(
                "no token holds that certificate or key label".into(),
            )),
            _ => Err(Error::KeyAmbiguous(format!(
                "several tokens could hold the key ({}); give the token label",
                labels(tokens.iter().map(|t| t.label.as_str()))
            ))),
        }
    }
}

fn choose_key(
    session: &Session,
    token: &Token,
    label: Option<&str>,
    id: Option<&[u8]>,
) -> Result<KeyObject> {
    let all = objects::keys(session, ObjectClass::PRIVATE_KEY)?;
    let mut candidates: Vec<&KeyObject> = all
        .iter()
        .filter(|k| label.is_none_or(|l| k.label == l) && id.is_none_or(|id| k.id == id))
        .collect();
    let names = || labels(all.iter().map(|k| k.label.as_str()));
    match candidates.len() {
        1 => Ok(candidates.remove(0).clone()),
        0 => Err(Error::KeyNotFound(match (label, id) {
            (Some(l), _) => format!(
                "no private key labelled {l:?} on token {:?}; it has: {}",
                token.label,
                names()
            ),
            (None, Some(_)) => format!(
                "no private key for that certificate on token {:?}",
                token.label
            ),
            (None, None) => format!("token {:?} holds no private key", token.label),
        })),
        _ => Err(Error::KeyAmbiguous(format!(
            "token {:?} holds keys {}; give the key label",
            token.label,
            labels(candidates.iter().map(|k| k.label.as_str()))
        ))),
    }
}

/// The key's certificate: the one given, else the token's with the key's `CKA_ID` (the
/// latest-issued when a renewal left several).
fn leaf_for(
    key: &KeyObject,
    certs: &[CertObject],
    given: Option<&Certificate>,
    token: &Token,
) -> Result<Certificate> {
    if let Some(c) = given {
        return Ok(c.clone());
    }
    certs
        .iter()
        .filter(|c| !key.id.is_empty() && c.id == key.id)
        .max_by_key(|c| {
            c.certificate
                .tbs_certificate
                .validity
                .not_before
                .to_unix_duration()
        })
        .map(|c| c.certificate.clone())
        .ok_or_else(|| {
            Error::KeyNotFound(format!(
                "key {:?} on token {:?} has no certificate with its CKA_ID",
                key.label, token.label
            ))
        })
}

fn check_key_type(key: &KeyObject, algorithm: SignatureAlgorithm) -> Result<()> {
    if key.always_authenticate {
        // cryptoki's C_Sign comes with its C_SignInit, leaving no room for the second login.
        return Err(Error::KeyUnsupported(format!(
            "key {:?} asks for the PIN again at every signature (CKA_ALWAYS_AUTHENTICATE), \
             which is not supported yet",
            key.label
        )));
    }
    let expected = match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => KeyType::RSA,
        SignatureAlgorithm::EcdsaP256Sha256 => KeyType::EC,
    };
    match key.key_type {
        Some(t) if t != expected => Err(Error::KeyUnsupported(format!(
            "key {:?} is of type {t}, its certificate of another",
            key.label
        ))),
        _ => Ok(()),
    }
}

impl Pkcs11Signer {
    pub fn token_label(&self) -> &str {
        &self.token_label
    }

    pub fn key_label(&self) -> &str {
        &self.key_label
    }

    /// Signs a SHA-256 digest, keeping this layer's error codes (the [`Signer`] trait can only
    /// carry the engine's).
    pub fn sign(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let session = self
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match self.algorithm {
            SignatureAlgorithm::RsaPkcs1Sha256 => {
                // CKM_RSA_PKCS pads what it is given: the DigestInfo is ours to build.
                let mut digest_info = rsa::Pkcs1v15Sign::new::<Sha256>().prefix.to_vec();
                digest_info.extend_from_slice(digest);
                session
                    .sign(&Mechanism::RsaPkcs, self.key, &digest_info)
                    .map_err(Error::signing)
            }
            SignatureAlgorithm::EcdsaP256Sha256 => {
                // CKM_ECDSA answers r || s, each as wide as the curve; CMS wants DER.
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.key, digest)
                    .map_err(Error::signing)?;
                // A few tokens answer DER already, against the standard.
                let signature = p256::ecdsa::Signature::from_slice(&raw)
                    .or_else(|_| p256::ecdsa::Signature::from_der(&raw))
                    .map_err(|_| {
                    Error::SigningFailed(format!(
                        "the token's ECDSA signature ({} bytes) is neither r || s nor DER of P-256",
                        raw.len()
                    ))
                })?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
        }
    }
}

impl Signer for Pkcs11Signer {
    fn certificates(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> signet_pdf::Result<Vec<u8>> {
        Ok(self.sign(digest)?)
    }
}

impl Drop for Pkcs11Signer {
    fn drop(&mut self) {
        let session = self
            .session
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.module.release(self.slot, session);
    }
}
