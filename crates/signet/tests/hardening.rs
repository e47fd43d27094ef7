//! Smaller holes, closed: the data directory and its files are private to the server's user,
//! endpoints not built yet authenticate before saying so, and a body that does not parse is
//! answered in the client's words, without the server's types or a copy of the input.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Db, Server};
use serde_json::json;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every folder and file under `dir`, with its mode.
fn walk(dir: &Path, found: &mut Vec<(std::path::PathBuf, u32)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        found.push((path.clone(), mode(&path)));
        if path.is_dir() {
            walk(&path, found);
        }
    }
}

async fn data_directory_is_private(db: Db) {
    // The harness makes the directory with the usual 0755; the server tightens it.
    let server = Server::start(db);
    let account = server.create_account("Acme");
    let api = server.client(&account.token);
    let w = json!({"name": "One", "invitees": [{"label": "R", "inviteeType": "Reviewer"}]});
    let profile = common::create_workflow(&api, &w).await;
    let (_, links) = common::send_pdf(
        &api,
        &profile,
        "Deal",
        None,
        &json!([{"name": "R", "phone": "9876500000"}]),
    )
    .await;
    server
        .client("")
        .post(&format!("/api/sign/{}/approve", links[0]), &json!({}))
        .await
        .ok();
    assert_eq!(mode(&server.data_dir), 0o700, "the data directory");
    let mut found = vec![];
    walk(&server.data_dir, &mut found);
    assert!(
        found.iter().any(|(p, _)| p.ends_with("keys"))
            && found.iter().any(|(p, _)| p.ends_with("v1.pdf")),
        "{found:?}"
    );
    if db == Db::Sqlite {
        assert!(
            found.iter().any(|(p, _)| p.ends_with("signet.db")),
            "{found:?}"
        );
    }
    for (path, m) in found {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(m, want, "{} is {m:o}", path.display());
    }
}

async fn unbuilt_endpoints_authenticate_first(db: Db) {
    let server = Server::start(db);
    let account = server.create_account("Acme");
    for (method, path) in [
        ("GET", "/api/v3.0/wallet/balance/details"),
        ("GET", "/api/v3.0/series/groups/list"),
        ("GET", "/api/v3.1/series/list"),
    ] {
        let stranger = server.client("wrong").send(method, path, None).await;
        assert_eq!(stranger.code(), "auth.token.invalid", "{method} {path}");
        let known = server
            .client(&account.token)
            .send(method, path, Some(&json!({})))
            .await;
        assert_eq!(known.code(), "not.implemented", "{method} {path}");
    }
}

async fn parse_errors_speak_json(db: Db) {
    let server = Server::start(db);
    let api = server.client(&server.create_account("Acme").token);
    let long = "x".repeat(200_000);
    let cases = [
        (
            json!({"name": "W", "expiryDays": "ten", "invitees": []}),
            "`expiryDays`",
        ),
        (
            json!({"name": "W", "invitees": [{"label": "R", "inviteeType": long}]}),
            "`invitees[0].inviteeType`",
        ),
        (json!({"name": "W", "invitees": "all"}), "`invitees`"),
        (json!("everything"), "the body"),
    ];
    for (body, field) in cases {
        let reply = api.post("/api/signet/workflows", &body).await;
        assert_eq!(reply.code(), "request.json.invalid");
        let message = reply.body["messages"][0]["message"].as_str().unwrap();
        assert!(message.contains(field), "{field} in {message}");
        assert!(
            message.len() < 300,
            "a long input is not echoed: {} bytes",
            message.len()
        );
        for rust in [
            "WorkflowJson",
            "WorkflowDefinition",
            "InviteeType",
            "i64",
            "i32",
            "struct ",
            "Vec<",
        ] {
            assert!(!message.contains(rust), "{rust} in {message}");
        }
    }
    let malformed = api
        .raw_post("/api/v3.0/sign/request", "{\"profileId\": ")
        .await;
    assert_eq!(malformed.code(), "request.json.invalid");
    // The invitee's endpoints answer in the same words.
    let w = json!({"name": "One", "invitees": [{"label": "S", "inviteeType": "Signer"}]});
    let profile = common::create_workflow(&api, &w).await;
    let (_, links) = common::send_pdf(
        &api,
        &profile,
        "Deal",
        None,
        &json!([{"name": "S", "phone": "9876500000"}]),
    )
    .await;
    let bad = server
        .client("")
        .post(
            &format!("/api/sign/{}/sign", links[0]),
            &json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "carved"}, "consent": true}),
        )
        .await;
    assert_eq!(bad.code(), "request.json.invalid");
    let message = bad.body["messages"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("`mark.kind`") && !message.contains("MarkIn"),
        "{message}"
    );
}

on_both_databases!(
    data_directory_is_private,
    unbuilt_endpoints_authenticate_first,
    parse_errors_speak_json
);

/// The settings of certificate signing are checked at start: a mistake in one stops the
/// server with the variable's name, before it listens.
#[test]
fn certificate_settings_are_checked_at_start() {
    use std::process::{Command, Stdio};
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cert-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_pem = dir.join("roots.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let not_pem = not_pem.display().to_string();
    for (var, value, says) in [
        (
            "SIGNET_SIGNER_TRUST_ROOTS",
            "/nonexistent/roots.pem",
            "cannot read",
        ),
        (
            "SIGNET_SIGNER_TRUST_ROOTS",
            not_pem.as_str(),
            "is not a PEM bundle of certificates",
        ),
        (
            "SIGNET_PKCS11_MODULES",
            "/usr/lib/softhsm/libsofthsm2.so:relative.so",
            "not the absolute path of a file",
        ),
        ("SIGNET_ESP_CONFIG", "/nonexistent/esp.toml", "cannot read"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_signet"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("SIGNET_DATA_DIR", dir.join("data"))
            .env(var, value)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{var}={value} started");
        assert!(
            stderr.contains(var) && stderr.contains(says),
            "{var}={value}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{var}={value}: it never listened");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
