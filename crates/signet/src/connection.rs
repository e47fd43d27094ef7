//! One client connection: HTTP/1.1 served by hyper, with the peer's address on every request,
//! a bound on how long a request body may stall, and a header timeout.
//!
//! The header timeout is a watchdog per connection rather than hyper's own
//! `header_read_timeout`: hyper's arms a fresh timer for every request a keep-alive connection
//! reads and forces an extra read after every answer, which cost the reads of the API a
//! measurable share of their CPU. The watchdog looks a few times per timeout at when the
//! connection began waiting for its next request, and closes it once that wait has outlasted
//! the timeout: a request line or headers that never end, or trickle in, are cut off within
//! the timeout and a quarter.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::connect_info::ConnectInfo;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, MissedTickBehavior};
use tower::ServiceExt;
use tower_http::normalize_path::NormalizePath;
use tower_http::timeout::TimeoutBody;

/// An answer hyper writes in one go (its write buffer holds up to 400 KB).
const SMALL: u64 = 64 * 1024;

#[derive(Clone, Copy)]
pub struct Timeouts {
    /// From the moment a connection waits for a request to its last header.
    pub header: Duration,
    /// Between two pieces of a request body.
    pub body: Duration,
}

/// Serves one connection until the client closes it, its headers time out, or the server
/// shuts down (`graceful`).
pub fn spawn<I>(
    io: I,
    peer: SocketAddr,
    app: NormalizePath<axum::Router>,
    timeouts: Timeouts,
    graceful: &GracefulShutdown,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let waiting = Arc::new(WaitingSince::now());
    let (answered, watched) = (waiting.clone(), waiting.clone());
    let service = app
        .map_request(move |req: axum::http::Request<hyper::body::Incoming>| {
            // Peer addresses go into the audit trail; bodies that stall are cut off.
            let mut req = req.map(|body| Body::new(TimeoutBody::new(timeouts.body, body)));
            req.extensions_mut().insert(ConnectInfo(peer));
            waiting.busy();
            req
        })
        .map_response(move |res: axum::response::Response| {
            // Most answers are a few kilobytes hyper writes at once: the connection waits for
            // the next request from now on. A streamed or large body is waited for.
            if res.body().size_hint().exact().is_some_and(|n| n <= SMALL) {
                answered.idle();
                return res;
            }
            let answered = answered.clone();
            res.map(|body| Body::new(Answer { body, answered }))
        });
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    let conn = graceful.watch(conn);
    tokio::spawn(async move {
        let mut conn = std::pin::pin!(conn);
        let period = timeouts.header / 4;
        let mut watchdog = tokio::time::interval_at(Instant::now() + period, period);
        watchdog.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // A client that went away or sent garbage: nothing to do about it here.
                _ = conn.as_mut() => return,
                _ = watchdog.tick() => {
                    if watched.waited_past(timeouts.header) {
                        // Dropping the connection closes it.
                        return;
                    }
                }
            }
        }
    });
}

/// When the connection began waiting for its next request, in milliseconds since the
/// process's first connection; zero while a request is being answered.
struct WaitingSince(AtomicU64);

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn now_ms() -> u64 {
    // Never zero, which means "answering".
    (EPOCH.elapsed().as_millis() as u64).max(1)
}

impl WaitingSince {
    fn now() -> WaitingSince {
        WaitingSince(AtomicU64::new(now_ms()))
    }

    fn busy(&self) {
        self.0.store(0, Ordering::Relaxed);
    }

    fn idle(&self) {
        self.0.store(now_ms(), Ordering::Relaxed);
    }

    fn waited_past(&self, limit: Duration) -> bool {
        let since = self.0.load(Ordering::Relaxed);
        since != 0 && now_ms().saturating_sub(since) >= limit.as_millis() as u64
    }
}

/// An answer's body: once hyper has taken all of it (or given up on it), the connection waits
/// for the next request.
struct Answer {
    body: Body,
    answered: Arc<WaitingSince>,
}

impl Drop for Answer {
    fn drop(&mut self) {
        self.answered.idle();
    }
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
