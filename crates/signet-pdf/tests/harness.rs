//! Proves the test harness itself: the validators can tell a good signature from a tampered
//! one, the test TSA issues tokens openssl accepts, and the corpus is what it claims to be.
//! If these fail, no other signing test can be believed.

mod support;

use std::fs;
use std::io::Read;

use support::corpus::corpus;
use support::*;

#[test]
fn pyhanko_signed_fixture_passes_every_validator() {
    let corpus = corpus();
    let path = corpus.path("signed-by-pyhanko.pdf");
    let root = &corpus.pki.root.cert_pem;

    qpdf_check(path).unwrap();

    let sigs = pdfsig(path, root);
    assert_eq!(sigs.len(), 1, "{sigs:#?}");
    let sig = &sigs[0];
    assert!(sig.signature_valid, "{}", sig.raw);
    assert!(sig.certificate_trusted, "{}", sig.raw);
    assert!(sig.total_document_signed, "{}", sig.raw);
    assert_eq!(sig.field_name.as_deref(), Some("Sig1"));
    assert_eq!(sig.signature_type.as_deref(), Some("ETSI.CAdES.detached"));
    let len = fs::metadata(path).unwrap().len();
    assert_eq!(sig.signed_ranges.len(), 2);
    assert_eq!(sig.signed_ranges[0].0, 0);
    assert_eq!(sig.signed_ranges[1].1, len);

    let sigs = pyhanko_validate(path, root);
    assert_eq!(sigs.len(), 1, "{sigs:#?}");
    let sig = &sigs[0];
    assert_eq!(sig.error, None, "{sig:#?}");
    assert!(
        sig.intact && sig.valid && sig.trusted && sig.bottom_line,
        "{sig:#?}"
    );
    assert_eq!(sig.coverage, Some(Coverage::EntireFile));
    assert_eq!(sig.modification_level, Some(ModificationLevel::None));
    assert_eq!(sig.docmdp_ok, Some(true));
    assert_eq!(sig.field, "Sig1");
    assert!(
        sig.signer_subject
            .as_deref()
            .unwrap()
            .contains("Test Signer RSA-2048")
    );
}

#[test]
fn trust_depends_on_the_given_root() {
    let corpus = corpus();
    let path = corpus.path("signed-by-pyhanko.pdf");
    // A different root: the signature stays intact but must no longer be trusted.
    let other = TestPki::named("unrelated");

    let sig = &pdfsig(path, &other.root.cert_pem)[0];
    assert!(sig.signature_valid, "{}", sig.raw);
    assert!(!sig.certificate_trusted, "{}", sig.raw);

    let sig = &pyhanko_validate(path, &other.root.cert_pem)[0];
    assert!(sig.intact && sig.valid, "{sig:#?}");
    assert!(!sig.trusted && !sig.bottom_line, "{sig:#?}");
}

#[test]
fn one_altered_byte_in_the_signed_range_is_caught_by_both_validators() {
    let corpus = corpus();
    let signed = corpus.path("signed-by-pyhanko.pdf");
    let bytes = fs::read(signed).unwrap();
    // A byte of the binary-marker comment on line 2: covered by the first ByteRange, yet not
    // part of any object, so both parsers still read the file and must judge the digest.
    let offset = find(&bytes, b"\n%").expect("binary comment") + 2;
    let sig = &pdfsig(signed, &corpus.pki.root.cert_pem)[0];
    assert!(offset < sig.signed_ranges[0].1 as usize);

    let tmp = TempDir::new("tampered");
    let tampered = tmp.join("tampered.pdf");
    flip_byte(signed, &tampered, offset);

    let sigs = pdfsig(&tampered, &corpus.pki.root.cert_pem);
    assert_eq!(sigs.len(), 1);
    assert!(!sigs[0].signature_valid, "{}", sigs[0].raw);

    let sigs = pyhanko_validate(&tampered, &corpus.pki.root.cert_pem);
    assert_eq!(sigs.len(), 1);
    assert!(!sigs[0].intact, "{:#?}", sigs[0]);
    assert!(!sigs[0].bottom_line, "{:#?}", sigs[0]);
}

