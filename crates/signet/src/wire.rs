//! What Leegality's clients read, shared by every writer of it: the HTTP answers, the webhook
//! bodies and the mail. Not the edge (webhooks and mail render inside store transactions), so
//! it uses only the domain, and anything may use it.

use time::{OffsetDateTime, UtcOffset};

/// The zone of every time shown to clients (`SIGNET_TIMEZONE`), parsed once at start.
/// India has no daylight saving, so a fixed offset is exact for the zones supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    offset: UtcOffset,
    name: &'static str,
    label: &'static str,
}

impl Zone {
    pub const KOLKATA: Zone = Zone {
        offset: match UtcOffset::from_hms(5, 30, 0) {
            Ok(o) => o,
            Err(_) => panic!("a valid offset"),
        },
        name: "Asia/Kolkata",
        label: "IST",
    };

    pub const UTC: Zone = Zone {
        offset: UtcOffset::UTC,
        name: "UTC",
        label: "UTC",
    };

    /// The zone `SIGNET_TIMEZONE` names; the error is the start-up message.
    pub fn parse(name: &str) -> Result<Zone, String> {
        match name {
            "Asia/Kolkata" => Ok(Zone::KOLKATA),
            "UTC" => Ok(Zone::UTC),
            _ => Err(format!(
                "SIGNET_TIMEZONE {name:?} is not supported: use Asia/Kolkata or UTC"
            )),
        }
    }

    pub fn offset(&self) -> UtcOffset {
        self.offset
    }

    /// As configured (`Asia/Kolkata`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The abbreviation a signature's caption ends with (`IST`).
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// `DD-MM-YYYY HH:MM:SS` in this zone, as Leegality writes times.
    pub fn time(&self, ms: i64) -> String {
        leegality_time(ms, self.offset)
    }
}

fn leegality_time(ms: i64, offset: UtcOffset) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn leegality_format() {
        let ms = datetime!(2026-12-09 18:29:59 UTC).unix_timestamp() * 1000;
        assert_eq!(Zone::KOLKATA.time(ms), "09-12-2026 23:59:59");
        let padded = datetime!(0987-01-02 03:04:05 UTC).unix_timestamp() * 1000;
        assert_eq!(Zone::UTC.time(padded), "02-01-0987 03:04:05");
    }

    #[test]
    fn zones_by_name() {
        let india = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(india.offset(), UtcOffset::from_hms(5, 30, 0).unwrap());
        assert_eq!((india.name(), india.label()), ("Asia/Kolkata", "IST"));
        let utc = Zone::parse("UTC").unwrap();
        assert!(utc.offset().is_utc());
        assert_eq!((utc.name(), utc.label()), ("UTC", "UTC"));
        assert_eq!(
            Zone::parse("Europe/Paris").unwrap_err(),
            "SIGNET_TIMEZONE \"Europe/Paris\" is not supported: use Asia/Kolkata or UTC"
        );
    }
}
