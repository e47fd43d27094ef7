//! The certificates a signer can choose from, read without a PIN.

use cryptoki::object::ObjectClass;
use signet_pdf::signer::SignatureAlgorithm;
use x509_cert::Certificate;

use crate::certs::{algorithm_of, chain, is_ca};
use crate::error::Result;
use crate::module::Module;
use crate::objects;

/// A certificate on a token whose key can sign.
#[derive(Debug, Clone)]
pub struct TokenCertificate {
    pub token_label: String,
    /// The key's label (the certificate's when the key shows none before login).
    pub key_label: String,
    /// `CKA_ID`, which ties the certificate to its key.
    pub id: Vec<u8>,
    pub certificate: Certificate,
    /// The certificate, then those on the token that issued it, up to a self-issued one.
    pub chain: Vec<Certificate>,
    pub algorithm: SignatureAlgorithm,
}

impl Module {
    /// The certificates of every token (or of the one labelled `token_label`) that have a key
    /// beside them (same `CKA_ID`) with an algorithm the engine signs with.
    ///
    /// Many tokens hide private keys until login, so a public key with the certificate's
    /// `CKA_ID` counts too; a token that shows no key at all before login offers its end-entity
    /// (non-CA) certificates.
    pub fn certificates(&self, token_label: Option<&str>) -> Result<Vec<TokenCertificate>> {
        let mut out = Vec::new();
        for token in self.tokens(token_label)? {
            let session = self.open(&token)?;
            let certs = objects::certificates(&session)?;
            let mut keys = objects::keys(&session, ObjectClass::PRIVATE_KEY)?;
            keys.extend(objects::keys(&session, ObjectClass::PUBLIC_KEY)?);
            let pool: Vec<Certificate> = certs.iter().map(|c| c.certificate.clone()).collect();
            for cert in &certs {
                let key = keys.iter().find(|k| !k.id.is_empty() && k.id == cert.id);
                let usable = match key {
                    Some(_) => true,
                    None => keys.is_empty() && !is_ca(&cert.certificate),
                };
                let Ok(algorithm) = algorithm_of(&cert.certificate) else {
                    continue;
                };
                if !usable {
                    continue;
                }
                out.push(TokenCertificate {
                    token_label: token.label.clone(),
                    key_label: key
                        .map(|k| k.label.clone())
                        .filter(|l| !l.is_empty())
                        .unwrap_or_else(|| cert.label.clone()),
                    id: cert.id.clone(),
                    certificate: cert.certificate.clone(),
                    chain: chain(&cert.certificate, &pool),
                    algorithm,
                });
            }
        }
        Ok(out)
    }
}
