//! The Webhooks screen (API.md section 12): every delivery of the account with its attempts,
//! and redeliver, the store's delivery log as the API's `/api/signet/webhooks` reads it.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::documents::{
    DeliveryLine, PAGE, bad_request, delivery_line, page_number, plausible_id, with_notice,
};
use super::documents_texts::DocsTexts;
use super::pages::{Chrome, refusal, service_error};
use super::{DashboardUser, Lang, Refusal, Texts, html};
use crate::state::AppState;
use crate::store::DeliveryFilter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/webhooks", get(list))
        .route("/app/webhooks/{id}/redeliver", post(redeliver))
}

struct FilterLink {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "dashboard/webhooks.html")]
struct WebhooksPage {
    t: &'static Texts,
    d: &'static DocsTexts,
    chrome: Chrome,
    filters: Vec<FilterLink>,
    deliveries: Vec<DeliveryLine>,
    previous: Option<String>,
    next: Option<String>,
    may_change: bool,
    back: String,
    csrf: String,
    notice: Option<&'static str>,
    zone: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    filter: String,
    page: String,
    notice: String,
}

fn list_href(filter: &str, page: i64) -> String {
    match (filter, page) {
        ("all", 1) => "/app/webhooks".into(),
        ("all", p) => format!("/app/webhooks?page={p}"),
        (f, 1) => format!("/app/webhooks?filter={f}"),
        (f, p) => format!("/app/webhooks?filter={f}&page={p}"),
    }
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
    let (key, filter) = match query.filter.trim().to_ascii_lowercase().as_str() {
        "" | "all" => ("all", DeliveryFilter::All),
        "delivered" => ("delivered", DeliveryFilter::State("delivered")),
        "failed" => ("failed", DeliveryFilter::Failed),
        _ => return bad_request(lang, &uri, &user, d.err_filter),
    };
    let Some(page) = page_number(&query.page) else {
        return bad_request(lang, &uri, &user, d.err_page);
    };
    let offset = (page - 1) * PAGE;
    // One more than a page tells whether there is a next one, without counting them all.
    let mut rows = match state
        .store
        .delivery_page(&user.0.account.id, None, filter, PAGE + 1, offset)
        .await
    {
        Ok(rows) => rows,
        Err(e) => return service_error(lang, e.into()),
    };
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let filters = [
        ("all", d.all),
        ("delivered", d.delivered),
        ("failed", d.failed),
    ]
    .into_iter()
    .map(|(k, label)| FilterLink {
        label,
        href: list_href(k, 1),
        current: k == key,
    })
    .collect();
    let back = match uri.query() {
        Some(q) => format!("/app/webhooks?{q}"),
        None => "/app/webhooks".into(),
    };
    let notice = (query.notice == "redelivered").then_some(d.notice_redelivered);
    let page_view = WebhooksPage {
        t,
        d,
        chrome: Chrome::new(&uri, Some(&user), "webhooks"),
        filters,
        deliveries: rows.iter().map(|r| delivery_line(&state, d, r)).collect(),
        previous: (page > 1).then(|| list_href(key, page - 1)),
        next: more.then(|| list_href(key, page + 1)),
        may_change: user.role().may_change(),
        back,
        csrf: user.0.csrf.clone(),
        notice,
        zone: state.zone.name().to_string(),
    };
    html(StatusCode::OK, &page_view)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RedeliverForm {
    back: String,
}

/// Where a form may send the browser back to: a dashboard page of this site, nothing else.
fn safe_back(back: &str) -> &str {
    let ours = back.starts_with("/app/")
        && !back.contains("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if ours { back } else { "/app/webhooks" }
}

/// Sends a delivery again now, with the same id and body (the store's redeliver, as the
/// API's).
async fn redeliver(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(id): Path<String>,
    Form(f): Form<RedeliverForm>,
) -> Response {
    if !plausible_id(&id) {
        return refusal(lang, StatusCode::NOT_FOUND, Refusal::NotFound);
    }
    match crate::service::webhooks::redeliver(&state, &user.actor(), &id).await {
        Ok(_) => Redirect::to(&with_notice(safe_back(&f.back), "redelivered")).into_response(),
        Err(e) => service_error(lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_send_back_only_to_dashboard_pages() {
        assert_eq!(safe_back("/app/documents/X1"), "/app/documents/X1");
        assert_eq!(
            safe_back("/app/webhooks?filter=failed"),
            "/app/webhooks?filter=failed"
        );
        for outside in [
            "https://evil.example/",
            "//evil.example",
            "/app/\\x",
            "/login",
            "",
        ] {
            assert_eq!(safe_back(outside), "/app/webhooks", "{outside}");
        }
        assert_eq!(list_href("failed", 2), "/app/webhooks?filter=failed&page=2");
    }
}
