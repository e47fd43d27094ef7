//! The Prometheus series of `GET /metrics`. Every label value comes from a closed set (route
//! templates, outcome codes, signature types, attempt results): never an id, a link, an
//! address or anything a client typed, so the number of series stays bounded and a scrape
//! leaks nothing.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};
use std::time::Duration;

use metrics::{
    Counter, Histogram, counter, describe_counter, describe_gauge, describe_histogram, gauge,
    histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::domain::signature_type::SignatureType;
use crate::store::Store;

const REQUESTS: &str = "signet_http_requests_total";
const DURATION: &str = "signet_http_request_duration_seconds";
const SIGNATURES: &str = "signet_signatures_total";
const SENT: &str = "signet_documents_sent_total";
const COMPLETED: &str = "signet_documents_completed_total";
const PENDING: &str = "signet_outbox_pending";
const OLDEST: &str = "signet_outbox_oldest_pending_age_seconds";
const ATTEMPTS: &str = "signet_delivery_attempts_total";

/// From a read answered from memory (about a millisecond) to signing a large PDF (seconds).
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// This process's recorder, installed once by `serve`.
pub struct Metrics {
    handle: PrometheusHandle,
}

impl Metrics {
    pub fn install() -> Result<Metrics, String> {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|e| format!("metrics: {e}"))?;
        describe_counter!(
            REQUESTS,
            "HTTP requests by method, route template and outcome code"
        );
        describe_histogram!(
            DURATION,
            metrics::Unit::Seconds,
            "Time to answer an HTTP request"
        );
        describe_counter!(SIGNATURES, "Signatures recorded, by signature type");
        describe_counter!(SENT, "Documents sent for signing");
        describe_counter!(COMPLETED, "Documents completed");
        describe_gauge!(
            PENDING,
            "Outbox rows not yet delivered (read at scrape time)"
        );
        describe_gauge!(
            OLDEST,
            metrics::Unit::Seconds,
            "Age of the oldest outbox row not yet delivered"
        );
        describe_counter!(ATTEMPTS, "Webhook and mail delivery attempts by result");
        // Present from the first scrape, so a rate over them starts at zero, not at absence.
        counter!(SENT).absolute(0);
        counter!(COMPLETED).absolute(0);
        // Histograms accumulate samples until upkeep folds them in; without a scraper they
        // would grow for ever.
        let upkeep = handle.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                upkeep.run_upkeep();
            }
        });
        Ok(Metrics { handle })
    }

    /// The text exposition, with the outbox gauges read from the store now.
    pub async fn render(&self, store: &Store, now_ms: i64) -> String {
        for (outbox, backlog) in [
            ("webhook", store.webhook_backlog().await),
            ("mail", store.mail_backlog().await),
        ] {
            match backlog {
                Ok(b) => {
                    gauge!(PENDING, "outbox" => outbox).set(b.pending as f64);
                    let age = b.oldest_created_at.map_or(0, |at| (now_ms - at).max(0));
                    gauge!(OLDEST, "outbox" => outbox).set(age as f64 / 1000.0);
                }
                // Stale gauges would say all is well: drop them, and the alert on absence fires.
                Err(e) => {
                    tracing::warn!(outbox, error = %e, "reading the outbox for metrics failed")
                }
            }
        }
        self.handle.render()
    }
}

/// The series of one route template: a counter per (method, outcome code) and a histogram
/// per method, in the few combinations a route sees.
#[derive(Default)]
struct RouteSeries {
    requests: Vec<(&'static str, &'static str, Counter)>,
    durations: Vec<(&'static str, Histogram)>,
}

impl RouteSeries {
    fn find(&self, method: &str, code: &str) -> Option<(&Counter, &Histogram)> {
        let requests = self
            .requests
            .iter()
            .find(|(m, c, _)| *m == method && *c == code)
            .map(|(_, _, h)| h)?;
        let duration = self.durations.iter().find(|(m, _)| *m == method)?;
        Some((requests, &duration.1))
    }
}

/// Handles by route template. Asking the recorder for a handle builds its key and labels
/// each time; routes, methods and codes are closed sets, so the handles are kept instead.
static REQUEST_SERIES: LazyLock<RwLock<HashMap<Box<str>, RouteSeries>>> =
    LazyLock::new(Default::default);

/// One answered HTTP request.
pub fn http_request(method: &'static str, route: &str, code: &'static str, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    {
        let series = REQUEST_SERIES.read().unwrap_or_else(|e| e.into_inner());
        if let Some((requests, duration)) = series.get(route).and_then(|s| s.find(method, code)) {
            requests.increment(1);
            duration.record(seconds);
            return;
        }
    }
    let mut series = REQUEST_SERIES.write().unwrap_or_else(|e| e.into_inner());
    let of_route = series.entry(route.into()).or_default();
    if !of_route
        .requests
        .iter()
        .any(|(m, c, _)| *m == method && *c == code)
    {
        let labels =
            [("method", method), ("route", route), ("code", code)].map(|(k, v)| (k, v.to_string()));
        of_route
            .requests
            .push((method, code, counter!(REQUESTS, &labels)));
    }
    if !of_route.durations.iter().any(|(m, _)| *m == method) {
        let labels = [("method", method), ("route", route)].map(|(k, v)| (k, v.to_string()));
        of_route
            .durations
            .push((method, histogram!(DURATION, &labels)));
    }
    let (requests, duration) = of_route.find(method, code).expect("just added");
    requests.increment(1);
    duration.record(seconds);
}

/// An invitee's action recorded: a signature counts by its type; the last action may
/// complete the document.
pub fn outcome_recorded(kind: &crate::store::OutcomeKind, completes: bool) {
    if let crate::store::OutcomeKind::Signed { signature_type } = kind {
        signature_made(*signature_type);
    }
    if completes {
        document_completed();
    }
}

/// A signature recorded on a document, counted under its type's wire name.
pub fn signature_made(signature_type: SignatureType) {
    counter!(SIGNATURES, "type" => signature_type.as_str()).increment(1);
}

pub fn document_sent() {
    counter!(SENT).increment(1);
}

pub fn document_completed() {
    counter!(COMPLETED).increment(1);
}

/// One webhook attempt (`delivered`, `refused`: a non-2xx answer, `failed`: no answer) or
/// mail attempt (`sent`, `logged`, `retry`, `failed`).
pub fn delivery_attempt(outbox: &'static str, result: &'static str) {
    counter!(ATTEMPTS, "outbox" => outbox, "result" => result).increment(1);
}
