//! Checks of a certificate someone else holds: a signer's own (DSC token, eSign) or an
//! organisation's, before the engine signs with it or embeds its signature (API.md 10.2, 10.3).
//! The certificate must be valid now, meant for signatures, and, when trust roots are given,
//! chain to one of them.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

use crate::crypto::{self, Hash};
use crate::error::{Error, Result};
use crate::signer::{OID_RSA_ENCRYPTION, SignatureAlgorithm};

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// A signer sends its certificate and intermediates; real chains have two to four.
pub const MAX_CHAIN_CERTIFICATES: usize = 10;
/// One DER certificate as a signer sends it; real ones are 1–3 KB.
pub const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;
/// An RSA-16384 signature; nothing longer is a signature of a key we accept.
const MAX_SIGNATURE_BYTES: usize = 2048;

/// A signer's certificate that passed [`check_signer_certificate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    /// The given root the chain ends at; `None` when no roots were given.
    pub trusted_root: Option<Certificate>,
    /// The signer's certificate, then each issuer as far as the chain links (leaf to root;
    /// the trusted root last when there is one). Certificates given that are not on this path
    /// are left out.
    pub chain: Vec<Certificate>,
}

/// Reads DER certificates, leaf first, as `dsc/prepare` receives them. An empty list, one
/// that is too long, or a certificate that does not parse is `certificate.invalid`.
pub fn parse_chain<B: AsRef<[u8]>>(ders: &[B]) -> Result<Vec<Certificate>> {
    if ders.is_empty() {
        return Err(Error::CertificateInvalid("no certificate was given".into()));
    }
    if ders.len() > MAX_CHAIN_CERTIFICATES {
        return Err(Error::CertificateInvalid(format!(
            "at most {MAX_CHAIN_CERTIFICATES} certificates"
        )));
    }
    ders.iter()
        .enumerate()
        .map(|(i, der)| {
            let der = der.as_ref();
            if der.len() > MAX_CERTIFICATE_BYTES {
                return Err(Error::CertificateInvalid(format!(
                    "certificate {} is over {MAX_CERTIFICATE_BYTES} bytes",
                    i + 1
                )));
            }
            Certificate::from_der(der).map_err(|e| {
                Error::CertificateInvalid(format!("certificate {} does not parse: {e}", i + 1))
            })
        })
        .collect()
}

/// Checks a signer's certificate, `chain[0]`, with the rest of `chain` as the intermediates
/// it may need (in any order): it is valid at `now`; its keyUsage, when present, allows
/// digitalSignature or nonRepudiation; each link up the chain is signed by the next, whose
/// basicConstraints make it a CA, and is valid at `now`. With `roots`, the chain must end at
/// one of them (`certificate.untrusted` otherwise); without, the chain is reported as far
/// as it links.
pub fn check_signer_certificate(
    chain: &[Certificate],
    roots: &[Certificate],
    now: SystemTime,
) -> Result<ChainCheck> {
    let Some(leaf) = chain.first() else {
        return Err(Error::CertificateInvalid("no certificate was given".into()));
    };
    if chain.len() > MAX_CHAIN_CERTIFICATES {
        return Err(Error::CertificateInvalid(format!(
            "at most {MAX_CHAIN_CERTIFICATES} certificates"
        )));
    }
    let at = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    check_validity(leaf, at)?;
    check_signing_usage(leaf)?;
    chain_path(leaf, &chain[1..], roots, at)
}

