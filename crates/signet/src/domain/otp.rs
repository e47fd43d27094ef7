//! One-time codes for slots with `enforceAuthentication`: six digits, mailed to the invitee,
//! stored only as a keyed hash.

use hmac::{Hmac, Mac};
use rand::Rng;

/// A new code: six digits, uniformly random.
pub fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
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
}
