use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use signet_pdf::audit::{AuditEvent, GENESIS, event_hash};

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::event::{EventKind, SIGNET};
use crate::domain::status::DocumentStatus;
use crate::domain::workflow::Workflow;

use super::{AnyQuery, Backend, Columns, Store, StoreError, rfc3339, total_of_last_page};

#[derive(Clone)]
pub struct NewDocument {
    pub id: String,
    pub account_id: String,
    pub profile_id: String,
    pub name: String,
    pub irn: Option<String>,
    /// The workflow as it was when the document was sent: later edits do not reach it.
    pub workflow: Arc<Workflow>,
    pub original_sha256: String,
    /// Where the original file is stored.
    pub file_key: String,
    /// Each page's displayed size in points, as JSON `[[w, h], …]`.
    pub page_sizes: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// With `deleteOnComplete`: how long after completion the document is deleted.
    pub delete_after_ms: Option<i64>,
    /// The dashboard user who sent it; `None` for the API.
    pub sender_name: Option<String>,
    /// `neslData` as checked, JSON; `None` when the request had none.
    pub nesl_data: Option<String>,
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
    /// JSON of `service::certify::AskedChecks`; `None` when nothing is asked.
    pub verification_request: Option<String>,
    /// An AUTOMATED_SIGN slot's organisation certificate.
    pub automated_signer: Option<String>,
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
    /// An event caused by `actor` (as the audit trail names them), from where they acted.
    pub fn new(
        time: i64,
        actor: String,
        kind: &EventKind<'_>,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> NewEvent {
        NewEvent {
            time,
            actor,
            action: kind.action().into(),
            ip,
            user_agent,
            details: kind.details(),
        }
    }

    /// An event of the server itself (expiry, completion), with no peer to record.
    pub fn by_signet(time: i64, kind: &EventKind<'_>) -> NewEvent {
        NewEvent::new(time, SIGNET.into(), kind, None, None)
    }
}

/// Rows each (account, status) count is spread over (migration 0008): the row a transaction
/// changes stays locked until it commits, and one row per account made every sender of that
/// account wait for the one before it to reach the disk.
const COUNT_SHARDS: i64 = 16;

/// The count row a change of this transaction goes to.
pub(super) fn random_count_shard() -> i64 {
    rand::Rng::gen_range(&mut rand::thread_rng(), 0..COUNT_SHARDS)
}

/// Adds a count change to its row, or starts the row.
pub(super) const ADD_TO_COUNT: &str =
    "ON CONFLICT (account_id, status, shard) DO UPDATE SET n = document_counts.n + excluded.n";

/// Moves a document between the per-status counts of its account (`None`: in from, or out
/// to, nowhere), inside the transaction that changes its status.
pub(super) async fn move_count(
    tx: &mut Transaction<'_, Any>,
    document_id: &str,
    from: Option<DocumentStatus>,
    to: Option<DocumentStatus>,
) -> Result<(), StoreError> {
    for (status, delta) in [(from, -1i64), (to, 1)] {
        let Some(status) = status else { continue };
        let sql = format!(
            "INSERT INTO document_counts (account_id, status, shard, n) SELECT account_id, $1, $2, $3 \
             FROM documents WHERE id = $4 {ADD_TO_COUNT}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(status.as_str())
            .bind(random_count_shard())
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
        "UPDATE documents SET status = $1, completed_at = $2, delete_at = $2 + delete_after_ms \
         WHERE id = $3",
    )
    .bind(DocumentStatus::Completed.as_str())
    .bind(at)
    .bind(document_id)
    .execute(&mut **tx)
    .await?;
    move_count(
        tx,
        document_id,
        Some(DocumentStatus::Sent),
        Some(DocumentStatus::Completed),
    )
    .await
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
    prev: [u8; 32],
    events: impl IntoIterator<Item = &NewEvent>,
) -> Result<(), StoreError> {
    let chained = chain_events(prev, events);
    if chained.is_empty() {
        return Ok(());
    }
    let query = sqlx::query(sqlx::AssertSqlSafe(EVENT_COLUMNS.insert(1, chained.len())));
    bind_events(query, document_id, after, &chained)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The events table's INSERT, as [`bind_events`] gives its values.
pub(super) const EVENT_COLUMNS: Columns = Columns {
    into: "events (document_id, seq, time, actor, action, ip, user_agent, details, hash)",
    count: 9,
};

/// Each event with its hash, the first chained onto `prev`.
pub(super) fn chain_events<'e>(
    mut prev: [u8; 32],
    events: impl IntoIterator<Item = &'e NewEvent>,
) -> Vec<(&'e NewEvent, String)> {
    events
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
        .collect()
}

/// Binds the values of [`EVENT_COLUMNS`] for chained events numbered `after + 1…`.
pub(super) fn bind_events<'q>(
    mut query: AnyQuery<'q>,
    document_id: &'q str,
    after: i64,
    chained: &'q [(&'q NewEvent, String)],
) -> AnyQuery<'q> {
    for (seq, (e, hash)) in (after + 1..).zip(chained) {
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
    query
}