/// Walks issuer links from `leaf` through `pool`: each link signed by the next certificate,
/// which must be a CA (or one of `roots`), and each certificate valid at `at` (since the
/// epoch). With `roots`, the walk must end at one of them. Shared with the PDF verifier,
/// which judges at the signing time and passes the CMS's certificates as the pool.
pub(crate) fn chain_path(
    leaf: &Certificate,
    pool: &[Certificate],
    roots: &[Certificate],
    at: Duration,
) -> Result<ChainCheck> {
    check_validity(leaf, at)?;
    let mut path = vec![leaf.clone()];
    // A root given as trusted ends the path even when it is the signer's own certificate.
    let mut trusted_root = roots.iter().find(|r| same_cert(r, leaf)).cloned();
    let mut seen = BTreeSet::new();
    while trusted_root.is_none() && path.len() <= MAX_CHAIN_CERTIFICATES {
        let current = path.last().expect("the path starts with the leaf");
        if let Ok(der) = current.to_der() {
            // A cycle of cross-signed certificates must not walk forever.
            if !seen.insert(der) {
                break;
            }
        }
        if let Some(root) = roots.iter().find(|r| issued_by(current, r)) {
            check_validity(root, at)?;
            path.push(root.clone());
            trusted_root = Some(root.clone());
            break;
        }
        let Some(issuer) = pool
            .iter()
            .find(|c| !same_cert(c, current) && may_issue(c) && issued_by(current, c))
        else {
            break;
        };
        // A copy of a root among the intermediates was found as the root above.
        check_validity(issuer, at)?;
        path.push(issuer.clone());
    }
    if !roots.is_empty() && trusted_root.is_none() {
        let last = path.last().expect("the path starts with the leaf");
        return Err(Error::CertificateUntrusted(format!(
            "no trusted root issued {} (issuer {}), directly or through the certificates given",
            last.tbs_certificate.subject, last.tbs_certificate.issuer
        )));
    }
    Ok(ChainCheck {
        trusted_root,
        chain: path,
    })
}

/// Checks `signature` over `signed_attributes_der` (the DER of a CMS SignerInfo's signed
/// attributes, as `dsc/prepare` handed out) with `cert`'s key: RSA PKCS#1 v1.5 or ECDSA P-256
/// (DER `SEQUENCE {r, s}`), both over SHA-256. Answers the algorithm to write into the CMS.
pub fn verify_signed_attributes(
    cert: &Certificate,
    signed_attributes_der: &[u8],
    signature: &[u8],
) -> Result<SignatureAlgorithm> {
    let algorithm = algorithm_for(cert)?;
    if signature.is_empty() || signature.len() > MAX_SIGNATURE_BYTES {
        return Err(Error::SignatureInvalid(format!(
            "a signature is 1 to {MAX_SIGNATURE_BYTES} bytes"
        )));
    }
    crypto::verify_signature(
        &cert.tbs_certificate.subject_public_key_info,
        &algorithm.algorithm_identifier(),
        Hash::Sha256,
        signed_attributes_der,
        signature,
    )
    .map_err(Error::SignatureInvalid)?;
    Ok(algorithm)
}

/// The scheme the engine signs with for `cert`'s key: RSA → PKCS#1 v1.5 SHA-256, P-256 →
/// ECDSA SHA-256; any other key is `certificate.key.unsupported`.
pub fn algorithm_for(cert: &Certificate) -> Result<SignatureAlgorithm> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    match spki.algorithm.oid {
        OID_RSA_ENCRYPTION => Ok(SignatureAlgorithm::RsaPkcs1Sha256),
        OID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(OID_PRIME256V1) => Ok(SignatureAlgorithm::EcdsaP256Sha256),
                Some(other) => Err(Error::CertificateKeyUnsupported(format!(
                    "EC curve {other}; only P-256 is supported"
                ))),
                None => Err(Error::CertificateKeyUnsupported(
                    "an EC key without a named curve".into(),
                )),
            }
        }
        other => Err(Error::CertificateKeyUnsupported(format!(
            "public key algorithm {other}; RSA and P-256 are supported"
        ))),
    }
}

/// The certificate's validity period contains `at` (seconds since the epoch), with its own
/// code for each side.
fn check_validity(cert: &Certificate, at: Duration) -> Result<()> {
    let v = &cert.tbs_certificate.validity;
    if at < v.not_before.to_unix_duration() {
        return Err(Error::CertificateNotYetValid(format!(
            "{} is valid from {}",
            cert.tbs_certificate.subject, v.not_before
        )));
    }
    if at > v.not_after.to_unix_duration() {
        return Err(Error::CertificateExpired(format!(
            "{} expired at {}",
            cert.tbs_certificate.subject, v.not_after
        )));
    }
    Ok(())
}

