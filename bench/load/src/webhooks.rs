//! `signet-load webhooks`: how soon a webhook follows the action that caused it, and how fast
//! the server drains a backlog of due deliveries.
//!
//! The generator runs its own receiver (axum on `--listen`, 127.0.0.1 and an ephemeral port by
//! default) and points the workflows it publishes at it. The receiver answers at once and only
//! records what came: the arrival instant, the path, the answer it gave, `webhook-id`, and the
//! body of what it accepted (parsed after the clock stops). Arrival instants and the
//! generator's own request instants come from the same monotonic clock.
//!
//! 1. **Delay.** `--docs` documents, each with one Reviewer slot whose success URL is
//!    `/delay/ok`; at `--concurrency`, each reviewer approves. t0 is taken just before the
//!    approve request is sent, t1 when its answer is in, and the webhook carrying the
//!    document's id is matched to both: arrival − t0 (commit → arrival) and arrival − t1
//!    (negative when the webhook beats the HTTP answer).
//! 2. **Throughput.** `--events` invitations, 50 Reviewer slots a document (`expiryDays: -1`,
//!    so they expire 45 minutes after sending), error URL `/drain/err`, on which the receiver
//!    first answers 503. Advancing the server's test clock by 2760 s expires them all: each
//!    delivery fails its first attempt and its immediate retry (the *expiry burst*, 2 × events
//!    requests) and then waits an hour. The receiver switches to 200 and the clock moves 3601 s:
//!    every delivery is due at once (the *backlog drain*), timed from the advance call to the
//!    last distinct `webhook-id` accepted; a `webhook-id` accepted twice is a duplicate.
//!
//! The server must run with `SIGNET_TEST_CLOCK=true` (the clock endpoint) and
//! `SIGNET_WEBHOOK_ALLOW_PRIVATE=true` (a receiver on 127.0.0.1); `bench/webhooks.sh` does that.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header::CONTENT_TYPE};
use reqwest::{Body, Method};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::client::Api;
use crate::cpu::Meter;
use crate::report::{self, Figure, Spread};
use crate::scenarios::{self, CreateBody};

/// Reviewer slots per document in the throughput measurement (the most a workflow takes).
const SLOTS: usize = 50;
/// How far the first advance moves the clock: past the 45 minutes of `expiryDays: -1`.
const EXPIRE_SECONDS: u64 = 46 * 60;
/// How far the second moves it: past the hour the first retry waits.
const RETRY_SECONDS: u64 = 3601;
/// How often a wait looks at what the receiver has recorded. The figures use the instants the
/// receiver recorded, not when a wait noticed them, so this only bounds the wait's overshoot.
const POLL: Duration = Duration::from_millis(5);
/// After a wait is satisfied, how long to keep listening for what should not come (a third
/// attempt, a second delivery of the same `webhook-id`).
const SETTLE: Duration = Duration::from_secs(2);

