//! Work on stored files that goes through the PDF budget.

use std::sync::Arc;

use signet_pdf::revocation::ValidationData;

use super::ServiceError;
use super::doc_signers::SharedSigner;
use crate::state::AppState;

/// The stored file `key` with its share of the PDF budget, reserved before the file is read
/// into memory.
async fn open_stored(
    state: &AppState,
    key: &str,
) -> Result<(crate::pdf_budget::Lease, Vec<u8>), ServiceError> {
    let size = usize::try_from(state.blobs.size(key).await?).unwrap_or(usize::MAX);
    let lease = state.pdf.reserve(state.pdf.open_cost(size)).await;
    Ok((lease, state.blobs.get(key).await?))
}

/// Whose key signs.
#[derive(Clone)]
pub enum Seal {
    /// The server's sealing key (VIRTUAL_SIGN).
    Server,
    /// An organisation's certificate.
    With(SharedSigner),
}

/// Signs the stored file `key`, timestamped when a timestamp authority is configured (a
/// signature never goes without the timestamp it should carry), then, with `validation`,
/// adds the DSS revision that makes it B-LT. Returns the whole new version. The options'
/// limits are `stored_limits` and their `timestamp` says whether a timestamp authority is
/// configured.
pub async fn sign_stored(
    state: &AppState,
    key: &str,
    options: Arc<signet_pdf::sign::SignatureOptions>,
    seal: Seal,
    validation: Option<Arc<ValidationData>>,
) -> Result<Vec<u8>, ServiceError> {
    debug_assert_eq!(options.timestamp, state.tsa.is_some());
    let (lease, current) = open_stored(state, key).await?;
    let keys = Arc::clone(&state.keys);
    let tsa = state.tsa.clone();
    let revocation = (Arc::clone(&state.revocation), state.clock.now());
    let (signed, _lease) = lease
        .run(move || {
            let tsa = tsa
                .as_deref()
                .map(|t| t as &dyn signet_pdf::timestamp::TimestampAuthority);
            let signer: &dyn signet_pdf::signer::Signer = match &seal {
                Seal::Server => &keys.signer,
                Seal::With(signer) => signer.as_ref(),
            };
            let appended = signet_pdf::sign::sign(&current, &options, signer, tsa)?;
            let mut full = current;
            full.extend_from_slice(&appended);
            with_validation(full, validation.as_deref(), &revocation, &options.limits)
        })
        .await?;
    Ok(signed?)
}

/// Finishes a signature prepared earlier on the stored file `key` (a DSC signer's) with the
/// signature value the signer's token made; returns the whole new version.
pub async fn finish_stored(
    state: &AppState,
    key: &str,
    prepared: signet_pdf::sign::PreparedSignature,
    signature: Vec<u8>,
    validation: Option<Arc<ValidationData>>,
) -> Result<Vec<u8>, ServiceError> {
    let (lease, current) = open_stored(state, key).await?;
    let tsa = state.tsa.clone();
    let limits = state.pdf.stored_limits();
    let revocation = (Arc::clone(&state.revocation), state.clock.now());
    let (signed, _lease) = lease
        .run(move || {
            let tsa = tsa
                .as_deref()
                .map(|t| t as &dyn signet_pdf::timestamp::TimestampAuthority);
            let appended = prepared.finish(&signature, tsa)?;
            let mut full = current;
            full.extend_from_slice(&appended);
            with_validation(full, validation.as_deref(), &revocation, &limits)
        })
        .await?;
    Ok(signed?)
}

/// Prepares a signature on the stored file `key` for a signer who signs elsewhere.
pub async fn prepare_stored(
    state: &AppState,
    key: &str,
    options: signet_pdf::sign::SignatureOptions,
    chain: Vec<x509_cert::Certificate>,
    algorithm: signet_pdf::signer::SignatureAlgorithm,
) -> Result<signet_pdf::sign::PreparedSignature, ServiceError> {
    let (lease, current) = open_stored(state, key).await?;
    let (prepared, _lease) = lease
        .run(move || signet_pdf::sign::prepare(&current, &options, &chain, algorithm))
        .await?;
    Ok(prepared?)
}

/// Appends the DSS revision (B-LT) when the signer's certificates named revocation sources:
/// their answers, gathered before signing, and the timestamp authority's.
fn with_validation(
    mut pdf: Vec<u8>,
    validation: Option<&ValidationData>,
    revocation: &Revocation,
    limits: &signet_pdf::Limits,
) -> Result<Vec<u8>, signet_pdf::Error> {
    let Some(data) = validation else {
        return Ok(pdf);
    };
    let (source, now) = revocation;
    if let Some(dss) = signet_pdf::dss::with_authority_data(
        &pdf,
        Some(data.clone()),
        source.as_ref(),
        *now,
        limits,
    )? {
        pdf.extend_from_slice(&dss);
    }
    Ok(pdf)
}

/// Where the timestamp authority's revocation data comes from, and when.
type Revocation = (Arc<crate::revocation::HttpRevocation>, time::OffsetDateTime);

/// Each page's displayed size, read from the stored file `key`.
pub async fn stored_page_sizes(
    state: &AppState,
    key: &str,
) -> Result<Vec<(f64, f64)>, ServiceError> {
    let (lease, pdf) = open_stored(state, key).await?;
    let limits = state.pdf.stored_limits();
    let (sizes, _lease) = lease
        .run(move || {
            signet_pdf::Document::open(&pdf, &limits).map(|d| {
                d.pages()
                    .iter()
                    .map(|p| p.displayed_size())
                    .collect::<Vec<_>>()
            })
        })
        .await?;
    Ok(sizes?)
}

/// Prepares a revision on the stored file `key` for a CMS an eSign provider makes.
pub async fn prepare_container_stored(
    state: &AppState,
    key: &str,
    options: signet_pdf::sign::SignatureOptions,
) -> Result<signet_pdf::external::PreparedContainer, ServiceError> {
    let (lease, current) = open_stored(state, key).await?;
    let (prepared, _lease) = lease
        .run(move || signet_pdf::external::prepare_container(&current, &options))
        .await?;
    Ok(prepared?)
}

/// Embeds the provider's CMS (checked already) in the revision prepared on the stored file
/// `key`, timestamped when a timestamp authority is configured, with the DSS revision when
/// there is revocation data; returns the whole new version.
pub async fn embed_container_stored(
    state: &AppState,
    key: &str,
    prepared: signet_pdf::external::PreparedContainer,
    cms: Vec<u8>,
    validation: Option<Arc<ValidationData>>,
) -> Result<Vec<u8>, ServiceError> {
    let (lease, current) = open_stored(state, key).await?;
    let limits = state.pdf.stored_limits();
    let tsa = state.tsa.clone();
    let revocation = (Arc::clone(&state.revocation), state.clock.now());
    let (signed, _lease) = lease
        .run(move || {
            let cms = match tsa.as_deref() {
                Some(tsa) => signet_pdf::external::with_signature_timestamp(&cms, tsa)?,
                None => cms,
            };
            let appended = prepared.embed(&cms)?;
            let mut full = current;
            full.extend_from_slice(&appended);
            with_validation(full, validation.as_deref(), &revocation, &limits)
        })
        .await?;
    Ok(signed?)
}
