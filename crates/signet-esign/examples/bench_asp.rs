//! The ASP's own cost of one Aadhaar eSign on a file held in memory (`bench/esign.sh` runs
//! it on the 1 MB fixture), without the network and the ESP:
//!
//!   bench_asp IN.pdf ROUNDS ASP.key.pem ASP.pem ESP.key.pem ESP.pem SIGNER.p12 PASSWORD
//!
//! Each round does what the server does per signature: prepare the revision with a typed
//! mark and store it (`prepare`), write and sign the `Esign` request (`request`), check the
//! ESP's signed `EsignResp` and the CMS in it against the digest (`response`), and read the
//! stored revision back and embed the CMS (`embed`). The ESP's part (the answer and its CMS,
//! made here with the signer's key) is made between the timed steps. Prints a markdown row
//! of medians in milliseconds.

use std::time::{Duration, Instant};

use signet_esign::Version;
use signet_esign::dsig::{XmlSigner, verify};
use signet_esign::request::{EsignRequest, InputHash};
use signet_esign::response::{DocSignature, EsignResponse, Status};
use signet_pdf::appearance::{Caption, Mark};
use signet_pdf::external::{PreparedContainer, check_detached, detached_cms, prepare_container};
use signet_pdf::sign::{Placement, SignatureOptions, Visible};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn pkcs8_der(path: &str) -> Res<Vec<u8>> {
    let pem = std::fs::read_to_string(path)?;
    der_of(&pem)
}

fn der_of(pem: &str) -> Res<Vec<u8>> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Ok(base64::engine::general_purpose::STANDARD.decode(body)?)
}

fn options() -> Res<SignatureOptions> {
    let mut o = SignatureOptions::new(time::OffsetDateTime::now_utc());
    o.reason = Some("Signed with Aadhaar eSign on Bench".into());
    o.visible = Some(Visible {
        mark: Mark::Typed {
            text: "Asha Rao".into(),
        },
        caption: Caption {
            signer_name: "Asha Rao".into(),
            signed_at: "07-12-2026 03:00:00 IST".into(),
            reason: None,
        },
        placements: vec![Placement {
            pages: "1".parse()?,
            rect: [50.0, 50.0, 250.0, 110.0],
        }],
    });
    Ok(o)
}

fn main() -> Res<()> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 9 {
        return Err("usage: bench_asp IN.pdf ROUNDS ASP.key.pem ASP.pem ESP.key.pem ESP.pem SIGNER.p12 PASSWORD".into());
    }
    let pdf = std::fs::read(&a[1])?;
    let rounds: usize = a[2].parse()?;
    let asp = XmlSigner::new(
        &pkcs8_der(&a[3])?,
        &der_of(&std::fs::read_to_string(&a[4])?)?,
    )?;
    let esp_cert = der_of(&std::fs::read_to_string(&a[6])?)?;
    let esp = XmlSigner::new(&pkcs8_der(&a[5])?, &esp_cert)?;
    let signer = signet_pdf::keys::load_pkcs12(&std::fs::read(&a[7])?, &a[8])?;
    let user_cert = der::Encode::to_der(&signet_pdf::signer::Signer::certificates(&signer)[0])?;

    let (mut prep, mut req, mut resp, mut emb) = (vec![], vec![], vec![], vec![]);
    for round in 0..=rounds {
        let t = Instant::now();
        let prepared = prepare_container(&pdf, &options()?)?;
        let stored = prepared.to_stored();
        let digest = prepared.document_digest;
        let d_prep = t.elapsed();

        let t = Instant::now();
        let txn = format!("SIGNET-BENCH-{round}");
        let request = EsignRequest {
            version: Version::V2_1,
            consent: true,
            ts: "2026-12-07T10:00:00".into(),
            txn: txn.clone(),
            ekyc_id_type: "A".into(),
            asp_id: "ASP-TEST-1".into(),
            auth_mode: "1".into(),
            response_sig_type: "pkcs7".into(),
            response_url: format!("http://127.0.0.1:8080/esign/response/{txn}"),
            signer_id: None,
            redirect_url: None,
            signing_algorithm: None,
            max_wait_period: None,
            hashes: vec![InputHash {
                id: "1".into(),
                hash: digest,
                doc_info: "Loan agreement.pdf".into(),
            }],
        };
        std::hint::black_box(asp.sign(&request.to_xml())?);
        let d_req = t.elapsed();

        // The ESP's part, not timed.
        let cms = detached_cms(&digest, &signer, Some(time::OffsetDateTime::now_utc()))?;
        let answer = esp.sign(
            &EsignResponse {
                status: Status::Signed,
                ts: "2026-12-07T10:00:30.000+05:30".into(),
                txn: txn.clone(),
                res_code: Some("bench".into()),
                error_code: None,
                error_message: None,
                user_certificate: Some(user_cert.clone()),
                signatures: vec![DocSignature {
                    id: "1".into(),
                    cms,
                    error_code: None,
                    error_message: None,
                }],
            }
            .to_xml(Version::V2_1),
        )?;

        let t = Instant::now();
        verify(&answer, &esp_cert)?;
        let parsed = EsignResponse::parse(&answer)?;
        let cms = parsed.signatures[0].cms.clone();
        let checked = check_detached(&cms, &digest)?;
        assert_eq!(der::Encode::to_der(&checked.signer)?, user_cert);
        let d_resp = t.elapsed();

        let t = Instant::now();
        let appended = PreparedContainer::from_stored(&stored)?.embed(&cms)?;
        std::hint::black_box(appended);
        let d_emb = t.elapsed();
        // The first round pays for fonts and first use.
        if round > 0 {
            prep.push(d_prep);
            req.push(d_req);
            resp.push(d_resp);
            emb.push(d_emb);
        }
    }
    let total: Vec<Duration> = (0..rounds)
        .map(|i| prep[i] + req[i] + resp[i] + emb[i])
        .collect();
    println!(
        "| {} KiB | {} | {} | {} | {} | {} |",
        pdf.len() / 1024,
        ms(median(prep)),
        ms(median(req)),
        ms(median(resp)),
        ms(median(emb)),
        ms(median(total)),
    );
    Ok(())
}
