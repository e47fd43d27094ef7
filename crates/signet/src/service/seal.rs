//! Sealing a completed document's audit trail: the event log rendered as a PDF and signed
//! with the server's seal. The log is the record; the PDF is a view of it that can be made
//! again, so a failure here loses nothing and is retried when the trail is next asked for.

use sha2::{Digest, Sha256};

use super::ServiceError;
use crate::state::AppState;
use crate::store::DocumentRow;

pub fn audit_key(document_id: &str) -> String {
    format!("documents/{document_id}/audit-trail.pdf")
}

fn hex32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    let _ = hex::decode_to_slice(s, &mut out);
    out
}

/// Seals a document that just completed, after the answer: rendering and sealing take
/// longer than the rest of the completing request, and nobody waits on them. The audit trail
/// is a view of the committed event log: if sealing fails (or the process stops first), it is
/// sealed when first asked for; two seals racing each store a complete trail (object writes
/// are atomic renames), and the last one stays.
pub fn seal_completed(state: &AppState, document_id: &str) {
    let state = state.clone();
    let document_id = document_id.to_string();
    tokio::spawn(async move {
        let sealed = match state.store.document_by_id(&document_id).await {
            Ok(Some(doc)) => seal_audit_trail(&state, &doc).await,
            Ok(None) => Ok(()),
            Err(e) => Err(e.into()),
        };
        if let Err(e) = sealed {
            tracing::error!(document = %document_id, error = ?e, "sealing the audit trail failed");
        }
    });
}

/// The stored audit trail of a completed document, sealed first if it is not stored yet (a
/// completion whose sealing failed is repaired here): every entry point that hands out the
/// trail asks this.
pub async fn sealed_audit_trail(
    state: &AppState,
    doc: &DocumentRow,
) -> Result<String, ServiceError> {
    let key = audit_key(&doc.id);
    if !state.blobs.exists(&key).await? {
        seal_audit_trail(state, doc).await?;
    }
    Ok(key)
}

/// Renders, seals (timestamped when a timestamp authority is configured) and stores the
/// audit trail of a completed document.
pub async fn seal_audit_trail(state: &AppState, doc: &DocumentRow) -> Result<(), ServiceError> {
    let events = state.store.events_of(&doc.id).await?;
    let final_sha256 = stored_sha256(state, &doc.file_key).await?;
    let now = state.clock.now_ms();
    let trail = signet_pdf::audit::AuditTrail {
        document_name: doc.name.clone(),
        document_id: doc.id.clone(),
        original_sha256: hex32(&doc.original_sha256),
        final_sha256,
        generated_at: format!("{} ({})", state.zone.time(now), state.zone.name()),
        hashes: events.iter().map(|e| hex32(&e.hash)).collect(),
        events: events.iter().map(|e| e.audit_event()).collect(),
    };
    let keys = state.keys.clone();
    let tsa = state.tsa.clone();
    let signed_at = state.clock.now();
    let (sealed, _lease) = state
        .pdf
        .reserve(state.pdf.seal_cost())
        .await
        .run(move || {
            let tsa = tsa
                .as_deref()
                .map(|t| t as &dyn signet_pdf::timestamp::TimestampAuthority);
            signet_pdf::audit::seal_audit_trail(&trail, &keys.signer, signed_at, tsa)
        })
        .await?;
    state.blobs.put(&audit_key(&doc.id), sealed?).await?;
    Ok(())
}

/// The SHA-256 of a stored file, read a chunk at a time: the trail names the final file by
/// its digest and needs nothing else of it.
async fn stored_sha256(state: &AppState, key: &str) -> Result<[u8; 32], ServiceError> {
    use futures_util::TryStreamExt;
    let (_, mut chunks) = state.blobs.stream(key).await?;
    let mut digest = Sha256::new();
    while let Some(chunk) = chunks.try_next().await? {
        digest.update(&chunk);
    }
    Ok(digest.finalize().into())
}
