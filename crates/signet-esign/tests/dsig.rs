//! Our signatures judged by xmlsec1, xmlsec1's (made as a real ESP makes them) judged by
//! ours, and the ways around an XML signature refused.

mod common;

use common::{TempDir, identity, run, sample_request, write};
use signet_esign::dsig::{XmlSigner, verify};
use signet_esign::response::{DocSignature, EsignResponse, Status};
use signet_esign::{Error, Version};
use std::process::Command;

fn xmlsec_verifies(dir: &TempDir, cert_pem: &std::path::Path, xml: &str) -> bool {
    let file = dir.path("to-verify.xml");
    write(&file, xml);
    Command::new("xmlsec1")
        .args(["--verify", "--pubkey-cert-pem"])
        .arg(cert_pem)
        .arg(&file)
        .output()
        .expect("xmlsec1 runs")
        .status
        .success()
}

fn sample_response() -> EsignResponse {
    EsignResponse {
        status: Status::Signed,
        ts: "2026-01-15T10:21:00.000+05:30".into(),
        txn: "SIGNET-01JABCDEF".into(),
        res_code: Some("f989aa".into()),
        error_code: None,
        error_message: None,
        user_certificate: Some(vec![0x30, 0x82, 0x01, 0x00, 7, 8, 9]),
        signatures: vec![DocSignature {
            id: "1".into(),
            cms: vec![0x30, 0x80, 1, 2, 3, 4, 5],
            error_code: None,
            error_message: None,
        }],
    }
}

#[test]
fn our_signature_verifies_with_xmlsec1_and_ourselves() {
    let dir = TempDir::new();
    let asp = identity(&dir, "asp");
    let signer = XmlSigner::new(&asp.key_der, &asp.cert_der).unwrap();
    for version in [Version::V2_1, Version::V3_2] {
        let signed = signer.sign(&sample_request(version).to_xml()).unwrap();
        assert!(signed.contains("<X509SubjectName>"), "{signed}");
        assert!(signed.contains("<X509Certificate>"), "{signed}");
        assert!(
            signed.trim_end().ends_with("</Signature></Esign>"),
            "{signed}"
        );
        assert!(xmlsec_verifies(&dir, &asp.cert_pem, &signed), "{signed}");
        verify(&signed, &asp.cert_der).unwrap();
        // What was signed still reads as the request.
        assert_eq!(
            signet_esign::request::EsignRequest::parse(&signed).unwrap(),
            sample_request(version)
        );
    }
    // A self-closing root (EsignStatus) is opened for the signature.
    let status = signet_esign::status::EsignStatus {
        ts: "2026-01-15T10:20:30".into(),
        txn: "T1".into(),
        asp_id: "ASP-TEST-1".into(),
    };
    let signed = signer.sign(&status.to_xml()).unwrap();
    assert!(xmlsec_verifies(&dir, &asp.cert_pem, &signed), "{signed}");
    verify(&signed, &asp.cert_der).unwrap();
    assert_eq!(
        signet_esign::status::EsignStatus::parse(&signed).unwrap(),
        status
    );
}

#[test]
fn a_certificate_for_another_key_is_refused() {
    let dir = TempDir::new();
    let asp = identity(&dir, "asp");
    let other = identity(&dir, "other");
    assert!(matches!(
        XmlSigner::new(&asp.key_der, &other.cert_der),
        Err(Error::Key(_))
    ));
    assert!(matches!(
        XmlSigner::new(b"not a key", &asp.cert_der),
        Err(Error::Key(_))
    ));
}

