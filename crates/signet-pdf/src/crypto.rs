//! Digests and signature checks over certificates' public keys, shared by the signer (which
//! checks an external signature before embedding it) and the verifier.

use der::Encode;
use der::asn1::ObjectIdentifier;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, SubjectPublicKeyInfoOwned};

use crate::signer::{OID_ECDSA_WITH_SHA256, OID_RSA_ENCRYPTION, OID_SHA256, OID_SHA256_WITH_RSA};

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const OID_SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Hash> {
        match *oid {
            OID_SHA1 => Some(Hash::Sha1),
            OID_SHA256 => Some(Hash::Sha256),
            OID_SHA384 => Some(Hash::Sha384),
            OID_SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            Hash::Sha1 => run::<sha1::Sha1>(parts),
            Hash::Sha256 => run::<sha2::Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    fn pkcs1(self) -> Pkcs1v15Sign {
        match self {
            Hash::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
            Hash::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        }
    }
}

/// Checks `signature` over `message` with the key in `spki`. The hash is the one the
/// signature algorithm names, else `digest_alg` (CMS writes plain `rsaEncryption` with the
/// hash in the SignerInfo's digest algorithm).
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    signature_alg: &AlgorithmIdentifierOwned,
    digest_alg: Hash,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let spki_der = spki.to_der().map_err(|e| e.to_string())?;
    let hash = match signature_alg.oid {
        OID_SHA1_WITH_RSA => Hash::Sha1,
        OID_SHA256_WITH_RSA | OID_ECDSA_WITH_SHA256 => Hash::Sha256,
        OID_SHA384_WITH_RSA | OID_ECDSA_WITH_SHA384 => Hash::Sha384,
        OID_SHA512_WITH_RSA => Hash::Sha512,
        _ => digest_alg,
    };
    let digest = hash.digest(&[message]);
    match spki.algorithm.oid {
        OID_RSA_ENCRYPTION => {
            let key = RsaPublicKey::from_public_key_der(&spki_der).map_err(|e| e.to_string())?;
            key.verify(hash.pkcs1(), &digest, signature)
                .map_err(|_| "the RSA signature does not verify".to_string())
        }
        OID_EC_PUBLIC_KEY => {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
                .map_err(|_| "only P-256 EC keys are supported".to_string())?;
            let sig = p256::ecdsa::Signature::from_der(signature)
                .map_err(|_| "malformed ECDSA signature".to_string())?;
            key.verify_prehash(&digest, &sig)
                .map_err(|_| "the ECDSA signature does not verify".to_string())
        }
        other => Err(format!("unsupported public key algorithm {other}")),
    }
}
