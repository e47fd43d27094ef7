//! One-time codes for slots with `enforceAuthentication`: mailed to the invitee, stored only
//! as a keyed hash, and governed by one [`OtpPolicy`].

use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::Rng;

/// How codes are made, how long and how often they may be tried, and how often sent. The
/// store enforces it, the signing API reports the lifetime and the code mail states it, all
/// from [`POLICY`], so none of them can drift from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpPolicy {
    /// Digits in a code, uniformly random.
    pub digits: u32,
    /// How long a code is good for (whole minutes: the mail states it in minutes).
    pub lifetime: Duration,
    /// Wrong guesses before a code is spent.
    pub attempts: i64,
    /// The least time between two codes for one invitation.
    pub resend_after: Duration,
    /// Codes one invitation may be sent in all: a signing link must not become a way to mail
    /// someone without end.
    pub max_sends: i64,
}

/// The policy in force.
pub const POLICY: OtpPolicy = OtpPolicy {
    digits: 6,
    lifetime: Duration::from_secs(10 * 60),
    attempts: 5,
    resend_after: Duration::from_secs(30),
    max_sends: 10,
};

const _: () =
    assert!(POLICY.lifetime.as_secs().is_multiple_of(60) && POLICY.lifetime.as_secs() > 0);
const _: () = assert!(POLICY.digits > 0 && POLICY.digits <= 9);

impl OtpPolicy {
    /// A new code: `digits` digits, uniformly random.
    pub fn new_code(&self) -> String {
        let bound = 10u32.pow(self.digits);
        let width = self.digits as usize;
        format!("{:0width$}", rand::thread_rng().gen_range(0..bound))
    }

    pub const fn lifetime_ms(&self) -> i64 {
        self.lifetime.as_millis() as i64
    }

    /// The lifetime as the mail states it.
    pub const fn lifetime_minutes(&self) -> u64 {
        self.lifetime.as_secs() / 60
    }

    pub const fn resend_after_ms(&self) -> i64 {
        self.resend_after.as_millis() as i64
    }
}

/// A new code under [`POLICY`].
pub fn new_code() -> String {
    POLICY.new_code()
}

/// What is stored of a code: HMAC-SHA256 keyed with a server secret over the invitation and
/// the code. A plain hash of six digits would fall to a million guesses by anyone who read the
/// database; the key keeps the guessing at the server, where attempts are counted.
pub fn code_hash(key: &[u8], invitation_id: &str, code: &str) -> String {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    // The key also signs file URLs: the prefix keeps the two kinds of message apart.
    m.update(b"signet-otp:");
    m.update(invitation_id.as_bytes());
    m.update(b":");
    m.update(code.trim().as_bytes());
    hex::encode(m.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hashed_per_invitation() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|d| d.is_ascii_digit()));
        }
        let a = code_hash(b"k", "inv-1", "123456");
        assert_eq!(a, code_hash(b"k", "inv-1", " 123456 "));
        assert_ne!(a, code_hash(b"k", "inv-2", "123456"));
        assert_ne!(a, code_hash(b"other", "inv-1", "123456"));
    }

    #[test]
    fn a_policy_makes_codes_of_its_length_and_states_its_times() {
        let short = OtpPolicy {
            digits: 4,
            lifetime: Duration::from_secs(5 * 60),
            ..POLICY
        };
        for _ in 0..100 {
            let c = short.new_code();
            assert_eq!(c.len(), 4, "{c}");
            assert!(c.chars().all(|d| d.is_ascii_digit()));
        }
        assert_eq!(short.lifetime_minutes(), 5);
        assert_eq!(short.lifetime_ms(), 300_000);
        assert_eq!(POLICY.lifetime_minutes(), 10);
        assert_eq!(POLICY.resend_after_ms(), 30_000);
    }
}
