//! Webhook deliveries an account asks about: sending one again.

use super::{Actor, ServiceError};
use crate::state::AppState;
use crate::store::DeliveryRow;

/// Sends a delivery of the actor's account again now, with the same `webhook-id` and body; a
/// delivered or dead one starts the retry schedule over.
pub async fn redeliver(
    state: &AppState,
    actor: &Actor<'_>,
    delivery_id: &str,
) -> Result<DeliveryRow, ServiceError> {
    actor.may_change()?;
    state
        .store
        .redeliver(&actor.account().id, delivery_id, state.clock.now_ms())
        .await?
        .ok_or_else(|| {
            ServiceError::not_found(
                "webhook.delivery.not.found",
                format!(
                    "no webhook delivery {:?}",
                    delivery_id.chars().take(64).collect::<String>()
                ),
            )
        })
}
