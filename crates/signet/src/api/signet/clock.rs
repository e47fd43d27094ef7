//! `POST /api/signet/clock/advance`: moves the server's clock forward and runs the sweeper
//! at once, so a test sees expiry (and what follows it: webhooks, retries falling due)
//! without sleeping. Mounted only with
//! `SIGNET_TEST_CLOCK=true`; otherwise the path does not exist.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiAccount, ApiError, ApiJson, ok};
use crate::state::AppState;
use crate::store::rfc3339;

pub fn routes(enabled: bool) -> Router<AppState> {
    if enabled {
        Router::new().route("/api/signet/clock/advance", post(advance))
    } else {
        Router::new()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn advance(
    State(state): State<AppState>,
    ApiAccount(_): ApiAccount,
    ApiJson(body): ApiJson<Advance>,
) -> Result<axum::Json<Value>, ApiError> {
    if body.seconds <= 0 {
        return Err(ApiError::new(
            "clock.step.invalid",
            "seconds: a positive number; the clock only moves forward",
        ));
    }
    let expired =
        crate::sweeper::advance_and_sweep(&state, body.seconds.saturating_mul(1000)).await?;
    // Retries the step made due go out now, not at the dispatcher's next idle wake-up.
    state.store.wake_dispatcher();
    Ok(ok(json!({
        "now": rfc3339(state.clock.now_ms()),
        "expiredInvitations": expired,
    })))
}