#[derive(clap::Args)]
pub struct Options {
    /// Base URL of the server.
    #[arg(long, env = "SIGNET_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An account's auth token (`signet account create` prints it).
    #[arg(long, env = "SIGNET_TOKEN")]
    token: String,
    /// Documents approved in the delay measurement (one webhook each).
    #[arg(long, default_value_t = 500)]
    docs: usize,
    /// Approvals in flight at once in the delay measurement.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Deliveries in the throughput measurement (invitations expired at once, 50 a document).
    #[arg(long, default_value_t = 5000)]
    events: usize,
    /// Documents created at once while preparing either measurement (not timed).
    #[arg(long, default_value_t = 8)]
    create_concurrency: usize,
    /// How long to wait for the delay measurement's webhooks after the last approval.
    #[arg(long, default_value = "60s", value_parser = scenarios::parse_duration)]
    delay_timeout: Duration,
    /// How long to wait for the expiry burst, and again for the backlog drain, from the clock's
    /// advance; what arrived by then is reported, the rest as missing.
    #[arg(long, default_value = "300s", value_parser = scenarios::parse_duration)]
    timeout: Duration,
    /// Run one measurement only.
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Where the receiver listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The receiver's base URL as the server should call it (default: http:// and the address
    /// it listens on).
    #[arg(long)]
    receiver_url: Option<String>,
    /// Runtime threads of the generator (receiver included).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// The server's process id, to report its CPU use during each measurement.
    #[arg(long)]
    server_pid: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Only {
    Delay,
    Throughput,
}

pub async fn run(o: &Options) -> Result<(), String> {
    let (rx, bound) = Receiver::start(o.listen).await?;
    let base = o
        .receiver_url
        .clone()
        .unwrap_or(bound)
        .trim_end_matches('/')
        .to_string();
    eprintln!("webhook receiver at {base}");
    let api = Api::new(&o.url, &o.token, o.concurrency.max(o.create_concurrency));
    println!("{}", report::WEBHOOKS_HEADER);
    if o.only != Some(Only::Throughput) {
        delay(o, &api, &rx, &base).await?;
    }
    if o.only != Some(Only::Delay) {
        throughput(o, &api, &rx, &base).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The receiver

/// Which of the receiver's URLs a webhook came to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    DelayOk,
    DelayErr,
    DrainOk,
    DrainErr,
    Other,
}

impl Route {
    fn of(path: &str) -> Route {
        match path {
            "/delay/ok" => Route::DelayOk,
            "/delay/err" => Route::DelayErr,
            "/drain/ok" => Route::DrainOk,
            "/drain/err" => Route::DrainErr,
            _ => Route::Other,
        }
    }

    fn is_drain(self) -> bool {
        matches!(self, Route::DrainOk | Route::DrainErr)
    }
}

/// One request the receiver answered.
#[derive(Clone)]
struct Hit {
    at: Instant,
    route: Route,
    status: u16,
    id: Option<Arc<str>>,
    /// JSON content type, `webhook-timestamp` and `webhook-signature` present.
    well_formed: bool,
    /// The body of what was accepted (200), parsed only after the measurement.
    body: Option<Bytes>,
}

struct Receiver {
    /// What `/drain/*` answers (503, then 200); `/delay/*` always answers 200.
    drain_status: AtomicU16,
    hits: Mutex<Vec<Hit>>,
}

impl Receiver {
    /// Binds and serves; returns the receiver and the base URL it listens on.
    async fn start(listen: SocketAddr) -> Result<(Arc<Receiver>, String), String> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("the receiver cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let rx = Arc::new(Receiver {
            drain_status: AtomicU16::new(200),
            hits: Mutex::new(Vec::with_capacity(16_384)),
        });
        let app = Router::new().fallback(hook).with_state(rx.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("signet-load: the webhook receiver stopped: {e}");
            }
        });
        Ok((rx, format!("http://{addr}")))
    }

    fn len(&self) -> usize {
        self.hits.lock().expect("no panic holds the lock").len()
    }

    fn since(&self, from: usize) -> Vec<Hit> {
        self.hits.lock().expect("no panic holds the lock")[from..].to_vec()
    }
}

