//! A workflow: everything about a signing journey except what each request supplies. Pure:
//! parsing and checking only, no I/O.

use serde::{Deserialize, Serialize};

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
    pub signature_types: Vec<String>,
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
fn default_signature_types() -> Vec<String> {
    vec!["VIRTUAL_SIGN".into()]
}
fn yes() -> bool {
    true
}
fn default_webhook_version() -> String {
    "2.5".into()
}

/// Signature types the server can perform today; the others of API.md are refused at
/// workflow creation rather than failing when an invitee tries to sign.
pub const SUPPORTED_SIGNATURE_TYPES: &[&str] = &["VIRTUAL_SIGN"];
const KNOWN_SIGNATURE_TYPES: &[&str] = &[
    "VIRTUAL_SIGN",
    "DOC_SIGNER",
    "DSC",
    "AADHAAR",
    "NESL_ESIGN",
    "OFFLINE_SIGN",
    "AUTOMATED_SIGN",
];

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
    /// Checks everything a later request would otherwise trip over.
    pub fn validate(&self) -> Result<(), Invalid> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            return Err(invalid(
                "workflow.name.invalid",
                "name: required, at most 255 characters",
            ));
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
        if self.invitees.is_empty() || self.invitees.len() > 50 {
            return Err(invalid(
                "workflow.invitees.invalid",
                "invitees: between 1 and 50 slots",
            ));
        }
        for (i, slot) in self.invitees.iter().enumerate() {
            slot.validate(i)?;
        }
        Ok(())
    }
}

impl InviteeSlot {
    fn validate(&self, i: usize) -> Result<(), Invalid> {
        let at = |field: &str| format!("invitees[{i}].{field}");
        if self.label.trim().is_empty() || self.label.chars().count() > 100 {
            return Err(invalid(
                "workflow.invitee.label.invalid",
                format!("{}: required, at most 100 characters", at("label")),
            ));
        }
        if self.invitee_type == InviteeType::Signer {
            if self.signature_types.is_empty() {
                return Err(invalid(
                    "workflow.signature.type.invalid",
                    format!("{}: a signer needs at least one", at("signatureTypes")),
                ));
            }
            for t in &self.signature_types {
                if !KNOWN_SIGNATURE_TYPES.contains(&t.as_str()) {
                    return Err(invalid(
                        "workflow.signature.type.invalid",
                        format!("{}: unknown signature type {t:?}", at("signatureTypes")),
                    ));
                }
                if !SUPPORTED_SIGNATURE_TYPES.contains(&t.as_str()) {
                    return Err(invalid(
                        "workflow.signature.type.unsupported",
                        format!(
                            "{}: this server cannot perform {t} yet (supported: {})",
                            at("signatureTypes"),
                            SUPPORTED_SIGNATURE_TYPES.join(", ")
                        ),
                    ));
                }
            }
        }
        for (j, a) in self.appearances.iter().enumerate() {
            let field = at(&format!("appearances[{j}]"));
            if a.page.parse::<signet_pdf::pages::PageSpec>().is_err() {
                return Err(invalid(
                    "workflow.appearance.page.invalid",
                    format!("{field}.page: A, F, L, E, O or page numbers like \"1,3\""),
                ));
            }
            let finite = [a.x1, a.y1, a.x2, a.y2]
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0);
            if !finite || a.x2 <= a.x1 || a.y2 <= a.y1 {
                return Err(invalid(
                    "workflow.appearance.rect.invalid",
                    format!("{field}: need 0 <= x1 < x2 and 0 <= y1 < y2, in points"),
                ));
            }
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
                    || url.len() > 2048)
            {
                return Err(invalid(
                    "workflow.url.invalid",
                    format!("{}: must be an http(s) URL", at(field)),
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
        if self.webhook_headers.len() > 20 {
            return Err(invalid(
                "workflow.webhook.header.invalid",
                format!("{}: at most 20 headers", at("webhookHeaders")),
            ));
        }
        for (name, value) in &self.webhook_headers {
            if let Some(why) = header_problem(name, value) {
                return Err(invalid(
                    "workflow.webhook.header.invalid",
                    format!("{}.{name}: {why}", at("webhookHeaders")),
                ));
            }
        }
        Ok(())
    }
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
    if name.is_empty() || name.len() > 100 || !name.chars().all(token) {
        return Some("not a valid header name");
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Some("set by Signet itself");
    }
    if value.len() > 4096
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
        ];
        for (change, code) in cases {
            let mut v = sample();
            change(&mut v);
            assert_eq!(parse(v).unwrap_err().code, code);
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = sample();
        v["invitees"][0]["signatureType"] = "VIRTUAL_SIGN".into();
        assert!(parse(v).is_err());
    }
}
