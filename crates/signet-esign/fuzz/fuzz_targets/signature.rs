//! Untrusted bytes through the XML-signature check, with a fixed pinned certificate (no
//! input can carry a valid signature by it; the point is that none panics or hangs while
//! being refused).
#![no_main]

use libfuzzer_sys::fuzz_target;

const PINNED: &[u8] = include_bytes!("../esp-certificate.der");

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(signet_esign::dsig::verify(text, PINNED).is_err());
    }
});
