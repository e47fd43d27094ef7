//! The Documents screens (API.md section 12): the account's documents, and one document with
//! its invitees, history and webhook deliveries. Every action is the API's own operation
//! (`service::lifecycle`) with the signed-in user as the actor, then a redirect back with a
//! notice, or the page again with the refusal in words.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::certificates::{self, CertificateView};
use super::documents_texts::DocsTexts;
use super::i18n::certificates::CertTexts;
use super::pages::{Chrome, refusal, service_error};
use super::{DashboardUser, Lang, Refusal, Texts, html};
use crate::domain::status::DocumentStatus;
use crate::domain::workflow::InviteeType;
use crate::service::ServiceError;
use crate::service::lifecycle::{self, ResendOutcome};
use crate::service::seal::sealed_audit_trail;
use crate::state::AppState;
use crate::store::{DeliveryFilter, DeliveryRow, DocumentRow, InvitationRow, Search};

/// A page of the list: enough to scan, small enough to answer fast on any account.
pub(super) const PAGE: i64 = 20;
/// A document page shows its newest deliveries; the Webhooks screen has them all.
const DOCUMENT_DELIVERIES: i64 = 50;
const MAX_SEARCH_CHARS: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/documents", get(list))
        .route("/app/documents/{id}", get(document))
        .route("/app/documents/{id}/signed.pdf", get(download_signed))
        .route("/app/documents/{id}/audit-trail.pdf", get(download_audit))
        .route("/app/documents/{id}/complete", post(complete))
        .route("/app/documents/{id}/reactivate", post(reactivate))
        .route(
            "/app/documents/{id}/delete",
            get(confirm_delete).post(delete),
        )
        .route(
            "/app/documents/{id}/invitations/{invitation}/{action}",
            post(invitation_action),
        )
        .merge(super::webhooks::routes())
}

/// `n` with Indian digit grouping: 1,00,000.
pub(super) fn indian(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    if digits.len() <= 3 {
        return format!("{sign}{digits}");
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    let mut groups: Vec<&str> = vec![];
    let mut rest = head;
    while rest.len() > 2 {
        let (a, b) = rest.split_at(rest.len() - 2);
        groups.push(b);
        rest = a;
    }
    groups.push(rest);
    groups.reverse();
    format!("{sign}{},{last3}", groups.join(","))
}

/// A time as details writes it, in the server's zone (`SIGNET_TIMEZONE`).
pub(super) fn time_of(state: &AppState, ms: i64) -> String {
    state.zone.time(ms)
}

/// A path's id as the store could have made it; anything else is no document of anyone's.
pub(super) fn plausible_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `path` with `notice` set in its query (and any earlier notice gone).
pub(super) fn with_notice(path: &str, notice: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let kept: Vec<(String, String)> = super::url_pairs(query.as_bytes())
        .into_iter()
        .filter(|(k, _)| k != "notice")
        .chain([("notice".to_string(), notice.to_string())])
        .collect();
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

/// A page's number from the query: 1 when absent.
pub(super) fn page_number(field: &str) -> Option<i64> {
    match field.trim() {
        "" => Some(1),
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p)),
    }
}

#[derive(Template)]
#[template(path = "dashboard/message.html")]
pub(super) struct MessagePage<'a> {
    pub t: &'static Texts,
    pub chrome: Chrome,
    pub title: &'a str,
    pub text: &'a str,
}

/// A request the page cannot answer as asked, in words (nothing was changed).
pub(super) fn bad_request(lang: Lang, uri: &Uri, user: &DashboardUser, text: &str) -> Response {
    let t = lang.texts();
    let page = MessagePage {
        t,
        chrome: Chrome::new(uri, Some(user), ""),
        title: t.problem,
        text,
    };
    html(StatusCode::BAD_REQUEST, &page)
}

struct FilterLink {
    label: &'static str,
    href: String,
    count: String,
    current: bool,
}

