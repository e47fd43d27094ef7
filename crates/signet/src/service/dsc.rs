//! A signer's own certificate on a USB token or smart card (`DSC`, API.md 10.3), in two
//! steps: `prepare` judges the certificate and builds the revision, handing out the DER of
//! the CMS signed attributes for the token to sign; `complete` checks the token's signature
//! against the certificate and stores the revision. Nothing is stored unless the signature
//! verifies.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::Decode;
use serde::{Deserialize, Serialize};
use signet_pdf::revocation::ValidationData;
use signet_pdf::sign::PreparedSignature;
use signet_pdf::signer::SignatureAlgorithm;
use x509_cert::Certificate;

use super::act::{Done, Invitee};
use super::{Origin, ServiceError};
use crate::domain::invitation::{Action, check};
use crate::domain::signature_type::SignatureType;
use crate::domain::verification::{CertificateData, VerificationResults};
use crate::state::AppState;
use crate::store::{DscPrepared, OutcomeKind};

/// How long a prepared signature waits for the signer's token.
pub const PREPARED_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The leaf and its intermediates; real chains have two to four.
pub const MAX_CHAIN: usize = 8;
/// One certificate, DER; real ones are 1–2 KB.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;
/// An RSA-8192 signature is 1 KB.
pub const MAX_SIGNATURE_BYTES: usize = 2048;

fn refuse(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::refused(code, message)
}

pub struct Prepare {
    /// Base64 DER, leaf first.
    pub certificates: Vec<String>,
    pub consent: bool,
    pub otp: Option<String>,
}

pub struct Prepared {
    pub prepare_id: String,
    /// The DER of the CMS signed attributes: what the token signs (hashing it with SHA-256).
    pub to_be_signed: Vec<u8>,
    pub signature_algorithm: SignatureAlgorithm,
    pub expires_at: i64,
}

pub struct Complete {
    pub prepare_id: String,
    /// Base64 of the token's signature.
    pub signature: String,
}

/// What `prepare` judged, kept for `complete`.
#[derive(Serialize, Deserialize)]
struct Kept {
    data: CertificateData,
    results: VerificationResults,
    /// Base64 DER of the revocation data for the DSS revision.
    certs: Vec<String>,
    ocsps: Vec<String>,
    crls: Vec<String>,
}

pub fn algorithm_name(a: SignatureAlgorithm) -> &'static str {
    match a {
        SignatureAlgorithm::RsaPkcs1Sha256 => "RSA_PKCS1_SHA256",
        SignatureAlgorithm::EcdsaP256Sha256 => "ECDSA_SHA256",
    }
}

fn sign_action(invitee: &Invitee, consent: bool) -> Action<'_> {
    Action::Sign {
        signature_type: Some(SignatureType::Dsc),
        slot: invitee.slot(),
        consent,
    }
}

pub async fn prepare(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    command: Prepare,
) -> Result<Prepared, ServiceError> {
    let now = state.clock.now_ms();
    check(
        &invitee.state(),
        &sign_action(invitee, command.consent),
        now,
    )?;
    let chain = read_chain(&command.certificates)?;
    let algorithm = signet_pdf::certificate::algorithm_for(&chain[0])
        .map_err(|e| refuse(e.code(), e.to_string()))?;
    super::act::require_code(state, invitee, command.otp.as_deref()).await?;
    let judged = super::certify::judge(state, invitee, origin, &chain).await?;
    let name = judged.signer_name(&invitee.invitation.name);
    let options = super::act::certificate_options(state, invitee, &name, now);
    let inv = &invitee.invitation;
    let prepared =
        super::pdf::prepare_stored(state, &inv.file_key, options, chain, algorithm).await?;
    let b64 = |v: &[Vec<u8>]| v.iter().map(|d| STANDARD.encode(d)).collect::<Vec<_>>();
    let kept = Kept {
        data: judged.data.clone(),
        results: judged.results.clone(),
        certs: judged.validation.as_ref().map_or(vec![], |v| b64(&v.certs)),
        ocsps: judged.validation.as_ref().map_or(vec![], |v| b64(&v.ocsps)),
        crls: judged.validation.as_ref().map_or(vec![], |v| b64(&v.crls)),
    };
    let row = DscPrepared {
        id: uuid::Uuid::new_v4().to_string(),
        invitation_id: inv.id.clone(),
        document_id: inv.document_id.clone(),
        version: inv.versions,
        prepared: STANDARD.encode(prepared.to_stored()?),
        judgement: serde_json::to_string(&kept).map_err(ServiceError::internal)?,
        created_at: now,
        expires_at: now + PREPARED_LIFETIME.as_millis() as i64,
    };
    state.store.insert_dsc_prepared(&row).await?;
    Ok(Prepared {
        prepare_id: row.id,
        to_be_signed: prepared.signed_attributes_der.clone(),
        signature_algorithm: algorithm,
        expires_at: row.expires_at,
    })
}

