//! The people of an account and the rules of their dashboard sessions: roles and what each
//! may do, what a password must be, how long a session lives, when an address is locked out.
//! No I/O: the store keeps the facts, the service applies these rules to them.

use super::limits::MAX_EMAIL_BYTES;

/// What a user of the dashboard may do (API.md section 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, users and API settings included.
    Admin,
    /// Runs workflows and acts on documents.
    Sender,
    /// Reads only.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Sender, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Sender => "sender",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Whether the role may change anything at all. A viewer's forms are not shown and its
    /// requests are refused, whichever screen they come from.
    pub fn may_change(self) -> bool {
        self != Role::Viewer
    }

    /// Inviting, changing roles and removing users; API settings.
    pub fn may_manage_users(self) -> bool {
        self == Role::Admin
    }
}

/// The shortest and longest password accepted, in characters. The upper bound keeps one
/// sign-in from costing more than a hash of a kilobyte.
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Why `password` is not acceptable, if it is not. Length is the rule that helps (NIST SP
/// 800-63B): no composition rules, which push people to predictable substitutions.
pub fn password_problem(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Some(format!("at least {MIN_PASSWORD_CHARS} characters"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Some(format!("at most {MAX_PASSWORD_CHARS} characters"));
    }
    if password.chars().any(|c| c.is_control()) {
        return Some("control characters are not allowed".into());
    }
    None
}

/// An address as users are told apart by: trimmed and lower-cased, so `Asha@X.com` and
/// `asha@x.com` are one user.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Why `email` is not an acceptable sign-in address, if it is not. The shape only: whether it
/// receives mail is learnt by inviting it.
pub fn email_problem(email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() {
        return Some("required".into());
    }
    if email.len() > MAX_EMAIL_BYTES {
        return Some(format!("at most {MAX_EMAIL_BYTES} bytes"));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Some("not an email address".into());
    };
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',');
    if local.is_empty() || domain.is_empty() || !domain.contains('.') || email.chars().any(bad) {
        return Some("not an email address".into());
    }
    None
}

/// How long a session lives: `idle` without a request, `absolute` in all.
pub struct SessionPolicy {
    pub idle_ms: i64,
    pub absolute_ms: i64,
    /// A session's last-seen time is written at most this often, so that reading pages does
    /// not write the database on every request.
    pub touch_every_ms: i64,
}

pub const SESSIONS: SessionPolicy = SessionPolicy {
    idle_ms: 30 * 60 * 1000,
    absolute_ms: 12 * 60 * 60 * 1000,
    touch_every_ms: 60 * 1000,
};

impl SessionPolicy {
    /// Whether a session created at `created` and last seen at `last_seen` is still alive at
    /// `now`. The idle time is counted from the last write of `last_seen`, which lags by up to
    /// `touch_every_ms`: a session ends at most that much early, never late.
    pub fn alive(&self, created: i64, last_seen: i64, now: i64) -> bool {
        now < created + self.absolute_ms && now < last_seen + self.idle_ms
    }

    /// Whether a request at `now` should write the session's last-seen time.
    pub fn needs_touch(&self, last_seen: i64, now: i64) -> bool {
        now - last_seen >= self.touch_every_ms
    }

    /// Sessions last seen before this, or created before `now - absolute`, are dead.
    pub fn dead_before(&self, now: i64) -> (i64, i64) {
        (now - self.idle_ms, now - self.absolute_ms)
    }
}

/// When wrong passwords lock an address: `failures` within `window` lock it for `lock`.
pub struct LockoutPolicy {
    pub failures: usize,
    pub window_ms: i64,
    pub lock_ms: i64,
}

pub const LOCKOUT: LockoutPolicy = LockoutPolicy {
    failures: 5,
    window_ms: 15 * 60 * 1000,
    lock_ms: 15 * 60 * 1000,
};

impl LockoutPolicy {
    /// How far back failures matter at `now`: a lock begins at most `window` after the first
    /// failure it counts and lasts `lock`.
    pub fn since(&self, now: i64) -> i64 {
        now - self.window_ms - self.lock_ms
    }

    /// Until when an address with wrong passwords at `failures` (any order) is locked at
    /// `now`, if it is.
    pub fn locked_until(&self, failures: &[i64], now: i64) -> Option<i64> {
        let mut times = failures.to_vec();
        times.sort_unstable();
        let n = self.failures.max(1);
        times
            .windows(n)
            .filter(|w| w[n - 1] - w[0] <= self.window_ms)
            .map(|w| w[n - 1] + self.lock_ms)
            .max()
            .filter(|until| now < *until)
    }
}

/// A set-password link sent to an invited user is good for a day.
pub const INVITATION_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// The first-run link that creates the first account and its admin.
    Setup,
    /// An invited user's set-password link.
    Invitation,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Setup => "setup",
            TokenPurpose::Invitation => "invitation",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_what_they_may_do() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Admin.may_manage_users() && Role::Admin.may_change());
        assert!(!Role::Sender.may_manage_users() && Role::Sender.may_change());
        assert!(!Role::Viewer.may_manage_users() && !Role::Viewer.may_change());
    }

    #[test]
    fn passwords_are_judged_by_length() {
        assert!(password_problem("short").unwrap().contains("10"));
        assert_eq!(password_problem("ten chars!"), None);
        assert_eq!(password_problem("पासवर्ड-बहुत-लंबा"), None);
        assert_eq!(password_problem(&"x".repeat(1024)), None);
        assert!(
            password_problem(&"x".repeat(1025))
                .unwrap()
                .contains("1024")
        );
        assert!(password_problem("0123456789\u{0}").is_some());
    }

    #[test]
    fn addresses_are_bounded_and_told_apart_without_case() {
        assert_eq!(email_key(" Asha@Example.COM "), "asha@example.com");
        assert_eq!(email_problem("asha@example.com"), None);
        for bad in [
            "",
            "asha",
            "@example.com",
            "asha@",
            "asha@localhost",
            "a sha@x.com",
            "a<b@x.com",
        ] {
            assert!(email_problem(bad).is_some(), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(email_problem(&long).unwrap().contains("254"));
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let s = &SESSIONS;
        let min = 60 * 1000;
        assert!(s.alive(0, 0, 29 * min));
        assert!(!s.alive(0, 0, 30 * min), "idle for 30 minutes");
        assert!(s.alive(0, 11 * 60 * min, 11 * 60 * min + 29 * min));
        assert!(
            !s.alive(0, 12 * 60 * min - 1, 12 * 60 * min),
            "12 hours old"
        );
        assert!(!s.needs_touch(0, 59_999));
        assert!(s.needs_touch(0, 60_000));
    }

    #[test]
    fn five_failures_within_fifteen_minutes_lock_for_fifteen() {
        let l = &LOCKOUT;
        let min = 60 * 1000;
        let four = [0, min, 2 * min, 3 * min];
        assert_eq!(l.locked_until(&four, 4 * min), None);
        let five = [0, min, 2 * min, 3 * min, 4 * min];
        assert_eq!(l.locked_until(&five, 4 * min), Some(19 * min));
        assert_eq!(l.locked_until(&five, 19 * min), None, "the lock ends");
        // Spread over more than the window: no lock.
        let spread = [0, 4 * min, 8 * min, 12 * min, 16 * min];
        assert_eq!(l.locked_until(&spread, 16 * min), None);
        // Order does not matter.
        let shuffled = [4 * min, 0, 3 * min, min, 2 * min];
        assert_eq!(l.locked_until(&shuffled, 5 * min), Some(19 * min));
        assert!(l.since(20 * min) <= -10 * min);
    }
}