#[test]
fn later_signature_and_document_timestamp_keep_the_first_signature_valid() {
    let corpus = corpus();
    let pki = corpus.pki;
    let tsa = TsaServer::start(pki);
    let tmp = TempDir::new("two-sigs");
    let two = tmp.join("two.pdf");
    let three = tmp.join("three.pdf");
    pyhanko_sign(
        corpus.path("signed-by-pyhanko.pdf"),
        &two,
        &pki.ec_p256.key_path,
        &pki.ec_p256.cert_path,
        &pki.root.cert_path,
        "Sig2",
    );
    pyhanko_doc_timestamp(&two, &three, &tsa.url, &pki.root.cert_path);
    qpdf_check(&three).unwrap();

    let sigs = pyhanko_validate(&three, &pki.root.cert_pem);
    let fields: Vec<_> = sigs.iter().map(|s| s.field.as_str()).collect();
    assert_eq!(sigs.len(), 3, "{fields:?}");
    for sig in &sigs[..2] {
        assert_eq!(sig.error, None, "{sig:#?}");
        assert!(sig.intact && sig.valid && sig.trusted, "{sig:#?}");
        assert_eq!(sig.coverage, Some(Coverage::EntireRevision), "{sig:#?}");
        assert_eq!(sig.docmdp_ok, Some(true), "{sig:#?}");
        assert!(sig.bottom_line, "{sig:#?}");
    }
    let doc_ts = sigs
        .iter()
        .find(|s| s.kind.as_deref() == Some("/DocTimeStamp"))
        .expect("document timestamp");
    // `pyhanko sign timestamp` appends a /DSS revision after the timestamp.
    assert_eq!(
        doc_ts.coverage,
        Some(Coverage::EntireRevision),
        "{doc_ts:#?}"
    );
    assert_eq!(
        doc_ts.modification_level,
        Some(ModificationLevel::LtaUpdates)
    );
    let ts = doc_ts.timestamp.as_ref().unwrap();
    assert!(ts.intact && ts.valid && ts.trusted, "{doc_ts:#?}");

    let sigs = pdfsig(&three, &pki.root.cert_pem);
    assert_eq!(sigs.len(), 3, "{sigs:#?}");
    for sig in &sigs[..2] {
        assert!(
            sig.signature_valid && sig.certificate_trusted,
            "{}",
            sig.raw
        );
        assert!(!sig.total_document_signed, "{}", sig.raw);
    }
    // pdfsig 22.12 does not validate ETSI.RFC3161 document timestamps ("Unimplemented
    // Feature"): B-LTA files must be judged by pyHanko. If this starts failing, poppler
    // learnt to, and tests can start requiring it.
    assert_eq!(
        sigs[2].signature_validation, "Signature has not yet been verified.",
        "{}",
        sigs[2].raw
    );
}

#[test]
fn pyhanko_can_sign_with_every_test_key_and_a_timestamp() {
    let pki = TestPki::shared();
    let input = corpus().path("lopdf-1-page.pdf");
    let tsa = TsaServer::start(pki);
    let tmp = TempDir::new("pyhanko-sign");
    for (name, key) in pki.signers() {
        let out = tmp.join(format!("{name}.pdf"));
        pyhanko_sign_timestamped(
            input,
            &out,
            &key.key_path,
            &key.cert_path,
            &pki.root.cert_path,
            "Signature1",
            &tsa.url,
        );
        let sig = &pyhanko_validate(&out, &pki.root.cert_pem)[0];
        assert!(sig.bottom_line, "{name}: {sig:#?}");
        let ts = sig.timestamp.as_ref().expect("signature timestamp");
        assert!(ts.intact && ts.valid && ts.trusted, "{name}: {ts:#?}");
        assert!(
            ts.tsa_subject
                .as_deref()
                .unwrap()
                .contains("Signet Test TSA")
        );

        let sig = &pdfsig(&out, &pki.root.cert_pem)[0];
        assert!(
            sig.signature_valid && sig.certificate_trusted,
            "{name}: {}",
            sig.raw
        );
    }
}

#[test]
fn tsa_server_answers_a_query_that_openssl_verifies() {
    let pki = TestPki::shared();
    let tmp = TempDir::new("tsa");
    let data = tmp.join("data.bin");
    fs::write(&data, b"what the signer signed").unwrap();
    let query = openssl_ts_query(&data);

    let tsa = TsaServer::start(pki);
    let (status, content_type, reply) = http_post(&tsa.url, "application/timestamp-query", &query);
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/timestamp-reply");
    openssl_ts_verify(&data, &reply, pki).unwrap();

    // Two requests to one server get different serial numbers: openssl's serial file works.
    let (_, _, second) = http_post(&tsa.url, "application/timestamp-query", &query);
    openssl_ts_verify(&data, &second, pki).unwrap();
    assert_ne!(reply, second);

    // The direct (no HTTP) path gives an equally valid reply.
    openssl_ts_verify(&data, &openssl_ts_reply(&query), pki).unwrap();

    // A reply for other data must not verify: the check above means something.
    let other = tmp.join("other.bin");
    fs::write(&other, b"something else").unwrap();
    assert!(openssl_ts_verify(&other, &reply, pki).is_err());
}

