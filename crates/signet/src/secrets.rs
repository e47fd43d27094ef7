//! Encryption at rest of what must never be read back in the clear outside this process: the
//! private keys of organisation certificates and the PINs of PKCS#11 keys (API.md 10.1).
//!
//! AES-256-GCM from `ring`, which the TLS stack already brings: a fresh random nonce per
//! secret, and the row the secret belongs to as associated data, so that a sealed value
//! copied onto another row does not open there.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

/// The first bytes of every sealed value: which key format and cipher sealed it, so that a
/// later change of either can tell old values from new.
const VERSION: &str = "v1.";

pub struct SecretsKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(..)")
    }
}

/// A sealed value did not open: a different key, another row's value, or damaged bytes.
#[derive(Debug, thiserror::Error)]
#[error("a sealed secret does not open with this server's secrets key")]
pub struct Unsealable;

impl SecretsKey {
    /// The key in `path` (32 raw bytes), created on first use when `create` allows it. A key
    /// the operator configured (`SIGNET_SECRETS_KEY_FILE`) is never created: a missing one
    /// means the secrets sealed with it cannot be opened, which must show at start.
    pub fn load(path: &Path, create: bool) -> Result<SecretsKey, String> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                Zeroizing::new(load_or_create_key_file(path)?)
            }
            Err(e) => return Err(format!("secrets key {}: {e}", path.display())),
        };
        Self::from_bytes(&bytes)
            .map_err(|()| format!("{} is not a 32-byte secrets key", path.display()))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SecretsKey, ()> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| ())?;
        Ok(SecretsKey {
            key: LessSafeKey::new(key),
        })
    }

    /// Encrypts `plain` for the row named `bound_to`.
    pub fn seal(&self, bound_to: &str, plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
        let mut data = plain.to_vec();
        // Sealing in place fails only for inputs longer than GCM allows (64 GB).
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(bound_to.as_bytes()),
                &mut data,
            )
            .expect("a secret far below GCM's limit");
        let mut out = Vec::with_capacity(NONCE_LEN + data.len() + tag.as_ref().len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&data);
        out.extend_from_slice(tag.as_ref());
        zeroize::Zeroize::zeroize(&mut data);
        format!("{VERSION}{}", STANDARD.encode(out))
    }

    /// Decrypts what [`seal`](Self::seal) made for the same row.
    pub fn open(&self, bound_to: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, Unsealable> {
        let encoded = sealed.strip_prefix(VERSION).ok_or(Unsealable)?;
        let raw = STANDARD.decode(encoded).map_err(|_| Unsealable)?;
        if raw.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unsealable)?;
        let mut data = Zeroizing::new(rest.to_vec());
        let plain_len = self
            .key
            .open_in_place(nonce, Aad::from(bound_to.as_bytes()), &mut data)
            .map_err(|_| Unsealable)?
            .len();
        data.truncate(plain_len);
        Ok(data)
    }
}

/// The 32 random bytes in `path`, written (0600, atomically) on first use.
pub fn load_or_create_key_file(path: &Path) -> Result<Vec<u8>, String> {
    if let Ok(bytes) = std::fs::read(path) {
        if bytes.len() == 32 {
            return Ok(bytes);
        }
        return Err(format!("{} is not a 32-byte secret", path.display()));
    }
    let mut secret = vec![0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &secret).map_err(|e| format!("{}: {e}", tmp.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretsKey {
        SecretsKey::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_row() {
        let k = key(7);
        let sealed = k.seal("row-1", b"the PIN 1234");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("1234"));
        assert_eq!(
            k.open("row-1", &sealed).unwrap().as_slice(),
            b"the PIN 1234"
        );
        assert!(k.open("row-2", &sealed).is_err(), "bound to its row");
        assert!(key(8).open("row-1", &sealed).is_err(), "another key");
        assert_ne!(k.seal("row-1", b"x"), k.seal("row-1", b"x"), "fresh nonces");
        let mut damaged = sealed.clone().into_bytes();
        let last = damaged.len() - 3;
        damaged[last] = if damaged[last] == b'A' { b'B' } else { b'A' };
        let damaged = String::from_utf8(damaged).unwrap();
        assert!(k.open("row-1", &damaged).is_err());
        for bad in ["", "v1.", "v1.!!", "v2.AAAA", "v1.AAAA"] {
            assert!(k.open("row-1", bad).is_err(), "{bad:?}");
        }
        assert!(SecretsKey::from_bytes(&[0; 31]).is_err());
    }
}
