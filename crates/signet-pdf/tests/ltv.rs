//! Long-term validation (PAdES B-LT) against a real PKI: certificates from `openssl ca`
//! (tests/pki/make-pki.sh), OCSP from `openssl ocsp` and CRLs over HTTP (tests/pki/serve.py).
//! The DSS revision is judged offline, the responder stopped: pyHanko's AdES validation, which
//! requires revocation data for every certificate, must find all of it in the file, and fails
//! on the same file without the DSS.

mod pki;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use der::{Decode, Encode};
use pki::{LtvPki, P12_PASSWORD};
use signet_pdf::dss::{add_dss, extend_to_lt};
use signet_pdf::keys::{load_certificates_pem, load_pkcs12};
use signet_pdf::revocation::{
    CertStatus, RevocationSource, ValidationData, check_crl, check_ocsp_response,
    collect_validation_data, ocsp_request, revocation_urls,
};
use signet_pdf::sign::{SignatureOptions, sign};
use signet_pdf::signer::Signer;
use signet_pdf::timestamp::TimestampAuthority;
use signet_pdf::verify::verify;
use signet_pdf::{Document, Error, Limits};
use support::{TempDir, http_post, pdfsig, pyhanko_validate, qpdf_check, run, target_tmp, tool};
use time::OffsetDateTime;
use x509_cert::Certificate;

/// One PKI for the whole test binary; the responder, on the port its certificates name, is
/// run by one test at a time.
fn shared() -> (&'static LtvPki, MutexGuard<'static, ()>) {
    static PKI: OnceLock<LtvPki> = OnceLock::new();
    static RESPONDER: Mutex<()> = Mutex::new(());
    let pki = PKI.get_or_init(|| {
        // One directory per test process (the port differs); those of finished runs go.
        for old in std::fs::read_dir(target_tmp()).unwrap().flatten() {
            let name = old.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("ltv-pki-")
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = std::fs::remove_dir_all(old.path());
            }
        }
        let dir = target_tmp().join(format!("ltv-pki-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        LtvPki::create(&dir)
    });
    let guard = RESPONDER.lock().unwrap_or_else(|e| e.into_inner());
    (pki, guard)
}

/// OCSP and CRLs over plain HTTP with the tests' own client, so the engine is tested apart from
/// the server's transport.
struct Http;

impl RevocationSource for Http {
    fn ocsp(&self, url: &str, request_der: &[u8]) -> signet_pdf::Result<Vec<u8>> {
        if TcpStream::connect(host_of(url)).is_err() {
            return Err(Error::RevocationUnavailable(format!(
                "{url}: not listening"
            )));
        }
        let (status, _, body) = http_post(url, "application/ocsp-request", request_der);
        if status != 200 {
            return Err(Error::RevocationUnavailable(format!(
                "{url}: HTTP {status}"
            )));
        }
        Ok(body)
    }

    fn crl(&self, url: &str) -> signet_pdf::Result<Vec<u8>> {
        http_get(url)
    }
}

fn host_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    rest.split('/').next().unwrap().to_string()
}

fn http_get(url: &str) -> signet_pdf::Result<Vec<u8>> {
    let unavailable = |why: String| Error::RevocationUnavailable(format!("{url}: {why}"));
    let host = host_of(url);
    let path = &url["http://".len() + host.len()..];
    let mut stream = TcpStream::connect(&host).map_err(|e| unavailable(e.to_string()))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| unavailable(e.to_string()))?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| unavailable("no HTTP header".into()))?;
    let head = String::from_utf8_lossy(&response[..split]);
    if head.split_whitespace().nth(1) != Some("200") {
        return Err(unavailable(head.lines().next().unwrap_or("").to_string()));
    }
    Ok(response[split + 4..].to_vec())
}

/// A source whose answers are whatever the test says.
struct Canned<F: Fn(&str) -> signet_pdf::Result<Vec<u8>>>(F);

impl<F: Fn(&str) -> signet_pdf::Result<Vec<u8>>> RevocationSource for Canned<F> {
    fn ocsp(&self, url: &str, _request_der: &[u8]) -> signet_pdf::Result<Vec<u8>> {
        (self.0)(url)
    }

    fn crl(&self, url: &str) -> signet_pdf::Result<Vec<u8>> {
        (self.0)(url)
    }
}

