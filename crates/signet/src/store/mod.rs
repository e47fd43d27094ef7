//! Persistence: one store interface over SQLite and PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver with `$n` placeholders, which both databases accept
//! (SQLite reads `$1` as a named parameter, numbered in order of first use, so every query
//! here uses them in increasing order). Migrations live per backend, with the same names, so
//! that a dialect difference stays in its own file.

mod accounts;
mod blobs;
mod doc_signers;
mod documents;
mod dsc;
mod esign;
mod group_commit;
mod invitations;
mod lifecycle;
mod mail;
mod otp;
mod outbox;
mod readers;
mod sent;
mod sessions;
mod users;
mod webhooks;
mod workflows;

pub use accounts::Account;
pub use blobs::Blobs;
pub use doc_signers::{DocSignerRow, KeyKind, VerificationFailure, VerificationSettings};
pub use documents::{DocumentRow, NewDocument, NewEvent, NewInvitation, Search};
pub use dsc::DscPrepared;
pub use esign::EsignTransaction;
pub use invitations::{CertificateRecord, InvitationRow, Outcome, OutcomeKind, Recorded};
pub use lifecycle::{CompletedQuery, Completion};
pub use mail::{ClaimedMail, MailFacts, MailKind, MailRenderer, MailResult, RenderedMail};
pub use otp::{CodeCheck, CodeIssue, NewCode};
pub use sessions::{NewSession, SessionRow};
pub use users::{AdminRefused, Inserted, UserChange, UserRow};
pub use webhooks::{
    AttemptResult, ClaimedDelivery, DeliveryFilter, DeliveryRow, EventFacts, RenderedWebhook,
    WebhookEvent, WebhookRenderer,
};
pub use workflows::{StoredWorkflow, WorkflowStatus};

use std::path::Path;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyConnection, AnyPool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    /// Single statements outside a transaction: every read.
    readers: readers::Readers,
    /// Transactions and writes. On SQLite one connection: the database has one writer, and
    /// writers waiting in this pool's queue are woken in turn, where several connections
    /// would meet at SQLite's lock and sleep in its busy handler's steps (up to 100 ms each).
    writer: AnyPool,
    backend: Backend,
    outbox: Option<webhooks::Outbox>,
    mailbox: Option<mail::Mailbox>,
    /// SQLite: new documents go through one writer task that commits them in groups.
    group_commit: Option<group_commit::Batcher>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Config(String),
    /// A row holds a value no state of the domain has: refused as it is read.
    #[error("{0}")]
    Stored(#[from] crate::domain::status::UnknownValue),
    #[error("{0}")]
    Unreadable(#[from] crate::domain::workflow::Unreadable),
    /// A row holds what no write of ours makes.
    #[error("stored data: {0}")]
    Corrupt(String),
}

impl Store {
    /// Connects and applies the migrations of the URL's backend. A SQLite file (and its
    /// directory) is created when missing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {url:?}"
            )));
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let is_sqlite = backend == Backend::Sqlite;
        let writer = open_pool(&url, is_sqlite, if is_sqlite { 1 } else { WRITERS }).await?;
        let readers = readers::Readers::new(&url, is_sqlite, reader_count());
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&writer).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&writer).await?,
        }
        Ok(Store {
            readers,
            writer,
            backend,
            outbox: None,
            mailbox: None,
            group_commit: None,
        })
    }

    /// One read of a table, for readiness: the database answers and the schema is there.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.readers
            .fetch_optional(|| sqlx::query("SELECT 1 FROM accounts LIMIT 1"))
            .await?;
        Ok(())
    }

    pub(crate) fn readers(&self) -> &readers::Readers {
        &self.readers
    }

    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }
}

/// How many rows a query matches, when one page of them tells: a page shorter than its
/// `limit` is the last. An empty page past the end tells nothing, and a full one may have more
/// after it; those need counting.
pub(super) fn total_of_last_page(rows: usize, limit: i64, offset: i64) -> Option<i64> {
    let rows = rows as i64;
    (rows < limit && (offset == 0 || rows > 0)).then_some(offset + rows)
}

/// PostgreSQL connections for transactions. A transaction holds its connection across round
/// trips, so more of them than cores keep the cores busy.
const WRITERS: u32 = 16;

