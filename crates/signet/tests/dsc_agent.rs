//! `signet dsc agent`, the real binary over a SoftHSM2 token: the listing, signatures that
//! openssl verifies with the listed certificates, CORS for the one allowed origin only, the
//! Host check against DNS rebinding, loopback-only listening, and the codes of refusals; and
//! the signing page's round trip (agent, dsc/prepare, agent, dsc/complete) on the real server.

mod common;
mod softhsm;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use softhsm::{MODULE, PIN, TOKEN, tokens};

const ORIGIN: &str = "https://sign.example.in";

struct Agent {
    child: Child,
    /// `127.0.0.1:port`
    addr: String,
    log: PathBuf,
    /// The one origin it answers.
    origin: String,
}

impl Agent {
    /// Over the test token, for [`ORIGIN`].
    fn start() -> Agent {
        Agent::start_with(&tokens().conf, ORIGIN)
    }

    fn start_with(conf: &std::path::Path, origin: &str) -> Agent {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let log = tokens().dir.join(format!("agent-{n}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet"))
            .args(["dsc", "agent", "--pkcs11-module", MODULE])
            .args(["--allow-origin", &format!("{origin}/")])
            .args(["--listen", "127.0.0.1:0"])
            .env("SOFTHSM2_CONF", conf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("signet dsc agent starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(addr) = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .map(str::to_string)
        else {
            let _ = child.kill();
            panic!(
                "no address in {line:?}: {}",
                std::fs::read_to_string(&log).unwrap()
            );
        };
        Agent {
            child,
            addr,
            log,
            origin: origin.to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything the agent wrote to its log so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    fn cors(&self) -> Option<&str> {
        self.headers
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap())
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let res = request.send().await.expect("the agent answers");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    Answer {
        status,
        headers,
        body,
    }
}

async fn list(agent: &Agent) -> Vec<Value> {
    let a = send(
        http()
            .get(agent.url("/v1/certificates"))
            .header("Origin", &agent.origin),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.cors(), Some(agent.origin.as_str()));
    a.body["certificates"].as_array().unwrap().clone()
}

async fn sign(agent: &Agent, id: &str, to_be_signed: &[u8], pin: &Value) -> Answer {
    let body = json!({"certificate": id, "toBeSigned": base64(to_be_signed), "pin": pin});
    send(
        http()
            .post(agent.url("/v1/sign"))
            .header("Origin", &agent.origin)
            .header("Content-Type", "application/json")
            .body(body.to_string()),
    )
    .await
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unbase64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn pem_to_der(path: &std::path::Path) -> Vec<u8> {
    let pem = std::fs::read_to_string(path).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    unbase64(&body)
}

#[tokio::test]
async fn lists_the_tokens_certificates_and_signs_with_each() {
    let t = tokens();
    let agent = Agent::start();
    let listed = list(&agent).await;
    assert_eq!(listed.len(), 2, "the two keys, not the CA: {listed:#?}");
    let ca = base64(&pem_to_der(&t.ca_pem));
    for (key, pem, algorithm) in [
        ("asha-rsa", &t.rsa_pem, "RSA_PKCS1_SHA256"),
        ("asha-ec", &t.ec_pem, "ECDSA_SHA256"),
    ] {
        let c = listed
            .iter()
            .find(|c| c["keyLabel"] == key)
            .unwrap_or_else(|| panic!("{key} in {listed:#?}"));
        let leaf = pem_to_der(pem);
        assert_eq!(c["certificate"], base64(&leaf));
        assert_eq!(c["chain"], json!([base64(&leaf)]), "the root stays home");
        assert_ne!(c["chain"][0], ca);
        assert_eq!(c["subject"], "Asha Rao");
        assert_eq!(c["issuer"], "Signet Test DSC CA");
        assert_eq!(c["tokenLabel"], TOKEN);
        assert_eq!(c["signatureAlgorithm"], algorithm);
        let not_after = c["notAfter"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(not_after, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{not_after}"
        );

        let to_be_signed = format!("signed attributes for {key}").into_bytes();
        let a = sign(
            &agent,
            c["id"].as_str().unwrap(),
            &to_be_signed,
            &json!(PIN),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.cors(), Some(ORIGIN));
        let signature = unbase64(a.body["signature"].as_str().unwrap());
        assert!(
            softhsm::openssl_verifies(&leaf, &to_be_signed, &signature),
            "{key}: the signature over SHA-256(toBeSigned) verifies with the certificate"
        );
    }
    let log = agent.log();
    assert!(log.contains("signed with key"), "{log}");
    assert!(!log.contains(PIN), "a PIN in the log: {log}");

    // As a supervisor stops it.
    let mut agent = agent;
    // SAFETY: kill(2) on the pid of a child this test still owns (not yet reaped).
    assert_eq!(
        unsafe { libc::kill(agent.child.id() as i32, libc::SIGTERM) },
        0
    );
    let status = agent.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn refuses_wrong_pins_unknown_certificates_and_bad_bodies_with_codes() {
    let agent = Agent::start();
    let listed = list(&agent).await;
    let id = listed[0]["id"].as_str().unwrap();

    let wrong = sign(&agent, id, b"x", &json!("000000")).await;
    assert_eq!((wrong.status, wrong.code()), (401, "pkcs11.pin.incorrect"));
    assert_eq!(wrong.cors(), Some(ORIGIN), "the page reads the refusal");

    let unknown = sign(&agent, "nope:00:000000000000", b"x", &json!(PIN)).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (404, "pkcs11.key.not.found")
    );

    // serde would quote a number it did not expect: the PIN must not come back.
    let numeric = sign(&agent, id, b"x", &json!(480613)).await;
    assert_eq!(
        (numeric.status, numeric.code()),
        (400, "request.json.invalid")
    );
    assert!(!numeric.body.to_string().contains(PIN), "{}", numeric.body);

    let empty = sign(&agent, id, b"", &json!(PIN)).await;
    assert_eq!(empty.code(), "request.json.invalid");

    let huge = json!({"certificate": id, "toBeSigned": "A".repeat(70_000), "pin": PIN});
    let too_large = send(
        http()
            .post(agent.url("/v1/sign"))
            .header("Origin", ORIGIN)
            .body(huge.to_string()),
    )
    .await;
    assert_eq!(
        (too_large.status, too_large.code()),
        (413, "request.too.large")
    );

    let missing = send(
        http()
            .get(agent.url("/v1/nothing"))
            .header("Origin", ORIGIN),
    )
    .await;
    assert_eq!((missing.status, missing.code()), (404, "agent.not.found"));
    let put = send(http().put(agent.url("/v1/sign")).header("Origin", ORIGIN)).await;
    assert_eq!((put.status, put.code()), (405, "agent.method.not.allowed"));
    assert!(!agent.log().contains(PIN), "{}", agent.log());
}

#[tokio::test]
async fn answers_only_the_allowed_origin() {
    let agent = Agent::start();
    for origin in [
        Some("https://evil.example"),
        Some("https://sign.example.in.evil.example"),
        Some("null"),
        None,
    ] {
        let mut r = http().get(agent.url("/v1/certificates"));
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        let a = send(r).await;
        assert_eq!(
            (a.status, a.code()),
            (403, "agent.origin.refused"),
            "{origin:?}"
        );
        assert_eq!(a.cors(), None, "{origin:?}: no CORS header");
        let listed = a.body.get("certificates");
        assert!(listed.is_none(), "{origin:?}");
    }
    let evil_sign = send(
        http()
            .post(agent.url("/v1/sign"))
            .header("Origin", "https://evil.example")
            .body(json!({"certificate": "x", "toBeSigned": "eA==", "pin": PIN}).to_string()),
    )
    .await;
    assert_eq!(evil_sign.status, 403);
    assert_eq!(evil_sign.cors(), None);

    // The preflight Chrome sends before a public page may reach a loopback address.
    let preflight = |origin: &str| {
        http()
            .request(reqwest::Method::OPTIONS, agent.url("/v1/sign"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .header("Access-Control-Request-Private-Network", "true")
    };
    let ok = send(preflight(ORIGIN)).await;
    assert_eq!(ok.status, 204);
    assert_eq!(ok.cors(), Some(ORIGIN));
    let h = |name: &str| {
        ok.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(
        h("access-control-allow-private-network").as_deref(),
        Some("true")
    );
    assert!(h("access-control-allow-methods").unwrap().contains("POST"));
    assert!(
        h("access-control-allow-headers")
            .unwrap()
            .to_lowercase()
            .contains("content-type")
    );
    let refused = send(preflight("https://evil.example")).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.cors(), None);
    assert!(
        refused
            .headers
            .get("access-control-allow-private-network")
            .is_none()
    );
}

/// A request as a browser sends it after a hostile DNS server rebound its own name to
/// 127.0.0.1: same origin as far as the browser knows, so `Origin` may even be absent, and
/// `Host` names the attacker's domain.
fn raw_get(addr: &str, host: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /v1/certificates HTTP/1.1\r\nHost: {host}\r\nOrigin: {ORIGIN}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[tokio::test]
async fn refuses_a_host_that_is_not_the_agent() {
    let agent = Agent::start();
    let port = agent.addr.rsplit(':').next().unwrap().to_string();
    let addr = agent.addr.clone();
    let answers = tokio::task::spawn_blocking(move || {
        [
            raw_get(&addr, &format!("attacker.example:{port}")),
            raw_get(&addr, "attacker.example"),
            raw_get(&addr, &format!("127.0.0.2:{port}")),
            raw_get(&addr, &format!("localhost:{port}")),
            raw_get(&addr, &addr),
        ]
    })
    .await
    .unwrap();
    for refused in &answers[..3] {
        assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
        assert!(refused.contains("agent.host.refused"), "{refused}");
        assert!(
            !refused
                .to_lowercase()
                .contains("access-control-allow-origin"),
            "{refused}"
        );
    }
    for allowed in &answers[3..] {
        assert!(allowed.starts_with("HTTP/1.1 200"), "{allowed}");
        assert!(allowed.contains("\"certificates\""), "{allowed}");
    }
}

#[test]
fn listens_on_loopback_only() {
    for listen in ["0.0.0.0:0", "[::]:0", "192.0.2.10:47801"] {
        let out = Command::new(env!("CARGO_BIN_EXE_signet"))
            .args(["dsc", "agent", "--pkcs11-module", MODULE])
            .args(["--allow-origin", ORIGIN, "--listen", listen])
            .env("SOFTHSM2_CONF", &tokens().conf)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{listen}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("loopback only"), "{listen}: {stderr}");
        assert!(out.stdout.is_empty(), "{listen}: it never listened");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(["dsc", "agent", "--pkcs11-module", "/nonexistent/pkcs11.so"])
        .args(["--allow-origin", ORIGIN, "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot find /nonexistent/pkcs11.so"),
        "{stderr}"
    );
}

/// What the signing page's "Sign with DSC token" does, on the real server: the agent lists
/// the token's certificates (the issuing CA travels in the chain, the root stays home), the
/// chain goes to dsc/prepare, the agent signs toBeSigned, dsc/complete stores the signature;
/// pdfsig and pyHanko validate the result.
async fn the_signing_page_round_trip(db: Db) {
    use common::pki::{PIN as ORG_PIN, Pki};
    let pki = Pki::new();
    let conf = pki.token();
    let root = pki.path("root.pem");
    let s =
        common::Server::start_with(db, &[("SIGNET_SIGNER_TRUST_ROOTS", root.to_str().unwrap())]);
    let account = s.create_account("Acme");
    let api = s.client(&account.token);
    let page = s.client("");
    let slot = json!({"label": "Borrower", "inviteeType": "Signer", "signatureTypes": ["DSC"],
        "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]});
    let profile = common::create_workflow(
        &api,
        &json!({"name": "DSC loan", "expiryDays": 5, "invitees": [slot]}),
    )
    .await;
    let (id, links) = common::send_pdf(
        &api,
        &profile,
        "DSC loan",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"}]),
    )
    .await;

    let agent = Agent::start_with(&conf, &s.url);
    let listed = list(&agent).await;
    let chosen = listed
        .iter()
        .find(|c| c["keyLabel"] == "org-p256")
        .unwrap_or_else(|| panic!("{listed:#?}"));
    assert_eq!(chosen["issuer"], "Signet Test LTV Issuing CA");
    assert_eq!(
        chosen["chain"],
        json!([
            common::base64(&pki.read("good-p256.der")),
            common::base64(&pki.read("intermediate.der"))
        ])
    );

    let prepared = page
        .post(
            &format!("/api/sign/{}/dsc/prepare", links[0]),
            &json!({"certificates": chosen["chain"], "consent": true}),
        )
        .await;
    let prepared = prepared.ok();
    assert_eq!(prepared["signatureAlgorithm"], chosen["signatureAlgorithm"]);
    let to_be_signed = unbase64(prepared["toBeSigned"].as_str().unwrap());

    let wrong = sign(
        &agent,
        chosen["id"].as_str().unwrap(),
        &to_be_signed,
        &json!("0000"),
    )
    .await;
    assert_eq!(wrong.code(), "pkcs11.pin.incorrect");
    let signed = sign(
        &agent,
        chosen["id"].as_str().unwrap(),
        &to_be_signed,
        &json!(ORG_PIN),
    )
    .await;
    assert_eq!(signed.status, 200, "{}", signed.body);

    let done = page
        .post(
            &format!("/api/sign/{}/dsc/complete", links[0]),
            &json!({"prepareId": prepared["prepareId"], "signature": signed.body["signature"]}),
        )
        .await;
    let done = done.ok();
    assert_eq!(done["documentId"], id.as_str());
    assert_eq!(done["completed"], true);

    let pdf = page
        .http_get_bytes(&format!("/api/sign/{}/file", links[0]))
        .await;
    let file = pki.path("dsc-agent.pdf");
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(common::pdfsig_valid(&file), 1, "pdfsig");
    common::pyhanko_validates(&root, std::slice::from_ref(&file));
    assert!(!agent.log().contains(ORG_PIN), "{}", agent.log());
}

use common::Db;
on_both_databases!(the_signing_page_round_trip);
