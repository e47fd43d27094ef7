//! A PKCS#11 library loaded once per process, its tokens, and who is logged in to them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Ck, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// The longest PIN passed to a token: PKCS#11 tokens take far shorter ones, and a bound keeps a
/// pasted document out of the library.
const MAX_PIN_BYTES: usize = 256;

/// A loaded and initialised PKCS#11 library.
pub struct Module {
    path: PathBuf,
    pub(crate) ctx: Pkcs11,
    /// PKCS#11 keeps one login state per token for the whole process, not per session: a second
    /// `C_Login` answers "already logged in" whatever PIN it is given. So the PIN that opened a
    /// token is remembered as a salted hash while signers use it, and a later PIN is compared
    /// with it; the last signer to go logs the token out.
    logins: Mutex<HashMap<Slot, Login>>,
    salt: [u8; 32],
}

struct Login {
    verifier: [u8; 32],
    signers: usize,
}

/// A token present in a slot.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub slot: Slot,
    pub label: String,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("path", &self.path).finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps guarded here stay consistent even if a holder panicked.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Module {
    /// Loads the library at `path`, or returns the one this process already loaded from the
    /// same file: a library is initialised once per process, and a second `C_Initialize`
    /// would fail or, worse, reset its state under the first user.
    pub fn load(path: &Path) -> Result<Arc<Module>> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Module>>>> = OnceLock::new();
        let canonical = std::fs::canonicalize(path).map_err(|e| {
            Error::ModuleUnavailable(format!("cannot find {}: {e}", path.display()))
        })?;
        let mut loaded = lock(LOADED.get_or_init(Default::default));
        if let Some(module) = loaded.get(&canonical) {
            return Ok(module.clone());
        }
        let ctx = Pkcs11::new(&canonical).map_err(|e| {
            Error::ModuleUnavailable(format!("cannot load {}: {e}", canonical.display()))
        })?;
        // The server and the agent call the library from several threads.
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(Ck::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => {
                return Err(Error::ModuleUnavailable(format!(
                    "{} does not initialise: {e}",
                    canonical.display()
                )));
            }
        }
        let mut salt = [0u8; 32];
        OsRng.fill_bytes(&mut salt);
        let module = Arc::new(Module {
            path: canonical.clone(),
            ctx,
            logins: Mutex::new(HashMap::new()),
            salt,
        });
        loaded.insert(canonical, module.clone());
        Ok(module)
    }

    /// The canonical path the library was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The labels of the tokens present, in slot order.
    pub fn token_labels(&self) -> Result<Vec<String>> {
        Ok(self.tokens(None)?.into_iter().map(|t| t.label).collect())
    }

    /// The initialised tokens present, or the one labelled `label`.
    pub(crate) fn tokens(&self, label: Option<&str>) -> Result<Vec<Token>> {
        let mut tokens = Vec::new();
        for slot in self
            .ctx
            .get_slots_with_initialized_token()
            .map_err(Error::reading)?
        {
            let info = self.ctx.get_token_info(slot).map_err(Error::reading)?;
            tokens.push(Token {
                slot,
                label: info.label().trim_end().to_string(),
            });
        }
        let Some(label) = label else {
            return Ok(tokens);
        };
        let all = labels(tokens.iter().map(|t| t.label.as_str()));
        tokens.retain(|t| t.label == label);
        if tokens.is_empty() {
            return Err(Error::TokenNotFound(format!(
                "no token labelled {label:?}; present: {all}"
            )));
        }
        Ok(tokens)
    }

    pub(crate) fn open(&self, token: &Token) -> Result<Session> {
        self.ctx.open_ro_session(token.slot).map_err(Error::reading)
    }

    /// Logs the token of `session` in as its user with `pin`, or checks `pin` against the PIN
    /// that logged it in while another signer of this process still uses it.
    pub(crate) fn login(&self, slot: Slot, session: &Session, pin: &SecretString) -> Result<()> {
        if pin.expose_secret().len() > MAX_PIN_BYTES {
            return Err(Error::PinIncorrect);
        }
        let verifier = self.verifier(pin);
        let mut logins = lock(&self.logins);
        if let Some(login) = logins.get_mut(&slot) {
            if !bool::from(login.verifier.ct_eq(&verifier)) {
                return Err(Error::PinIncorrect);
            }
            login.signers += 1;
            return Ok(());
        }
        // A locked PIN is reported as such, without spending an attempt on it.
        if self
            .ctx
            .get_token_info(slot)
            .is_ok_and(|info| info.user_pin_locked())
        {
            return Err(Error::PinLocked);
        }
        match session.login(UserType::User, Some(pin)) {
            Ok(()) => {}
            // Logged in by no signer of ours (a session that outlived its signer keeps the
            // state): start over, so the PIN given now is the one checked.
            Err(Ck::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
                let _ = session.logout();
                session
                    .login(UserType::User, Some(pin))
                    .map_err(Error::signing)?;
            }
            Err(e) => return Err(Error::signing(e)),
        }
        logins.insert(
            slot,
            Login {
                verifier,
                signers: 1,
            },
        );
        Ok(())
    }

    /// A signer of `slot` is gone; the last one logs the token out.
    pub(crate) fn release(&self, slot: Slot, session: &Session) {
        let mut logins = lock(&self.logins);
        let Some(login) = logins.get_mut(&slot) else {
            return;
        };
        login.signers = login.signers.saturating_sub(1);
        if login.signers == 0 {
            logins.remove(&slot);
            let _ = session.logout();
        }
    }

    fn verifier(&self, pin: &SecretString) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(pin.expose_secret().as_bytes());
        h.finalize().into()
    }
}

/// `"a", "b"` for a message, or `none`.
pub(crate) fn labels<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = labels.map(|l| format!("{l:?}")).collect();
    if quoted.is_empty() {
        "none".into()
    } else {
        quoted.join(", ")
    }
}