pub async fn complete(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    command: Complete,
) -> Result<Done, ServiceError> {
    let now = state.clock.now_ms();
    // Consent was given at `prepare`, which is the only way to a prepared signature.
    check(&invitee.state(), &sign_action(invitee, true), now)?;
    let inv = &invitee.invitation;
    let unknown = || {
        refuse(
            "dsc.prepare.not.found",
            "no prepared signature with this prepareId for this invitation: prepare again",
        )
    };
    if uuid::Uuid::parse_str(command.prepare_id.trim()).is_err() {
        return Err(unknown());
    }
    let row = state
        .store
        .dsc_prepared(command.prepare_id.trim(), &inv.id)
        .await?
        .ok_or_else(unknown)?;
    if now > row.expires_at {
        return Err(refuse(
            "dsc.prepare.expired",
            "the prepared signature expired (10 minutes): prepare again",
        ));
    }
    if row.version != inv.versions {
        return Err(stale());
    }
    if command.signature.len() > MAX_SIGNATURE_BYTES * 4 / 3 + 4 {
        return Err(refuse(
            "signature.invalid",
            format!("signature: at most {MAX_SIGNATURE_BYTES} bytes"),
        ));
    }
    let signature = STANDARD
        .decode(command.signature.trim())
        .map_err(|_| refuse("signature.invalid", "signature is not base64"))?;
    let stored = STANDARD
        .decode(&row.prepared)
        .map_err(ServiceError::internal)?;
    let prepared = PreparedSignature::from_stored(&stored).map_err(ServiceError::internal)?;
    signet_pdf::certificate::verify_signed_attributes(
        &prepared.chain()[0],
        &prepared.signed_attributes_der,
        &signature,
    )
    .map_err(|_| {
        refuse(
            "signature.invalid",
            "the signature does not verify with the certificate given at prepare",
        )
    })?;
    let kept: Kept = serde_json::from_str(&row.judgement).map_err(ServiceError::internal)?;
    let validation = validation_of(&kept)?;
    let signed =
        super::pdf::finish_stored(state, &inv.file_key, prepared, signature, validation).await?;
    let kind = OutcomeKind::Signed {
        signature_type: SignatureType::Dsc,
    };
    let done = super::act::record_prepared(
        state,
        invitee,
        row.version,
        signed,
        SignatureType::Dsc,
        invitee.event(&kind.event(inv.slot), now, origin),
        super::certify::record_of(&kept.data, &kept.results)?,
        stale,
    )
    .await?;
    state.store.delete_dsc_prepared(&row.id).await?;
    Ok(done)
}

fn stale() -> ServiceError {
    ServiceError::conflict(
        "dsc.prepare.stale",
        "another signature was added to the document since prepare: prepare again",
    )
}

fn read_chain(certificates: &[String]) -> Result<Vec<Certificate>, ServiceError> {
    if certificates.is_empty() || certificates.len() > MAX_CHAIN {
        return Err(refuse(
            "dsc.certificate.invalid",
            format!(
                "certificates: the signer's certificate first, then its issuers; 1 to {MAX_CHAIN}"
            ),
        ));
    }
    certificates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let bad = |why: &str| {
                refuse(
                    "dsc.certificate.invalid",
                    format!("certificates[{i}]: {why}"),
                )
            };
            if c.len() > MAX_CERTIFICATE_BYTES * 4 / 3 + 4 {
                return Err(bad(&format!("at most {MAX_CERTIFICATE_BYTES} bytes")));
            }
            let der = STANDARD.decode(c.trim()).map_err(|_| bad("not base64"))?;
            Certificate::from_der(&der).map_err(|_| bad("not a DER X.509 certificate"))
        })
        .collect()
}

fn validation_of(kept: &Kept) -> Result<Option<Arc<ValidationData>>, ServiceError> {
    if kept.certs.is_empty() && kept.ocsps.is_empty() && kept.crls.is_empty() {
        return Ok(None);
    }
    let der = |v: &[String]| {
        v.iter()
            .map(|s| STANDARD.decode(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ServiceError::internal)
    };
    Ok(Some(Arc::new(ValidationData {
        certs: der(&kept.certs)?,
        ocsps: der(&kept.ocsps)?,
        crls: der(&kept.crls)?,
    })))
}
