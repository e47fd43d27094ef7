//! The Workflows screens (API.md section 12): the list, the editor and the request payload.
//!
//! The editor is one server-rendered form whose fields are the workflow: "Add signer", "Add
//! signature box", "Remove box" and the like are submit buttons that give the form back with
//! the change and save nothing, so it works without JavaScript; `editor.js` only draws the
//! boxes on a sample PDF and writes their fields. Saving builds a `WorkflowInput` and calls
//! `service::workflows`, whose refusal names a field path (`invitees[0].appearances[1].page`)
//! that is mapped back to the form field it came from.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::workflows::WorkflowTexts;
use super::pages::{Chrome, service_error};
use super::{DashboardUser, Lang, Refusal, Texts, html};
use crate::domain::limits::{MAX_APPEARANCES_PER_SLOT, MAX_SLOTS, MAX_WEBHOOK_HEADERS};
use crate::domain::signature_type::{SignatureType, SignatureTypeName};
use crate::domain::workflow::{
    AppearanceInput, InviteeType, SlotInput, WebhookConfig, Workflow, WorkflowInput,
};
use crate::service::ServiceError;
use crate::service::workflows::{self as service, SaveWorkflow};
use crate::state::AppState;
use crate::store::{StoredWorkflow, WorkflowStatus};

/// The editor loads pdf.js and editor.js, whose worker and canvases need more than the
/// dashboard's script-less policy; everything still comes from this origin only.
pub const EDITOR_CSP: &str = "default-src 'none'; script-src 'self'; worker-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The list shows at most this many workflows, most recently changed first.
const LIST_LIMIT: i64 = 500;
/// Header rows the form offers beyond those filled in.
const SPARE_HEADER_ROWS: usize = 1;
/// Form indexes above this are not ours (the form posts 0..n).
const MAX_INDEX: usize = 1_000;

// The verification flags the form offers as checkboxes, in Leegality's order.
use crate::domain::verification::VERIFY_KEYS;

/// The signature types a signer's group offers, in this order.
const OFFERED_TYPES: [SignatureType; 4] = [
    SignatureType::VirtualSign,
    SignatureType::Aadhaar,
    SignatureType::Dsc,
    SignatureType::DocSigner,
];

fn type_label(w: &WorkflowTexts, t: SignatureType) -> &'static str {
    match t {
        SignatureType::VirtualSign => w.virtual_sign,
        SignatureType::Aadhaar => w.aadhaar,
        SignatureType::Dsc => w.dsc,
        _ => w.doc_signer,
    }
}

fn verify_label(w: &WorkflowTexts, key: &str) -> &'static str {
    match key {
        "verifyName" => w.verify_name,
        "verifySmartName" => w.verify_smart_name,
        "verifyPincode" => w.verify_pincode,
        "verifyState" => w.verify_state,
        "verifyYob" => w.verify_yob,
        "verifyTitle" => w.verify_title,
        _ => w.verify_gender,
    }
}

pub fn status_name(w: &WorkflowTexts, s: WorkflowStatus) -> &'static str {
    match s {
        WorkflowStatus::Draft => w.status_draft,
        WorkflowStatus::Published => w.status_published,
        WorkflowStatus::Archived => w.status_archived,
    }
}

/// A date and time for people, in the server's zone.
pub fn when(state: &AppState, ms: i64) -> String {
    let t = state.zone.time(ms);
    // DD-MM-YYYY HH:MM:SS without the seconds.
    t.get(..16).unwrap_or(&t).to_string()
}

// ---------------------------------------------------------------------------------------------
// The form as posted: every value kept as typed, so a form sent back shows what was written.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormState {
    pub name: String,
    pub expiry_days: String,
    pub message: String,
    pub signing_order: bool,
    pub delete_on_complete: bool,
    pub slots: Vec<SlotForm>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlotForm {
    pub signer: bool,
    pub label: String,
    pub types: Vec<String>,
    pub email_notification: bool,
    pub enforce_authentication: bool,
    pub enable_reject: bool,
    pub webhook_success: String,
    pub webhook_error: String,
    pub redirect_url: String,
    pub headers: Vec<(String, String)>,
    pub verify: Vec<String>,
    /// The verification entries the checkboxes do not show, as JSON (empty: none at all).
    pub verification_other: String,
    /// An AUTOMATED_SIGN slot's organisation certificate, carried through the form unchanged
    /// (empty: none).
    pub doc_signer: String,
    /// An AADHAAR slot's eSign provider, carried through the form unchanged (empty: the
    /// server's first).
    pub esp: String,
    pub boxes: Vec<BoxForm>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoxForm {
    pub page: String,
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
}

fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    format!("{r}")
}

impl SlotForm {
    fn new(signer: bool, label: String) -> SlotForm {
        SlotForm {
            signer,
            label,
            types: vec![SignatureType::VirtualSign.as_str().to_string()],
            email_notification: true,
            enforce_authentication: false,
            enable_reject: true,
            webhook_success: String::new(),
            webhook_error: String::new(),
            redirect_url: String::new(),
            headers: Vec::new(),
            verify: Vec::new(),
            verification_other: String::new(),
            doc_signer: String::new(),
            esp: String::new(),
            boxes: Vec::new(),
        }
    }
}

