//! Removing a deleted document's files: right after the deletion commits, and by the sweeper
//! for a deletion whose removal failed or was interrupted (`purged_at` still unset).

use super::seal::audit_key;
use crate::state::AppState;
use crate::store::{DocumentRow, StoreError};

/// Removes every stored version of a deleted document. The audit trail stays: it is the
/// record of what happened, and holds the document's hash, not its content.
pub async fn purge_files(state: &AppState, doc: &DocumentRow) -> Result<(), StoreError> {
    state
        .blobs
        .delete_all_under(&format!("documents/{}/", doc.id), &audit_key(&doc.id))
        .await?;
    state.store.mark_purged(&doc.id, state.clock.now_ms()).await
}
