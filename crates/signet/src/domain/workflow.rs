//! A workflow: everything about a signing journey except what each request supplies. Pure:
//! parsing and checking only, no I/O.

use serde::{Deserialize, Serialize};
use signet_pdf::pages::PageSpec;

use super::limits::*;
use super::signature_type::{SignatureType, SignatureTypeName};

/// The workflow JSON of API.md section 1, with Leegality's field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkflowDefinition {
    pub name: String,
    #[serde(rename = "type", default = "default_type")]
    pub kind: String,
    #[serde(default)]
    pub require_signing_order: bool,
    #[serde(default = "default_expiry")]
    pub expiry_days: i64,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub delete_on_complete: bool,
    pub invitees: Vec<InviteeSlot>,
    /// Accepted on create so a client can create and publish in one call; not stored.
    #[serde(default, skip_serializing)]
    pub publish: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InviteeSlot {
    pub label: String,
    pub invitee_type: InviteeType,
    #[serde(default = "default_signature_types")]
    pub signature_types: Vec<SignatureTypeName>,
    #[serde(default)]
    pub appearances: Vec<Appearance>,
    #[serde(default = "yes")]
    pub email_notification: bool,
    #[serde(default)]
    pub phone_notification: bool,
    #[serde(default)]
    pub enforce_authentication: bool,
    #[serde(default = "yes")]
    pub enable_reject_document: bool,
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
    #[serde(default)]
    pub webhook_headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub verification: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteeType {
    Signer,
    Reviewer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appearance {
    pub page: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    #[serde(default)]
    pub success: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default = "default_webhook_version")]
    pub version: String,
}

fn default_type() -> String {
    "PDF".into()
}
fn default_expiry() -> i64 {
    10
}
fn default_signature_types() -> Vec<SignatureTypeName> {
    vec![SignatureType::VirtualSign.into()]
}
fn yes() -> bool {
    true
}
fn default_webhook_version() -> String {
    "2.5".into()
}

/// Why a workflow was refused: a stable code and a message naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

fn invalid(code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        code,
        message: message.into(),
    }
}

