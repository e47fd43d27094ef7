//! Untrusted bytes through everything that parses them: opening (cross-reference data, object
//! streams, page tree), object access, and the verifier. Any panic, hang or blow-up is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_pdf::{Document, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_file_size: 1 << 20,
        max_objects: 100_000,
        max_pages: 10_000,
        max_decoded_stream: 1 << 20,
    };
    if let Ok(doc) = Document::open(data, &limits) {
        let _ = doc.catalog();
        for r in doc.object_numbers().into_iter().take(1000) {
            let _ = doc.get(r);
        }
    }
    let _ = signet_pdf::verify::verify(data, &[], &limits);
});
