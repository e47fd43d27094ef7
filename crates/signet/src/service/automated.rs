//! `AUTOMATED_SIGN` (API.md 10.1): the server signs a slot with the organisation certificate
//! the workflow names as soon as the slot's turn comes. The open, active invitation is the
//! job: nothing else records that a signature is due, so a crash between the turn coming and
//! the signature loses nothing, and a restart signs what is due.

use std::collections::HashMap;
use std::time::Duration;

use super::act::Invitee;
use super::{Origin, ServiceError};
use crate::domain::event::SIGNET;
use crate::domain::signature_type::SignatureType;
use crate::state::AppState;

/// Due signatures taken per pass.
const BATCH: i64 = 32;
/// How often the server looks without being woken (a turn that came in another process).
const IDLE: Duration = Duration::from_secs(30);
/// How long a signature that was refused waits before it is tried again: an archived
/// certificate or a failing HSM is an operator's to mend, and must not spin.
const RETRY_AFTER: Duration = Duration::from_secs(300);

/// Signs what is due, then waits to be woken (`AppState::automated`) or for `IDLE`.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut refused: HashMap<String, std::time::Instant> = HashMap::new();
        loop {
            refused.retain(|_, at| at.elapsed() < RETRY_AFTER);
            match sign_due(&state, &mut refused).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "automated signatures failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(IDLE) => {}
                _ = state.automated.notified() => {}
            }
        }
    });
}

/// One pass; returns how many signatures were made.
async fn sign_due(
    state: &AppState,
    refused: &mut HashMap<String, std::time::Instant>,
) -> Result<usize, ServiceError> {
    let due = state.store.due_automated(BATCH).await?;
    let mut signed = 0;
    for invitation in due {
        if refused.contains_key(&invitation.id) {
            continue;
        }
        let id = invitation.id.clone();
        match sign_one(state, invitation).await {
            Ok(()) => signed += 1,
            Err(e) => {
                tracing::warn!(invitation = %id, error = %e, "automated signature refused; retried later");
                refused.insert(id, std::time::Instant::now());
            }
        }
    }
    Ok(signed)
}

async fn sign_one(
    state: &AppState,
    invitation: crate::store::InvitationRow,
) -> Result<(), ServiceError> {
    let profile_id = invitation
        .automated_signer
        .clone()
        .ok_or_else(|| ServiceError::internal("due_automated gave a slot without a signer"))?;
    let signer = super::doc_signers::signer(state, &invitation.account_id, &profile_id).await?;
    let invitee = Invitee::from_row(invitation)?;
    let origin = Origin {
        ip: None,
        user_agent: Some(format!("{SIGNET} (automated signature)")),
    };
    super::certify::sign_with(
        state,
        &invitee,
        &origin,
        SignatureType::AutomatedSign,
        signer,
        true,
    )
    .await
    .map(|_| ())
}