impl WorkflowDefinition {
    /// Checks everything a later request would otherwise trip over, and every bound of
    /// README.md's "Limits" table.
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(why) = name_problem(&self.name, MAX_WORKFLOW_NAME_CHARS) {
            return Err(invalid("workflow.name.invalid", format!("name: {why}")));
        }
        if !matches!(self.kind.as_str(), "PDF" | "TEMPLATE") {
            return Err(invalid("workflow.type.invalid", "type: PDF or TEMPLATE"));
        }
        if self.kind == "TEMPLATE" {
            return Err(invalid(
                "workflow.type.unsupported",
                "type: TEMPLATE workflows are not supported yet; use PDF",
            ));
        }
        if self.expiry_days < -1 || self.expiry_days > 3650 {
            return Err(invalid(
                "workflow.expiry.invalid",
                "expiryDays: -1 (45 minutes), 0 (end of today) or 1 to 3650 days",
            ));
        }
        if let Some(why) = self
            .message
            .as_deref()
            .and_then(|m| text_problem(m, MAX_MESSAGE_CHARS, forbidden_in_text))
        {
            return Err(invalid(
                "workflow.message.invalid",
                format!("message: {why}"),
            ));
        }
        if self.invitees.is_empty() || self.invitees.len() > MAX_SLOTS {
            return Err(invalid(
                "workflow.invitees.invalid",
                format!("invitees: between 1 and {MAX_SLOTS} slots"),
            ));
        }
        for (i, slot) in self.invitees.iter().enumerate() {
            slot.validate(i)?;
        }
        let appearances: usize = self.invitees.iter().map(|s| s.appearances.len()).sum();
        if appearances > MAX_APPEARANCES_PER_WORKFLOW {
            return Err(invalid(
                "workflow.appearances.too.many",
                format!(
                    "invitees[].appearances: {appearances} in all, at most \
                     {MAX_APPEARANCES_PER_WORKFLOW} per workflow"
                ),
            ));
        }
        // The fewest widgets the workflow can draw, whatever the document: what can be
        // refused before a document is known.
        let least: usize = self.signers().map(|s| placements(s, None)).sum();
        if least > MAX_PLACEMENTS_PER_DOCUMENT {
            return Err(invalid(
                "workflow.placements.too.many",
                format!(
                    "invitees[].appearances: the signatures draw at least {least} marks, at \
                     most {MAX_PLACEMENTS_PER_DOCUMENT} per document"
                ),
            ));
        }
        Ok(())
    }

    fn signers(&self) -> impl Iterator<Item = &InviteeSlot> {
        self.invitees
            .iter()
            .filter(|s| s.invitee_type == InviteeType::Signer)
    }

    /// Checks the workflow's placements against a document: the widgets each signature and
    /// all of them draw on it, and that every rectangle lies on each page it is placed on.
    /// `page_sizes` are the pages' displayed sizes (crop box, after rotation), in points.
    pub fn check_document(&self, page_sizes: &[(f64, f64)]) -> Result<(), Invalid> {
        let mut total = 0;
        for (i, slot) in self.invitees.iter().enumerate() {
            if slot.invitee_type != InviteeType::Signer {
                continue;
            }
            let n = placements(slot, Some(page_sizes.len()));
            if n > MAX_PLACEMENTS_PER_SIGNATURE {
                return Err(invalid(
                    "appearance.placements.too.many",
                    format!(
                        "invitees[{i}].appearances: {n} marks on this {}-page document, at \
                         most {MAX_PLACEMENTS_PER_SIGNATURE} per signature",
                        page_sizes.len()
                    ),
                ));
            }
            total += n;
            for (j, a) in slot.appearances.iter().enumerate() {
                let spec = parse_spec(&a.page).map_err(|_| page_invalid(i, j, &a.page))?;
                let pages = spec
                    .select(page_sizes.len())
                    .map_err(|_| page_invalid(i, j, &a.page))?;
                for p in pages {
                    let (w, h) = page_sizes[p];
                    if a.x2 > w || a.y2 > h {
                        return Err(invalid(
                            "appearance.rect.outside",
                            format!(
                                "invitees[{i}].appearances[{j}]: [{}, {}, {}, {}] does not fit \
                                 page {} of the document, {} x {} points as displayed",
                                a.x1,
                                a.y1,
                                a.x2,
                                a.y2,
                                p + 1,
                                points(w),
                                points(h)
                            ),
                        ));
                    }
                }
            }
        }
        if total > MAX_PLACEMENTS_PER_DOCUMENT {
            return Err(invalid(
                "appearance.placements.too.many",
                format!(
                    "invitees[].appearances: {total} marks on this {}-page document, at most \
                     {MAX_PLACEMENTS_PER_DOCUMENT} per document",
                    page_sizes.len()
                ),
            ));
        }
        Ok(())
    }
}

fn points(v: f64) -> String {
    format!("{v:.1}").trim_end_matches(".0").to_string()
}

fn page_invalid(i: usize, j: usize, spec: &str) -> Invalid {
    invalid(
        "appearance.page.invalid",
        format!(
            "invitees[{i}].appearances[{j}].page: the workflow places a signature on page(s) \
             {:?}, which this document does not have",
            spec.chars().take(64).collect::<String>()
        ),
    )
}

fn parse_spec(spec: &str) -> Result<PageSpec, signet_pdf::Error> {
    spec.parse()
}

/// Widgets a slot's signature draws: on a document of `pages` pages, or when the document is
/// not known yet, the fewest it can draw (`A` and `O` at least one, `E` none, a list its
/// distinct pages).
fn placements(slot: &InviteeSlot, pages: Option<usize>) -> usize {
    let mut n = 0;
    for a in &slot.appearances {
        let Ok(spec) = parse_spec(&a.page) else {
            continue;
        };
        n += match (pages, &spec) {
            // A page the document lacks is refused by the rectangle check, naming its field.
            (Some(count), _) => spec.select(count).map_or(0, |p| p.len()),
            (None, PageSpec::List(list)) => {
                let mut l = list.clone();
                l.sort_unstable();
                l.dedup();
                l.len()
            }
            (None, PageSpec::Even) => 0,
            (None, _) => 1,
        };
    }
    n
}

impl InviteeSlot {
    /// Whether the slot lets its invitee sign this way.
    pub fn allows(&self, t: SignatureType) -> bool {
        self.signature_types.iter().any(|s| s.known() == Some(t))
    }