/// Read connections: two per core. Each read is one round trip, so a few connections keep
/// the cores busy, and every PostgreSQL connection is a process: with 16 on two cores,
/// PostgreSQL spent 15 % more CPU per details request than with 4 (BENCHMARKS.md, session 6).
fn reader_count() -> usize {
    std::thread::available_parallelism().map_or(4, |n| (2 * n.get()).max(4))
}

async fn open_pool(url: &str, is_sqlite: bool, size: u32) -> Result<AnyPool, StoreError> {
    Ok(AnyPoolOptions::new()
        .max_connections(size)
        .after_connect(move |conn, _| Box::pin(prepare_connection(conn, is_sqlite)))
        .connect(url)
        .await?)
}

/// What every new connection runs first.
async fn prepare_connection(conn: &mut AnyConnection, is_sqlite: bool) -> Result<(), sqlx::Error> {
    if is_sqlite {
        // WAL: readers never wait for the writer; a writer waits for another rather than
        // failing at once.
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&mut *conn)
            .await?;
        sqlx::query("PRAGMA busy_timeout = 5000")
            .execute(&mut *conn)
            .await?;
        sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `sqlite://path` with the file created if missing, and its directory too.
fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
    }
    Ok(format!("sqlite://{path}?mode=rwc"))
}

/// `($first, $first+1, …)`: `n` numbered placeholders in parentheses, for an `IN` list (both
/// backends take `$n`, and the `Any` driver has no array binding).
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    let items: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", items.join(", "))
}

/// `($first, …), ($first+cols, …), …`: the VALUES of one INSERT of `rows` rows, numbered from
/// `first` so that several INSERTs can share one statement. On PostgreSQL every statement is a
/// round trip and an executor start of its own, and sending a document used to write its
/// invitations, events and mail one statement per row.
pub(crate) fn values_placeholders(first: usize, rows: usize, cols: usize) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|r| placeholders(first + r * cols, cols))
        .collect();
    rows.join(", ")
}

/// A query of the `Any` driver, its values bound one after another.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// A table and the columns its INSERTs give, in the order their values are bound.
pub(crate) struct Columns {
    pub into: &'static str,
    pub count: usize,
}

impl Columns {
    /// `INSERT INTO … VALUES …` of `rows` rows, their placeholders numbered from `first`.
    pub fn insert(&self, first: usize, rows: usize) -> String {
        format!(
            "INSERT INTO {} VALUES {}",
            self.into,
            values_placeholders(first, rows, self.count)
        )
    }
}

/// Milliseconds since the epoch: how times are stored, the same on both backends.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Stored milliseconds as RFC 3339, the time format of Signet's own API and the audit trail.
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A document's workflow as a statement read it, once for all its rows. One that no longer
/// reads gets no mail or webhook (there is nowhere to send them), and the action that caused
/// them still commits: refusing it would leave the document stuck.
pub(crate) fn read_workflow(
    known: Option<&std::sync::Arc<crate::domain::workflow::Workflow>>,
    stored: &str,
) -> Option<std::sync::Arc<crate::domain::workflow::Workflow>> {
    if let Some(w) = known {
        return Some(w.clone());
    }
    match crate::domain::workflow::Workflow::from_stored(stored) {
        Ok(w) => Some(std::sync::Arc::new(w)),
        Err(e) => {
            tracing::warn!(error = %e, "no mail or webhook for a document whose workflow does not read");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{placeholders, total_of_last_page, values_placeholders};

    #[test]
    fn placeholders_number_rows_one_after_another() {
        assert_eq!(placeholders(3, 2), "($3, $4)");
        assert_eq!(values_placeholders(1, 1, 2), "($1, $2)");
        assert_eq!(values_placeholders(1, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_placeholders(5, 2, 2), "($5, $6), ($7, $8)");
        assert_eq!(values_placeholders(1, 0, 3), "");
    }

    #[test]
    fn only_a_short_page_tells_the_total() {
        assert_eq!(total_of_last_page(3, 20, 0), Some(3));
        assert_eq!(total_of_last_page(0, 20, 0), Some(0));
        assert_eq!(total_of_last_page(1, 20, 40), Some(41));
        assert_eq!(total_of_last_page(20, 20, 0), None, "more may follow");
        assert_eq!(total_of_last_page(0, 20, 40), None, "past the end");
    }
}
