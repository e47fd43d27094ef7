//! An account's workflows: create, replace, publish, archive, read. The API of API.md section 1
//! and the dashboard's editor both come here, so a workflow is checked the same way whoever
//! writes it: the domain's rules, then what only this server can judge (mail for one-time
//! codes, webhook addresses it may call).

use super::{Actor, ServiceError};
use crate::domain::ids::ProfileId;
use crate::domain::signature_type::SignatureType;
use crate::domain::workflow::{InviteeSlot, InviteeType, Workflow, WorkflowInput};
use crate::state::AppState;
use crate::store::{StoredWorkflow, WorkflowStatus};

/// A workflow to store, as written, and whether to publish it at once.
pub struct SaveWorkflow {
    pub workflow: WorkflowInput,
    pub publish: bool,
}

fn not_found(profile_id: &str) -> ServiceError {
    ServiceError::not_found(
        "workflow.not.found",
        format!(
            "no workflow with profileId {:?}",
            profile_id.chars().take(16).collect::<String>()
        ),
    )
}

/// The profile id a client named: one that is malformed names no workflow.
fn parsed(profile_id: &str) -> Result<ProfileId, ServiceError> {
    profile_id.parse().map_err(|_| not_found(profile_id))
}

/// The domain's rules, then this server's.
async fn checked(
    state: &AppState,
    actor: &Actor<'_>,
    input: WorkflowInput,
) -> Result<Workflow, ServiceError> {
    let workflow = Workflow::parse(input)?;
    // An AUTOMATED_SIGN slot is signed with an organisation certificate of the account's.
    for (i, slot) in workflow.invitees.iter().enumerate() {
        if let Some(id) = &slot.doc_signer
            && state
                .store
                .doc_signer(&actor.account().id, id)
                .await?
                .is_none_or(|d| d.archived_at.is_some())
        {
            return Err(ServiceError::refused(
                "workflow.docsigner.not.found",
                format!(
                    "invitees[{i}].docSigner: no organisation certificate of this account has \
                     profileId {id:?} (POST /api/signet/docsigners adds one)"
                ),
            ));
        }
    }
    // Aadhaar eSign goes through a provider of SIGNET_ESP_CONFIG.
    for (i, slot) in workflow.invitees.iter().enumerate() {
        if !slot.allows(SignatureType::Aadhaar) {
            continue;
        }
        if state.esp.is_empty() {
            return Err(ServiceError::refused(
                "signature.type.unavailable",
                format!(
                    "invitees[{i}].signatureTypes: AADHAAR is unavailable: this server has no \
                     eSign service provider (SIGNET_ESP_CONFIG)"
                ),
            ));
        }
        if let Some(name) = &slot.esp
            && state.esp.get(Some(name)).is_none()
        {
            let names: Vec<&str> = state.esp.names().collect();
            return Err(ServiceError::refused(
                "workflow.esp.not.found",
                format!(
                    "invitees[{i}].esp: this server has no eSign provider {name:?} (it has: {})",
                    names.join(", ")
                ),
            ));
        }
    }
    // Codes go by mail: without an SMTP server a slot that demands one could never be signed.
    if state.config.smtp_url.is_none()
        && let Some(i) = workflow
            .invitees
            .iter()
            .position(|s| s.enforce_authentication)
    {
        return Err(ServiceError::refused(
            "workflow.authentication.unsupported",
            format!(
                "invitees[{i}].enforceAuthentication: one-time codes are sent by mail, and this \
                 server has no SIGNET_SMTP_URL"
            ),
        ));
    }
    if !state.config.webhook_allow_private {
        for (i, slot) in workflow.invitees.iter().enumerate() {
            check_webhook_hosts(i, slot)?;
        }
    }
    Ok(workflow)
}

fn check_webhook_hosts(i: usize, slot: &InviteeSlot) -> Result<(), ServiceError> {
    let urls = slot.webhook.iter().flat_map(|w| [&w.success, &w.error]);
    for url in urls.flatten() {
        if let Some(host) = crate::webhooks::address::private_literal_host(url) {
            return Err(ServiceError::refused(
                "workflow.webhook.url.private",
                format!(
                    "invitees[{i}].webhook: {}",
                    crate::webhooks::address::refusal(&host)
                ),
            ));
        }
    }
    Ok(())
}

