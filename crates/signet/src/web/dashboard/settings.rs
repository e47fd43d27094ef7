//! API settings (`/app/settings/api`): what an integration needs to call Signet (the base URL,
//! a working curl example), and for admins a new token (shown once) and the private salt (after
//! the password again), through `service::api_access`. The same page holds the account's
//! certificate checks (`service::certificate_settings`: what a failed check does, the
//! smart-name pass mark; admins change them, everyone sees them) and lists its organisation
//! certificates (`service::doc_signers::list`, nothing secret in a row).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::certificates::CertTexts;
use super::pages::{Chrome, form_error, service_error};
use super::{DashboardUser, Lang, Texts, html};
use crate::domain::language::Language;
use crate::service::{ServiceError, api_access, certificate_settings, doc_signers};
use crate::state::AppState;
use crate::store::{VerificationFailure, VerificationSettings};

const PATH: &str = "/app/settings/api";

/// The screen's words, in each language.
pub struct ApiTexts {
    pub intro: &'static str,
    pub base_url: &'static str,
    pub example: &'static str,
    pub example_intro: &'static str,
    pub token_heading: &'static str,
    pub token_intro: &'static str,
    pub generate_token: &'static str,
    pub new_token: &'static str,
    pub new_token_once: &'static str,
    pub salt_heading: &'static str,
    pub salt_intro: &'static str,
    pub reveal_salt: &'static str,
    pub salt: &'static str,
    pub admins_only: &'static str,
    pub err_password: &'static str,
}

pub static EN: ApiTexts = ApiTexts {
    intro: "Integrations call Signet's Leegality-compatible API with the account's token in the X-Auth-Token header.",
    base_url: "API base URL",
    example: "Example",
    example_intro: "The details of a document, with your token in place of $TOKEN:",
    token_heading: "API token",
    token_intro: "Generating a new token stops the old one at once: update your integrations.",
    generate_token: "Generate new token",
    new_token: "New token",
    new_token_once: "Copy it now: it is shown only this once, and Signet keeps only its hash.",
    salt_heading: "Private salt",
    salt_intro: "Your webhook receivers check each webhook's mac and webhook-signature with it. Enter your password to see it.",
    reveal_salt: "Reveal private salt",
    salt: "Private salt",
    admins_only: "Only an admin of this account can generate a token or see the private salt.",
    err_password: "That is not your password.",
};

pub static HI: ApiTexts = ApiTexts {
    intro: "इंटीग्रेशन Signet के Leegality-संगत API को X-Auth-Token हेडर में खाते के टोकन के साथ कॉल करते हैं।",
    base_url: "API बेस URL",
    example: "उदाहरण",
    example_intro: "किसी दस्तावेज़ का विवरण, $TOKEN की जगह अपने टोकन के साथ:",
    token_heading: "API टोकन",
    token_intro: "नया टोकन बनाते ही पुराना टोकन तुरंत काम करना बंद कर देता है: अपने इंटीग्रेशन अपडेट करें।",
    generate_token: "नया टोकन बनाएँ",
    new_token: "नया टोकन",
    new_token_once: "इसे अभी कॉपी करें: यह केवल इसी बार दिखाया जाता है, और Signet केवल इसका हैश रखता है।",
    salt_heading: "निजी सॉल्ट",
    salt_intro: "आपके वेबहुक रिसीवर इससे हर वेबहुक का mac और webhook-signature जाँचते हैं। इसे देखने के लिए अपना पासवर्ड दर्ज करें।",
    reveal_salt: "निजी सॉल्ट दिखाएँ",
    salt: "निजी सॉल्ट",
    admins_only: "केवल इस खाते का एडमिन नया टोकन बना सकता है या निजी सॉल्ट देख सकता है।",
    err_password: "यह आपका पासवर्ड नहीं है।",
};

