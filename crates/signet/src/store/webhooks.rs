//! The webhook outbox: deliveries written in the transaction of the event they report, claimed
//! by dispatchers (several processes may share one PostgreSQL), and their attempts.
//!
//! The store knows no wire format: a [`WebhookRenderer`] given at start-up turns what the
//! transaction sees of an event into the URL, headers and body to send.
//!
//! A delivery is written already leased to the process that wrote it and handed to that
//! process's dispatcher once the transaction commits, so the first attempt needs no claim
//! (no second write before the webhook leaves). Only retries, redeliveries and deliveries
//! whose process died are claimed from the table.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::outbox::OutboxTable;
use super::{Store, StoreError};
pub use crate::domain::event::{VerificationCheck, WebhookEvent};
use crate::domain::signature_type::SignatureType;
use crate::domain::workflow::Workflow;

/// An invitation event as the transaction recording it sees it, after the change.
#[derive(Debug, Clone)]
pub struct EventFacts {
    pub event: WebhookEvent,
    pub document_id: String,
    pub irn: Option<String>,
    /// True when this event completed the document.
    pub completes_document: bool,
    /// The workflow the document was sent with.
    pub workflow: Arc<Workflow>,
    pub slot: i64,
    pub invitation_id: String,
    pub invitee_type: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub expired: bool,
    pub expires_at: i64,
    pub rejection_message: Option<String>,
    pub signature_type: Option<SignatureType>,
    pub checks: Vec<VerificationCheck>,
    /// The account's private salt, which keys the body's `mac`.
    pub private_salt: String,
}

/// Events of one document to report, as the transaction recording them states them.
pub(super) struct Reported<'a> {
    pub event: WebhookEvent,
    pub document_id: &'a str,
    pub invitation_ids: &'a [&'a str],
    /// True when the event completed the document.
    pub completes_document: bool,
    pub checks: &'a [VerificationCheck],
    pub now: i64,
    /// The document's workflow when the caller has it; read from the document otherwise.
    pub workflow: Option<&'a Arc<Workflow>>,
}

/// What to send for an event, rendered once, when it is recorded.
#[derive(Debug, Clone)]
pub struct RenderedWebhook {
    pub url: String,
    /// The slot's static headers, as a JSON object.
    pub headers: String,
    pub body: String,
}

/// Turns an event into its webhook, or `None` when its slot has no URL for it.
pub trait WebhookRenderer: Send + Sync {
    fn render(&self, facts: &EventFacts) -> Option<RenderedWebhook>;
}

/// The renderer, and the way to this process's dispatcher.
#[derive(Clone)]
pub(super) struct Outbox {
    renderer: Arc<dyn WebhookRenderer>,
    /// How long a claim (or a fresh delivery) belongs to this process.
    lease_ms: i64,
    /// Deliveries this process wrote, handed over after their commit.
    fresh: mpsc::UnboundedSender<ClaimedDelivery>,
    /// Taken once, by the dispatcher.
    fresh_rx: Arc<Mutex<Option<mpsc::UnboundedReceiver<ClaimedDelivery>>>>,
    /// Wakes the dispatcher to claim: something became due (a redelivery, a clock step).
    due: Arc<tokio::sync::Notify>,
}

/// A delivery leased to this process: it alone attempts it until `lease_until`.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    pub account_id: String,
    pub url: String,
    pub headers: String,
    pub body: String,
    pub step: i64,
    pub lease_until: i64,
}

