//! RFC 3161 timestamps against a real TSA (`openssl ts -reply`).

mod openssl_cli;

use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use openssl_cli::tsa::{OpensslTsa, TsaOptions};
use openssl_cli::{KeyKind, openssl};
use signet_pdf::Error;
use signet_pdf::timestamp::{TimestampAuthority, inspect_token, timestamp_signature};
use x509_tsp::TimeStampReq;

/// A TSA whose transport is a closure: for answers no honest TSA gives.
struct FakeTsa<F: Fn(&[u8]) -> signet_pdf::Result<Vec<u8>>>(F);

impl<F: Fn(&[u8]) -> signet_pdf::Result<Vec<u8>>> TimestampAuthority for FakeTsa<F> {
    fn exchange(&self, request_der: &[u8]) -> signet_pdf::Result<Vec<u8>> {
        (self.0)(request_der)
    }
}

fn timestamp_error<T: std::fmt::Debug>(r: signet_pdf::Result<T>) -> String {
    match r {
        Err(Error::Timestamp(msg)) => msg,
        other => panic!("expected Error::Timestamp, got {other:?}"),
    }
}

fn signature_value() -> Vec<u8> {
    // Stands in for a SignerInfo signature: any bytes will do.
    (0..256u32).map(|i| (i * 7 + 3) as u8).collect()
}

#[test]
fn tokens_from_a_real_tsa_verify_with_openssl_and_inspect_token() {
    for key in [KeyKind::Rsa2048, KeyKind::P256, KeyKind::P384] {
        let tsa = OpensslTsa::new(TsaOptions {
            key,
            ..TsaOptions::default()
        });
        let signature = signature_value();
        let before = time::OffsetDateTime::now_utc();
        let token = timestamp_signature(&tsa, &signature).unwrap();

        let (ok, out) = tsa.openssl_verify(&token, &signature);
        assert!(ok && out.contains("Verification: OK"), "{key:?}: {out}");
        let text = tsa.token_text(&token);
        assert!(text.contains("Hash Algorithm: sha256"), "{text}");
        assert!(text.contains("Nonce: 0x"), "{text}");

        let info = inspect_token(&token, &signature).unwrap();
        assert!(info.imprint_matches, "{key:?}");
        assert!(info.signature_valid, "{key:?}");
        assert_eq!(
            info.tsa_subject.as_deref(),
            Some("CN=Signet-Test-TSA,O=SignetTests")
        );
        assert_eq!(info.tsa_chain.len(), 2, "{key:?}");
        assert_eq!(
            info.tsa_chain[0].tbs_certificate.subject.to_string(),
            "CN=Signet-Test-TSA,O=SignetTests"
        );
        assert_eq!(
            info.tsa_chain[1].tbs_certificate.subject.to_string(),
            "CN=Signet-Test-TSA-Root,O=SignetTests"
        );
        let after = time::OffsetDateTime::now_utc();
        // genTime has whole seconds here.
        assert!(
            info.gen_time >= before - time::Duration::seconds(1) && info.gen_time <= after,
            "{} not in [{before}, {after}]",
            info.gen_time
        );

        // Other data: the imprint no longer matches, the token itself is still sound.
        let mut other = signature.clone();
        other[0] ^= 1;
        let info = inspect_token(&token, &other).unwrap();
        assert!(!info.imprint_matches);
        assert!(info.signature_valid);
        let (ok, _) = tsa.openssl_verify(&token, &other);
        assert!(!ok);
    }
}

