//! Sending a document: expiry, invitee checks, the invitations a workflow's slots become.
//! Pure: no I/O.

use time::{Duration, OffsetDateTime, UtcOffset};

use super::limits::{
    MAX_DOCUMENT_NAME_CHARS, MAX_EMAIL_BYTES, MAX_INVITEE_NAME_CHARS, MAX_IRN_CHARS,
    forbidden_in_name, name_problem, text_problem,
};
use super::workflow::{Invalid, InviteeType};

/// When invitations expire: `-1` is 45 minutes from now, `0` the end of today, `N` the end of
/// the day N days from today (days in the server's zone).
pub fn expiry(expiry_days: i64, now: OffsetDateTime, offset: UtcOffset) -> OffsetDateTime {
    if expiry_days < 0 {
        return now + Duration::minutes(45);
    }
    let local = now.to_offset(offset);
    let end_of_today = local.replace_time(time::Time::from_hms(23, 59, 59).expect("a valid time"));
    end_of_today + Duration::days(expiry_days)
}

/// An invitee of a create request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

fn invalid(code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        code,
        message: message.into(),
    }
}

/// Checks one invitee: a name, and an email or a 10-digit phone (an empty string counts as
/// absent, as Leegality's clients send).
pub fn check_invitee(
    i: usize,
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Invitee, Invalid> {
    let name = check_person_name(&format!("invitees[{i}].name"), name)?;
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let phone = phone.map(str::trim).filter(|p| !p.is_empty());
    if email.is_none() && phone.is_none() {
        return Err(invalid(
            "invitee.contact.required",
            format!("invitees[{i}]: an email or a phone is required"),
        ));
    }
    if let Some(e) = email {
        check_email(&format!("invitees[{i}].email"), e)?;
    }
    if let Some(p) = phone
        && (p.len() != 10 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid(
            "invitee.phone.invalid",
            format!("invitees[{i}].phone: 10 digits"),
        ));
    }
    Ok(Invitee {
        name,
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
    })
}

/// A person's name as mails, the audit trail and the signature show it, trimmed.
fn check_person_name(field: &str, name: Option<&str>) -> Result<String, Invalid> {
    let name = name.map(str::trim).unwrap_or_default();
    match name_problem(name, MAX_INVITEE_NAME_CHARS) {
        Some(why) => Err(invalid("invitee.name.invalid", format!("{field}: {why}"))),
        None => Ok(name.to_string()),
    }
}

/// Checks a `cc` recipient: notified only, so a name is optional, the address is not.
pub fn check_cc(i: usize, name: Option<&str>, email: Option<&str>) -> Result<(), Invalid> {
    if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
        check_person_name(&format!("cc[{i}].name"), Some(n))
            .map_err(|e| invalid("cc.name.invalid", e.message))?;
    }
    let field = format!("cc[{i}].email");
    let email = email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| invalid("cc.email.invalid", format!("{field}: required")))?;
    check_email(&field, email).map_err(|e| invalid("cc.email.invalid", e.message))
}

/// An address an invitee will get mail at: one plain `local@domain` that the mailer's parser
/// (lettre's, as `notify::mailer` parses recipients) accepts, and none of what that parser
/// allows but no mail host delivers to from here: address literals (`a@[127.0.0.1]`), a
/// domain without a dot, a display name, spaces or commas.
pub fn check_email(field: &str, e: &str) -> Result<(), Invalid> {
    let refuse = |why: &str| {
        let shown: String = e.chars().take(64).collect();
        Err(invalid(
            "invitee.email.invalid",
            format!("{field}: {shown:?} is not an email address ({why})"),
        ))
    };
    if e.len() > MAX_EMAIL_BYTES {
        return refuse(&format!("at most {MAX_EMAIL_BYTES} bytes"));
    }
    if e.chars()
        .any(|c| c.is_whitespace() || c.is_control() || ",;<>()[]\"\\".contains(c))
    {
        return refuse("one address, without spaces, commas, brackets or quotes");
    }
    let Ok(mailbox) = e.parse::<lettre::message::Mailbox>() else {
        return refuse("the mailer cannot parse it");
    };
    if mailbox.name.is_some() || AsRef::<str>::as_ref(&mailbox.email) != e {
        return refuse("one plain address");
    }
    let domain = mailbox.email.domain();
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return refuse("the domain needs a dot, as in example.com");
    }
    Ok(())
}

/// Checks the document's name (`file.name`), trimmed.
pub fn check_document_name(name: Option<&str>) -> Result<String, Invalid> {
    let name = name.map(str::trim).unwrap_or_default();
    match name_problem(name, MAX_DOCUMENT_NAME_CHARS) {
        Some(why) => Err(invalid("file.name.invalid", format!("file.name: {why}"))),
        None => Ok(name.to_string()),
    }
}

