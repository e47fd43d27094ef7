//! Untrusted bytes an eSign service provider answers: the CMS of a `DocSignature`, checked
//! against the prepared digest before anything is embedded, and the stored form of a prepared
//! revision read back. Any panic, hang or blow-up is a bug; an error is the answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_pdf::external::{PreparedContainer, check_detached};

fuzz_target!(|data: &[u8]| {
    let digest: [u8; 32] = data.get(..32).and_then(|d| d.try_into().ok()).unwrap_or([0; 32]);
    let _ = check_detached(data, &digest);
    let _ = PreparedContainer::from_stored(data);
});