/// The PKI's timestamp authority: `openssl ts -reply` with its tsa.cnf, no HTTP in between.
struct PkiTsa<'a>(&'a LtvPki);

impl TimestampAuthority for PkiTsa<'_> {
    fn exchange(&self, request_der: &[u8]) -> signet_pdf::Result<Vec<u8>> {
        let dir = TempDir::new("ltv-tsa");
        std::fs::write(dir.join("query.tsq"), request_der).unwrap();
        let out = run(Command::new(tool("openssl"))
            .args(["ts", "-reply", "-config"])
            .arg(self.0.tsa_config())
            .arg("-queryfile")
            .arg(dir.join("query.tsq"))
            .arg("-out")
            .arg(dir.join("reply.tsr")));
        assert!(out.status.success(), "{out:?}");
        Ok(std::fs::read(dir.join("reply.tsr")).unwrap())
    }
}

fn cert(pki: &LtvPki, name: &str) -> Certificate {
    Certificate::from_der(&pki.read(&format!("{name}.der"))).unwrap()
}

fn chain_of(pki: &LtvPki, leaf: &str) -> Vec<Certificate> {
    load_pkcs12(&pki.read(&format!("{leaf}.p12")), P12_PASSWORD)
        .unwrap()
        .certificates()
        .to_vec()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A one-page PDF with a classic cross-reference table.
fn one_page_pdf() -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 700 Td (Signed for the long term) Tj ET";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
           /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(),
            content.to_vec(),
            b"\nendstream".to_vec(),
        ]
        .concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// `pdf` with one more signature by `leaf`'s PKCS#12.
fn signed_by(pki: &LtvPki, leaf: &str, pdf: &[u8]) -> Vec<u8> {
    signed_with(pki, leaf, pdf, None)
}

fn signed_with(
    pki: &LtvPki,
    leaf: &str,
    pdf: &[u8],
    tsa: Option<&dyn TimestampAuthority>,
) -> Vec<u8> {
    let signer = load_pkcs12(&pki.read(&format!("{leaf}.p12")), P12_PASSWORD).unwrap();
    let mut options = SignatureOptions::new(now());
    options.name = Some(leaf.to_string());
    options.timestamp = tsa.is_some();
    let revision = sign(pdf, &options, &signer, tsa).unwrap();
    [pdf, &revision].concat()
}

/// The number of items in each array of the file's DSS: (Certs, OCSPs, CRLs).
fn store_counts(pdf: &[u8]) -> (usize, usize, usize) {
    let doc = Document::open(pdf, &Limits::default()).unwrap();
    let dss = doc
        .get_in(&doc.catalog().unwrap(), "DSS")
        .unwrap()
        .expect("a /DSS");
    let count = |key: &str| {
        doc.get_in(dss.as_dict().unwrap(), key)
            .unwrap()
            .and_then(|a| a.as_array().map(<[_]>::len))
            .unwrap_or(0)
    };
    (count("Certs"), count("OCSPs"), count("CRLs"))
}

/// `pyhanko sign adesverify` trusting only the PKI's root: AdES validation, which requires
/// revocation data for every certificate of the path. The validation time is given (now), which
/// makes it a point-in-time validation: pyHanko then fetches nothing and judges only what the
/// file holds (at the current time it would fetch first, and fail when the responder is down,
/// whatever the file holds). Returns (passed, output).
fn pyhanko_adesverify(pki: &LtvPki, pdf: &Path) -> (bool, String) {
    let now = now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let out = run(Command::new(tool("pyhanko"))
        .args(["sign", "adesverify", "--validation-time", &now, "--trust"])
        .arg(pki.path("root.pem"))
        .arg("--trust-replace")
        .arg(pdf));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    let passed = out.status.success() && text.contains(":INTACT:TRUSTED,");
    (passed, text)
}

fn code(e: &Error) -> &'static str {
    e.code()
}

