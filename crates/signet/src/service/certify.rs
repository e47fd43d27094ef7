//! Signatures made with a certificate (API.md section 10): an organisation's (`DOC_SIGNER`
//! on the account's request, `AUTOMATED_SIGN` by the server when the slot's turn comes) and a
//! signer's own (`DSC`, in two steps: `service::dsc`).
//!
//! Before any of them is made, the certificate is judged: valid now, usable for signatures,
//! chained to `SIGNET_SIGNER_TRUST_ROOTS` when set, not revoked, and matching what the request
//! asked to verify (10.2). A failed match terminates the invitation (event 5) unless the
//! account keeps such signatures and reports the results.

use std::sync::Arc;

use x509_cert::Certificate;

use super::act::{Done, Invitee};
use super::doc_signers::SharedSigner;
use super::{Origin, ServiceError};
use crate::domain::invitation::{Action, check};
use crate::domain::signature_type::SignatureType;
use crate::domain::verification::{CertificateData, VerificationRequest, VerificationResults};
use crate::state::AppState;
use crate::store::{CertificateRecord, Outcome, OutcomeKind, Recorded, VerificationFailure};

fn refuse(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::refused(code, message)
}

/// A certificate that passed the checks that refuse it outright.
pub(super) struct Judged {
    /// What the certificate's subject says of its holder.
    pub data: CertificateData,
    pub record: CertificateRecord,
    pub results: VerificationResults,
    /// Revocation data for the DSS revision that makes the signature B-LT; `None` when the
    /// certificate names no OCSP responder or CRL.
    pub validation: Option<Arc<signet_pdf::revocation::ValidationData>>,
}

/// Judges the certificate an invitee signs with. A certificate that cannot sign (expired,
/// not yet valid, wrong usage, untrusted, revoked) is refused with its own code and changes
/// nothing. One that can but does not match what was asked terminates the invitation with
/// event 5 when the account rejects such signatures, and is then refused too.
pub(super) async fn judge(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    chain: &[Certificate],
) -> Result<Judged, ServiceError> {
    let now = std::time::SystemTime::from(state.clock.now());
    let checked =
        signet_pdf::certificate::check_signer_certificate(chain, &state.signer_roots, now)
            .map_err(|e| refuse(e.code(), e.to_string()))?;
    // The chain as far as it links, up to the trusted root: every certificate's issuer is
    // there to check the answers about it.
    let validation = revocation_data(state, &checked.chain).await?;
    let inv = &invitee.invitation;
    let asked: VerificationRequest = match inv.verification_request.as_deref() {
        Some(json) => serde_json::from_str(json).map_err(ServiceError::internal)?,
        None => VerificationRequest::default(),
    };
    let data = CertificateData::from_certificate(&chain[0]);
    let settings = state.store.verification_settings(&inv.account_id).await?;
    let mut results = crate::domain::verification::verify(
        &asked,
        &inv.name,
        &data,
        settings.smart_name_threshold,
    );
    results.signature_verification = Some(true);
    let record = record_of(&data, &results)?;
    if !results.passed() && settings.failure == VerificationFailure::Reject {
        return Err(terminate(state, invitee, origin, &results, record).await);
    }
    Ok(Judged {
        data,
        record,
        results,
        validation,
    })
}

/// What the store keeps of a judged certificate.
pub(super) fn record_of(
    data: &CertificateData,
    results: &VerificationResults,
) -> Result<CertificateRecord, ServiceError> {
    Ok(CertificateRecord {
        certificate_data: serde_json::to_string(data).map_err(ServiceError::internal)?,
        // The results' own form: details' `verificationResponse` plus the smart-name threshold
        // they were judged at, which the dashboard shows and the account may change later.
        // Details answer `response()` of it.
        verification_response: serde_json::to_string(results).map_err(ServiceError::internal)?,
        checks: results.checks(),
    })
}

impl Judged {
    /// How the signature and its mark name the signer: the certificate's common name.
    pub fn signer_name(&self, fallback: &str) -> String {
        self.data
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| fallback.to_string())
    }
}

/// Records a failed verification: the invitation ends without a signature, the document
/// says why, and the error webhook (event 5) names each failed check. Returns the refusal
/// the invitee is answered with.
async fn terminate(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    results: &VerificationResults,
    record: CertificateRecord,
) -> ServiceError {
    let failed: Vec<String> = results
        .failed_checks()
        .into_iter()
        .map(|c| c.check)
        .collect();
    let kind = OutcomeKind::VerificationFailed {
        checks: results.checks(),
    };
    let now = state.clock.now_ms();
    let event = invitee.event(&kind.event(invitee.invitation.slot), now, origin);
    let outcome = Outcome {
        invitation_id: invitee.invitation.id.clone(),
        document_id: invitee.invitation.document_id.clone(),
        kind,
        new_version: None,
        workflow: invitee.workflow.clone(),
        at: now,
        events: vec![event],
        certificate: Some(record),
    };
    match state.store.record_outcome(&outcome).await {
        Ok(Recorded::Done { .. }) => {
            crate::ops::metrics::outcome_recorded(&outcome.kind, false);
            refuse(
                "verification.failed",
                format!(
                    "the certificate does not match what this invitation asked ({}): the \
                     invitation is terminated",
                    failed.join(", ")
                ),
            )
        }
        Ok(Recorded::Closed | Recorded::Stale) => ServiceError::conflict(
            "invitation.conflict",
            "this invitation changed meanwhile; reload and try again",
        ),
        Err(e) => e.into(),
    }
}

