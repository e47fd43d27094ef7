//! Running the server (API.md section 13), against the real binary: liveness and readiness
//! as the database and the file store go away and come back, Prometheus metrics read by
//! Prometheus' own Python parser, request ids in JSON logs and in internal errors, the
//! headers every answer carries, slow clients cut off, and SIGTERM with requests and webhooks
//! in flight.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::receiver::Receiver;
use common::smtp::SmtpSink;
use common::{Client, Db, Server, create_workflow, send_pdf};
use serde_json::{Value, json};

fn typed() -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": true})
}

fn one_signer(receiver: Option<&Receiver>) -> Value {
    let mut slot = json!({"label": "Signer", "inviteeType": "Signer",
        "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]});
    if let Some(r) = receiver {
        slot["webhook"] = json!({"success": format!("{}/hook/ok", r.url),
            "error": format!("{}/hook/err", r.url), "version": "2.5"});
    }
    json!({"name": "One signer", "requireSigningOrder": false, "expiryDays": 5,
           "invitees": [slot]})
}

fn asha() -> Value {
    json!([{"name": "Asha Rao", "email": "asha@example.com"}])
}

async fn get(url: &str) -> reqwest::Response {
    common::http().get(url).send().await.unwrap()
}

/// Moves the file store away and puts a plain file where its directory was: every write and
/// read of an object fails, as on a volume that was unmounted. Permission bits would not do:
/// the tests may run as root.
struct BrokenStorage {
    objects: PathBuf,
    away: PathBuf,
}

impl BrokenStorage {
    fn break_it(data_dir: &Path) -> BrokenStorage {
        let objects = data_dir.join("objects");
        let away = data_dir.join("objects.away");
        std::fs::rename(&objects, &away).unwrap();
        std::fs::write(&objects, b"not a directory").unwrap();
        BrokenStorage { objects, away }
    }

    fn repair(self) {
        std::fs::remove_file(&self.objects).unwrap();
        std::fs::rename(&self.away, &self.objects).unwrap();
    }
}

async fn readiness(server: &Server) -> (u16, String) {
    let res = get(&format!("{}/readyz", server.url)).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn health_and_readiness(db: Db) {
    let server = Server::start(db);
    for path in ["/healthz", "/health"] {
        let res = get(&format!("{}{path}", server.url)).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.text().await.unwrap(), "ok");
    }
    assert_eq!(readiness(&server).await, (200, "ok".into()));

    let broken = BrokenStorage::break_it(&server.data_dir);
    let (status, body) = readiness(&server).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("storage") && !body.contains("database"),
        "{body}"
    );
    // What failed, not where: no path of the server's.
    assert!(!body.contains(server.data_dir.to_str().unwrap()), "{body}");
    broken.repair();
    assert_eq!(readiness(&server).await, (200, "ok".into()));
    // Liveness is not readiness: the process was alive throughout.

    if db == Db::Postgres {
        server.refuse_database_connections(true);
        let (status, body) = readiness(&server).await;
        assert_eq!(status, 503, "{body}");
        assert!(
            body.contains("database") && !body.contains("storage"),
            "{body}"
        );
        let res = get(&format!("{}/healthz", server.url)).await;
        assert_eq!(res.status(), 200);
        server.refuse_database_connections(false);
        assert_eq!(readiness(&server).await, (200, "ok".into()));
    }
}

/// The samples of a Prometheus text exposition as parsed by `prometheus_client` (the
/// official Python client, installed by scripts/test): `(name, labels, value)`.
fn parse_exposition(text: &str) -> Vec<(String, serde_json::Map<String, Value>, f64)> {
    let python = match std::env::var("SIGNET_TEST_TOOLS") {
        Ok(tools) => format!("{tools}/venv/bin/python"),
        Err(_) => "python3".into(),
    };
    let script = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        print(json.dumps({"name": s.name, "labels": s.labels, "value": s.value}))
"#;
    let mut child = std::process::Command::new(&python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs (scripts/test installs prometheus_client in its venv)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["name"].as_str().unwrap().to_string(),
                v["labels"].as_object().unwrap().clone(),
                v["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

type Samples = [(String, serde_json::Map<String, Value>, f64)];

/// The value of the sample `name` whose labels include `labels`.
fn sample(samples: &Samples, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| n == name && labels.iter().all(|(k, v)| l.get(*k) == Some(&json!(v))))
        .map(|s| s.2)
}

async fn metrics_after_a_signing_journey(db: Db) {
    let receiver = Receiver::start();
    let server = Server::start_with(db, &[("SIGNET_WEBHOOK_ALLOW_PRIVATE", "true")]);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let invitee = server.client("");
    let profile = create_workflow(&api, &one_signer(Some(&receiver))).await;
    let (doc, links) = send_pdf(&api, &profile, "Lease", None, &asha()).await;
    invitee.get(&format!("/api/sign/{}", links[0])).await.ok();
    let signed = invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await;
    assert_eq!(signed.ok()["completed"], true);
    receiver.wait_for("/hook/ok", 1).await;
    // A refusal, an unknown route and an unknown link, for their codes.
    let refused = api
        .post(
            "/api/v3.0/sign/request",
            &json!({"profileId": "nothing", "file": {"name": "x", "file": "eA=="}, "invitees": asha()}),
        )
        .await;
    assert_eq!(refused.code(), "profile.id.invalid");
    assert_eq!(
        get(&format!("{}/no/such/page", server.url)).await.status(),
        404
    );
    let unknown_link = "00000000-0000-4000-8000-000000000000";
    get(&format!("{}/api/sign/{unknown_link}", server.url)).await;

    // The delivery attempt is counted as it ends, just after the receiver answers.
    let mut samples = vec![];
    for _ in 0..100 {
        let res = get(&format!("{}/metrics", server.url)).await;
        assert_eq!(res.status(), 200);
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        samples = parse_exposition(&res.text().await.unwrap());
        let delivered = [("outbox", "webhook"), ("result", "delivered")];
        if sample(&samples, "signet_delivery_attempts_total", &delivered).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let has = |name: &str, labels: &[(&str, &str)]| {
        sample(&samples, name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in {samples:#?}"))
    };
    let sign_route = [
        ("method", "POST"),
        ("route", "/api/sign/{uuid}/sign"),
        ("code", "ok"),
    ];
    assert_eq!(has("signet_http_requests_total", &sign_route), 1.0);
    let create = [("route", "/api/v3.0/sign/request"), ("method", "POST")];
    assert_eq!(
        has(
            "signet_http_requests_total",
            &[create[0], create[1], ("code", "ok")]
        ),
        1.0
    );
    assert_eq!(
        has(
            "signet_http_requests_total",
            &[create[0], ("code", "profile.id.invalid")]
        ),
        1.0
    );
    has(
        "signet_http_requests_total",
        &[("route", "unmatched"), ("code", "route.not.found")],
    );
    has(
        "signet_http_requests_total",
        &[
            ("route", "/api/sign/{uuid}"),
            ("code", "invitation.not.found"),
        ],
    );
    // A histogram: buckets up to +Inf, with a count and a sum.
    let duration = "signet_http_request_duration_seconds";
    let sign_only = [("route", "/api/sign/{uuid}/sign")];
    assert_eq!(
        has(
            &format!("{duration}_bucket"),
            &[sign_only[0], ("le", "+Inf")]
        ),
        1.0
    );
    assert_eq!(has(&format!("{duration}_count"), &sign_only), 1.0);
    assert!(has(&format!("{duration}_sum"), &sign_only) > 0.0);
    assert_eq!(
        has("signet_signatures_total", &[("type", "VIRTUAL_SIGN")]),
        1.0
    );
    assert_eq!(has("signet_documents_sent_total", &[]), 1.0);
    assert_eq!(has("signet_documents_completed_total", &[]), 1.0);
    has(
        "signet_delivery_attempts_total",
        &[("outbox", "webhook"), ("result", "delivered")],
    );
    // Mail without SMTP is logged: an attempt too.
    has(
        "signet_delivery_attempts_total",
        &[("outbox", "mail"), ("result", "logged")],
    );
    for outbox in ["webhook", "mail"] {
        assert_eq!(
            has("signet_outbox_pending", &[("outbox", outbox)]),
            0.0,
            "{outbox}"
        );
        has(
            "signet_outbox_oldest_pending_age_seconds",
            &[("outbox", outbox)],
        );
    }

    // No label names a document, a link, an account, a token or an address.
    let uuid_like = |v: &str| {
        let hex_groups: Vec<&str> = v.split('-').collect();
        hex_groups.len() == 5
            && hex_groups
                .iter()
                .all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_hexdigit()))
    };
    let ip_like = |v: &str| {
        v.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .any(|part| part.split('.').count() == 4 && part.split('.').all(|n| !n.is_empty()))
            || v.contains("::")
    };
    for (name, labels, _) in &samples {
        for (key, value) in labels {
            let v = value.as_str().unwrap();
            assert!(
                !v.contains(&doc)
                    && !v.contains(&links[0])
                    && !v.contains(unknown_link)
                    && !v.contains(&account.id)
                    && !v.contains(&account.token)
                    && !v.contains(&profile)
                    && !uuid_like(v)
                    && !ip_like(v)
                    && !v.contains("127.0.0.1")
                    && !v.contains("example.com"),
                "{name} {key}={v}"
            );
        }
    }
}

/// Log lines of the server, each parsed as JSON (a line that is not JSON fails the test).
fn json_lines(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The request id a JSON log line carries through its spans.
fn request_id_of(line: &Value) -> Option<&str> {
    line["span"]["request_id"].as_str().or_else(|| {
        line["spans"]
            .as_array()?
            .iter()
            .find_map(|s| s["request_id"].as_str())
    })
}

async fn internal_errors_name_only_the_request(db: Db) {
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "operations-{}-{:?}.log",
        std::process::id(),
        db
    ));
    let _ = std::fs::remove_file(&log);
    let server = Server::start_logging(
        db,
        &[("SIGNET_LOG_FORMAT", "json"), ("RUST_LOG", "info")],
        Some(log.clone()),
    );
    let api = server.client(&server.create_account("Acme").token);
    let profile = create_workflow(&api, &one_signer(None)).await;
    let (_, links) = send_pdf(&api, &profile, "Lease", None, &asha()).await;
    let file = format!("{}/api/sign/{}/file", server.url, links[0]);

    // An id of the client's own is kept and echoed; without one the server makes one.
    let res = common::http()
        .get(format!("{}/healthz", server.url))
        .header("X-Request-Id", "lb-7f3a.42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "lb-7f3a.42");
    let res = common::http()
        .get(format!("{}/healthz", server.url))
        .header("X-Request-Id", "not a sane id; 'quoted'")
        .send()
        .await
        .unwrap();
    let made = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(
        made.len() == 32 && made.chars().all(|c| c.is_ascii_hexdigit()),
        "{made}"
    );

    let broken = BrokenStorage::break_it(&server.data_dir);
    let res = common::http()
        .get(&file)
        .header("X-Request-Id", "support-case-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "support-case-1234");
    let body: Value = res.json().await.unwrap();
    broken.repair();
    assert_eq!(body["status"], 0, "{body}");
    assert_eq!(body["messages"][0]["code"], "internal.error");
    let message = body["messages"][0]["message"].as_str().unwrap();
    assert!(message.contains("support-case-1234"), "{message}");
    for cause in [
        server.data_dir.to_str().unwrap(),
        "objects",
        "storage",
        "directory",
        "No such",
        "os error",
    ] {
        assert!(!message.contains(cause), "{cause:?} in {message:?}");
    }
    // Without an id of the client's, the answer names the one the server made.
    let res = get(&format!("{file}x")).await;
    let made = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(res.status(), 404);
    assert_ne!(made, "support-case-1234");

    // Every line is JSON; the internal error's line holds the cause under the request's id.
    let lines = json_lines(&log);
    let logged = lines
        .iter()
        .find(|l| request_id_of(l) == Some("support-case-1234"))
        .unwrap_or_else(|| panic!("no line with the request id in {lines:#?}"));
    assert_eq!(logged["level"], "ERROR", "{logged}");
    let cause = logged["fields"]["error"].as_str().unwrap_or_default();
    assert!(cause.contains("file storage"), "{logged}");
    let span = &logged["span"];
    assert_eq!(span["route"], "/api/sign/{uuid}/file", "{logged}");
    // The path (which holds the signing link) is never logged.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&links[0]), "a signing link reached the log");
    let _ = std::fs::remove_file(&log);
}

/// Headers of an answer, with lower-case names.
async fn headers_of(url: &str) -> reqwest::header::HeaderMap {
    let res = get(url).await;
    assert!(res.status().is_success(), "{url}: {}", res.status());
    res.headers().clone()
}

async fn security_headers(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let profile = create_workflow(&api, &one_signer(None)).await;
    let (doc, links) = send_pdf(&api, &profile, "Lease", None, &asha()).await;
    invitee
        .post(&format!("/api/sign/{}/sign", links[0]), &typed())
        .await
        .ok();
    let details = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={doc}&file=true"
        ))
        .await;
    let file_url = details.ok()["file"]
        .as_str()
        .expect("a file URL")
        .to_string();
    assert!(file_url.contains("/files/"), "{file_url}");

    let json_answer = common::http()
        .get(format!(
            "{}/api/v3.3/document/details?documentId={doc}",
            server.url
        ))
        .send()
        .await
        .unwrap()
        .headers()
        .clone();
    let signing_file = headers_of(&format!("{}/api/sign/{}/file", server.url, links[0])).await;
    let file = headers_of(&file_url).await;
    let page = headers_of(&format!("{}/sign/{}", server.url, links[0])).await;
    let health = headers_of(&format!("{}/healthz", server.url)).await;
    for (what, h) in [
        ("JSON", &json_answer),
        ("signing file", &signing_file),
        ("file URL", &file),
        ("signing page", &page),
        ("health", &health),
    ] {
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert!(h.contains_key("x-request-id"), "{what}");
        // The public URL is http here: no HSTS.
        assert!(!h.contains_key("strict-transport-security"), "{what}");
    }
    for (what, h) in [
        ("JSON", &json_answer),
        ("signing file", &signing_file),
        ("file URL", &file),
    ] {
        assert_eq!(h["cache-control"], "no-store", "{what}");
    }

    let https = Server::start_with(db, &[("SIGNET_PUBLIC_URL", "https://sign.example.org")]);
    for path in ["/healthz", "/api/v3.3/document/details"] {
        let res = get(&format!("{}{path}", https.url)).await;
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
}

/// Reads from `stream` until it closes; what came, and when it closed (None: still open
/// at `limit`).
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Option<Duration>) {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut got = vec![];
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return (got, Some(started.elapsed())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (got, Some(started.elapsed())),
        }
    }
    (got, None)
}

fn connect(server: &Server) -> TcpStream {
    TcpStream::connect(server.url.trim_start_matches("http://")).unwrap()
}

async fn slow_clients_are_cut_off(db: Db) {
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_HEADER_READ_TIMEOUT", "1s"),
            ("SIGNET_BODY_READ_TIMEOUT", "1s"),
        ],
    );
    let account = server.create_account("Acme");

    // Half a request line, then nothing: closed once the header timeout passes.
    let mut half = connect(&server);
    half.write_all(b"GET /healthz HT").unwrap();
    let (_, closed) = read_until_closed(&mut half, Duration::from_secs(10));
    let closed = closed.expect("the server closes a connection whose headers never end");
    assert!(
        closed >= Duration::from_millis(800) && closed < Duration::from_secs(5),
        "{closed:?}"
    );

    // Headers that trickle in past the timeout: cut off too.
    let mut trickle = connect(&server);
    let started = Instant::now();
    let mut cut = false;
    for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa\r\n" {
        if trickle.write_all(&[*byte]).is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, closed) = read_until_closed(&mut trickle, Duration::from_secs(5));
    assert!(cut || closed.is_some(), "trickled headers were waited for");
    assert!(started.elapsed() < Duration::from_secs(8));

    // A body that stops arriving: the request is refused once the body timeout passes.
    let mut stalled = connect(&server);
    write!(
        stalled,
        "POST /api/signet/workflows HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{{\"name\":",
        account.token
    )
    .unwrap();
    let (answer, closed) = read_until_closed(&mut stalled, Duration::from_secs(10));
    let closed = closed.expect("a stalled body is not waited for");
    assert!(closed < Duration::from_secs(5), "{closed:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.contains("request.body.invalid"), "{answer}");

    // A large answer its client stops reading for longer than the header timeout: the
    // timeout is for requests, not for answers, so all of it arrives. The file is larger than
    // what the sockets' buffers hold, so a connection closed mid-answer would cut it short.
    let api = server.client(&account.token);
    let profile = create_workflow(&api, &one_signer(None)).await;
    let padding = " ".repeat(10_000_000);
    let pdf = common::pdf_from_objects(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Count 1 /Kids [3 0 R] >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".into(),
        format!(
            "<< /Length {} >>\nstream\n{padding}\nendstream",
            padding.len()
        ),
    ]);
    let (doc, _) = common::send_file(&api, &profile, "Large", None, &pdf, &asha()).await;
    let mut slow = connect(&server);
    write!(
        slow,
        "GET /api/v3.1/document/fetchDocument?documentId={doc} HTTP/1.1\r\nHost: x\r\n\
         X-Auth-Token: {}\r\nConnection: close\r\n\r\n",
        account.token
    )
    .unwrap();
    let mut got = vec![0u8; 16 * 1024];
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let n = slow.read(&mut got).unwrap();
    got.truncate(n);
    std::thread::sleep(Duration::from_millis(2500));
    slow.read_to_end(&mut got).unwrap();
    let text = String::from_utf8_lossy(&got[..got.len().min(200)]).into_owned();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let body_at = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(got.len() - body_at, pdf.len(), "the whole file arrives");

    // A client that sends in time is served as ever, on a connection kept open between
    // requests.
    let mut fine = connect(&server);
    for _ in 0..2 {
        fine.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 1024];
        fine.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let n = fine.read(&mut buf).unwrap();
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(
            text.starts_with("HTTP/1.1 200") && text.ends_with("ok"),
            "{text}"
        );
    }
}