#[test]
fn b_lt_revision_validates_offline() {
    let (pki, _responder_lock) = shared();
    let dir = TempDir::new("ltv");
    let root_pem = pki.read("root.pem");
    let roots = load_certificates_pem(std::str::from_utf8(&root_pem).unwrap()).unwrap();

    for leaf in ["good-rsa", "good-p256"] {
        let signed = signed_by(pki, leaf, &one_page_pdf());
        let chain = chain_of(pki, leaf);
        let revision = {
            let _responder = pki.serve();
            extend_to_lt(&signed, &chain, &Http, now(), &Limits::default())
                .unwrap()
                .expect("the chain names OCSP and CRLs")
        };
        // The responder is gone from here on.
        let b_b = dir.join(format!("{leaf}-b-b.pdf"));
        std::fs::write(&b_b, &signed).unwrap();
        let b_lt = dir.join(format!("{leaf}-b-lt.pdf"));
        let full = [signed.as_slice(), &revision].concat();
        std::fs::write(&b_lt, &full).unwrap();

        // The control: without the DSS, offline validation cannot confirm the status.
        let (ok, text) = pyhanko_adesverify(pki, &b_b);
        assert!(
            !ok,
            "{leaf}: B-B validated offline without revocation data:\n{text}"
        );

        let (ok, text) = pyhanko_adesverify(pki, &b_lt);
        assert!(
            ok,
            "{leaf}: pyHanko AdES validation of the B-LT file:\n{text}"
        );

        // pyHanko's plain validation: intact, trusted, and the DSS revision an allowed change.
        let sigs = pyhanko_validate(&b_lt, &root_pem);
        assert_eq!(sigs.len(), 1, "{sigs:#?}");
        let sig = &sigs[0];
        assert!(sig.intact && sig.valid && sig.trusted, "{sig:#?}");
        assert!(
            matches!(
                sig.modification_level,
                Some(support::ModificationLevel::LtaUpdates)
            ),
            "{leaf}: {sig:#?}"
        );

        let sigs = pdfsig(&b_lt, &root_pem);
        assert_eq!(sigs.len(), 1);
        assert!(sigs[0].signature_valid, "{}", sigs[0].raw);
        qpdf_check(&b_lt).unwrap();

        let report = verify(&full, &roots, &Limits::default()).unwrap();
        assert_eq!(report.signatures.len(), 1);
        assert!(report.signatures[0].intact(), "{report:#?}");
        // The DSS revision is validation data, not an unsigned change.
        assert_eq!(report.unsigned_tail, 0, "{report:#?}");
        assert!(report.all_good(), "{report:#?}");
        assert!(
            report.signatures[0].problems.is_empty(),
            "{:?}",
            report.signatures[0].problems
        );

        // The store holds the chain, the responder's certificate, the leaf's OCSP answer and
        // the root's CRL about the intermediate.
        let doc = Document::open(&full, &Limits::default()).unwrap();
        let catalog = doc.catalog().unwrap();
        let dss = doc.get_in(&catalog, "DSS").unwrap().expect("a /DSS");
        let dss = dss.as_dict().unwrap();
        let count = |key: &str| {
            doc.get_in(dss, key)
                .unwrap()
                .and_then(|a| a.as_array().map(<[_]>::len))
                .unwrap_or(0)
        };
        assert_eq!(count("Certs"), 4, "{leaf}");
        assert_eq!(count("OCSPs"), 1, "{leaf}");
        assert_eq!(count("CRLs"), 1, "{leaf}");
    }
}

