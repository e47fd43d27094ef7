//! The background sweeper: expires invitations as they fall due, deletes completed
//! `deleteOnComplete` documents when their time comes, removes the files of deleted
//! documents, and prunes finished webhook deliveries and mail past SIGNET_OUTBOX_RETENTION.
//! It asks the indexes of open invitations and of documents to delete when the next one is
//! due and sleeps until then (at most `IDLE`), so an idle server does no work. Several servers on
//! one database may sweep at once: each change is conditional under the document's lock.

use std::time::Duration;

use crate::service::ServiceError;
use crate::service::lifecycle::delete_completed;
use crate::service::purge::purge_files;
use crate::state::AppState;

/// The longest sleep: bounds how late an expiry is when the database was changed by another
/// process (this one is woken through `AppState::sweeper`).
const IDLE: Duration = Duration::from_secs(10);
/// The shortest sleep, so a row the sweep cannot settle never makes it spin.
const BUSY: Duration = Duration::from_millis(250);
const BATCH: i64 = 100;

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = sweep(&state).await {
                tracing::error!(error = %e, "sweep failed");
            }
            let next = match (
                state.store.next_expiry().await,
                state.store.next_deletion().await,
            ) {
                (Ok(a), Ok(b)) => a.into_iter().chain(b).min(),
                _ => None,
            };
            let wait = match next {
                Some(at) => {
                    let ms = (at - state.clock.now_ms()).max(0) as u64;
                    Duration::from_millis(ms).clamp(BUSY, IDLE)
                }
                None => IDLE,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = state.sweeper.notified() => {}
            }
        }
    });
}

/// One pass at the clock's present time; returns how many invitations expired.
pub async fn sweep(state: &AppState) -> Result<usize, ServiceError> {
    let _one_at_a_time = state.sweep_lock.lock().await;
    sweep_locked(state).await
}

/// Moves the test clock and sweeps at the new time, with no background pass in between: the
/// count returned is everything the step made due.
pub async fn advance_and_sweep(state: &AppState, ms: i64) -> Result<usize, ServiceError> {
    let _one_at_a_time = state.sweep_lock.lock().await;
    state.clock.advance(ms);
    sweep_locked(state).await
}

async fn sweep_locked(state: &AppState) -> Result<usize, ServiceError> {
    let now = state.clock.now_ms();
    let mut expired = 0;
    loop {
        let due = state.store.documents_due_for_expiry(now, BATCH).await?;
        for document_id in &due {
            let e = state.store.expire_due(document_id, now).await?;
            expired += e.invitations.len();
            if e.document_expired {
                tracing::info!(document = %document_id, "document expired");
            }
        }
        if (due.len() as i64) < BATCH {
            break;
        }
    }
    for (account_id, document_id) in state.store.documents_due_for_deletion(now, BATCH).await? {
        if delete_completed(state, &account_id, &document_id).await? {
            tracing::info!(document = %document_id, "completed document deleted (deleteOnComplete)");
        }
    }
    // Also the files of the documents just deleted.
    for doc in state.store.documents_to_purge(BATCH).await? {
        purge_files(state, &doc).await?;
    }
    let retention = state.config.outbox_retention.as_millis() as i64;
    let pruned = state.store.prune_outboxes(now - retention).await?;
    if pruned > 0 {
        tracing::info!(rows = pruned, "finished webhook deliveries and mail pruned");
    }
    Ok(expired)
}
