//! The invitee's side over HTTP: order, refusals, signing with typed and drawn marks,
//! approval, completion, rejection; the signed PDF checked by our verifier and by pdfsig.

mod common;

use common::{Client, Db, Server, pdf_with_pages};
use serde_json::{Value, json};

/// A 40x16 RGBA PNG with a stroke on a transparent background, as a canvas sends.
const STROKE_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAACgAAAAQCAYAAABk1z2tAAAAY0lEQVR4nGNgGAWjgDAQkYv6j44H2k1wgM1xg8aR+Bw34I4k5AhqOBKsl1QDSAkhch2Joo8UA8iJPnIcidWBpIQGRSFCjlp6pSeK7KBHjiTGDrz20KO4oDgQ6FGWDaryctgDAMsHuSkCW1RpAAAAAElFTkSuQmCC";

/// Sends a 3-page PDF to two signers and a reviewer; returns the document id and the signing
/// links' UUIDs in slot order.
async fn send(api: &Client, signing_order: bool) -> (String, Vec<String>) {
    let w = json!({
        "name": "Loan agreement", "requireSigningOrder": signing_order,
        "invitees": [
            {"label": "Borrower", "inviteeType": "Signer", "appearances": [{"page": "L", "x1": 50, "y1": 50, "x2": 250, "y2": 110}],
             "redirectUrl": "https://example.com/done?step=2"},
            {"label": "Co-borrower", "inviteeType": "Signer", "appearances": [{"page": "1", "x1": 300, "y1": 50, "x2": 500, "y2": 110}]},
            {"label": "Lender", "inviteeType": "Reviewer"}
        ]
    });
    let profile = common::create_workflow(api, &w).await;
    let people = json!([
        {"name": "Asha Rao", "email": "asha@example.com"},
        {"name": "आशा राव", "phone": "9876500000"},
        {"name": "Ravi Kumar", "email": "ravi@example.com"}
    ]);
    common::send_file(
        api,
        &profile,
        "Loan agreement 42",
        None,
        &pdf_with_pages(3),
        &people,
    )
    .await
}

fn typed(consent: bool) -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": consent})
}

