//! The dispatcher: sends the deliveries this process wrote as soon as they are committed,
//! claims the others from the outbox when they fall due (retries, redeliveries, deliveries of
//! a process that died), sends each in its own task, and records the attempts in batches.
//!
//! A delivery being sent is leased: its due time is pushed past the lease, so no other
//! dispatcher (this process's next claim, or another process on the same PostgreSQL) takes it
//! meanwhile; if this process dies mid-attempt the lease runs out and the delivery is sent
//! again: at least once, never lost. Results go to one recorder task that commits them
//! together, so the database sees one transaction per batch, not one per webhook.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::error::Error as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::time::Instant as Deadline;

use super::address::{PublicOnly, is_public, refusal};
use super::signature::body_signature;
use crate::clock::Clock;
use crate::ops::shutdown::Stop;
use crate::store::{AttemptResult, ClaimedDelivery, Store};

/// Attempts in flight at once, per process.
const IN_FLIGHT: usize = 256;
/// Results committed together at most.
const RECORD_BATCH: usize = 512;
/// The longest sleep: how late this process notices deliveries another process wrote or a
/// retry that fell due.
const IDLE: Duration = Duration::from_secs(1);
/// How long a lease holds a delivery beyond the attempt's own timeout: room for a queue of
/// fresh deliveries and for recording the result.
const LEASE_MARGIN: Duration = Duration::from_secs(50);

/// How long this process holds a delivery it writes or claims (see `Store::with_webhooks`).
pub fn lease(timeout: Duration) -> Duration {
    timeout + LEASE_MARGIN
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    /// Delays of the retries after a failed attempt; once used up the delivery is dead.
    pub retry_delays: Vec<Duration>,
    pub allow_private: bool,
}

/// How long stopping waits for the results of finished attempts to be recorded.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Starts this process's dispatcher (nothing when the store writes no webhooks). The task
/// returned ends after `stop`: attempts under way are abandoned and their deliveries handed
/// back to the outbox, due at once.
pub async fn spawn(
    store: Store,
    clock: Clock,
    settings: Settings,
    stop: Stop,
) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
    let Some(feed) = store.dispatch_feed() else {
        return Ok(None);
    };
    let client = http_client(&settings)?;
    let released = store
        .release_abandoned_leases(clock.now_ms())
        .await
        .map_err(|e| format!("webhook outbox: {e}"))?;
    if released > 0 {
        tracing::info!(
            deliveries = released,
            "resending webhooks the last run was sending"
        );
    }
    let (results, rx) = mpsc::unbounded_channel();
    let delays_ms: Vec<i64> = settings
        .retry_delays
        .iter()
        .map(|d| d.as_millis() as i64)
        .collect();
    let recorder = tokio::spawn(record(store.clone(), clock.clone(), rx, delays_ms));
    let d = Dispatcher {
        store,
        clock,
        client,
        settings,
        fresh: feed.fresh,
        due: feed.due,
        lease_ms: feed.lease_ms,
        results,
        permits: Arc::new(Semaphore::new(IN_FLIGHT)),
        in_flight: Arc::default(),
        salts: HashMap::new(),
        stop,
    };
    Ok(Some(tokio::spawn(d.run(recorder))))
}

/// Redirects are not followed (a 3xx is a failed attempt): the account chose the URL, not
/// whoever answers it. No proxy is read from the environment: it would bypass the address
/// check.
fn http_client(settings: &Settings) -> Result<reqwest::Client, String> {
    // reqwest is built without a TLS crypto provider of its own (ring is smaller to build
    // than aws-lc); an error only means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Signet-Webhooks/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(IN_FLIGHT);
    if !settings.allow_private {
        b = b.dns_resolver(Arc::new(PublicOnly));
    }
    b.build().map_err(|e| format!("webhook HTTP client: {e}"))
}

struct Dispatcher {
    store: Store,
    clock: Clock,
    client: reqwest::Client,
    settings: Settings,
    fresh: mpsc::UnboundedReceiver<ClaimedDelivery>,
    due: Arc<Notify>,
    lease_ms: i64,
    results: mpsc::UnboundedSender<AttemptResult>,
    permits: Arc<Semaphore>,
    /// Deliveries this process is sending, with the lease each holds: a claim that finds one
    /// again (its lease ran out under a test clock step) leaves it to the attempt under way.
    in_flight: Arc<Mutex<HashMap<String, i64>>>,
    /// Private salts never change, so each account's is read once.
    salts: HashMap<String, Arc<str>>,
    stop: Stop,
}