/// Every request, any method and path: answer at once, record.
async fn hook(
    State(rx): State<Arc<Receiver>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let route = Route::of(uri.path());
    let status = if route.is_drain() {
        rx.drain_status.load(Ordering::Relaxed)
    } else {
        200
    };
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .map(Arc::from);
    let well_formed = headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
        && headers.contains_key("webhook-timestamp")
        && headers.contains_key("webhook-signature");
    let body = (status == 200).then_some(body);
    {
        // The instant is taken under the lock so that the log is in arrival order.
        let mut hits = rx.hits.lock().expect("no panic holds the lock");
        hits.push(Hit {
            at: Instant::now(),
            route,
            status,
            id,
            well_formed,
            body,
        });
    }
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Feeds every hit from index `from` on to `seen` until it returns true or `timeout` passes.
/// Returns whether `seen` was satisfied and the index of the first hit not fed.
async fn watch(
    rx: &Receiver,
    from: usize,
    timeout: Duration,
    what: &str,
    seen: &mut impl FnMut(&Hit) -> bool,
) -> (bool, usize) {
    let start = Instant::now();
    let mut next = from;
    let mut shown = start;
    loop {
        let new = rx.since(next);
        for (i, h) in new.iter().enumerate() {
            if seen(h) {
                return (true, next + i + 1);
            }
        }
        next += new.len();
        if start.elapsed() >= timeout {
            eprintln!(
                "  timed out after {:.0} s waiting for {what}",
                timeout.as_secs_f64()
            );
            return (false, next);
        }
        if shown.elapsed() >= Duration::from_secs(10) {
            shown = Instant::now();
            eprintln!(
                "  … {:.0} s: {} requests received, waiting for {what}",
                start.elapsed().as_secs_f64(),
                next - from
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Listens `SETTLE` longer and feeds what came to `seen` (which counts the extras).
async fn settle(rx: &Receiver, from: usize, seen: &mut impl FnMut(&Hit) -> bool) -> usize {
    tokio::time::sleep(SETTLE).await;
    let new = rx.since(from);
    for h in &new {
        seen(h);
    }
    from + new.len()
}

/// The summary's note when a wait timed out (its figures then cover what had arrived).
fn gave_up(all_in: bool, waited: Duration) -> String {
    if all_in {
        String::new()
    } else {
        format!(
            " (then gave up: timed out {:.0} s after the advance)",
            waited.as_secs_f64()
        )
    }
}

fn body_json(h: &Hit) -> Option<Value> {
    serde_json::from_slice(h.body.as_ref()?).ok()
}

fn micros(from: Instant, to: Instant) -> i64 {
    if to >= from {
        (to - from).as_micros() as i64
    } else {
        -((from - to).as_micros() as i64)
    }
}

// ---------------------------------------------------------------------------------------------
// Setting up: workflows and documents

/// A published workflow of `slots` Reviewer slots, every one with the same webhook URLs.
async fn publish(
    api: &Api,
    name: &str,
    slots: usize,
    expiry_days: i32,
    success: &str,
    error: &str,
) -> Result<String, String> {
    let invitees: Vec<Value> = (1..=slots)
        .map(|i| {
            json!({"label": format!("R{i}"), "inviteeType": "Reviewer",
                   "webhook": {"success": success, "error": error, "version": "2.5"}})
        })
        .collect();
    let body = json!({"name": name, "requireSigningOrder": false, "expiryDays": expiry_days,
                      "publish": true, "invitees": invitees});
    let w = api
        .call(
            Method::POST,
            "/api/signet/workflows",
            Some(Body::from(body.to_string())),
        )
        .await
        .map_err(|e| format!("publishing the workflow {name:?}: {e}"))?;
    w["profileId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no profileId in {w}"))
}

/// A create body for a workflow of `slots` Reviewer slots (2 KB PDF).
fn reviewers_body(profile: &str, slots: usize) -> CreateBody {
    let invitees: Vec<Value> = (1..=slots)
        .map(|i| json!({"name": format!("Reviewer {i}"), "email": format!("reviewer{i}@example.com")}))
        .collect();
    CreateBody::with_invitees(profile, 2, Value::Array(invitees))
}

struct Created {
    document: String,
    /// The signing links' UUIDs, in slot order.
    uuids: Vec<String>,
}

/// Creates `count` documents with `body`, `concurrency` at a time; in order of creation number.
async fn create_all(
    api: &Api,
    body: CreateBody,
    count: usize,
    concurrency: usize,
    tag: &str,
) -> Result<Vec<Created>, String> {
    let body = Arc::new(body);
    let next = Arc::new(AtomicUsize::new(0));
    let run = scenarios::run_id();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (api, body, next) = (api.clone(), body.clone(), next.clone());
        let prefix = format!("{tag}-{run}");
        workers.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, String>(mine);
                }
                let data = scenarios::create(&api, body.with_irn(&format!("{prefix}-{i}")))
                    .await
                    .map_err(|e| format!("creating document {i}: {e}"))?;
                let created = Created {
                    document: scenarios::document_id(&data)?,
                    uuids: scenarios::sign_uuids(&data)?,
                };
                mine.push((i, created));
            }
        });
    }
    let mut all = Vec::with_capacity(count);
    while let Some(done) = workers.join_next().await {
        all.extend(done.map_err(|e| format!("a creating worker failed: {e}"))??);
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, c)| c).collect())
}

async fn advance(api: &Api, seconds: u64) -> Result<(), String> {
    let body = json!({ "seconds": seconds }).to_string();
    api.call(
        Method::POST,
        "/api/signet/clock/advance",
        Some(Body::from(body)),
    )
    .await
    .map(drop)
    .map_err(|e| format!("advancing the clock {seconds} s (is SIGNET_TEST_CLOCK=true set?): {e}"))
}

// ---------------------------------------------------------------------------------------------
// 1. Delay

struct Approval {
    t0: Instant,
    t1: Instant,
    error: Option<String>,
}

