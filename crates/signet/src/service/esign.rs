//! Aadhaar eSign (API.md 11): Signet is the ASP of the CCA eSign API. `start` prepares the
//! revision, sends its digest to the slot's eSign service provider in a signed `Esign`
//! request and hands the signer's browser over; the ESP authenticates the signer, issues a
//! certificate for this one signature and answers a CMS over the digest, which `answer`
//! checks and embeds.
//!
//! The transaction (the prepared revision and where the answer goes) is stored before the
//! hand-off, so a restart in between loses nothing. It takes one answer, before it expires:
//! a replayed, stale or forged answer is refused and changes nothing. An ESP's error leaves
//! the invitation as it was, so the signer can try again.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use signet_esign::request::{EsignRequest, InputHash};
use signet_esign::response::{EsignResponse, Status};
use signet_esign::{Version, dsig, txnref};
use signet_pdf::external::PreparedContainer;
use x509_cert::Certificate;

use super::act::{Done, Invitee};
use super::{Origin, ServiceError};
use crate::domain::invitation::{Action, check};
use crate::domain::signature_type::SignatureType;
use crate::esp::{Provider, Transport};
use crate::state::AppState;
use crate::store::{EsignTransaction, OutcomeKind};

/// The outcome recorded for a transaction whose signature was embedded.
pub const SIGNED: &str = "signed";
/// `docInfo` is shown to the signer at the ESP; longer names are cut.
const MAX_DOC_INFO_CHARS: usize = 100;
/// What the two-step transport's request may take.
const ESP_TIMEOUT: Duration = Duration::from_secs(15);

fn refuse(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::refused(code, message)
}

/// Where the signer's browser goes next: a form it posts to the ESP.
pub struct HandOff {
    pub action: String,
    pub fields: Vec<(&'static str, String)>,
}

/// How an answer ended, for the signing page the browser is sent back to.
pub struct Answered {
    /// The signing link.
    pub invitation_id: String,
    /// `signed`, or the error code (the ESP's, such as `ESP-944`, or ours).
    pub outcome: String,
}

fn sign_action(invitee: &Invitee, consent: bool) -> Action<'_> {
    Action::Sign {
        signature_type: Some(SignatureType::Aadhaar),
        slot: invitee.slot(),
        consent,
    }
}

fn provider_of(state: &AppState, name: Option<&str>) -> Result<Arc<Provider>, ServiceError> {
    state.esp.get(name).cloned().ok_or_else(|| {
        refuse(
            "signature.type.unavailable",
            "Aadhaar eSign is unavailable: this server has no such eSign service provider",
        )
    })
}

