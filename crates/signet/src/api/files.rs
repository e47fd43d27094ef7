//! File URLs: `{public}/files/{token}`, fetched with no auth header. The token names one
//! stored object and an expiry, and is signed with a server secret, so it can be neither
//! forged, widened to another file, nor used after it expires.

use std::path::Path;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::api::ApiError;
use crate::state::AppState;
use crate::store::Blobs;

/// The signing secret, 32 random bytes under the data directory (0600), made on first start.
pub fn load_or_create_secret(keys_dir: &Path) -> Result<Vec<u8>, String> {
    crate::secrets::load_or_create_key_file(&keys_dir.join("file-url.secret"))
}

fn mac(secret: &[u8], payload: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(payload.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// A URL for `key` valid until `expires_ms`.
pub fn signed_url(state: &AppState, key: &str, expires_ms: i64) -> String {
    let payload = format!("{expires_ms}:{key}");
    let token = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(mac(&state.file_secret, &payload))
    );
    format!("{}/files/{token}", state.config.public_url())
}

/// The object key a token names, if its signature holds and it has not expired.
fn open_token(secret: &[u8], token: &str, now_ms: i64) -> Option<String> {
    let (payload_b64, mac_b64) = token.split_once('.')?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload_b64).ok()?).ok()?;
    let given = URL_SAFE_NO_PAD.decode(mac_b64).ok()?;
    let mut m = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    m.update(payload.as_bytes());
    m.verify_slice(&given).ok()?; // constant time
    let (expires, key) = payload.split_once(':')?;
    (expires.parse::<i64>().ok()? >= now_ms).then(|| key.to_string())
}

pub async fn download(State(state): State<AppState>, UrlPath(token): UrlPath<String>) -> Response {
    let Some(key) = open_token(&state.file_secret, &token, state.clock.now_ms()) else {
        return ApiError::new(
            "file.url.invalid",
            "this file link is invalid or has expired",
        )
        .with_status(StatusCode::FORBIDDEN)
        .into_response();
    };
    pdf_answer(&state.blobs, &key)
        .await
        .unwrap_or_else(|e| e.with_status(StatusCode::NOT_FOUND).into_response())
}

/// A stored PDF as the answer, streamed from the store: a download holds a chunk of the
/// file at a time, not the file.
pub async fn pdf_answer(blobs: &Blobs, key: &str) -> Result<Response, ApiError> {
    let (size, stream) = blobs.stream(key).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        [(header::CONTENT_LENGTH, size.to_string())],
        Body::from_stream(stream),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_key_and_expiry() {
        let secret = [7u8; 32];
        let payload = "2000:documents/X/v2.pdf";
        let token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(mac(&secret, payload))
        );
        assert_eq!(
            open_token(&secret, &token, 1999).as_deref(),
            Some("documents/X/v2.pdf")
        );
        assert_eq!(open_token(&secret, &token, 2001), None, "expired");
        assert_eq!(
            open_token(&[8u8; 32], &token, 1999),
            None,
            "another server's secret"
        );
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode("2000:documents/Y/v1.pdf"),
            token.split_once('.').unwrap().1
        );
        assert_eq!(open_token(&secret, &forged, 1999), None, "another file");
        assert_eq!(open_token(&secret, "garbage", 0), None);
    }
}
