//! What happens to a sent document besides its invitees' actions: expiry and reactivation,
//! deletion, completion by the account, activation out of turn. Each change takes the
//! document's row lock first and commits with its events, as `record_outcome` does.

use sqlx::{Any, Row, Transaction};

use super::documents::{
    DOCUMENT_COLUMNS, DocumentRow, NewEvent, append_events, document_from_row, mark_completed,
    move_count,
};
use super::invitations::OPEN;
use super::mail::{MailKind, Recipients};
use super::webhooks::{Reported, WebhookEvent};
use super::{Store, StoreError, total_of_last_page};
use crate::domain::event::EventKind;
use crate::domain::status::DocumentStatus;

/// Takes the document's row lock (SQLite locks the database on the first write). True when
/// the document exists, is not deleted and, with `only_sent`, is still `SENT`.
pub(super) async fn lock_document(
    tx: &mut Transaction<'_, Any>,
    document_id: &str,
    only_sent: bool,
) -> Result<bool, StoreError> {
    let query = if only_sent {
        sqlx::query(
            "UPDATE documents SET versions = versions WHERE id = $1 AND deleted = 0 AND status = $2",
        )
        .bind(document_id)
        .bind(DocumentStatus::Sent.as_str())
    } else {
        sqlx::query("UPDATE documents SET versions = versions WHERE id = $1").bind(document_id)
    };
    Ok(query.execute(&mut **tx).await?.rows_affected() == 1)
}

/// What one expiry pass did to a document.
#[derive(Debug, Default)]
pub struct Expiry {
    /// Ids of the invitations that expired, in slot order.
    pub invitations: Vec<String>,
    pub document_expired: bool,
}

pub enum Completion {
    Completed,
    NotOpen,
    ActiveInvitations,
}

