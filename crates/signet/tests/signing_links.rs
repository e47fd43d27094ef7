//! Signing links as credentials: a revoked link (its invitation or its document deleted)
//! reads nothing on any path that takes one; two signers of one document signing at the same
//! moment both land, each signature a revision of the one before.

mod common;

use common::{Db, Server};
use serde_json::{Value, json};

fn typed(text: &str) -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": text}, "consent": true})
}

fn two_signers(order: bool) -> Value {
    json!({
        "name": "Two signers", "requireSigningOrder": order,
        "invitees": [
            {"label": "Borrower", "inviteeType": "Signer",
             "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]},
            {"label": "Co-borrower", "inviteeType": "Signer",
             "appearances": [{"page": "1", "x1": 300, "y1": 50, "x2": 500, "y2": 110}]}
        ]
    })
}

fn people() -> Value {
    json!([{"name": "Asha Rao", "phone": "9876500000"}, {"name": "Ravi Kumar", "phone": "9876500001"}])
}

/// Every path that takes a signing link, answered as for a link that never existed.
async fn assert_reads_nothing(server: &Server, link: &str) {
    let http = common::http();
    let unknown = "00000000-0000-4000-8000-000000000000";
    for uuid in [unknown, link] {
        let get = |path: String| {
            let http = http.clone();
            async move { http.get(path).send().await.unwrap() }
        };
        for suffix in ["", "/file"] {
            let res = get(format!("{}/api/sign/{uuid}{suffix}", server.url)).await;
            assert_eq!(res.status(), 404, "/api/sign/{uuid}{suffix}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["messages"][0]["code"], "invitation.not.found");
            assert_eq!(body["data"], json!({}));
        }
        let page = get(format!("{}/sign/{uuid}", server.url)).await;
        assert_eq!(page.status(), 404, "the signing page of {uuid}");
        for (action, body) in [
            ("sign", typed("Asha Rao")),
            ("approve", json!({})),
            ("reject", json!({"reason": "no"})),
            ("otp", json!({})),
        ] {
            let res = http
                .post(format!("{}/api/sign/{uuid}/{action}", server.url))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{action} on {uuid}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["messages"][0]["code"], "invitation.not.found");
        }
    }
}

async fn revoked_links_read_nothing(db: Db) {
    let server = Server::start(db);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let invitee = server.client("");
    let profile = common::create_workflow(&api, &two_signers(false)).await;

    // A deleted invitation: its link reads nothing, not even the version signed after it.
    let (id, links) = common::send_pdf(&api, &profile, "Deal", None, &people()).await;
    api.send(
        "DELETE",
        &format!("/api/v3.0/sign/request/invitation?signUrl={}", links[0]),
        None,
    )
    .await
    .ok();
    let done = invitee
        .post(
            &format!("/api/sign/{}/sign", links[1]),
            &typed("Ravi Kumar"),
        )
        .await;
    assert_eq!(done.ok()["completed"], true);
    assert_reads_nothing(&server, &links[0]).await;
    // The link still alive reads the signed version.
    let signed = invitee
        .http_get_bytes(&format!("/api/sign/{}/file", links[1]))
        .await;
    assert!(signed.starts_with(b"%PDF-"));

    // A deleted document: every link of it is revoked.
    let (id2, links2) = common::send_pdf(&api, &profile, "Gone", None, &people()).await;
    invitee
        .post(&format!("/api/sign/{}/sign", links2[0]), &typed("Asha Rao"))
        .await
        .ok();
    api.send(
        "DELETE",
        &format!("/api/v3.0/sign/request?documentId={id2}"),
        None,
    )
    .await
    .ok();
    for link in &links2 {
        assert_reads_nothing(&server, link).await;
    }
    // A link in another spelling of the same UUID is the same link.
    let upper = links[1].to_uppercase();
    let view = invitee.get(&format!("/api/sign/{upper}")).await;
    assert_eq!(view.ok()["signed"], true);
    let d = api
        .get(&format!("/api/v3.3/document/details?documentId={id}"))
        .await;
    assert_eq!(d.ok()["requests"][0]["deleted"], true);
}

async fn parallel_signers_both_land(db: Db) {
    const DOCUMENTS: usize = 50;
    let server = Server::start(db);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let invitee = server.client("");
    let profile = common::create_workflow(&api, &two_signers(false)).await;
    let root_pem = server.data_dir.join("root.pem");
    let root = server.root_pem().await;
    std::fs::write(&root_pem, &root).unwrap();
    let roots = signet_pdf::keys::load_certificates_pem(&root).unwrap();
    let mut files = vec![];
    for n in 0..DOCUMENTS {
        let (_, links) =
            common::send_pdf(&api, &profile, &format!("Deal {n}"), None, &people()).await;
        let invitee = &invitee;
        let sign = |link: String, name: &'static str| async move {
            invitee
                .post(&format!("/api/sign/{link}/sign"), &typed(name))
                .await
        };
        let (a, b) = tokio::join!(
            sign(links[0].clone(), "Asha Rao"),
            sign(links[1].clone(), "Ravi Kumar")
        );
        let (a, b) = (a.ok().clone(), b.ok().clone());
        assert_eq!(
            [a["completed"].as_bool(), b["completed"].as_bool()]
                .iter()
                .filter(|c| **c == Some(true))
                .count(),
            1,
            "exactly one of the two completes the document: {a} {b}"
        );
        let pdf = invitee
            .http_get_bytes(&format!("/api/sign/{}/file", links[0]))
            .await;
        let report =
            signet_pdf::verify::verify(&pdf, &roots, &signet_pdf::Limits::default()).unwrap();
        assert_eq!(report.signatures.len(), 2, "document {n}");
        assert!(report.all_good(), "document {n}: {report:#?}");
        let mut names: Vec<_> = report
            .signatures
            .iter()
            .map(|s| s.name.clone().unwrap_or_default())
            .collect();
        names.sort();
        assert_eq!(names, ["Asha Rao", "Ravi Kumar"]);
        let file = server.data_dir.join(format!("parallel-{n}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        assert_eq!(common::pdfsig_valid(&file), 2, "pdfsig, document {n}");
        files.push(file);
    }
    common::pyhanko_validates(&root_pem, &files);
}

/// A body sent to a link that does not work is never read: the answer comes at once, while
/// the client is still announcing 10 MB it has not sent.
async fn bodies_wait_for_a_good_link(db: Db) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Server::start(db);
    let addr = server.url.trim_start_matches("http://").to_string();
    for action in ["sign", "approve", "reject"] {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/sign/00000000-0000-4000-8000-000000000000/{action} HTTP/1.1\r\n\
             Host: {addr}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{{"
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0; 4096];
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read(&mut answer))
            .await
            .expect("answered without waiting for the body")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 404"), "{action}: {answer}");
        assert!(
            answer.contains("invitation.not.found"),
            "{action}: {answer}"
        );
    }
}

on_both_databases!(
    revoked_links_read_nothing,
    parallel_signers_both_land,
    bodies_wait_for_a_good_link
);