#[test]
fn a_second_signature_extends_the_store() {
    let (pki, _responder_lock) = shared();
    let dir = TempDir::new("ltv-two");
    let root_pem = pki.read("root.pem");
    let _responder = pki.serve();

    let first = signed_by(pki, "good-rsa", &one_page_pdf());
    let rsa_chain = chain_of(pki, "good-rsa");
    let data = collect_validation_data(&rsa_chain, &Http, now())
        .unwrap()
        .unwrap();
    let first = [
        first.clone(),
        add_dss(&first, &data, &Limits::default()).unwrap(),
    ]
    .concat();
    // Everything is there already: nothing to append.
    assert!(
        add_dss(&first, &data, &Limits::default())
            .unwrap()
            .is_empty()
    );

    let second = signed_by(pki, "good-p256", &first);
    let revision = extend_to_lt(
        &second,
        &chain_of(pki, "good-p256"),
        &Http,
        now(),
        &Limits::default(),
    )
    .unwrap()
    .unwrap();
    let full = [second.as_slice(), &revision].concat();
    assert!(full.starts_with(&first), "earlier bytes stay untouched");
    let path = dir.join("two.pdf");
    std::fs::write(&path, &full).unwrap();
    drop(_responder);

    let doc = Document::open(&full, &Limits::default()).unwrap();
    let dss = doc.get_in(&doc.catalog().unwrap(), "DSS").unwrap().unwrap();
    let count = |key: &str| {
        doc.get_in(dss.as_dict().unwrap(), key)
            .unwrap()
            .and_then(|a| a.as_array().map(<[_]>::len))
            .unwrap()
    };
    // The chain and the root's CRL are shared; each leaf has its own OCSP answer.
    assert_eq!(count("Certs"), 5);
    assert_eq!(count("OCSPs"), 2);
    assert_eq!(count("CRLs"), 1);

    let (ok, text) = pyhanko_adesverify(pki, &path);
    assert!(ok, "{text}");
    let sigs = pyhanko_validate(&path, &root_pem);
    assert_eq!(sigs.len(), 2);
    for sig in &sigs {
        assert!(sig.intact && sig.valid && sig.trusted, "{sig:#?}");
    }
    for sig in pdfsig(&path, &root_pem) {
        assert!(sig.signature_valid, "{}", sig.raw);
    }
    let roots = load_certificates_pem(std::str::from_utf8(&root_pem).unwrap()).unwrap();
    let report = verify(&full, &roots, &Limits::default()).unwrap();
    assert_eq!(report.signatures.len(), 2);
    assert!(report.all_good(), "{report:#?}");
}

#[test]
fn a_revoked_certificate_is_refused_by_ocsp_and_by_the_crl() {
    let (pki, _responder_lock) = shared();
    let _responder = pki.serve();
    let chain = chain_of(pki, "revoked");
    let signed = signed_by(pki, "revoked", &one_page_pdf());

    let err = extend_to_lt(&signed, &chain, &Http, now(), &Limits::default()).unwrap_err();
    assert_eq!(code(&err), "certificate.revoked", "{err}");
    match &err {
        Error::Revoked {
            subject, reason, ..
        } => {
            assert!(subject.contains("Signet Test Revoked"), "{subject}");
            assert_eq!(*reason, "keyCompromise");
        }
        other => panic!("{other:?}"),
    }

    // With OCSP unreachable, the CRL says the same.
    let crl_only = Canned(|url: &str| {
        if url.contains("/crl/") {
            Http.crl(url)
        } else {
            Err(Error::RevocationUnavailable("down".into()))
        }
    });
    let err = collect_validation_data(&chain, &crl_only, now()).unwrap_err();
    assert_eq!(code(&err), "certificate.revoked", "{err}");

    // The checks one by one.
    let leaf = &chain[0];
    let issuer = cert(pki, "intermediate");
    let query = ocsp_request(leaf, &issuer).unwrap();
    let answer = Http
        .ocsp(&revocation_urls(leaf).ocsp[0], &query.der)
        .unwrap();
    let checked = check_ocsp_response(&answer, leaf, &issuer, Some(&query), now()).unwrap();
    assert!(
        matches!(
            checked.status,
            CertStatus::Revoked {
                reason: Some("keyCompromise"),
                ..
            }
        ),
        "{checked:?}"
    );
    assert!(
        checked.responder.is_some(),
        "a delegated responder signed it"
    );
    let crl = pki.read("crl/intermediate.crl");
    let checked = check_crl(&crl, leaf, &issuer, now()).unwrap();
    assert!(matches!(checked.status, CertStatus::Revoked { .. }));
    let good = cert(pki, "good-rsa");
    assert_eq!(
        check_crl(&crl, &good, &issuer, now()).unwrap().status,
        CertStatus::Good
    );
}

#[test]
fn a_certificate_naming_no_source_gets_no_dss_and_no_error() {
    let (pki, _responder_lock) = shared();
    let chain = chain_of(pki, "untrusted");
    assert!(revocation_urls(&chain[0]).is_empty());
    let signed = signed_by(pki, "untrusted", &one_page_pdf());
    let source = Canned(|url: &str| panic!("nothing may be fetched, yet {url} was"));
    assert!(
        extend_to_lt(&signed, &chain, &source, now(), &Limits::default())
            .unwrap()
            .is_none()
    );
}