    fn validate(&self, i: usize) -> Result<(), Invalid> {
        let at = |field: &str| format!("invitees[{i}].{field}");
        if let Some(why) = name_problem(&self.label, MAX_LABEL_CHARS) {
            return Err(invalid(
                "workflow.invitee.label.invalid",
                format!("{}: {why}", at("label")),
            ));
        }
        if self.invitee_type == InviteeType::Signer {
            if self.signature_types.is_empty() {
                return Err(invalid(
                    "workflow.signature.type.invalid",
                    format!("{}: a signer needs at least one", at("signatureTypes")),
                ));
            }
            if self.signature_types.len() > SignatureType::ALL.len() {
                return Err(invalid(
                    "workflow.signature.type.invalid",
                    format!(
                        "{}: at most {} types, each once",
                        at("signatureTypes"),
                        SignatureType::ALL.len()
                    ),
                ));
            }
            for t in &self.signature_types {
                let t = match t {
                    SignatureTypeName::Known(t) => *t,
                    SignatureTypeName::Unknown(name) => {
                        return Err(invalid(
                            "workflow.signature.type.invalid",
                            format!(
                                "{}: unknown signature type {:?}",
                                at("signatureTypes"),
                                name.chars().take(64).collect::<String>()
                            ),
                        ));
                    }
                };
                if !t.is_supported() {
                    let supported: Vec<&str> = SignatureType::SUPPORTED
                        .iter()
                        .map(|s| s.as_str())
                        .collect();
                    return Err(invalid(
                        "workflow.signature.type.unsupported",
                        format!(
                            "{}: this server cannot perform {t} yet (supported: {})",
                            at("signatureTypes"),
                            supported.join(", ")
                        ),
                    ));
                }
            }
        }
        if self.appearances.len() > MAX_APPEARANCES_PER_SLOT {
            return Err(invalid(
                "workflow.appearances.too.many",
                format!(
                    "{}: {} entries, at most {MAX_APPEARANCES_PER_SLOT} per slot",
                    at("appearances"),
                    self.appearances.len()
                ),
            ));
        }
        for (j, a) in self.appearances.iter().enumerate() {
            let field = at(&format!("appearances[{j}]"));
            let spec = match parse_spec(&a.page) {
                Ok(spec) => spec,
                Err(_) => {
                    return Err(invalid(
                        "workflow.appearance.page.invalid",
                        format!("{field}.page: A, F, L, E, O or page numbers like \"1,3\""),
                    ));
                }
            };
            if let PageSpec::List(list) = &spec
                && list.len() > MAX_PAGE_LIST
            {
                return Err(invalid(
                    "workflow.appearance.page.invalid",
                    format!("{field}.page: at most {MAX_PAGE_LIST} page numbers"),
                ));
            }
            if let Some(why) = rect_problem([a.x1, a.y1, a.x2, a.y2]) {
                return Err(invalid(
                    "workflow.appearance.rect.invalid",
                    format!("{field}: {why}"),
                ));
            }
        }
        let least = placements(self, None);
        if least > MAX_PLACEMENTS_PER_SIGNATURE {
            return Err(invalid(
                "workflow.placements.too.many",
                format!(
                    "{}: the signature draws at least {least} marks, at most \
                     {MAX_PLACEMENTS_PER_SIGNATURE}",
                    at("appearances")
                ),
            ));
        }
        for (field, url) in [
            (
                "webhook.success",
                self.webhook.as_ref().and_then(|w| w.success.as_ref()),
            ),
            (
                "webhook.error",
                self.webhook.as_ref().and_then(|w| w.error.as_ref()),
            ),
            ("redirectUrl", self.redirect_url.as_ref()),
        ] {
            if let Some(url) = url.filter(|u| !u.is_empty())
                && (!(url.starts_with("https://") || url.starts_with("http://"))
                    || url.len() > MAX_URL_BYTES
                    || url.chars().any(|c| c.is_whitespace() || c.is_control()))
            {
                return Err(invalid(
                    "workflow.url.invalid",
                    format!(
                        "{}: an http(s) URL of at most {MAX_URL_BYTES} bytes, without spaces",
                        at(field)
                    ),
                ));
            }
        }
        if self.phone_notification {
            return Err(invalid(
                "workflow.sms.unsupported",
                format!(
                    "{}: Signet sends no SMS yet; invitees are notified by mail (emailNotification)",
                    at("phoneNotification")
                ),
            ));
        }
        if let Some(w) = &self.webhook
            && w.version != "2.5"
        {
            return Err(invalid(
                "workflow.webhook.version.unsupported",
                format!(
                    "{}: only version 2.5 is sent (the body of API.md section 6)",
                    at("webhook.version")
                ),
            ));
        }
        if self.webhook_headers.len() > MAX_WEBHOOK_HEADERS {
            return Err(invalid(
                "workflow.webhook.header.invalid",
                format!(
                    "{}: at most {MAX_WEBHOOK_HEADERS} headers",
                    at("webhookHeaders")
                ),
            ));
        }
        for (name, value) in &self.webhook_headers {
            if let Some(why) = header_problem(name, value) {
                return Err(invalid(
                    "workflow.webhook.header.invalid",
                    format!(
                        "{}.{}: {why}",
                        at("webhookHeaders"),
                        name.chars()
                            .take(MAX_WEBHOOK_HEADER_NAME_BYTES)
                            .collect::<String>()
                    ),
                ));
            }
        }
        if let Some(v) = &self.verification
            && let Some(why) = verification_problem(v)
        {
            return Err(invalid(
                "workflow.verification.invalid",
                format!("{}: {why}", at("verification")),
            ));
        }
        Ok(())
    }
}

