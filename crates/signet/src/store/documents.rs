use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use signet_pdf::audit::{AuditEvent, GENESIS, event_hash};

use super::mail::{MailFacts, MailKind};
use super::{Store, StoreError, rfc3339, total_of_last_page, values_placeholders};

#[derive(Clone)]
pub struct NewDocument {
    pub id: String,
    pub account_id: String,
    pub profile_id: String,
    pub name: String,
    pub irn: Option<String>,
    pub workflow: String,
    pub original_sha256: String,
    /// Where the original file is stored.
    pub file_key: String,
    /// Each page's displayed size in points, as JSON `[[w, h], …]`.
    pub page_sizes: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// With `deleteOnComplete`: how long after completion the document is deleted.
    pub delete_after_ms: Option<i64>,
}

#[derive(Clone)]
pub struct NewInvitation {
    pub id: String,
    pub slot: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub invitee_type: String,
    pub active: bool,
}

/// An event as the domain states it; the store numbers it and chains its hash.
#[derive(Clone)]
pub struct NewEvent {
    pub time: i64,
    pub actor: String,
    pub action: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: String,
}

impl NewEvent {
    /// An event of the server itself (expiry, completion), with no peer to record.
    pub fn by_signet(time: i64, action: &str, details: String) -> NewEvent {
        NewEvent {
            time,
            actor: "Signet".into(),
            action: action.into(),
            ip: None,
            user_agent: None,
            details,
        }
    }
}

/// Rows each (account, status) count is spread over (migration 0008): the row a transaction
/// changes stays locked until it commits, and one row per account made every sender of that
/// account wait for the one before it to reach the disk.
const COUNT_SHARDS: i64 = 16;

