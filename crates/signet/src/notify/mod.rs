//! Notifications to invitees: the invitation, reminder and one-time code mail (their wording
//! in `templates`, in the invitation's language; their delivery in `mailer`). A signing link
//! is a bearer credential, so no log line ever holds one; logs name the masked address.

pub mod mailer;
mod templates;

use crate::domain::language::Language;
use crate::domain::otp::POLICY;
use crate::domain::workflow::InviteeType;
use crate::store::{MailFacts, MailKind, MailRenderer, RenderedMail};
use crate::wire::Zone;

/// Writes invitation mail for this server: its public URL makes the links, its zone the
/// expiry time.
pub struct InvitationMail {
    pub public_url: String,
    pub zone: Zone,
}

impl MailRenderer for InvitationMail {
    fn render(&self, f: &MailFacts) -> Option<RenderedMail> {
        let to = f
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())?;
        let workflow = &f.workflow;
        let slot = workflow.invitees.get(usize::try_from(f.slot).ok()?)?;
        if !slot.email_notification {
            return None;
        }
        let name = one_line(&f.name);
        let document = one_line(&f.document_name);
        // The signing page opens in the mail's language.
        let lang = match f.language {
            Language::English => "",
            Language::Hindi => "?lang=hi",
        };
        let link = format!("{}/sign/{}{lang}", self.public_url, f.invitation_id);
        let expiry = self.zone.time(f.expires_at);
        let written = templates::Invitation {
            reminder: f.kind == MailKind::Reminder,
            signer: slot.invitee_type == InviteeType::Signer,
            name: &name,
            document: &document,
            message: workflow
                .message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty()),
            link: &link,
            expiry: &expiry,
            zone: self.zone.name(),
        }
        .write(f.language);
        Some(RenderedMail {
            to: to.to_string(),
            subject: written.subject,
            body: written.text,
            html: written.html,
        })
    }
}

/// The mail carrying a one-time code, stating the lifetime of the domain's policy. The code is
/// in the body only: a subject shows on lock screens.
pub fn code_mail(
    language: Language,
    to: &str,
    name: &str,
    document_name: &str,
    code: &str,
) -> RenderedMail {
    let written = templates::Code {
        name: &one_line(name),
        document: &one_line(document_name),
        code,
        minutes: POLICY.lifetime_minutes(),
    }
    .write(language);
    RenderedMail {
        to: to.trim().to_string(),
        subject: written.subject,
        body: written.text,
        html: written.html,
    }
}