async fn journey_with_signing_order(db: Db) {
    let server = Server::start(db);
    let token = server.create_account("Acme").token;
    let api = server.client(&token);
    let (id, links) = send(&api, true).await;
    // The signing link is the credential: no auth header on the invitee's side.
    let invitee = server.client("");
    let path = |i: usize, what: &str| format!("/api/sign/{}{what}", links[i]);

    let view = invitee.get(&path(0, "")).await;
    let v = view.ok();
    assert_eq!(v["pageCount"], 3);
    assert_eq!(v["pages"][2], json!({"width": 595.0, "height": 842.0}));
    assert_eq!(v["active"], true);
    assert_eq!(v["allowedSignatureTypes"], json!(["VIRTUAL_SIGN"]));
    assert_eq!(invitee.get(&path(1, "")).await.ok()["active"], false);

    assert_eq!(
        invitee.post(&path(1, "/sign"), &typed(true)).await.code(),
        "invitation.not.active"
    );
    assert_eq!(
        invitee.post(&path(0, "/sign"), &typed(false)).await.code(),
        "consent.required"
    );
    let mut wrong_type = typed(true);
    wrong_type["signatureType"] = "DSC".into();
    assert_eq!(
        invitee.post(&path(0, "/sign"), &wrong_type).await.code(),
        "signature.type.not.allowed"
    );

    let signed = invitee.post(&path(0, "/sign"), &typed(true)).await;
    assert_eq!(signed.ok()["completed"], false);
    assert_eq!(
        signed.ok()["redirectUrl"],
        format!("https://example.com/done?step=2&documentId={id}")
    );
    assert_eq!(
        invitee.post(&path(0, "/sign"), &typed(true)).await.code(),
        "invitation.already.done"
    );
    assert_eq!(
        invitee.get(&path(1, "")).await.ok()["active"],
        true,
        "the next in order is active"
    );

    let drawn = json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "drawn", "png": STROKE_PNG}, "consent": true});
    assert_eq!(
        invitee.post(&path(1, "/sign"), &drawn).await.ok()["completed"],
        false
    );

    assert_eq!(
        invitee.post(&path(2, "/sign"), &typed(true)).await.code(),
        "action.not.allowed"
    );
    assert_eq!(
        invitee.post(&path(2, "/approve"), &json!({})).await.ok()["completed"],
        true
    );

    // The signed file: two signatures by the server's seal, trusted through /trust/root.pem.
    let http = common::http();
    let pdf = http
        .get(format!("{}{}", server.url, path(2, "/file")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap().to_vec();
    let root_pem = server.root_pem().await;
    let roots = signet_pdf::keys::load_certificates_pem(&root_pem).unwrap();
    let report = signet_pdf::verify::verify(&pdf, &roots, &signet_pdf::Limits::default()).unwrap();
    assert_eq!(report.signatures.len(), 2);
    assert!(report.all_good(), "{report:#?}");
    assert_eq!(report.signatures[1].name.as_deref(), Some("आशा राव"));
    let file = server.data_dir.join("journey.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new("pdfsig")
        .arg(&file)
        .output()
        .expect("pdfsig runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("Signature is Valid.").count(), 2, "{text}");

    // What the client reads afterwards, as real integrations do.
    let q = format!(
        "/api/v3.3/document/details?documentId={id}&file=true&auditTrail=true&workflow=true"
    );
    let with_slash = q.replace("details?", "details/?");
    let a = api.get(&q).await;
    let b = api.get_plain(&with_slash).await;
    let (d, d2) = (a.ok(), b.ok());
    assert_eq!(d["documentStatus"], "Completed");
    assert_eq!(d2["document"]["status"], "COMPLETED");
    assert_eq!(d["workflow"]["name"], "Loan agreement");
    let invs = d["invitations"].as_array().unwrap();
    assert_eq!(invs.len(), 3);
    assert_eq!(invs[0]["signed"], true);
    assert_eq!(invs[0]["invitationStatus"]["signed"], true);
    assert_eq!(invs[0]["usedSignatureType"], "VIRTUAL_SIGN");
    assert_eq!(invs[2]["invitationStatus"]["approved"], true);
    assert_eq!(invs[2]["inviteeType"], "Reviewer");
    assert_eq!(d["requests"][1]["status"], "SIGNED");
    assert_eq!(d["files"][0], d["file"]);
    for key in ["file", "auditTrail"] {
        let url = d[key].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/files/", server.url)), "{url}");
        let got = http.get(url).send().await.unwrap();
        assert_eq!(got.status(), 200, "{key} is fetched without an auth header");
        let bytes = got.bytes().await.unwrap().to_vec();
        assert!(bytes.starts_with(b"%PDF-"));
        let report =
            signet_pdf::verify::verify(&bytes, &roots, &signet_pdf::Limits::default()).unwrap();
        assert!(report.all_good(), "{key}: {report:#?}");
        if key == "auditTrail" {
            let audit = report.audit.expect("the audit trail carries its event log");
            assert!(audit.chain_intact);
            assert_eq!(audit.document_id, id);
            assert!(
                audit.events >= 5,
                "created, sent, two signatures, approval, completion"
            );
        }
    }
    let mut altered = d["file"].as_str().unwrap().to_string();
    altered.insert(altered.len() - 3, 'x');
    assert_eq!(http.get(&altered).send().await.unwrap().status(), 403);
    let fetched = api
        .get(&format!(
            "/api/v3.3/document/fetchDocument?documentId={id}&documentDownloadType=AUDIT_TRAIL"
        ))
        .await;
    assert!(fetched.ok()["file"].as_str().unwrap().contains("/files/"));
    let raw = http
        .get(format!(
            "{}/api/v3.1/document/fetchDocument?documentId={id}&documentDownloadType=DOCUMENT",
            server.url
        ))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "application/pdf");
    assert_eq!(raw.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(
        api.get("/api/v3.3/document/details?documentId=01KMFEE9T8WPY0WPWXQHQ7DTJ2")
            .await
            .code(),
        "no.document.found"
    );

    // Transaction status: v3.0 inlines the files as base64, v3.2 gives URLs.
    use base64::Engine;
    let v30 = api
        .get(&format!("/api/v3.0/sign/request?documentId={id}"))
        .await;
    let inline = base64::engine::general_purpose::STANDARD
        .decode(v30.ok()["files"][0].as_str().unwrap())
        .unwrap();
    assert_eq!(inline, pdf);
    assert_eq!(v30.ok()["requests"].as_array().unwrap().len(), 3);
    assert!(
        v30.ok()["auditTrail"].as_str().unwrap().len() > 1000,
        "the audit trail, inline"
    );
    let v32 = api
        .get(&format!("/api/v3.2/sign/request/?documentId={id}"))
        .await;
    assert!(v32.ok()["files"][0].as_str().unwrap().contains("/files/"));
    assert!(v32.ok()["auditTrail"].as_str().unwrap().contains("/files/"));

    // A completed document takes no more actions; unknown links are not found.
    assert_eq!(
        invitee
            .post(&path(0, "/reject"), &json!({"reason": "late"}))
            .await
            .code(),
        "invitation.already.done"
    );
    let unknown = invitee
        .get("/api/sign/6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6")
        .await;
    assert_eq!(unknown.http, 404);
    assert_eq!(unknown.code(), "invitation.not.found");
}

async fn rejection_ends_the_invitation(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let (_, links) = send(&api, true).await;
    let invitee = server.client("");
    let reject = invitee
        .post(
            &format!("/api/sign/{}/reject", links[0]),
            &json!({"reason": "Wrong amount"}),
        )
        .await;
    assert_eq!(reject.ok()["completed"], false);
    let v = invitee.get(&format!("/api/sign/{}", links[0])).await;
    assert_eq!(v.ok()["rejected"], true);
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/sign", links[0]), &typed(true))
            .await
            .code(),
        "invitation.rejected"
    );
    // The order stops at a rejection: the next signer is not activated.
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/sign", links[1]), &typed(true))
            .await
            .code(),
        "invitation.not.active"
    );
    // Without an order everyone is active from the start; a reviewer may reject without a reason.
    let (_, parallel) = send(&api, false).await;
    assert_eq!(
        invitee
            .post(&format!("/api/sign/{}/sign", parallel[1]), &typed(true))
            .await
            .ok()["completed"],
        false
    );
    let bare = invitee
        .send("POST", &format!("/api/sign/{}/reject", parallel[2]), None)
        .await;
    assert_eq!(bare.ok()["completed"], false);
}

async fn file_urls_expire(db: Db) {
    let server = Server::start_with(db, &[("SIGNET_FILE_URL_TTL", "1s")]);
    let api = server.client(&server.create_account("Acme").token);
    let (id, _) = send(&api, false).await;
    let details = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&file=TRUE"
        ))
        .await;
    let url = details.ok()["file"].as_str().unwrap().to_string();
    let http = common::http();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    assert!(
        details.ok().get("auditTrail").is_none(),
        "no audit trail before completion"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let late = http.get(&url).send().await.unwrap();
    assert_eq!(late.status(), 403);
    let body: Value = late.json().await.unwrap();
    assert_eq!(body["messages"][0]["code"], "file.url.invalid");
}