/// The request's `ts`: the eSign API's clock is India's, without an offset.
fn ist_timestamp(now: time::OffsetDateTime) -> String {
    let ist = now.to_offset(time::macros::offset!(+5:30));
    ist.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

pub async fn start(
    state: &AppState,
    invitee: &Invitee,
    consent: bool,
    otp: Option<&str>,
) -> Result<HandOff, ServiceError> {
    let now = state.clock.now_ms();
    check(&invitee.state(), &sign_action(invitee, consent), now)?;
    let provider = provider_of(state, invitee.slot().esp.as_deref())?;
    super::act::require_code(state, invitee, otp).await?;
    let inv = &invitee.invitation;
    // The certificate does not exist yet: the mark names the invitee as invited, and the
    // signature dictionary names nobody, so validators show the certificate's name.
    let mut options = super::act::certificate_options(state, invitee, &inv.name, now);
    options.name = None;
    options.reason = Some(format!(
        "Signed with Aadhaar eSign on {}",
        inv.document_name
    ));
    options.timestamp = false;
    let prepared = super::pdf::prepare_container_stored(state, &inv.file_key, options).await?;
    let txn = format!("SIGNET-{}", ulid::Ulid::generate());
    let public = state.config.public_url();
    let public = public.trim_end_matches('/');
    let v3 = provider.version == Version::V3_2;
    let request = EsignRequest {
        version: provider.version,
        consent: true,
        ts: ist_timestamp(state.clock.now()),
        txn: txn.clone(),
        ekyc_id_type: "A".into(),
        asp_id: provider.asp_id.clone(),
        auth_mode: provider.auth_mode.clone(),
        response_sig_type: "pkcs7".into(),
        response_url: format!("{public}/esign/response/{txn}"),
        signer_id: None,
        redirect_url: v3.then(|| format!("{public}/esign/return/{txn}")),
        signing_algorithm: v3.then(|| "RSA".into()),
        max_wait_period: v3.then_some(provider.max_wait_minutes),
        hashes: vec![InputHash {
            id: "1".into(),
            hash: prepared.document_digest,
            doc_info: inv.document_name.chars().take(MAX_DOC_INFO_CHARS).collect(),
        }],
    };
    let signed_request = {
        let provider = Arc::clone(&provider);
        tokio::task::spawn_blocking(move || provider.signer.sign(&request.to_xml()))
            .await
            .map_err(ServiceError::internal)?
            .map_err(ServiceError::internal)?
    };
    let row = EsignTransaction {
        txn: txn.clone(),
        invitation_id: inv.id.clone(),
        document_id: inv.document_id.clone(),
        version: inv.versions,
        esp: provider.name.clone(),
        prepared: STANDARD.encode(prepared.to_stored()),
        created_at: now,
        expires_at: now + i64::from(provider.max_wait_minutes) * 60_000,
        answered_at: None,
        outcome: None,
        outcome_message: None,
    };
    state.store.insert_esign_transaction(&row).await?;
    match provider.transport {
        Transport::Form => Ok(HandOff {
            action: provider.gateway_url.clone(),
            fields: vec![
                ("eSignRequest", signed_request),
                ("aspTxnID", txn),
                ("Content-Type", "application/xml".into()),
            ],
        }),
        Transport::TwoStep => two_step(state, &provider, &txn, signed_request).await,
    }
}

/// The server posts the request; the ESP answers a handle for the browser to take to its
/// authentication page, or refuses.
async fn two_step(
    state: &AppState,
    provider: &Provider,
    txn: &str,
    signed_request: String,
) -> Result<HandOff, ServiceError> {
    match hand_over(provider, txn, signed_request).await {
        Ok(handoff) => Ok(handoff),
        Err(e) => {
            // The attempt ends here: the signing page reports it rather than an open one.
            if let ServiceError::Refused { code, message } = &e
                && state
                    .store
                    .claim_esign_transaction(txn, state.clock.now_ms())
                    .await?
            {
                state.store.set_esign_outcome(txn, code, message).await?;
            }
            Err(e)
        }
    }
}

async fn hand_over(
    provider: &Provider,
    txn: &str,
    signed_request: String,
) -> Result<HandOff, ServiceError> {
    let unreachable = || {
        refuse(
            "esign.provider.unavailable",
            "the eSign service provider did not answer; try again in a moment",
        )
    };
    let answer = client()
        .post(&provider.gateway_url)
        .header(reqwest::header::CONTENT_TYPE, "application/xml")
        .body(signed_request)
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(esp = %provider.name, error = %e, "eSign request not delivered");
            unreachable()
        })?;
    let body = read_bounded(answer).await.ok_or_else(unreachable)?;
    let response = verified(provider, body).await.map_err(|e| {
        tracing::warn!(esp = %provider.name, error = %e, "the ESP's answer to a request is not acceptable");
        unreachable()
    })?;
    match (response.status, &response.res_code) {
        (Status::Pending, Some(res_code)) if response.txn == txn => Ok(HandOff {
            action: provider.auth_url.clone().unwrap_or_default(),
            fields: vec![("txnref", txnref::encode(txn, res_code))],
        }),
        _ => {
            let (code, message) = esp_error(&response);
            Err(refuse(
                "esign.provider.refused",
                format!("the eSign service provider refused the request: {code} {message}"),
            ))
        }
    }
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(ESP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

async fn read_bounded(mut response: reqwest::Response) -> Option<String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len() + chunk.len() > signet_esign::MAX_MESSAGE_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).ok()
}