/// The mail inviting someone to the dashboard of `account`: the set-password `link`, good for
/// `hours`. `role` is already in the mail's language.
pub fn user_invitation_mail(
    language: Language,
    to: &str,
    inviter: &str,
    account: &str,
    role: &str,
    link: &str,
    hours: i64,
) -> RenderedMail {
    let written = templates::UserInvitation {
        inviter: &one_line(inviter),
        account: &one_line(account),
        role,
        link,
        hours,
    }
    .write(language);
    RenderedMail {
        to: to.trim().to_string(),
        subject: one_line(&written.subject),
        body: written.text,
        html: written.html,
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
    fn a_user_invitation_carries_its_link_in_both_languages() {
        for (language, words) in [
            (Language::English, "invites you"),
            (Language::Hindi, "आमंत्रित"),
        ] {
            let m = user_invitation_mail(
                language,
                " ravi@example.com ",
                "Asha Rao",
                "Acme\r\nBcc: x",
                "sender",
                "https://sign.example/invite?token=abc",
                24,
            );
            assert_eq!(m.to, "ravi@example.com");
            assert!(m.subject.contains("Acme  Bcc: x"), "{}", m.subject);
            assert!(
                m.body.contains(words) && m.body.contains("invite?token=abc\n"),
                "{}",
                m.body
            );
            assert!(
                m.html
                    .contains("href=\"https://sign.example/invite?token=abc\"")
            );
        }
    }

    #[test]
    fn contacts_are_masked() {
        assert_eq!(mask("asha@example.com"), "a***@example.com");
        assert_eq!(mask("9876543210"), "98******10");
    }

    fn stored(v: serde_json::Value) -> std::sync::Arc<crate::domain::workflow::Workflow> {
        std::sync::Arc::new(crate::domain::workflow::Workflow::from_stored(&v.to_string()).unwrap())
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
            workflow: stored(
                serde_json::json!({"name": "W", "message": "Please sign your loan agreement",
                "invitees": [{"label": "B", "inviteeType": "Signer", "emailNotification": notify}]}),
            ),
            language: Language::English,
        }
    }

    #[test]
    fn an_invitation_names_the_link_and_the_expiry() {
        let r = InvitationMail {
            public_url: "https://sign.example".into(),
            zone: Zone::KOLKATA,
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

    fn renderer() -> InvitationMail {
        InvitationMail {
            public_url: "https://sign.example".into(),
            zone: Zone::KOLKATA,
        }
    }

    /// A reviewer's slot without a workflow message, in `language`.
    fn review_facts(kind: MailKind, language: Language) -> MailFacts {
        MailFacts {
            kind,
            workflow: stored(serde_json::json!({"name": "W", "invitees": [
                {"label": "R", "inviteeType": "Reviewer"}]})),
            language,
            ..facts(Some("asha@example.com"), true)
        }
    }

    /// The English text is word for word what it was before the templates.
    #[test]
    fn english_text_is_worded_as_before() {
        let m = renderer()
            .render(&facts(Some("asha@example.com"), true))
            .unwrap();
        assert_eq!(
            m.body,
            "Hello Asha  Bcc: x,\n\nPlease sign your loan agreement\n\nOpen the document to sign it:\n\
             https://sign.example/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6\n\n\
             This link is yours alone; please do not forward it. It expires on 09-12-2025 23:59:59 \
             (Asia/Kolkata).\n"
        );
        let reminder = renderer()
            .render(&review_facts(MailKind::Reminder, Language::English))
            .unwrap();
        assert_eq!(reminder.subject, "Reminder: please review: Loan");
        assert!(
            reminder.body.starts_with(
                "Hello Asha  Bcc: x,\n\nYou are invited to review \"Loan\".\n\nOpen the document to review it:\n"
            ),
            "{}",
            reminder.body
        );
        let first = renderer()
            .render(&review_facts(MailKind::Invitation, Language::English))
            .unwrap();
        assert_eq!(first.subject, "Please review: Loan");

        let code = code_mail(
            Language::English,
            " asha@example.com ",
            "Asha\n",
            "Loan\t1",
            "042917",
        );
        assert_eq!(code.to, "asha@example.com");
        assert_eq!(code.subject, "Your code for Loan 1");
        assert_eq!(
            code.body,
            "Hello Asha,\n\nYour one-time code is 042917. It is good for 10 minutes.\n\n\
             If you did not ask for it, someone else has your signing link: tell the sender.\n"
        );
    }

    #[test]
    fn english_html_says_the_same() {
        let m = renderer()
            .render(&facts(Some("asha@example.com"), true))
            .unwrap();
        let html = &m.html;
        assert!(
            html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
            "{html}"
        );
        assert!(html.contains("<title>Please sign: Loan</title>"), "{html}");
        assert!(html.contains("<p>Hello Asha  Bcc: x,</p>"), "{html}");
        assert!(
            html.contains("Please sign your loan agreement</p>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<a href=\"https://sign.example/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6\""
            ),
            "{html}"
        );
        assert!(html.contains(">Open the document to sign it</a>"), "{html}");
        assert!(html.contains("It expires on 09-12-2025 23:59:59 (Asia/Kolkata).</p>"));
        let code = code_mail(Language::English, "a@b.c", "Asha", "Loan", "042917");
        assert!(
            code.html
                .contains(">042917</strong>. It is good for 10 minutes.</p>")
        );
    }

    #[test]
    fn hindi_wording() {
        let mut f = facts(Some("asha@example.com"), true);
        f.language = Language::Hindi;
        let m = renderer().render(&f).unwrap();
        assert_eq!(m.subject, "कृपया हस्ताक्षर करें: Loan");
        assert_eq!(
            m.body,
            "नमस्ते Asha  Bcc: x,\n\nPlease sign your loan agreement\n\nहस्ताक्षर करने के लिए दस्तावेज़ खोलें:\n\
             https://sign.example/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6?lang=hi\n\n\
             यह लिंक सिर्फ़ आपके लिए है; कृपया इसे किसी और को न भेजें। यह 09-12-2025 23:59:59 \
             (Asia/Kolkata) तक मान्य है।\n"
        );
        assert!(m.html.starts_with("<!DOCTYPE html>\n<html lang=\"hi\">"));
        assert!(
            m.html.contains(">हस्ताक्षर करने के लिए दस्तावेज़ खोलें</a>"),
            "{}",
            m.html
        );
        assert!(m.html.contains("(Asia/Kolkata) तक मान्य है।</p>"));

        let reminder = renderer()
            .render(&review_facts(MailKind::Reminder, Language::Hindi))
            .unwrap();
        assert_eq!(reminder.subject, "अनुस्मारक: कृपया समीक्षा करें: Loan");
        assert!(
            reminder.body.contains(
                "आपको \"Loan\" की समीक्षा करने के लिए आमंत्रित किया गया है।\n\nसमीक्षा करने के लिए दस्तावेज़ खोलें:\n"
            ),
            "{}",
            reminder.body
        );
        assert!(
            reminder
                .html
                .contains("की समीक्षा करने के लिए आमंत्रित किया गया है।</p>")
        );

        let code = code_mail(Language::Hindi, "a@b.c", "Asha", "Loan", "042917");
        assert_eq!(code.subject, "Loan के लिए आपका कोड");
        assert_eq!(
            code.body,
            "नमस्ते Asha,\n\nआपका वन-टाइम कोड 042917 है। यह 10 मिनट तक मान्य है।\n\n\
             अगर आपने यह कोड नहीं माँगा था, तो आपका हस्ताक्षर लिंक किसी और के पास है: भेजने वाले को बताएँ।\n"
        );
        assert!(
            code.html
                .contains(">042917</strong> है। यह 10 मिनट तक मान्य है।</p>")
        );
    }

    /// The code mail states the policy's lifetime, whatever it is.
    #[test]
    fn the_code_mail_states_the_lifetime_it_is_given() {
        for (minutes, en, hi) in [
            (1, "It is good for 1 minute.", "यह 1 मिनट तक मान्य है।"),
            (15, "It is good for 15 minutes.", "यह 15 मिनट तक मान्य है।"),
        ] {
            let code = templates::Code {
                name: "Asha",
                document: "Loan",
                code: "1234",
                minutes,
            };
            let (english, hindi) = (code.write(Language::English), code.write(Language::Hindi));
            assert!(english.text.contains(en), "{}", english.text);
            assert!(english.html.contains(en), "{}", english.html);
            assert!(hindi.text.contains(hi), "{}", hindi.text);
            assert!(hindi.html.contains(hi), "{}", hindi.html);
        }
    }

    /// Names, document names and the workflow message are the account's or the invitee's
    /// words: the HTML shows them as text, never as markup, in every language. The text part
    /// keeps them as written, on one line in the subject.
    #[test]
    fn chosen_values_are_escaped_in_html() {
        for language in [Language::English, Language::Hindi] {
            let f = MailFacts {
                name: "<script>alert(1)</script>".into(),
                document_name: "A & B \"Q\" <i>".into(),
                workflow: stored(
                    serde_json::json!({"name": "W", "message": "<b>Sign</b> & 'go'",
                    "invitees": [{"label": "B", "inviteeType": "Signer"}]}),
                ),
                language,
                ..facts(Some("asha@example.com"), true)
            };
            let m = renderer().render(&f).unwrap();
            for raw in ["<script>", "<b>", "<i>", "A & B", "'go'"] {
                assert!(!m.html.contains(raw), "{raw} in {}", m.html);
            }
            assert!(
                m.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
                "{}",
                m.html
            );
            assert!(
                m.html.contains("A &#38; B &#34;Q&#34; &#60;i&#62;"),
                "{}",
                m.html
            );
            assert!(
                m.html
                    .contains("&#60;b&#62;Sign&#60;/b&#62; &#38; &#39;go&#39;"),
                "{}",
                m.html
            );
            assert!(m.body.contains("<script>alert(1)</script>,\n"));
            assert!(m.body.contains("<b>Sign</b> & 'go'\n"));
            assert!(m.subject.ends_with(": A & B \"Q\" <i>"), "{}", m.subject);

            let code = code_mail(language, "a@b.c", "<script>", "A & B", "042917");
            assert!(!code.html.contains("<script>"), "{}", code.html);
            assert!(!code.html.contains("A & B"), "{}", code.html);
            assert!(code.html.contains("&#60;script&#62;"), "{}", code.html);
            assert!(code.html.contains("A &#38; B"), "{}", code.html);
        }
    }
}