#[test]
fn unreachable_or_broken_sources_leave_the_signature_as_it_is() {
    let (pki, _responder_lock) = shared();
    let chain = chain_of(pki, "good-rsa");
    let signed = signed_by(pki, "good-rsa", &one_page_pdf());

    // Nobody listens.
    let err = extend_to_lt(&signed, &chain, &Http, now(), &Limits::default()).unwrap_err();
    assert_eq!(code(&err), "certificate.revocation.unavailable", "{err}");

    for mode in ["garbage", "http-error"] {
        let _responder = pki.serve_with(mode);
        let err = extend_to_lt(&signed, &chain, &Http, now(), &Limits::default()).unwrap_err();
        assert_eq!(
            code(&err),
            "certificate.revocation.unavailable",
            "{mode}: {err}"
        );
        assert!(err.to_string().contains("Signet Test Signer RSA"), "{err}");
    }

    // OCSP gone, the CRL still there: that is enough.
    let _responder = pki.serve();
    let crl_only = Canned(|url: &str| {
        if url.contains("/crl/") {
            Http.crl(url)
        } else {
            Err(Error::RevocationUnavailable("down".into()))
        }
    });
    let data = collect_validation_data(&chain, &crl_only, now())
        .unwrap()
        .unwrap();
    assert!(data.ocsps.is_empty());
    assert_eq!(data.crls.len(), 2, "the leaf's and the intermediate's CRL");
}

#[test]
fn bad_answers_are_errors_never_panics() {
    let (pki, _responder_lock) = shared();
    let _responder = pki.serve();
    let leaf = cert(pki, "good-rsa");
    let issuer = cert(pki, "intermediate");
    let query = ocsp_request(&leaf, &issuer).unwrap();
    let answer = Http
        .ocsp(&revocation_urls(&leaf).ocsp[0], &query.der)
        .unwrap();
    let checked = check_ocsp_response(&answer, &leaf, &issuer, Some(&query), now()).unwrap();
    assert_eq!(checked.status, CertStatus::Good);
    let crl = pki.read("crl/intermediate.crl");
    check_crl(&crl, &leaf, &issuer, now()).unwrap();

    let invalid = |r: signet_pdf::Result<_>| match r {
        Err(e) => assert_eq!(code(&e), "certificate.revocation.invalid", "{e}"),
        Ok(c) => panic!("accepted: {c:?}"),
    };
    for bad in [
        &b""[..],
        b"garbage",
        &[0x30, 0x03, 0x0a, 0x01, 0x00],
        &answer[..answer.len() / 2],
        &[0x30; 100_000],
    ] {
        invalid(check_ocsp_response(bad, &leaf, &issuer, None, now()));
        invalid(check_crl(bad, &leaf, &issuer, now()));
    }

    // Every single-byte change is caught or harmless, and none panics. A change in the signed
    // part must be caught.
    for (what, good, check) in [
        (
            "OCSP",
            &answer,
            &(|b: &[u8]| check_ocsp_response(b, &leaf, &issuer, Some(&query), now()).map(|_| ()))
                as &dyn Fn(&[u8]) -> signet_pdf::Result<()>,
        ),
        ("CRL", &crl, &|b: &[u8]| {
            check_crl(b, &leaf, &issuer, now()).map(|_| ())
        }),
    ] {
        let mut accepted = 0;
        for i in 0..good.len() {
            let mut changed = good.clone();
            changed[i] ^= 0x01;
            if check(&changed).is_ok() {
                accepted += 1;
            }
        }
        // Only bytes outside what is signed (the certificates an OCSP answer carries) may
        // change without notice, and not many of those: most certificate bytes are signed
        // by the issuer.
        assert!(
            accepted < good.len() / 10,
            "{what}: {accepted} of {} changes accepted",
            good.len()
        );
    }

    // An answer about another certificate, a mismatched nonce, a stale answer.
    let other = cert(pki, "good-p256");
    let err = check_ocsp_response(&answer, &other, &issuer, None, now()).unwrap_err();
    assert!(err.to_string().contains("does not speak about"), "{err}");
    let other_query = ocsp_request(&leaf, &issuer).unwrap();
    let err = check_ocsp_response(&answer, &leaf, &issuer, Some(&other_query), now()).unwrap_err();
    assert!(err.to_string().contains("nonce"), "{err}");
    let later = now() + time::Duration::days(3);
    let err = check_ocsp_response(&answer, &leaf, &issuer, None, later).unwrap_err();
    assert!(err.to_string().contains("stale"), "{err}");
    let err = check_crl(&crl, &leaf, &issuer, now() + time::Duration::days(40)).unwrap_err();
    assert!(err.to_string().contains("stale"), "{err}");
    // A CRL checked against the wrong issuer.
    let root = cert(pki, "root");
    let err = check_crl(&crl, &leaf, &root, now()).unwrap_err();
    assert_eq!(code(&err), "certificate.revocation.invalid");

    // Garbage from a source: unavailable, with the reason.
    let garbage = Canned(|_: &str| Ok(b"\x30\x82\xff\xff not DER".to_vec()));
    let err = collect_validation_data(&chain_of(pki, "good-rsa"), &garbage, now()).unwrap_err();
    assert_eq!(code(&err), "certificate.revocation.unavailable", "{err}");
}

