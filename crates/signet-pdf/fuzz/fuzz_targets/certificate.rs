//! Untrusted bytes a signer hands over: the certificates of `dsc/prepare`, the signature of
//! `dsc/complete`, and an uploaded PKCS#12, through every check made of them before anything
//! is signed. Any panic, hang or blow-up is a bug; an error is the answer.
#![no_main]

use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use signet_pdf::certificate::{
    algorithm_for, check_signer_certificate, parse_chain, verify_signed_attributes,
};

fuzz_target!(|data: &[u8]| {
    // The first byte splits the rest into a chain of up to four parts, as a client may send.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let parts: Vec<&[u8]> = rest.chunks((usize::from(split) * 64).max(64)).take(4).collect();
    if let Ok(chain) = parse_chain(&parts) {
        let _ = check_signer_certificate(&chain, &[], SystemTime::now());
        let _ = check_signer_certificate(&chain, &chain[chain.len() - 1..], SystemTime::now());
        let _ = algorithm_for(&chain[0]);
        let _ = verify_signed_attributes(&chain[0], rest, rest);
    }
    let _ = signet_pdf::keys::load_pkcs12(data, "signet");
});
