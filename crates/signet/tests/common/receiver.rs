//! A real webhook receiver: an HTTP server on an ephemeral port that records every request
//! and answers each path with the statuses a test scripted (200 once the script runs out).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub raw: Bytes,
    pub body: Value,
    /// What the receiver answered.
    pub status: u16,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn webhook_id(&self) -> &str {
        self.header("webhook-id")
    }

    /// The signing link's UUID the event is about.
    pub fn invitation(&self) -> &str {
        self.body["request"]["signUrl"]
            .as_str()
            .and_then(|u| u.rsplit('/').next())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    scripts: HashMap<String, VecDeque<u16>>,
    /// Paths that answer only after this long.
    slow: HashMap<String, Duration>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    /// Runs on its own thread and runtime, so it keeps answering whatever the test's
    /// runtime is busy with.
    pub fn start() -> Receiver {
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let state = inner.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, raw: Bytes| {
            let state = state.clone();
            async move {
                let path = uri.path().to_string();
                let slow = state.lock().unwrap().slow.get(&path).copied();
                if let Some(pause) = slow {
                    tokio::time::sleep(pause).await;
                }
                let mut s = state.lock().unwrap();
                let status = s
                    .scripts
                    .get_mut(&path)
                    .and_then(VecDeque::pop_front)
                    .unwrap_or(200);
                let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
                s.received.push(Received {
                    path,
                    headers,
                    raw,
                    body,
                    status,
                    at: Instant::now(),
                });
                // A redirect names where to go; a webhook sender must not follow it.
                (
                    StatusCode::from_u16(status).unwrap(),
                    [(axum::http::header::LOCATION, "/redirected")],
                )
            }
        });
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", std_listener.local_addr().unwrap());
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                    axum::serve(listener, app).await.unwrap();
                });
        });
        Receiver { url, inner }
    }

    /// The next requests to `path` get these statuses, in order.
    pub fn answer(&self, path: &str, statuses: &[u16]) {
        self.inner
            .lock()
            .unwrap()
            .scripts
            .entry(path.to_string())
            .or_default()
            .extend(statuses);
    }

    /// Requests to `path` are answered only after `pause`.
    pub fn answer_slowly(&self, path: &str, pause: Duration) {
        self.inner
            .lock()
            .unwrap()
            .slow
            .insert(path.to_string(), pause);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Waits (up to 30 s) until `done` holds over everything received, and returns it.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let all = self.received();
            if done(&all) {
                return all;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; received {} requests: {:?}",
                all.len(),
                all.iter().map(|r| (&r.path, r.status)).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `n` requests arrived at `path`, and returns them in order.
    pub async fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        let all = self
            .wait_until(&format!("{n} requests at {path}"), |all| {
                all.iter().filter(|r| r.path == path).count() >= n
            })
            .await;
        all.into_iter().filter(|r| r.path == path).collect()
    }
}
