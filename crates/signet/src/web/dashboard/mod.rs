//! The dashboard (`/app`, API.md section 12): server-rendered pages for the people of an
//! account, forms and links only, no script.
//!
//! Every dashboard request passes [`gate`], which
//! - picks the language (`?lang=` remembered in a cookie, else `Accept-Language`, else
//!   English);
//! - finds the session from the `signet_session` cookie (`service::users::session`: the
//!   cookie's random token, whose SHA-256 is the session row's id; idle and absolute limits);
//! - sends a request for `/app…` or `/logout` without a live session to `/login`;
//! - refuses (403, nothing changed) a POST whose `csrf` form field is not the expected token,
//!   compared in constant time: the session's own token under `/app` and `/logout`; before a
//!   session exists (`/login`, `/setup`, `/invite`) a double-submit token, which the form's
//!   page set in the `signet_csrf` cookie (`HttpOnly`, `SameSite=Strict`) and wrote into the
//!   form. A cross-site page can neither read that cookie nor make the browser send it, so it
//!   cannot sign a victim in to an account of its choosing;
//! - refuses a viewer's POST under `/app` (403);
//! - puts CSP and the other security headers on every answer.
//!
//! Multipart forms (uploads, later) carry the token as `?csrf=` in the form's action, so the
//! gate never buffers a file.

mod certificates;
mod documents;
mod documents_texts;
mod i18n;
mod pages;
mod run;
mod settings;
mod webhooks;
mod workflows;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use subtle::ConstantTimeEq;

pub use i18n::Texts;

use crate::domain::language::Language;
use crate::domain::users::Role;
use crate::service::{Actor, ServiceError};
use crate::state::AppState;
use crate::store::SessionRow;

const STYLE: &str = include_str!("../static/dashboard.css");
const ICON: &str = include_str!("../static/favicon.svg");
/// Hindi must read on a machine without a Devanagari font (many Linux desktops, this test
/// machine): the engine's own Noto Sans Devanagari (OFL), fetched only by pages that show
/// Devanagari (the style sheet's `unicode-range`).
const DEVANAGARI: &[u8] =
    include_bytes!("../../../../signet-pdf/fonts/NotoSansDevanagari-Regular.ttf");

/// As strict as the signing page's: nothing inline, nothing from elsewhere, and no script at
/// all. Forms may post only here.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub const SESSION_COOKIE: &str = "signet_session";
const CSRF_COOKIE: &str = "signet_csrf";
const LANG_COOKIE: &str = "signet_lang";
/// A form is a few fields, the largest the workflow editor's (up to 50 invitees with their
/// webhooks, headers and boxes): anything larger is not one of ours.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::root))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/setup", get(pages::setup_page).post(pages::setup))
        .route(
            "/invite",
            get(pages::invite_page).post(pages::accept_invite),
        )
        .route("/app", get(|| async { Redirect::to("/app/documents") }))
        .merge(documents::routes())
        .merge(workflows_routes())
        .route("/app/settings/api", get(settings::api_settings))
        .route("/app/settings/api/token", post(settings::generate_token))
        .route("/app/settings/api/salt", post(settings::reveal_salt))
        .route("/app/settings/certificates", post(settings::save_checks))
        .route("/app/users", get(pages::users))
        .route("/app/users/invite", post(pages::invite))
        .route("/app/users/{id}/role", post(pages::change_role))
        .route(
            "/app/users/{id}/remove",
            get(pages::confirm_remove).post(pages::remove_user),
        )
        .route_layer(axum::middleware::from_fn_with_state(state, gate))
        .route(
            "/static/dashboard.css",
            get(|| super::asset(STYLE, "text/css")),
        )
        .route(
            "/static/favicon.svg",
            get(|| super::asset(ICON, "image/svg+xml")),
        )
        .route(
            "/static/fonts/NotoSansDevanagari-Regular.ttf",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "font/ttf"),
                        (header::CACHE_CONTROL, "public, max-age=3600"),
                        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                    ],
                    DEVANAGARI,
                )
            }),
        )
}

/// The Workflows screens, the editor and Run.
fn workflows_routes() -> Router<AppState> {
    use workflows as w;
    Router::new()
        .route("/app/workflows", get(w::list))
        .route("/app/workflows/new", get(w::new_page).post(w::create))
        .route("/app/workflows/{id}", get(w::edit_page).post(w::update))
        .route("/app/workflows/{id}/archive", post(w::archive))
        .route("/app/workflows/{id}/clone", post(w::clone))
        .route("/app/workflows/{id}/payload", get(w::payload))
        .route("/app/workflows/{id}/run", get(run::run_page).post(run::run))
}

/// The language of this request.
#[derive(Clone, Copy)]
pub struct Lang(pub Language);

impl Lang {
    pub fn texts(self) -> &'static Texts {
        Texts::of(self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Lang>()
            .copied()
            .unwrap_or(Lang(Language::English)))
    }
}

/// The signed-in user of a dashboard request, with their role and account. Pages that take it
/// are only reached through the gate, which has sent anyone without a session to `/login`.
#[derive(Clone)]
pub struct DashboardUser(pub Arc<SessionRow>);

impl DashboardUser {
    pub fn actor(&self) -> Actor<'_> {
        Actor::User {
            account: &self.0.account,
            id: &self.0.user.id,
            name: &self.0.user.name,
            role: self.0.user.role,
        }
    }

    pub fn role(&self) -> Role {
        self.0.user.role
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DashboardUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<DashboardUser>()
            .cloned()
            .ok_or_else(|| Redirect::to("/login").into_response())
    }
}

