//! What a certificate says about signing with its key: the scheme, whether it is a CA, and the
//! chain up to it from the certificates a token holds.

use der::asn1::ObjectIdentifier;
use signet_pdf::signer::{OID_RSA_ENCRYPTION, SignatureAlgorithm};
use x509_cert::Certificate;
use x509_cert::ext::pkix::BasicConstraints;

use crate::error::{Error, Result};

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// Intermediates above a leaf that a chain may hold; real ones have one or two.
const MAX_CHAIN: usize = 8;

/// The scheme the engine uses with this certificate's key, or why it has none.
pub fn algorithm_of(certificate: &Certificate) -> Result<SignatureAlgorithm> {
    let spki = &certificate.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid == OID_RSA_ENCRYPTION {
        return Ok(SignatureAlgorithm::RsaPkcs1Sha256);
    }
    if spki.algorithm.oid == OID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return match curve {
            Some(OID_P256) => Ok(SignatureAlgorithm::EcdsaP256Sha256),
            Some(other) => Err(Error::KeyUnsupported(format!(
                "EC curve {other}; only P-256 is supported"
            ))),
            None => Err(Error::KeyUnsupported("EC key without a named curve".into())),
        };
    }
    Err(Error::KeyUnsupported(format!(
        "key algorithm {}; only RSA and ECDSA P-256 are supported",
        spki.algorithm.oid
    )))
}

/// Whether the certificate says it is a CA's.
pub fn is_ca(certificate: &Certificate) -> bool {
    certificate
        .tbs_certificate
        .get::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca)
}

/// `leaf`, then the certificate of `pool` that issued it (subject = issuer), and so on until a
/// self-issued one or none. Signature links are not checked: the chain only travels with the
/// signature, and validators judge it.
pub fn chain(leaf: &Certificate, pool: &[Certificate]) -> Vec<Certificate> {
    let mut chain = vec![leaf.clone()];
    while chain.len() <= MAX_CHAIN {
        let last = &chain[chain.len() - 1].tbs_certificate;
        if last.issuer == last.subject {
            break;
        }
        let Some(issuer) = pool
            .iter()
            .find(|c| c.tbs_certificate.subject == last.issuer && !chain.contains(c))
        else {
            break;
        };
        chain.push(issuer.clone());
    }
    chain
}

/// The subject's common name, or the whole subject when it has none.
pub fn common_name(name: &x509_cert::name::Name) -> String {
    const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == OID_CN {
                if let Ok(s) = atv.value.decode_as::<der::asn1::Utf8StringRef>() {
                    return s.as_str().to_string();
                }
                if let Ok(s) = atv.value.decode_as::<der::asn1::PrintableStringRef>() {
                    return s.as_str().to_string();
                }
            }
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use signet_pdf::keys::{generate_root, issue_sealing_certificate};

    #[test]
    fn chain_follows_issuers_and_stops_at_a_root() {
        let (root, root_key) = generate_root("Test Root", "Test").unwrap();
        let (leaf, _) = issue_sealing_certificate(&root, &root_key, "Leaf", "Test").unwrap();
        let (other, _) = generate_root("Other Root", "Test").unwrap();
        let chain = chain(&leaf, &[other.clone(), root.clone(), leaf.clone()]);
        assert_eq!(chain, vec![leaf.clone(), root.clone()]);
        assert!(is_ca(&root));
        assert!(!is_ca(&leaf));
        assert_eq!(common_name(&leaf.tbs_certificate.subject), "Leaf");
        assert!(algorithm_of(&leaf).is_ok());
    }
}