#[test]
fn validation_data_round_trips_through_the_store() {
    // The DSS streams hold exactly the DER given (Flate on the way in, inflated by readers).
    let (pki, _responder_lock) = shared();
    let signed = signed_by(pki, "good-rsa", &one_page_pdf());
    let data = ValidationData {
        certs: vec![
            cert(pki, "root").to_der().unwrap(),
            cert(pki, "intermediate").to_der().unwrap(),
        ],
        ocsps: vec![],
        crls: vec![pki.read("crl/root.crl")],
    };
    let full = [
        signed.clone(),
        add_dss(&signed, &data, &Limits::default()).unwrap(),
    ]
    .concat();
    let lopdf = lopdf::Document::load_mem(&full).unwrap();
    let catalog = lopdf.catalog().unwrap();
    let dss = lopdf
        .get_dictionary(catalog.get(b"DSS").unwrap().as_reference().unwrap())
        .unwrap();
    let read = |key: &[u8]| -> Vec<Vec<u8>> {
        dss.get(key)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let stream = lopdf
                    .get_object(r.as_reference().unwrap())
                    .unwrap()
                    .as_stream()
                    .unwrap();
                stream.decompressed_content().unwrap()
            })
            .collect()
    };
    assert_eq!(read(b"Certs"), data.certs);
    assert_eq!(read(b"CRLs"), data.crls);
    assert!(dss.get(b"OCSPs").is_err(), "no empty arrays");
}

#[test]
fn a_timestamped_signature_gets_its_authority_covered_too() {
    let (pki, _responder_lock) = shared();
    let dir = TempDir::new("ltv-bt");
    let signed = signed_with(pki, "good-p256", &one_page_pdf(), Some(&PkiTsa(pki)));
    let chain = chain_of(pki, "good-p256");
    let (full, signer_only) = {
        let _responder = pki.serve();
        let revision = extend_to_lt(&signed, &chain, &Http, now(), &Limits::default())
            .unwrap()
            .unwrap();
        let signer_data = collect_validation_data(&chain, &Http, now())
            .unwrap()
            .unwrap();
        let signer_only = add_dss(&signed, &signer_data, &Limits::default()).unwrap();
        (
            [signed.as_slice(), &revision].concat(),
            [signed.as_slice(), &signer_only].concat(),
        )
    };
    // The TSA's certificate and its OCSP answer join the signer's.
    assert_eq!(store_counts(&full), (5, 2, 1));

    let path = dir.join("b-t-lt.pdf");
    std::fs::write(&path, &full).unwrap();
    let (ok, text) = pyhanko_adesverify(pki, &path);
    assert!(ok, "{text}");
    // The timestamp's authority is judged with the same policy. A failure there leaves the
    // verdict alone and only drops the timestamp from the summary, so the summary is read.
    assert!(text.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{text}");
    let sigs = pyhanko_validate(&path, &pki.read("root.pem"));
    let timestamp = sigs[0].timestamp.as_ref().expect("a signature timestamp");
    assert!(timestamp.intact && timestamp.valid, "{sigs:#?}");

    // The control: with the signer's data alone, the timestamp is not judged trusted.
    let path = dir.join("signer-only.pdf");
    std::fs::write(&path, &signer_only).unwrap();
    let (_, text) = pyhanko_adesverify(pki, &path);
    assert!(!text.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{text}");
}
