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
use crate::service::{Origin, ServiceError, workflows};
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
    let user_agent: Option<String> = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(512).collect());
    let limit = state.config.max_pdf_bytes + FIELDS_ROOM;
    let form = match read_form(request, limit, w.definition.invitees.len()).await {
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
    let command = SendDocument {
        profile_id: Some(profile_id.clone()),
        file: Some(FileIn {
            name: opt(&form.document_name),
            pdf: form.pdf.clone().filter(|p| !p.is_empty()).map(Pdf::Bytes),
            template_fields: 0,
            additional_files: 0,
        }),
        invitees: (0..w.definition.invitees.len())
            .map(|s| {
                let (name, email, phone) = form.people.get(s).cloned().unwrap_or_default();
                InviteeIn {
                    name: opt(&name),
                    email: opt(&email),
                    phone: opt(&phone),
                }
            })
            .collect(),
        irn: opt(&form.irn),
        stamp_series: false,
        cc: Vec::new(),
    };
    let origin = Origin {
        ip: Some(peer.ip().to_string()),
        user_agent,
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
                    if error.field == "pdf" && form.pdf.is_some() {
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

/// Reads the multipart body a piece at a time, refusing it once it passes `limit` bytes.
async fn read_form(request: Request, limit: usize, slots: usize) -> Result<RunForm, Upload> {
    let boundary = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(boundary_of)
        .ok_or(Upload::Malformed)?;
    let mut body = request.into_body();
    if body.size_hint().lower() as usize > limit {
        return Err(Upload::TooLarge);
    }
    let mut data = Vec::new();
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|_| Upload::Malformed)?;
        if let Ok(chunk) = frame.into_data() {
            if data.len() + chunk.len() > limit {
                return Err(Upload::TooLarge);
            }
            data.extend_from_slice(&chunk);
        }
    }
    let mut form = RunForm {
        people: vec![Default::default(); slots],
        ..Default::default()
    };
    for part in parts(&data, &boundary).ok_or(Upload::Malformed)? {
        let text = || String::from_utf8_lossy(part.body).into_owned();
        match part.name {
            "document_name" => form.document_name = text(),
            "irn" => form.irn = text(),
            "pdf" => form.pdf = Some(part.body.to_vec()),
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

fn boundary_of(content_type: &str) -> Option<String> {
    if !content_type.starts_with("multipart/form-data") {
        return None;
    }
    let b = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    (!b.is_empty() && b.len() <= 200).then(|| b.to_string())
}

struct Part<'a> {
    name: &'a str,
    body: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// The parts of a `multipart/form-data` body (RFC 7578): each part's field name and bytes.
fn parts<'a>(data: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delimiter = format!("--{boundary}");
    let next = format!("\r\n--{boundary}");
    let mut at = find(data, delimiter.as_bytes(), 0)? + delimiter.len();
    let mut out = Vec::new();
    loop {
        if data.get(at..at + 2) == Some(b"--") {
            return Some(out);
        }
        at = find(data, b"\r\n", at)? + 2;
        let head_end = find(data, b"\r\n\r\n", at)?;
        let head = std::str::from_utf8(&data[at..head_end]).ok()?;
        let start = head_end + 4;
        let end = find(data, next.as_bytes(), start)?;
        let name = head
            .split("\r\n")
            .find(|l| {
                l.get(..20)
                    .is_some_and(|p| p.eq_ignore_ascii_case("content-disposition:"))
            })
            .and_then(|l| {
                l.split(';')
                    .find_map(|p| p.trim().strip_prefix("name=\""))
                    .and_then(|n| n.split('"').next())
            })
            .unwrap_or_default();
        out.push(Part {
            name,
            body: &data[start..end],
        });
        if out.len() > 1_000 {
            return None;
        }
        at = end + next.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts_are_read_by_name() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"irn\"\r\n\r\nR-1\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\r\n\r\n--X\r\n--XyZ--\r\n";
        let p = parts(body, "XyZ").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name, p[0].body), ("irn", &b"R-1"[..]));
        assert_eq!((p[1].name, p[1].body), ("pdf", &b"%PDF-1.7\r\n\r\n--X"[..]));
        assert!(parts(b"--XyZ\r\nno end", "XyZ").is_none());
        assert_eq!(
            boundary_of("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
    }

    #[test]
    fn send_refusals_name_run_fields() {
        assert_eq!(field_of("file.name"), "document_name");
        assert_eq!(field_of("file.file"), "pdf");
        assert_eq!(field_of("invitees[1].phone"), "slot-1-phone");
        assert_eq!(field_of("invitees[0]"), "slot-0-email");
        assert_eq!(field_of("invitees[0].appearances[0]"), "pdf");
    }
}