/// Filters of the completed-documents list.
pub struct CompletedQuery<'a> {
    pub account_id: &'a str,
    /// Part of the name, any case.
    pub name: Option<&'a str>,
    pub irn: Option<&'a str>,
    pub completed_from: Option<i64>,
    pub completed_until: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    /// Documents with an open invitation due at `now`, for the sweeper: from the index of
    /// open invitations, so the cost follows the number due, not the number stored.
    pub async fn documents_due_for_expiry(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT document_id FROM invitations WHERE expires_at <= $1 AND {OPEN} LIMIT $2"
        );
        let rows = self
            .readers()
            .fetch_all(|| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(now)
                    .bind(limit)
            })
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    /// When the next open invitation falls due, if any.
    pub async fn next_expiry(&self) -> Result<Option<i64>, StoreError> {
        let sql = format!("SELECT MIN(expires_at) FROM invitations WHERE {OPEN}");
        Ok(self
            .readers()
            .fetch_one(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())))
            .await?
            .get(0))
    }

    /// Expires a document's open invitations that are due. On a `SENT` document each gets an
    /// event, and the document becomes `EXPIRED` when no invitation is left open. On a
    /// document already finished or deleted the flags are set without events: nothing can
    /// happen there any more, and the invitation leaves the sweeper's index.
    pub async fn expire_due(&self, document_id: &str, now: i64) -> Result<Expiry, StoreError> {
        let mut tx = self.writer().begin().await?;
        lock_document(&mut tx, document_id, false).await?;
        let open_doc = match sqlx::query("SELECT status, deleted FROM documents WHERE id = $1")
            .bind(document_id)
            .fetch_optional(&mut *tx)
            .await?
        {
            Some(r) => Some((
                r.get::<String, _>(0).parse::<DocumentStatus>()?,
                r.get::<i64, _>(1),
            )),
            None => None,
        };
        let sql = format!(
            "SELECT id, name FROM invitations WHERE document_id = $1 AND expires_at <= $2 AND {OPEN} ORDER BY slot"
        );
        let due: Vec<(String, String)> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(document_id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        if due.is_empty() {
            return Ok(Expiry::default());
        }
        let sql = format!(
            "UPDATE invitations SET expired = 1, active = 0 WHERE document_id = $1 AND expires_at <= $2 AND {OPEN}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(document_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let mut expiry = Expiry {
            invitations: due.iter().map(|(id, _)| id.clone()).collect(),
            document_expired: false,
        };
        let mut fresh = vec![];
        if open_doc == Some((DocumentStatus::Sent, 0)) {
            let mut events: Vec<NewEvent> = due
                .iter()
                .map(|(_, name)| NewEvent::by_signet(now, &EventKind::InvitationExpired { name }))
                .collect();
            let sql = format!("SELECT COUNT(*) FROM invitations WHERE document_id = $1 AND {OPEN}");
            let still_open: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(document_id)
                .fetch_one(&mut *tx)
                .await?
                .get(0);
            if still_open == 0 {
                sqlx::query("UPDATE documents SET status = $1 WHERE id = $2")
                    .bind(DocumentStatus::Expired.as_str())
                    .bind(document_id)
                    .execute(&mut *tx)
                    .await?;
                move_count(
                    &mut tx,
                    document_id,
                    Some(DocumentStatus::Sent),
                    Some(DocumentStatus::Expired),
                )
                .await?;
                events.push(NewEvent::by_signet(now, &EventKind::DocumentExpired));
                expiry.document_expired = true;
            }
            append_events(&mut tx, document_id, &events).await?;
            let ids: Vec<&str> = due.iter().map(|(id, _)| id.as_str()).collect();
            fresh = self
                .enqueue_webhooks(
                    &mut tx,
                    Reported {
                        event: WebhookEvent::Expired,
                        document_id,
                        invitation_ids: &ids,
                        completes_document: false,
                        checks: &[],
                        now,
                        workflow: None,
                    },
                )
                .await?;
        }
        tx.commit().await?;
        self.hand_over(fresh);
        Ok(expiry)
    }

    /// Gives a document's expired invitations a new expiry and makes the document `SENT`
    /// again. With a signing order only the first open slot becomes active (unless one already
    /// is). False when there was nothing to reactivate.
    pub async fn reactivate(
        &self,
        document_id: &str,
        expires_at: i64,
        ordered: bool,
        events: &[NewEvent],
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer().begin().await?;
        let revived = sqlx::query(
            "UPDATE documents SET status = $1 WHERE id = $2 AND deleted = 0 AND status = $3",
        )
        .bind(DocumentStatus::Sent.as_str())
        .bind(document_id)
        .bind(DocumentStatus::Expired.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revived == 1 {
            move_count(
                &mut tx,
                document_id,
                Some(DocumentStatus::Expired),
                Some(DocumentStatus::Sent),
            )
            .await?;
        } else if !lock_document(&mut tx, document_id, true).await? {
            return Ok(false);
        }
        let renewed = sqlx::query(
            "UPDATE invitations SET expired = 0, active = 0, expires_at = $1 WHERE document_id = $2 \
             AND expired = 1 AND deleted = 0 AND signed = 0 AND approved = 0 AND rejected = 0",
        )
        .bind(expires_at)
        .bind(document_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if renewed == 0 {
            return Ok(false);
        }
        if ordered {
            let sql = format!(
                "SELECT COUNT(*) FROM invitations WHERE document_id = $1 AND active = 1 AND {OPEN}"
            );
            let active: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(document_id)
                .fetch_one(&mut *tx)
                .await?
                .get(0);
            if active == 0 {
                let sql = format!(
                    "UPDATE invitations SET active = 1 WHERE document_id = $1 AND slot = \
                     (SELECT MIN(slot) FROM invitations WHERE document_id = $1 AND {OPEN})"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(document_id)
                    .execute(&mut *tx)
                    .await?;
            }
        } else {
            let sql =
                format!("UPDATE invitations SET active = 1 WHERE document_id = $1 AND {OPEN}");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(document_id)
                .execute(&mut *tx)
                .await?;
        }
        self.commit_with_mail(
            tx,
            document_id,
            events,
            Recipients::AllActive,
            MailKind::Invitation,
        )
        .await?;
        Ok(true)
    }

    /// Marks a document deleted, with every invitation that had not acted. Its files are
    /// removed after the commit (`purge_files`). Returns the deleted row, or `None` when
    /// there was no such document or it was already deleted.
    pub async fn delete_document(
        &self,
        account_id: &str,
        document_id: &str,
        now: i64,
        events: &[NewEvent],
    ) -> Result<Option<DocumentRow>, StoreError> {
        let mut tx = self.writer().begin().await?;
        let deleted = sqlx::query(
            "UPDATE documents SET deleted = 1, deleted_at = $1 WHERE account_id = $2 AND id = $3 AND deleted = 0",
        )
        .bind(now)
        .bind(account_id)
        .bind(document_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted != 1 {
            return Ok(None);
        }
        sqlx::query(
            "UPDATE invitations SET deleted = 1, active = 0 WHERE document_id = $1 AND signed = 0 AND approved = 0",
        )
        .bind(document_id)
        .execute(&mut *tx)
        .await?;
        append_events(&mut tx, document_id, events).await?;
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1");
        let row = document_from_row(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(document_id)
                .fetch_one(&mut *tx)
                .await?,
        )?;
        move_count(&mut tx, document_id, Some(row.status), None).await?;
        tx.commit().await?;
        Ok(Some(row))
    }

    /// Deleted documents whose files are still stored (a crash came between the deletion and
    /// the removal).
    pub async fn documents_to_purge(&self, limit: i64) -> Result<Vec<DocumentRow>, StoreError> {
        let sql = format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE deleted = 1 AND purged_at IS NULL LIMIT $1"
        );
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(limit))
            .await?;
        rows.into_iter().map(document_from_row).collect()
    }

    /// Completed `deleteOnComplete` documents whose time has come: (account, document).
    pub async fn documents_due_for_deletion(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        const SQL: &str = "SELECT account_id, id FROM documents WHERE deleted = 0 \
                           AND delete_at IS NOT NULL AND delete_at <= $1 ORDER BY delete_at LIMIT $2";
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(SQL).bind(now).bind(limit))
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// When the next completed `deleteOnComplete` document is to be deleted.
    pub async fn next_deletion(&self) -> Result<Option<i64>, StoreError> {
        const SQL: &str =
            "SELECT MIN(delete_at) FROM documents WHERE deleted = 0 AND delete_at IS NOT NULL";
        Ok(self.readers().fetch_one(|| sqlx::query(SQL)).await?.get(0))
    }

    pub async fn mark_purged(&self, document_id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE documents SET purged_at = $1 WHERE id = $2")
            .bind(now)
            .bind(document_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Deletes an invitation that has not signed or approved, activating `activate_slot`
    /// (the next in a signing order) if given. False when the document is no longer open or
    /// the invitation already acted or was deleted.
    pub async fn delete_invitation(
        &self,
        document_id: &str,
        invitation_id: &str,
        activate_slot: Option<i64>,
        events: &[NewEvent],
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer().begin().await?;
        if !lock_document(&mut tx, document_id, true).await? {
            return Ok(false);
        }
        let deleted = sqlx::query(
            "UPDATE invitations SET deleted = 1, active = 0 WHERE id = $1 AND signed = 0 AND approved = 0 AND deleted = 0",
        )
        .bind(invitation_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted != 1 {
            return Ok(false);
        }
        if let Some(slot) = activate_slot {
            let sql = format!(
                "UPDATE invitations SET active = 1 WHERE document_id = $1 AND slot = $2 AND {OPEN}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(document_id)
                .bind(slot)
                .execute(&mut *tx)
                .await?;
        }
        let next: Vec<i64> = activate_slot.into_iter().collect();
        self.commit_with_mail(
            tx,
            document_id,
            events,
            Recipients::Slots(&next),
            MailKind::Invitation,
        )
        .await?;
        Ok(true)
    }

    /// Activates an open invitation out of its signing order. False when it is not open, is
    /// already active, or its document is no longer `SENT`.
    pub async fn activate_invitation(
        &self,
        document_id: &str,
        invitation_id: &str,
        events: &[NewEvent],
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer().begin().await?;
        if !lock_document(&mut tx, document_id, true).await? {
            return Ok(false);
        }
        let sql =
            format!("UPDATE invitations SET active = 1 WHERE id = $1 AND active = 0 AND {OPEN}");
        let changed = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            return Ok(false);
        }
        self.commit_with_mail(
            tx,
            document_id,
            events,
            Recipients::Ids(&[invitation_id]),
            MailKind::Invitation,
        )
        .await?;
        Ok(true)
    }

    /// Completes a `SENT` document on the account's word, provided no invitation can still
    /// act (an active one not yet due).
    pub async fn complete_document(
        &self,
        document_id: &str,
        now: i64,
        events: &[NewEvent],
    ) -> Result<Completion, StoreError> {
        let mut tx = self.writer().begin().await?;
        if !lock_document(&mut tx, document_id, true).await? {
            return Ok(Completion::NotOpen);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM invitations WHERE document_id = $1 AND active = 1 AND expires_at > $2 AND {OPEN}"
        );
        let active: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(document_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        if active > 0 {
            return Ok(Completion::ActiveInvitations);
        }
        mark_completed(&mut tx, document_id, now).await?;
        append_events(&mut tx, document_id, events).await?;
        tx.commit().await?;
        Ok(Completion::Completed)
    }

    /// One page of an account's completed documents, oldest completion first, and how many
    /// match in all.
    pub async fn completed_documents(
        &self,
        q: &CompletedQuery<'_>,
    ) -> Result<(Vec<DocumentRow>, i64), StoreError> {
        // The literal, not a bound value: it is the condition of the partial index
        // `documents_completed`, which neither database uses for a parameter.
        let mut filter = String::from("account_id = $1 AND status = 'COMPLETED' AND deleted = 0");
        let mut n = 1;
        let mut next = |clause: &str, filter: &mut String| {
            n += 1;
            filter.push_str(&clause.replace("$n", &format!("${n}")));
        };
        // `\` escapes LIKE's wildcards typed by the client: `name` is a plain substring.
        let pattern = q.name.map(|s| {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        if pattern.is_some() {
            next(" AND LOWER(name) LIKE $n ESCAPE '\\'", &mut filter);
        }
        if q.irn.is_some() {
            // Exact, found through the lowered-irn index (one value, used twice).
            next(" AND LOWER(irn) = LOWER($n) AND irn = $n", &mut filter);
        }
        if q.completed_from.is_some() {
            next(" AND completed_at >= $n", &mut filter);
        }
        if q.completed_until.is_some() {
            next(" AND completed_at <= $n", &mut filter);
        }
        let filtered = n > 1;
        // Bounds written in, not bound: see `list_documents`.
        let (limit, offset) = (q.limit, q.offset);
        // SQLite (which has no statistics) would otherwise walk `documents_completed` for its
        // order and test each completed document's irn; `+` takes that index's order out of
        // the choice when an irn names the few rows to sort.
        let order = if q.irn.is_some() {
            "+completed_at, id"
        } else {
            "completed_at, id"
        };
        let page = format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE {filter} ORDER BY {order} \
             LIMIT {limit} OFFSET {offset}"
        );
        let bind_all = |sql: &str| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(q.account_id);
            if let Some(p) = &pattern {
                query = query.bind(p.clone());
            }
            if let Some(irn) = q.irn {
                query = query.bind(irn);
            }
            for bound in [q.completed_from, q.completed_until].into_iter().flatten() {
                query = query.bind(bound);
            }
            query
        };
        let rows: Vec<DocumentRow> = self
            .readers()
            .fetch_all(|| bind_all(&page))
            .await?
            .into_iter()
            .map(document_from_row)
            .collect::<Result<_, _>>()?;
        // Without a filter the total is the kept count; only a full filtered page is counted.
        let total = match total_of_last_page(rows.len(), limit, offset) {
            Some(total) => total,
            None if filtered => {
                let count = format!("SELECT COUNT(*) FROM documents WHERE {filter}");
                self.readers().fetch_one(|| bind_all(&count)).await?.get(0)
            }
            None => {
                self.count_documents(q.account_id, Some(DocumentStatus::Completed))
                    .await?
            }
        };
        Ok((rows, total))
    }
}
