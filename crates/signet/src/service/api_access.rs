//! What an admin sees and changes of the account's API access: a new token (shown once, the
//! old one refused from then on) and the private salt that keys webhook MACs (shown after the
//! password is given again).

use super::users::{confirm_password, new_token, token_hash};
use super::{Actor, ServiceError};
use crate::state::AppState;

fn admin_only(actor: &Actor<'_>) -> Result<(), ServiceError> {
    match actor {
        Actor::User { role, .. } if role.may_manage_users() => Ok(()),
        _ => Err(ServiceError::forbidden(
            "api.settings.forbidden",
            "only an admin may see or change the API settings",
        )),
    }
}

/// A new API token for the account; only its hash is kept. Answers the token, to be shown
/// once.
pub async fn replace_token(state: &AppState, actor: &Actor<'_>) -> Result<String, ServiceError> {
    admin_only(actor)?;
    let account = actor.account();
    let token = new_token();
    if !state
        .store
        .replace_token_hash(&account.id, &token_hash(&token))
        .await?
    {
        return Err(ServiceError::internal("the acting account is gone"));
    }
    state.accounts.forget_account(&account.id);
    tracing::info!(account = %account.id, "API token replaced from the dashboard");
    Ok(token)
}

/// The private salt, once the acting admin has given their password again.
pub async fn reveal_salt(
    state: &AppState,
    actor: &Actor<'_>,
    password: &str,
) -> Result<String, ServiceError> {
    admin_only(actor)?;
    confirm_password(&state.store, actor, password, state.clock.now_ms()).await?;
    Ok(actor.account().private_salt.clone())
}
