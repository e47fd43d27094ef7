//! The dashboard's pages and forms: each handler turns a form into a `service::users` command
//! and the outcome into a page or a redirect (POST, then redirect, then GET: reloading a page
//! never sends a form twice).

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{
    CSRF_COOKIE, DashboardUser, Lang, Refusal, SESSION_COOKIE, Texts, cookie, html, set_cookie,
};
use crate::domain::users::{Role, SESSIONS, TokenPurpose};
use crate::service::ServiceError;
use crate::service::users::{self as users_service, InvitationMailer, Invite};
use crate::state::AppState;
use crate::store::{Account, RenderedMail};

/// The frame every page shares: who is signed in, which section is current, and the
/// addresses of this page in each language.
pub struct Chrome {
    pub user: Option<ChromeUser>,
    pub section: &'static str,
    pub href_en: String,
    pub href_hi: String,
}

pub struct ChromeUser {
    pub name: String,
    pub account: String,
    pub csrf: String,
}

impl Chrome {
    pub fn new(uri: &Uri, user: Option<&DashboardUser>, section: &'static str) -> Chrome {
        Chrome {
            user: user.map(|u| ChromeUser {
                name: if u.0.user.name.is_empty() {
                    u.0.user.email.clone()
                } else {
                    u.0.user.name.clone()
                },
                account: u.0.account.name.clone(),
                csrf: u.0.csrf.clone(),
            }),
            section,
            href_en: with_lang(uri, "en"),
            href_hi: with_lang(uri, "hi"),
        }
    }
}

/// This page's address with `lang` set (and no notice: it was for the previous request).
fn with_lang(uri: &Uri, lang: &str) -> String {
    let kept: Vec<(String, String)> = super::url_pairs(uri.query().unwrap_or_default().as_bytes())
        .into_iter()
        .filter(|(k, _)| k != "lang" && k != "notice")
        .chain([("lang".to_string(), lang.to_string())])
        .collect();
    let query = serde_urlencoded::to_string(kept).unwrap_or_default();
    format!("{}?{query}", uri.path())
}

/// The address of a one-time link's page, for the language switch of a form sent back with
/// its error (the POST's own address has no token).
fn link_page(path: &str, token: &str) -> Uri {
    let query = serde_urlencoded::to_string([("token", token)]).unwrap_or_default();
    format!("{path}?{query}")
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/login"))
}

/// The signed-in user, if any, for pages open to everyone.
pub struct MaybeUser(Option<DashboardUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<DashboardUser>().cloned()))
    }
}

#[derive(Template)]
#[template(path = "dashboard/message.html")]
struct MessagePage {
    t: &'static Texts,
    chrome: Chrome,
    title: &'static str,
    text: &'static str,
}

/// An error page; its frame has no user (it may answer a request the gate refused).
pub fn refusal(lang: Lang, status: StatusCode, why: Refusal) -> Response {
    let t = lang.texts();
    let (title, text) = match why {
        Refusal::Csrf => (t.forbidden_title, t.csrf_text),
        Refusal::Forbidden => (t.forbidden_title, t.forbidden_text),
        Refusal::NotFound => (t.not_found_title, t.not_found_text),
        Refusal::Error => (t.error_title, t.error_text),
    };
    let page = MessagePage {
        t,
        chrome: Chrome {
            user: None,
            section: "",
            href_en: "/?lang=en".into(),
            href_hi: "/?lang=hi".into(),
        },
        title,
        text,
    };
    html(status, &page)
}

