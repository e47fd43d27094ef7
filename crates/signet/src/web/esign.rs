//! The page that hands the signer's browser to an eSign service provider (API.md 11): a form
//! of the signed request (or the two-step `txnref`) that posts itself to the ESP.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::sign_texts::SignTexts;
use crate::domain::language::Language;
use crate::service::esign::HandOff;

#[derive(Template)]
#[template(path = "sign/handoff.html")]
struct HandOffPage<'a> {
    lang: &'static str,
    title: &'static str,
    explain: &'static str,
    button: &'static str,
    action: &'a str,
    fields: &'a [(&'static str, String)],
}

pub const SCRIPT: &str = include_str!("static/esign-handoff.js");

pub fn handoff_page(handoff: &HandOff, language: Language) -> Response {
    let t = SignTexts::of(language);
    let page = HandOffPage {
        lang: t.lang,
        title: t.esign_handoff_title,
        explain: t.esign_handoff_explain,
        button: t.esign_handoff_button,
        action: &handoff.action,
        fields: &handoff.fields,
    };
    let (Ok(body), Some(target)) = (page.render(), crate::esp::origin_of(&handoff.action)) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // The form may go to the ESP only; nothing else leaves the page.
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         base-uri 'none'; form-action {target}; frame-ancestors 'none'"
    );
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    match HeaderValue::from_str(&csp) {
        Ok(v) => super::page_headers_with(h, v),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    res
}