/// An ESP's signature as the live sample has it: C14N with comments, RSA-SHA1, SHA-256
/// digest, made by xmlsec1.
fn esp_signed(dir: &TempDir, key_pem: &std::path::Path, cert_pem: &std::path::Path) -> String {
    let unsigned = sample_response().to_xml(Version::V2_1);
    let template = unsigned.replace(
        "</EsignResp>",
        concat!(
            "<!-- an ESP's comment -->",
            r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>"#,
            r#"<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>"#,
            r#"<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>"#,
            r#"<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>"#,
            r#"<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue></DigestValue></Reference>"#,
            "</SignedInfo><SignatureValue/>",
            "<KeyInfo><X509Data><X509SubjectName/><X509Certificate/></X509Data></KeyInfo>",
            "</Signature></EsignResp>"
        ),
    );
    let template_file = dir.path("template.xml");
    let out = dir.path("esp-signed.xml");
    write(&template_file, &template);
    let mut keys = key_pem.as_os_str().to_owned();
    keys.push(",");
    keys.push(cert_pem);
    run(Command::new("xmlsec1")
        .args(["--sign", "--privkey-pem"])
        .arg(keys)
        .arg("--output")
        .arg(&out)
        .arg(&template_file));
    std::fs::read_to_string(&out).unwrap()
}

#[test]
fn an_esp_signature_made_by_xmlsec1_verifies() {
    let dir = TempDir::new();
    let esp = identity(&dir, "esp");
    let signed = esp_signed(&dir, &esp.key_pem, &esp.cert_pem);
    assert!(signed.contains("rsa-sha1") && signed.contains("WithComments"));
    verify(&signed, &esp.cert_der).unwrap();
    assert_eq!(EsignResponse::parse(&signed).unwrap(), sample_response());
    // With line breaks in the Base64, as xmlsec1 and ESPs write it, too.
    assert!(signed.contains("<X509Certificate>"));
}

#[test]
fn a_tampered_message_fails() {
    let dir = TempDir::new();
    let asp = identity(&dir, "asp");
    let signer = XmlSigner::new(&asp.key_der, &asp.cert_der).unwrap();
    let signed = signer
        .sign(&sample_request(Version::V2_1).to_xml())
        .unwrap();
    let tampered = signed.replace("aspId=\"ASP-TEST-1\"", "aspId=\"ASP-TEST-2\"");
    assert_ne!(tampered, signed);
    assert!(matches!(
        verify(&tampered, &asp.cert_der),
        Err(Error::Signature(_))
    ));
    assert!(!xmlsec_verifies(&dir, &asp.cert_pem, &tampered));

    let esp = identity(&dir, "esp");
    let esp_signed = esp_signed(&dir, &esp.key_pem, &esp.cert_pem);
    let tampered = esp_signed.replace("txn=\"SIGNET-01JABCDEF\"", "txn=\"SIGNET-01JABCDEG\"");
    assert_ne!(tampered, esp_signed);
    assert!(matches!(
        verify(&tampered, &esp.cert_der),
        Err(Error::Signature(_))
    ));
}

#[test]
fn another_key_with_its_own_certificate_in_key_info_fails() {
    let dir = TempDir::new();
    let pinned = identity(&dir, "esp");
    let attacker = identity(&dir, "attacker");
    let signer = XmlSigner::new(&attacker.key_der, &attacker.cert_der).unwrap();
    let signed = signer
        .sign(&sample_response().to_xml(Version::V2_1))
        .unwrap();
    // The signature itself is sound: only the pinned certificate decides.
    verify(&signed, &attacker.cert_der).unwrap();
    assert!(matches!(
        verify(&signed, &pinned.cert_der),
        Err(Error::Signature(_))
    ));
    // Also when KeyInfo claims to be the pinned certificate.
    let pinned_b64 = base64_std(&pinned.cert_der);
    let attacker_b64 = base64_std(&attacker.cert_der);
    let claimed = signed.replace(&attacker_b64, &pinned_b64);
    assert_ne!(claimed, signed);
    assert!(matches!(
        verify(&claimed, &pinned.cert_der),
        Err(Error::Signature(_))
    ));
}

fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn a_wrapped_or_moved_signature_fails() {
    let dir = TempDir::new();
    let esp = identity(&dir, "esp");
    let signer = XmlSigner::new(&esp.key_der, &esp.cert_der).unwrap();
    let genuine = signer
        .sign(&sample_response().to_xml(Version::V2_1))
        .unwrap();
    let start = genuine.find("<Signature ").unwrap();
    let end = genuine.rfind("</Signature>").unwrap() + "</Signature>".len();
    let signature = &genuine[start..end];
    let genuine_body = &genuine[..start];

    // The genuine signed message wrapped inside a forged one: the signature is no longer
    // a child of the root.
    let forged = sample_response()
        .to_xml(Version::V2_1)
        .replace("f989aa", "forged");
    let inner = genuine.trim_start_matches(signet_esign_decl());
    let wrapped = forged.replace(
        "</EsignResp>",
        &format!("<Wrapper>{inner}</Wrapper></EsignResp>"),
    );
    assert!(matches!(
        verify(&wrapped, &esp.cert_der),
        Err(Error::Signature(_))
    ));

    // The signature moved into a child element.
    let moved = format!("{genuine_body}</EsignResp>")
        .replace("</Signatures>", &format!("{signature}</Signatures>"));
    assert!(matches!(
        verify(&moved, &esp.cert_der),
        Err(Error::Signature(_))
    ));

    // A second signature beside the genuine one.
    let doubled = genuine.replace("</EsignResp>", &format!("{signature}</EsignResp>"));
    assert!(matches!(
        verify(&doubled, &esp.cert_der),
        Err(Error::Signature(_))
    ));

    // The reference pointed at an element instead of the document.
    let narrowed = genuine.replace("<Reference URI=\"\">", "<Reference URI=\"#1\">");
    assert!(matches!(
        verify(&narrowed, &esp.cert_der),
        Err(Error::Signature(_))
    ));

    // No signature at all.
    assert!(matches!(
        verify(&sample_response().to_xml(Version::V2_1), &esp.cert_der),
        Err(Error::Signature(_))
    ));
}

fn signet_esign_decl() -> &'static str {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
}

#[test]
fn a_doctype_and_oversized_input_are_refused() {
    let dir = TempDir::new();
    let esp = identity(&dir, "esp");
    let signer = XmlSigner::new(&esp.key_der, &esp.cert_der).unwrap();
    let signed = signer
        .sign(&sample_response().to_xml(Version::V2_1))
        .unwrap();
    let with_dtd = signed.replacen(
        "<EsignResp",
        "<!DOCTYPE EsignResp [<!ENTITY x \"y\">]><EsignResp",
        1,
    );
    assert!(matches!(
        verify(&with_dtd, &esp.cert_der),
        Err(Error::Malformed(_))
    ));
    let lower = signed.replacen("<EsignResp", "<!doctype EsignResp><EsignResp", 1);
    assert!(matches!(
        verify(&lower, &esp.cert_der),
        Err(Error::Malformed(_))
    ));
    let huge = signed.replace(
        "</EsignResp>",
        &format!(
            "<!--{}--></EsignResp>",
            "x".repeat(signet_esign::MAX_MESSAGE_BYTES)
        ),
    );
    assert!(matches!(
        verify(&huge, &esp.cert_der),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        verify("not xml", &esp.cert_der),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        verify(&signed, b"not a certificate"),
        Err(Error::Key(_))
    ));
}

#[test]
fn algorithms_and_transforms_outside_the_profile_are_refused() {
    let dir = TempDir::new();
    let esp = identity(&dir, "esp");
    let signer = XmlSigner::new(&esp.key_der, &esp.cert_der).unwrap();
    let signed = signer
        .sign(&sample_response().to_xml(Version::V2_1))
        .unwrap();
    let swaps = [
        ("xmldsig-more#rsa-sha256", "xmldsig-more#hmac-sha256"),
        ("REC-xml-c14n-20010315\"", "REC-xml-c14n11\""),
        ("xmlenc#sha256", "xmlenc#sha512"),
        (
            "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
            "<Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><XPath>true()</XPath></Transform>",
        ),
        (
            "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
            "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"/>",
        ),
        ("<Reference URI=\"\">", "<Reference>"),
    ];
    for (from, to) in swaps {
        let changed = signed.replacen(from, to, 1);
        assert_ne!(changed, signed, "{from}");
        assert!(
            matches!(verify(&changed, &esp.cert_der), Err(Error::Signature(_))),
            "{to}"
        );
    }
}

#[test]
fn a_signer_is_shared_between_threads() {
    // The server keeps one signer per ESP configuration in its state.
    fn shared<T: Send + Sync + 'static>() {}
    shared::<XmlSigner>();
}
