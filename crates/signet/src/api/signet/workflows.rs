//! `/api/signet/workflows`: what Leegality offers only in its dashboard, as an API.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::workflow_json::WorkflowJson;
use crate::api::{ApiAccount, ApiError, ApiJson, ok};
use crate::service::Actor;
use crate::service::workflows::{self, SaveWorkflow};
use crate::state::AppState;
use crate::store::{Account, StoredWorkflow, WorkflowStatus, rfc3339};

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

/// The stored workflow as clients see it: its JSON plus id, status and times.
fn workflow_json(w: &StoredWorkflow) -> Result<Value, ApiError> {
    let mut v =
        serde_json::to_value(WorkflowJson::from(&w.definition)).map_err(ApiError::internal)?;
    v["profileId"] = w.profile_id.clone().into();
    v["status"] = w.status.as_str().into();
    v["published"] = (w.status == WorkflowStatus::Published).into();
    v["createdAt"] = rfc3339(w.created_at).into();
    v["updatedAt"] = rfc3339(w.updated_at).into();
    Ok(v)
}

fn save(json: WorkflowJson) -> SaveWorkflow {
    let (workflow, publish) = json.into_input();
    SaveWorkflow { workflow, publish }
}

async fn create_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    ApiJson(json): ApiJson<WorkflowJson>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let w = workflows::create_workflow(&state, &Actor::Api(&account), save(json)).await?;
    Ok(ok(workflow_json(&w)?))
}

async fn list_workflows(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let all = workflows::workflows_of_account(&state, &Actor::Api(&account)).await?;
    let listed = all
        .iter()
        .map(workflow_json)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ok(json!({"workflows": listed, "total": all.len()})))
}

async fn get_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let w = workflows::workflow_of_account(&state, &Actor::Api(&account), &profile_id).await?;
    Ok(ok(workflow_json(&w)?))
}

async fn replace_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
    ApiJson(json): ApiJson<WorkflowJson>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let actor = Actor::Api(&account);
    let w = workflows::replace_workflow(&state, &actor, &profile_id, save(json)).await?;
    Ok(ok(workflow_json(&w)?))
}

async fn publish_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    set_status(&state, &account, &profile_id, WorkflowStatus::Published).await
}

async fn archive_workflow(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    set_status(&state, &account, &profile_id, WorkflowStatus::Archived).await
}

async fn set_status(
    state: &AppState,
    account: &Account,
    profile_id: &str,
    status: WorkflowStatus,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = Actor::Api(account);
    let w = workflows::set_workflow_status(state, &actor, profile_id, status).await?;
    Ok(ok(workflow_json(&w)?))
}

/// The ready-to-fill body of `POST /api/v3.0/sign/request` for this workflow.
async fn workflow_payload(
    State(state): State<AppState>,
    ApiAccount(account): ApiAccount,
    Path(profile_id): Path<String>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let w = workflows::workflow_of_account(&state, &Actor::Api(&account), &profile_id).await?;
    Ok(ok(workflows::request_payload(&w)))
}