/// A certificate without keyUsage may sign anything (RFC 5280 4.2.1.3); with it, a signing
/// certificate needs digitalSignature or nonRepudiation.
fn check_signing_usage(cert: &Certificate) -> Result<()> {
    match cert.tbs_certificate.get::<KeyUsage>() {
        Ok(None) => Ok(()),
        Ok(Some((_, usage))) if usage.digital_signature() || usage.non_repudiation() => Ok(()),
        Ok(Some(_)) => Err(Error::CertificateKeyUsage(format!(
            "the key usage of {} allows neither digitalSignature nor nonRepudiation",
            cert.tbs_certificate.subject
        ))),
        Err(e) => Err(Error::CertificateInvalid(format!(
            "the key usage of {} does not read: {e}",
            cert.tbs_certificate.subject
        ))),
    }
}

/// Whether `cert` may issue certificates: basicConstraints with cA set, and keyCertSign when
/// it has keyUsage. Without this a signer's own end-entity certificate could issue another
/// one, with any name, under a trusted root.
fn may_issue(cert: &Certificate) -> bool {
    let ca = matches!(
        cert.tbs_certificate.get::<BasicConstraints>(),
        Ok(Some((_, bc))) if bc.ca
    );
    let usage = match cert.tbs_certificate.get::<KeyUsage>() {
        Ok(None) => true,
        Ok(Some((_, ku))) => ku.key_cert_sign(),
        Err(_) => false,
    };
    ca && usage
}

/// The same subject with the same key: one certificate, whichever copy of it.
fn same_cert(a: &Certificate, b: &Certificate) -> bool {
    a.tbs_certificate.subject == b.tbs_certificate.subject
        && a.tbs_certificate.subject_public_key_info == b.tbs_certificate.subject_public_key_info
}