#[test]
fn altered_tokens_fail_the_signature_check() {
    let tsa = OpensslTsa::new(TsaOptions::default());
    let signature = signature_value();
    let token = timestamp_signature(&tsa, &signature).unwrap();
    assert!(inspect_token(&token, &signature).unwrap().signature_valid);

    // A changed genTime digit: the TSTInfo no longer matches the message-digest attribute.
    let info = inspect_token(&token, &signature).unwrap();
    let year = info.gen_time.year().to_string();
    let pos = token
        .windows(2 + 4)
        .position(|w| w[0] == 0x18 && w[2..] == *year.as_bytes())
        .expect("genTime in the token");
    let mut altered = token.clone();
    altered[pos + 2 + 3] = if altered[pos + 2 + 3] == b'9' {
        b'8'
    } else {
        b'9'
    };
    let info = inspect_token(&altered, &signature).unwrap();
    assert!(info.imprint_matches);
    assert!(!info.signature_valid);

    // A changed signature byte (the SignerInfo comes last in this token).
    let mut altered = token.clone();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let info = inspect_token(&altered, &signature).unwrap();
    assert!(info.imprint_matches);
    assert!(!info.signature_valid);

    // Not a token at all.
    timestamp_error(inspect_token(b"garbage", &signature));
    timestamp_error(inspect_token(&[], &signature));
    timestamp_error(inspect_token(&token[..token.len() - 10], &signature));
    // A ContentInfo that is not SignedData.
    let data_ci = [
        0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x02,
        0x04, 0x00,
    ];
    let msg = timestamp_error(inspect_token(&data_ci, &signature));
    assert!(msg.contains("not CMS SignedData"), "{msg}");
}

#[test]
fn other_digests_fractional_times_and_v1_signing_certificate() {
    for (signer_digest, ess_cert_id_alg, key) in [
        ("sha384", "sha1", KeyKind::Rsa2048),
        ("sha512", "sha512", KeyKind::P256),
        ("sha384", "sha384", KeyKind::P384),
    ] {
        let tsa = OpensslTsa::new(TsaOptions {
            key,
            signer_digest,
            ess_cert_id_alg,
            clock_precision_digits: 3,
            ..TsaOptions::default()
        });
        let signature = signature_value();
        let token = timestamp_signature(&tsa, &signature).unwrap();
        let info = inspect_token(&token, &signature).unwrap();
        assert!(info.imprint_matches, "{signer_digest}/{ess_cert_id_alg}");
        assert!(info.signature_valid, "{signer_digest}/{ess_cert_id_alg}");
        let text = tsa.token_text(&token);
        assert!(text.contains("Hash Algorithm: sha256"), "{text}");

        // Tokens whose imprint is SHA-384 or SHA-512, requested with the openssl client.
        for imprint in ["sha384", "sha512"] {
            let data = b"a PDF's signed byte ranges";
            tsa.dir.write("data.bin", data);
            openssl(
                tsa.path(),
                &format!("ts -query -data data.bin -{imprint} -cert -out {imprint}.tsq"),
            );
            openssl(
                tsa.path(),
                &format!(
                    "ts -reply -config tsa.cnf -queryfile {imprint}.tsq -token_out \
                     -out {imprint}.token"
                ),
            );
            let token = tsa.dir.read(&format!("{imprint}.token"));
            let info = inspect_token(&token, data).unwrap();
            assert!(info.imprint_matches, "{imprint}");
            assert!(info.signature_valid, "{imprint}");
            assert!(!inspect_token(&token, b"other").unwrap().imprint_matches);
        }
    }
}

#[test]
fn fractional_gen_time_is_read() {
    let tsa = OpensslTsa::new(TsaOptions {
        clock_precision_digits: 6,
        ..TsaOptions::default()
    });
    let signature = signature_value();
    // openssl drops trailing zeros, so try a few times for a time with a fraction.
    for _ in 0..5 {
        let token = timestamp_signature(&tsa, &signature).unwrap();
        let text = tsa.token_text(&token);
        let info = inspect_token(&token, &signature).unwrap();
        assert!(info.signature_valid);
        if info.gen_time.nanosecond() != 0 {
            let micros = format!(".{:06}", info.gen_time.microsecond());
            assert!(
                text.contains(micros.trim_end_matches('0')),
                "{micros}\n{text}"
            );
            return;
        }
    }
    panic!("no fractional genTime in five tokens");
}

