//! The invitee's signing page, `/sign/{uuid}`: one HTML document per language (its words from
//! `sign_texts`, the rest the same for every link) plus its script and styles, compiled into
//! the binary. It renders the PDF in the browser with pdf.js (vendored under `static/pdfjs`,
//! Apache-2.0) and acts through the JSON API in `api::sign`, so the server does no rendering
//! work for it. The dashboard (`dashboard/`) is the account's side.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::domain::language::Language;
use crate::state::AppState;

pub mod dashboard;
pub mod esign;
mod sign_texts;

use sign_texts::SignTexts;
const SCRIPT: &str = include_str!("static/sign.js");
const STYLE: &str = include_str!("static/sign.css");
const EDITOR_SCRIPT: &str = include_str!("static/editor.js");
const EDITOR_STYLE: &str = include_str!("static/editor.css");
const WORKFLOWS_STYLE: &str = include_str!("static/workflows.css");
const PDFJS: &str = include_str!("static/pdfjs/pdf.min.mjs");
const PDFJS_WORKER: &str = include_str!("static/pdfjs/pdf.worker.min.mjs");
const PDFJS_LICENSE: &str = include_str!("static/pdfjs/LICENSE");

/// Everything comes from this origin, and nothing is inline, so a script injected through
/// document data (names, file names) has nowhere to run. pdf.js gets `isEvalSupported: false`
/// and draws only to canvases, so it needs no `unsafe-eval` and no inline styles. The one
/// other address the page may reach is the signer's DSC agent (`SIGNET_DSC_AGENT_URL`, an
/// origin checked at start), for "Sign with DSC token"; and the one place forms may go is
/// an eSign provider's page, for "Sign with Aadhaar".
fn csp(dsc_agent: &str, esp_origins: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; \
         img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' {dsc_agent}; \
         base-uri 'none'; form-action 'self' {esp_origins}; frame-ancestors 'none'"
    )
}

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(dashboard::routes(state))
        .route("/sign/{uuid}", get(page))
        .route("/static/sign.js", get(|| asset(SCRIPT, "text/javascript")))
        .route(
            "/static/esign-handoff.js",
            get(|| asset(esign::SCRIPT, "text/javascript")),
        )
        .route("/static/sign.css", get(|| asset(STYLE, "text/css")))
        .route(
            "/static/editor.js",
            get(|| asset(EDITOR_SCRIPT, "text/javascript")),
        )
        .route(
            "/static/editor.css",
            get(|| asset(EDITOR_STYLE, "text/css")),
        )
        .route(
            "/static/workflows.css",
            get(|| asset(WORKFLOWS_STYLE, "text/css")),
        )
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
async fn page(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let known = crate::api::invitee::live_invitation(&state, &uuid)
        .await
        .is_ok();
    let status = if known {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let t = SignTexts::of(page_language(&uri, &headers));
    let agent = state.config.dsc_agent_origin();
    let page = SignPage {
        t,
        strings: t.script_json(),
        dsc_agent: agent,
    };
    let Ok(body) = page.render() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Checked at start to be a bare origin, so it is a valid header value; should it not
    // be, the page goes out without the agent rather than without a policy.
    let policy = HeaderValue::from_str(&csp(agent, &state.esp.form_origins()))
        .unwrap_or_else(|_| HeaderValue::from_str(&csp("", "")).expect("a static policy"));
    page_headers_with(h, policy);
    res
}

/// What every page of Signet's is served with: its CSP, never framed, and, since its address
/// may be a credential (a signing link, a setup or invitation token), never sent onwards nor
/// kept in a cache.
pub(crate) fn page_headers(h: &mut HeaderMap, csp: &'static str) {
    page_headers_with(h, HeaderValue::from_static(csp));
}

/// `page_headers` with a policy made at run time (the signing page's names the DSC agent).
pub(crate) fn page_headers_with(h: &mut HeaderMap, csp: HeaderValue) {
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

#[derive(Template)]
#[template(path = "sign/page.html")]
struct SignPage<'a> {
    t: &'static SignTexts,
    /// The script's strings as JSON, escaped into an attribute by the template.
    strings: String,
    /// `SIGNET_DSC_AGENT_URL`'s origin, where the script looks for the signer's agent.
    dsc_agent: &'a str,
}

/// The signing page's language: the link's `?lang=` (invitation mail in Hindi carries
/// `?lang=hi`; the page's switch sets it), else the browser's.
fn page_language(uri: &Uri, headers: &HeaderMap) -> Language {
    let asked = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="));
    match asked {
        Some("hi") => Language::Hindi,
        Some("en") => Language::English,
        _ => accept_language(headers),
    }
}

/// The first of the browser's languages (by quality) that Signet speaks.
pub(crate) fn accept_language(headers: &HeaderMap) -> Language {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Language::English;
    };
    let mut ranked: Vec<(f32, Language)> = value
        .split(',')
        .take(32)
        .filter_map(|item| {
            let mut parts = item.trim().split(';');
            let tag = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next()?;
            let language = match primary {
                "hi" => Language::Hindi,
                "en" => Language::English,
                _ => return None,
            };
            (q > 0.0).then_some((q, language))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map_or(Language::English, |r| r.1)
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