/// An ESP message whose signature is the pinned certificate's, read.
async fn verified(provider: &Provider, xml: String) -> Result<EsignResponse, signet_esign::Error> {
    let certificate = provider.esp_certificate.clone();
    tokio::task::spawn_blocking(move || {
        dsig::verify(&xml, &certificate)?;
        EsignResponse::parse(&xml)
    })
    .await
    .unwrap_or(Err(signet_esign::Error::Malformed("EsignResp")))
}

/// The code and words of an ESP's refusal, whichever attribute spelling carried them.
fn esp_error(response: &EsignResponse) -> (String, String) {
    let doc = response.signatures.iter().find(|d| d.error_code.is_some());
    let code = response
        .error_code
        .clone()
        .or_else(|| doc.and_then(|d| d.error_code.clone()))
        .unwrap_or_else(|| "esign.failed".into());
    let message = response
        .error_message
        .clone()
        .or_else(|| doc.and_then(|d| d.error_message.clone()))
        .unwrap_or_default();
    (bounded(&code, 32), bounded(&message, 300))
}

fn bounded(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// The transaction an answer's address names, while it exists.
pub async fn transaction(state: &AppState, txn: &str) -> Result<EsignTransaction, ServiceError> {
    let unknown = || {
        ServiceError::not_found(
            "esign.transaction.not.found",
            "no eSign transaction with this id",
        )
    };
    if txn.is_empty()
        || txn.len() > 64
        || !txn.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(unknown());
    }
    state
        .store
        .esign_transaction(txn)
        .await?
        .ok_or_else(unknown)
}

/// Takes the ESP's answer to transaction `txn`, posted to `/esign/response/{txn}` in the
/// provider's form field. A refusal (`Err`) changed nothing; `Answered` says how the
/// transaction ended, signed or with the ESP's error.
pub async fn answer(
    state: &AppState,
    txn: &str,
    field: impl Fn(&str) -> Option<String>,
    origin: &Origin,
) -> Result<Answered, ServiceError> {
    let row = transaction(state, txn).await?;
    let provider = provider_of(state, Some(&row.esp))?;
    let xml = field(&provider.response_field).ok_or_else(|| {
        refuse(
            "esign.response.invalid",
            format!("the answer has no {} field", provider.response_field),
        )
    })?;
    let xml = readable(xml).ok_or_else(|| {
        refuse(
            "esign.response.invalid",
            "the answer is not an EsignResp document",
        )
    })?;
    let response = verified(&provider, xml).await.map_err(|e| {
        tracing::warn!(txn, error = %e, "an eSign answer was refused");
        refuse(e.code(), format!("the answer is not acceptable: {e}"))
    })?;
    if response.txn != row.txn {
        return Err(refuse(
            "esign.response.txn.mismatch",
            "the answer is for another transaction",
        ));
    }
    let now = state.clock.now_ms();
    if !state.store.claim_esign_transaction(txn, now).await? {
        return Err(ServiceError::conflict(
            "esign.transaction.used",
            "this transaction was answered already",
        ));
    }
    let ended = |code: &str, message: &str| {
        let code = code.to_string();
        let message = message.to_string();
        let invitation_id = row.invitation_id.clone();
        async move {
            state.store.set_esign_outcome(txn, &code, &message).await?;
            Ok::<_, ServiceError>(Answered {
                invitation_id,
                outcome: code,
            })
        }
    };
    if now > row.expires_at {
        return ended("esign.transaction.expired", "the transaction expired").await;
    }
    if response.status != Status::Signed || response.error_code.is_some() {
        let (code, message) = esp_error(&response);
        return ended(&code, &message).await;
    }
    match embed(state, &row, &response, origin).await {
        Ok(_) => {
            state.store.set_esign_outcome(txn, SIGNED, "").await?;
            Ok(Answered {
                invitation_id: row.invitation_id.clone(),
                outcome: SIGNED.into(),
            })
        }
        Err(ServiceError::Internal(cause)) => {
            let _ = ended("esign.failed", "").await;
            Err(ServiceError::Internal(cause))
        }
        Err(
            ServiceError::Refused { code, message }
            | ServiceError::Conflict { code, message }
            | ServiceError::NotFound { code, message }
            | ServiceError::Forbidden { code, message },
        ) => ended(code, &message).await,
    }
}

