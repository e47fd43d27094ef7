//! Around every request: its id (a sane incoming `X-Request-Id`, else a fresh one), returned
//! in `X-Request-Id` and carried by a log span and a task-local (so `ApiError::internal` can
//! name it); the request's metrics by route template and outcome code; and the headers every
//! answer carries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::state::AppState;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// The id of the request being handled, if this runs inside one.
pub fn current_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// The outcome code an answer carries (`messages[0].code`), set by `ApiError::into_response`
/// for the metrics; an answer without it succeeded.
#[derive(Clone, Copy)]
pub struct OutcomeCode(pub &'static str);

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client's id is kept when it is short and plain, so that it can be logged and echoed as
/// it is; anything else is replaced.
fn sane(id: &HeaderValue) -> bool {
    let b = id.as_bytes();
    (1..=64).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

/// A fresh id: this process's random prefix and a counter. An id must be unique, not
/// unguessable (it is echoed to the client and logged), so one draw of randomness per process
/// is enough, and a request does not pay a system call for it.
fn fresh_id() -> HeaderValue {
    static PREFIX: LazyLock<u64> = LazyLock::new(|| uuid::Uuid::new_v4().as_u64_pair().0);
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{:016x}{n:016x}", *PREFIX)).expect("hex is a header value")
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        // Any token is a method: a label of its own each would let clients add series.
        _ => "other",
    }
}

pub async fn around(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let id = match req.headers().get(&X_REQUEST_ID).filter(|v| sane(v)) {
        Some(v) => v.clone(),
        None => fresh_id(),
    };
    let id_str: Arc<str> = id.to_str().unwrap_or_default().into();
    // The template, never the path: a path holds signing links and document ids.
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = method_label(req.method());
    // The API and file paths answer for one caller only: nothing in between may keep them.
    let private = route.starts_with("/api/") || route.starts_with("/files/");
    let span = tracing::info_span!("request", request_id = %id_str, method, route);
    let started = Instant::now();
    let mut res = REQUEST_ID
        .scope(id_str, next.run(req))
        .instrument(span)
        .await;
    let code = match res.extensions().get::<OutcomeCode>() {
        Some(c) => c.0,
        None if res.status().is_success() || res.status().is_redirection() => "ok",
        None if res.status().is_client_error() => "http.client.error",
        None => "http.server.error",
    };
    super::metrics::http_request(method, route, code, started.elapsed());
    let headers = res.headers_mut();
    headers.insert(X_REQUEST_ID.clone(), id);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if private {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    if state.config.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_ids_are_kept() {
        let ok = |s: &str| sane(&HeaderValue::from_str(s).unwrap());
        assert!(ok("req-123_abc.def:1"));
        assert!(ok(&"a".repeat(64)));
        assert!(!ok(&"a".repeat(65)));
        assert!(!ok(""));
        assert!(!ok("a b"));
        assert!(!ok("a\"b"));
        assert!(!ok("<script>"));
    }
}
