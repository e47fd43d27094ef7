//! The messages written and read back, the spellings ESPs use, and each bad field refused
//! with the ESP code an ESP answers it with.

mod common;

use common::sample_request;
use signet_esign::request::EsignRequest;
use signet_esign::response::{DocSignature, EsignResponse, Status};
use signet_esign::status::EsignStatus;
use signet_esign::{Error, Version, txnref};

#[test]
fn requests_round_trip_in_both_versions() {
    for version in [Version::V2_1, Version::V3_2] {
        let request = sample_request(version);
        let xml = request.to_xml();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Esign ver=\""));
        assert_eq!(EsignRequest::parse(&xml).unwrap(), request, "{xml}");
        assert!(xml.contains(&format!(
            "<InputHash id=\"1\" hashAlgorithm=\"SHA256\" docInfo=\"Lease &lt;&quot;Flat 4&quot;&gt; &amp; &apos;annex&apos;\">{}</InputHash>",
            "ab".repeat(32)
        )), "{xml}");
        assert!(xml.contains(" ekycId=\"\" ekycIdType=\"A\" "));
        assert!(xml.contains(
            "responseUrl=\"https://signet.example/esign/response/SIGNET-01JABCDEF?a=1&amp;b=2\""
        ));
    }
    let v2 = sample_request(Version::V2_1).to_xml();
    assert!(v2.contains(
        "<Esign ver=\"2.1\" sc=\"Y\" ts=\"2026-01-15T10:20:30\" txn=\"SIGNET-01JABCDEF\""
    ));
    assert!(!v2.contains("signerid") && !v2.contains("maxWaitPeriod"));
    let v3 = sample_request(Version::V3_2).to_xml();
    assert!(v3.contains(" signerid=\"asha@aadhaar.SIGNET\" redirectUrl=\"https://signet.example/sign/x\" signingAlgorithm=\"RSA\" maxWaitPeriod=\"30\""), "{v3}");

    // 3.2 fields that are None are left out; 2.1 ignores them even when set.
    let mut partial = sample_request(Version::V3_2);
    partial.signer_id = None;
    partial.max_wait_period = None;
    let xml = partial.to_xml();
    assert!(!xml.contains("signerid") && !xml.contains("maxWaitPeriod"));
    assert_eq!(EsignRequest::parse(&xml).unwrap(), partial);

    // Line breaks and tabs in docInfo survive attribute normalisation.
    let mut multiline = sample_request(Version::V2_1);
    multiline.hashes[0].doc_info = "line one\nline\ttwo\r\n".into();
    assert_eq!(EsignRequest::parse(&multiline.to_xml()).unwrap(), multiline);
}

#[test]
fn requests_are_read_leniently_where_asps_differ() {
    let xml = sample_request(Version::V2_1)
        .to_xml()
        .replace("sc=\"Y\"", "sc=\"y\"")
        .replace(&"ab".repeat(32), &"AB".repeat(32))
        .replace(
            " docInfo=\"Lease &lt;&quot;Flat 4&quot;&gt; &amp; &apos;annex&apos;\"",
            "",
        );
    let request = EsignRequest::parse(&xml).unwrap();
    assert!(request.consent);
    assert_eq!(request.hashes[0].hash, [0xab; 32]);
    assert_eq!(request.hashes[0].doc_info, "");
    // An unsigned request reads; one signed later has its Signature ignored by the reader.
    let signed_like = xml.replace(
        "</Esign>",
        "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/></Esign>",
    );
    assert_eq!(EsignRequest::parse(&signed_like).unwrap(), request);
}

fn request_error(from: &str, to: &str) -> Error {
    let xml = sample_request(Version::V2_1).to_xml();
    let bad = xml.replacen(from, to, 1);
    assert_ne!(bad, xml, "{from} not in the request");
    EsignRequest::parse(&bad).expect_err(to)
}