async fn simultaneous_last_actions_complete_once(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    for _ in 0..3 {
        let (id, links) = send(&api, false).await;
        let first = invitee
            .post(&format!("/api/sign/{}/sign", links[0]), &typed(true))
            .await;
        assert_eq!(first.ok()["completed"], false);
        // The last two actions at the same moment: exactly one of them completes the document.
        let sign = format!("/api/sign/{}/sign", links[1]);
        let approve = format!("/api/sign/{}/approve", links[2]);
        let typed_body = typed(true);
        let (a, b) = tokio::join!(
            invitee.post(&sign, &typed_body),
            invitee.send("POST", &approve, None)
        );
        let completed = [a.ok()["completed"].clone(), b.ok()["completed"].clone()];
        assert_eq!(
            completed.iter().filter(|c| **c == true).count(),
            1,
            "{completed:?}"
        );
        let d = api
            .get(&format!("/api/v3.3/document/details?documentId={id}"))
            .await;
        assert_eq!(d.ok()["documentStatus"], "Completed");
    }
}

/// Two signers at the same moment: whoever the database records as signed is exactly who
/// the stored file holds a signature of (each attempt writes its file under its own key).
async fn simultaneous_signatures_keep_the_recorded_file(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let w = json!({"name": "Unordered", "requireSigningOrder": false, "invitees": [
        {"label": "A", "inviteeType": "Signer", "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]},
        {"label": "B", "inviteeType": "Signer", "appearances": [{"page": "1", "x1": 300, "y1": 50, "x2": 500, "y2": 110}]}]});
    let profile = common::create_workflow(&api, &w).await;
    let people = json!([{"name": "Asha Rao", "email": "asha@example.com"},
                        {"name": "Ravi Kumar", "email": "ravi@example.com"}]);
    for _ in 0..4 {
        let (id, links) = common::send_pdf(&api, &profile, "Race", None, &people).await;
        let body = typed(true);
        let (first, second) = (
            format!("/api/sign/{}/sign", links[0]),
            format!("/api/sign/{}/sign", links[1]),
        );
        let (a, b) = tokio::join!(invitee.post(&first, &body), invitee.post(&second, &body));
        for reply in [&a, &b] {
            assert!(
                reply.body["status"] == 1
                    || reply.body["messages"][0]["code"] == "invitation.conflict",
                "{}",
                reply.body
            );
        }
        let d = api
            .get(&format!("/api/v3.3/document/details?documentId={id}"))
            .await;
        let d = d.ok().clone();
        let file = invitee
            .http_get_bytes(&format!("/api/sign/{}/file", links[0]))
            .await;
        for (i, name) in ["Asha Rao", "Ravi Kumar"].iter().enumerate() {
            let in_file = file
                .windows(name.len() + 8)
                .any(|w| w == format!("/Name ({name})").as_bytes());
            assert_eq!(
                d["invitations"][i]["signed"] == true,
                in_file,
                "{name}: recorded {} but in the file {in_file}",
                d["invitations"][i]["signed"]
            );
        }
    }
}

on_both_databases!(
    simultaneous_signatures_keep_the_recorded_file,
    journey_with_signing_order,
    rejection_ends_the_invitation,
    file_urls_expire,
    simultaneous_last_actions_complete_once
);