impl Store {
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
        row.map(document_from_row).transpose()
    }

    /// The document's `neslData` (JSON), if it was sent with one. Apart from
    /// `DOCUMENT_COLUMNS`: only details with `neslDocumentDetails` read it.
    pub async fn nesl_data(&self, document_id: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .readers()
            .fetch_optional(|| {
                sqlx::query("SELECT nesl_data FROM documents WHERE id = $1").bind(document_id)
            })
            .await?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>(0)))
    }

    pub async fn document_by_id(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1");
        let row = self
            .readers()
            .fetch_optional(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id))
            .await?;
        row.map(document_from_row).transpose()
    }

    /// One page of an account's documents, newest first, and how many match in all.
    /// `query` matches the name, the id or the irn exactly, ignoring case, and with
    /// `invitee_email` an invitee's address too. Each form of the
    /// question reads only the page it returns from its own index, and the total comes from
    /// the page itself when it is the last one, or else from the per-status counts (without
    /// `query`), so the cost does not grow with the number of documents stored.
    pub async fn list_documents(
        &self,
        account_id: &str,
        status: Option<DocumentStatus>,
        query: Option<Search<'_>>,
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
            Some(search) => {
                // Three lookups (four with addresses), each answered by its own index and cut to the rows the page
                // can use, then merged: written as one filter with OR (or `id IN` a union),
                // both databases walk the account's documents instead. Ids are stored upper
                // case; names and irns compare lowered.
                let (id, lowered) = (n + 1, n + 2);
                let cut = limit + offset;
                // Addresses are looked up among the invitations (migration 0015's index), and
                // only the documents they name are then filtered and ordered.
                // On PostgreSQL `OFFSET 0` keeps the subquery a subquery: pulled up, it made
                // PostgreSQL walk the account's documents newest first and probe each one's
                // invitations (a third of a second at 100,000 when nothing matches). SQLite
                // already looks the addresses up first, and wants no OFFSET without a LIMIT.
                let fence = if self.backend == Backend::Postgres {
                    " OFFSET 0"
                } else {
                    ""
                };
                let by_email = format!(
                    "id IN (SELECT document_id FROM invitations \
                     WHERE LOWER(email) = ${lowered} AND deleted = 0{fence})"
                );
                let matched = |columns: &str, tail: &str| {
                    let mut sql = format!(
                        "SELECT {columns} FROM documents WHERE {filter} AND id = ${id} \
                         UNION SELECT * FROM (SELECT {columns} FROM documents \
                           WHERE {filter} AND LOWER(name) = ${lowered}{tail}) AS by_name \
                         UNION SELECT * FROM (SELECT {columns} FROM documents \
                           WHERE {filter} AND LOWER(irn) = ${lowered}{tail}) AS by_irn"
                    );
                    if search.invitee_email {
                        sql.push_str(&format!(
                            " UNION SELECT * FROM (SELECT {columns} FROM documents \
                             WHERE {filter} AND {by_email}{tail}) AS by_email"
                        ));
                    }
                    sql
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
                             AND LOWER(name) <> ${lowered}){}",
                        if search.invitee_email {
                            format!(
                                " + (SELECT COUNT(*) FROM documents WHERE {filter} AND {by_email} \
                                 AND id <> ${id} AND LOWER(name) <> ${lowered} \
                                 AND (irn IS NULL OR LOWER(irn) <> ${lowered}))"
                            )
                        } else {
                            String::new()
                        }
                    )),
                )
            }
        };
        let bind_all = |sql: &str| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id);
            if let Some(s) = status {
                q = q.bind(s.as_str());
            }
            if let Some(search) = &query {
                q = q
                    .bind(search.text.to_uppercase())
                    .bind(search.text.to_lowercase());
            }
            q
        };
        let rows: Vec<ListedDocument> = self
            .readers()
            .fetch_all(|| bind_all(&page))
            .await?
            .into_iter()
            .map(|r| {
                Ok(ListedDocument {
                    id: r.get(0),
                    name: r.get(1),
                    irn: r.get(2),
                    status: r.get::<String, _>(3).parse()?,
                    created_at: r.get(4),
                })
            })
            .collect::<Result<_, StoreError>>()?;
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
        status: Option<DocumentStatus>,
    ) -> Result<i64, StoreError> {
        let row = match status {
            Some(s) => {
                self.readers()
                    .fetch_one(|| {
                        sqlx::query(
                            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM document_counts WHERE account_id = $1 AND status = $2",
                        )
                        .bind(account_id)
                        .bind(s.as_str())
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

    /// An account's documents not deleted, per status, from the kept counts in one read.
    pub async fn status_counts(
        &self,
        account_id: &str,
    ) -> Result<Vec<(DocumentStatus, i64)>, StoreError> {
        let rows = self
            .readers()
            .fetch_all(|| {
                sqlx::query(
                    "SELECT status, CAST(SUM(n) AS BIGINT) FROM document_counts \
                     WHERE account_id = $1 GROUP BY status",
                )
                .bind(account_id)
            })
            .await?;
        rows.into_iter()
            .map(|r| Ok((r.get::<String, _>(0).parse()?, r.get(1))))
            .collect()
    }

    /// Per document of `ids`: its invitations not deleted, and how many of them signed or
    /// approved. One read for a page of a list.
    pub async fn progress_of(&self, ids: &[&str]) -> Result<HashMap<String, Progress>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT document_id, COUNT(*), \
             CAST(SUM(CASE WHEN signed = 1 OR approved = 1 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM invitations WHERE document_id IN ({}) AND deleted = 0 GROUP BY document_id",
            marks.join(", ")
        );
        let rows = self
            .readers()
            .fetch_all(|| {
                ids.iter()
                    .fold(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), |q, id| {
                        q.bind(*id)
                    })
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let progress = Progress {
                    invitees: r.get(1),
                    acted: r.get(2),
                };
                (r.get(0), progress)
            })
            .collect())
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
    pub status: DocumentStatus,
    pub deleted: bool,
    pub original_sha256: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// The stored object of the current file.
    pub file_key: String,
    /// When a completed `deleteOnComplete` document is (or was) deleted.
    pub delete_at: Option<i64>,
    /// The dashboard user who sent it; `None` for the API.
    pub sender_name: Option<String>,
}

/// A document as the list shows it.
#[derive(Debug, Clone)]
pub struct ListedDocument {
    pub id: String,
    pub name: String,
    pub irn: Option<String>,
    pub status: DocumentStatus,
    pub created_at: i64,
}

/// What a list looks for: name, id or irn, and an invitee's address when asked.
#[derive(Debug, Clone, Copy)]
pub struct Search<'a> {
    pub text: &'a str,
    pub invitee_email: bool,
}

/// A document's invitees (not deleted) and how many of them signed or approved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub invitees: i64,
    pub acted: i64,
}

/// What a list reads of each document (`created_at` orders merged lookups).
const LISTED_COLUMNS: &str = "id, name, irn, status, created_at";

pub(super) const DOCUMENT_COLUMNS: &str = "id, profile_id, name, irn, status, deleted, original_sha256, \
     created_at, completed_at, deleted_at, file_key, delete_at, sender_name";

pub(super) fn document_from_row(r: AnyRow) -> Result<DocumentRow, StoreError> {
    document_at(&r, 0)
}

/// A document from `DOCUMENT_COLUMNS` starting at column `base` of a row.
pub(super) fn document_at(r: &AnyRow, base: usize) -> Result<DocumentRow, StoreError> {
    Ok(DocumentRow {
        id: r.get(base),
        profile_id: r.get(base + 1),
        name: r.get(base + 2),
        irn: r.get(base + 3),
        status: r.get::<String, _>(base + 4).parse()?,
        deleted: r.get::<i64, _>(base + 5) != 0,
        original_sha256: r.get(base + 6),
        created_at: r.get(base + 7),
        completed_at: r.get(base + 8),
        deleted_at: r.get(base + 9),
        file_key: r.get(base + 10),
        delete_at: r.get(base + 11),
        sender_name: r.get(base + 12),
    })
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
