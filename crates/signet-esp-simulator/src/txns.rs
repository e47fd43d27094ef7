//! Transactions in memory: a restart forgets them (a simulator needs no more), and the oldest
//! go first once there are `MAX_TRANSACTIONS`, so that no amount of requests grows the
//! process without bound. An evicted txn may be used again; a real ESP would refuse it.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use signet_esign::Version;
use signet_esign::request::EsignRequest;
use signet_esign::response::EsignResponse;

pub const MAX_TRANSACTIONS: usize = 10_000;
/// Wrong codes (or unknown numbers) a signer may enter; the last ends the transaction.
pub const MAX_FAILURES: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The browser brought the request (`/{ver}/form/signdoc`).
    Form,
    /// The ASP's server sent it (`/{ver}/signdoc`); the browser follows with a `txnref`.
    TwoStep,
}

#[derive(Debug, Clone)]
pub enum Stage {
    /// Waiting for the signer.
    Waiting,
    /// The signer authenticated; the certificate and signatures are being made.
    Signing,
    /// Signed or failed, and delivered: the answer `EsignStatus` reports.
    Done(Box<EsignResponse>),
}

#[derive(Debug, Clone)]
pub struct Transaction {
    pub request: EsignRequest,
    pub transport: Transport,
    /// The ESP's handle: `resCode`, the hidden field of the authentication page, `espTxnID`.
    pub res_code: String,
    /// After this, a submission of the authentication page ends with ESP-946.
    pub expires: Instant,
    pub failures: u8,
    pub stage: Stage,
}

impl Transaction {
    pub fn version(&self) -> Version {
        self.request.version
    }
}

#[derive(Debug, Default)]
pub struct Transactions {
    by_txn: HashMap<String, Transaction>,
    by_res_code: HashMap<String, String>,
    order: VecDeque<String>,
}

impl Transactions {
    /// Records a new transaction; `false` when its txn is already known (ESP-910).
    pub fn insert(&mut self, txn: Transaction) -> bool {
        let key = txn.request.txn.clone();
        if self.by_txn.contains_key(&key) {
            return false;
        }
        while self.order.len() >= MAX_TRANSACTIONS {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(old) = self.by_txn.remove(&oldest) {
                self.by_res_code.remove(&old.res_code);
            }
        }
        self.by_res_code.insert(txn.res_code.clone(), key.clone());
        self.order.push_back(key.clone());
        self.by_txn.insert(key, txn);
        true
    }

    pub fn get(&self, txn: &str) -> Option<&Transaction> {
        self.by_txn.get(txn)
    }

    pub fn get_mut(&mut self, txn: &str) -> Option<&mut Transaction> {
        self.by_txn.get_mut(txn)
    }

    pub fn by_res_code_mut(&mut self, res_code: &str) -> Option<&mut Transaction> {
        let txn = self.by_res_code.get(res_code)?;
        self.by_txn.get_mut(txn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transaction(txn: &str, res_code: &str) -> Transaction {
        Transaction {
            request: EsignRequest {
                version: Version::V2_1,
                consent: true,
                ts: String::new(),
                txn: txn.into(),
                ekyc_id_type: "A".into(),
                asp_id: "ASP".into(),
                auth_mode: "1".into(),
                response_sig_type: "pkcs7".into(),
                response_url: String::new(),
                signer_id: None,
                redirect_url: None,
                signing_algorithm: None,
                max_wait_period: None,
                hashes: Vec::new(),
            },
            transport: Transport::Form,
            res_code: res_code.into(),
            expires: Instant::now(),
            failures: 0,
            stage: Stage::Waiting,
        }
    }

    #[test]
    fn refuses_a_known_txn_and_evicts_the_oldest() {
        let mut txns = Transactions::default();
        assert!(txns.insert(transaction("t0", "r0")));
        assert!(!txns.insert(transaction("t0", "other")));
        for i in 1..=MAX_TRANSACTIONS {
            assert!(txns.insert(transaction(&format!("t{i}"), &format!("r{i}"))));
        }
        assert_eq!(txns.by_txn.len(), MAX_TRANSACTIONS);
        assert_eq!(txns.by_res_code.len(), MAX_TRANSACTIONS);
        assert!(txns.get("t0").is_none());
        assert!(txns.by_res_code_mut("r0").is_none());
        assert_eq!(txns.by_res_code_mut("r1").unwrap().request.txn, "t1");
    }
}