impl Dispatcher {
    async fn run(mut self, recorder: tokio::task::JoinHandle<()>) {
        let mut claim_at = Deadline::now();
        let mut stop = self.stop.clone();
        while !stop.is_requested() {
            let free = self.permits.available_permits();
            if free > 0 && Deadline::now() >= claim_at {
                claim_at = self.claim(free).await;
            }
            let permits = self.permits.clone();
            tokio::select! {
                biased;
                _ = stop.requested() => break,
                // Fresh deliveries first: they are what a waiting receiver expects next.
                Some(d) = self.fresh.recv(), if free > 0 => self.start(d).await,
                _ = self.due.notified() => claim_at = Deadline::now(),
                _ = tokio::time::sleep_until(claim_at), if free > 0 => {}
                // Full: wait for an attempt to finish.
                _ = permits.acquire(), if free == 0 => {}
            }
        }
        self.hand_back(recorder).await;
    }

    /// After a stop: waits for the attempts (which stop too) and the recording of those that
    /// finished, then makes what was not finished due at once for the next process.
    async fn hand_back(mut self, recorder: tokio::task::JoinHandle<()>) {
        let mut unfinished: Vec<(String, i64)> = vec![];
        while let Ok(d) = self.fresh.try_recv() {
            unfinished.push((d.id, d.lease_until));
        }
        // The recorder ends once every sender is gone: ours, and each attempt's.
        drop(self.results);
        if tokio::time::timeout(STOP_GRACE, recorder).await.is_err() {
            tracing::warn!(
                "webhook results still unrecorded at shutdown; their leases will run out"
            );
        }
        unfinished.extend(self.in_flight.lock().expect("not poisoned").drain());
        if unfinished.is_empty() {
            return;
        }
        match self
            .store
            .hand_back_deliveries(&unfinished, self.clock.now_ms())
            .await
        {
            Ok(n) => tracing::info!(
                deliveries = n,
                "webhooks under way handed back to the outbox"
            ),
            Err(e) => {
                tracing::error!(error = %e, "handing webhooks back failed; their leases will run out")
            }
        }
    }

    /// Claims what is due, up to `free`; returns when to claim next.
    async fn claim(&mut self, free: usize) -> Deadline {
        let now = self.clock.now_ms();
        match self
            .store
            .claim_deliveries(now, now + self.lease_ms, free as i64)
            .await
        {
            Ok(batch) => {
                let full = batch.len() == free;
                for d in batch {
                    self.start(d).await;
                }
                if full {
                    return Deadline::now();
                }
            }
            Err(e) => tracing::error!(error = %e, "claiming webhook deliveries failed"),
        }
        let wait = match self.store.next_delivery_due().await {
            Ok(Some(at)) => Duration::from_millis((at - self.clock.now_ms()).max(0) as u64),
            _ => IDLE,
        };
        Deadline::now() + wait.clamp(Duration::from_millis(5), IDLE)
    }

    async fn start(&mut self, d: ClaimedDelivery) {
        // A fresh delivery that waited past its lease may have been claimed meanwhile: the
        // claim owns it now.
        if d.lease_until <= self.clock.now_ms() {
            return;
        }
        match self
            .in_flight
            .lock()
            .expect("not poisoned")
            .entry(d.id.clone())
        {
            // The lease is the new claim's now.
            Entry::Occupied(mut held) => {
                held.insert(d.lease_until);
                return;
            }
            Entry::Vacant(v) => {
                v.insert(d.lease_until);
            }
        }
        let salt = match self.salts.get(&d.account_id) {
            Some(s) => s.clone(),
            None => match self.store.private_salt(&d.account_id).await {
                Ok(Some(s)) => {
                    let s: Arc<str> = s.into();
                    self.salts.insert(d.account_id.clone(), s.clone());
                    s
                }
                _ => {
                    // Left claimed: the lease runs out and it is tried again.
                    self.in_flight.lock().expect("not poisoned").remove(&d.id);
                    return;
                }
            },
        };
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return;
        };
        let client = self.client.clone();
        let clock = self.clock.clone();
        let allow_private = self.settings.allow_private;
        let timeout = self.settings.timeout;
        let results = self.results.clone();
        let in_flight = self.in_flight.clone();
        let mut stop = self.stop.clone();
        tokio::spawn(async move {
            let time = clock.now_ms();
            let started = Instant::now();
            let outcome = tokio::select! {
                biased;
                outcome = send(&client, &d, &salt, time / 1000, allow_private, timeout) => outcome,
                // Left in `in_flight`: handed back, not recorded as a failure.
                _ = stop.requested() => return,
            };
            let result = AttemptResult {
                delivery_id: d.id.clone(),
                url: d.url.clone(),
                step: d.step,
                time,
                duration_ms: started.elapsed().as_millis() as i64,
                http_status: outcome.as_ref().ok().copied(),
                error: outcome.err(),
            };
            crate::ops::metrics::delivery_attempt(
                "webhook",
                match result.http_status {
                    _ if result.delivered() => "delivered",
                    Some(_) => "refused",
                    None => "failed",
                },
            );
            if !result.delivered() {
                // The id and what went wrong; never the URL, its headers or body, which may
                // carry credentials.
                tracing::warn!(delivery = %d.id, status = ?result.http_status,
                    error = result.error.as_deref().unwrap_or(""), "webhook attempt failed");
            }
            in_flight.lock().expect("not poisoned").remove(&d.id);
            let _ = results.send(result);
            drop(permit);
        });
    }
}