/// The largest page a PDF reader shows is 14,400 units a side (ISO 32000-2, Annex C): no
/// rectangle beyond it fits any page, whatever the document.
pub const MAX_PAGE_SIDE: f64 = 14_400.0;

/// Why a placement rectangle (points from the bottom-left of the displayed page) can fit no
/// page, if it cannot.
pub fn rect_problem([x1, y1, x2, y2]: [f64; 4]) -> Option<String> {
    let fine = |v: f64| v.is_finite() && (0.0..=MAX_PAGE_SIDE).contains(&v);
    if ![x1, y1, x2, y2].into_iter().all(fine) || x2 <= x1 || y2 <= y1 {
        return Some(format!(
            "need 0 <= x1 < x2 <= {MAX_PAGE_SIDE} and 0 <= y1 < y2 <= {MAX_PAGE_SIDE}, in points"
        ));
    }
    None
}

/// Why a slot's `verification` block is refused, if it is: a flat object of flags and short
/// values (Leegality's `verifyName`, `verifyPincode`...).
fn verification_problem(v: &serde_json::Value) -> Option<String> {
    let Some(map) = v.as_object() else {
        return Some("an object such as {\"verifyName\": true}".into());
    };
    if map.len() > MAX_VERIFICATION_ENTRIES {
        return Some(format!("at most {MAX_VERIFICATION_ENTRIES} entries"));
    }
    for (key, value) in map {
        let key_shown: String = key.chars().take(64).collect();
        if key.is_empty() || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Some(format!(
                "{key_shown:?}: keys are letters and digits, at most 64"
            ));
        }
        let ok = match value {
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
                true
            }
            serde_json::Value::String(s) => {
                text_problem(s, MAX_VERIFICATION_VALUE_CHARS, forbidden_in_name).is_none()
            }
            _ => false,
        };
        if !ok {
            return Some(format!(
                "{key_shown}: a boolean, a number or a text of at most \
                 {MAX_VERIFICATION_VALUE_CHARS} characters"
            ));
        }
    }
    None
}

