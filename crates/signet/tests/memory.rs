//! Memory bounded as a whole: a burst of decompression bombs is refused with the engine's
//! code inside the PDF budget, downloads stream from the store, and the body of a request
//! with a wrong token is never read.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{Db, Server};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The server's peak resident memory so far (VmHWM), in bytes.
fn peak_rss(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status");
    kb * 1024
}

/// A one-page PDF whose cross-reference stream inflates to `mb` MB past its rows: the reader
/// must inflate it to find the objects.
fn bomb_pdf(mb: usize) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len() as u32);
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = pdf.len();
    offsets.push(xref_at as u32);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&[0, 0, 0, 0, 0, 0xff, 0xff]).unwrap();
    for o in offsets {
        z.write_all(&[1]).unwrap();
        z.write_all(&o.to_be_bytes()).unwrap();
        z.write_all(&[0, 0]).unwrap();
    }
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mb {
        z.write_all(&zeros).unwrap();
    }
    // Deflated twice: the outer layer inflates to a few hundred KB, the inner one to `mb` MB,
    // so the request stays small and the test measures the inflating, not the upload.
    let mut outer = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    outer.write_all(&z.finish().unwrap()).unwrap();
    let data = outer.finish().unwrap();
    pdf.extend_from_slice(
        format!(
            "4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R \
             /Filter [/FlateDecode /FlateDecode] /Length {} >>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&data);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    pdf
}

fn one_signer() -> Value {
    json!({"name": "Memory", "invitees": [{"label": "Signer", "inviteeType": "Signer",
        "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}]})
}

const MAX_PDF: usize = 4 * 1024 * 1024;
const PERMITS: u64 = 2;

async fn bomb_burst_is_refused_within_the_budget(db: Db) {
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_MAX_PDF_BYTES", &MAX_PDF.to_string()),
            ("SIGNET_PDF_CONCURRENCY", &PERMITS.to_string()),
        ],
    );
    let token = server.create_account("Acme").token;
    let api = server.client(&token);
    let profile = common::create_workflow(&api, &one_signer()).await;
    let body = json!({
        "profileId": profile,
        "file": {"name": "bomb.pdf", "file": common::base64(&bomb_pdf(300))},
        "invitees": [{"name": "Asha Rao", "email": "asha@example.com"}],
    });
    let burst = (0..32).map(|_| api.post("/api/v3.0/sign/request", &body));
    for answer in futures_util::future::join_all(burst).await {
        assert_eq!(answer.code(), "file.pdf.limit", "{}", answer.body);
    }
    let goal = 2 * MAX_PDF as u64 * PERMITS + 100 * 1024 * 1024;
    let peak = peak_rss(&server);
    eprintln!(
        "peak RSS after 32 bombs: {} MB (goal {} MB)",
        peak >> 20,
        goal >> 20
    );
    assert!(
        peak < goal,
        "peak RSS {} MB, over the goal of {} MB",
        peak >> 20,
        goal >> 20
    );
    // Still answering, and an ordinary file goes through.
    let (id, _) = common::send_file(
        &api,
        &profile,
        "After the bombs",
        None,
        &bomb_pdf(0),
        &json!([{"name": "Asha Rao", "email": "asha@example.com"}]),
    )
    .await;
    let d = api
        .get(&format!("/api/v3.3/document/details?documentId={id}"))
        .await;
    assert_eq!(d.ok()["document"]["status"], "SENT");
}

/// A valid PDF of about `mb` MB (one page, a large unfiltered content stream).
fn large_pdf(mb: usize) -> Vec<u8> {
    let content = "0 0 m\n".repeat(mb * 1024 * 1024 / 6);
    common::pdf_from_objects(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".into(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ])
}

async fn downloads_stream_from_the_store(db: Db) {
    let server = Server::start(db);
    let token = server.create_account("Acme").token;
    let api = server.client(&token);
    let profile = common::create_workflow(&api, &one_signer()).await;
    let pdf = large_pdf(12);
    let (id, links) = common::send_file(
        &api,
        &profile,
        "Large",
        None,
        &pdf,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"}]),
    )
    .await;
    let d = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&file=true"
        ))
        .await;
    let file_url = d.ok()["file"].as_str().unwrap().to_string();
    let before = peak_rss(&server);
    let http = common::http();
    let fetch = |url: String, token: Option<String>| {
        let http = http.clone();
        async move {
            let mut req = http.get(url);
            if let Some(t) = token {
                req = req.header("X-Auth-Token", t);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["content-type"], "application/pdf");
            res.bytes().await.unwrap().len()
        }
    };
    let mut downloads = Vec::new();
    for _ in 0..6 {
        downloads.push(fetch(file_url.clone(), None));
        downloads.push(fetch(
            format!("{}/api/sign/{}/file", server.url, links[0]),
            None,
        ));
        downloads.push(fetch(
            format!(
                "{}/api/v3.1/document/fetchDocument?documentId={id}&documentDownloadType=DOCUMENT",
                server.url
            ),
            Some(token.clone()),
        ));
    }
    for len in futures_util::future::join_all(downloads).await {
        assert_eq!(len, pdf.len());
    }
    let grown = peak_rss(&server).saturating_sub(before);
    // Held whole, 18 downloads of 12 MB were over 200 MB at once.
    assert!(
        grown < 64 << 20,
        "18 concurrent downloads of a 12 MB file raised the peak by {} MB",
        grown >> 20
    );
}

/// Sends the head of a request announcing a 10 MB body and only its first bytes, then reads
/// the answer: it must come without the rest of the body.
async fn answer_before_the_body(server: &Server, method: &str, path: &str, token: &str) -> Value {
    let addr = server.url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nX-Auth-Token: {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{{\"profileId\": \""
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = tcp.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if got.len() >= end + 4 + length {
                    return serde_json::from_slice::<Value>(&got[end + 4..end + 4 + length])
                        .unwrap();
                }
            }
        }
        panic!(
            "{method} {path}: the connection closed without an answer: {}",
            String::from_utf8_lossy(&got)
        )
    })
    .await;
    read.unwrap_or_else(|_| panic!("{method} {path}: no answer before the body was sent"))
}

async fn bodies_wait_for_the_token(db: Db) {
    let server = Server::start_with(db, &[("SIGNET_TEST_CLOCK", "true")]);
    server.create_account("Acme");
    let endpoints = [
        ("POST", "/api/v3.0/sign/request"),
        ("POST", "/api/signet/workflows"),
        ("PUT", "/api/signet/workflows/AbCdEfG"),
        ("POST", "/api/signet/workflows/AbCdEfG/publish"),
        ("POST", "/api/v3.0/sign/request/reactivate"),
        ("POST", "/api/v3.0/sign/request/resend"),
        ("POST", "/api/v3.0/sign/request/complete"),
        ("PUT", "/api/v3.1/invitation/activate"),
        ("DELETE", "/api/v3.0/sign/request"),
        ("DELETE", "/api/v3.0/sign/request/invitation"),
        ("POST", "/api/signet/webhooks/deliveries/1/redeliver"),
        ("POST", "/api/signet/clock/advance"),
    ];
    for (method, path) in endpoints {
        for token in ["not-a-token", ""] {
            let answer = answer_before_the_body(&server, method, path, token).await;
            assert_eq!(answer["status"], 0, "{method} {path}: {answer}");
            assert_eq!(
                answer["messages"][0]["code"], "auth.token.invalid",
                "{method} {path}: {answer}"
            );
        }
    }
}

on_both_databases!(
    bomb_burst_is_refused_within_the_budget,
    downloads_stream_from_the_store,
    bodies_wait_for_the_token
);
