//! What the ESP does once the signer has authenticated: a certificate for them, a detached
//! CMS over each document hash, the `EsignResp` that carries both.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use der::Encode;
use rsa::RsaPrivateKey;
use signet_esign::request::EsignRequest;
use signet_esign::response::{DocSignature, EsignResponse, Status};
use signet_pdf::signer::{LocalSigner, PrivateKey};
use time::OffsetDateTime;

use crate::keys::{self, Authority};
use crate::kyc::Person;

/// One RSA key per Aadhaar holder, generated on first use. A real ESP generates a fresh key
/// per signature, but RSA-2048 generation takes around a second (more in debug builds), too
/// slow for test suites that sign many times; a fresh certificate (fresh serial, fresh
/// validity) per transaction is what verifiers look at. Bounded by the KYC file's size.
#[derive(Default)]
pub struct HolderKeys {
    keys: Mutex<HashMap<String, RsaPrivateKey>>,
}

impl HolderKeys {
    /// Blocking (key generation): call from a blocking thread.
    fn get_or_create(&self, aadhaar: &str) -> Result<RsaPrivateKey, String> {
        if let Some(key) = lock(&self.keys).get(aadhaar) {
            return Ok(key.clone());
        }
        // Generated outside the lock; if two transactions of one holder race, the first key
        // stored wins and both use it.
        let key = keys::rsa_key()?;
        Ok(lock(&self.keys)
            .entry(aadhaar.to_owned())
            .or_insert(key)
            .clone())
    }
}

/// Signs every hash of `request` for `person`. Blocking (RSA).
pub fn sign_for(
    authority: &Authority,
    holder_keys: &HolderKeys,
    person: &Person,
    request: &EsignRequest,
    res_code: &str,
) -> Result<EsignResponse, String> {
    let key = holder_keys.get_or_create(&person.aadhaar)?;
    let now = SystemTime::now();
    let certificate = authority.issue_signer_certificate(person, &key, now)?;
    let certificate_der = certificate
        .to_der()
        .map_err(|e| format!("the signer's certificate: {e}"))?;
    let signer = LocalSigner::new(
        PrivateKey::Rsa(Box::new(key)),
        vec![certificate, authority.ca.clone()],
    )
    .map_err(|e| e.to_string())?;
    let signing_time = OffsetDateTime::from(now);
    let mut signatures = Vec::with_capacity(request.hashes.len());
    for input in &request.hashes {
        let cms = signet_pdf::sign::detached_cms(&input.hash, &signer, Some(signing_time))
            .map_err(|e| format!("CMS for document {}: {e}", input.id))?;
        signatures.push(DocSignature {
            id: input.id.clone(),
            cms,
            error_code: None,
            error_message: None,
        });
    }
    Ok(EsignResponse {
        status: Status::Signed,
        ts: crate::ts::format(signing_time),
        txn: request.txn.clone(),
        res_code: Some(res_code.to_owned()),
        error_code: None,
        error_message: None,
        user_certificate: Some(certificate_der),
        signatures,
    })
}

/// A failed answer: the ESP code and message in the version's spelling (`to_xml`).
pub fn failure(txn: &str, res_code: Option<&str>, code: &str, message: &str) -> EsignResponse {
    EsignResponse {
        status: Status::Failed,
        ts: crate::ts::format(OffsetDateTime::now_utc()),
        txn: txn.to_owned(),
        res_code: res_code.map(str::to_owned),
        error_code: Some(code.to_owned()),
        error_message: Some(message.to_owned()),
        user_certificate: None,
        signatures: Vec::new(),
    }
}

/// A poisoned lock only means another request panicked; the map is still consistent.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
