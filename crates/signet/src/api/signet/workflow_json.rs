//! The workflow JSON of API.md section 1 as clients write it: Leegality's names, the defaults
//! of a field left out, unknown fields refused, and `publish`. It becomes the domain's
//! [`WorkflowInput`] to be checked, and a stored [`Workflow`] becomes it again to be answered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::signature_type::{SignatureType, SignatureTypeName};
use crate::domain::workflow::{
    AppearanceInput, InviteeType, SlotInput, WebhookConfig, Workflow, WorkflowInput,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkflowJson {
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
    pub invitees: Vec<SlotJson>,
    /// Accepted on create so a client can create and publish in one call; not stored.
    #[serde(default, skip_serializing)]
    pub publish: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlotJson {
    pub label: String,
    pub invitee_type: InviteeType,
    #[serde(default = "default_signature_types")]
    pub signature_types: Vec<SignatureTypeName>,
    #[serde(default)]
    pub appearances: Vec<AppearanceJson>,
    #[serde(default = "yes")]
    pub email_notification: bool,
    #[serde(default)]
    pub phone_notification: bool,
    #[serde(default)]
    pub enforce_authentication: bool,
    #[serde(default = "yes")]
    pub enable_reject_document: bool,
    #[serde(default)]
    pub webhook: Option<WebhookJson>,
    #[serde(default)]
    pub webhook_headers: BTreeMap<String, String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub verification: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_signer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esp: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppearanceJson {
    pub page: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookJson {
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

impl WorkflowJson {
    /// The workflow to check, and whether the client asked to publish it.
    pub fn into_input(self) -> (WorkflowInput, bool) {
        let input = WorkflowInput {
            name: self.name,
            kind: self.kind,
            require_signing_order: self.require_signing_order,
            expiry_days: self.expiry_days,
            message: self.message,
            delete_on_complete: self.delete_on_complete,
            invitees: self
                .invitees
                .into_iter()
                .map(|s| SlotInput {
                    label: s.label,
                    invitee_type: s.invitee_type,
                    signature_types: s.signature_types,
                    appearances: s
                        .appearances
                        .into_iter()
                        .map(|a| AppearanceInput {
                            page: a.page,
                            x1: a.x1,
                            y1: a.y1,
                            x2: a.x2,
                            y2: a.y2,
                        })
                        .collect(),
                    email_notification: s.email_notification,
                    phone_notification: s.phone_notification,
                    enforce_authentication: s.enforce_authentication,
                    enable_reject_document: s.enable_reject_document,
                    webhook: s.webhook.map(|w| WebhookConfig {
                        success: w.success,
                        error: w.error,
                        version: w.version,
                    }),
                    webhook_headers: s.webhook_headers,
                    redirect_url: s.redirect_url,
                    verification: s.verification,
                    doc_signer: s.doc_signer,
                    esp: s.esp,
                })
                .collect(),
        };
        (input, self.publish)
    }
}

impl From<&Workflow> for WorkflowJson {
    fn from(w: &Workflow) -> Self {
        w.to_input().into()
    }
}

impl From<WorkflowInput> for WorkflowJson {
    fn from(w: WorkflowInput) -> Self {
        WorkflowJson {
            name: w.name,
            kind: w.kind,
            require_signing_order: w.require_signing_order,
            expiry_days: w.expiry_days,
            message: w.message,
            delete_on_complete: w.delete_on_complete,
            invitees: w
                .invitees
                .into_iter()
                .map(|s| SlotJson {
                    label: s.label,
                    invitee_type: s.invitee_type,
                    signature_types: s.signature_types,
                    appearances: s
                        .appearances
                        .into_iter()
                        .map(|a| AppearanceJson {
                            page: a.page,
                            x1: a.x1,
                            y1: a.y1,
                            x2: a.x2,
                            y2: a.y2,
                        })
                        .collect(),
                    email_notification: s.email_notification,
                    phone_notification: s.phone_notification,
                    enforce_authentication: s.enforce_authentication,
                    enable_reject_document: s.enable_reject_document,
                    webhook: s.webhook.map(|w| WebhookJson {
                        success: w.success,
                        error: w.error,
                        version: w.version,
                    }),
                    webhook_headers: s.webhook_headers,
                    redirect_url: s.redirect_url,
                    verification: s.verification,
                    doc_signer: s.doc_signer,
                    esp: s.esp,
                })
                .collect(),
            publish: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::limits::*;
    use crate::domain::workflow::Invalid;

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

    fn parse(v: serde_json::Value) -> Result<Workflow, Invalid> {
        let w: WorkflowJson = serde_json::from_value(v).map_err(|e| Invalid {
            code: "json",
            message: e.to_string(),
        })?;
        Workflow::parse(w.into_input().0)
    }

    #[test]
    fn the_api_sample_is_valid_and_round_trips() {
        let w = parse(sample()).unwrap();
        assert_eq!(w.invitees[1].invitee_type, InviteeType::Reviewer);
        assert!(w.invitees[1].email_notification, "defaults apply");
        let back: WorkflowJson =
            serde_json::from_value(serde_json::to_value(WorkflowJson::from(&w)).unwrap()).unwrap();
        assert_eq!(Workflow::parse(back.into_input().0).unwrap(), w);
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
                |v| v["invitees"][0]["signatureTypes"] = serde_json::json!(["OFFLINE_SIGN"]),
                "workflow.signature.type.unsupported",
            ),
            (
                |v| v["invitees"][0]["signatureTypes"] = serde_json::json!(["AUTOMATED_SIGN"]),
                "workflow.docsigner.required",
            ),
            (
                |v| {
                    v["invitees"][0]["signatureTypes"] =
                        serde_json::json!(["AUTOMATED_SIGN", "VIRTUAL_SIGN"]);
                    v["invitees"][0]["docSigner"] = "Ab3dE5g".into();
                },
                "workflow.signature.type.invalid",
            ),
            (
                |v| v["invitees"][0]["docSigner"] = "Ab3dE5g".into(),
                "workflow.docsigner.invalid",
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
        let e = with(serde_json::json!(["OFFLINE_SIGN", "MAGIC"])).unwrap_err();
        assert_eq!(
            e.message,
            "invitees[0].signatureTypes: this server cannot perform OFFLINE_SIGN yet (supported: \
             VIRTUAL_SIGN, DOC_SIGNER, DSC, AADHAAR, AUTOMATED_SIGN)"
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
            serde_json::to_value(WorkflowJson::from(&w)).unwrap()["invitees"][0]["signatureTypes"],
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
