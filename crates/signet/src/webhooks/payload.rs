//! The version 2.5 webhook body (Leegality's "webhook lite"), with its exact field names, and
//! which of the slot's URLs it goes to.

use crate::wire::Zone;
use serde::Serialize;

use crate::domain::signature_type::SignatureType;
use crate::domain::verification::{VerificationResults, WebhookVerification};
use crate::store::{EventFacts, RenderedWebhook, WebhookEvent, WebhookRenderer};

use super::signature::mac;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    webhook_type: &'static str,
    document_id: &'a str,
    mac: String,
    irn: Option<&'a str>,
    document_status: &'static str,
    messages: Vec<Message>,
    request: Request<'a>,
    /// The certificate checks: `null` for a check not asked for (and for signature types
    /// that have no certificate to check).
    verification: WebhookVerification,
}

#[derive(Serialize)]
struct Message {
    code: String,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    invitee_type: &'static str,
    name: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    invitation_url: &'a str,
    sign_url: &'a str,
    active: bool,
    action: Option<&'static str>,
    error: Option<&'static str>,
    expired: bool,
    expiry_date: String,
    rejection_message: Option<&'a str>,
    sign_type: Option<&'a str>,
}

/// Leegality's wording of a failed check (its older webhooks' `request.error` strings).
fn failed_check_message(check: &str) -> Message {
    let what = match check {
        "name" | "smartName" => "Name",
        "pincode" => "Pincode",
        "state" => "State",
        "title" => "Title",
        "yob" => "Year of birth",
        "gender" => "Gender",
        other => other,
    };
    Message {
        code: format!("verification.{check}.failed"),
        message: format!("{what} doesn't match with the Digital Signature Certificate."),
    }
}

/// Renders bodies for this server: its public URL makes the signing links, its zone the
/// times.
pub struct Renderer {
    pub public_url: String,
    pub zone: Zone,
}

impl WebhookRenderer for Renderer {
    fn render(&self, f: &EventFacts) -> Option<RenderedWebhook> {
        let slot = f.workflow.invitees.get(usize::try_from(f.slot).ok()?)?;
        let hooks = slot.webhook.as_ref()?;
        let success = matches!(f.event, WebhookEvent::Signed | WebhookEvent::Approved);
        let url = if success {
            &hooks.success
        } else {
            &hooks.error
        };
        let url = url.as_deref().filter(|u| !u.is_empty())?;
        let body = self.body(f);
        Some(RenderedWebhook {
            url: url.to_string(),
            headers: serde_json::to_string(&slot.webhook_headers).ok()?,
            body,
        })
    }
}