#[test]
fn each_bad_request_field_has_its_esp_code() {
    let cases: &[(&str, &str, &str)] = &[
        (" AuthMode=\"1\"", "", "ESP-901"),
        ("AuthMode=\"1\"", "AuthMode=\"7\"", "ESP-901"),
        ("AuthMode=\"1\"", "AuthMode=\"\"", "ESP-901"),
        (" aspId=\"ASP-TEST-1\"", "", "ESP-902"),
        ("aspId=\"ASP-TEST-1\"", "aspId=\"  \"", "ESP-902"),
        (" ts=\"2026-01-15T10:20:30\"", "", "ESP-907"),
        ("ts=\"2026-01-15T10:20:30\"", "ts=\"\"", "ESP-907"),
        (" txn=\"SIGNET-01JABCDEF\"", "", "ESP-909"),
        ("txn=\"SIGNET-01JABCDEF\"", "txn=\"\"", "ESP-909"),
        ("ver=\"2.1\"", "ver=\"9.9\"", "ESP-992"),
        ("sc=\"Y\"", "sc=\"maybe\"", "ESP-992"),
        (" responseUrl=", " x=", "ESP-992"),
        ("<Esign ", "<Other ", "ESP-992"),
        ("</Esign>", "", "ESP-992"),
        (
            "hashAlgorithm=\"SHA256\"",
            "hashAlgorithm=\"SHA1\"",
            "ESP-905",
        ),
        (&"ab".repeat(32), &"ab".repeat(31), "ESP-905"),
        (
            &"ab".repeat(32),
            &format!("{}zz", "ab".repeat(31)),
            "ESP-905",
        ),
        ("<InputHash id=\"2\"", "<InputHash id=\"1\"", "ESP-905"),
    ];
    for (from, to, code) in cases {
        let error = request_error(from, to);
        assert_eq!(error.esp_code(), *code, "{from} -> {to}: {error}");
    }

    let long_txn = format!("txn=\"{}\"", "t".repeat(51));
    assert_eq!(
        request_error("txn=\"SIGNET-01JABCDEF\"", &long_txn).esp_code(),
        "ESP-909"
    );
    let fifty = format!("txn=\"{}\"", "t".repeat(50));
    let xml = sample_request(Version::V2_1)
        .to_xml()
        .replace("txn=\"SIGNET-01JABCDEF\"", &fifty);
    EsignRequest::parse(&xml).unwrap();

    // No Docs, empty Docs, more than five hashes.
    let xml = sample_request(Version::V2_1).to_xml();
    let docs_start = xml.find("<Docs>").unwrap();
    let docs_end = xml.find("</Docs>").unwrap() + "</Docs>".len();
    let no_docs = format!("{}{}", &xml[..docs_start], &xml[docs_end..]);
    assert_eq!(
        EsignRequest::parse(&no_docs).unwrap_err().esp_code(),
        "ESP-905"
    );
    let empty_docs = format!("{}<Docs></Docs>{}", &xml[..docs_start], &xml[docs_end..]);
    assert_eq!(
        EsignRequest::parse(&empty_docs).unwrap_err().esp_code(),
        "ESP-905"
    );
    let mut six = sample_request(Version::V2_1);
    six.hashes = (1..=6)
        .map(|i| signet_esign::request::InputHash {
            id: i.to_string(),
            hash: [i as u8; 32],
            doc_info: String::new(),
        })
        .collect();
    assert_eq!(
        EsignRequest::parse(&six.to_xml()).unwrap_err().esp_code(),
        "ESP-905"
    );
    six.hashes.pop();
    assert_eq!(EsignRequest::parse(&six.to_xml()).unwrap().hashes.len(), 5);

    // A DTD and oversized input are parsing errors; nothing is expanded.
    let dtd = xml.replacen("<Esign ", "<!DOCTYPE Esign [<!ENTITY e \"x\">]><Esign ", 1);
    assert!(matches!(
        EsignRequest::parse(&dtd),
        Err(Error::Malformed(_))
    ));
    let huge = xml.replace(
        "</Esign>",
        &format!(
            "<!--{}--></Esign>",
            "x".repeat(signet_esign::MAX_MESSAGE_BYTES)
        ),
    );
    assert_eq!(
        EsignRequest::parse(&huge).unwrap_err().esp_code(),
        "ESP-992"
    );
}