impl FormState {
    /// A new workflow: one signer.
    fn blank(w: &WorkflowTexts) -> FormState {
        FormState {
            name: String::new(),
            expiry_days: "10".into(),
            message: String::new(),
            signing_order: false,
            delete_on_complete: false,
            slots: vec![SlotForm::new(true, format!("{} 1", w.new_signer))],
        }
    }

    pub fn of(wf: &Workflow) -> FormState {
        FormState {
            name: wf.name.clone(),
            expiry_days: wf.expiry_days.to_string(),
            message: wf.message.clone().unwrap_or_default(),
            signing_order: wf.require_signing_order,
            delete_on_complete: wf.delete_on_complete,
            slots: wf
                .invitees
                .iter()
                .map(|s| {
                    let (verify, other) = split_verification(s.verification.as_ref());
                    SlotForm {
                        signer: s.invitee_type == InviteeType::Signer,
                        label: s.label.clone(),
                        types: s
                            .signature_types
                            .iter()
                            .map(|t| t.as_str().to_string())
                            .collect(),
                        email_notification: s.email_notification,
                        enforce_authentication: s.enforce_authentication,
                        enable_reject: s.enable_reject_document,
                        webhook_success: s
                            .webhook
                            .as_ref()
                            .and_then(|h| h.success.clone())
                            .unwrap_or_default(),
                        webhook_error: s
                            .webhook
                            .as_ref()
                            .and_then(|h| h.error.clone())
                            .unwrap_or_default(),
                        redirect_url: s.redirect_url.clone().unwrap_or_default(),
                        headers: s
                            .webhook_headers
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                        verify,
                        verification_other: other,
                        doc_signer: s.doc_signer.clone().unwrap_or_default(),
                        esp: s.esp.clone().unwrap_or_default(),
                        boxes: s
                            .appearances
                            .iter()
                            .map(|a| BoxForm {
                                page: a.page.clone(),
                                x: num(a.x1),
                                y: num(a.y1),
                                width: num(a.x2 - a.x1),
                                height: num(a.y2 - a.y1),
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }

    /// The form's fields; the button pressed (`action`) is returned apart.
    pub fn parse(pairs: &[(String, String)]) -> (FormState, String) {
        let mut f = FormState::default();
        let mut action = String::new();
        let mut slots: BTreeMap<usize, SlotForm> = BTreeMap::new();
        let mut boxes: BTreeMap<(usize, usize), BoxForm> = BTreeMap::new();
        let mut headers: BTreeMap<(usize, usize), (String, String)> = BTreeMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "action" => action = v.clone(),
                "name" => f.name = v.clone(),
                "expiry_days" => f.expiry_days = v.clone(),
                "message" => f.message = v.clone(),
                "signing_order" => f.signing_order = true,
                "delete_on_complete" => f.delete_on_complete = true,
                _ => {}
            }
            let Some(rest) = k.strip_prefix("slot-") else {
                continue;
            };
            let Some((s, field)) = rest.split_once('-') else {
                continue;
            };
            let Some(s) = s.parse::<usize>().ok().filter(|&s| s < MAX_INDEX) else {
                continue;
            };
            if field == "kind" {
                slots.insert(s, SlotForm::new(v == "signer", String::new()));
                // Checkboxes are absent when unchecked: start from "all off".
                let slot = slots.get_mut(&s).expect("just inserted");
                slot.types.clear();
                slot.email_notification = false;
                slot.enable_reject = false;
                continue;
            }
            let Some(slot) = slots.get_mut(&s) else {
                continue;
            };
            match field {
                "label" => slot.label = v.clone(),
                "type" => slot.types.push(v.clone()),
                "email-notification" => slot.email_notification = true,
                "enforce-auth" => slot.enforce_authentication = true,
                "enable-reject" => slot.enable_reject = true,
                "webhook-success" => slot.webhook_success = v.clone(),
                "webhook-error" => slot.webhook_error = v.clone(),
                "redirect-url" => slot.redirect_url = v.clone(),
                "verify" => slot.verify.push(v.clone()),
                "verification-other" => slot.verification_other = v.clone(),
                "doc-signer" => slot.doc_signer = v.clone(),
                "esp" => slot.esp = v.clone(),
                _ => {
                    if let Some((b, part)) = indexed(field, "box-") {
                        let entry = boxes.entry((s, b)).or_default();
                        match part {
                            "page" => entry.page = v.clone(),
                            "x" => entry.x = v.clone(),
                            "y" => entry.y = v.clone(),
                            "width" => entry.width = v.clone(),
                            "height" => entry.height = v.clone(),
                            _ => {}
                        }
                    } else if let Some((h, part)) = indexed(field, "header-") {
                        let entry = headers.entry((s, h)).or_default();
                        match part {
                            "name" => entry.0 = v.clone(),
                            "value" => entry.1 = v.clone(),
                            _ => {}
                        }
                    }
                }
            }
        }
        for ((s, _), b) in boxes {
            if let Some(slot) = slots.get_mut(&s) {
                slot.boxes.push(b);
            }
        }
        for ((s, _), h) in headers {
            if let Some(slot) = slots.get_mut(&s)
                && !(h.0.trim().is_empty() && h.1.trim().is_empty())
            {
                slot.headers.push(h);
            }
        }
        f.slots = slots.into_values().collect();
        (f, action)
    }

    /// Applies a button that only changes the form; the field to focus afterwards, or `None`
    /// when the action is not one of these.
    fn apply(&mut self, action: &str, w: &WorkflowTexts) -> Option<String> {
        let mut parts = action.split(':');
        let verb = parts.next().unwrap_or_default();
        let a: Option<usize> = parts.next().and_then(|p| p.parse().ok());
        let b: Option<usize> = parts.next().and_then(|p| p.parse().ok());
        let n = self.slots.len();
        match (verb, a, b) {
            ("add-signer" | "add-reviewer", None, None) => {
                if n < MAX_SLOTS {
                    let signer = verb == "add-signer";
                    let word = if signer { w.new_signer } else { w.new_reviewer };
                    self.slots
                        .push(SlotForm::new(signer, format!("{word} {}", n + 1)));
                    return Some(format!("slot-{n}-label"));
                }
                Some(verb.to_string())
            }
            ("remove-slot", Some(s), None) if s < n => {
                self.slots.remove(s);
                Some("add-signer".into())
            }
            ("up", Some(s), None) if s > 0 && s < n => {
                self.slots.swap(s - 1, s);
                Some(format!("slot-{}-label", s - 1))
            }
            ("down", Some(s), None) if s + 1 < n => {
                self.slots.swap(s, s + 1);
                Some(format!("slot-{}-label", s + 1))
            }
            ("add-box", Some(s), None) if s < n => {
                let slot = &mut self.slots[s];
                if slot.boxes.len() < MAX_APPEARANCES_PER_SLOT {
                    slot.boxes.push(BoxForm {
                        page: "1".into(),
                        x: "50".into(),
                        y: "50".into(),
                        width: "180".into(),
                        height: "50".into(),
                    });
                    return Some(format!("slot-{s}-box-{}-page", slot.boxes.len() - 1));
                }
                Some(format!("add-box-{s}"))
            }
            ("remove-box", Some(s), Some(b)) if s < n && b < self.slots[s].boxes.len() => {
                self.slots[s].boxes.remove(b);
                Some(format!("add-box-{s}"))
            }
            // A button whose slot or box is gone (a stale page): the form as it is.
            ("add-box" | "remove-box" | "remove-slot" | "up" | "down", _, _) => Some(String::new()),
            _ => None,
        }
    }

    /// The workflow as written, or the fields that are not even numbers.
    pub fn to_input(&self) -> Result<WorkflowInput, Vec<(String, &'static str)>> {
        let mut bad = Vec::new();
        let expiry_days = match self.expiry_days.trim().parse::<i64>() {
            Ok(d) => d,
            Err(_) => {
                bad.push(("expiry_days".to_string(), "form.number.invalid"));
                0
            }
        };
        let mut invitees = Vec::with_capacity(self.slots.len());
        for (s, slot) in self.slots.iter().enumerate() {
            let mut appearances = Vec::with_capacity(slot.boxes.len());
            for (b, bx) in slot.boxes.iter().enumerate() {
                let mut value = |part: &str, text: &str| match text.trim().parse::<f64>() {
                    Ok(v) if v.is_finite() => v,
                    _ => {
                        bad.push((format!("slot-{s}-box-{b}-{part}"), "form.number.invalid"));
                        0.0
                    }
                };
                let (x, y) = (value("x", &bx.x), value("y", &bx.y));
                let (width, height) = (value("width", &bx.width), value("height", &bx.height));
                appearances.push(AppearanceInput {
                    page: bx.page.trim().to_string(),
                    x1: x,
                    y1: y,
                    x2: x + width,
                    y2: y + height,
                });
            }
            let mut verification: Option<serde_json::Map<String, serde_json::Value>> =
                match slot.verification_other.trim() {
                    "" => None,
                    other => match serde_json::from_str(other) {
                        Ok(serde_json::Value::Object(m)) => Some(m),
                        _ => {
                            bad.push((
                                format!("slot-{s}-verification"),
                                "workflow.verification.invalid",
                            ));
                            None
                        }
                    },
                };
            for key in &slot.verify {
                if VERIFY_KEYS.contains(&key.as_str()) {
                    verification
                        .get_or_insert_with(Default::default)
                        .insert(key.clone(), true.into());
                }
            }
            let opt = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
            let webhook = match (opt(&slot.webhook_success), opt(&slot.webhook_error)) {
                (None, None) => None,
                (success, error) => Some(WebhookConfig {
                    success,
                    error,
                    version: "2.5".into(),
                }),
            };
            invitees.push(SlotInput {
                label: slot.label.trim().to_string(),
                invitee_type: if slot.signer {
                    InviteeType::Signer
                } else {
                    InviteeType::Reviewer
                },
                signature_types: slot
                    .types
                    .iter()
                    .map(|t| SignatureTypeName::from(t.as_str()))
                    .collect(),
                appearances,
                email_notification: slot.email_notification,
                phone_notification: false,
                enforce_authentication: slot.enforce_authentication,
                enable_reject_document: slot.enable_reject,
                webhook,
                webhook_headers: slot
                    .headers
                    .iter()
                    .map(|(k, v)| (k.trim().to_string(), v.clone()))
                    .collect(),
                redirect_url: opt(&slot.redirect_url),
                verification: verification.map(serde_json::Value::Object),
                doc_signer: opt(&slot.doc_signer),
                esp: opt(&slot.esp),
            });
        }
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(WorkflowInput {
            name: self.name.trim().to_string(),
            kind: "PDF".into(),
            require_signing_order: self.signing_order,
            expiry_days,
            message: (!self.message.trim().is_empty()).then(|| self.message.clone()),
            delete_on_complete: self.delete_on_complete,
            invitees,
        })
    }
}

/// `box-3-page` with prefix `box-`: `(3, "page")`.
fn indexed<'a>(field: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let (n, part) = field.strip_prefix(prefix)?.split_once('-')?;
    let n = n.parse::<usize>().ok().filter(|&n| n < MAX_INDEX)?;
    Some((n, part))
}

/// The checked flags, and the rest of the block as JSON (empty when there is no block).
fn split_verification(v: Option<&serde_json::Value>) -> (Vec<String>, String) {
    let Some(serde_json::Value::Object(map)) = v else {
        return (Vec::new(), String::new());
    };
    let mut checked = Vec::new();
    let mut other = serde_json::Map::new();
    for (k, v) in map {
        if VERIFY_KEYS.contains(&k.as_str()) && v == &serde_json::Value::Bool(true) {
            checked.push(k.clone());
        } else {
            other.insert(k.clone(), v.clone());
        }
    }
    (checked, serde_json::Value::Object(other).to_string())
}

// ---------------------------------------------------------------------------------------------
// Refusals mapped to fields.

/// A problem shown next to a field (`field` is the id of the input, or of the group).
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub text: String,
}

impl FieldError {
    pub fn id(&self) -> String {
        format!("{}-error", self.field)
    }
}

/// The form field a refusal's path names. `invitees[1].appearances[0].page` is box 0 of slot
/// 1's Page field; a path the form has no field for goes to the top of the form.
fn field_of(path: &str, form: &FormState) -> String {
    let top = match path {
        "name" => return "name".into(),
        "expiryDays" => return "expiry_days".into(),
        "message" => return "message".into(),
        _ => "invitees".to_string(),
    };
    let Some(rest) = path.strip_prefix("invitees[") else {
        return top;
    };
    let Some((i, rest)) = rest.split_once(']') else {
        return top;
    };
    let Ok(i) = i.parse::<usize>() else {
        return top;
    };
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    if let Some(a) = rest.strip_prefix("appearances[")
        && let Some((j, part)) = a.split_once(']')
        && let Ok(j) = j.parse::<usize>()
    {
        return if part == ".page" {
            format!("slot-{i}-box-{j}-page")
        } else {
            format!("slot-{i}-box-{j}")
        };
    }
    match rest {
        "label" => format!("slot-{i}-label"),
        "signatureTypes" => format!("slot-{i}-types"),
        "appearances" => format!("slot-{i}-boxes"),
        "webhook.error" => format!("slot-{i}-webhook-error"),
        "webhook" | "webhook.success" | "webhook.version" => format!("slot-{i}-webhook-success"),
        "redirectUrl" => format!("slot-{i}-redirect-url"),
        "phoneNotification" => format!("slot-{i}-sms"),
        "enforceAuthentication" => format!("slot-{i}-enforce-auth"),
        "verification" => format!("slot-{i}-verification"),
        h if h.starts_with("webhookHeaders") => {
            let name = h.strip_prefix("webhookHeaders.").unwrap_or_default();
            let row = form
                .slots
                .get(i)
                .and_then(|s| s.headers.iter().position(|(k, _)| k.trim() == name))
                .unwrap_or(0);
            format!("slot-{i}-header-{row}-name")
        }
        _ => top,
    }
}

/// A refusal in the page's words, at its field; `Err` for what is not about the form.
pub fn refusal_at(
    e: ServiceError,
    w: &WorkflowTexts,
    field: impl Fn(&str) -> String,
) -> Result<(StatusCode, FieldError), ServiceError> {
    let (status, code, message) = match e {
        ServiceError::Refused { code, message } => (StatusCode::BAD_REQUEST, code, message),
        ServiceError::Conflict { code, message } => (StatusCode::CONFLICT, code, message),
        other => return Err(other),
    };
    // "invitees[0].label: at most 100 characters" -> path and detail.
    let (path, detail) = match message.split_once(": ") {
        Some((p, d)) if !p.contains(' ') => (p.to_string(), d.to_string()),
        _ => (String::new(), message.clone()),
    };
    let text = w.error(code).map_or(detail, str::to_string);
    Ok((
        status,
        FieldError {
            field: field(&path),
            text,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Pages.

struct ListLine {
    profile_id: String,
    name: String,
    status: &'static str,
    draft_pending: bool,
    slots: usize,
    updated: String,
    runnable: bool,
}

#[derive(Template)]
#[template(path = "dashboard/workflows.html")]
struct ListPage {
    t: &'static Texts,
    w: &'static WorkflowTexts,
    chrome: Chrome,
    lines: Vec<ListLine>,
    may_change: bool,
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
) -> Response {
    let t = lang.texts();
    let all = match service::all_workflows_of_account(&state, &user.actor(), LIST_LIMIT).await {
        Ok(all) => all,
        Err(e) => return service_error(lang, e),
    };
    let lines = all
        .iter()
        .map(|w| ListLine {
            profile_id: w.profile_id.clone(),
            name: w.draft.as_ref().unwrap_or(&w.definition).name.clone(),
            status: status_name(t.wf, w.status),
            draft_pending: w.draft.is_some(),
            slots: w.definition.invitees.len(),
            updated: when(&state, w.updated_at),
            runnable: w.status == WorkflowStatus::Published,
        })
        .collect();
    let page = ListPage {
        t,
        w: t.wf,
        chrome: Chrome::new(&uri, Some(&user), "workflows"),
        lines,
        may_change: user.role().may_change(),
    };
    html(StatusCode::OK, &page)
}

// The editor's view of the form: ids, labels and errors worked out here, so the template only
// prints.

struct Problem {
    id: String,
    text: String,
}

struct TypeOption {
    value: &'static str,
    label: &'static str,
    checked: bool,
    enabled: bool,
}

struct VerifyOption {
    key: &'static str,
    label: &'static str,
    checked: bool,
}

struct HeaderRow {
    h: usize,
    name: String,
    value: String,
    error: Option<Problem>,
}

struct BoxView {
    b: usize,
    n: usize,
    page: String,
    x: String,
    y: String,
    width: String,
    height: String,
    page_error: Option<Problem>,
    rect_error: Option<Problem>,
    x_error: Option<Problem>,
    y_error: Option<Problem>,
    width_error: Option<Problem>,
    height_error: Option<Problem>,
    focus: bool,
}

struct SlotView {
    s: usize,
    signer: bool,
    label: String,
    legend: String,
    label_error: Option<Problem>,
    label_focus: bool,
    types: Vec<TypeOption>,
    hidden_types: Vec<String>,
    types_error: Option<Problem>,
    email_notification: bool,
    enforce_authentication: bool,
    auth_error: Option<Problem>,
    sms_error: Option<Problem>,
    enable_reject: bool,
    webhook_success: String,
    success_error: Option<Problem>,
    webhook_error: String,
    error_error: Option<Problem>,
    redirect_url: String,
    redirect_error: Option<Problem>,
    headers: Vec<HeaderRow>,
    verify: Vec<VerifyOption>,
    verification_other: String,
    verification_error: Option<Problem>,
    doc_signer: String,
    esp: String,
    boxes: Vec<BoxView>,
    boxes_error: Option<Problem>,
    can_add_box: bool,
    add_box_focus: bool,
    first: bool,
    last: bool,
    only: bool,
}

struct Context {
    profile_id: Option<String>,
    status: Option<WorkflowStatus>,
    draft_pending: bool,
}

#[derive(Template)]
#[template(path = "dashboard/workflow_edit.html")]
struct EditorPage {
    t: &'static Texts,
    w: &'static WorkflowTexts,
    chrome: Chrome,
    title: String,
    csrf: String,
    action: String,
    profile_id: String,
    status: &'static str,
    draft_pending: bool,
    archived: bool,
    published: bool,
    editable: bool,
    may_change: bool,
    notice: Option<&'static str>,
    unchanged: bool,
    errors: Vec<FieldError>,
    top_error: Option<Problem>,
    name: String,
    name_error: Option<Problem>,
    expiry_days: String,
    expiry_error: Option<Problem>,
    message: String,
    message_error: Option<Problem>,
    signing_order: bool,
    delete_on_complete: bool,
    slots: Vec<SlotView>,
    can_add_slot: bool,
    add_signer_focus: bool,
    strings: String,
    curl: String,
}

fn problem(errors: &[FieldError], field: &str) -> Option<Problem> {
    errors.iter().find(|e| e.field == field).map(|e| Problem {
        id: e.id(),
        text: e.text.clone(),
    })
}

/// The strings editor.js shows, in the page's language (its defaults are English).
fn editor_strings(lang: Lang, w: &WorkflowTexts) -> String {
    if lang.texts().lang == "en" {
        return String::new();
    }
    serde_json::json!({
        "placeFor": "इसके लिए बॉक्स रखें",
        "hint": "चुने गए हस्ताक्षरकर्ता का बॉक्स जोड़ने के लिए पेज पर क्लिक करें। बॉक्स को खिसकाने के लिए खींचें और आकार बदलने के लिए उसका कोना खींचें, या पेज, X, Y, चौड़ाई और ऊँचाई फ़ील्ड इस्तेमाल करें।",
        "boxHelp": "तीर कुंजियाँ बॉक्स को 1 पॉइंट खिसकाती हैं, Shift के साथ 10। Alt या Option के साथ तीर कुंजियाँ आकार बदलती हैं। Enter उसके फ़ील्ड पर ले जाता है।",
        "pageLabel": "पेज {n}",
        "boxLegend": format!("{} {{n}}", w.box_legend),
        "boxName": "{box}, {slot}, पेज {page}",
        "page": w.page, "x": w.x, "y": w.y, "width": w.width, "height": w.height,
        "removeBox": w.remove_box,
        "pageSyntax": w.err_page,
        "pageMissing": "नमूना PDF में {count} पेज हैं; इसमें पेज {pages} नहीं है।",
        "outside": "बॉक्स पेज {page} से बाहर जाता है, जो {width} × {height} पॉइंट का है।",
        "position": "{box}: X {x}, Y {y}, चौड़ाई {width}, ऊँचाई {height} पॉइंट।",
        "added": "{box} {slot} के लिए पेज {page} पर जोड़ा गया।",
        "removed": "{box} हटाया गया।",
        "loading": "नमूना PDF पढ़ा जा रहा है…",
        "loaded": "नमूना PDF में {count} पेज हैं।",
        "unreadable": "यह फ़ाइल PDF के रूप में पढ़ी नहीं जा सकी ({reason})।",
        "recalled": "पहले चुनी गई {name} दिखाई जा रही है। दूसरी दिखाने के लिए फ़ाइल चुनें।",
    })
    .to_string()
}

#[allow(clippy::too_many_arguments)]
fn render_editor(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    user: &DashboardUser,
    ctx: Context,
    form: FormState,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
    focus: Option<String>,
    status: StatusCode,
) -> Response {
    let t = lang.texts();
    let w = t.wf;
    let focus = focus.unwrap_or_default();
    let n = form.slots.len();
    let slots = form
        .slots
        .iter()
        .enumerate()
        .map(|(s, slot)| {
            let key = |f: &str| format!("slot-{s}-{f}");
            let boxes = slot
                .boxes
                .iter()
                .enumerate()
                .map(|(b, bx)| {
                    let k = |f: &str| format!("slot-{s}-box-{b}-{f}");
                    let rect = problem(&errors, &format!("slot-{s}-box-{b}"));
                    BoxView {
                        b,
                        n: b + 1,
                        page: bx.page.clone(),
                        x: bx.x.clone(),
                        y: bx.y.clone(),
                        width: bx.width.clone(),
                        height: bx.height.clone(),
                        page_error: problem(&errors, &k("page")),
                        x_error: problem(&errors, &k("x")),
                        y_error: problem(&errors, &k("y")),
                        width_error: problem(&errors, &k("width")),
                        height_error: problem(&errors, &k("height")),
                        rect_error: rect,
                        focus: focus == k("page"),
                    }
                })
                .collect();
            let rows = (slot.headers.len() + SPARE_HEADER_ROWS).min(MAX_WEBHOOK_HEADERS);
            let headers = (0..rows)
                .map(|h| {
                    let (name, value) = slot.headers.get(h).cloned().unwrap_or_default();
                    HeaderRow {
                        h,
                        name,
                        value,
                        error: problem(&errors, &key(&format!("header-{h}-name"))),
                    }
                })
                .collect();
            SlotView {
                s,
                signer: slot.signer,
                legend: if slot.label.trim().is_empty() {
                    format!(
                        "{} {}",
                        if slot.signer { w.signer } else { w.reviewer },
                        s + 1
                    )
                } else {
                    slot.label.clone()
                },
                label: slot.label.clone(),
                label_error: problem(&errors, &key("label")),
                label_focus: focus == key("label"),
                types: OFFERED_TYPES
                    .iter()
                    .map(|&t| TypeOption {
                        value: t.as_str(),
                        label: type_label(w, t),
                        checked: slot.types.iter().any(|x| x == t.as_str()),
                        // Aadhaar eSign goes through a provider of SIGNET_ESP_CONFIG.
                        enabled: t.is_supported()
                            && (t != SignatureType::Aadhaar || !state.esp.is_empty()),
                    })
                    .collect(),
                hidden_types: if slot.signer {
                    // Types the form has no checkbox for, kept as written.
                    slot.types
                        .iter()
                        .filter(|x| !OFFERED_TYPES.iter().any(|t| t.as_str() == x.as_str()))
                        .cloned()
                        .collect()
                } else {
                    slot.types.clone()
                },
                types_error: problem(&errors, &key("types")),
                email_notification: slot.email_notification,
                enforce_authentication: slot.enforce_authentication,
                auth_error: problem(&errors, &key("enforce-auth")),
                sms_error: problem(&errors, &key("sms")),
                enable_reject: slot.enable_reject,
                webhook_success: slot.webhook_success.clone(),
                success_error: problem(&errors, &key("webhook-success")),
                webhook_error: slot.webhook_error.clone(),
                error_error: problem(&errors, &key("webhook-error")),
                redirect_url: slot.redirect_url.clone(),
                redirect_error: problem(&errors, &key("redirect-url")),
                headers,
                verify: VERIFY_KEYS
                    .iter()
                    .map(|&k| VerifyOption {
                        key: k,
                        label: verify_label(w, k),
                        checked: slot.verify.iter().any(|v| v == k),
                    })
                    .collect(),
                verification_other: slot.verification_other.clone(),
                verification_error: problem(&errors, &key("verification")),
                doc_signer: slot.doc_signer.clone(),
                esp: slot.esp.clone(),
                boxes,
                boxes_error: problem(&errors, &key("boxes")),
                can_add_box: slot.boxes.len() < MAX_APPEARANCES_PER_SLOT,
                add_box_focus: focus == format!("add-box-{s}"),
                first: s == 0,
                last: s + 1 == n,
                only: n == 1,
            }
        })
        .collect();
    let profile_id = ctx.profile_id.clone().unwrap_or_default();
    let archived = ctx.status == Some(WorkflowStatus::Archived);
    let may_change = user.role().may_change();
    let public_url = state.config.public_url();
    let curl = format!(
        "curl -X POST '{public_url}/api/v3.0/sign/request' \\\n  -H 'X-Auth-Token: YOUR_API_TOKEN' \\\n  -H 'Content-Type: application/json' \\\n  --data @{}",
        payload_file_name(&profile_id)
    );
    let title = if ctx.profile_id.is_none() {
        w.new_workflow.to_string()
    } else if form.name.trim().is_empty() {
        w.edit_title.to_string()
    } else {
        form.name.clone()
    };
    let page = EditorPage {
        t,
        w,
        chrome: Chrome::new(uri, Some(user), "workflows"),
        title,
        csrf: user.0.csrf.clone(),
        action: match &ctx.profile_id {
            Some(id) => format!("/app/workflows/{id}"),
            None => "/app/workflows/new".into(),
        },
        status: ctx.status.map_or("", |s| status_name(w, s)),
        draft_pending: ctx.draft_pending,
        archived,
        published: ctx.status == Some(WorkflowStatus::Published),
        editable: may_change && !archived,
        may_change,
        notice,
        unchanged: !focus.is_empty(),
        top_error: problem(&errors, "invitees"),
        name_error: problem(&errors, "name"),
        expiry_error: problem(&errors, "expiry_days"),
        message_error: problem(&errors, "message"),
        errors,
        name: form.name,
        expiry_days: form.expiry_days,
        message: form.message,
        signing_order: form.signing_order,
        delete_on_complete: form.delete_on_complete,
        slots,
        can_add_slot: n < MAX_SLOTS,
        add_signer_focus: focus == "add-signer",
        strings: editor_strings(lang, w),
        curl,
        profile_id,
    };
    let mut res = html(status, &page);
    if page.editable {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(EDITOR_CSP),
        );
    }
    res
}

fn payload_file_name(profile_id: &str) -> String {
    format!("signet-{profile_id}-payload.json")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

fn notice_of(w: &WorkflowTexts, q: &NoticeQuery) -> Option<&'static str> {
    Some(match q.notice.as_str() {
        "saved" => w.notice_saved,
        "draft" => w.notice_saved_draft,
        "published" => w.notice_published,
        "archived" => w.notice_archived,
        "cloned" => w.notice_cloned,
        _ => return None,
    })
}

pub async fn new_page(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
) -> Response {
    if !user.role().may_change() {
        return super::pages::refusal(lang, StatusCode::FORBIDDEN, Refusal::Forbidden);
    }
    let ctx = Context {
        profile_id: None,
        status: None,
        draft_pending: false,
    };
    let form = FormState::blank(lang.texts().wf);
    render_editor(
        &state,
        lang,
        &uri,
        &user,
        ctx,
        form,
        Vec::new(),
        None,
        None,
        StatusCode::OK,
    )
}

pub async fn edit_page(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Path(profile_id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let stored = match service::workflow_of_account(&state, &user.actor(), &profile_id).await {
        Ok(w) => w,
        Err(e) => return service_error(lang, e),
    };
    let form = FormState::of(stored.draft.as_ref().unwrap_or(&stored.definition));
    render_editor(
        &state,
        lang,
        &uri,
        &user,
        context_of(&stored),
        form,
        Vec::new(),
        notice_of(lang.texts().wf, &q),
        None,
        StatusCode::OK,
    )
}

fn context_of(w: &StoredWorkflow) -> Context {
    Context {
        profile_id: Some(w.profile_id.clone()),
        status: Some(w.status),
        draft_pending: w.draft.is_some(),
    }
}

/// The form body: the gate has already read and bounded it (and checked its token).
pub struct FormPairs(Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormPairs {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Response> {
        let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        Ok(FormPairs(super::url_pairs(&bytes)))
    }
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    FormPairs(pairs): FormPairs,
) -> Response {
    let ctx = Context {
        profile_id: None,
        status: None,
        draft_pending: false,
    };
    submit(&state, lang, &uri, &user, ctx, pairs).await
}

pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    uri: Uri,
    user: DashboardUser,
    Path(profile_id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> Response {
    let stored = match service::workflow_of_account(&state, &user.actor(), &profile_id).await {
        Ok(w) => w,
        Err(e) => return service_error(lang, e),
    };
    submit(&state, lang, &uri, &user, context_of(&stored), pairs).await
}

/// The editor's form: a button that changes the form, or Save / Publish.
async fn submit(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    user: &DashboardUser,
    ctx: Context,
    pairs: Vec<(String, String)>,
) -> Response {
    let w = lang.texts().wf;
    let (mut form, action) = FormState::parse(&pairs);
    if let Some(focus) = form.apply(&action, w) {
        return render_editor(
            state,
            lang,
            uri,
            user,
            ctx,
            form,
            Vec::new(),
            None,
            Some(if focus.is_empty() { "-".into() } else { focus }),
            StatusCode::OK,
        );
    }
    let publish = action == "publish";
    let input = match form.to_input() {
        Ok(input) => input,
        Err(bad) => {
            let errors = bad
                .into_iter()
                .map(|(field, code)| FieldError {
                    field,
                    text: w.error(code).unwrap_or(w.err_number).to_string(),
                })
                .collect();
            return render_editor(
                state,
                lang,
                uri,
                user,
                ctx,
                form,
                errors,
                None,
                None,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let actor = user.actor();
    let outcome = match &ctx.profile_id {
        None => service::create_workflow(
            state,
            &actor,
            SaveWorkflow {
                workflow: input,
                publish,
            },
        )
        .await
        .map(|w| (w, if publish { "published" } else { "saved" })),
        Some(id) => {
            async {
                let saved = service::save_edits(state, &actor, id, input).await?;
                if publish {
                    let w =
                        service::set_workflow_status(state, &actor, id, WorkflowStatus::Published)
                            .await?;
                    return Ok((w, "published"));
                }
                let notice = if saved.draft.is_some() {
                    "draft"
                } else {
                    "saved"
                };
                Ok((saved, notice))
            }
            .await
        }
    };
    match outcome {
        Ok((w, notice)) => {
            Redirect::to(&format!("/app/workflows/{}?notice={notice}", w.profile_id))
                .into_response()
        }
        Err(e) => match refusal_at(e, w, |path| field_of(path, &form)) {
            Ok((status, error)) => render_editor(
                state,
                lang,
                uri,
                user,
                ctx,
                form,
                vec![error],
                None,
                None,
                status,
            ),
            Err(e) => service_error(lang, e),
        },
    }
}

pub async fn archive(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(profile_id): Path<String>,
) -> Response {
    match service::set_workflow_status(&state, &user.actor(), &profile_id, WorkflowStatus::Archived)
        .await
    {
        Ok(w) => Redirect::to(&format!("/app/workflows/{}?notice=archived", w.profile_id))
            .into_response(),
        Err(e) => service_error(lang, e),
    }
}

/// A copy of the workflow (its draft if it has one: what the editor shows) as a new draft.
pub async fn clone(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(profile_id): Path<String>,
) -> Response {
    let actor = user.actor();
    let outcome = async {
        let source = service::workflow_of_account(&state, &actor, &profile_id).await?;
        let mut input = source.draft.unwrap_or(source.definition).to_input();
        let suffix = lang.texts().wf.copy_suffix;
        let room = crate::domain::limits::MAX_WORKFLOW_NAME_CHARS - suffix.chars().count();
        input.name = format!(
            "{}{suffix}",
            input.name.chars().take(room).collect::<String>()
        );
        service::create_workflow(
            &state,
            &actor,
            SaveWorkflow {
                workflow: input,
                publish: false,
            },
        )
        .await
    }
    .await;
    match outcome {
        Ok(w) => {
            Redirect::to(&format!("/app/workflows/{}?notice=cloned", w.profile_id)).into_response()
        }
        Err(e) => service_error(lang, e),
    }
}

/// The create request's body for the published version, as a file to download: the same
/// JSON as `GET /api/signet/workflows/{profileId}/payload`'s `data`.
pub async fn payload(
    State(state): State<AppState>,
    lang: Lang,
    user: DashboardUser,
    Path(profile_id): Path<String>,
) -> Response {
    let w = match service::workflow_of_account(&state, &user.actor(), &profile_id).await {
        Ok(w) => w,
        Err(e) => return service_error(lang, e),
    };
    let body =
        serde_json::to_string_pretty(&service::request_payload(&w)).unwrap_or_else(|_| "{}".into());
    let disposition = format!(
        "attachment; filename=\"{}\"",
        payload_file_name(&w.profile_id)
    );
    (
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_form_reads_back_as_the_workflow_it_shows() {
        let input = FormState::parse(&pairs(&[
            ("name", "Loan"),
            ("expiry_days", "5"),
            ("signing_order", "on"),
            ("slot-0-kind", "signer"),
            ("slot-0-label", "Borrower"),
            ("slot-0-type", "VIRTUAL_SIGN"),
            ("slot-0-email-notification", "on"),
            ("slot-0-box-0-page", "L"),
            ("slot-0-box-0-x", "50.5"),
            ("slot-0-box-0-y", "50"),
            ("slot-0-box-0-width", "200"),
            ("slot-0-box-0-height", "60"),
            ("slot-0-header-0-name", "X-Key"),
            ("slot-0-header-0-value", "v"),
            ("slot-0-header-1-name", ""),
            ("slot-0-header-1-value", ""),
            ("slot-0-verify", "verifyName"),
            ("slot-1-kind", "reviewer"),
            ("slot-1-label", "Lender"),
            ("slot-1-type", "VIRTUAL_SIGN"),
            ("action", "save"),
        ]))
        .0
        .to_input()
        .unwrap();
        let w = Workflow::parse(input).unwrap();
        assert_eq!(
            w.invitees[0].appearances[0].rect(),
            [50.5, 50.0, 250.5, 110.0]
        );
        assert_eq!(w.invitees[0].webhook_headers.len(), 1);
        assert!(!w.invitees[0].enable_reject_document);
        assert_eq!(
            w.invitees[0].verification,
            Some(serde_json::json!({"verifyName": true}))
        );
        assert_eq!(FormState::of(&w).to_input().unwrap(), w.to_input());
    }

    #[test]
    fn buttons_change_the_form_only() {
        let w = &super::super::i18n::workflows::EN;
        let mut f = FormState::blank(w);
        assert_eq!(f.apply("add-reviewer", w).as_deref(), Some("slot-1-label"));
        assert_eq!(
            f.apply("add-box:0", w).as_deref(),
            Some("slot-0-box-0-page")
        );
        assert_eq!(f.slots[0].boxes.len(), 1);
        assert_eq!(f.apply("up:1", w).as_deref(), Some("slot-0-label"));
        assert!(!f.slots[0].signer);
        assert_eq!(f.apply("remove-box:1:0", w).as_deref(), Some("add-box-1"));
        assert!(f.slots[1].boxes.is_empty());
        assert_eq!(f.apply("remove-box:9:0", w).as_deref(), Some(""));
        assert_eq!(f.apply("save", w), None);
    }

    #[test]
    fn refusal_paths_name_form_fields() {
        let f = FormState::default();
        assert_eq!(
            field_of("invitees[1].appearances[0].page", &f),
            "slot-1-box-0-page"
        );
        assert_eq!(field_of("invitees[1].appearances[2]", &f), "slot-1-box-2");
        assert_eq!(field_of("invitees[0].label", &f), "slot-0-label");
        assert_eq!(field_of("expiryDays", &f), "expiry_days");
        assert_eq!(field_of("invitees[].appearances", &f), "invitees");
    }
}