/// The XML of a form field: as posted, or Base64 of it (some ESPs encode it).
fn readable(field: String) -> Option<String> {
    if field.len() > signet_esign::MAX_MESSAGE_BYTES * 4 / 3 + 4 {
        return None;
    }
    if field.trim_start().starts_with('<') {
        return Some(field);
    }
    let cleaned: String = field.chars().filter(|c| !c.is_whitespace()).collect();
    String::from_utf8(STANDARD.decode(cleaned).ok()?).ok()
}

/// Checks the signed answer's CMS and certificate, judges the certificate, and records the
/// signature.
async fn embed(
    state: &AppState,
    row: &EsignTransaction,
    response: &EsignResponse,
    origin: &Origin,
) -> Result<Done, ServiceError> {
    let invitation = state
        .store
        .invitation(&row.invitation_id)
        .await?
        .filter(|i| !i.deleted && !i.document_deleted)
        .ok_or_else(|| refuse("invitation.not.found", "the invitation no longer exists"))?;
    let invitee = Invitee::from_row(invitation)?;
    let now = state.clock.now_ms();
    check(&invitee.state(), &sign_action(&invitee, true), now)?;
    let inv = &invitee.invitation;
    if row.version != inv.versions {
        return Err(stale());
    }
    let stored = STANDARD
        .decode(&row.prepared)
        .map_err(ServiceError::internal)?;
    let prepared = PreparedContainer::from_stored(&stored).map_err(ServiceError::internal)?;
    let user_certificate = response.user_certificate.as_deref().ok_or_else(|| {
        refuse(
            "esign.response.invalid",
            "the answer has no UserX509Certificate",
        )
    })?;
    let cms = match response.signatures.as_slice() {
        [one] if one.id == "1" && !one.cms.is_empty() => one.cms.clone(),
        _ => {
            return Err(refuse(
                "esign.response.invalid",
                "the answer does not hold exactly the one signature asked for",
            ));
        }
    };
    let checked = signet_pdf::external::check_detached(&cms, &prepared.document_digest)
        .map_err(|e| refuse("esign.signature.invalid", e.to_string()))?;
    if der::Encode::to_der(&checked.signer).ok().as_deref() != Some(user_certificate) {
        return Err(refuse(
            "esign.signature.invalid",
            "the signature is not made with the answer's UserX509Certificate",
        ));
    }
    let chain: Vec<Certificate> = std::iter::once(checked.signer.clone())
        .chain(
            checked
                .certificates
                .into_iter()
                .filter(|c| *c != checked.signer),
        )
        .collect();
    let judged = super::certify::judge(state, &invitee, origin, &chain).await?;
    let signed = super::pdf::embed_container_stored(
        state,
        &inv.file_key,
        prepared,
        cms,
        judged.validation.clone(),
    )
    .await?;
    let kind = OutcomeKind::Signed {
        signature_type: SignatureType::Aadhaar,
    };
    let mut event = invitee.event(&kind.event(inv.slot), now, origin);
    // The audit trail names who the ESP vouched for, not only whom the link was sent to.
    event.details = format!(
        "{}; Aadhaar eSign certificate: {}, issued by {}",
        event.details,
        checked.signer.tbs_certificate.subject,
        checked.signer.tbs_certificate.issuer
    );
    super::act::record_prepared(
        state,
        &invitee,
        row.version,
        signed,
        SignatureType::Aadhaar,
        event,
        judged.record,
        stale,
    )
    .await
}

/// The answer signs a version another signature has since replaced.
fn stale() -> ServiceError {
    ServiceError::conflict(
        "esign.transaction.stale",
        "another signature was added to the document meanwhile: sign again",
    )
}
