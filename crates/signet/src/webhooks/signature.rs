//! How a receiver knows a webhook came from Signet: Leegality's `mac` in the body, and the
//! Standard Webhooks headers over the whole body.

use base64::Engine;
use hmac::{Hmac, Mac};

/// Leegality's `mac`: lower-case hex HMAC-SHA1 of the document id, keyed with the account's
/// private salt. It covers only the id, so Signet also signs the whole body
/// ([`body_signature`]).
pub fn mac(private_salt: &str, document_id: &str) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(private_salt.as_bytes())
        .expect("HMAC takes a key of any length");
    m.update(document_id.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of
/// `{webhook-id}.{webhook-timestamp}.{body}` (the Standard Webhooks scheme), keyed with the
/// account's private salt as bytes. The timestamp (seconds) is inside what is signed, so a
/// receiver can refuse an old message replayed.
pub fn body_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    m.update(id.as_bytes());
    m.update(b".");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_is_hmac_sha1_hex() {
        // RFC 2202 test case 2.
        assert_eq!(
            mac("Jefe", "what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn body_signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification (its secret is base64).
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        assert_eq!(
            body_signature(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
