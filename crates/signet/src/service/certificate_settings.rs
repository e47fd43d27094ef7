//! The account's settings for certificate checks (API.md 10.2): what a failed check does
//! and the smart-name pass mark.

use super::{Actor, ServiceError};
use crate::state::AppState;
use crate::store::{VerificationFailure, VerificationSettings};

/// What a failed check does is the account's policy, as its API access is: in the dashboard
/// only an admin changes it (a sender could otherwise let mismatched signatures through);
/// the API's token speaks for the whole account.
fn admin_or_api(actor: &Actor<'_>) -> Result<(), ServiceError> {
    match actor {
        Actor::User { role, .. } if !role.may_manage_users() => Err(ServiceError::forbidden(
            "settings.forbidden",
            "only an admin may change the certificate checks",
        )),
        _ => Ok(()),
    }
}

pub async fn get(
    state: &AppState,
    actor: &Actor<'_>,
) -> Result<VerificationSettings, ServiceError> {
    Ok(state
        .store
        .verification_settings(&actor.account().id)
        .await?)
}

/// Changes what is given, keeps the rest.
pub async fn update(
    state: &AppState,
    actor: &Actor<'_>,
    failure: Option<&str>,
    threshold: Option<i64>,
) -> Result<VerificationSettings, ServiceError> {
    admin_or_api(actor)?;
    let mut settings = get(state, actor).await?;
    if let Some(f) = failure {
        settings.failure = VerificationFailure::parse(f).ok_or_else(|| {
            ServiceError::refused(
                "settings.verification.failure.invalid",
                "verificationFailure: \"reject\" (terminate the invitation) or \"report\" (keep the signature and report the results)",
            )
        })?;
    }
    if let Some(t) = threshold {
        settings.smart_name_threshold =
            u8::try_from(t).ok().filter(|t| *t <= 100).ok_or_else(|| {
                ServiceError::refused(
                    "settings.smart.name.threshold.invalid",
                    "smartNameThreshold: a percentage from 0 to 100",
                )
            })?;
    }
    state
        .store
        .set_verification_settings(&actor.account().id, settings)
        .await?;
    Ok(settings)
}