/// Checks the internal reference number; an empty one counts as absent.
pub fn check_irn(irn: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(irn) = irn.filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    match text_problem(irn, MAX_IRN_CHARS, forbidden_in_name) {
        Some(why) => Err(invalid("irn.invalid", format!("irn: {why}"))),
        None => Ok(Some(irn.to_string())),
    }
}

pub fn invitee_type_name(t: InviteeType) -> &'static str {
    match t {
        InviteeType::Signer => "Signer",
        InviteeType::Reviewer => "Reviewer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const IST: UtcOffset = match UtcOffset::from_hms(5, 30, 0) {
        Ok(o) => o,
        Err(_) => panic!(),
    };

    #[test]
    fn expiry_rules() {
        let now = datetime!(2026-11-29 20:00:00 UTC); // 01:30 on the 30th in India
        assert_eq!(expiry(-1, now, IST), now + Duration::minutes(45));
        assert_eq!(expiry(0, now, IST), datetime!(2026-11-30 23:59:59 +05:30));
        assert_eq!(expiry(10, now, IST), datetime!(2026-12-10 23:59:59 +05:30));
        assert_eq!(
            expiry(0, now, UtcOffset::UTC),
            datetime!(2026-11-29 23:59:59 UTC)
        );
    }

    #[test]
    fn invitee_checks() {
        let ok = check_invitee(0, Some(" Asha "), Some("asha@example.com"), Some("")).unwrap();
        assert_eq!(ok.name, "Asha");
        assert_eq!(ok.phone, None);
        let code = |n, e, p| check_invitee(0, n, e, p).unwrap_err().code;
        assert_eq!(code(None, Some("a@b.co"), None), "invitee.name.invalid");
        assert_eq!(
            code(Some("A"), Some(""), Some("")),
            "invitee.contact.required"
        );
        assert_eq!(
            code(Some("A"), Some("not-an-email"), None),
            "invitee.email.invalid"
        );
        assert_eq!(
            code(Some("A"), None, Some("98765")),
            "invitee.phone.invalid"
        );
        assert_eq!(
            code(Some("A"), None, Some("98765x3210")),
            "invitee.phone.invalid"
        );
        assert!(check_invitee(0, Some("आशा"), None, Some("9876543210")).is_ok());
        assert_eq!(
            code(Some("A\u{202E}gpj.exe"), None, Some("9876543210")),
            "invitee.name.invalid"
        );
        assert_eq!(
            code(Some(&"x".repeat(101)), None, Some("9876543210")),
            "invitee.name.invalid"
        );
    }

    #[test]
    fn emails_the_mailer_would_not_deliver_are_refused() {
        for good in [
            "asha@example.com",
            "asha.rao+loan@mail.example.co.in",
            "o'brien@example.ie",
        ] {
            assert_eq!(check_email("email", good), Ok(()), "{good}");
        }
        for bad in [
            "a@x.com,b@y.com",
            "a@x.com;b@y.com",
            "a@[127.0.0.1]",
            "a@[IPv6:::1]",
            "Asha <a@x.com>",
            "a b@x.com",
            "a@x.com\r\nBcc: c@z.com",
            "a@localhost",
            "a@x.com.",
            "@x.com",
            "a@",
            "a@@x.com",
            "\"a\"@x.com",
        ] {
            let e = check_email("invitees[0].email", bad).unwrap_err();
            assert_eq!(e.code, "invitee.email.invalid", "{bad}");
            assert!(e.message.starts_with("invitees[0].email"), "{}", e.message);
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(check_email("email", &long).is_err());
        assert_eq!(
            check_cc(0, Some("Ops"), Some("a@x.com,b@y.com"))
                .unwrap_err()
                .code,
            "cc.email.invalid"
        );
        assert_eq!(
            check_cc(0, Some("O\u{7}ps"), Some("a@x.com"))
                .unwrap_err()
                .code,
            "cc.name.invalid"
        );
        assert!(check_cc(0, None, Some("ops@example.com")).is_ok());
    }

    #[test]
    fn document_name_and_irn() {
        assert_eq!(check_document_name(Some(" Loan.pdf ")).unwrap(), "Loan.pdf");
        for bad in [
            None,
            Some(" "),
            Some("a\u{0}b"),
            Some("invoice\u{202E}fdp.exe"),
        ] {
            assert_eq!(
                check_document_name(bad).unwrap_err().code,
                "file.name.invalid"
            );
        }
        assert_eq!(
            check_document_name(Some(&"x".repeat(256)))
                .unwrap_err()
                .code,
            "file.name.invalid"
        );
        assert_eq!(check_irn(Some("")).unwrap(), None);
        assert_eq!(
            check_irn(Some(&"x".repeat(256))).unwrap_err().code,
            "irn.invalid"
        );
        assert_eq!(check_irn(Some("A\nB")).unwrap_err().code, "irn.invalid");
    }
}