/// Headers Signet sets itself on every webhook, which a slot cannot replace.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "host",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// Why a static webhook header cannot be sent as given, if it cannot.
fn header_problem(name: &str, value: &str) -> Option<&'static str> {
    // RFC 9110 token characters.
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > MAX_WEBHOOK_HEADER_NAME_BYTES || !name.chars().all(token) {
        return Some("not a valid header name (RFC 9110 token, at most 100 bytes)");
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Some("set by Signet itself");
    }
    if value.len() > MAX_WEBHOOK_HEADER_VALUE_BYTES
        || value
            .chars()
            .any(|c| !(c == '\t' || (' '..='~').contains(&c)))
    {
        return Some("values are printable ASCII, at most 4096 characters");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "name": "Loan agreement", "type": "PDF", "requireSigningOrder": true, "expiryDays": 10,
            "invitees": [
                {"label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["VIRTUAL_SIGN"],
                 "appearances": [{"page": "L", "x1": 50, "y1": 50, "x2": 250, "y2": 110}],
                 "webhook": {"success": "https://example.com/ok", "error": "https://example.com/err", "version": "2.5"},
                 "webhookHeaders": {"X-Api-Key": "secret"}, "redirectUrl": "https://example.com/done"},
                {"label": "Lender", "inviteeType": "Reviewer"}
            ]
        })
    }

    fn parse(v: serde_json::Value) -> Result<WorkflowDefinition, Invalid> {
        let w: WorkflowDefinition =
            serde_json::from_value(v).map_err(|e| invalid("json", e.to_string()))?;
        w.validate().map(|()| w)
    }

    #[test]
    fn the_api_sample_is_valid_and_round_trips() {
        let w = parse(sample()).unwrap();
        assert_eq!(w.invitees[1].invitee_type, InviteeType::Reviewer);
        assert!(w.invitees[1].email_notification, "defaults apply");
        let back: WorkflowDefinition =
            serde_json::from_value(serde_json::to_value(&w).unwrap()).unwrap();
        assert_eq!(back, w);
    }

    #[test]
    fn each_bad_field_has_its_code() {
        type Change = fn(&mut serde_json::Value);
        let cases: Vec<(Change, &str)> = vec![
            (|v| v["name"] = "".into(), "workflow.name.invalid"),
            (|v| v["type"] = "WORD".into(), "workflow.type.invalid"),
            (|v| v["expiryDays"] = (-2).into(), "workflow.expiry.invalid"),
            (
                |v| v["invitees"] = serde_json::json!([]),
                "workflow.invitees.invalid",
            ),
            (
                |v| v["invitees"][0]["signatureTypes"] = serde_json::json!(["DSC"]),
                "workflow.signature.type.unsupported",
            ),
            (
                |v| v["invitees"][0]["signatureTypes"] = serde_json::json!(["MAGIC"]),
                "workflow.signature.type.invalid",
            ),
            (
                |v| v["invitees"][0]["appearances"][0]["page"] = "Z".into(),
                "workflow.appearance.page.invalid",
            ),
            (
                |v| v["invitees"][0]["appearances"][0]["x2"] = 10.into(),
                "workflow.appearance.rect.invalid",
            ),
            (
                |v| v["invitees"][0]["redirectUrl"] = "javascript:alert(1)".into(),
                "workflow.url.invalid",
            ),
            (
                |v| v["invitees"][0]["label"] = " ".into(),
                "workflow.invitee.label.invalid",
            ),
            (
                |v| v["invitees"][0]["webhook"]["version"] = "2.1".into(),
                "workflow.webhook.version.unsupported",
            ),
            (
                |v| v["invitees"][0]["phoneNotification"] = true.into(),
                "workflow.sms.unsupported",
            ),
            (
                |v| v["invitees"][0]["webhookHeaders"] = serde_json::json!({"Bad Name": "x"}),
                "workflow.webhook.header.invalid",
            ),
            (
                |v| v["invitees"][0]["webhookHeaders"] = serde_json::json!({"X-Key": "a\r\nb"}),
                "workflow.webhook.header.invalid",
            ),
            (
                |v| {
                    v["invitees"][0]["webhookHeaders"] =
                        serde_json::json!({"Webhook-Signature": "x"})
                },
                "workflow.webhook.header.invalid",
            ),
            (
                |v| v["invitees"][0]["appearances"][0]["x2"] = 1e308.into(),
                "workflow.appearance.rect.invalid",
            ),
            (
                |v| v["invitees"][0]["appearances"][0]["y1"] = (-5).into(),
                "workflow.appearance.rect.invalid",
            ),
            (
                |v| v["invitees"][0]["appearances"][0]["x2"] = 14_401.into(),
                "workflow.appearance.rect.invalid",
            ),
            (
                |v| {
                    v["invitees"][0]["appearances"] =
                        serde_json::Value::Array(vec![
                            v["invitees"][0]["appearances"][0].clone();
                            21
                        ])
                },
                "workflow.appearances.too.many",
            ),
            (
                |v| {
                    let list = (1..=501)
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(",");
                    v["invitees"][0]["appearances"][0]["page"] = list.into();
                },
                "workflow.appearance.page.invalid",
            ),
            (
                |v| {
                    let list = (1..=300)
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(",");
                    let more = (301..=600)
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(",");
                    v["invitees"][0]["appearances"] = serde_json::json!([
                        {"page": list, "x1": 1, "y1": 1, "x2": 2, "y2": 2},
                        {"page": more, "x1": 1, "y1": 1, "x2": 2, "y2": 2}
                    ]);
                },
                "workflow.placements.too.many",
            ),
            (
                |v| v["message"] = "x".repeat(MAX_MESSAGE_CHARS + 1).into(),
                "workflow.message.invalid",
            ),
            (
                |v| v["message"] = "a\u{7}".into(),
                "workflow.message.invalid",
            ),
            (|v| v["name"] = "a\u{202D}b".into(), "workflow.name.invalid"),
            (
                |v| v["invitees"][0]["verification"] = serde_json::json!([true]),
                "workflow.verification.invalid",
            ),
            (
                |v| v["invitees"][0]["verification"] = serde_json::json!({"verifyName": {}}),
                "workflow.verification.invalid",
            ),
            (
                |v| {
                    v["invitees"][0]["webhookHeaders"] =
                        serde_json::json!({"X-Key": "v".repeat(4097)})
                },
                "workflow.webhook.header.invalid",
            ),
            (
                |v| v["invitees"][0]["redirectUrl"] = "https://example.com/a b".into(),
                "workflow.url.invalid",
            ),
        ];
        for (change, code) in cases {
            let mut v = sample();
            change(&mut v);
            assert_eq!(parse(v).unwrap_err().code, code);
        }
    }

    #[test]
    fn placements_are_checked_against_the_document() {
        let mut v = sample();
        v["invitees"][0]["appearances"] = serde_json::json!([
            {"page": "A", "x1": 50, "y1": 50, "x2": 250, "y2": 110},
            {"page": "2", "x1": 300, "y1": 700, "x2": 500, "y2": 800}
        ]);
        let w = parse(v).unwrap();
        let a4 = (595.0, 842.0);
        let landscape = (842.0, 595.0);
        assert_eq!(w.check_document(&[a4, a4]), Ok(()));
        let code = |sizes: &[(f64, f64)]| w.check_document(sizes).unwrap_err().code;
        // Page 2 turned: 800 points up does not fit 595.
        assert_eq!(code(&[a4, landscape]), "appearance.rect.outside");
        assert!(
            w.check_document(&[a4, landscape])
                .unwrap_err()
                .message
                .contains("page 2")
        );
        assert_eq!(code(&[a4]), "appearance.page.invalid");
        assert_eq!(
            code(&vec![a4; MAX_PLACEMENTS_PER_SIGNATURE]),
            "appearance.placements.too.many"
        );
        assert_eq!(
            w.check_document(&vec![a4; MAX_PLACEMENTS_PER_SIGNATURE - 1]),
            Ok(())
        );
        // Five signers of 401 marks each: each within its bound, the document over its own.
        let mut v = sample();
        v["invitees"] = serde_json::Value::Array(vec![v["invitees"][0].clone(); 5]);
        v["invitees"][0]["appearances"][0]["page"] = "A".into();
        for i in 0..5 {
            v["invitees"][i]["appearances"][0]["page"] = "A".into();
        }
        let w = parse(v).unwrap();
        assert_eq!(w.check_document(&vec![a4; 400]), Ok(()));
        let e = w.check_document(&vec![a4; 401]).unwrap_err();
        assert_eq!(e.code, "appearance.placements.too.many");
        assert!(e.message.contains("per document"), "{}", e.message);
    }

    #[test]
    fn signature_types_are_checked_in_order_and_kept_as_written() {
        let with = |types: serde_json::Value| {
            let mut v = sample();
            v["invitees"][0]["signatureTypes"] = types;
            parse(v)
        };
        let e = with(serde_json::json!(["VIRTUAL_SIGN", "MAGIC"])).unwrap_err();
        assert_eq!(e.code, "workflow.signature.type.invalid");
        assert_eq!(
            e.message,
            "invitees[0].signatureTypes: unknown signature type \"MAGIC\""
        );
        let e = with(serde_json::json!(["AADHAAR", "MAGIC"])).unwrap_err();
        assert_eq!(
            e.message,
            "invitees[0].signatureTypes: this server cannot perform AADHAAR yet (supported: \
             VIRTUAL_SIGN)"
        );
        let e = with(serde_json::json!(vec!["VIRTUAL_SIGN"; 8])).unwrap_err();
        assert_eq!(
            e.message,
            "invitees[0].signatureTypes: at most 7 types, each once"
        );
        let w = with(serde_json::json!(["VIRTUAL_SIGN"])).unwrap();
        assert!(w.invitees[0].allows(SignatureType::VirtualSign));
        assert!(!w.invitees[0].allows(SignatureType::Dsc));
        assert_eq!(
            serde_json::to_value(&w).unwrap()["invitees"][0]["signatureTypes"],
            serde_json::json!(["VIRTUAL_SIGN"])
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = sample();
        v["invitees"][0]["signatureType"] = "VIRTUAL_SIGN".into();
        assert!(parse(v).is_err());
    }
}