/// A request whose body arrives slowly: the headers now, the body in pieces over `over`, so
/// the request is in flight for that long. Returns the answer's JSON body.
async fn slow_post(base: &str, path: &str, body: Value, over: Duration) -> Value {
    let addr = base.trim_start_matches("http://").to_string();
    let body = body.to_string();
    let path = path.to_string();
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        let pieces = 10;
        let step = body.len().div_ceil(pieces);
        for chunk in body.as_bytes().chunks(step) {
            std::thread::sleep(over / pieces as u32);
            s.write_all(chunk).unwrap();
        }
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let (head, json) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        serde_json::from_str(json).unwrap_or_else(|_| panic!("not JSON: {json}"))
    })
    .await
    .unwrap()
}

async fn delivery_states(api: &Client, doc: &str) -> Vec<String> {
    api.get(&format!("/api/signet/webhooks/deliveries?documentId={doc}"))
        .await
        .ok()["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["state"].as_str().unwrap().to_string())
        .collect()
}

async fn sigterm_finishes_requests_in_flight(db: Db) {
    let receiver = Receiver::start();
    // Webhook attempts stay in flight until the process stops.
    receiver.answer_slowly("/hook/ok", Duration::from_secs(60));
    let mut server = Server::start_with(db, &[("SIGNET_WEBHOOK_ALLOW_PRIVATE", "true")]);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let invitee = server.client("");
    let profile = create_workflow(&api, &one_signer(Some(&receiver))).await;
    let mut docs = vec![];
    for n in 0..4 {
        docs.push(send_pdf(&api, &profile, &format!("Lease {n}"), None, &asha()).await);
    }
    // The first is signed now: its webhook is being sent, to a receiver that does not answer.
    invitee
        .post(&format!("/api/sign/{}/sign", docs[0].1[0]), &typed())
        .await
        .ok();

    // Three signatures whose bodies take a second and a half to arrive.
    let in_flight: Vec<_> = docs[1..]
        .iter()
        .map(|(_, links)| {
            let url = server.url.clone();
            let path = format!("/api/sign/{}/sign", links[0]);
            tokio::spawn(async move {
                slow_post(&url, &path, typed(), Duration::from_millis(1500)).await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let old_url = server.url.clone();
    server.signal(libc::SIGTERM);
    let signalled = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // No new connection is taken meanwhile.
    assert!(
        TcpStream::connect(old_url.trim_start_matches("http://")).is_err(),
        "a connection was accepted after SIGTERM"
    );
    for answer in in_flight {
        let answer = answer.await.unwrap();
        assert_eq!(answer["status"], 1, "{answer}");
        assert_eq!(answer["data"]["completed"], true, "{answer}");
    }
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("the server exits after SIGTERM");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(8),
        "stopping took {:?}",
        signalled.elapsed()
    );

    // Every webhook, the one cut off and those written while the requests finished, is sent
    // by the next process at once: none is lost, none waits for a lease to run out.
    receiver.answer_slowly("/hook/ok", Duration::ZERO);
    server.restart();
    let api = server.client(&account.token);
    let deadline = Instant::now() + Duration::from_secs(20);
    for (doc, _) in &docs {
        loop {
            let states = delivery_states(&api, doc).await;
            if states == ["delivered"] {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{doc}: deliveries {states:?} after the restart"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let delivered: Vec<String> = receiver
        .received()
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.body["documentId"].as_str().unwrap().to_string())
        .collect();
    for (doc, _) in &docs {
        assert!(delivered.contains(doc), "{doc} never reached the receiver");
    }
}

/// An SMTP server that takes connections and never says a word: a send through it is under
/// way until the process stops.
struct SilentSmtp {
    port: u16,
    accepted: Arc<AtomicUsize>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentSmtp {
    fn start() -> SilentSmtp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let (a, d) = (accepted.clone(), done.clone());
        let thread = std::thread::spawn(move || {
            let mut held = vec![];
            while !d.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        held.push(conn);
                        a.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        SilentSmtp {
            port,
            accepted,
            done,
            thread: Some(thread),
        }
    }

    /// Closes the port and every connection it took.
    fn stop(mut self) {
        self.done.store(true, Ordering::SeqCst);
        self.thread.take().unwrap().join().unwrap();
    }
}

async fn sigterm_hands_mail_back(db: Db) {
    let silent = SilentSmtp::start();
    let port = silent.port;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let mut server = Server::start_with(db, &[("SIGNET_SMTP_URL", &smtp_url)]);
    let api = server.client(&server.create_account("Acme").token);
    let profile = create_workflow(&api, &one_signer(None)).await;
    send_pdf(&api, &profile, "Lease", None, &asha()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while silent.accepted.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the mailer never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    server.signal(libc::SIGTERM);
    let signalled = Instant::now();
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("the server exits after SIGTERM");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(signalled.elapsed() < Duration::from_secs(8));

    // The mail whose send was cut off goes at once from the next process, not when its
    // lease (two minutes) runs out.
    silent.stop();
    let smtp = SmtpSink::start_on(port);
    server.restart();
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
}

async fn ctrl_c_stops_too(db: Db) {
    let mut server = Server::start(db);
    assert_eq!(get(&format!("{}/healthz", server.url)).await.status(), 200);
    server.signal(libc::SIGINT);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits on Ctrl-C");
    assert_eq!(status.code(), Some(0));
}

on_both_databases!(
    health_and_readiness,
    metrics_after_a_signing_journey,
    internal_errors_name_only_the_request,
    security_headers,
    sigterm_finishes_requests_in_flight,
    sigterm_hands_mail_back
);

/// What involves no store runs once.
mod any_database {
    use super::*;

    #[tokio::test]
    async fn slow_clients_are_cut_off() {
        super::slow_clients_are_cut_off(Db::Sqlite).await
    }

    #[tokio::test]
    async fn ctrl_c_stops_too() {
        super::ctrl_c_stops_too(Db::Sqlite).await
    }
}
