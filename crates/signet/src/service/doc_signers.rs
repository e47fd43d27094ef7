//! Organisation certificates (API.md 10.1): a PKCS#12 uploaded once, or a key in an
//! allow-listed PKCS#11 module. The key (or the PKCS#11 key's location and PIN) is sealed
//! with the server's secrets key before it reaches the database, and never leaves the server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use signet_pdf::signer::Signer;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::{Actor, ServiceError};
use crate::domain::ids::ProfileId;
use crate::state::AppState;
use crate::store::{DocSignerRow, KeyKind};

/// A name shown in lists and on the dashboard.
pub const MAX_NAME_CHARS: usize = 100;
/// A PKCS#12 with a chain of a few certificates is a few KB.
pub const MAX_PKCS12_BYTES: usize = 64 * 1024;
pub const MAX_SECRET_CHARS: usize = 256;
pub const MAX_LABEL_CHARS: usize = 128;

/// A key that signs, shared by the signatures made with it.
pub type SharedSigner = Arc<dyn Signer + Send + Sync>;

/// Keys opened since start, by profile id: opening a PKCS#11 session or parsing a key for
/// every signature would cost more than the signature. Archiving forgets the key.
#[derive(Default)]
pub struct OpenSigners(Mutex<HashMap<String, SharedSigner>>);

impl OpenSigners {
    fn get(&self, profile_id: &str) -> Option<SharedSigner> {
        self.0.lock().ok()?.get(profile_id).cloned()
    }

    fn put(&self, profile_id: &str, signer: SharedSigner) {
        if let Ok(mut open) = self.0.lock() {
            open.insert(profile_id.to_string(), signer);
        }
    }

    fn forget(&self, profile_id: &str) {
        if let Ok(mut open) = self.0.lock() {
            open.remove(profile_id);
        }
    }
}

pub struct NewDocSigner {
    pub name: String,
    pub key: KeyIn,
}

pub enum KeyIn {
    Pkcs12 {
        /// Base64 of the file.
        pkcs12: String,
        password: Zeroizing<String>,
    },
    Pkcs11 {
        module: String,
        token_label: String,
        key_label: String,
        pin: Zeroizing<String>,
    },
}

/// What is sealed in the row: the key itself, or where the key is and its PIN.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum SealedKey {
    Pkcs12 {
        /// PKCS#8 PEM of the private key.
        key: String,
    },
    Pkcs11 {
        module: String,
        token_label: String,
        key_label: String,
        pin: String,
    },
}

impl Drop for SealedKey {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            SealedKey::Pkcs12 { key } => key.zeroize(),
            SealedKey::Pkcs11 { pin, .. } => pin.zeroize(),
        }
    }
}

fn refuse(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::refused(code, message)
}

fn not_found() -> ServiceError {
    ServiceError::not_found(
        "docsigner.not.found",
        "no organisation certificate of this account has that profileId",
    )
}