/// What a dispatcher is given: fresh deliveries, and the signal to claim.
pub struct DispatchFeed {
    pub fresh: mpsc::UnboundedReceiver<ClaimedDelivery>,
    pub due: Arc<tokio::sync::Notify>,
    pub lease_ms: i64,
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub delivery_id: String,
    pub url: String,
    /// The step the attempt was made at (from the claim).
    pub step: i64,
    pub time: i64,
    pub duration_ms: i64,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

impl AttemptResult {
    pub fn delivered(&self) -> bool {
        self.http_status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Which deliveries a page lists.
#[derive(Debug, Clone, Copy)]
pub enum DeliveryFilter<'a> {
    All,
    /// `pending`, `delivered` or `dead`.
    State(&'a str),
    /// Dead, or retrying after a failed attempt.
    Failed,
}

/// A delivery with its attempts, for the account that owns it.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: String,
    pub document_id: String,
    pub invitation_id: String,
    pub event: String,
    pub url: String,
    pub state: String,
    pub attempts: Vec<AttemptRow>,
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub number: i64,
    pub time: i64,
    pub url: String,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

const FACT_COLUMNS: &str = "i.id, i.slot, i.invitee_type, i.name, i.email, i.phone, i.active, i.expired, \
     i.expires_at, i.rejection_message, i.signature_type, d.irn, d.workflow, a.private_salt";

impl Store {
    /// Renders each event's webhook with `renderer` from now on, inside the transaction that
    /// records it, leased to this process for `lease`. Without a renderer (e.g. `signet
    /// account create`) no webhook is written.
    pub fn with_webhooks(mut self, renderer: Arc<dyn WebhookRenderer>, lease: Duration) -> Store {
        let (fresh, rx) = mpsc::unbounded_channel();
        self.outbox = Some(Outbox {
            renderer,
            lease_ms: lease.as_millis() as i64,
            fresh,
            fresh_rx: Arc::new(Mutex::new(Some(rx))),
            due: Arc::default(),
        });
        self
    }

    /// The dispatcher's inputs; `None` without webhooks, or when already taken.
    pub fn dispatch_feed(&self) -> Option<DispatchFeed> {
        let o = self.outbox.as_ref()?;
        let fresh = o.fresh_rx.lock().ok()?.take()?;
        Some(DispatchFeed {
            fresh,
            due: o.due.clone(),
            lease_ms: o.lease_ms,
        })
    }

    /// Asks the dispatcher to claim now (the clock moved, or a delivery was made due).
    pub fn wake_dispatcher(&self) {
        if let Some(o) = &self.outbox {
            o.due.notify_one();
        }
    }

    /// Gives the deliveries a committed transaction wrote to this process's dispatcher.
    pub(super) fn hand_over(&self, fresh: Vec<ClaimedDelivery>) {
        if let Some(o) = &self.outbox {
            for d in fresh {
                // A dispatcher that is gone leaves them to be claimed when the lease ends.
                let _ = o.fresh.send(d);
            }
        }
    }

    /// At start on SQLite: deliveries the last run was sending are due now.
    pub async fn release_abandoned_leases(&self, now: i64) -> Result<u64, StoreError> {
        self.release_abandoned(OutboxTable::Webhooks, now).await
    }

    /// Writes the deliveries of `event` for each of `invitation_ids`, in the caller's
    /// transaction and after its changes, leased to this process. Give what it returns to
    /// [`Store::hand_over`] once the transaction has committed.
    pub(super) async fn enqueue_webhooks(
        &self,
        tx: &mut Transaction<'_, Any>,
        cause: Reported<'_>,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let Reported {
            event,
            document_id,
            invitation_ids,
            completes_document,
            checks,
            now,
            workflow,
        } = cause;
        let Some(outbox) = &self.outbox else {
            return Ok(vec![]);
        };
        // One read of the document's invitations, whether one or fifty of them are reported.
        let sql = format!(
            "SELECT {FACT_COLUMNS}, d.account_id FROM invitations i \
             JOIN documents d ON d.id = i.document_id JOIN accounts a ON a.id = d.account_id \
             WHERE i.document_id = $1 ORDER BY i.slot"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(document_id)
            .fetch_all(&mut **tx)
            .await?;
        let Some(workflow) = rows
            .first()
            .and_then(|r| super::read_workflow(workflow, &r.get::<String, _>(12)))
        else {
            return Ok(vec![]);
        };
        let mut fresh = vec![];
        for r in rows {
            let id: String = r.get(0);
            if !invitation_ids.contains(&id.as_str()) {
                continue;
            }
            let account_id: String = r.get(14);
            let delivery_id = ulid::Ulid::generate().to_string();
            let lease_until = now + outbox.lease_ms;
            let facts = EventFacts {
                event,
                document_id: document_id.to_string(),
                irn: r.get(11),
                completes_document,
                workflow: workflow.clone(),
                slot: r.get(1),
                invitation_id: id.clone(),
                invitee_type: r.get(2),
                name: r.get(3),
                email: r.get(4),
                phone: r.get(5),
                active: r.get::<i64, _>(6) != 0,
                expired: r.get::<i64, _>(7) != 0,
                expires_at: r.get(8),
                rejection_message: r.get(9),
                signature_type: r
                    .get::<Option<String>, _>(10)
                    .map(|t| t.parse())
                    .transpose()?,
                checks: checks.to_vec(),
                private_salt: r.get(13),
            };
            let Some(w) = outbox.renderer.render(&facts) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, account_id, document_id, invitation_id, event, url, \
                 headers, body, state, leased, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 1, $9, $10)",
            )
            .bind(&delivery_id)
            .bind(&account_id)
            .bind(document_id)
            .bind(&id)
            .bind(event.name())
            .bind(&w.url)
            .bind(&w.headers)
            .bind(&w.body)
            .bind(lease_until)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            fresh.push(ClaimedDelivery {
                id: delivery_id,
                account_id,
                url: w.url,
                headers: w.headers,
                body: w.body,
                step: 0,
                lease_until,
            });
        }
        Ok(fresh)
    }