struct DocumentLine {
    id: String,
    name: String,
    irn: String,
    status: &'static str,
    created: String,
    progress: String,
}

#[derive(Template)]
#[template(path = "dashboard/documents.html")]
struct ListPage {
    t: &'static Texts,
    d: &'static DocsTexts,
    chrome: Chrome,
    filters: Vec<FilterLink>,
    status: &'static str,
    q: String,
    documents: Vec<DocumentLine>,
    showing: String,
    previous: Option<String>,
    next: Option<String>,
    notice: Option<&'static str>,
    zone: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    q: String,
    page: String,
    notice: String,
}

/// The list's address for these filters (page 1 left out).
fn list_href(status: &str, q: &str, page: i64) -> String {
    let mut pairs: Vec<(&str, String)> = vec![];
    if status != "all" {
        pairs.push(("status", status.to_string()));
    }
    if !q.is_empty() {
        pairs.push(("q", q.to_string()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    if pairs.is_empty() {
        return "/app/documents".into();
    }
    format!(
        "/app/documents?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

async fn list(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Query(query): Query<ListQuery>,
) -> Response {
    let t = lang.texts();
    let d = t.docs;
    let (status_key, status) = match query.status.trim().to_ascii_lowercase().as_str() {
        "" | "all" => ("all", None),
        "sent" => ("sent", Some(DocumentStatus::Sent)),
        "completed" => ("completed", Some(DocumentStatus::Completed)),
        "expired" => ("expired", Some(DocumentStatus::Expired)),
        _ => return bad_request(lang, &uri, &user, d.err_status),
    };
    let Some(page) = page_number(&query.page) else {
        return bad_request(lang, &uri, &user, d.err_page);
    };
    let q = query.q.trim();
    if q.chars().count() > MAX_SEARCH_CHARS {
        return bad_request(lang, &uri, &user, d.err_search);
    }
    let account = &user.0.account.id;
    let search = (!q.is_empty()).then_some(Search {
        text: q,
        // Only a text that can be an address is looked for among the invitees: the lookup
        // costs a walk of the account's documents on PostgreSQL when nothing matches.
        invitee_email: q.contains('@'),
    });
    let offset = (page - 1) * PAGE;
    let (listed, counts) = tokio::join!(
        state
            .store
            .list_documents(account, status, search, PAGE, offset),
        state.store.status_counts(account),
    );
    let ((rows, total), counts) = match (listed, counts) {
        (Ok(l), Ok(c)) => (l, c),
        (Err(e), _) | (_, Err(e)) => return service_error(lang, e.into()),
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let progress = match state.store.progress_of(&ids).await {
        Ok(p) => p,
        Err(e) => return service_error(lang, e.into()),
    };
    let count = |s: Option<DocumentStatus>| -> i64 {
        counts
            .iter()
            .filter(|(status, _)| s.is_none_or(|s| s == *status))
            .map(|(_, n)| n)
            .sum()
    };
    let filters = [
        ("all", d.all, None),
        ("sent", d.sent, Some(DocumentStatus::Sent)),
        ("completed", d.completed, Some(DocumentStatus::Completed)),
        ("expired", d.expired, Some(DocumentStatus::Expired)),
    ]
    .into_iter()
    .map(|(key, label, s)| FilterLink {
        label,
        href: list_href(key, q, 1),
        count: indian(count(s)),
        current: key == status_key,
    })
    .collect();
    let documents = rows
        .iter()
        .map(|r| {
            let p = progress.get(&r.id).copied().unwrap_or_default();
            DocumentLine {
                id: r.id.clone(),
                name: r.name.clone(),
                irn: r.irn.clone().unwrap_or_default(),
                status: d.document_status(r.status),
                created: time_of(&state, r.created_at),
                progress: d.progress(&indian(p.acted), &indian(p.invitees)),
            }
        })
        .collect();
    let shown = rows.len() as i64;
    let showing = if shown == 0 {
        String::new()
    } else {
        d.showing(&indian(offset + 1), &indian(offset + shown), &indian(total))
    };
    let notice = match query.notice.as_str() {
        "deleted" => Some(d.notice_deleted),
        _ => None,
    };
    let page_view = ListPage {
        t,
        d,
        chrome: Chrome::new(&uri, Some(&user), "documents"),
        filters,
        status: status_key,
        q: q.to_string(),
        documents,
        showing,
        previous: (page > 1).then(|| list_href(status_key, q, page - 1)),
        next: (offset + shown < total).then(|| list_href(status_key, q, page + 1)),
        notice,
        zone: state.zone.name().to_string(),
    };
    html(StatusCode::OK, &page_view)
}

struct InviteeLine {
    id: String,
    order: i64,
    name: String,
    email: String,
    role: &'static str,
    status: &'static str,
    sent: String,
    acted: String,
    expires: String,
    link: Option<String>,
    resend: bool,
    activate: bool,
    delete: bool,
}

struct EventLine {
    time: String,
    actor: String,
    action: String,
    details: String,
}

pub(super) struct AttemptLine {
    pub number: i64,
    pub time: String,
    pub outcome: String,
    pub duration: String,
}

pub(super) struct DeliveryLine {
    pub id: String,
    pub document_id: String,
    pub event: String,
    pub url: String,
    pub state: &'static str,
    pub created: String,
    pub next_attempt: Option<String>,
    pub attempts: Vec<AttemptLine>,
}

pub(super) fn delivery_line(state: &AppState, d: &DocsTexts, row: &DeliveryRow) -> DeliveryLine {
    let words = match row.state.as_str() {
        "delivered" => d.delivered,
        "dead" => d.failed,
        _ if row.attempts.is_empty() => d.pending,
        _ => d.retrying,
    };
    DeliveryLine {
        id: row.id.clone(),
        document_id: row.document_id.clone(),
        event: row.event.clone(),
        url: row.url.clone(),
        state: words,
        created: time_of(state, row.created_at),
        next_attempt: row
            .next_attempt_at
            .filter(|_| row.state == "pending")
            .map(|at| time_of(state, at)),
        attempts: row
            .attempts
            .iter()
            .map(|a| AttemptLine {
                number: a.number,
                time: time_of(state, a.time),
                outcome: match (a.http_status, &a.error) {
                    (Some(s), Some(e)) => format!("HTTP {s}: {e}"),
                    (Some(s), None) => format!("HTTP {s}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "—".into(),
                },
                duration: format!("{} {}", indian(a.duration_ms), d.ms),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "dashboard/document.html")]
struct DocumentPage {
    t: &'static Texts,
    d: &'static DocsTexts,
    chrome: Chrome,
    id: String,
    name: String,
    irn: String,
    status: &'static str,
    created: String,
    completed: Option<String>,
    zone: String,
    audit: bool,
    may_change: bool,
    complete: bool,
    reactivate: bool,
    expiry_days: String,
    invitees: Vec<InviteeLine>,
    c: &'static CertTexts,
    certificates: Vec<CertificateView>,
    events: Vec<EventLine>,
    deliveries: Vec<DeliveryLine>,
    back: String,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// The account's document that is not deleted, with its invitations; `None` otherwise.
async fn load(
    state: &AppState,
    user: &DashboardUser,
    id: &str,
) -> Result<Option<(DocumentRow, Vec<InvitationRow>)>, ServiceError> {
    if !plausible_id(id) {
        return Ok(None);
    }
    Ok(state
        .store
        .document_with_invitations(&user.0.account.id, id)
        .await?
        .filter(|(doc, _)| !doc.deleted))
}

async fn document_page(
    state: &AppState,
    lang: Lang,
    user: &DashboardUser,
    id: &str,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Response {
    let t = lang.texts();
    let d = t.docs;
    let (doc, invitations) = match load(state, user, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return refusal(lang, StatusCode::NOT_FOUND, Refusal::NotFound),
        Err(e) => return service_error(lang, e),
    };
    let account = &user.0.account.id;
    let (events, deliveries) = tokio::join!(
        state.store.events_of(&doc.id),
        state.store.delivery_page(
            account,
            Some(&doc.id),
            DeliveryFilter::All,
            DOCUMENT_DELIVERIES,
            0
        ),
    );
    let (events, deliveries) = match (events, deliveries) {
        (Ok(e), Ok(w)) => (e, w),
        (Err(e), _) | (_, Err(e)) => return service_error(lang, e.into()),
    };
    let workflow = lifecycle::workflow_of(&invitations).ok();
    let may_change = user.role().may_change();
    let public_url = state.config.public_url();
    let invitees = invitations
        .iter()
        .map(|i| {
            let possible = lifecycle::invitation_actions(state, i);
            let kind = workflow
                .as_ref()
                .and_then(|w| w.invitees.get(i.slot as usize))
                .map_or(InviteeType::Signer, |s| s.invitee_type);
            InviteeLine {
                id: i.id.clone(),
                order: i.slot + 1,
                name: i.name.clone(),
                email: i.email.clone().unwrap_or_default(),
                role: d.invitee_type(kind),
                status: d.invitation_status(i.status, i.active, i.deleted),
                sent: time_of(state, i.created_at),
                acted: i.signed_at.map(|at| time_of(state, at)).unwrap_or_default(),
                expires: time_of(state, i.expires_at),
                // The link is a credential: only those who may act on the document see it.
                link: (may_change && !i.deleted).then(|| format!("{public_url}/sign/{}", i.id)),
                resend: may_change && possible.resend,
                activate: may_change && possible.activate,
                delete: may_change && possible.delete,
            }
        })
        .collect();
    let possible = lifecycle::document_actions(state, &doc, &invitations);
    let path = format!("/app/documents/{}", doc.id);
    let uri: Uri = path.parse().unwrap_or_else(|_| Uri::from_static("/app"));
    let page = DocumentPage {
        t,
        d,
        chrome: Chrome::new(&uri, Some(user), "documents"),
        name: doc.name.clone(),
        irn: doc.irn.clone().unwrap_or_default(),
        status: d.document_status(doc.status),
        created: time_of(state, doc.created_at),
        completed: doc.completed_at.map(|at| time_of(state, at)),
        zone: state.zone.name().to_string(),
        audit: doc.status == DocumentStatus::Completed,
        may_change,
        complete: may_change && possible.complete,
        reactivate: may_change && possible.reactivate,
        expiry_days: workflow
            .as_ref()
            .map(|w| w.expiry_days.to_string())
            .unwrap_or_default(),
        invitees,
        c: t.cert,
        certificates: certificates::views(t.cert, &invitations, workflow.as_ref()),
        events: events
            .into_iter()
            .map(|e| EventLine {
                time: time_of(state, e.time),
                actor: e.actor,
                action: e.action,
                details: e.details,
            })
            .collect(),
        deliveries: deliveries
            .iter()
            .map(|w| delivery_line(state, d, w))
            .collect(),
        back: path,
        csrf: user.0.csrf.clone(),
        notice,
        error,
        id: doc.id,
    };
    html(status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

async fn document(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let d = lang.texts().docs;
    let notice = match q.notice.as_str() {
        "resent" => Some(d.notice_resent),
        "activated" => Some(d.notice_activated),
        "invitation_deleted" => Some(d.notice_invitation_deleted),
        "completed" => Some(d.notice_completed),
        "reactivated" => Some(d.notice_reactivated),
        "redelivered" => Some(d.notice_redelivered),
        _ => None,
    };
    document_page(&state, lang, &user, &id, StatusCode::OK, notice, None).await
}

/// After an action: back to the document with a notice, or its page with the refusal in
/// words; what the account does not have is not found.
async fn after_action(
    state: &AppState,
    lang: Lang,
    user: &DashboardUser,
    id: &str,
    outcome: Result<(), ServiceError>,
    notice: &str,
) -> Response {
    let e = match outcome {
        Ok(()) => {
            return Redirect::to(&with_notice(&format!("/app/documents/{id}"), notice))
                .into_response();
        }
        Err(e) => e,
    };
    let status = match &e {
        ServiceError::Refused { .. } => StatusCode::BAD_REQUEST,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        _ => return service_error(lang, e),
    };
    let (ServiceError::Refused { code, message } | ServiceError::Conflict { code, message }) = &e
    else {
        unreachable!("matched above");
    };
    let words = lang
        .texts()
        .docs
        .error(code)
        .map_or_else(|| message.clone(), str::to_string);
    document_page(state, lang, user, id, status, None, Some(words)).await
}

fn not_found() -> ServiceError {
    ServiceError::not_found("no.document.found", "no such document")
}

async fn invitation_action(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path((id, invitation, action)): Path<(String, String, String)>,
) -> Response {
    // The invitation must be this document's: an address names one thing or nothing.
    let owned = match load(&state, &user, &id).await {
        Ok(Some((_, invitations))) => invitations.iter().any(|i| i.id == invitation && !i.deleted),
        Ok(None) => false,
        Err(e) => return service_error(lang, e),
    };
    if !owned {
        return service_error(lang, not_found());
    }
    let actor = user.actor();
    let sign_url = Some(invitation.clone());
    let (outcome, notice) = match action.as_str() {
        "resend" => {
            let command = lifecycle::Resend {
                sign_urls: vec![invitation.clone()],
            };
            let outcome = match lifecycle::resend(&state, &actor, command).await {
                Ok(resent) => match resent.into_iter().next().map(|r| r.outcome) {
                    Some(ResendOutcome::Sent(_)) => Ok(()),
                    Some(ResendOutcome::Refused(_, code, reason)) => {
                        Err(ServiceError::conflict(code, reason))
                    }
                    Some(ResendOutcome::Unknown) | None => Err(not_found()),
                },
                Err(e) => Err(e),
            };
            (outcome, "resent")
        }
        "activate" => (
            lifecycle::activate(&state, &actor, lifecycle::Activate { sign_url }).await,
            "activated",
        ),
        "delete" => (
            lifecycle::delete_invitation(&state, &actor, lifecycle::DeleteInvitation { sign_url })
                .await,
            "invitation_deleted",
        ),
        _ => return refusal(lang, StatusCode::NOT_FOUND, Refusal::NotFound),
    };
    after_action(&state, lang, &user, &id, outcome, notice).await
}

async fn complete(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Response {
    let outcome = match lifecycle::document_id(Some(&id)) {
        Ok(document_id) => {
            let command = lifecycle::Complete { document_id };
            lifecycle::complete(&state, &user.actor(), command).await
        }
        Err(e) => Err(e),
    };
    after_action(&state, lang, &user, &id, outcome, "completed").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReactivateForm {
    expiry_days: String,
}

async fn reactivate(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
    Form(f): Form<ReactivateForm>,
) -> Response {
    let expiry_days = match f.expiry_days.trim() {
        "" => None,
        days => match days.parse::<i64>() {
            Ok(days) => Some(days),
            Err(_) => {
                let refused = ServiceError::refused("expiry.days.invalid", "expiryDays");
                return after_action(&state, lang, &user, &id, Err(refused), "").await;
            }
        },
    };
    let outcome = match lifecycle::document_id(Some(&id)) {
        Ok(document_id) => {
            let command = lifecycle::Reactivate {
                document_id,
                expiry_time: None,
                expiry_days,
            };
            lifecycle::reactivate(&state, &user.actor(), command)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    after_action(&state, lang, &user, &id, outcome, "reactivated").await
}

#[derive(Template)]
#[template(path = "dashboard/delete_document.html")]
struct DeletePage {
    t: &'static Texts,
    d: &'static DocsTexts,
    chrome: Chrome,
    id: String,
    name: String,
    csrf: String,
}

/// Deleting has no undo: the document page links here, and this page's form deletes.
async fn confirm_delete(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Response {
    if !user.role().may_change() {
        return refusal(lang, StatusCode::FORBIDDEN, Refusal::Forbidden);
    }
    let doc = match load(&state, &user, &id).await {
        Ok(Some((doc, _))) => doc,
        Ok(None) => return service_error(lang, not_found()),
        Err(e) => return service_error(lang, e),
    };
    let t = lang.texts();
    let page = DeletePage {
        t,
        d: t.docs,
        chrome: Chrome::new(&uri, Some(&user), "documents"),
        id: doc.id,
        name: doc.name,
        csrf: user.0.csrf.clone(),
    };
    html(StatusCode::OK, &page)
}

async fn delete(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Response {
    let deleted = match lifecycle::document_id(Some(&id)) {
        Ok(document_id) => {
            let command = lifecycle::DeleteDocument { document_id };
            lifecycle::delete_document(&state, &user.actor(), command).await
        }
        Err(e) => Err(e),
    };
    match deleted {
        Ok(()) => Redirect::to("/app/documents?notice=deleted").into_response(),
        Err(e) => after_action(&state, lang, &user, &id, Err(e), "").await,
    }
}

/// A stored PDF as a download named `filename`.
async fn pdf_download(state: &AppState, lang: Lang, key: &str, filename: &str) -> Response {
    match crate::api::files::pdf_answer(&state.blobs, key).await {
        Ok(mut res) => {
            let disposition = format!("attachment; filename=\"{filename}\"");
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => {
            tracing::warn!(key, error = ?e, "a dashboard download found no file");
            refusal(lang, StatusCode::NOT_FOUND, Refusal::NotFound)
        }
    }
}

/// The current version, streamed after the session's account is checked (no file URL is
/// handed out).
async fn download_signed(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &user, &id).await {
        Ok(Some((doc, _))) => {
            pdf_download(&state, lang, &doc.file_key, &format!("{}.pdf", doc.id)).await
        }
        Ok(None) => service_error(lang, not_found()),
        Err(e) => service_error(lang, e),
    }
}

async fn download_audit(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Response {
    let doc = match load(&state, &user, &id).await {
        Ok(Some((doc, _))) if doc.status == DocumentStatus::Completed => doc,
        Ok(_) => return service_error(lang, not_found()),
        Err(e) => return service_error(lang, e),
    };
    match sealed_audit_trail(&state, &doc).await {
        Ok(key) => {
            let name = format!("{}-audit-trail.pdf", doc.id);
            pdf_download(&state, lang, &key, &name).await
        }
        Err(e) => service_error(lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_the_indian_way() {
        assert_eq!(indian(0), "0");
        assert_eq!(indian(999), "999");
        assert_eq!(indian(1000), "1,000");
        assert_eq!(indian(100_000), "1,00,000");
        assert_eq!(indian(12_345_678), "1,23,45,678");
        assert_eq!(indian(-1_234), "-1,234");
    }

    #[test]
    fn addresses_keep_their_filters() {
        assert_eq!(list_href("all", "", 1), "/app/documents");
        assert_eq!(
            list_href("sent", "a b&c", 3),
            "/app/documents?status=sent&q=a+b%26c&page=3"
        );
        assert_eq!(
            with_notice("/app/webhooks?filter=failed&notice=x", "redelivered"),
            "/app/webhooks?filter=failed&notice=redelivered"
        );
        assert_eq!(page_number(""), Some(1));
        assert_eq!(page_number("0"), None);
        assert_eq!(page_number("x"), None);
        assert!(plausible_id("ABC123") && !plausible_id("../x") && !plausible_id(""));
    }
}