/// Whether `child` names `issuer` as its issuer and carries a valid signature by its key.
pub(crate) fn issued_by(child: &Certificate, issuer: &Certificate) -> bool {
    if child.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Ok(tbs) = child.tbs_certificate.to_der() else {
        return false;
    };
    crypto::verify_signature(
        &issuer.tbs_certificate.subject_public_key_info,
        &child.signature_algorithm,
        Hash::Sha256,
        &tbs,
        child.signature.raw_bytes(),
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use std::slice::from_ref;
    use std::str::FromStr;

    use p256::ecdsa::{DerSignature, SigningKey};
    use rand_core::OsRng;
    use sha2::Digest;
    use spki::SubjectPublicKeyInfoOwned;
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::{Time, Validity};

    use super::*;
    use crate::signer::PrivateKey;

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    /// Valid from `from` days to `to` days from now (negative: in the past).
    fn validity(from: i32, to: i32) -> Validity {
        let at = |days: i32| {
            let now = SystemTime::now();
            let t = if days < 0 {
                now - DAY * days.unsigned_abs()
            } else {
                now + DAY * days.unsigned_abs()
            };
            Time::try_from(t).unwrap()
        };
        Validity {
            not_before: at(from),
            not_after: at(to),
        }
    }

    struct Ca {
        cert: Certificate,
        key: SigningKey,
    }

    fn p256_spki(key: &SigningKey) -> SubjectPublicKeyInfoOwned {
        SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).unwrap()
    }

    /// A certificate for `spki` named `cn`, issued by `issuer` (self-signed without one).
    fn issue(
        profile: impl FnOnce(Option<&Ca>) -> Profile,
        cn: &str,
        spki: SubjectPublicKeyInfoOwned,
        validity: Validity,
        issuer: Option<&Ca>,
        self_key: Option<&SigningKey>,
    ) -> Certificate {
        let signer = issuer.map(|ca| &ca.key).or(self_key).unwrap();
        CertificateBuilder::new(
            profile(issuer),
            SerialNumber::from(42u32),
            validity,
            Name::from_str(&format!("CN={cn},O=Signet tests")).unwrap(),
            spki,
            signer,
        )
        .unwrap()
        .build::<DerSignature>()
        .unwrap()
    }

    fn make_root(cn: &str) -> Ca {
        let key = SigningKey::random(&mut OsRng);
        let cert = issue(
            |_| Profile::Root,
            cn,
            p256_spki(&key),
            validity(-100, 3650),
            None,
            Some(&key),
        );
        Ca { cert, key }
    }

    fn sub_ca(cn: &str, issuer: &Ca, validity: Validity) -> Ca {
        let key = SigningKey::random(&mut OsRng);
        let cert = issue(
            |i| Profile::SubCA {
                issuer: i.unwrap().cert.tbs_certificate.subject.clone(),
                path_len_constraint: None,
            },
            cn,
            p256_spki(&key),
            validity,
            Some(issuer),
            None,
        );
        Ca { cert, key }
    }

    fn leaf_profile(i: Option<&Ca>) -> Profile {
        Profile::Leaf {
            issuer: i.unwrap().cert.tbs_certificate.subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        }
    }

    /// A P-256 signer certificate issued by `issuer`.
    fn leaf(cn: &str, issuer: &Ca, validity: Validity) -> (Certificate, PrivateKey) {
        let key = SigningKey::random(&mut OsRng);
        let cert = issue(
            leaf_profile,
            cn,
            p256_spki(&key),
            validity,
            Some(issuer),
            None,
        );
        (cert, PrivateKey::P256(key))
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn a_good_chain_ends_at_its_root() {
        let root = make_root("Root CA");
        let inter = sub_ca("Sub CA", &root, validity(-1, 365));
        let (signer, _) = leaf("Asha Rao", &inter, validity(-1, 30));
        let other = make_root("Unrelated CA");

        // Intermediates in any order, with an unrelated certificate among them.
        let given = [signer.clone(), other.cert.clone(), inter.cert.clone()];
        let check = check_signer_certificate(
            &given,
            &[other.cert.clone(), root.cert.clone()],
            SystemTime::now(),
        )
        .unwrap();
        assert_eq!(check.trusted_root.as_ref(), Some(&root.cert));
        assert_eq!(
            check.chain,
            [signer.clone(), inter.cert.clone(), root.cert.clone()]
        );

        // Without roots the chain is reported as far as it links, not required.
        let check = check_signer_certificate(&given, &[], SystemTime::now()).unwrap();
        assert_eq!(check.trusted_root, None);
        assert_eq!(check.chain, [signer.clone(), inter.cert.clone()]);
        let alone = check_signer_certificate(&given[..1], &[], SystemTime::now()).unwrap();
        assert_eq!(alone.chain, from_ref(&signer));

        // The root among the given certificates changes nothing.
        let with_root = [signer.clone(), inter.cert.clone(), root.cert.clone()];
        let check =
            check_signer_certificate(&with_root, from_ref(&root.cert), SystemTime::now()).unwrap();
        assert_eq!(check.chain.len(), 3);
        assert_eq!(check.trusted_root, Some(root.cert.clone()));
    }

    #[test]
    fn validity_is_judged_now_with_a_code_for_each_side() {
        let root = make_root("Root CA");
        let (expired, _) = leaf("Asha Rao", &root, validity(-30, -1));
        let (early, _) = leaf("Asha Rao", &root, validity(1, 30));
        let roots = [root.cert.clone()];
        assert_eq!(
            code(check_signer_certificate(
                from_ref(&expired),
                &roots,
                SystemTime::now()
            )),
            "certificate.expired"
        );
        assert_eq!(
            code(check_signer_certificate(
                from_ref(&early),
                &[],
                SystemTime::now()
            )),
            "certificate.not.yet.valid"
        );
        // `now` is the caller's (the server's clock): ten days back the first one was good.
        assert!(check_signer_certificate(&[expired], &roots, SystemTime::now() - DAY * 10).is_ok());
        assert!(check_signer_certificate(&[early], &roots, SystemTime::now() + DAY * 10).is_ok());

        // An intermediate out of its period breaks the chain the same way.
        let old = sub_ca("Old Sub CA", &root, validity(-400, -2));
        let (signer, _) = leaf("Asha Rao", &old, validity(-1, 30));
        assert_eq!(
            code(check_signer_certificate(
                &[signer, old.cert],
                &roots,
                SystemTime::now()
            )),
            "certificate.expired"
        );
    }

    #[test]
    fn a_certificate_not_meant_for_signatures_is_refused() {
        let root = make_root("Root CA");
        // A CA certificate: keyCertSign and cRLSign only.
        let ca = sub_ca("Sub CA", &root, validity(-1, 30));
        assert_eq!(
            code(check_signer_certificate(&[ca.cert], &[], SystemTime::now())),
            "certificate.key.usage"
        );
    }

    #[test]
    fn a_chain_to_another_root_is_untrusted() {
        let root = make_root("Root CA");
        let elsewhere = make_root("Other Root CA");
        let (signer, _) = leaf("Asha Rao", &root, validity(-1, 30));
        let e = check_signer_certificate(from_ref(&signer), &[elsewhere.cert], SystemTime::now())
            .unwrap_err();
        assert_eq!(e.code(), "certificate.untrusted");
        assert!(e.to_string().contains("Root CA"), "{e}");
    }

    #[test]
    fn a_broken_chain_does_not_link() {
        let root = make_root("Root CA");
        let inter = sub_ca("Sub CA", &root, validity(-1, 365));
        // Same name as the real intermediate, another key: the leaf's signature is not its.
        let impostor = sub_ca("Sub CA", &root, validity(-1, 365));
        let (signer, _) = leaf("Asha Rao", &inter, validity(-1, 30));
        let given = [signer.clone(), impostor.cert.clone()];
        assert_eq!(
            code(check_signer_certificate(
                &given,
                from_ref(&root.cert),
                SystemTime::now()
            )),
            "certificate.untrusted"
        );
        let reported = check_signer_certificate(&given, &[], SystemTime::now()).unwrap();
        assert_eq!(reported.chain, from_ref(&signer));
        // A certificate altered after issue verifies under no one.
        let mut altered = signer;
        altered.tbs_certificate.subject = Name::from_str("CN=Ravi Kumar").unwrap();
        assert_eq!(
            code(check_signer_certificate(
                &[altered, inter.cert.clone()],
                from_ref(&root.cert),
                SystemTime::now()
            )),
            "certificate.untrusted"
        );
    }

    #[test]
    fn an_end_entity_certificate_cannot_issue_another() {
        let root = make_root("Root CA");
        let key = SigningKey::random(&mut OsRng);
        let holder = Ca {
            cert: issue(
                leaf_profile,
                "Mallory",
                p256_spki(&key),
                validity(-1, 30),
                Some(&root),
                None,
            ),
            key,
        };
        let (forged, _) = leaf("Asha Rao", &holder, validity(-1, 30));
        assert_eq!(
            code(check_signer_certificate(
                &[forged, holder.cert],
                &[root.cert],
                SystemTime::now()
            )),
            "certificate.untrusted"
        );
    }

    #[test]
    fn an_empty_or_unreadable_chain_is_invalid() {
        assert_eq!(
            code(check_signer_certificate(&[], &[], SystemTime::now())),
            "certificate.invalid"
        );
        assert_eq!(code(parse_chain::<Vec<u8>>(&[])), "certificate.invalid");
        assert_eq!(
            code(parse_chain(&[b"not a certificate"])),
            "certificate.invalid"
        );
        assert_eq!(
            code(parse_chain(&vec![vec![0x30u8]; 11])),
            "certificate.invalid"
        );
        let root = make_root("Root CA");
        let der = root.cert.to_der().unwrap();
        assert_eq!(parse_chain(&[&der]).unwrap(), from_ref(&root.cert));
        let mut cut = der.clone();
        cut.truncate(der.len() - 5);
        let e = parse_chain(&[der.clone(), cut]).unwrap_err();
        assert!(e.to_string().contains("certificate 2"), "{e}");
    }

    #[test]
    fn signed_attributes_verify_with_rsa_and_p256_keys() {
        let root = make_root("Root CA");
        let attrs = b"\x31\x03\x02\x01\x05 stands in for the DER of signed attributes";
        let digest: [u8; 32] = sha2::Sha256::digest(attrs).into();

        let (p256_cert, p256_key) = leaf("Asha Rao", &root, validity(-1, 30));
        assert_eq!(
            algorithm_for(&p256_cert).unwrap(),
            SignatureAlgorithm::EcdsaP256Sha256
        );
        let sig = p256_key.sign_digest(&digest).unwrap();
        assert_eq!(
            verify_signed_attributes(&p256_cert, attrs, &sig).unwrap(),
            SignatureAlgorithm::EcdsaP256Sha256
        );

        let rsa_key = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
        let rsa_spki = SubjectPublicKeyInfoOwned::from_key(rsa_key.to_public_key()).unwrap();
        let rsa_cert = issue(
            leaf_profile,
            "Asha Rao",
            rsa_spki,
            validity(-1, 30),
            Some(&root),
            None,
        );
        assert!(
            check_signer_certificate(from_ref(&rsa_cert), from_ref(&root.cert), SystemTime::now())
                .is_ok()
        );
        assert_eq!(
            algorithm_for(&rsa_cert).unwrap(),
            SignatureAlgorithm::RsaPkcs1Sha256
        );
        let rsa_key = PrivateKey::Rsa(Box::new(rsa_key));
        let sig = rsa_key.sign_digest(&digest).unwrap();
        assert_eq!(
            verify_signed_attributes(&rsa_cert, attrs, &sig).unwrap(),
            SignatureAlgorithm::RsaPkcs1Sha256
        );

        // Another message, another key, garbage, nothing: each refused with one code.
        let mut other = attrs.to_vec();
        other[0] ^= 1;
        assert_eq!(
            code(verify_signed_attributes(&rsa_cert, &other, &sig)),
            "signature.invalid"
        );
        let p256_sig = p256_key.sign_digest(&digest).unwrap();
        assert_eq!(
            code(verify_signed_attributes(&rsa_cert, attrs, &p256_sig)),
            "signature.invalid"
        );
        assert_eq!(
            code(verify_signed_attributes(&p256_cert, attrs, &sig)),
            "signature.invalid"
        );
        assert_eq!(
            code(verify_signed_attributes(&p256_cert, attrs, &[])),
            "signature.invalid"
        );
        assert_eq!(
            code(verify_signed_attributes(&p256_cert, attrs, &[0x30; 5000])),
            "signature.invalid"
        );
        // ECDSA as raw r || s (what a PKCS#11 token answers) is not the DER the CMS carries.
        let raw = p256::ecdsa::Signature::from_der(&p256_sig)
            .unwrap()
            .to_bytes();
        assert_eq!(
            code(verify_signed_attributes(&p256_cert, attrs, &raw)),
            "signature.invalid"
        );
    }

    #[test]
    fn keys_other_than_rsa_and_p256_are_unsupported() {
        let root = make_root("Root CA");
        let p384 = p384::ecdsa::SigningKey::random(&mut OsRng);
        let spki = SubjectPublicKeyInfoOwned::from_key(*p384.verifying_key()).unwrap();
        let cert = issue(
            leaf_profile,
            "Asha Rao",
            spki,
            validity(-1, 30),
            Some(&root),
            None,
        );
        assert_eq!(code(algorithm_for(&cert)), "certificate.key.unsupported");
        assert_eq!(
            code(verify_signed_attributes(&cert, b"x", &[1, 2, 3])),
            "certificate.key.unsupported"
        );
    }
}
