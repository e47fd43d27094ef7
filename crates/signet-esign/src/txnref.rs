//! The two-step transport's `txnref`: Base64 of `txn|resCode`, posted by the browser to the
//! ESP's authentication page.

use crate::{Error, Result};
use base64::Engine;

/// Longer than any real `txnref` (a 50-character txn and a resCode of a few dozen) by far;
/// it comes from a browser form, so it is bounded before decoding.
const MAX_TXNREF_CHARS: usize = 4096;

pub fn encode(txn: &str, res_code: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{txn}|{res_code}"))
}

/// (txn, resCode), split at the first `|` (a txn has none; a resCode might).
pub fn decode(txnref: &str) -> Result<(String, String)> {
    let txnref = txnref.trim();
    if txnref.len() > MAX_TXNREF_CHARS {
        return Err(Error::Field("txnref", "too long".into()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(txnref)
        .map_err(|_| Error::Field("txnref", "not Base64".into()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| Error::Field("txnref", "not UTF-8 text".into()))?;
    let (txn, res_code) = text
        .split_once('|')
        .ok_or_else(|| Error::Field("txnref", "no '|' between txn and resCode".into()))?;
    Ok((txn.to_owned(), res_code.to_owned()))
}
