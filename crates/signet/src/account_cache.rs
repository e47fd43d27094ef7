//! Accounts recently authenticated, by token hash: every API request authenticates, and the
//! lookup would otherwise be a database round trip on each. Entries live `TTL`, so a change
//! to an account (a token replaced from the dashboard) takes effect at once in the process
//! that made it and within `TTL` in others. Only hashes are held, never tokens.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::store::Account;

const TTL: Duration = Duration::from_secs(30);
/// Enough for every active account of a large deployment; past it the cache starts over
/// rather than growing without bound under a flood of made-up tokens (which never enter it:
/// only tokens that matched an account do).
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct AccountCache {
    entries: RwLock<HashMap<String, (Account, Instant)>>,
}

impl AccountCache {
    pub fn get(&self, token_hash: &str) -> Option<Account> {
        let entries = self.entries.read().ok()?;
        let (account, at) = entries.get(token_hash)?;
        (at.elapsed() < TTL).then(|| account.clone())
    }

    /// Drops every entry of the account (its token was replaced), so this process refuses the
    /// old token at once; other processes do within `TTL`.
    pub fn forget_account(&self, account_id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (a, _)| a.id != account_id);
        }
    }

    pub fn put(&self, token_hash: &str, account: &Account) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(token_hash.to_string(), (account.clone(), Instant::now()));
        }
    }
}
