//! Notifications to invitees: the invitation mail (its wording here, its delivery in
//! `mailer`). A signing link is a bearer credential, so no log line ever holds one; logs name
//! the masked address.

pub mod mailer;

use time::UtcOffset;

use crate::domain::document::leegality_time;
use crate::domain::workflow::{InviteeType, WorkflowDefinition};
use crate::store::{MailFacts, MailKind, MailRenderer, RenderedMail};

/// Writes invitation mail for this server: its public URL makes the links, its zone the
/// expiry time.
pub struct InvitationMail {
    pub public_url: String,
    pub offset: UtcOffset,
    pub zone: String,
}

impl MailRenderer for InvitationMail {
    fn render(&self, f: &MailFacts) -> Option<RenderedMail> {
        let to = f
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())?;
        let workflow: WorkflowDefinition = serde_json::from_str(&f.workflow).ok()?;
        let slot = workflow.invitees.get(usize::try_from(f.slot).ok()?)?;
        if !slot.email_notification {
            return None;
        }
        let verb = match slot.invitee_type {
            InviteeType::Signer => "sign",
            InviteeType::Reviewer => "review",
        };
        let document = one_line(&f.document_name);
        let subject = match f.kind {
            MailKind::Invitation => format!("Please {verb}: {document}"),
            MailKind::Reminder => format!("Reminder: please {verb}: {document}"),
        };
        let message = workflow
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("You are invited to {verb} \"{document}\"."));
        let body = format!(
            "Hello {name},\n\n{message}\n\nOpen the document to {verb} it:\n{url}/sign/{id}\n\n\
             This link is yours alone; please do not forward it. It expires on {expiry} ({zone}).\n",
            name = one_line(&f.name),
            url = self.public_url,
            id = f.invitation_id,
            expiry = leegality_time(f.expires_at, self.offset),
            zone = self.zone,
        );
        Some(RenderedMail {
            to: to.to_string(),
            subject,
            body,
        })
    }
}

/// The mail carrying a one-time code, stating the lifetime of the domain's policy. The code is
/// in the body only: a subject shows on lock screens.
pub fn code_mail(to: &str, name: &str, document_name: &str, code: &str) -> RenderedMail {
    RenderedMail {
        to: to.trim().to_string(),
        subject: format!("Your code for {}", one_line(document_name)),
        body: format!(
            "Hello {},\n\nYour one-time code is {code}. It is good for {} minutes.\n\n\
             If you did not ask for it, someone else has your signing link: tell the sender.\n",
            one_line(name),
            crate::domain::otp::POLICY.lifetime_minutes(),
        ),
    }
}

/// A header-safe, single-line version of a name the account or the invitee chose.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// `asha@example.com` as `a***@example.com`, `9876543210` as `98******10`.
pub fn mask(contact: &str) -> String {
    match contact.split_once('@') {
        Some((local, domain)) => {
            format!("{}***@{domain}", local.chars().next().unwrap_or('*'))
        }
        None if contact.len() > 4 => {
            format!("{}******{}", &contact[..2], &contact[contact.len() - 2..])
        }
        None => "****".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_masked() {
        assert_eq!(mask("asha@example.com"), "a***@example.com");
        assert_eq!(mask("9876543210"), "98******10");
    }

    fn facts(email: Option<&str>, notify: bool) -> MailFacts {
        MailFacts {
            kind: MailKind::Invitation,
            invitation_id: "6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6".into(),
            slot: 0,
            name: "Asha\r\nBcc: x".into(),
            email: email.map(str::to_string),
            expires_at: 1_765_304_999_000,
            document_name: "Loan".into(),
            workflow: serde_json::json!({"name": "W", "message": "Please sign your loan agreement",
                "invitees": [{"label": "B", "inviteeType": "Signer", "emailNotification": notify}]})
            .to_string(),
        }
    }

    #[test]
    fn an_invitation_names_the_link_and_the_expiry() {
        let r = InvitationMail {
            public_url: "https://sign.example".into(),
            offset: UtcOffset::from_hms(5, 30, 0).unwrap(),
            zone: "Asia/Kolkata".into(),
        };
        let m = r.render(&facts(Some("asha@example.com"), true)).unwrap();
        assert_eq!(m.to, "asha@example.com");
        assert_eq!(m.subject, "Please sign: Loan");
        assert!(
            m.body
                .starts_with("Hello Asha  Bcc: x,\n\nPlease sign your loan agreement\n")
        );
        assert!(
            m.body
                .contains("https://sign.example/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6\n")
        );
        assert!(m.body.contains("09-12-2025 23:59:59 (Asia/Kolkata)"));
        assert!(r.render(&facts(None, true)).is_none(), "no address");
        assert!(r.render(&facts(Some(" "), true)).is_none(), "no address");
        assert!(
            r.render(&facts(Some("asha@example.com"), false)).is_none(),
            "the slot does not notify by mail"
        );
    }
}