/// Moves a document between the per-status counts of its account (`None`: in from, or out
/// to, nowhere), inside the transaction that changes its status.
pub(super) async fn move_count(
    tx: &mut Transaction<'_, Any>,
    document_id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(), StoreError> {
    for (status, delta) in [(from, -1i64), (to, 1)] {
        let Some(status) = status else { continue };
        let shard = rand::Rng::gen_range(&mut rand::thread_rng(), 0..COUNT_SHARDS);
        sqlx::query(
            "INSERT INTO document_counts (account_id, status, shard, n) SELECT account_id, $1, $2, $3 \
             FROM documents WHERE id = $4 \
             ON CONFLICT (account_id, status, shard) DO UPDATE SET n = document_counts.n + excluded.n",
        )
        .bind(status)
        .bind(shard)
        .bind(delta)
        .bind(document_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Completes an open document at `at`, in the caller's transaction (which holds its lock): its
/// status and count, and for `deleteOnComplete` documents the time they are to be deleted.
pub(super) async fn mark_completed(
    tx: &mut Transaction<'_, Any>,
    document_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE documents SET status = 'COMPLETED', completed_at = $1, delete_at = $1 + delete_after_ms \
         WHERE id = $2",
    )
    .bind(at)
    .bind(document_id)
    .execute(&mut **tx)
    .await?;
    move_count(tx, document_id, Some("SENT"), Some("COMPLETED")).await
}

/// Appends events after the document's last one, each hashed onto the one before, inside the
/// caller's transaction: the state change and its events commit together or not at all. Two
/// writers racing on one document collide on the (document, seq) key instead of forking it.
pub(super) async fn append_events(
    tx: &mut Transaction<'_, Any>,
    document_id: &str,
    events: impl IntoIterator<Item = &NewEvent>,
) -> Result<(), StoreError> {
    let last = sqlx::query(
        "SELECT seq, hash FROM events WHERE document_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(document_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (seq, prev) = match last {
        Some(r) => {
            let hash: String = r.get(1);
            let mut prev = [0u8; 32];
            hex::decode_to_slice(&hash, &mut prev)
                .map_err(|e| StoreError::Config(format!("corrupt event hash: {e}")))?;
            (r.get::<i64, _>(0), prev)
        }
        None => (0, GENESIS),
    };
    insert_events(tx, document_id, seq, prev, events).await
}

/// Writes `events` as numbers `after + 1…`, the first chained onto `prev`, in one statement.
async fn insert_events(
    tx: &mut Transaction<'_, Any>,
    document_id: &str,
    after: i64,
    mut prev: [u8; 32],
    events: impl IntoIterator<Item = &NewEvent>,
) -> Result<(), StoreError> {
    let chained: Vec<(&NewEvent, String)> = events
        .into_iter()
        .map(|e| {
            let audit = AuditEvent {
                time: rfc3339(e.time),
                actor: e.actor.clone(),
                action: e.action.clone(),
                ip: e.ip.clone(),
                user_agent: e.user_agent.clone(),
                details: e.details.clone(),
            };
            prev = event_hash(&prev, &audit);
            (e, hex::encode(prev))
        })
        .collect();
    if chained.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO events (document_id, seq, time, actor, action, ip, user_agent, details, hash) VALUES {}",
        values_placeholders(chained.len(), 9)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (seq, (e, hash)) in (after + 1..).zip(&chained) {
        query = query
            .bind(document_id)
            .bind(seq)
            .bind(e.time)
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.ip)
            .bind(&e.user_agent)
            .bind(&e.details)
            .bind(hash);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

impl Store {
    /// Stores a sent document, its invitations and its first events in one transaction. On
    /// SQLite, once `start_group_commit` has run, documents sent at the same moment share
    /// one commit (see `group_commit`).
    pub async fn insert_sent_document(
        &self,
        d: &NewDocument,
        invitations: &[NewInvitation],
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        if let Some(batcher) = &self.group_commit {
            return batcher.insert(d, invitations, events).await;
        }
        let mut tx = self.writer().begin().await?;
        let mailed = self.insert_sent_in(&mut tx, d, invitations, events).await?;
        tx.commit().await?;
        self.wake_mailer(mailed);
        Ok(())
    }

    /// The rows of a sent document, in the caller's transaction; true when mail was written.
    /// One statement per table: the caller knows everything the rows hold, so nothing is read
    /// back (the event chain starts at its genesis, the mail comes from `invitations`).
    pub(super) async fn insert_sent_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        d: &NewDocument,
        invitations: &[NewInvitation],
        events: &[NewEvent],
    ) -> Result<bool, StoreError> {
        sqlx::query(
            "INSERT INTO documents (id, account_id, profile_id, name, irn, status, workflow, original_sha256, \
             file_key, page_sizes, versions, created_at, expires_at, delete_after_ms) \
             VALUES ($1, $2, $3, $4, $5, 'SENT', $6, $7, $8, $9, 1, $10, $11, $12)",
        )
        .bind(&d.id)
        .bind(&d.account_id)
        .bind(&d.profile_id)
        .bind(&d.name)
        .bind(&d.irn)
        .bind(&d.workflow)
        .bind(&d.original_sha256)
        .bind(&d.file_key)
        .bind(&d.page_sizes)
        .bind(d.created_at)
        .bind(d.expires_at)
        .bind(d.delete_after_ms)
        .execute(&mut **tx)
        .await?;
        if !invitations.is_empty() {
            let sql = format!(
                "INSERT INTO invitations (id, document_id, slot, name, email, phone, invitee_type, active, \
                 created_at, expires_at) VALUES {}",
                values_placeholders(invitations.len(), 10)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for i in invitations {
                query = query
                    .bind(&i.id)
                    .bind(&d.id)
                    .bind(i.slot)
                    .bind(&i.name)
                    .bind(&i.email)
                    .bind(&i.phone)
                    .bind(&i.invitee_type)
                    .bind(i64::from(i.active))
                    .bind(d.created_at)
                    .bind(d.expires_at);
            }
            query.execute(&mut **tx).await?;
        }
        insert_events(tx, &d.id, 0, GENESIS, events).await?;
        let facts = invitations.iter().filter(|i| i.active).map(|i| MailFacts {
            kind: MailKind::Invitation,
            invitation_id: i.id.clone(),
            slot: i.slot,
            name: i.name.clone(),
            email: i.email.clone(),
            expires_at: d.expires_at,
            document_name: d.name.clone(),
            workflow: d.workflow.clone(),
        });
        let mailed = self
            .write_invitation_mail(tx, &d.account_id, &d.id, facts, d.created_at)
            .await?;
        // Last: every document of the account updates one of a few rows, and its lock is
        // held from here to the commit.
        move_count(tx, &d.id, None, Some("SENT")).await?;
        Ok(mailed)
    }

    pub async fn document(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<Option<DocumentRow>, StoreError> {
        let sql =
            format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE account_id = $1 AND id = $2");
        let row = self
            .readers()
            .fetch_optional(|| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(account_id)
                    .bind(id)
            })
            .await?;
        Ok(row.map(document_from_row))
    }

    pub async fn document_by_id(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1");
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id))
            .await?;
        Ok(row.map(document_from_row))
    }

    /// One page of an account's documents, newest first, and how many match in all.
    /// `query` matches the name, the id or the irn exactly, ignoring case. Each form of the
    /// question reads only the page it returns from its own index, and the total comes from
    /// the page itself when it is the last one, or else from the per-status counts (without
    /// `query`), so the cost does not grow with the number of documents stored.
    pub async fn list_documents(
        &self,
        account_id: &str,
        status: Option<&str>,
        query: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ListedDocument>, i64), StoreError> {
        // Placeholders are numbered in order of first use, which both backends need.
        let mut filter = String::from("account_id = $1 AND deleted = 0");
        if status.is_some() {
            filter.push_str(" AND status = $2");
        }
        let n = if status.is_some() { 2 } else { 1 };
        // The page's bounds are written into the statement, not bound: PostgreSQL plans a
        // bound LIMIT as if it might ask for a tenth of the table, finds that plan dear and
        // re-plans every execution for its actual value (planning was two thirds of its work
        // for a list). They are integers, so nothing a client sends becomes SQL.
        let order = "ORDER BY created_at DESC, id DESC";
        let (page, matched_sql) = match query {
            None => (
                format!(
                    "SELECT {LISTED_COLUMNS} FROM documents WHERE {filter} {order} \
                     LIMIT {limit} OFFSET {offset}"
                ),
                None,
            ),
            Some(_) => {
                // Three lookups, each answered by its own index and cut to the rows the page
                // can use, then merged: written as one filter with OR (or `id IN` a union),
                // both databases walk the account's documents instead. Ids are stored upper
                // case; names and irns compare lowered.
                let (id, lowered) = (n + 1, n + 2);
                let cut = limit + offset;
                let matched = |columns: &str, tail: &str| {
                    format!(
                        "SELECT {columns} FROM documents WHERE {filter} AND id = ${id} \
                         UNION SELECT * FROM (SELECT {columns} FROM documents \
                           WHERE {filter} AND LOWER(name) = ${lowered}{tail}) AS by_name \
                         UNION SELECT * FROM (SELECT {columns} FROM documents \
                           WHERE {filter} AND LOWER(irn) = ${lowered}{tail}) AS by_irn"
                    )
                };
                (
                    format!(
                        "SELECT * FROM ({}) AS matched {order} LIMIT {limit} OFFSET {offset}",
                        matched(LISTED_COLUMNS, &format!(" {order} LIMIT {cut}"))
                    ),
                    // Counted as |by id| + |by name, not that id| + |by irn, neither|: three
                    // counts an index answers, where counting the `UNION` hashed every id
                    // (q= the name all 100,000 documents bear: 81 ms on PostgreSQL).
                    Some(format!(
                        "SELECT (SELECT COUNT(*) FROM documents WHERE {filter} AND id = ${id}) \
                         + (SELECT COUNT(*) FROM documents WHERE {filter} \
                             AND LOWER(name) = ${lowered} AND id <> ${id}) \
                         + (SELECT COUNT(*) FROM documents WHERE {filter} \
                             AND LOWER(irn) = ${lowered} AND id <> ${id} \
                             AND LOWER(name) <> ${lowered})"
                    )),
                )
            }
        };
        let bind_all = |sql: &str| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id);
            if let Some(s) = status {
                q = q.bind(s);
            }
            if let Some(text) = query {
                q = q.bind(text.to_uppercase()).bind(text.to_lowercase());
            }
            q
        };
        let rows: Vec<ListedDocument> = self
            .readers()
            .fetch_all(|| bind_all(&page))
            .await?
            .into_iter()
            .map(|r| ListedDocument {
                id: r.get(0),
                name: r.get(1),
                irn: r.get(2),
                status: r.get(3),
            })
            .collect();
        let total = match (total_of_last_page(rows.len(), limit, offset), matched_sql) {
            (Some(total), _) => total,
            (None, Some(count)) => self.readers().fetch_one(|| bind_all(&count)).await?.get(0),
            (None, None) => self.count_documents(account_id, status).await?,
        };
        Ok((rows, total))
    }

    /// An account's documents not deleted, of one status or all, from the kept counts.
    pub async fn count_documents(
        &self,
        account_id: &str,
        status: Option<&str>,
    ) -> Result<i64, StoreError> {
        let row = match status {
            Some(s) => {
                self.readers()
                    .fetch_one(|| {
                        sqlx::query(
                            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM document_counts WHERE account_id = $1 AND status = $2",
                        )
                        .bind(account_id)
                        .bind(s)
                    })
                    .await?
            }
            None => {
                self.readers()
                    .fetch_one(|| {
                        sqlx::query(
                            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM document_counts WHERE account_id = $1",
                        )
                        .bind(account_id)
                    })
                    .await?
            }
        };
        Ok(row.get(0))
    }

    /// A document's events, oldest first, as the audit trail shows them.
    pub async fn events_of(&self, document_id: &str) -> Result<Vec<EventRow>, StoreError> {
        const SQL: &str = "SELECT seq, time, actor, action, ip, user_agent, details, hash \
                           FROM events WHERE document_id = $1 ORDER BY seq";
        let rows = self
            .readers()
            .fetch_all(|| sqlx::query(SQL).bind(document_id))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| EventRow {
                time: r.get(1),
                actor: r.get(2),
                action: r.get(3),
                ip: r.get(4),
                user_agent: r.get(5),
                details: r.get(6),
                hash: r.get(7),
            })
            .collect())
    }
}

