//! The `ts` attribute: ASPs send their local Indian time without an offset
//! (`yyyy-MM-ddTHH:mm:ss`, sometimes with milliseconds); some add an offset. ESPs answer with
//! the offset (`2022-05-02T14:45:18.929+05:30`).

use time::format_description::FormatItem;
use time::macros::{format_description, offset};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

const IST: UtcOffset = offset!(+05:30);
const DATE_TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
const WITH_MILLIS: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
);

/// Reads a request's `ts`: IST when it has no offset.
pub fn parse(ts: &str) -> Option<OffsetDateTime> {
    let ts = ts.trim();
    // "yyyy-MM-ddTHH:mm:ss" is 19 ASCII characters; the rest is an optional fraction and an
    // optional offset.
    let head = ts.get(..19)?;
    let mut rest = &ts[19..];
    let mut at = PrimitiveDateTime::parse(head, DATE_TIME).ok()?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let nanos: i64 = format!("{:0<9}", &fraction[..digits]).parse().ok()?;
        at += Duration::nanoseconds(nanos);
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "" => IST,
        "Z" => UtcOffset::UTC,
        _ => parse_offset(rest)?,
    };
    Some(at.assume_offset(offset))
}

/// `+05:30`, `-0100`: sign, hours, optional colon, minutes.
fn parse_offset(s: &str) -> Option<UtcOffset> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) || s.len() > 6 {
        return None;
    }
    let hours: i8 = digits[..2].parse().ok()?;
    let minutes: i8 = digits[2..].parse().ok()?;
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

/// The ESP's own `ts`: IST with milliseconds and the offset.
pub fn format(at: OffsetDateTime) -> String {
    at.to_offset(IST)
        .format(WITH_MILLIS)
        .unwrap_or_else(|_| String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reads_what_asps_send() {
        let at = datetime!(2026-01-02 10:11:12 +05:30);
        assert_eq!(parse("2026-01-02T10:11:12"), Some(at));
        assert_eq!(
            parse("2026-01-02T10:11:12.250"),
            Some(at + Duration::milliseconds(250))
        );
        assert_eq!(parse("2026-01-02T04:41:12Z"), Some(at));
        assert_eq!(parse("2026-01-02T10:11:12+05:30"), Some(at));
        assert_eq!(
            parse("2026-01-02T10:11:12.5+0530"),
            Some(at + Duration::milliseconds(500))
        );
        for bad in [
            "",
            "2026-01-02",
            "2026-01-02 10:11:12",
            "2026-13-02T10:11:12",
            "2026-01-02T10:11:12.",
            "2026-01-02T10:11:12+5",
            "2026-01-02T10:11:12+05:30x",
            "２０２６-01-02T10:11:12",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn writes_ist_with_the_offset() {
        assert_eq!(
            format(datetime!(2022-05-02 09:15:18.929 UTC)),
            "2022-05-02T14:45:18.929+05:30"
        );
        let now = OffsetDateTime::now_utc();
        let back = parse(&format(now)).unwrap();
        assert!((back - now).abs() < Duration::milliseconds(2));
    }
}