/// The value of cookie `name` in the request, if it has one.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value. `Secure` when the server's public URL is https: browsers refuse
/// `Secure` cookies over plain http (a local test, a first start).
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: i64,
    strict: bool,
) -> HeaderValue {
    let secure = if state.config.public_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let same_site = if strict { "Strict" } else { "Lax" };
    let http_only = if strict { "; HttpOnly" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; SameSite={same_site}{http_only}{secure}"
    ))
    .expect("cookie values are URL-safe base64 or language tags")
}

fn language_of(parts: &Parts) -> (Language, bool) {
    let query = parts.uri.query().unwrap_or_default();
    let asked = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v);
    match asked {
        Some("hi") => return (Language::Hindi, true),
        Some("en") => return (Language::English, true),
        _ => {}
    }
    match cookie(&parts.headers, LANG_COOKIE) {
        Some("hi") => return (Language::Hindi, false),
        Some("en") => return (Language::English, false),
        _ => {}
    }
    (super::accept_language(&parts.headers), false)
}

/// Paths that need a session, and whose forms carry the session's CSRF token.
fn needs_session(path: &str) -> bool {
    path == "/app" || path.starts_with("/app/") || path == "/logout"
}

/// The `csrf` field of a urlencoded body, or of the query string.
fn csrf_field(data: &[u8]) -> Option<String> {
    url_pairs(data)
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
}

/// `application/x-www-form-urlencoded` pairs; none from a body that is not.
pub fn url_pairs(data: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(data).unwrap_or_default()
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The layer in front of every dashboard route (see the module's comment).
async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let (language, chosen) = language_of(&parts);
    let lang = Lang(language);
    parts.extensions.insert(lang);
    let mut res = match admit(&state, parts, body, lang).await {
        Ok(request) => next.run(request).await,
        Err(refused) => refused,
    };
    let h = res.headers_mut();
    if chosen {
        h.append(
            header::SET_COOKIE,
            set_cookie(
                &state,
                LANG_COOKIE,
                language_tag(language),
                365 * 24 * 3600,
                false,
            ),
        );
    }
    // A page that loads a script (the workflow editor) keeps its own, wider policy.
    let own_csp = h.get(header::CONTENT_SECURITY_POLICY).cloned();
    super::page_headers(h, CSP);
    if let Some(csp) = own_csp {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    res
}

fn language_tag(language: Language) -> &'static str {
    match language {
        Language::English => "en",
        Language::Hindi => "hi",
    }
}

/// Checks the request as the module's comment says; the request to run, or the refusal.
async fn admit(
    state: &AppState,
    mut parts: Parts,
    body: Body,
    lang: Lang,
) -> Result<Request, Response> {
    let now = state.clock.now_ms();
    let session = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) => crate::service::users::session(&state.store, token, now)
            .await
            .map_err(|e| pages::service_error(lang, e))?,
        None => None,
    };
    let path = parts.uri.path().to_string();
    if needs_session(&path) && session.is_none() {
        return Err(Redirect::to("/login").into_response());
    }
    if parts.method != Method::POST {
        if let Some(s) = session {
            parts.extensions.insert(DashboardUser(Arc::new(s)));
        }
        return Ok(Request::from_parts(parts, body));
    }
    let expected = match (&session, needs_session(&path)) {
        (Some(s), true) => s.csrf.clone(),
        _ => cookie(&parts.headers, CSRF_COOKIE)
            .unwrap_or_default()
            .to_string(),
    };
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (given, body) = if multipart {
        let query = parts.uri.query().unwrap_or_default().as_bytes();
        (csrf_field(query), body)
    } else {
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| pages::refusal(lang, StatusCode::PAYLOAD_TOO_LARGE, Refusal::Error))?;
        (csrf_field(&bytes), Body::from(bytes))
    };
    if !same(given.as_deref().unwrap_or_default(), &expected) {
        return Err(pages::refusal(lang, StatusCode::FORBIDDEN, Refusal::Csrf));
    }
    if let Some(s) = session {
        if path.starts_with("/app/") && !s.user.role.may_change() {
            return Err(pages::refusal(
                lang,
                StatusCode::FORBIDDEN,
                Refusal::Forbidden,
            ));
        }
        parts.extensions.insert(DashboardUser(Arc::new(s)));
    }
    Ok(Request::from_parts(parts, body))
}

/// Why a request gets an error page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Csrf,
    Forbidden,
    NotFound,
    Error,
}

/// Renders a template whose values are strings the template escapes: an error would be a
/// broken template, which the tests render.
pub fn html(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dashboard template");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

impl From<&ServiceError> for Refusal {
    fn from(e: &ServiceError) -> Refusal {
        match e {
            ServiceError::NotFound { .. } => Refusal::NotFound,
            ServiceError::Forbidden { .. } => Refusal::Forbidden,
            _ => Refusal::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_language_is_read_by_quality() {
        let mut h = HeaderMap::new();
        assert_eq!(crate::web::accept_language(&h), Language::English);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("hi-IN,hi;q=0.9,en;q=0.8"),
        );
        assert_eq!(crate::web::accept_language(&h), Language::Hindi);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("ta, en;q=0.5, hi;q=0.4"),
        );
        assert_eq!(crate::web::accept_language(&h), Language::English);
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr"));
        assert_eq!(crate::web::accept_language(&h), Language::English);
    }

    #[test]
    fn cookies_and_form_fields_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; signet_session=tok; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(csrf_field(b"email=a%40b&csrf=x%2By"), Some("x+y".into()));
        assert_eq!(csrf_field(b"email=a"), None);
        assert!(!same("", ""), "an empty token never matches");
        assert!(same("abc", "abc") && !same("abc", "abd"));
    }
}