#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: String,
    pub profile_id: String,
    pub name: String,
    pub irn: Option<String>,
    pub status: String,
    pub deleted: bool,
    pub original_sha256: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// The stored object of the current file.
    pub file_key: String,
    /// When a completed `deleteOnComplete` document is (or was) deleted.
    pub delete_at: Option<i64>,
}

/// A document as the list shows it.
#[derive(Debug, Clone)]
pub struct ListedDocument {
    pub id: String,
    pub name: String,
    pub irn: Option<String>,
    pub status: String,
}

/// What a list reads of each document (`created_at` orders merged lookups).
const LISTED_COLUMNS: &str = "id, name, irn, status, created_at";

pub(super) const DOCUMENT_COLUMNS: &str = "id, profile_id, name, irn, status, deleted, original_sha256, \
     created_at, completed_at, deleted_at, file_key, delete_at";

pub(super) fn document_from_row(r: AnyRow) -> DocumentRow {
    document_at(&r, 0)
}

/// A document from `DOCUMENT_COLUMNS` starting at column `base` of a row.
pub(super) fn document_at(r: &AnyRow, base: usize) -> DocumentRow {
    DocumentRow {
        id: r.get(base),
        profile_id: r.get(base + 1),
        name: r.get(base + 2),
        irn: r.get(base + 3),
        status: r.get(base + 4),
        deleted: r.get::<i64, _>(base + 5) != 0,
        original_sha256: r.get(base + 6),
        created_at: r.get(base + 7),
        completed_at: r.get(base + 8),
        deleted_at: r.get(base + 9),
        file_key: r.get(base + 10),
        delete_at: r.get(base + 11),
    }
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub time: i64,
    pub actor: String,
    pub action: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: String,
    /// Hex SHA-256, chained to the event before.
    pub hash: String,
}

impl EventRow {
    /// The event as the audit trail hashes it (the same form `append_events` hashed).
    pub fn audit_event(&self) -> AuditEvent {
        AuditEvent {
            time: rfc3339(self.time),
            actor: self.actor.clone(),
            action: self.action.clone(),
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            details: self.details.clone(),
        }
    }
}
