//! What the webhook and mail outboxes share: rows that are `pending` until done, claimed by a
//! worker by pushing `next_attempt_at` past a lease (`leased = 1`), so that no other worker
//! (another process on the same PostgreSQL) takes them meanwhile and a worker that dies leaves
//! them to be retried when the lease ends.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Backend, Store, StoreError, placeholders};

/// The outbox tables; each has `id`, `state`, `next_attempt_at` and `leased`.
#[derive(Clone, Copy)]
pub(super) enum OutboxTable {
    Webhooks,
    Mail,
}

impl OutboxTable {
    fn table(self) -> &'static str {
        match self {
            OutboxTable::Webhooks => "webhook_deliveries",
            OutboxTable::Mail => "mail_outbox",
        }
    }
}

/// What an outbox has not delivered yet, for the metrics.
pub struct Backlog {
    pub pending: i64,
    pub oldest_created_at: Option<i64>,
}

impl Store {
    /// Claims up to `limit` rows due at `now` until `lease_until`, returning `columns` of each.
    /// On PostgreSQL rows another process is claiming are skipped, not waited for, so two
    /// workers never claim the same attempt.
    pub(super) async fn claim_due(
        &self,
        outbox: OutboxTable,
        columns: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let table = outbox.table();
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // Two statements, not `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
        // LOCKED)`: for that PostgreSQL planned a nested-loop semi-join that ran the locking
        // subquery again for every pending row, and with 76,000 mails pending after a burst
        // of sends one claim ran for minutes. Here the due rows are picked from the partial
        // index, then updated by primary key. On PostgreSQL `FOR UPDATE` re-checks the
        // conditions on a row changed meanwhile and keeps the rows locked until the commit, so
        // no other process claims them; on SQLite this is the only writer.
        let mut tx = self.writer().begin().await?;
        let sql = format!(
            "SELECT id FROM {table} WHERE state = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at LIMIT $2 {lock}"
        );
        let ids = ids_of(&mut tx, sql, now, limit).await?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        // By id alone: with the state and time repeated here, a planner holding stale
        // statistics combined the pending index (all of it) with the primary key.
        let sql = format!(
            "UPDATE {table} SET next_attempt_at = $1, leased = 1 WHERE id IN {} RETURNING {columns}",
            placeholders(2, ids.len())
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(lease_until);
        let claimed = ids
            .iter()
            .fold(query, |q, id| q.bind(id))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// When the next pending row is due, if any.
    pub(super) async fn next_due(&self, outbox: OutboxTable) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT MIN(next_attempt_at) FROM {} WHERE state = 'pending'",
            outbox.table()
        );
        Ok(self
            .readers()
            .fetch_one(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())))
            .await?
            .get(0))
    }

    /// At start on SQLite, which one process serves: rows still leased were being worked on
    /// when the last process stopped, so they are due now rather than when their leases run
    /// out. On PostgreSQL other processes may hold them; their leases decide.
    pub(super) async fn release_abandoned(
        &self,
        outbox: OutboxTable,
        now: i64,
    ) -> Result<u64, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let sql = format!(
            "UPDATE {} SET next_attempt_at = $1, leased = 0 WHERE state = 'pending' AND leased = 1",
            outbox.table()
        );
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .execute(self.writer())
            .await?
            .rows_affected())
    }

    /// Rows pending in an outbox and when the oldest of them was written.
    async fn backlog(&self, outbox: OutboxTable) -> Result<Backlog, StoreError> {
        let sql = format!(
            "SELECT COUNT(*), MIN(created_at) FROM {} WHERE state = 'pending'",
            outbox.table()
        );
        let row = self
            .readers()
            .fetch_one(|| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())))
            .await?;
        Ok(Backlog {
            pending: row.get(0),
            oldest_created_at: row.get(1),
        })
    }

    pub async fn webhook_backlog(&self) -> Result<Backlog, StoreError> {
        self.backlog(OutboxTable::Webhooks).await
    }

    pub async fn mail_backlog(&self) -> Result<Backlog, StoreError> {
        self.backlog(OutboxTable::Mail).await
    }

    /// At shutdown: rows this process leased (`(id, lease_until)`) and did not finish are due
    /// at once, for the next process, instead of when their leases run out. A row whose due
    /// time is no longer this lease's was finished or claimed by someone else meanwhile, and
    /// is left alone.
    async fn hand_back(
        &self,
        outbox: OutboxTable,
        leases: &[(String, i64)],
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut released = 0;
        for chunk in leases.chunks(100) {
            let pairs: Vec<String> = (0..chunk.len())
                .map(|i| format!("(id = ${} AND next_attempt_at = ${})", 2 + 2 * i, 3 + 2 * i))
                .collect();
            let sql = format!(
                "UPDATE {} SET next_attempt_at = $1, leased = 0 \
                 WHERE state = 'pending' AND leased = 1 AND ({})",
                outbox.table(),
                pairs.join(" OR ")
            );
            let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            released += chunk
                .iter()
                .fold(query, |q, (id, lease)| q.bind(id).bind(lease))
                .execute(self.writer())
                .await?
                .rows_affected();
        }
        Ok(released)
    }

    pub async fn hand_back_deliveries(
        &self,
        leases: &[(String, i64)],
        now: i64,
    ) -> Result<u64, StoreError> {
        self.hand_back(OutboxTable::Webhooks, leases, now).await
    }

    pub async fn hand_back_mail(
        &self,
        leases: &[(String, i64)],
        now: i64,
    ) -> Result<u64, StoreError> {
        self.hand_back(OutboxTable::Mail, leases, now).await
    }

    /// Deletes finished rows (delivered, sent, logged or dead) created before `before`, a
    /// batch at a time, with a webhook delivery's attempts. Returns how many went.
    pub async fn prune_outboxes(&self, before: i64) -> Result<u64, StoreError> {
        const BATCH: usize = 500;
        let mut pruned = 0;
        for outbox in [OutboxTable::Webhooks, OutboxTable::Mail] {
            loop {
                let n = self.prune_batch(outbox, before, BATCH).await?;
                pruned += n as u64;
                if n < BATCH {
                    break;
                }
            }
        }
        Ok(pruned)
    }

    async fn prune_batch(
        &self,
        outbox: OutboxTable,
        before: i64,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let table = outbox.table();
        let mut tx = self.writer().begin().await?;
        let sql = format!(
            "SELECT id FROM {table} WHERE state <> 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2"
        );
        let ids = ids_of(&mut tx, sql, before, limit as i64).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let list = placeholders(1, ids.len());
        let mut statements = vec![format!("DELETE FROM {table} WHERE id IN {list}")];
        if let OutboxTable::Webhooks = outbox {
            statements.insert(
                0,
                format!("DELETE FROM webhook_attempts WHERE delivery_id IN {list}"),
            );
        }
        for sql in statements {
            let query = sqlx::query(sqlx::AssertSqlSafe(sql));
            ids.iter()
                .fold(query, |q, id| q.bind(id))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }
}

/// The ids `sql` selects, with `$1` and `$2` bound to `a` and `b`.
async fn ids_of(
    tx: &mut Transaction<'_, Any>,
    sql: String,
    a: i64,
    b: i64,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(a)
        .bind(b)
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
