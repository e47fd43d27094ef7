//! Work on stored files that goes through the PDF budget.

use std::sync::Arc;

use super::ServiceError;
use crate::state::AppState;

/// Signs the stored file `key` with the server's seal, timestamped when a timestamp
/// authority is configured (a signature never goes without the timestamp it should carry).
/// Returns the whole new version. The options' limits are `stored_limits` and their
/// `timestamp` says whether a timestamp authority is configured.
pub async fn sign_stored(
    state: &AppState,
    key: &str,
    options: Arc<signet_pdf::sign::SignatureOptions>,
) -> Result<Vec<u8>, ServiceError> {
    debug_assert_eq!(options.timestamp, state.tsa.is_some());
    let size = usize::try_from(state.blobs.size(key).await?).unwrap_or(usize::MAX);
    let lease = state.pdf.reserve(state.pdf.open_cost(size)).await;
    let current = state.blobs.get(key).await?;
    let keys = Arc::clone(&state.keys);
    let tsa = state.tsa.clone();
    let (signed, _lease) = lease
        .run(move || {
            let tsa = tsa
                .as_deref()
                .map(|t| t as &dyn signet_pdf::timestamp::TimestampAuthority);
            let appended = signet_pdf::sign::sign(&current, &options, &keys.signer, tsa)?;
            let mut full = current;
            full.extend_from_slice(&appended);
            Ok::<_, signet_pdf::Error>(full)
        })
        .await?;
    Ok(signed?)
}

/// Each page's displayed size, read from the stored file `key`.
pub async fn stored_page_sizes(
    state: &AppState,
    key: &str,
) -> Result<Vec<(f64, f64)>, ServiceError> {
    let size = usize::try_from(state.blobs.size(key).await?).unwrap_or(usize::MAX);
    let lease = state.pdf.reserve(state.pdf.open_cost(size)).await;
    let pdf = state.blobs.get(key).await?;
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
