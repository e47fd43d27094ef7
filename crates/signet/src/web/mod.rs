//! The invitee's signing page, `/sign/{uuid}`: one static HTML document plus its script and
//! styles, compiled into the binary. It renders the PDF in the browser with pdf.js (vendored
//! under `static/pdfjs`, Apache-2.0) and acts through the JSON API in `api::sign`, so the
//! server does no rendering work and the page needs no templating.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

pub mod dashboard;

const PAGE: &str = include_str!("static/sign.html");
const SCRIPT: &str = include_str!("static/sign.js");
const STYLE: &str = include_str!("static/sign.css");
const PDFJS: &str = include_str!("static/pdfjs/pdf.min.mjs");
const PDFJS_WORKER: &str = include_str!("static/pdfjs/pdf.worker.min.mjs");
const PDFJS_LICENSE: &str = include_str!("static/pdfjs/LICENSE");

/// Everything comes from this origin, and nothing is inline, so a script injected through
/// document data (names, file names) has nowhere to run. pdf.js gets `isEvalSupported: false`
/// and draws only to canvases, so it needs no `unsafe-eval` and no inline styles.
const CSP: &str = "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(dashboard::routes(state))
        .route("/sign/{uuid}", get(page))
        .route("/static/sign.js", get(|| asset(SCRIPT, "text/javascript")))
        .route("/static/sign.css", get(|| asset(STYLE, "text/css")))
        .route(
            "/static/pdfjs/pdf.min.mjs",
            get(|| asset(PDFJS, "text/javascript")),
        )
        .route(
            "/static/pdfjs/pdf.worker.min.mjs",
            get(|| asset(PDFJS_WORKER, "text/javascript")),
        )
        .route(
            "/static/pdfjs/LICENSE",
            get(|| asset(PDFJS_LICENSE, "text/plain; charset=utf-8")),
        )
}

/// The page is the same for every link; the script reads the UUID from the address. An
/// unknown link still gets the page (which explains it from the API's 404) but with status
/// 404, so that crawlers and link checkers learn the truth.
async fn page(State(state): State<AppState>, Path(uuid): Path<String>) -> Response {
    let known = crate::api::invitee::live_invitation(&state, &uuid)
        .await
        .is_ok();
    let status = if known {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let mut res = (status, PAGE).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The address is a bearer credential: never send it onwards, never keep it in a cache.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// Static assets change only with the binary; an hour of caching spares phones from fetching
/// pdf.js (1.4 MB) on every visit without pinning an old version for long after an upgrade.
pub(crate) async fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
