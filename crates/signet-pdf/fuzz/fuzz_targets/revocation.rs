//! Untrusted bytes from OCSP responders, CRL distribution points and certificates' extensions
//! through every revocation check. Any panic, hang or blow-up is a bug; an error is the answer.
#![no_main]

use std::sync::OnceLock;

use der::asn1::{ObjectIdentifier, OctetString};
use libfuzzer_sys::fuzz_target;
use signet_pdf::keys::generate_root;
use signet_pdf::revocation::{check_crl, check_ocsp_response, revocation_urls};
use x509_cert::Certificate;
use x509_cert::ext::Extension;

const OID_AIA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
const OID_CRL_DISTRIBUTION_POINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");

fn certificates() -> &'static (Certificate, Certificate) {
    static CERTS: OnceLock<(Certificate, Certificate)> = OnceLock::new();
    CERTS.get_or_init(|| {
        let (issuer, _) = generate_root("Fuzz Issuer", "Fuzz").unwrap();
        let (mut leaf, _) = generate_root("Fuzz Leaf", "Fuzz").unwrap();
        leaf.tbs_certificate.issuer = issuer.tbs_certificate.subject.clone();
        (leaf, issuer)
    })
}

fuzz_target!(|data: &[u8]| {
    let (leaf, issuer) = certificates();
    let now = time::OffsetDateTime::now_utc();
    let _ = check_ocsp_response(data, leaf, issuer, None, now);
    let _ = check_crl(data, leaf, issuer, now);

    let Ok(value) = OctetString::new(data) else {
        return;
    };
    let mut named = leaf.clone();
    named.tbs_certificate.extensions = Some(
        [OID_AIA, OID_CRL_DISTRIBUTION_POINTS]
            .into_iter()
            .map(|extn_id| Extension {
                extn_id,
                critical: false,
                extn_value: value.clone(),
            })
            .collect(),
    );
    let _ = revocation_urls(&named);
});
