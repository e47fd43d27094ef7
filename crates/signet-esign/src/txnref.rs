//! The two-step transport's `txnref`: Base64 of `txn|resCode`, posted by the browser to the
//! ESP's authentication page.

use crate::Result;

pub fn encode(txn: &str, res_code: &str) -> String {
    let _ = (txn, res_code);
    todo!()
}

/// (txn, resCode)
pub fn decode(txnref: &str) -> Result<(String, String)> {
    let _ = txnref;
    todo!()
}