impl Renderer {
    pub fn body(&self, f: &EventFacts) -> String {
        let link = format!("{}/sign/{}", self.public_url, f.invitation_id);
        let (webhook_type, action, error) = match f.event {
            WebhookEvent::Signed => ("Success", Some("Signed"), None),
            WebhookEvent::Approved => ("Success", Some("Approved"), None),
            WebhookEvent::Rejected => ("Error", Some("Rejected"), None),
            WebhookEvent::VerificationFailed => {
                ("Error", None, Some("Certificate verification failed"))
            }
            WebhookEvent::Expired => ("Error", None, Some("Invitation expired")),
        };
        let reviewer = f.invitee_type == "Reviewer";
        let body = Body {
            webhook_type,
            document_id: &f.document_id,
            mac: mac(&f.private_salt, &f.document_id),
            irn: f.irn.as_deref(),
            // API.md: `Completed` on the event that completes the document, else `Sent`.
            document_status: if f.completes_document {
                "Completed"
            } else {
                "Sent"
            },
            messages: f
                .checks
                .iter()
                .filter(|c| !c.passed)
                .map(|c| failed_check_message(&c.check))
                .collect(),
            request: Request {
                invitee_type: if reviewer { "reviewer" } else { "signer" },
                name: &f.name,
                email: f.email.as_deref(),
                phone: f.phone.as_deref(),
                invitation_url: &link,
                sign_url: &link,
                active: f.active,
                action,
                error,
                expired: f.expired,
                expiry_date: self.zone.time(f.expires_at),
                rejection_message: match f.event {
                    WebhookEvent::Rejected => f.rejection_message.as_deref(),
                    _ => None,
                },
                sign_type: if reviewer {
                    None
                } else {
                    f.signature_type.map(SignatureType::as_str)
                },
            },
            verification: VerificationResults::from_checks(&f.checks).webhook(),
        };
        serde_json::to_string(&body).expect("plain data serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::domain::workflow::Workflow;
    use serde_json::{Value, json};

    fn facts(event: WebhookEvent) -> EventFacts {
        EventFacts {
            event,
            document_id: "01KMFEE9T8WPY0WPWXQHQ7DTJ2".into(),
            irn: Some("ORDER-1".into()),
            completes_document: false,
            workflow: {
                let workflow = json!({"name": "Loan", "invitees": [
                {"label": "Borrower", "inviteeType": "Signer",
                 "webhook": {"success": "https://x.in/ok", "error": "https://x.in/err", "version": "2.5"},
                 "webhookHeaders": {"X-Api-Key": "k"}},
                {"label": "Lender", "inviteeType": "Reviewer"}]});
                Arc::new(Workflow::from_stored(&workflow.to_string()).unwrap())
            },
            slot: 0,
            invitation_id: "6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6".into(),
            invitee_type: "Signer".into(),
            name: "Asha".into(),
            email: Some("asha@example.com".into()),
            phone: Some("9876543210".into()),
            active: false,
            expired: false,
            expires_at: 1_765_304_999_000,
            rejection_message: None,
            signature_type: Some(SignatureType::VirtualSign),
            checks: vec![],
            private_salt: "salt".into(),
        }
    }

    fn renderer() -> Renderer {
        Renderer {
            public_url: "http://127.0.0.1:8080".into(),
            zone: Zone::KOLKATA,
        }
    }

    #[test]
    fn a_signature_matches_the_api_sample() {
        let w = renderer().render(&facts(WebhookEvent::Signed)).unwrap();
        assert_eq!(w.url, "https://x.in/ok");
        assert_eq!(w.headers, r#"{"X-Api-Key":"k"}"#);
        let body: Value = serde_json::from_str(&w.body).unwrap();
        assert_eq!(
            body,
            json!({"webhookType": "Success", "documentId": "01KMFEE9T8WPY0WPWXQHQ7DTJ2",
                "mac": mac("salt", "01KMFEE9T8WPY0WPWXQHQ7DTJ2"),
                "irn": "ORDER-1", "documentStatus": "Sent", "messages": [],
                "request": {"inviteeType": "signer", "name": "Asha", "email": "asha@example.com",
                    "phone": "9876543210",
                    "invitationUrl": "http://127.0.0.1:8080/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6",
                    "signUrl": "http://127.0.0.1:8080/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6",
                    "active": false, "action": "Signed", "error": null, "expired": false,
                    "expiryDate": "09-12-2025 23:59:59", "rejectionMessage": null,
                    "signType": "VIRTUAL_SIGN"},
                "verification": {"smartName": null, "name": null, "pincode": null, "state": null,
                    "title": null, "yob": null, "gender": null}})
        );
    }

    #[test]
    fn errors_go_to_the_error_url() {
        let mut f = facts(WebhookEvent::VerificationFailed);
        f.checks = vec![
            crate::domain::event::VerificationCheck {
                check: "name".into(),
                passed: false,
                score: None,
            },
            crate::domain::event::VerificationCheck {
                check: "yob".into(),
                passed: true,
                score: None,
            },
        ];
        let w = renderer().render(&f).unwrap();
        assert_eq!(w.url, "https://x.in/err");
        let body: Value = serde_json::from_str(&w.body).unwrap();
        assert_eq!(body["webhookType"], "Error");
        assert_eq!(body["messages"][0]["code"], "verification.name.failed");
        assert_eq!(body["messages"].as_array().unwrap().len(), 1);
        assert_eq!(body["verification"]["name"], false);
        assert_eq!(body["verification"]["yob"], true);
        assert_eq!(body["verification"]["gender"], Value::Null);
    }

    #[test]
    fn a_slot_without_a_url_sends_nothing() {
        let mut f = facts(WebhookEvent::Approved);
        f.slot = 1;
        assert!(renderer().render(&f).is_none());
    }
}
