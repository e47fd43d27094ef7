//! `/api/signet/workflows`: what Leegality offers only in its dashboard, as an API.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use rand::Rng;
use serde_json::{Value, json};

use crate::api::{ApiAccount, ApiError, ApiJson, ok};
use crate::domain::workflow::{InviteeType, WorkflowDefinition};
use crate::state::AppState;
use crate::store::{StoredWorkflow, WorkflowStatus, rfc3339};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/signet/workflows",
            post(create_workflow).get(list_workflows),
        )
        .route(
            "/api/signet/workflows/{profile_id}",
            get(get_workflow)
                .put(replace_workflow)
                .delete(archive_workflow),
        )
        .route(
            "/api/signet/workflows/{profile_id}/publish",
            post(publish_workflow),
        )
        .route(
            "/api/signet/workflows/{profile_id}/payload",
            get(workflow_payload),
        )
}

fn not_found(profile_id: &str) -> ApiError {
    ApiError::new(
        "workflow.not.found",
        format!(
            "no workflow with profileId {:?}",
            profile_id.chars().take(16).collect::<String>()
        ),
    )
}

async fn find_workflow(
    state: &AppState,
    account_id: &str,
    profile_id: &str,
) -> Result<StoredWorkflow, ApiError> {
    state
        .store
        .workflow(account_id, profile_id)
        .await?
        .ok_or_else(|| not_found(profile_id))
}

/// 7 characters `[A-Za-z0-9]`, as Leegality's profile ids.
fn new_profile_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..7)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The stored workflow as clients see it: its JSON plus id, status and times.
fn workflow_json(w: &StoredWorkflow) -> Value {
    let mut v: Value = serde_json::from_str(&w.definition).unwrap_or_else(|_| json!({}));
    v["profileId"] = w.profile_id.clone().into();
    v["status"] = w.status.as_str().into();
    v["published"] = (w.status == WorkflowStatus::Published).into();
    v["createdAt"] = rfc3339(w.created_at).into();
    v["updatedAt"] = rfc3339(w.updated_at).into();
    v
}

fn validated(
    state: &AppState,
    def: WorkflowDefinition,
) -> Result<(WorkflowDefinition, String), ApiError> {
    def.validate()
        .map_err(|e| ApiError::new(e.code, e.message))?;
    // Codes go by mail: without an SMTP server a slot that demands one could never be signed.
    if state.config.smtp_url.is_none()
        && let Some(i) = def.invitees.iter().position(|s| s.enforce_authentication)
    {
        return Err(ApiError::new(
            "workflow.authentication.unsupported",
            format!(
                "invitees[{i}].enforceAuthentication: one-time codes are sent by mail, and this \
                 server has no SIGNET_SMTP_URL"
            ),
        ));
    }
    if !state.config.webhook_allow_private {
        for (i, slot) in def.invitees.iter().enumerate() {
            let urls = slot.webhook.iter().flat_map(|w| [&w.success, &w.error]);
            for url in urls.flatten() {
                if let Some(host) = crate::webhooks::address::private_literal_host(url) {
                    return Err(ApiError::new(
                        "workflow.webhook.url.private",
                        format!(
                            "invitees[{i}].webhook: {}",
                            crate::webhooks::address::refusal(&host)
                        ),
                    ));
                }
            }
        }
    }
    let json = serde_json::to_string(&def).map_err(ApiError::internal)?;
    Ok((def, json))
}

async fn create_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(def): ApiJson<WorkflowDefinition>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let (def, json) = validated(&state, def)?;
    let now = state.clock.now_ms();
    let w = StoredWorkflow {
        profile_id: new_profile_id(),
        account_id: account.id.clone(),
        status: if def.publish {
            WorkflowStatus::Published
        } else {
            WorkflowStatus::Draft
        },
        definition: json,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_workflow(&w, def.name.trim()).await?;
    Ok(ok(workflow_json(&w)))
}

async fn list_workflows(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let all = state.store.workflows(&account.id).await?;
    Ok(ok(
        json!({"workflows": all.iter().map(workflow_json).collect::<Vec<_>>(), "total": all.len()}),
    ))
}

async fn get_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let w = find_workflow(&state, &account.id, &profile_id).await?;
    Ok(ok(workflow_json(&w)))
}

async fn replace_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
    ApiJson(def): ApiJson<WorkflowDefinition>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let (def, json) = validated(&state, def)?;
    let store = &state.store;
    if !store
        .replace_workflow(
            &account.id,
            &profile_id,
            def.name.trim(),
            &json,
            state.clock.now_ms(),
        )
        .await?
    {
        return Err(not_found(&profile_id));
    }
    if def.publish {
        store
            .set_workflow_status(
                &account.id,
                &profile_id,
                WorkflowStatus::Published,
                state.clock.now_ms(),
            )
            .await?;
    }
    let w = find_workflow(&state, &account.id, &profile_id).await?;
    Ok(ok(workflow_json(&w)))
}

async fn publish_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    set_status(&state, &account.id, &profile_id, WorkflowStatus::Published).await
}

async fn archive_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    set_status(&state, &account.id, &profile_id, WorkflowStatus::Archived).await
}

async fn set_status(
    state: &AppState,
    account_id: &str,
    profile_id: &str,
    status: WorkflowStatus,
) -> Result<axum::Json<Value>, ApiError> {
    if !state
        .store
        .set_workflow_status(account_id, profile_id, status, state.clock.now_ms())
        .await?
    {
        return Err(not_found(profile_id));
    }
    let w = find_workflow(state, account_id, profile_id).await?;
    Ok(ok(workflow_json(&w)))
}

/// The ready-to-fill body of `POST /api/v3.0/sign/request` for this workflow: one invitee per
/// slot, in slot order, as clients fill them by position.
async fn workflow_payload(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let w = find_workflow(&state, &account.id, &profile_id).await?;
    let def: WorkflowDefinition =
        serde_json::from_str(&w.definition).map_err(ApiError::internal)?;
    let invitees: Vec<Value> = def
        .invitees
        .iter()
        .map(|slot| {
            json!({
                "name": "",
                "email": "",
                "phone": "",
                "_slot": slot.label,
                "_role": if slot.invitee_type == InviteeType::Signer { "Signer" } else { "Reviewer" },
            })
        })
        .collect();
    Ok(ok(json!({
        "profileId": w.profile_id,
        "file": {"name": "", "file": "<base64 of the PDF>"},
        "invitees": invitees,
        "irn": "",
    })))
}