/// The page for a refusal that is not about a form's values.
pub fn service_error(lang: Lang, e: ServiceError) -> Response {
    let why = Refusal::from(&e);
    let status = match why {
        Refusal::Forbidden | Refusal::Csrf => StatusCode::FORBIDDEN,
        Refusal::NotFound => StatusCode::NOT_FOUND,
        Refusal::Error => {
            if let ServiceError::Internal(cause) = &e {
                tracing::error!(error = %cause, "internal error");
            }
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    refusal(lang, status, why)
}

/// A refusal of a form's values, in words for the form; anything else given back for its page.
pub(super) fn form_error(
    lang: Lang,
    e: ServiceError,
) -> Result<(StatusCode, String), ServiceError> {
    match &e {
        ServiceError::Refused { code, message } | ServiceError::Conflict { code, message } => {
            let status = if matches!(e, ServiceError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            let words = lang
                .texts()
                .error(code)
                .map_or_else(|| message.clone(), str::to_string);
            Ok((status, words))
        }
        _ => Err(e),
    }
}

/// The double-submit token of the forms used before a session exists: the browser's, or a
/// new one with the cookie that sets it.
fn pre_session_csrf(
    state: &AppState,
    headers: &HeaderMap,
) -> (String, Option<header::HeaderValue>) {
    match cookie(headers, CSRF_COOKIE).filter(|c| (20..=128).contains(&c.len())) {
        Some(c) => (c.to_string(), None),
        None => {
            let token = users_service::new_token();
            let set = set_cookie(state, CSRF_COOKIE, &token, 2 * 3600, true);
            (token, Some(set))
        }
    }
}

fn with_cookie(mut res: Response, set: Option<header::HeaderValue>) -> Response {
    if let Some(v) = set {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Starts the browser's session after sign-in or setup.
fn signed_in(state: &AppState, token: &str) -> Response {
    let mut res = Redirect::to("/app/documents").into_response();
    let max_age = SESSIONS.absolute_ms / 1000;
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, SESSION_COOKIE, token, max_age, true),
    );
    res
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
    token: String,
}

pub async fn root(MaybeUser(user): MaybeUser) -> Redirect {
    match user {
        Some(_) => Redirect::to("/app/documents"),
        None => Redirect::to("/login"),
    }
}

#[derive(Template)]
#[template(path = "dashboard/login.html")]
struct LoginPage<'a> {
    t: &'static Texts,
    chrome: Chrome,
    csrf: &'a str,
    email: &'a str,
    error: Option<String>,
    notice: Option<&'static str>,
}

pub async fn login_page(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeUser(user): MaybeUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if user.is_some() {
        return Redirect::to("/app/documents").into_response();
    }
    let t = lang.texts();
    let (csrf, set) = pre_session_csrf(&state, &headers);
    let notice = match q.notice.as_str() {
        "password_set" => Some(t.password_set),
        "signed_out" => Some(t.signed_out),
        _ => None,
    };
    let page = LoginPage {
        t,
        chrome: Chrome::new(&uri, None, ""),
        csrf: &csrf,
        email: "",
        error: None,
        notice,
    };
    with_cookie(html(StatusCode::OK, &page), set)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let now = state.clock.now_ms();
    let command = users_service::SignIn {
        email: &f.email,
        password: &f.password,
        replaces: cookie(&headers, SESSION_COOKIE),
    };
    match users_service::sign_in(&state.store, command, now).await {
        Ok(s) => signed_in(&state, &s.token),
        Err(e) => {
            let (status, error) = match form_error(lang, e) {
                Ok(x) => x,
                Err(e) => return service_error(lang, e),
            };
            let page = LoginPage {
                t: lang.texts(),
                chrome: Chrome::new(&uri, None, ""),
                csrf: &f.csrf,
                email: f.email.trim(),
                error: Some(error),
                notice: None,
            };
            html(status, &page)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    _user: DashboardUser,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = users_service::sign_out(&state.store, token).await
    {
        return service_error(lang, e);
    }
    let mut res = Redirect::to("/login?notice=signed_out").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", 0, true),
    );
    res
}

#[derive(Template)]
#[template(path = "dashboard/setup.html")]
struct SetupPage<'a> {
    t: &'static Texts,
    chrome: Chrome,
    csrf: &'a str,
    token: &'a str,
    account_name: &'a str,
    name: &'a str,
    email: &'a str,
    error: Option<String>,
}

fn link_gone(lang: Lang, text: fn(&Texts) -> &'static str) -> Response {
    let t = lang.texts();
    let page = MessagePage {
        t,
        chrome: Chrome {
            user: None,
            section: "",
            href_en: "/login?lang=en".into(),
            href_hi: "/login?lang=hi".into(),
        },
        title: t.not_found_title,
        text: text(t),
    };
    html(StatusCode::NOT_FOUND, &page)
}

pub async fn setup_page(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let now = state.clock.now_ms();
    match users_service::link_is_good(&state.store, &q.token, TokenPurpose::Setup, now).await {
        Ok(true) => {}
        Ok(false) => return link_gone(lang, |t| t.err_setup_link),
        Err(e) => return service_error(lang, e),
    }
    let (csrf, set) = pre_session_csrf(&state, &headers);
    let page = SetupPage {
        t: lang.texts(),
        chrome: Chrome::new(&uri, None, ""),
        csrf: &csrf,
        token: &q.token,
        account_name: "",
        name: "",
        email: "",
        error: None,
    };
    with_cookie(html(StatusCode::OK, &page), set)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetupForm {
    token: String,
    account_name: String,
    name: String,
    email: String,
    password: String,
    csrf: String,
}

pub async fn setup(
    State(state): State<AppState>,
    lang: Lang,
    Form(f): Form<SetupForm>,
) -> Response {
    let now = state.clock.now_ms();
    let command = users_service::Setup {
        token: f.token.clone(),
        account_name: f.account_name.clone(),
        name: f.name.clone(),
        email: f.email.clone(),
        password: f.password.clone(),
    };
    match users_service::setup(&state.store, command, now).await {
        Ok(s) => signed_in(&state, &s.token),
        Err(ServiceError::NotFound { .. }) => link_gone(lang, |t| t.err_setup_link),
        Err(e) => {
            let (status, error) = match form_error(lang, e) {
                Ok(x) => x,
                Err(e) => return service_error(lang, e),
            };
            let page = SetupPage {
                t: lang.texts(),
                chrome: Chrome::new(&link_page("/setup", &f.token), None, ""),
                csrf: &f.csrf,
                token: &f.token,
                account_name: &f.account_name,
                name: &f.name,
                email: &f.email,
                error: Some(error),
            };
            html(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/invite.html")]
struct InvitePage<'a> {
    t: &'static Texts,
    chrome: Chrome,
    csrf: &'a str,
    token: &'a str,
    name: &'a str,
    error: Option<String>,
}

pub async fn invite_page(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let now = state.clock.now_ms();
    match users_service::link_is_good(&state.store, &q.token, TokenPurpose::Invitation, now).await {
        Ok(true) => {}
        Ok(false) => return link_gone(lang, |t| t.err_invite_link),
        Err(e) => return service_error(lang, e),
    }
    let (csrf, set) = pre_session_csrf(&state, &headers);
    let page = InvitePage {
        t: lang.texts(),
        chrome: Chrome::new(&uri, None, ""),
        csrf: &csrf,
        token: &q.token,
        name: "",
        error: None,
    };
    with_cookie(html(StatusCode::OK, &page), set)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AcceptForm {
    token: String,
    name: String,
    password: String,
    csrf: String,
}

pub async fn accept_invite(
    State(state): State<AppState>,
    lang: Lang,
    Form(f): Form<AcceptForm>,
) -> Response {
    let now = state.clock.now_ms();
    let command = users_service::AcceptInvitation {
        token: f.token.clone(),
        name: f.name.clone(),
        password: f.password.clone(),
    };
    match users_service::accept_invitation(&state.store, command, now).await {
        Ok(_) => Redirect::to("/login?notice=password_set").into_response(),
        Err(ServiceError::NotFound { .. }) => link_gone(lang, |t| t.err_invite_link),
        Err(e) => {
            let (status, error) = match form_error(lang, e) {
                Ok(x) => x,
                Err(e) => return service_error(lang, e),
            };
            let page = InvitePage {
                t: lang.texts(),
                chrome: Chrome::new(&link_page("/invite", &f.token), None, ""),
                csrf: &f.csrf,
                token: &f.token,
                name: &f.name,
                error: Some(error),
            };
            html(status, &page)
        }
    }
}

/// One user as the list shows them.
struct UserLine {
    id: String,
    name: String,
    email: String,
    role: Role,
    role_name: &'static str,
    invited: bool,
    me: bool,
}

/// A role as a form's option.
struct RoleOption {
    value: &'static str,
    name: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard/users.html")]
struct UsersPage {
    t: &'static Texts,
    chrome: Chrome,
    users: Vec<UserLine>,
    roles: Vec<RoleOption>,
    admin: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    email: String,
    invite_role: &'static str,
    csrf: String,
}

async fn users_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    user: &DashboardUser,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<(String, String)>,
) -> Response {
    let t = lang.texts();
    let list = match users_service::users(&state.store, &user.actor()).await {
        Ok(l) => l,
        Err(e) => return service_error(lang, e),
    };
    let users = list
        .into_iter()
        .map(|u| UserLine {
            me: u.id == user.0.user.id,
            invited: u.password_hash.is_none(),
            role_name: t.role(u.role),
            role: u.role,
            id: u.id,
            name: u.name,
            email: u.email,
        })
        .collect();
    let (error, email) = match error {
        Some((message, email)) => (Some(message), email),
        None => (None, String::new()),
    };
    let page = UsersPage {
        t,
        chrome: Chrome::new(uri, Some(user), "users"),
        users,
        roles: Role::ALL
            .into_iter()
            .map(|r| RoleOption {
                value: r.as_str(),
                name: t.role(r),
            })
            .collect(),
        admin: user.role().may_manage_users(),
        notice,
        error,
        email,
        invite_role: Role::Sender.as_str(),
        csrf: user.0.csrf.clone(),
    };
    html(status, &page)
}

pub async fn users(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let t = lang.texts();
    let notice = match q.notice.as_str() {
        "invited" => Some(t.notice_invited),
        "role" => Some(t.notice_role),
        "removed" => Some(t.notice_removed),
        _ => None,
    };
    users_page(&state, lang, &uri, &user, StatusCode::OK, notice, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    role: String,
}

/// Writes the set-password mail with this server's public URL.
struct Mailer<'a> {
    public_url: &'a str,
}

impl InvitationMailer for Mailer<'_> {
    fn write(&self, c: &Invite, account: &Account, inviter: &str, token: &str) -> RenderedMail {
        let link = format!("{}/invite?token={token}", self.public_url);
        let role = Texts::of(c.language).role(c.role);
        crate::notify::user_invitation_mail(
            c.language,
            &c.email,
            inviter,
            &account.name,
            role,
            &link,
            crate::domain::users::INVITATION_TTL_MS / 3_600_000,
        )
    }
}

fn role_of(field: &str) -> Result<Role, ServiceError> {
    Role::parse(field).ok_or_else(|| ServiceError::refused("user.role.invalid", "no such role"))
}

/// After a users form: back to the list with a notice, or the list with the refusal.
async fn after_users_form(
    state: &AppState,
    lang: Lang,
    user: &DashboardUser,
    outcome: Result<(), ServiceError>,
    notice: &str,
    email: &str,
) -> Response {
    match outcome {
        Ok(()) => Redirect::to(&format!("/app/users?notice={notice}")).into_response(),
        Err(e) => match form_error(lang, e) {
            Ok((status, message)) => {
                let list = Uri::from_static("/app/users");
                users_page(
                    state,
                    lang,
                    &list,
                    user,
                    status,
                    None,
                    Some((message, email.to_string())),
                )
                .await
            }
            Err(e) => service_error(lang, e),
        },
    }
}

pub async fn invite(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Form(f): Form<InviteForm>,
) -> Response {
    let now = state.clock.now_ms();
    let outcome = async {
        let role = role_of(&f.role)?;
        let public_url = state.config.public_url();
        let mailer = Mailer {
            public_url: &public_url,
        };
        let command = Invite {
            email: f.email.clone(),
            role,
            language: lang.0,
        };
        users_service::invite(&state.store, &user.actor(), &mailer, command, now)
            .await
            .map(|_| ())
    }
    .await;
    after_users_form(&state, lang, &user, outcome, "invited", f.email.trim()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
    Form(f): Form<RoleForm>,
) -> Response {
    let outcome = async {
        let role = role_of(&f.role)?;
        let command = users_service::ChangeRole { user_id: id, role };
        users_service::change_role(&state.store, &user.actor(), command).await
    }
    .await;
    after_users_form(&state, lang, &user, outcome, "role", "").await
}

#[derive(Template)]
#[template(path = "dashboard/remove.html")]
struct RemovePage {
    t: &'static Texts,
    chrome: Chrome,
    id: String,
    who: String,
    csrf: String,
}

/// Removing has no undo: the list links here, and this page's form removes.
pub async fn confirm_remove(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Response {
    if !user.role().may_manage_users() {
        return refusal(lang, StatusCode::FORBIDDEN, Refusal::Forbidden);
    }
    let list = match users_service::users(&state.store, &user.actor()).await {
        Ok(l) => l,
        Err(e) => return service_error(lang, e),
    };
    let Some(target) = list.into_iter().find(|u| u.id == id) else {
        return refusal(lang, StatusCode::NOT_FOUND, Refusal::NotFound);
    };
    let who = if target.name.is_empty() {
        target.email
    } else {
        format!("{} ({})", target.name, target.email)
    };
    let page = RemovePage {
        t: lang.texts(),
        chrome: Chrome::new(&uri, Some(&user), "users"),
        id: target.id,
        who,
        csrf: user.0.csrf.clone(),
    };
    html(StatusCode::OK, &page)
}

pub async fn remove_user(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Response {
    let now = state.clock.now_ms();
    let command = users_service::RemoveUser { user_id: id };
    let outcome = users_service::remove_user(&state.store, &user.actor(), command, now).await;
    after_users_form(&state, lang, &user, outcome, "removed", "").await
}