impl ApiTexts {
    pub fn of(language: Language) -> &'static ApiTexts {
        match language {
            Language::English => &EN,
            Language::Hindi => &HI,
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/api_settings.html")]
struct ApiSettingsPage {
    t: &'static Texts,
    a: &'static ApiTexts,
    c: &'static CertTexts,
    chrome: Chrome,
    csrf: String,
    admin: bool,
    base_url: String,
    curl: String,
    token: Option<String>,
    salt: Option<String>,
    password_error: Option<String>,
    checks: ChecksForm,
    org: Vec<OrgLine>,
    notice: Option<&'static str>,
}

/// The certificate checks as stored, or as the admin typed them when they were refused.
struct ChecksForm {
    report: bool,
    threshold: String,
    failure_error: Option<&'static str>,
    threshold_error: Option<&'static str>,
}

impl ChecksForm {
    fn of(s: VerificationSettings) -> ChecksForm {
        ChecksForm {
            report: s.failure == VerificationFailure::Report,
            threshold: s.smart_name_threshold.to_string(),
            failure_error: None,
            threshold_error: None,
        }
    }
}

struct OrgLine {
    name: String,
    subject: String,
    issuer: String,
    not_after: String,
}

async fn page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    user: &DashboardUser,
) -> Result<ApiSettingsPage, ServiceError> {
    let base_url = format!("{}/api", state.config.public_url());
    let curl = format!(
        "curl -s \"{base_url}/v3.3/document/details?documentId=DOCUMENT_ID\" \\\n  -H \"X-Auth-Token: $TOKEN\""
    );
    let actor = user.actor();
    let (settings, org) = tokio::join!(
        certificate_settings::get(state, &actor),
        doc_signers::list(state, &actor)
    );
    let org = org?
        .into_iter()
        .map(|d| OrgLine {
            name: d.name,
            subject: d.subject,
            issuer: d.issuer,
            not_after: state.zone.time(d.not_after),
        })
        .collect();
    Ok(ApiSettingsPage {
        t: lang.texts(),
        a: ApiTexts::of(lang.0),
        c: lang.texts().cert,
        chrome: Chrome::new(uri, Some(user), "api"),
        csrf: user.0.csrf.clone(),
        admin: user.role().may_manage_users(),
        base_url,
        curl,
        token: None,
        salt: None,
        password_error: None,
        checks: ChecksForm::of(settings?),
        org,
        notice: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

pub async fn api_settings(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    match page(&state, lang, &uri, &user).await {
        Ok(mut p) => {
            if q.notice == "checks_saved" {
                p.notice = Some(p.c.saved);
            }
            html(StatusCode::OK, &p)
        }
        Err(e) => service_error(lang, e),
    }
}

/// The new token is answered by this POST's own page, never a redirect: a token in an
/// address would be kept by the browser's history.
pub async fn generate_token(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
) -> Response {
    let token = match api_access::replace_token(&state, &user.actor()).await {
        Ok(token) => token,
        Err(e) => return service_error(lang, e),
    };
    match page(&state, lang, &Uri::from_static(PATH), &user).await {
        Ok(mut p) => {
            p.token = Some(token);
            html(StatusCode::OK, &p)
        }
        Err(e) => service_error(lang, e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevealForm {
    password: String,
}

pub async fn reveal_salt(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Form(f): Form<RevealForm>,
) -> Response {
    let mut p = match page(&state, lang, &Uri::from_static(PATH), &user).await {
        Ok(p) => p,
        Err(e) => return service_error(lang, e),
    };
    match api_access::reveal_salt(&state, &user.actor(), &f.password).await {
        Ok(salt) => {
            p.salt = Some(salt);
            html(StatusCode::OK, &p)
        }
        Err(ServiceError::Refused {
            code: "password.wrong",
            ..
        }) => {
            p.password_error = Some(p.a.err_password.into());
            html(StatusCode::BAD_REQUEST, &p)
        }
        Err(e) => match form_error(lang, e) {
            Ok((status, words)) => {
                p.password_error = Some(words);
                html(status, &p)
            }
            Err(e) => service_error(lang, e),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChecksFormInput {
    verification_failure: String,
    smart_name_threshold: String,
}

/// Saves the certificate checks, then back to the page with a notice; a value that does not
/// read is said next to its field and nothing is saved. The service refuses anyone but an
/// admin, whatever the page showed them.
pub async fn save_checks(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Form(f): Form<ChecksFormInput>,
) -> Response {
    let c = lang.texts().cert;
    let failure = f.verification_failure.trim();
    let threshold = f.smart_name_threshold.trim();
    let mut typed = ChecksForm {
        report: failure == VerificationFailure::Report.as_str(),
        threshold: threshold.chars().take(8).collect(),
        failure_error: VerificationFailure::parse(failure)
            .is_none()
            .then_some(c.err_failure),
        threshold_error: None,
    };
    let number = threshold
        .parse::<i64>()
        .ok()
        .filter(|t| (0..=100).contains(t));
    if number.is_none() {
        typed.threshold_error = Some(c.err_threshold);
    }
    if typed.failure_error.is_none()
        && let Some(number) = number
    {
        match certificate_settings::update(&state, &user.actor(), Some(failure), Some(number)).await
        {
            Ok(_) => {
                return Redirect::to(&format!("{PATH}?notice=checks_saved")).into_response();
            }
            Err(ServiceError::Refused { code, .. }) if code.starts_with("settings.") => {
                // The service's bounds are the form's; should they ever differ, its refusal
                // lands on the field it names.
                if code.contains("threshold") {
                    typed.threshold_error = Some(c.err_threshold);
                } else {
                    typed.failure_error = Some(c.err_failure);
                }
            }
            Err(e) => return service_error(lang, e),
        }
    } else if !user.role().may_manage_users() {
        // Not an admin: refused as the service would, not given a form they cannot use.
        return service_error(
            lang,
            ServiceError::forbidden("settings.forbidden", "only an admin may change this"),
        );
    }
    match page(&state, lang, &Uri::from_static(PATH), &user).await {
        Ok(mut p) => {
            p.checks = typed;
            html(StatusCode::BAD_REQUEST, &p)
        }
        Err(e) => service_error(lang, e),
    }
}
