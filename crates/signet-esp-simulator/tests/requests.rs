//! Each check of an ASP's request answers its ESP code, in both versions' spelling, by the
//! two-step answer and by the form transport's delivery.

mod common;

use common::*;
use signet_esign::Version;
use signet_esign::request::EsignRequest;
use signet_esign::response::Status;
use time::{Duration, OffsetDateTime};

const BACK: &str = "http://127.0.0.1:9/esign/response";

/// Sends `xml` as a two-step request to `/{ver}/signdoc`; (status, errCode, the raw XML).
async fn two_step_error(sim: &Sim, ver: &str, xml: &str) -> (Status, Option<String>, String) {
    let reply = sim.post_xml(&format!("/{ver}/signdoc"), xml).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/xml"));
    let answer = sim.verified(&reply.body);
    (answer.status, answer.error_code, reply.body)
}

fn signed(sim: &Sim, request: &EsignRequest) -> String {
    sim.asp.sign(&request.to_xml()).unwrap()
}

#[tokio::test]
async fn each_check_answers_its_esp_code() {
    let sim = Sim::start().await;
    let base = || request(Version::V2_1, BACK);
    let with = |f: &dyn Fn(&mut EsignRequest)| {
        let mut r = base();
        f(&mut r);
        r
    };

    let mut cases: Vec<(&str, String)> = vec![
        ("ESP-992", "<Esign ver=\"2.1\"".into()),
        ("ESP-992", "<!DOCTYPE x [<!ENTITY a \"b\">]><Esign/>".into()),
        (
            "ESP-902",
            sim.asp
                .sign(&base().to_xml().replace(" aspId=\"ASP-TEST-1\"", ""))
                .unwrap(),
        ),
        (
            "ESP-903",
            signed(&sim, &with(&|r| r.asp_id = "ASP-OTHER".into())),
        ),
        ("ESP-905", signed(&sim, &with(&|r| r.hashes.clear()))),
        ("ESP-907", signed(&sim, &with(&|r| r.ts = String::new()))),
        (
            "ESP-908",
            signed(
                &sim,
                &with(&|r| r.ts = ist(OffsetDateTime::now_utc() - Duration::minutes(20))),
            ),
        ),
        (
            "ESP-908",
            signed(
                &sim,
                &with(&|r| r.ts = ist(OffsetDateTime::now_utc() + Duration::minutes(16))),
            ),
        ),
        (
            "ESP-908",
            signed(&sim, &with(&|r| r.ts = "yesterday".into())),
        ),
        ("ESP-909", signed(&sim, &with(&|r| r.txn = String::new()))),
        (
            "ESP-901",
            signed(&sim, &with(&|r| r.auth_mode = "2".into())),
        ),
        // A 3.2 request at the 2.1 endpoint.
        ("ESP-992", signed(&sim, &request(Version::V3_2, BACK))),
    ];
    // Signed by a key the simulator doesn't know, and altered after signing.
    let dir = temp_dir("wrong");
    let (_, wrong) = asp_key(&dir, "wrong");
    cases.push(("ESP-911", wrong.sign(&base().to_xml()).unwrap()));
    let tampered = signed(&sim, &base()).replace("Loan agreement part 1", "Gift deed");
    cases.push(("ESP-911", tampered));
    cases.push(("ESP-911", base().to_xml()));

    for (code, xml) in &cases {
        let (status, error, body) = two_step_error(&sim, "2.1", xml).await;
        assert_eq!(status, Status::Failed, "{code}: {body}");
        assert_eq!(error.as_deref(), Some(*code), "{body}");
        assert!(
            body.contains(&format!("errCode=\"{code}\"")),
            "2.1 spelling: {body}"
        );
    }

    // The duplicate: the first is accepted, the second refused.
    let first = base();
    sim.two_step(&first).await;
    let (status, error, _) = two_step_error(&sim, "2.1", &signed(&sim, &first)).await;
    assert_eq!(
        (status, error.as_deref()),
        (Status::Failed, Some("ESP-910"))
    );

    // 3.2 spells the error errorCode.
    let mut r = request(Version::V3_2, BACK);
    r.asp_id = "ASP-OTHER".into();
    let (status, error, body) = two_step_error(&sim, "3.2", &signed(&sim, &r)).await;
    assert_eq!(
        (status, error.as_deref()),
        (Status::Failed, Some("ESP-903"))
    );
    assert!(body.contains("errorCode=\"ESP-903\""), "{body}");

    // Unknown versions are not endpoints.
    assert_eq!(sim.post_xml("/2.0/signdoc", "<Esign/>").await.status, 404);
}

#[tokio::test]
async fn accepts_the_ts_spellings_asps_send() {
    let sim = Sim::start().await;
    let now = OffsetDateTime::now_utc();
    let ist_now = ist(now);
    let utc = now
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap();
    for ts in [
        ist_now.clone(),
        format!("{ist_now}.123"),
        format!("{ist_now}+05:30"),
        utc,
    ] {
        let mut r = request(Version::V2_1, BACK);
        r.ts = ts;
        sim.two_step(&r).await;
    }
    // Raw XML or the form field: both are the two-step request.
    let r = request(Version::V3_2, BACK);
    let reply = sim
        .post_form("/3.2/signdoc", &[("eSignRequest", &signed(&sim, &r))])
        .await;
    assert_eq!(sim.verified(&reply.body).status, Status::Pending);
}

#[tokio::test]
async fn form_transport_delivers_errors_to_the_response_url() {
    let sim = Sim::start().await;
    let dir = temp_dir("wrong");
    let (_, wrong) = asp_key(&dir, "wrong");
    let r = request(Version::V2_1, BACK);
    let reply = sim
        .post_form(
            "/2.1/form/signdoc",
            &[
                ("eSignRequest", &wrong.sign(&r.to_xml()).unwrap()),
                ("aspTxnID", &r.txn),
                ("Content-Type", "application/xml"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.form_action().as_deref(), Some(BACK));
    assert!(reply.body.contains(">Continue</button>"));
    let answer = sim.verified(&reply.field("eSignResponse").unwrap());
    assert_eq!(answer.status, Status::Failed);
    assert_eq!(answer.error_code.as_deref(), Some("ESP-911"));
    assert_eq!(answer.txn, r.txn);
    assert!(reply.field("espTxnID").is_some());

    // Missing aspId: refused by the parser, still answered at the readable responseUrl.
    let xml = sim
        .asp
        .sign(&r.to_xml().replace(" aspId=\"ASP-TEST-1\"", ""))
        .unwrap();
    let reply = sim
        .post_form("/2.1/form/signdoc", &[("eSignRequest", &xml)])
        .await;
    let answer = sim.verified(&reply.field("eSignResponse").unwrap());
    assert_eq!(answer.error_code.as_deref(), Some("ESP-902"));

    // Not XML: nowhere to send the answer, so the browser sees the code.
    let reply = sim
        .post_form("/2.1/form/signdoc", &[("eSignRequest", "not xml")])
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("ESP-992"), "{}", reply.body);
}