#[test]
fn tsa_server_failure_modes() {
    let pki = TestPki::shared();
    let query = openssl_ts_query(&pki.root.cert_path);

    let tsa = TsaServer::start_with(pki, TsaMode::HttpError);
    assert_eq!(
        http_post(&tsa.url, "application/timestamp-query", &query).0,
        500
    );

    let tsa = TsaServer::start_with(pki, TsaMode::Garbage);
    let (status, _, body) = http_post(&tsa.url, "application/timestamp-query", &query);
    assert_eq!(status, 200);
    assert!(openssl_ts_verify(&pki.root.cert_path, &body, pki).is_err());
}

#[test]
fn corpus_valid_fixtures_pass_qpdf() {
    let corpus = corpus();
    for f in corpus.valid() {
        if let Err(e) = qpdf_check(&f.path) {
            panic!("{} ({}) should be valid: {e}", f.name, f.note);
        }
    }
    let pages = |name| qpdf_page_count(corpus.path(name));
    assert_eq!(pages("krilla-3-pages.pdf"), 3);
    assert_eq!(pages("rotate-cropbox.pdf"), 6);
    assert_eq!(pages("pages-1000.pdf"), 1000);
    assert_eq!(pages("pages-500-10mb.pdf"), 500);
    let size = |name| fs::metadata(corpus.path(name)).unwrap().len();
    assert!((9_500_000..11_000_000).contains(&size("pages-500-10mb.pdf")));
    assert!((49_000_000..52_000_000).contains(&size("big-50mb.pdf")));
    let header = |name| fs::read(corpus.path(name)).unwrap()[..8].to_vec();
    assert_eq!(header("pdf-1.3-classic-xref.pdf"), b"%PDF-1.3");
    assert_eq!(header("pdf-2.0.pdf"), b"%PDF-2.0");
}

#[test]
fn corpus_broken_fixtures_exist_and_are_broken() {
    let corpus = corpus();
    let names: Vec<_> = corpus.broken().map(|f| f.name).collect();
    for expected in [
        "truncated.pdf",
        "garbage.pdf",
        "encrypted-user-password.pdf",
        "encrypted-empty-user-password.pdf",
        "xref-prev-loop.pdf",
        "trailer-size-huge.pdf",
        "objstm-10m-objects.pdf",
        "deeply-nested-arrays.pdf",
        "flate-bomb.pdf",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for f in corpus.broken() {
        assert!(f.path.is_file(), "{} was not generated", f.name);
    }

    // qpdf rejects what cannot be repaired.
    for name in ["truncated.pdf", "garbage.pdf", "header-then-garbage.pdf"] {
        assert!(qpdf_check(corpus.path(name)).is_err(), "{name}");
    }
    // The encrypted ones really are: one needs a password, one opens without.
    let encryption = |name: &str| {
        let out = run(std::process::Command::new(tool("qpdf"))
            .arg("--show-encryption")
            .arg(corpus.path(name)));
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    assert!(encryption("encrypted-user-password.pdf").contains("Incorrect password supplied"));
    let restricted = encryption("encrypted-empty-user-password.pdf");
    assert!(restricted.contains("R = 6"), "{restricted}");
    assert!(
        restricted.contains("modify anything: not allowed"),
        "{restricted}"
    );

    // qpdf repairs or ignores these, but says so: each one trips a parser limit or check.
    for name in [
        "xref-prev-loop.pdf",
        "trailer-size-huge.pdf",
        "objstm-10m-objects.pdf",
        "deeply-nested-arrays.pdf",
    ] {
        let err = qpdf_check(corpus.path(name)).unwrap_err();
        assert!(err.starts_with("qpdf warnings (exit 3)"), "{name}: {err}");
    }

    // The bomb really inflates far beyond its size (read a bounded prefix only).
    let bomb = fs::read(corpus.path("flate-bomb.pdf")).unwrap();
    let start = find(&bomb, b"stream\n").unwrap() + 7;
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(&bomb[start..])
        .take(64 << 20)
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated.len(), 64 << 20);
    assert!(inflated.iter().all(|&b| b == 0));
    assert!(bomb.len() < 2 << 20, "bomb is {} bytes", bomb.len());
}