fn sample_response() -> EsignResponse {
    EsignResponse {
        status: Status::Signed,
        ts: "2026-01-15T10:21:00.000+05:30".into(),
        txn: "SIGNET-01JABCDEF".into(),
        res_code: Some("f989aa".into()),
        error_code: None,
        error_message: None,
        user_certificate: Some((0..=255u8).collect()),
        signatures: vec![
            DocSignature {
                id: "1".into(),
                cms: (0..200u8).rev().collect(),
                error_code: None,
                error_message: None,
            },
            DocSignature {
                id: "2".into(),
                cms: Vec::new(),
                error_code: Some("ESP-999".into()),
                error_message: Some("could not sign".into()),
            },
        ],
    }
}

#[test]
fn responses_round_trip_in_both_versions() {
    for version in [Version::V2_1, Version::V3_2] {
        let response = sample_response();
        let xml = response.to_xml(version);
        assert_eq!(EsignResponse::parse(&xml).unwrap(), response, "{xml}");
        assert!(xml.contains("<EsignResp status=\"1\" ts=\"2026-01-15T10:21:00.000+05:30\" txn=\"SIGNET-01JABCDEF\" resCode=\"f989aa\">"), "{xml}");
        assert!(xml.contains("<DocSignature id=\"1\" sigHashAlgorithm=\"SHA256\">"));
        assert!(xml.contains("<DocSignature id=\"2\" sigHashAlgorithm=\"SHA256\" errorCode=\"ESP-999\" errorMessage=\"could not sign\"></DocSignature>"), "{xml}");

        let failed = EsignResponse {
            status: Status::Failed,
            res_code: None,
            error_code: Some("ESP-944".into()),
            error_message: Some("User terminated eKYC process".into()),
            user_certificate: None,
            signatures: Vec::new(),
            ..sample_response()
        };
        let xml = failed.to_xml(version);
        assert!(
            !xml.contains("UserX509Certificate") && !xml.contains("Signatures"),
            "{xml}"
        );
        assert!(!xml.contains("resCode"));
        let spelling = match version {
            Version::V2_1 => "errCode=\"ESP-944\" errMsg=\"User terminated eKYC process\"",
            Version::V3_2 => "errorCode=\"ESP-944\" errorMessage=\"User terminated eKYC process\"",
        };
        assert!(xml.contains(spelling), "{xml}");
        assert_eq!(EsignResponse::parse(&xml).unwrap(), failed);
    }
    let pending = EsignResponse {
        status: Status::Pending,
        user_certificate: None,
        signatures: Vec::new(),
        ..sample_response()
    };
    assert_eq!(
        EsignResponse::parse(&pending.to_xml(Version::V3_2)).unwrap(),
        pending
    );
}

#[test]
fn every_spelling_of_the_error_attributes_is_read() {
    for (code, message) in [
        ("errCode", "errMsg"),
        ("errorCode", "errorMessage"),
        ("errCode", "errorMessage"),
        ("errorCode", "errMsg"),
    ] {
        let xml = format!(
            "<EsignResp status=\"0\" ts=\"t\" txn=\"x\" {code}=\"ESP-415\" {message}=\"Invalid OTP\">\
             <Signatures><DocSignature id=\"1\" {code}=\"E1\" {message}=\"M1\"/></Signatures></EsignResp>"
        );
        let response = EsignResponse::parse(&xml).unwrap();
        assert_eq!(response.status, Status::Failed);
        assert_eq!(response.error_code.as_deref(), Some("ESP-415"), "{code}");
        assert_eq!(
            response.error_message.as_deref(),
            Some("Invalid OTP"),
            "{message}"
        );
        assert_eq!(response.signatures[0].error_code.as_deref(), Some("E1"));
        assert_eq!(response.signatures[0].error_message.as_deref(), Some("M1"));
        assert!(response.signatures[0].cms.is_empty());
    }
}