    /// Claims up to `limit` deliveries due at `now` for this process until `lease_until`.
    pub async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let rows = self
            .claim_due(
                OutboxTable::Webhooks,
                "id, account_id, url, headers, body, step",
                now,
                lease_until,
                limit,
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ClaimedDelivery {
                id: r.get(0),
                account_id: r.get(1),
                url: r.get(2),
                headers: r.get(3),
                body: r.get(4),
                step: r.get(5),
                lease_until,
            })
            .collect())
    }

    /// When the next pending delivery is due, if any.
    pub async fn next_delivery_due(&self) -> Result<Option<i64>, StoreError> {
        self.next_due(OutboxTable::Webhooks).await
    }

    /// The salt that keys an account's webhook signatures.
    pub async fn private_salt(&self, account_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .readers()
            .fetch_optional(|| {
                sqlx::query("SELECT private_salt FROM accounts WHERE id = $1").bind(account_id)
            })
            .await?
            .map(|r| r.get(0)))
    }

    /// Records attempts in one transaction: delivered on a 2xx, otherwise the next retry after
    /// `retry_delays[step]`, or dead once the schedule is used up.
    pub async fn record_attempts(
        &self,
        results: &[AttemptResult],
        retry_delays_ms: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        for a in results {
            let (state, step, next, delivered_at) = if a.delivered() {
                ("delivered", a.step, None, Some(now))
            } else if let Some(delay) = retry_delays_ms.get(a.step as usize) {
                ("pending", a.step + 1, Some(now + delay), None)
            } else {
                ("dead", a.step + 1, None, None)
            };
            let number: Option<i64> = sqlx::query(
                "UPDATE webhook_deliveries SET state = $1, step = $2, next_attempt_at = $3, \
                 delivered_at = $4, leased = 0, attempts = attempts + 1 WHERE id = $5 RETURNING attempts",
            )
            .bind(state)
            .bind(step)
            .bind(next)
            .bind(delivered_at)
            .bind(&a.delivery_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.get(0));
            let Some(number) = number else { continue };
            sqlx::query(
                "INSERT INTO webhook_attempts (delivery_id, number, time, url, http_status, error, duration_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&a.delivery_id)
            .bind(number)
            .bind(a.time)
            .bind(&a.url)
            .bind(a.http_status.map(i64::from))
            .bind(&a.error)
            .bind(a.duration_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// An account's deliveries, newest first: of one document, or all of them, each with its
    /// attempts. One statement, so one snapshot: read apart, a delivery could show an attempt
    /// its own row (state, next attempt) did not reflect yet.
    pub async fn deliveries(
        &self,
        account_id: &str,
        document_id: Option<&str>,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let filter = match state {
            Some(s) => DeliveryFilter::State(s),
            None => DeliveryFilter::All,
        };
        self.delivery_page(account_id, document_id, filter, limit, 0)
            .await
    }

    /// [`Store::deliveries`] with the dashboard's filter and a page's offset.
    pub async fn delivery_page(
        &self,
        account_id: &str,
        document_id: Option<&str>,
        wanted: DeliveryFilter<'_>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let mut filter = String::from("account_id = $1");
        let mut n = 1;
        if document_id.is_some() {
            n += 1;
            filter.push_str(&format!(" AND document_id = ${n}"));
        }
        let state = match wanted {
            DeliveryFilter::All => None,
            DeliveryFilter::State(s) => Some(s),
            // A failed attempt moved `step` on; a redelivery starts it over.
            DeliveryFilter::Failed => {
                filter.push_str(" AND (state = 'dead' OR (state = 'pending' AND step > 0))");
                None
            }
        };
        if state.is_some() {
            n += 1;
            filter.push_str(&format!(" AND state = ${n}"));
        }
        // The bounds are integers written in, as the document list's are.
        let sql = format!(
            "SELECT d.*, a.number, a.time, a.url, a.http_status, a.error, a.duration_ms FROM \
             (SELECT id, document_id, invitation_id, event, url, state, next_attempt_at, created_at, \
              delivered_at FROM webhook_deliveries WHERE {filter} \
              ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET {offset}) AS d \
             LEFT JOIN webhook_attempts a ON a.delivery_id = d.id \
             ORDER BY d.created_at DESC, d.id DESC, a.number"
        );
        let query = || {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(account_id);
            if let Some(d) = document_id {
                q = q.bind(d);
            }
            if let Some(s) = state {
                q = q.bind(s);
            }
            q
        };
        let mut rows: Vec<DeliveryRow> = vec![];
        for r in self.readers().fetch_all(query).await? {
            let id: String = r.get(0);
            if rows.last().is_none_or(|d| d.id != id) {
                rows.push(delivery_from_row(&r));
            }
            let number: Option<i64> = r.get(9);
            if let (Some(number), Some(d)) = (number, rows.last_mut()) {
                d.attempts.push(AttemptRow {
                    number,
                    time: r.get(10),
                    url: r.get(11),
                    http_status: r.get(12),
                    error: r.get(13),
                    duration_ms: r.get(14),
                });
            }
        }
        Ok(rows)
    }

    /// Sends a delivery again now. A delivered or dead one starts its retry schedule over.
    /// `None` when the account has no such delivery.
    pub async fn redeliver(
        &self,
        account_id: &str,
        delivery_id: &str,
        now: i64,
    ) -> Result<Option<DeliveryRow>, StoreError> {
        let changed = sqlx::query(
            "UPDATE webhook_deliveries SET step = CASE WHEN state = 'pending' THEN step ELSE 0 END, \
             state = 'pending', leased = 0, next_attempt_at = $1, delivered_at = NULL \
             WHERE id = $2 AND account_id = $3",
        )
        .bind(now)
        .bind(delivery_id)
        .bind(account_id)
        .execute(self.writer())
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        self.wake_dispatcher();
        let row = sqlx::query(
            "SELECT id, document_id, invitation_id, event, url, state, next_attempt_at, created_at, \
             delivered_at FROM webhook_deliveries WHERE id = $1",
        )
        .bind(delivery_id)
        .fetch_optional(self.writer())
        .await?;
        Ok(row.as_ref().map(delivery_from_row))
    }
}

fn delivery_from_row(r: &AnyRow) -> DeliveryRow {
    DeliveryRow {
        id: r.get(0),
        document_id: r.get(1),
        invitation_id: r.get(2),
        event: r.get(3),
        url: r.get(4),
        state: r.get(5),
        next_attempt_at: r.get(6),
        created_at: r.get(7),
        delivered_at: r.get(8),
        attempts: vec![],
    }
}