/// Checks, opens and stores an organisation certificate. The key must sign a test digest
/// that its certificate verifies before anything is stored.
pub async fn create(
    state: &AppState,
    actor: &Actor<'_>,
    command: NewDocSigner,
) -> Result<DocSignerRow, ServiceError> {
    actor.may_change()?;
    let name = command.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(refuse(
            "docsigner.name.invalid",
            format!("name: 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let profile_id = ProfileId::generate().as_str().to_string();
    let (kind, sealed_key, signer) = match command.key {
        KeyIn::Pkcs12 { pkcs12, password } => {
            let (sealed, signer) = open_pkcs12(&pkcs12, &password).await?;
            (KeyKind::Pkcs12, sealed, signer)
        }
        KeyIn::Pkcs11 {
            module,
            token_label,
            key_label,
            pin,
        } => {
            let sealed = SealedKey::Pkcs11 {
                module,
                token_label,
                key_label,
                pin: pin.to_string(),
            };
            let signer = open_pkcs11(state, &sealed).await?;
            (KeyKind::Pkcs11, sealed, signer)
        }
    };
    let chain = signer.certificates();
    let leaf = &chain[0];
    let now = state.clock.now_ms();
    let plain = Zeroizing::new(serde_json::to_vec(&sealed_key).map_err(ServiceError::internal)?);
    let row = DocSignerRow {
        sealed: state.secrets.seal(&profile_id, &plain),
        profile_id,
        account_id: actor.account().id.clone(),
        name,
        kind,
        chain: chain
            .iter()
            .map(|c| c.to_der())
            .collect::<Result<_, _>>()
            .map_err(ServiceError::internal)?,
        subject: leaf.tbs_certificate.subject.to_string(),
        issuer: leaf.tbs_certificate.issuer.to_string(),
        not_after: i64::try_from(
            leaf.tbs_certificate
                .validity
                .not_after
                .to_unix_duration()
                .as_millis(),
        )
        .unwrap_or(i64::MAX),
        created_at: now,
        archived_at: None,
    };
    state.store.insert_doc_signer(&row).await?;
    state.doc_signers.put(&row.profile_id, signer);
    Ok(row)
}

pub async fn list(state: &AppState, actor: &Actor<'_>) -> Result<Vec<DocSignerRow>, ServiceError> {
    Ok(state.store.doc_signers(&actor.account().id).await?)
}

/// One in use (archived ones are not found).
pub async fn get(
    state: &AppState,
    actor: &Actor<'_>,
    profile_id: &str,
) -> Result<DocSignerRow, ServiceError> {
    state
        .store
        .doc_signer(&actor.account().id, profile_id)
        .await?
        .filter(|d| d.archived_at.is_none())
        .ok_or_else(not_found)
}

/// No new signature uses it; signatures made with it stay.
pub async fn archive(
    state: &AppState,
    actor: &Actor<'_>,
    profile_id: &str,
) -> Result<DocSignerRow, ServiceError> {
    actor.may_change()?;
    let mut row = get(state, actor, profile_id).await?;
    let now = state.clock.now_ms();
    if !state
        .store
        .archive_doc_signer(&actor.account().id, profile_id, now)
        .await?
    {
        return Err(not_found());
    }
    state.doc_signers.forget(profile_id);
    row.archived_at = Some(now);
    Ok(row)
}

/// The key of one of the account's organisation certificates in use, ready to sign.
pub async fn signer(
    state: &AppState,
    account_id: &str,
    profile_id: &str,
) -> Result<SharedSigner, ServiceError> {
    let row = state
        .store
        .doc_signer(account_id, profile_id)
        .await?
        .filter(|d| d.archived_at.is_none())
        .ok_or_else(not_found)?;
    if let Some(open) = state.doc_signers.get(profile_id) {
        return Ok(open);
    }
    let plain = state
        .secrets
        .open(&row.profile_id, &row.sealed)
        .map_err(ServiceError::internal)?;
    let sealed: SealedKey = serde_json::from_slice(&plain).map_err(ServiceError::internal)?;
    let signer: SharedSigner = match &sealed {
        SealedKey::Pkcs12 { key } => {
            let key =
                signet_pdf::keys::load_private_key_pem(key).map_err(ServiceError::internal)?;
            let chain = row
                .chain
                .iter()
                .map(|c| Certificate::from_der(c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(ServiceError::internal)?;
            Arc::new(
                signet_pdf::signer::LocalSigner::new(key, chain).map_err(ServiceError::internal)?,
            )
        }
        SealedKey::Pkcs11 { .. } => open_pkcs11(state, &sealed).await?,
    };
    state.doc_signers.put(profile_id, signer.clone());
    Ok(signer)
}

/// Reads the PKCS#12 (off the runtime: its key derivation is deliberately slow).
async fn open_pkcs12(
    pkcs12: &str,
    password: &str,
) -> Result<(SealedKey, SharedSigner), ServiceError> {
    if pkcs12.len() > MAX_PKCS12_BYTES * 4 / 3 + 4 {
        return Err(refuse(
            "docsigner.pkcs12.invalid",
            format!("pkcs12: at most {MAX_PKCS12_BYTES} bytes"),
        ));
    }
    if password.chars().count() > MAX_SECRET_CHARS {
        return Err(refuse(
            "docsigner.password.invalid",
            format!("password: at most {MAX_SECRET_CHARS} characters"),
        ));
    }
    let der = STANDARD.decode(pkcs12.trim()).map_err(|_| {
        refuse(
            "docsigner.pkcs12.invalid",
            "pkcs12 is not base64 (standard alphabet, with padding)",
        )
    })?;
    let password = Zeroizing::new(password.to_string());
    let signer =
        tokio::task::spawn_blocking(move || signet_pdf::keys::load_pkcs12(&der, &password))
            .await
            .map_err(ServiceError::internal)?
            .map_err(|e| {
                refuse(
                    "docsigner.pkcs12.invalid",
                    format!("the PKCS#12 cannot be used: {e}"),
                )
            })?;
    let key = signet_pdf::keys::key_to_pkcs8_pem(signer.key()).map_err(ServiceError::internal)?;
    Ok((
        SealedKey::Pkcs12 {
            key: key.to_string(),
        },
        Arc::new(signer),
    ))
}

/// What a PKCS#11 key signs to show that it belongs to its certificate.
const PROBE: &[u8] = b"Signet: does this key match its certificate?";

/// Opens a key in an allow-listed PKCS#11 module (off the runtime: the token is a device)
/// and checks that it signs what its certificate verifies.
async fn open_pkcs11(state: &AppState, key: &SealedKey) -> Result<SharedSigner, ServiceError> {
    let SealedKey::Pkcs11 {
        module,
        token_label,
        key_label,
        pin,
    } = key
    else {
        return Err(ServiceError::internal("open_pkcs11 given a PKCS#12 key"));
    };
    let allowed = state
        .config
        .pkcs11_modules
        .iter()
        .any(|m| m.as_os_str() == module.as_str());
    if !allowed {
        return Err(refuse(
            "docsigner.pkcs11.module.not.allowed",
            "pkcs11.module is not in this server's SIGNET_PKCS11_MODULES",
        ));
    }
    for (field, value) in [("tokenLabel", token_label), ("keyLabel", key_label)] {
        if value.trim().is_empty() || value.chars().count() > MAX_LABEL_CHARS {
            return Err(refuse(
                "docsigner.pkcs11.invalid",
                format!("pkcs11.{field}: 1 to {MAX_LABEL_CHARS} characters"),
            ));
        }
    }
    if pin.is_empty() || pin.chars().count() > MAX_SECRET_CHARS {
        return Err(refuse(
            "docsigner.pkcs11.invalid",
            format!("pkcs11.pin: 1 to {MAX_SECRET_CHARS} characters"),
        ));
    }
    let (module, token_label, key_label) = (
        std::path::PathBuf::from(module),
        token_label.clone(),
        key_label.clone(),
    );
    let pin = signet_pkcs11::SecretString::from(pin.clone());
    let signer = tokio::task::spawn_blocking(move || {
        let module = signet_pkcs11::Module::load(&module)?;
        let signer = module.signer(
            signet_pkcs11::KeySelector {
                token_label: Some(&token_label),
                key_label: Some(&key_label),
                certificate: None,
            },
            &pin,
        )?;
        // A key that does not sign what its certificate verifies would make signatures no
        // validator accepts: found out here, before it is stored.
        let digest: [u8; 32] = sha2::Sha256::digest(PROBE).into();
        let signature = signer.sign(&digest)?;
        Ok::<_, signet_pkcs11::Error>((signer, signature))
    })
    .await
    .map_err(ServiceError::internal)?;
    let (signer, signature) = signer.map_err(|e| refuse(e.code(), e.to_string()))?;
    let leaf = &signet_pdf::signer::Signer::certificates(&signer)[0];
    if signet_pdf::certificate::verify_signed_attributes(leaf, PROBE, &signature).is_err() {
        return Err(refuse(
            "docsigner.key.mismatch",
            "the key on the token does not match its certificate",
        ));
    }
    Ok(Arc::new(signer))
}