/// OCSP responses or CRLs for every certificate of the chain but the root, from the places
/// the certificates name: a revoked certificate is refused; a chain that names none gets no
/// long-term data.
async fn revocation_data(
    state: &AppState,
    chain: &[Certificate],
) -> Result<Option<Arc<signet_pdf::revocation::ValidationData>>, ServiceError> {
    let source = state.revocation.clone();
    let chain = chain.to_vec();
    let now = state.clock.now();
    let found = tokio::task::spawn_blocking(move || {
        signet_pdf::revocation::collect_validation_data(&chain, source.as_ref(), now)
    })
    .await
    .map_err(ServiceError::internal)?;
    match found {
        Ok(found) => Ok(found.map(Arc::new)),
        Err(e @ signet_pdf::Error::Revoked { .. }) => Err(refuse(e.code(), e.to_string())),
        // The signature stands without long-term data; the operator learns why.
        Err(e) => {
            tracing::warn!(error = %e, "no revocation data: the signature is made without a DSS (B-LT)");
            Ok(None)
        }
    }
}

/// `POST /api/v3.0/sign/docSigner/invitation`: the account signs one of its invitations with
/// one of its organisation certificates.
pub async fn sign_with_doc_signer(
    state: &AppState,
    actor: &super::Actor<'_>,
    origin: &Origin,
    sign_url: Option<&str>,
    profile_id: Option<&str>,
    consent: bool,
) -> Result<Done, ServiceError> {
    actor.may_change()?;
    let invitation = super::lifecycle::account_invitation(state, actor, sign_url).await?;
    let profile_id = profile_id
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| refuse("profile.id.required", "profileId is required"))?;
    let invitee = Invitee::from_row(invitation)?;
    let signer = super::doc_signers::signer(state, &actor.account().id, profile_id).await?;
    sign_with(
        state,
        &invitee,
        origin,
        SignatureType::DocSigner,
        signer,
        consent,
    )
    .await
}

/// Signs the invitee's slot with a key the server holds (an organisation certificate).
pub(super) async fn sign_with(
    state: &AppState,
    invitee: &Invitee,
    origin: &Origin,
    signature_type: SignatureType,
    signer: SharedSigner,
    consent: bool,
) -> Result<Done, ServiceError> {
    let now = state.clock.now_ms();
    check(
        &invitee.state(),
        &Action::Sign {
            signature_type: Some(signature_type),
            slot: invitee.slot(),
            consent,
        },
        now,
    )?;
    let judged = judge(state, invitee, origin, signer.certificates()).await?;
    let name = judged.signer_name(&invitee.invitation.name);
    let options = super::act::certificate_options(state, invitee, &name, now);
    super::act::sign_and_record(
        state,
        invitee,
        origin,
        signature_type,
        Arc::new(options),
        super::pdf::Seal::With(signer),
        judged.validation,
        Some(judged.record),
    )
    .await
}

/// What the create request asks to verify of invitee `i`'s certificate (its `dscConfig`,
/// `aadhaarConfig`, `neslConfig` and `offlineSignConfig`, read as one: a slot signs with one
/// certificate), with the slot's `verification` winning where it sets a check: the JSON stored
/// with the invitation, or `None` when nothing is asked.
pub(super) fn asked_checks(
    i: usize,
    slot: &crate::domain::workflow::InviteeSlot,
    configs: &[(&str, serde_json::Value)],
    today: time::OffsetDateTime,
) -> Result<Option<String>, ServiceError> {
    let api = VerificationRequest::from_configs(i, configs.iter().map(|(k, v)| (*k, v)), today)?;
    let missing = VerificationRequest::missing_values(api.as_ref(), slot.verification.as_ref());
    if let Some(first) = missing.first() {
        return Err(refuse(
            "invitee.verification.invalid",
            format!(
                "invitees[{i}].dscConfig.{first}: the workflow checks it, so the request gives \
                 the value to check"
            ),
        ));
    }
    let asked = VerificationRequest::merge(api, slot.verification.as_ref());
    if asked.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&asked)
        .map(Some)
        .map_err(ServiceError::internal)
}
