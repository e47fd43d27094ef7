//! Run a workflow (API.md section 12): a PDF uploaded with the people of each slot, sent by
//! `service::send::send_document` as the signed-in user, then the document's page.
//!
//! The form is `multipart/form-data` (a file), so its CSRF token rides in the action's query,
//! where the gate reads it without touching the body. The body is read here a piece at a time
//! and refused as soon as it passes the PDF limit plus room for the fields, so an upload costs
//! at most that much memory.

use askama::Template;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use http_body::Body as _;

use super::i18n::workflows::WorkflowTexts;
use super::pages::{Chrome, service_error};
use super::workflows::{FieldError, refusal_at};
use super::{DashboardUser, Lang, Refusal, Texts, html};
use crate::service::send::{self, FileIn, InviteeIn, Pdf, SendDocument};
use crate::service::{ServiceError, workflows};
use crate::state::AppState;
use crate::store::{StoredWorkflow, WorkflowStatus};

/// Room for the form's text fields beside the file (names, emails and phones of 50 slots).
const FIELDS_ROOM: usize = 256 * 1024;

struct SlotFields {
    s: usize,
    label: String,
    name: String,
    email: String,
    phone: String,
    name_error: Option<FieldError>,
    email_error: Option<FieldError>,
    phone_error: Option<FieldError>,
}

#[derive(Template)]
#[template(path = "dashboard/run.html")]
struct RunPage {
    t: &'static Texts,
    w: &'static WorkflowTexts,
    chrome: Chrome,
    profile_id: String,
    workflow_name: String,
    action: String,
    runnable: bool,
    max_mb: String,
    document_name: String,
    irn: String,
    slots: Vec<SlotFields>,
    errors: Vec<FieldError>,
    name_error: Option<FieldError>,
    irn_error: Option<FieldError>,
    pdf_error: Option<FieldError>,
    top_error: Option<FieldError>,
}

/// What the form sent.
#[derive(Default)]
struct RunForm {
    document_name: String,
    irn: String,
    pdf: Option<Vec<u8>>,
    people: Vec<(String, String, String)>,
}

fn max_mb(state: &AppState) -> String {
    let mb = state.config.max_pdf_bytes as f64 / (1024.0 * 1024.0);
    format!("{}", (mb * 10.0).round() / 10.0)
}

#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    user: &DashboardUser,
    w: &StoredWorkflow,
    form: &RunForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let t = lang.texts();
    let find = |field: &str| errors.iter().find(|e| e.field == field).cloned();
    let slots = w
        .definition
        .invitees
        .iter()
        .enumerate()
        .map(|(s, slot)| {
            let (name, email, phone) = form.people.get(s).cloned().unwrap_or_default();
            SlotFields {
                s,
                label: slot.label.clone(),
                name,
                email,
                phone,
                name_error: find(&format!("slot-{s}-name")),
                email_error: find(&format!("slot-{s}-email")),
                phone_error: find(&format!("slot-{s}-phone")),
            }
        })
        .collect();
    let page = RunPage {
        t,
        w: t.wf,
        chrome: Chrome::new(uri, Some(user), "workflows"),
        profile_id: w.profile_id.clone(),
        workflow_name: w.definition.name.clone(),
        action: format!(
            "/app/workflows/{}/run?{}",
            w.profile_id,
            serde_urlencoded::to_string([("csrf", user.0.csrf.as_str())]).unwrap_or_default()
        ),
        runnable: w.status == WorkflowStatus::Published,
        max_mb: max_mb(state),
        document_name: form.document_name.clone(),
        irn: form.irn.clone(),
        slots,
        name_error: find("document_name"),
        irn_error: find("irn"),
        pdf_error: find("pdf"),
        top_error: find("invitees"),
        errors,
    };
    html(status, &page)
}

