//! `/api/signet/docsigners`: the account's organisation certificates (API.md 10.1). No answer
//! carries a key, a password or a PIN.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::api::{ApiAccount, ApiError, ApiJson, ok};
use crate::service::Actor;
use crate::service::doc_signers::{self, KeyIn, NewDocSigner};
use crate::state::AppState;
use crate::store::{DocSignerRow, rfc3339};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/signet/docsigners", post(create).get(list))
        .route(
            "/api/signet/docsigners/{profile_id}",
            get(one).delete(archive),
        )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateBody {
    name: String,
    pkcs12: Option<String>,
    password: Option<Zeroizing<String>>,
    pkcs11: Option<Pkcs11Body>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Pkcs11Body {
    module: String,
    token_label: String,
    key_label: String,
    pin: Zeroizing<String>,
}

/// What clients see of one: its names and its certificate's, never its key.
pub fn doc_signer_json(d: &DocSignerRow) -> Value {
    json!({
        "profileId": d.profile_id,
        "name": d.name,
        "keyType": d.kind.as_str(),
        "subject": d.subject,
        "issuer": d.issuer,
        "notAfter": rfc3339(d.not_after),
        "createdAt": rfc3339(d.created_at),
        "archived": d.archived_at.is_some(),
    })
}

async fn create(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let key = match (body.pkcs12, body.pkcs11) {
        (Some(pkcs12), None) => KeyIn::Pkcs12 {
            pkcs12,
            password: body.password.unwrap_or_default(),
        },
        (None, Some(p)) if body.password.is_none() => KeyIn::Pkcs11 {
            module: p.module,
            token_label: p.token_label,
            key_label: p.key_label,
            pin: p.pin,
        },
        _ => {
            return Err(ApiError::new(
                "docsigner.key.invalid",
                "give either pkcs12 (with password) or pkcs11 {module, tokenLabel, keyLabel, pin}",
            ));
        }
    };
    let d = doc_signers::create(
        &state,
        &Actor::Api(&account),
        NewDocSigner {
            name: body.name,
            key,
        },
    )
    .await?;
    Ok(ok(doc_signer_json(&d)))
}

async fn list(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let all = doc_signers::list(&state, &Actor::Api(&account)).await?;
    let listed: Vec<Value> = all.iter().map(doc_signer_json).collect();
    Ok(ok(json!({"docSigners": listed, "total": all.len()})))
}

async fn one(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let d = doc_signers::get(&state, &Actor::Api(&account), &profile_id).await?;
    Ok(ok(doc_signer_json(&d)))
}

async fn archive(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let d = doc_signers::archive(&state, &Actor::Api(&account), &profile_id).await?;
    Ok(ok(doc_signer_json(&d)))
}
