//! End to end: the server's sealing keys and an operator's PKCS#12 sign one PDF in turn, each
//! with a timestamp from a real TSA (PAdES B-T); the engine's verifier, pdfsig and pyHanko
//! judge the result.

mod openssl_cli;

use std::path::Path;
use std::process::Command;

use openssl_cli::tsa::{OpensslTsa, TsaOptions};
use openssl_cli::{KeyKind, TempDir, make_ca, make_leaf, openssl};
use signet_pdf::keys::{
    certificate_to_pem, load_certificates_pem, load_or_create_sealing_keys, load_pkcs12,
};
use signet_pdf::sign::{SignatureOptions, sign};
use signet_pdf::signer::Signer;
use signet_pdf::verify::{Trust, verify};

/// A one-page PDF with a classic cross-reference table.
fn one_page_pdf() -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 700 Td (Sealed by Signet) Tj ET";
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

#[test]
fn sealing_keys_and_pkcs12_sign_with_timestamps() {
    let tmp = TempDir::new("seal-bt");
    let d = tmp.path();
    let keys = load_or_create_sealing_keys(&tmp.join("keys"), "Signet Test").unwrap();
    let tsa = OpensslTsa::new(TsaOptions::default());

    make_ca(d, KeyKind::Rsa2048, "orgca", "Org-CA");
    make_leaf(
        d,
        KeyKind::Rsa2048,
        "org",
        "Org-Signer",
        "orgca",
        "basicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,nonRepudiation\n\
         extendedKeyUsage=emailProtection\n",
    );
    openssl(
        d,
        "pkcs12 -export -inkey org.key.pem -in org.pem -certfile orgca.pem -passout pass:pw \
         -out org.p12",
    );
    let org = load_pkcs12(&tmp.read("org.p12"), "pw").unwrap();

    let mut pdf = one_page_pdf();
    for (signer, name) in [
        (&keys.signer as &dyn Signer, "Signet Test"),
        (&org, "Org Signer"),
    ] {
        let mut options = SignatureOptions::new(time::OffsetDateTime::now_utc());
        options.name = Some(name.into());
        options.timestamp = true;
        let appended = sign(&pdf, &options, signer, Some(&tsa)).unwrap();
        pdf.extend_from_slice(&appended);
    }
    tmp.write("signed.pdf", &pdf);

    let tsa_root =
        load_certificates_pem(&String::from_utf8(tsa.dir.read("ca.pem")).unwrap()).unwrap();
    let org_root =
        load_certificates_pem(&String::from_utf8(tmp.read("orgca.pem")).unwrap()).unwrap();
    let roots = [keys.root.clone(), org_root[0].clone(), tsa_root[0].clone()];
    let report = verify(&pdf, &roots, &Default::default()).unwrap();
    assert_eq!(report.signatures.len(), 2, "{report:?}");
    for sig in &report.signatures {
        assert!(sig.intact(), "{sig:?}");
        assert!(matches!(sig.trust, Trust::Trusted), "{sig:?}");
        let ts = sig.timestamp.as_ref().expect("a timestamp");
        assert!(ts.valid, "{sig:?}");
        assert_eq!(
            ts.authority.as_deref(),
            Some("CN=Signet-Test-TSA,O=SignetTests")
        );
    }
    assert!(report.all_good(), "{report:?}");

    tmp.write("signet-root.pem", certificate_to_pem(&keys.root));
    external_validators(
        d,
        &[
            "signet-root.pem",
            "orgca.pem",
            &tsa.dir.join("ca.pem").display().to_string(),
        ],
        2,
    );
}

