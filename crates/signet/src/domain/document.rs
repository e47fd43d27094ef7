//! Sending a document: expiry, invitee checks, the invitations a workflow's slots become, and
//! the times Leegality clients read. Pure: no I/O.

use time::{Duration, OffsetDateTime, UtcOffset};

use super::workflow::{Invalid, InviteeType, WorkflowDefinition};

/// The zone of Leegality-format timestamps. India has no daylight saving, so a fixed offset
/// is exact for the zones supported.
pub fn zone_offset(zone: &str) -> UtcOffset {
    match zone {
        "Asia/Kolkata" => UtcOffset::from_hms(5, 30, 0).expect("a valid offset"),
        _ => UtcOffset::UTC,
    }
}

/// `DD-MM-YYYY HH:MM:SS` in the server's zone, as Leegality writes times.
pub fn leegality_time(ms: i64, offset: UtcOffset) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    // Digit by digit: a details answer holds a dozen of these, and `format!`'s padding
    // machinery was a visible share of building one.
    let year = t.year();
    if !(0..=9999).contains(&year) {
        let (d, m, h, min, sec) = (
            t.day(),
            u8::from(t.month()),
            t.hour(),
            t.minute(),
            t.second(),
        );
        return format!("{d:02}-{m:02}-{year} {h:02}:{min:02}:{sec:02}");
    }
    let mut s = String::with_capacity(19);
    let two = |s: &mut String, n: u8| {
        s.push(char::from(b'0' + n / 10));
        s.push(char::from(b'0' + n % 10));
    };
    two(&mut s, t.day());
    s.push('-');
    two(&mut s, u8::from(t.month()));
    s.push('-');
    two(&mut s, (year / 100) as u8);
    two(&mut s, (year % 100) as u8);
    s.push(' ');
    two(&mut s, t.hour());
    s.push(':');
    two(&mut s, t.minute());
    s.push(':');
    two(&mut s, t.second());
    s
}

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
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            invalid(
                "invitee.name.invalid",
                format!("invitees[{i}].name is required"),
            )
        })?;
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(invalid(
            "invitee.name.invalid",
            format!("invitees[{i}].name: at most 100 characters, no control characters"),
        ));
    }
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let phone = phone.map(str::trim).filter(|p| !p.is_empty());
    if email.is_none() && phone.is_none() {
        return Err(invalid(
            "invitee.contact.required",
            format!("invitees[{i}]: an email or a phone is required"),
        ));
    }
    if let Some(e) = email
        && !plausible_email(e)
    {
        return Err(invalid(
            "invitee.email.invalid",
            format!("invitees[{i}].email {e:?} is not an email address"),
        ));
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
        name: name.to_string(),
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
    })
}

/// The checks that catch typing mistakes without refusing valid international addresses.
fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    e.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Which slots are active when a document is sent: all of them, or with a signing order only
/// the first.
pub fn initially_active(workflow: &WorkflowDefinition, slot: usize) -> bool {
    !workflow.require_signing_order || slot == 0
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
    fn leegality_format() {
        let ms = datetime!(2026-12-09 18:29:59 UTC).unix_timestamp() * 1000;
        assert_eq!(leegality_time(ms, IST), "09-12-2026 23:59:59");
        let padded = datetime!(0987-01-02 03:04:05 UTC).unix_timestamp() * 1000;
        assert_eq!(
            leegality_time(padded, UtcOffset::UTC),
            "02-01-0987 03:04:05"
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
    }
}
