//! Untrusted bytes through every reader of the wire: an ESP's answer and status reply reach
//! the ASP, an ASP's request and status query reach the simulator, a browser posts the
//! txnref. Any panic, hang or blow-up is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_esign::request::EsignRequest;
use signet_esign::response::EsignResponse;
use signet_esign::status::EsignStatus;
use signet_esign::{MAX_MESSAGE_BYTES, Version, txnref};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // What was read writes back and reads again (unless escaping grew it past the bound).
    if let Ok(response) = EsignResponse::parse(text) {
        let xml = response.to_xml(Version::V3_2);
        if xml.len() <= MAX_MESSAGE_BYTES {
            let again = EsignResponse::parse(&xml).expect("a written response reads");
            assert_eq!(again.signatures, response.signatures);
            assert_eq!(again.user_certificate, response.user_certificate);
        }
    }
    if let Ok(request) = EsignRequest::parse(text) {
        let xml = request.to_xml();
        if xml.len() <= MAX_MESSAGE_BYTES {
            let again = EsignRequest::parse(&xml).expect("a written request reads");
            assert_eq!(again.hashes, request.hashes);
        }
    }
    let _ = EsignStatus::parse(text);
    let _ = txnref::decode(text);
});
