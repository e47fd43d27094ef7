//! "Sign with DSC token" on the signing page, in Debian's headless Chromium
//! (tests/signing_page_dsc.cjs), on both databases: the real server trusting the test PKI's
//! root, and the real `signet dsc agent` over a SoftHSM2 token on a loopback port of its own,
//! the server's `SIGNET_DSC_AGENT_URL` pointing at it. The page first finds no agent (the
//! how-to-start message, nothing signed); then the agent starts, "Try again" lists the token's
//! certificates, a wrong PIN is refused in words, the right one signs. pdfsig, pyHanko and the
//! details API judge the result. A second invitation, whose sender asked for another name, is
//! terminated by the check at dsc/prepare, and the page says so.
//!
//! Needs what tests/signing_page.rs and tests/dsc_agent.rs need (scripts/test installs it).
//! Screenshots land in `$CARGO_TARGET_TMPDIR/screenshots/signing-dsc-{db}-*.png`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::pki::{PIN, Pki, SOFTHSM};
use common::{Db, Server};
use serde_json::{Value, json};

/// `signet dsc agent` as the signer runs it: over the test token, answering only `origin`.
struct Agent(Child);

impl Agent {
    fn start(conf: &Path, origin: &str, port: u16, log: &Path) -> Agent {
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet"))
            .args(["dsc", "agent", "--pkcs11-module", SOFTHSM])
            .args(["--allow-origin", origin])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("SOFTHSM2_CONF", conf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("signet dsc agent starts");
        // It prints its address once it listens.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.contains(&format!("http://127.0.0.1:{port}")),
            "{line:?}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        Agent(child)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nothing listens on (yet): where the page looks for the agent.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits for the browser script to write `file` (it does when it wants the agent started),
/// failing early with its output if it ends first.
fn wait_for_file(file: &Path, browser: &mut Child) {
    let start = Instant::now();
    while !file.exists() {
        if let Some(status) = browser.try_wait().unwrap() {
            let mut out = String::new();
            let mut err = String::new();
            use std::io::Read;
            let _ = browser.stdout.take().unwrap().read_to_string(&mut out);
            let _ = browser.stderr.take().unwrap().read_to_string(&mut err);
            panic!(
                "the browser journey ended ({status}) before asking for the agent:\n{out}\n{err}"
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the browser never asked for the agent"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

async fn signs_with_the_token_through_the_agent(db: Db) {
    let name = match db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    let pki = Pki::new();
    let conf = pki.token();
    let root = pki.path("root.pem");
    let port = free_port();
    let agent_url = format!("http://127.0.0.1:{port}");
    let s = Server::start_with(
        db,
        &[
            ("SIGNET_SIGNER_TRUST_ROOTS", root.to_str().unwrap()),
            ("SIGNET_DSC_AGENT_URL", &agent_url),
        ],
    );
    let api = s.client(&s.create_account("Acme").token);
    // On one database the slot takes a mark too (the DSC section sits below it), on the other
    // a DSC signature only (the section alone).
    let both = db == Db::Sqlite;
    let types = if both {
        json!(["VIRTUAL_SIGN", "DSC"])
    } else {
        json!(["DSC"])
    };
    let slot = json!({"label": "Borrower", "inviteeType": "Signer", "signatureTypes": types,
        "redirectUrl": "https://example.com/done",
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

    // A second document whose sender asked for another name: the check at dsc/prepare fails
    // and ends that invitation, which the page must say in words.
    let (_, mismatch) = common::send_pdf(
        &api,
        &profile,
        "DSC loan for Ravi",
        None,
        &json!([{"name": "Ravi Kumar", "email": "ravi@example.com",
                 "dscConfig": {"verifyName": true}}]),
    )
    .await;

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let want_agent = pki.path("want-agent");
    let agent_started = pki.path("agent-started");
    let mut browser = common::browser_script("signing_page_dsc.cjs")
        .env("SIGNER_URL", format!("{}/sign/{}", s.url, links[0]))
        .env("MISMATCH_URL", format!("{}/sign/{}", s.url, mismatch[0]))
        .env("SERVER_ORIGIN", &s.url)
        .env("AGENT_URL", &agent_url)
        .env("BOTH", if both { "1" } else { "0" })
        .env("WRONG_PIN", "000000")
        .env("PIN", PIN)
        .env("WANT_AGENT", &want_agent)
        .env("AGENT_STARTED", &agent_started)
        .env("SCREENSHOTS", &shots)
        .env("SHOT_PREFIX", format!("signing-dsc-{name}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (scripts/test installs it)");

    // The page has shown how to start the agent: nothing was signed meanwhile.
    wait_for_file(&want_agent, &mut browser);
    let page = s.client("");
    let view = page.get(&format!("/api/sign/{}", links[0])).await;
    assert_eq!(view.ok()["signed"], false);
    let log = pki.path("agent.log");
    let _agent = Agent::start(&conf, &s.url, port, &log);
    std::fs::write(&agent_started, "1").unwrap();

    let out = tokio::task::spawn_blocking(move || browser.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser journey failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // What the page announced is what the server recorded.
    let view = page.get(&format!("/api/sign/{}", links[0])).await;
    assert_eq!(view.ok()["signed"], true);
    let details: Value = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&invitations_certificateData=true"
        ))
        .await
        .ok()
        .clone();
    let inv = &details["invitations"][0];
    assert_eq!(inv["usedSignatureType"], "DSC", "{details:#}");
    assert_eq!(inv["certificateData"]["name"], "Asha Rao", "{details:#}");

    let pdf = page
        .http_get_bytes(&format!("/api/sign/{}/file", links[0]))
        .await;
    let file = pki.path(&format!("signing-page-dsc-{name}.pdf"));
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(common::pdfsig_valid(&file), 1, "pdfsig");
    common::pyhanko_validates(&root, std::slice::from_ref(&file));

    // The mismatch ended its invitation before anything reached the token.
    let ended = page.get(&format!("/api/sign/{}", mismatch[0])).await;
    assert_eq!(ended.ok()["signed"], false);
    assert_eq!(ended.ok()["active"], false, "{:#}", ended.ok());

    // The PIN went to the agent only: never into its log.
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("refused to sign: pkcs11.pin.incorrect"),
        "{log}"
    );
    assert_eq!(log.matches("signed with key").count(), 1, "{log}");
    assert!(!log.contains(PIN), "{log}");
    eprintln!("screenshots: {}", shots.display());
}

on_both_databases!(signs_with_the_token_through_the_agent);

/// The page's CSP lets it reach the configured agent's origin and nothing else, and a slot
/// without DSC never asks for the agent (tests/signing_page.rs watches its console).
#[tokio::test]
async fn the_page_may_reach_the_configured_agent_only() {
    let s = Server::start_with(
        Db::Sqlite,
        &[("SIGNET_DSC_AGENT_URL", "http://localhost:9/")],
    );
    let api = s.client(&s.create_account("Acme").token);
    let profile = common::create_workflow(
        &api,
        &json!({"name": "Plain", "invitees": [{"label": "Client", "inviteeType": "Signer",
            "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}]}),
    )
    .await;
    let (_, links) = common::send_pdf(
        &api,
        &profile,
        "Plain",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"}]),
    )
    .await;
    let res = common::http()
        .get(format!("{}/sign/{}", s.url, links[0]))
        .send()
        .await
        .unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("connect-src 'self' http://localhost:9;"),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains("data-dsc-agent=\"http://localhost:9\""),
        "{html}"
    );

    // An address that is not an origin would rewrite the policy: refused at start.
    let out = Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "SIGNET_DSC_AGENT_URL",
            "http://127.0.0.1:47801; connect-src *",
        )
        .env(
            "SIGNET_DATA_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("never-used"),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SIGNET_DSC_AGENT_URL"), "{stderr}");
}
