//! `/api/signet/account/settings`: the account's settings for certificate checks (API.md
//! 10.2). API.md names the setting but no endpoint for it; this is Signet's.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiAccount, ApiError, ApiJson, ok};
use crate::service::Actor;
use crate::service::certificate_settings;
use crate::state::AppState;
use crate::store::VerificationSettings;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/signet/account/settings", get(read).put(update))
}

fn settings_json(s: VerificationSettings) -> Value {
    json!({
        "verificationFailure": s.failure.as_str(),
        "smartNameThreshold": s.smart_name_threshold,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Update {
    verification_failure: Option<String>,
    smart_name_threshold: Option<i64>,
}

async fn read(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let s = certificate_settings::get(&state, &Actor::Api(&account)).await?;
    Ok(ok(settings_json(s)))
}

async fn update(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(body): ApiJson<Update>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let s = certificate_settings::update(
        &state,
        &Actor::Api(&account),
        body.verification_failure.as_deref(),
        body.smart_name_threshold,
    )
    .await?;
    Ok(ok(settings_json(s)))
}