pub async fn create_workflow(
    state: &AppState,
    actor: &Actor<'_>,
    command: SaveWorkflow,
) -> Result<StoredWorkflow, ServiceError> {
    actor.may_change()?;
    let workflow = checked(state, actor, command.workflow).await?;
    let now = state.clock.now_ms();
    let stored = StoredWorkflow {
        profile_id: ProfileId::generate().into(),
        account_id: actor.account().id.clone(),
        status: if command.publish {
            WorkflowStatus::Published
        } else {
            WorkflowStatus::Draft
        },
        definition: workflow,
        draft: None,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_workflow(&stored).await?;
    Ok(stored)
}

/// Documents already sent keep the workflow they were sent with.
pub async fn replace_workflow(
    state: &AppState,
    actor: &Actor<'_>,
    profile_id: &str,
    command: SaveWorkflow,
) -> Result<StoredWorkflow, ServiceError> {
    actor.may_change()?;
    let workflow = checked(state, actor, command.workflow).await?;
    let profile_id = parsed(profile_id)?;
    let profile_id = profile_id.as_str();
    let account_id = &actor.account().id;
    let now = state.clock.now_ms();
    if !state
        .store
        .replace_workflow(account_id, profile_id, &workflow, now)
        .await?
    {
        return Err(not_found(profile_id));
    }
    if command.publish {
        state
            .store
            .set_workflow_status(account_id, profile_id, WorkflowStatus::Published, now)
            .await?;
    }
    workflow_of_account(state, actor, profile_id).await
}

/// The dashboard's save. A draft workflow is replaced, as the API's replace does. A published
/// one is frozen: the edits become its draft, and documents (the API's create and the
/// dashboard's Run) keep using the published definition until the draft is published. Edits
/// that give back the published version leave no draft.
pub async fn save_edits(
    state: &AppState,
    actor: &Actor<'_>,
    profile_id: &str,
    edited: WorkflowInput,
) -> Result<StoredWorkflow, ServiceError> {
    actor.may_change()?;
    let edited = checked(state, actor, edited).await?;
    let current = workflow_of_account(state, actor, profile_id).await?;
    if current.status == WorkflowStatus::Archived {
        return Err(archived(profile_id));
    }
    let draft = (edited != current.definition).then_some(&edited);
    if !state
        .store
        .save_workflow_edits(
            &actor.account().id,
            profile_id,
            &edited,
            draft,
            state.clock.now_ms(),
        )
        .await?
    {
        return Err(archived(profile_id));
    }
    workflow_of_account(state, actor, profile_id).await
}

fn archived(profile_id: &str) -> ServiceError {
    ServiceError::conflict(
        "workflow.archived",
        format!(
            "workflow {:?} is archived; clone it to make a new one",
            profile_id.chars().take(16).collect::<String>()
        ),
    )
}

/// Publishes (only published workflows can be run; a waiting draft becomes the published
/// version) or archives (no new documents).
pub async fn set_workflow_status(
    state: &AppState,
    actor: &Actor<'_>,
    profile_id: &str,
    status: WorkflowStatus,
) -> Result<StoredWorkflow, ServiceError> {
    actor.may_change()?;
    let profile_id = parsed(profile_id)?;
    let profile_id = profile_id.as_str();
    let account_id = &actor.account().id;
    let now = state.clock.now_ms();
    let done = if status == WorkflowStatus::Published {
        let current = workflow_of_account(state, actor, profile_id).await?;
        let name = current.draft.as_ref().map(|d| d.name.trim());
        state
            .store
            .publish_workflow(account_id, profile_id, name, now)
            .await?
    } else {
        state
            .store
            .set_workflow_status(account_id, profile_id, status, now)
            .await?
    };
    if !done {
        return Err(not_found(profile_id));
    }
    workflow_of_account(state, actor, profile_id).await
}

/// One of the account's workflows, archived ones included.
pub async fn workflow_of_account(
    state: &AppState,
    actor: &Actor<'_>,
    profile_id: &str,
) -> Result<StoredWorkflow, ServiceError> {
    let id = parsed(profile_id)?;
    state
        .store
        .workflow(&actor.account().id, id.as_str())
        .await?
        .ok_or_else(|| not_found(profile_id))
}

/// The ready-to-fill body of `POST /api/v3.0/sign/request` for a workflow's published
/// version: one invitee per slot, in slot order, as clients fill them by position. The API's
/// payload endpoint and the dashboard's download answer this same JSON.
pub fn request_payload(w: &StoredWorkflow) -> serde_json::Value {
    let invitees: Vec<serde_json::Value> = w
        .definition
        .invitees
        .iter()
        .map(|slot| {
            serde_json::json!({
                "name": "",
                "email": "",
                "phone": "",
                "_slot": slot.label,
                "_role": if slot.invitee_type == InviteeType::Signer { "Signer" } else { "Reviewer" },
            })
        })
        .collect();
    serde_json::json!({
        "profileId": w.profile_id,
        "file": {"name": "", "file": "<base64 of the PDF>"},
        "invitees": invitees,
        "irn": "",
    })
}

/// Every workflow of the account, archived ones included, most recently changed first (at
/// most `limit`): the dashboard's list.
pub async fn all_workflows_of_account(
    state: &AppState,
    actor: &Actor<'_>,
    limit: i64,
) -> Result<Vec<StoredWorkflow>, ServiceError> {
    Ok(state
        .store
        .all_workflows(&actor.account().id, limit)
        .await?)
}

/// The account's workflows that are not archived, oldest first.
pub async fn workflows_of_account(
    state: &AppState,
    actor: &Actor<'_>,
) -> Result<Vec<StoredWorkflow>, ServiceError> {
    Ok(state.store.workflows(&actor.account().id).await?)
}
