//! Connections for single-statement reads: what the details, list and lookup endpoints run on
//! every call.
//!
//! sqlx's pool tests every connection as it takes it back (a `Sync` and its `ReadyForQuery` on
//! PostgreSQL, a command to the worker thread on SQLite), with no setting to turn it off, and
//! by default as it lends one too: two round trips more for every statement. Without them,
//! and with four connections instead of 16, a details request on PostgreSQL took 30 % less of
//! the server's CPU and 38 % less of PostgreSQL's (BENCHMARKS.md, session 6). The test exists
//! to flush what a dropped transaction or stream left behind; a connection here only runs
//! single statements outside transactions, and sqlx drains any answer a dropped stream left
//! unread before it sends the next statement, so it goes back as it is.
//!
//! Hand-written because sqlx's pool cannot skip its release test, and the pools that could
//! (deadpool, bb8) would bring a second PostgreSQL driver beside sqlx.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub(crate) struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    is_sqlite: bool,
    idle: Mutex<Vec<AnyConnection>>,
    permits: Arc<Semaphore>,
}

/// A connection lent out; it goes back to the idle list when dropped.
struct Lent {
    conn: Option<AnyConnection>,
    inner: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.inner.idle.lock()) {
            idle.push(conn);
        }
    }
}

impl Readers {
    pub(crate) fn new(url: &str, is_sqlite: bool, size: usize) -> Readers {
        Readers {
            inner: Arc::new(Inner {
                url: url.to_string(),
                is_sqlite,
                idle: Mutex::new(Vec::with_capacity(size)),
                permits: Arc::new(Semaphore::new(size)),
            }),
        }
    }

    async fn lend(&self) -> Result<Lent, sqlx::Error> {
        // As long as sqlx's pool waits: past it the database is not keeping up, and an error
        // tells the client so sooner than its own timeout would.
        let permit = tokio::time::timeout(
            ACQUIRE_TIMEOUT,
            Arc::clone(&self.inner.permits).acquire_owned(),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
        .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.inner.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let mut conn = AnyConnection::connect(&self.inner.url).await?;
                super::prepare_connection(&mut conn, self.inner.is_sqlite).await?;
                conn
            }
        };
        Ok(Lent {
            conn: Some(conn),
            inner: Arc::clone(&self.inner),
            _permit: permit,
        })
    }

    /// Runs the statement `query` builds and returns its rows. A connection that failed
    /// (the database restarted, say) is dropped with every idle one, which likely failed with
    /// it, and the statement is tried once more on a new connection: a read can be repeated.
    pub(crate) async fn fetch_all<'q>(
        &self,
        query: impl Fn() -> Query<'q, Any, AnyArguments>,
    ) -> Result<Vec<AnyRow>, sqlx::Error> {
        let mut retried = false;
        loop {
            let mut lent = self.lend().await?;
            let conn = lent.conn.as_mut().expect("a lent connection");
            match query().fetch_all(conn).await {
                Err(e) if is_connection_lost(&e) => {
                    lent.conn = None;
                    if let Ok(mut idle) = self.inner.idle.lock() {
                        idle.clear();
                    }
                    if retried {
                        return Err(e);
                    }
                    tracing::info!(error = %e, "a read connection was lost; reading again on a new one");
                    retried = true;
                }
                rows => return rows,
            }
        }
    }

    /// The first row, if any: for statements that return at most one.
    pub(crate) async fn fetch_optional<'q>(
        &self,
        query: impl Fn() -> Query<'q, Any, AnyArguments>,
    ) -> Result<Option<AnyRow>, sqlx::Error> {
        Ok(self.fetch_all(query).await?.into_iter().next())
    }

    /// The one row of an aggregate.
    pub(crate) async fn fetch_one<'q>(
        &self,
        query: impl Fn() -> Query<'q, Any, AnyArguments>,
    ) -> Result<AnyRow, sqlx::Error> {
        self.fetch_optional(query)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

/// Errors after which the connection is of no more use: it broke, or PostgreSQL closed it
/// (class 57P: shut down or terminated by an administrator; 08: connection exceptions), which
/// it tells in an error message before closing the socket.
fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}