#[test]
fn token_without_certificates_names_the_tsa_but_is_not_verified() {
    let tsa = OpensslTsa::new(TsaOptions::default());
    let data = b"data";
    tsa.dir.write("data.bin", data);
    openssl(
        tsa.path(),
        "ts -query -data data.bin -sha256 -out nocert.tsq",
    );
    openssl(
        tsa.path(),
        "ts -reply -config tsa.cnf -queryfile nocert.tsq -token_out -out nocert.token",
    );
    let token = tsa.dir.read("nocert.token");
    let info = inspect_token(&token, data).unwrap();
    assert!(info.imprint_matches);
    assert!(!info.signature_valid);
    assert!(info.tsa_chain.is_empty());
    let subject = info.tsa_subject.unwrap();
    assert!(subject.contains("Signet-Test-TSA"), "{subject}");
}

#[test]
fn bad_answers_are_timestamp_errors() {
    let signature = signature_value();

    let garbage = FakeTsa(|_: &[u8]| Ok(b"<html>502 Bad Gateway</html>".to_vec()));
    let msg = timestamp_error(timestamp_signature(&garbage, &signature));
    assert!(msg.contains("TimeStampResp"), "{msg}");
    let empty = FakeTsa(|_: &[u8]| Ok(Vec::new()));
    timestamp_error(timestamp_signature(&empty, &signature));

    // Granted, but no token.
    let hollow = FakeTsa(|_: &[u8]| Ok(vec![0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00]));
    let msg = timestamp_error(timestamp_signature(&hollow, &signature));
    assert!(msg.contains("no token"), "{msg}");

    // A handcrafted rejection with a status string.
    let rejection = FakeTsa(|_: &[u8]| {
        Ok(vec![
            0x30, 0x0e, 0x30, 0x0c, 0x02, 0x01, 0x02, 0x30, 0x07, 0x0c, 0x05, b'b', b'u', b's',
            b'y', b'!',
        ])
    });
    let msg = timestamp_error(timestamp_signature(&rejection, &signature));
    assert!(msg.contains("rejection") && msg.contains("busy!"), "{msg}");

    // A real rejection: this TSA takes SHA-512 imprints only.
    let picky = OpensslTsa::new(TsaOptions {
        digests: "sha512",
        ..TsaOptions::default()
    });
    let msg = timestamp_error(timestamp_signature(&picky, &signature));
    assert!(msg.contains("rejection"), "{msg}");
    assert!(msg.contains("not supported"), "{msg}");

    // Transport errors pass through unchanged.
    let down = FakeTsa(|_: &[u8]| Err(Error::Timestamp("connection refused".into())));
    assert_eq!(
        timestamp_error(timestamp_signature(&down, &signature)),
        "connection refused"
    );
}

/// Passes the request to the real TSA after `tamper` changed it.
fn tampering_tsa<'a>(
    tsa: &'a OpensslTsa,
    tamper: impl Fn(&mut TimeStampReq) + 'a,
) -> impl TimestampAuthority + 'a {
    FakeTsa(move |request: &[u8]| {
        let mut req = TimeStampReq::from_der(request).unwrap();
        assert!(req.cert_req);
        assert!(req.nonce.is_some());
        tamper(&mut req);
        tsa.exchange(&req.to_der().unwrap())
    })
}

#[test]
fn answers_for_another_request_are_refused() {
    let tsa = OpensslTsa::new(TsaOptions::default());
    let signature = signature_value();

    let wrong_nonce = tampering_tsa(&tsa, |req| {
        req.nonce = Some(Int::new(&[0x12, 0x34]).unwrap());
    });
    let msg = timestamp_error(timestamp_signature(&wrong_nonce, &signature));
    assert!(msg.contains("nonce"), "{msg}");

    let no_nonce = tampering_tsa(&tsa, |req| req.nonce = None);
    let msg = timestamp_error(timestamp_signature(&no_nonce, &signature));
    assert!(msg.contains("nonce"), "{msg}");

    let wrong_imprint = tampering_tsa(&tsa, |req| {
        req.message_imprint.hashed_message = OctetString::new([0x55u8; 32]).unwrap();
    });
    let msg = timestamp_error(timestamp_signature(&wrong_imprint, &signature));
    assert!(msg.contains("other data"), "{msg}");

    // The untouched path still works through the same wrapper.
    let honest = tampering_tsa(&tsa, |_| {});
    timestamp_signature(&honest, &signature).unwrap();
}
