use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};
use crate::domain::workflow::Workflow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowStatus {
    Draft,
    Published,
    Archived,
}

impl WorkflowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Draft => "draft",
            WorkflowStatus::Published => "published",
            WorkflowStatus::Archived => "archived",
        }
    }

    fn parse(s: &str) -> WorkflowStatus {
        match s {
            "published" => WorkflowStatus::Published,
            "archived" => WorkflowStatus::Archived,
            _ => WorkflowStatus::Draft,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoredWorkflow {
    pub profile_id: String,
    pub account_id: String,
    pub status: WorkflowStatus,
    /// What documents are sent with: the published version once published.
    pub definition: Workflow,
    /// Edits of a published workflow saved in the dashboard and not published yet.
    pub draft: Option<Workflow>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "profile_id, account_id, status, definition, created_at, updated_at, draft";

fn from_row(r: AnyRow) -> Result<StoredWorkflow, StoreError> {
    Ok(StoredWorkflow {
        profile_id: r.get(0),
        account_id: r.get(1),
        status: WorkflowStatus::parse(r.get::<String, _>(2).as_str()),
        definition: Workflow::from_stored(r.get(3))?,
        created_at: r.get(4),
        updated_at: r.get(5),
        draft: r
            .get::<Option<String>, _>(6)
            .map(|d| Workflow::from_stored(&d))
            .transpose()?,
    })
}

impl Store {
    pub async fn insert_workflow(&self, w: &StoredWorkflow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO workflows (profile_id, account_id, name, status, definition, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&w.profile_id)
        .bind(&w.account_id)
        .bind(w.definition.name.trim())
        .bind(w.status.as_str())
        .bind(w.definition.to_stored())
        .bind(w.created_at)
        .bind(w.updated_at)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn workflow(
        &self,
        account_id: &str,
        profile_id: &str,
    ) -> Result<Option<StoredWorkflow>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM workflows WHERE account_id = $1 AND profile_id = $2");
        let row = self
            .readers()
            .fetch_optional(|| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(account_id)
                    .bind(profile_id)
            })
            .await?;
        row.map(from_row).transpose()
    }

    pub async fn workflows(&self, account_id: &str) -> Result<Vec<StoredWorkflow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM workflows WHERE account_id = $1 AND status <> 'archived' ORDER BY created_at, profile_id"
        );
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(account_id))
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Every workflow of the account, archived ones included, most recently changed first; at
    /// most `limit`.
    pub async fn all_workflows(
        &self,
        account_id: &str,
        limit: i64,
    ) -> Result<Vec<StoredWorkflow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM workflows WHERE account_id = $1 \
             ORDER BY updated_at DESC, profile_id LIMIT {limit}"
        );
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(account_id))
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Replaces the definition, and with it any draft the dashboard left: the replacement is
    /// the whole workflow, and a draft published later would undo it. Returns whether the
    /// workflow existed (and was not archived).
    pub async fn replace_workflow(
        &self,
        account_id: &str,
        profile_id: &str,
        definition: &Workflow,
        now: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE workflows SET name = $1, definition = $2, draft = NULL, updated_at = $3 \
             WHERE account_id = $4 AND profile_id = $5 AND status <> 'archived'",
        )
        .bind(definition.name.trim())
        .bind(definition.to_stored())
        .bind(now)
        .bind(account_id)
        .bind(profile_id)
        .execute(self.writer())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Saves edits: a draft workflow's definition is replaced; a published one keeps its
    /// definition (documents are sent with it) and holds the edits as its draft, or none when
    /// `draft` is `None` (the edits gave back the published version). One statement, so a
    /// publish between reading the workflow and saving cannot make edits live unpublished.
    /// Returns whether the workflow existed (and was not archived).
    pub async fn save_workflow_edits(
        &self,
        account_id: &str,
        profile_id: &str,
        edited: &Workflow,
        draft: Option<&Workflow>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE workflows SET \
               definition = CASE WHEN status = 'draft' THEN $1 ELSE definition END, \
               name = CASE WHEN status = 'draft' THEN $2 ELSE name END, \
               draft = CASE WHEN status = 'published' THEN $3 ELSE draft END, \
               updated_at = $4 \
             WHERE account_id = $5 AND profile_id = $6 AND status <> 'archived'",
        )
        .bind(edited.to_stored())
        .bind(edited.name.trim())
        .bind(draft.map(Workflow::to_stored))
        .bind(now)
        .bind(account_id)
        .bind(profile_id)
        .execute(self.writer())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Publishes a workflow with its waiting draft, if it has one, as its definition (`name`:
    /// the draft's, for the `name` column); returns whether it existed (and was not archived).
    pub async fn publish_workflow(
        &self,
        account_id: &str,
        profile_id: &str,
        name: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE workflows SET status = 'published', definition = COALESCE(draft, definition), \
             name = CASE WHEN draft IS NULL THEN name ELSE COALESCE($1, name) END, \
             draft = NULL, updated_at = $2 \
             WHERE account_id = $3 AND profile_id = $4 AND status <> 'archived'",
        )
        .bind(name)
        .bind(now)
        .bind(account_id)
        .bind(profile_id)
        .execute(self.writer())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Moves a workflow to `status`; returns whether it existed (and was not archived).
    pub async fn set_workflow_status(
        &self,
        account_id: &str,
        profile_id: &str,
        status: WorkflowStatus,
        now: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE workflows SET status = $1, updated_at = $2 \
             WHERE account_id = $3 AND profile_id = $4 AND status <> 'archived'",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(account_id)
        .bind(profile_id)
        .execute(self.writer())
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