/// One attempt: the HTTP status the receiver answered, or why there was none.
async fn send(
    client: &reqwest::Client,
    d: &ClaimedDelivery,
    salt: &str,
    timestamp: i64,
    allow_private: bool,
    timeout: Duration,
) -> Result<u16, String> {
    let url = reqwest::Url::parse(&d.url).map_err(|e| format!("invalid URL: {e}"))?;
    // Addresses written as such never reach the resolver, which checks names.
    if !allow_private {
        let literal = url.host_str().and_then(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .ok()
        });
        if let Some(ip) = literal.filter(|ip| !is_public(*ip)) {
            return Err(refusal(&ip.to_string()));
        }
    }
    let mut req = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header("webhook-id", &d.id)
        .header("webhook-timestamp", timestamp)
        .header(
            "webhook-signature",
            body_signature(salt.as_bytes(), &d.id, timestamp, d.body.as_bytes()),
        );
    let headers: HashMap<String, String> = serde_json::from_str(&d.headers).unwrap_or_default();
    for (name, value) in headers {
        // Checked when the workflow was stored; a header that no longer parses is skipped.
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            req = req.header(n, v);
        }
    }
    let mut res = req
        .body(d.body.clone())
        .send()
        .await
        .map_err(|e| describe(e, timeout))?;
    let status = res.status().as_u16();
    // Read (a little of) the answer so the connection can be used again.
    let mut read = 0;
    while let Ok(Some(chunk)) = res.chunk().await {
        read += chunk.len();
        if read > 64 * 1024 {
            break;
        }
    }
    Ok(status)
}

/// What went wrong, without the URL (it may hold a token) and without the address the name
/// resolved to (the account must not learn the server's view of the network).
fn describe(e: reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs_f32());
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    mask_addresses(&text)
}

/// `text` with every IP address (and socket address) in it replaced by `[address]`.
fn mask_addresses(text: &str) -> String {
    let is_part = |c: char| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '[' | ']' | '%');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_part) {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let end = run.find(|c: char| !is_part(c)).unwrap_or(run.len());
        let token = run[..end].trim_end_matches([':', '.']);
        let bare = token.trim_start_matches('[').trim_end_matches(']');
        if token.parse::<std::net::SocketAddr>().is_ok() || bare.parse::<std::net::IpAddr>().is_ok()
        {
            out.push_str("[address]");
            out.push_str(&run[token.len()..end]);
        } else {
            out.push_str(&run[..end]);
        }
        rest = &run[end..];
    }
    out.push_str(rest);
    out
}

/// Commits results as they come, together when several are waiting. A batch that cannot be
/// recorded is dropped after a few tries: its deliveries' leases run out and they are sent
/// again, so a failing database delays webhooks but loses none.
async fn record(
    store: Store,
    clock: Clock,
    mut rx: mpsc::UnboundedReceiver<AttemptResult>,
    delays_ms: Vec<i64>,
) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    while rx.recv_many(&mut batch, RECORD_BATCH).await > 0 {
        for attempt in 1..=5 {
            match store
                .record_attempts(&batch, &delays_ms, clock.now_ms())
                .await
            {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!(error = %e, attempt, "recording webhook attempts failed");
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
            }
        }
        batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked() {
        assert_eq!(
            mask_addresses("tcp connect error (127.0.0.1:8080): Connection refused (os error 111)"),
            "tcp connect error ([address]): Connection refused (os error 111)"
        );
        assert_eq!(
            mask_addresses("connect to [::1]:443 failed; also fe80::1 and 10.0.0.7."),
            "connect to [address] failed; also [address] and [address]."
        );
        assert_eq!(
            mask_addresses("dead:beef is not one, nor is 1.2 or cafe"),
            "dead:beef is not one, nor is 1.2 or cafe"
        );
    }

    /// A real failed connection, as reqwest reports it, names no address.
    #[tokio::test]
    async fn connection_errors_name_no_address() {
        // As the dispatcher does at start; an error only means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let e = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/hook"))
            .send()
            .await
            .unwrap_err();
        let text = describe(e, Duration::from_secs(1));
        assert!(!text.contains("127.0.0.1"), "{text}");
        assert!(!text.contains(&port.to_string()), "{text}");
    }
}