/// Approves the single reviewer of every document, `concurrency` at a time.
async fn approve_all(api: &Api, docs: &[Created], concurrency: usize) -> Vec<Approval> {
    let paths: Arc<Vec<String>> = Arc::new(
        docs.iter()
            .map(|d| format!("/api/sign/{}/approve", d.uuids[0]))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (api, paths, next) = (api.clone(), paths.clone(), next.clone());
        workers.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else {
                    return mine;
                };
                let t0 = Instant::now();
                let answer = api.invitee_post(path, "{}").await;
                let t1 = Instant::now();
                mine.push((
                    i,
                    Approval {
                        t0,
                        t1,
                        error: answer.err(),
                    },
                ));
            }
        });
    }
    let mut all = Vec::with_capacity(docs.len());
    while let Some(done) = workers.join_next().await {
        all.extend(done.expect("an approving worker does not panic"));
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, a)| a).collect()
}

async fn delay(o: &Options, api: &Api, rx: &Receiver, base: &str) -> Result<(), String> {
    if o.docs == 0 {
        return Ok(());
    }
    let ok_url = format!("{base}/delay/ok");
    let err_url = format!("{base}/delay/err");
    let profile = publish(api, "Webhook bench: delay", 1, 10, &ok_url, &err_url).await?;
    let docs = create_all(
        api,
        reviewers_body(&profile, 1),
        o.docs,
        o.create_concurrency,
        "hooks-delay",
    )
    .await?;
    eprintln!(
        "webhooks delay: {} documents created, approving at c{}",
        docs.len(),
        o.concurrency
    );
    let index: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.document.as_str(), i))
        .collect();

    let from = rx.len();
    let meter = Meter::start(o.server_pid.as_deref());
    let start = Instant::now();
    let approvals = approve_all(api, &docs, o.concurrency).await;
    let approving = start.elapsed();
    let approved = approvals.iter().filter(|a| a.error.is_none()).count();

    let mut arrival: Vec<Option<Instant>> = vec![None; docs.len()];
    let (mut matched, mut extra, mut malformed, mut unexpected_body) = (0, 0, 0, 0);
    // The instant of the last awaited arrival (a Cell: `feed` still runs while settling).
    let last = Cell::new(start);
    let mut feed = |h: &Hit| {
        if !matches!(h.route, Route::DelayOk | Route::DelayErr) {
            return false;
        }
        if !h.well_formed {
            malformed += 1;
        }
        let body = body_json(h);
        let doc = body
            .as_ref()
            .and_then(|b| b["documentId"].as_str())
            .and_then(|d| index.get(d).copied());
        match doc {
            Some(i)
                if approvals[i].error.is_none()
                    && arrival[i].is_none()
                    && h.at >= approvals[i].t0 =>
            {
                arrival[i] = Some(h.at);
                matched += 1;
                last.set(h.at);
                let b = body.as_ref().expect("a matched hit has a body");
                if h.route != Route::DelayOk
                    || b["webhookType"] != "Success"
                    || b["request"]["action"] != "Approved"
                {
                    unexpected_body += 1;
                }
            }
            _ => extra += 1,
        }
        matched == approved
    };
    let (all_in, next) = if approved == 0 {
        (true, from)
    } else {
        watch(
            rx,
            from,
            approving + o.delay_timeout,
            "the approvals' webhooks",
            &mut feed,
        )
        .await
    };
    // Rates count to the last awaited arrival; after a timeout, the CPU counts the whole wait.
    let waited = start.elapsed();
    let elapsed = if last.get() > start {
        last.get() - start
    } else {
        waited
    };
    // A webhook may beat the last approval's answer: the window covers the approvals at least.
    let cpu = meter.stop(if all_in {
        elapsed.max(approving)
    } else {
        waited
    });
    settle(rx, next, &mut feed).await;

    let (mut sent, mut answered, mut latency) = (Vec::new(), Vec::new(), Vec::new());
    for (a, at) in approvals.iter().zip(&arrival) {
        if a.error.is_none() {
            latency.push(micros(a.t0, a.t1));
        }
        if let Some(at) = *at {
            sent.push(micros(a.t0, at));
            answered.push(micros(a.t1, at));
        }
    }
    let first_before_answer = answered.iter().filter(|&&d| d < 0).count();
    let failed = approvals.len() - approved;
    eprintln!(
        "webhooks delay: {approved} approvals at c{} in {:.2} s ({:.1}/s), {matched} webhooks matched, \
         {} missing, {extra} extra, {first_before_answer} before the approval's answer; {}",
        o.concurrency,
        approving.as_secs_f64(),
        approved as f64 / approving.as_secs_f64(),
        approved - matched,
        report::cpu_words(&cpu),
    );
    if let Some(e) = approvals.iter().find_map(|a| a.error.as_ref()) {
        eprintln!("  {failed} approvals failed; the first: {e}");
    }
    if malformed > 0 || unexpected_body > 0 {
        eprintln!(
            "  warning: {malformed} without JSON content type or webhook-timestamp/-signature, \
             {unexpected_body} matched ones not a Success/Approved webhook to the success URL"
        );
    }
    let run = format!("webhooks delay, {} docs, c{}", o.docs, o.concurrency);
    let span = (last.get() - start).as_secs_f64();
    let figures = [
        Figure {
            run: &run,
            name: "approve (answer)",
            count: approved,
            missing: failed,
            extra: 0,
            rate: Some(approved as f64 / approving.as_secs_f64()),
            spread: Spread::of(&mut latency),
        },
        Figure {
            run: &run,
            name: "approve sent → webhook",
            count: matched,
            missing: approved - matched,
            extra,
            rate: (matched > 0).then(|| matched as f64 / span),
            spread: Spread::of(&mut sent),
        },
        Figure {
            run: &run,
            name: "answer → webhook",
            count: matched,
            missing: approved - matched,
            extra,
            rate: None,
            spread: Spread::of(&mut answered),
        },
    ];
    for f in &figures {
        report::print_figure(f, &cpu);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 2. Throughput

async fn throughput(o: &Options, api: &Api, rx: &Receiver, base: &str) -> Result<(), String> {
    let n = o.events;
    if n == 0 {
        return Ok(());
    }
    let ok_url = format!("{base}/drain/ok");
    let err_url = format!("{base}/drain/err");
    // Whole documents of 50 slots, and one of the remainder, so that exactly `n` expire.
    let mut docs = 0;
    for (slots, count) in [(SLOTS, n / SLOTS), (n % SLOTS, 1)] {
        if slots == 0 || count == 0 {
            continue;
        }
        let name = format!("Webhook bench: throughput, {slots} slots");
        let profile = publish(api, &name, slots, -1, &ok_url, &err_url).await?;
        let tag = format!("hooks-drain{slots}");
        let body = reviewers_body(&profile, slots);
        docs += create_all(api, body, count, o.create_concurrency, &tag)
            .await?
            .len();
    }
    eprintln!("webhooks throughput: {docs} documents created, {n} invitations open");

    // Phase A: every invitation expires; each delivery fails twice and waits an hour.
    rx.drain_status.store(503, Ordering::Relaxed);
    let from = rx.len();
    let target = 2 * n;
    let meter = Meter::start(o.server_pid.as_deref());
    let start = Instant::now();
    advance(api, EXPIRE_SECONDS).await?;
    let advance_took = start.elapsed();
    let (mut attempts, mut per_id) = (Vec::with_capacity(target), HashMap::new());
    let (mut other, mut no_id, mut malformed) = (0, 0, 0);
    let last = Cell::new(start);
    let mut feed = |h: &Hit| {
        if h.route == Route::DrainErr && h.status == 503 {
            if attempts.len() < target {
                last.set(h.at);
            }
            attempts.push(micros(start, h.at));
            if let Some(id) = &h.id {
                *per_id.entry(id.clone()).or_insert(0u32) += 1;
            } else {
                no_id += 1;
            }
            if !h.well_formed {
                malformed += 1;
            }
        } else if h.route.is_drain() {
            other += 1;
        }
        attempts.len() >= target
    };
    let (all_in, next) = watch(rx, from, o.timeout, "the expiry burst", &mut feed).await;
    // Rates count to the last awaited arrival; after a timeout, the CPU counts the whole wait.
    let waited = start.elapsed();
    let elapsed = if last.get() > start {
        last.get() - start
    } else {
        waited
    };
    let cpu = meter.stop(if all_in { elapsed } else { waited });
    let next = settle(rx, next, &mut feed).await;

    let received = attempts.len();
    attempts.truncate(target);
    let not_two = per_id.values().filter(|&&c| c != 2).count();
    eprintln!(
        "expiry burst: {n} events, 2 attempts each ({} of {target} arrived), in {:.2} s{} ({:.1} \
         attempts/s; the advance call answered in {:.2} s); {} distinct webhook-ids, {not_two} \
         with other than 2 attempts, {} attempts beyond 2 × events; {}",
        attempts.len(),
        elapsed.as_secs_f64(),
        gave_up(all_in, waited),
        attempts.len() as f64 / elapsed.as_secs_f64(),
        advance_took.as_secs_f64(),
        per_id.len(),
        received.saturating_sub(target),
        report::cpu_words(&cpu),
    );
    if no_id > 0 || malformed > 0 || other > 0 {
        eprintln!(
            "  warning: {no_id} attempts without webhook-id, {malformed} without JSON content \
             type or webhook-timestamp/-signature; {other} other requests to /drain/*"
        );
    }
    let run = format!("webhooks expiry burst, {n} events");
    report::print_figure(
        &Figure {
            run: &run,
            name: "advance → 2 attempts (503)",
            count: attempts.len(),
            missing: target - attempts.len(),
            extra: received.saturating_sub(target),
            rate: Some(attempts.len() as f64 / elapsed.as_secs_f64()),
            spread: Spread::of(&mut attempts),
        },
        &cpu,
    );

    // Phase B: an hour later every delivery is due at once, and now accepted.
    rx.drain_status.store(200, Ordering::Relaxed);
    let meter = Meter::start(o.server_pid.as_deref());
    let start = Instant::now();
    advance(api, RETRY_SECONDS).await?;
    let advance_took = start.elapsed();
    let mut delivered: HashSet<Arc<str>> = HashSet::with_capacity(n);
    let mut arrivals = Vec::with_capacity(n);
    let (mut duplicates, mut late, mut no_id, mut malformed, mut unexpected_body) = (0, 0, 0, 0, 0);
    let (first, last) = (Cell::new(None), Cell::new(start));
    let mut feed = |h: &Hit| {
        if h.route != Route::DrainErr || h.status != 200 {
            if h.route.is_drain() {
                late += 1;
            }
            return false;
        }
        if !h.well_formed {
            malformed += 1;
        }
        let Some(id) = &h.id else {
            no_id += 1;
            return false;
        };
        if !delivered.insert(id.clone()) {
            duplicates += 1;
            return false;
        }
        if first.get().is_none() {
            first.set(Some(h.at));
        }
        last.set(h.at);
        arrivals.push(micros(start, h.at));
        delivered.len() >= n
    };
    let from = next;
    let (all_in, next) = watch(rx, from, o.timeout, "the backlog drain", &mut feed).await;
    // Rates count to the last awaited arrival; after a timeout, the CPU counts the whole wait.
    let waited = start.elapsed();
    let elapsed = if last.get() > start {
        last.get() - start
    } else {
        waited
    };
    let cpu = meter.stop(if all_in { elapsed } else { waited });
    settle(rx, next, &mut feed).await;
    // Bodies are checked after the clock stopped.
    for h in rx.since(from) {
        if h.route == Route::DrainErr && h.status == 200 {
            let b = body_json(&h).unwrap_or_default();
            if b["webhookType"] != "Error" || b["request"]["expired"] != true {
                unexpected_body += 1;
            }
        }
    }

    let count = arrivals.len();
    let receiver_span = (last.get() - first.get().unwrap_or(start)).as_secs_f64();
    let receiver_rate = (count > 1).then(|| (count - 1) as f64 / receiver_span);
    eprintln!(
        "backlog drain: {count} deliveries in {:.2} s{} ({:.1}/s from the advance call, which \
         answered in {:.2} s; {} at the receiver from first to last arrival); {duplicates} \
         duplicates, {} missing; {}",
        elapsed.as_secs_f64(),
        gave_up(all_in, waited),
        count as f64 / elapsed.as_secs_f64(),
        advance_took.as_secs_f64(),
        receiver_rate.map_or("–".to_string(), |r| format!("{r:.1}/s")),
        n - count,
        report::cpu_words(&cpu),
    );
    if malformed > 0 || no_id > 0 || late > 0 || unexpected_body > 0 {
        eprintln!(
            "  warning: {no_id} without webhook-id, {malformed} without JSON content type or \
             webhook-timestamp/-signature, {unexpected_body} not an expired Error webhook, \
             {late} other requests to /drain/*"
        );
    }
    let run = format!("webhooks backlog drain, {n} deliveries");
    let figures = [
        Figure {
            run: &run,
            name: "advance → delivered",
            count,
            missing: n - count,
            extra: duplicates,
            rate: Some(count as f64 / elapsed.as_secs_f64()),
            spread: Spread::of(&mut arrivals),
        },
        Figure {
            run: &run,
            name: "first → last arrival",
            count,
            missing: n - count,
            extra: duplicates,
            rate: receiver_rate,
            spread: None,
        },
    ];
    for f in &figures {
        report::print_figure(f, &cpu);
    }
    Ok(())
}