pub async fn run_page(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Path(profile_id): Path<String>,
) -> Response {
    if !user.role().may_change() {
        return super::pages::refusal(lang, StatusCode::FORBIDDEN, Refusal::Forbidden);
    }
    let w = match workflows::workflow_of_account(&state, &user.actor(), &profile_id).await {
        Ok(w) => w,
        Err(e) => return service_error(lang, e),
    };
    render(
        &state,
        lang,
        &uri,
        &user,
        &w,
        &RunForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
}

/// The form field a refusal of `send_document` names.
fn field_of(path: &str) -> String {
    if path == "file.name" {
        return "document_name".into();
    }
    if path == "irn" {
        return "irn".into();
    }
    if path.starts_with("file") {
        return "pdf".into();
    }
    if let Some(rest) = path.strip_prefix("invitees[")
        && let Some((i, part)) = rest.split_once(']')
        && let Ok(i) = i.parse::<usize>()
    {
        return match part {
            ".name" => format!("slot-{i}-name"),
            ".phone" => format!("slot-{i}-phone"),
            "" | ".email" => format!("slot-{i}-email"),
            // The workflow's boxes against this PDF's pages.
            _ => "pdf".into(),
        };
    }
    "invitees".into()
}

pub async fn run(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(profile_id): Path<String>,
    request: Request,
) -> Response {
    let w_texts = lang.texts().wf;
    let actor = user.actor();
    let w = match workflows::workflow_of_account(&state, &actor, &profile_id).await {
        Ok(w) => w,
        Err(e) => return service_error(lang, e),
    };
    // Taken before the body is read, which consumes the request.
    let origin = crate::api::request_origin(peer, request.headers());
    let limit = state.config.max_pdf_bytes + FIELDS_ROOM;
    let mut form = match read_form(request, limit, w.definition.invitees.len()).await {
        Ok(f) => f,
        Err(Upload::TooLarge) => {
            let error = FieldError {
                field: "pdf".into(),
                text: w_texts.err_file_too_large.into(),
            };
            return render(
                &state,
                lang,
                &uri,
                &user,
                &w,
                &RunForm::default(),
                vec![error],
                StatusCode::PAYLOAD_TOO_LARGE,
            );
        }
        Err(Upload::Malformed) => {
            return super::pages::refusal(lang, StatusCode::BAD_REQUEST, Refusal::Error);
        }
    };
    let opt = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    // The file goes to the command, not copied: a page sent back needs only whether one came.
    let had_pdf = form.pdf.is_some();
    let pdf = form.pdf.take().filter(|p| !p.is_empty()).map(Pdf::Bytes);
    let command = SendDocument {
        profile_id: Some(profile_id.clone()),
        file: Some(FileIn {
            name: opt(&form.document_name),
            pdf,
            template_fields: 0,
            additional_files: 0,
        }),
        invitees: (0..w.definition.invitees.len())
            .map(|s| {
                let (name, email, phone) = form.people.get(s).cloned().unwrap_or_default();
                InviteeIn {
                    verification_configs: Vec::new(),
                    name: opt(&name),
                    email: opt(&email),
                    phone: opt(&phone),
                }
            })
            .collect(),
        irn: opt(&form.irn),
        stamp_series: false,
        cc: Vec::new(),
        // The dashboard's form has no NeSL section: NeSL data comes through the API.
        nesl_data: None,
    };
    match send::send_document(&state, &actor, &origin, command).await {
        Ok(sent) => Redirect::to(&format!("/app/documents/{}", sent.document_id)).into_response(),
        Err(e) => {
            // A missing file reads "file.file: the base64 PDF is required" in the API's words.
            let e = match e {
                ServiceError::Refused {
                    code: "file.required",
                    ..
                } => ServiceError::refused("file.required", "file: required"),
                e => e,
            };
            match refusal_at(e, w_texts, field_of) {
                Ok((status, mut error)) => {
                    if error.field == "pdf" && had_pdf {
                        error.text = format!("{} {}", error.text, w_texts.choose_again);
                    }
                    render(&state, lang, &uri, &user, &w, &form, vec![error], status)
                }
                Err(e) => service_error(lang, e),
            }
        }
    }
}

enum Upload {
    TooLarge,
    Malformed,
}

/// Reads the multipart body (multer: RFC 7578, streamed), refusing it once it passes `limit`
/// bytes; only the fields of the form are kept.
async fn read_form(request: Request, limit: usize, slots: usize) -> Result<RunForm, Upload> {
    let boundary = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or(Upload::Malformed)?;
    let body = request.into_body();
    if body.size_hint().lower() as usize > limit {
        return Err(Upload::TooLarge);
    }
    let limit = limit as u64;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limit)
            .per_field(limit),
    );
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut form = RunForm {
        people: vec![Default::default(); slots],
        ..Default::default()
    };
    let mut fields = 0;
    while let Some(field) = multipart.next_field().await.map_err(upload_error)? {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(Upload::Malformed);
        }
        let name = field.name().unwrap_or_default().to_string();
        let body = field.bytes().await.map_err(upload_error)?;
        let text = || String::from_utf8_lossy(&body).into_owned();
        match name.as_str() {
            "document_name" => form.document_name = text(),
            "irn" => form.irn = text(),
            "pdf" => form.pdf = Some(body.to_vec()),
            name => {
                let Some((s, field)) = name
                    .strip_prefix("slot-")
                    .and_then(|r| r.split_once('-'))
                    .and_then(|(s, f)| Some((s.parse::<usize>().ok()?, f)))
                else {
                    continue;
                };
                let Some(person) = form.people.get_mut(s) else {
                    continue;
                };
                match field {
                    "name" => person.0 = text(),
                    "email" => person.1 = text(),
                    "phone" => person.2 = text(),
                    _ => {}
                }
            }
        }
    }
    Ok(form)
}

/// More parts than the form of the largest workflow has (three per slot and three more).
const MAX_FIELDS: usize = 1_000;

fn upload_error(e: multer::Error) -> Upload {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            Upload::TooLarge
        }
        _ => Upload::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_refusals_name_run_fields() {
        assert_eq!(field_of("file.name"), "document_name");
        assert_eq!(field_of("file.file"), "pdf");
        assert_eq!(field_of("invitees[1].phone"), "slot-1-phone");
        assert_eq!(field_of("invitees[0]"), "slot-0-email");
        assert_eq!(field_of("invitees[0].appearances[0]"), "pdf");
    }
}