/// An eSign provider's CMS (with signing time, made elsewhere) gets the server's timestamp
/// as an unsigned attribute: its signature is untouched and the result is B-T.
#[test]
fn a_providers_cms_is_timestamped_without_touching_its_signature() {
    use signet_pdf::external::{
        check_detached, detached_cms, prepare_container, with_signature_timestamp,
    };
    let tmp = TempDir::new("esign-bt");
    let d = tmp.path();
    let tsa = OpensslTsa::new(TsaOptions::default());
    make_ca(d, KeyKind::Rsa2048, "orgca", "ESP-CA");
    make_leaf(
        d,
        KeyKind::Rsa2048,
        "org",
        "Asha-Rao",
        "orgca",
        "basicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,nonRepudiation\n",
    );
    openssl(
        d,
        "pkcs12 -export -inkey org.key.pem -in org.pem -certfile orgca.pem -passout pass:pw \
         -out org.p12",
    );
    let signer = load_pkcs12(&tmp.read("org.p12"), "pw").unwrap();
    let mut pdf = one_page_pdf();
    let prepared = prepare_container(
        &pdf,
        &SignatureOptions::new(time::OffsetDateTime::now_utc()),
    )
    .unwrap();
    let now = Some(time::OffsetDateTime::now_utc());
    let cms = detached_cms(&prepared.document_digest, &signer, now).unwrap();
    let stamped = with_signature_timestamp(&cms, &tsa).unwrap();
    assert!(stamped.len() > cms.len());
    assert_eq!(with_signature_timestamp(&stamped, &tsa).unwrap(), stamped);
    check_detached(&stamped, &prepared.document_digest).unwrap();
    pdf.extend_from_slice(&prepared.embed(&stamped).unwrap());
    tmp.write("signed.pdf", &pdf);

    let tsa_root =
        load_certificates_pem(&String::from_utf8(tsa.dir.read("ca.pem")).unwrap()).unwrap();
    let org_root =
        load_certificates_pem(&String::from_utf8(tmp.read("orgca.pem")).unwrap()).unwrap();
    let report = verify(
        &pdf,
        &[org_root[0].clone(), tsa_root[0].clone()],
        &Default::default(),
    )
    .unwrap();
    let sig = &report.signatures[0];
    assert!(
        sig.intact() && matches!(sig.trust, Trust::Trusted),
        "{sig:?}"
    );
    assert!(
        sig.timestamp.as_ref().expect("a timestamp").valid,
        "{sig:?}"
    );
    external_validators(
        d,
        &["orgca.pem", &tsa.dir.join("ca.pem").display().to_string()],
        1,
    );
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// pdfsig (NSS) and pyHanko on `signed.pdf` in `dir`, trusting `roots`. Required when
/// scripts/test installed them (SIGNET_TEST_TOOLS set), skipped otherwise.
fn external_validators(dir: &Path, roots: &[&str], signatures: usize) {
    let required = std::env::var_os("SIGNET_TEST_TOOLS").is_some();
    for tool in ["pdfsig", "certutil", "pyhanko"] {
        if !have(tool) {
            assert!(!required, "{tool} is missing");
            eprintln!("{tool} not installed: skipping the external validators");
            return;
        }
    }
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };

    std::fs::create_dir_all(dir.join("nssdb")).unwrap();
    let (ok, text) = run("certutil", &["-N", "-d", "sql:nssdb", "--empty-password"]);
    assert!(ok, "{text}");
    for (i, root) in roots.iter().enumerate() {
        let nick = format!("root{i}");
        let (ok, text) = run(
            "certutil",
            &[
                "-A",
                "-d",
                "sql:nssdb",
                "-n",
                &nick,
                "-t",
                "CT,C,C",
                "-i",
                root,
            ],
        );
        assert!(ok, "{text}");
    }
    let nssdir = format!("sql:{}", dir.join("nssdb").display());
    let (_, text) = run("pdfsig", &["-nssdir", &nssdir, "signed.pdf"]);
    eprintln!("pdfsig:\n{text}");
    assert_eq!(
        text.matches("Signature is Valid.").count(),
        signatures,
        "{text}"
    );
    assert_eq!(
        text.matches("Certificate is Trusted.").count(),
        signatures,
        "{text}"
    );

    let mut args = vec![
        "sign",
        "validate",
        "--executive-summary",
        "--no-revocation-check",
        "--trust-replace",
    ];
    for root in roots {
        args.extend(["--trust", root]);
    }
    args.push("signed.pdf");
    let (ok, text) = run("pyhanko", &args);
    eprintln!("pyhanko:\n{text}");
    assert!(ok, "{text}");
    assert_eq!(text.matches(":VALID").count(), signatures, "{text}");
}