#[test]
fn base64_with_line_breaks_and_missing_fields_are_read() {
    let cms: Vec<u8> = (0..=255u8).cycle().take(700).collect();
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&cms)
    };
    let wrapped: String = b64
        .as_bytes()
        .chunks(64)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<EsignResp status=\"1\" ts=\"t\" txn=\"x\">\n  <UserX509Certificate>\n{wrapped}</UserX509Certificate>\n  <Signatures>\n    <DocSignature id=\"1\" sigHashAlgorithm=\"SHA256\">\n{wrapped}    </DocSignature>\n  </Signatures>\n</EsignResp>"
    );
    let response = EsignResponse::parse(&xml).unwrap();
    assert_eq!(response.user_certificate.as_deref(), Some(&cms[..]));
    assert_eq!(response.signatures[0].cms, cms);
    assert_eq!(response.res_code, None);

    // ts and txn may be missing in an ESP's error answer.
    let bare = EsignResponse::parse("<EsignResp status=\"0\" errCode=\"ESP-992\"/>").unwrap();
    assert_eq!((bare.ts.as_str(), bare.txn.as_str()), ("", ""));
    assert_eq!(bare.error_code.as_deref(), Some("ESP-992"));
}

#[test]
fn bad_responses_are_refused() {
    let bad = [
        "<EsignResp ts=\"t\" txn=\"x\"/>",
        "<EsignResp status=\"3\" ts=\"t\" txn=\"x\"/>",
        "<EsignResp status=\"1\"><UserX509Certificate>not base64!</UserX509Certificate></EsignResp>",
        "<EsignResp status=\"1\"><Signatures><DocSignature id=\"1\">***</DocSignature></Signatures></EsignResp>",
        "<Esign status=\"1\"/>",
        "<EsignResp status=\"1\">",
        "<!DOCTYPE EsignResp [<!ENTITY e \"x\">]><EsignResp status=\"1\" txn=\"&e;\"/>",
    ];
    for xml in bad {
        assert!(EsignResponse::parse(xml).is_err(), "{xml}");
    }
    assert!(matches!(
        EsignResponse::parse(bad[0]),
        Err(Error::Field("status", _))
    ));
    assert!(matches!(
        EsignResponse::parse(bad[6]),
        Err(Error::Malformed(_))
    ));
}

#[test]
fn status_queries_round_trip() {
    let status = EsignStatus {
        ts: "2026-01-15T10:20:30".into(),
        txn: "T&1".into(),
        asp_id: "ASP-TEST-1".into(),
    };
    let xml = status.to_xml();
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><EsignStatus ver=\"3.2\" ts=\"2026-01-15T10:20:30\" txn=\"T&amp;1\" aspId=\"ASP-TEST-1\"/>"
    );
    assert_eq!(EsignStatus::parse(&xml).unwrap(), status);
    // eMudhra's 3.0 spelling reads too.
    EsignStatus::parse("<EsignStatus ver=\"3.0\" ts=\"t\" txn=\"x\" aspId=\"a\"></EsignStatus>")
        .unwrap();
    for (xml, code) in [
        (
            "<EsignStatus ver=\"3.2\" txn=\"x\" aspId=\"a\"/>",
            "ESP-907",
        ),
        ("<EsignStatus ver=\"3.2\" ts=\"t\" aspId=\"a\"/>", "ESP-909"),
        ("<EsignStatus ver=\"3.2\" ts=\"t\" txn=\"x\"/>", "ESP-902"),
        (
            "<EsignResp ver=\"3.2\" ts=\"t\" txn=\"x\" aspId=\"a\"/>",
            "ESP-992",
        ),
    ] {
        assert_eq!(
            EsignStatus::parse(xml).unwrap_err().esp_code(),
            code,
            "{xml}"
        );
    }
}

#[test]
fn txnref_round_trips_and_refuses_garbage() {
    let encoded = txnref::encode("SIGNET-01J", "f989|aa");
    assert_eq!(encoded, "U0lHTkVULTAxSnxmOTg5fGFh");
    assert_eq!(
        txnref::decode(&encoded).unwrap(),
        ("SIGNET-01J".to_owned(), "f989|aa".to_owned())
    );
    assert_eq!(
        txnref::decode(&format!(" {encoded}\n")).unwrap().0,
        "SIGNET-01J"
    );
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    for bad in [
        "***".to_owned(),
        b64(b"no separator"),
        b64(&[0xff, b'|', 0xfe]),
        "A".repeat(5000),
    ] {
        assert!(
            matches!(txnref::decode(&bad), Err(Error::Field("txnref", _))),
            "{bad}"
        );
    }
}
