//! `signet verify` as an operator runs it: the real binary, real files, exit codes and output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use signet_pdf::audit::{AuditEvent, AuditTrail, chain, seal_audit_trail};
use signet_pdf::keys::{
    SealingKeys, certificate_to_pem, generate_root, load_or_create_sealing_keys,
};
use signet_pdf::sign::{SignatureOptions, sign};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("verify-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn signet(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(args)
        .env("SIGNET_DATA_DIR", data_dir)
        .output()
        .expect("the signet binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A one-page PDF, then signed twice by the server's sealing key kept under `data_dir/keys`.
fn signed_pdf(dir: &Scratch) -> (PathBuf, SealingKeys) {
    let keys = load_or_create_sealing_keys(&dir.path("data/keys"), "Signet Test").unwrap();
    let mut pdf = one_page_pdf();
    for name in ["Asha Rao", "Ravi Kumar"] {
        let mut o = SignatureOptions::new(time::OffsetDateTime::now_utc());
        o.name = Some(name.into());
        let appended = sign(&pdf, &o, &keys.signer, None).unwrap();
        pdf.extend_from_slice(&appended);
    }
    let path = dir.path("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    (path, keys)
}

fn one_page_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

#[test]
fn intact_signatures_pass_with_the_servers_own_root_by_default() {
    let dir = Scratch::new("intact");
    let (pdf, _) = signed_pdf(&dir);
    let out = signet(&["verify", pdf.to_str().unwrap()], &dir.path("data"));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.matches("INTACT, TRUSTED").count(), 2, "{text}");
    assert!(
        text.contains("Asha Rao") && text.contains("Ravi Kumar"),
        "{text}"
    );
    assert!(text.contains("covers     the whole file"), "{text}");
}

#[test]
fn json_report_for_machines() {
    let dir = Scratch::new("json");
    let (pdf, _) = signed_pdf(&dir);
    let out = signet(
        &["verify", "--json", pdf.to_str().unwrap()],
        &dir.path("data"),
    );
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["digest_matches"], true);
    assert_eq!(sigs[0]["signature_valid"], true);
    assert_eq!(sigs[0]["trust"], "trusted");
    assert_eq!(sigs[0]["revision"], 2);
    assert_eq!(sigs[1]["covers_whole_file"], true);
    assert_eq!(report["unsigned_tail"], 0);
}

#[test]
fn an_altered_byte_fails_with_a_reason() {
    let dir = Scratch::new("altered");
    let (pdf, _) = signed_pdf(&dir);
    let mut bytes = std::fs::read(&pdf).unwrap();
    bytes[150] ^= 0x20;
    std::fs::write(&pdf, bytes).unwrap();
    let out = signet(&["verify", pdf.to_str().unwrap()], &dir.path("data"));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("DOES NOT MATCH") && text.contains("FAILED"),
        "{text}"
    );
}

#[test]
fn an_unrelated_root_is_not_trusted() {
    let dir = Scratch::new("untrusted");
    let (pdf, _) = signed_pdf(&dir);
    let (other, _) = generate_root("Someone Else", "Elsewhere").unwrap();
    std::fs::write(dir.path("other.pem"), certificate_to_pem(&other)).unwrap();
    let out = signet(
        &[
            "verify",
            "--trust",
            dir.path("other.pem").to_str().unwrap(),
            pdf.to_str().unwrap(),
        ],
        &dir.path("data"),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("INTACT, UNTRUSTED") && text.contains("NOT TRUSTED"),
        "{text}"
    );
}

#[test]
fn bad_inputs_get_a_clear_error_not_a_panic() {
    let dir = Scratch::new("bad");
    std::fs::write(dir.path("empty.pem"), "").unwrap();
    std::fs::write(dir.path("not.pdf"), "hello").unwrap();
    let (pdf, _) = signed_pdf(&dir);
    for (args, needle) in [
        (
            vec!["verify", dir.path("not.pdf").to_str().unwrap()],
            "not a PDF",
        ),
        (
            vec!["verify", dir.path("missing.pdf").to_str().unwrap()],
            "cannot read",
        ),
        (
            vec![
                "verify",
                "--trust",
                dir.path("empty.pem").to_str().unwrap(),
                pdf.to_str().unwrap(),
            ],
            "empty.pem",
        ),
    ] {
        let out = signet(&args, &dir.path("data"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // An unsigned PDF is not a pass.
    std::fs::write(dir.path("plain.pdf"), one_page_pdf()).unwrap();
    let out = signet(
        &["verify", dir.path("plain.pdf").to_str().unwrap()],
        &dir.path("data"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("no signatures"));
}

#[test]
fn a_sealed_audit_trail_passes_with_its_chain_rechecked() {
    let dir = Scratch::new("audit");
    let keys = load_or_create_sealing_keys(&dir.path("data/keys"), "Signet Test").unwrap();
    let events: Vec<AuditEvent> = ["Created", "Sent", "Signed"]
        .iter()
        .enumerate()
        .map(|(i, action)| AuditEvent {
            time: format!("2026-11-29T10:0{i}:00+05:30"),
            actor: "आशा राव <asha@example.com>".into(),
            action: action.to_string(),
            ip: Some("203.0.113.7".into()),
            user_agent: Some("Mozilla/5.0".into()),
            details: "signature type VIRTUAL_SIGN".into(),
        })
        .collect();
    let trail = AuditTrail {
        document_name: "Loan agreement".into(),
        document_id: "01KMFEE9T8WPY0WPWXQHQ7DTJ2".into(),
        original_sha256: [1; 32],
        final_sha256: [2; 32],
        generated_at: "29-11-2026 10:03:00 IST".into(),
        hashes: chain(&events),
        events,
    };
    let sealed =
        seal_audit_trail(&trail, &keys.signer, time::OffsetDateTime::now_utc(), None).unwrap();
    std::fs::write(dir.path("audit.pdf"), sealed).unwrap();
    let out = signet(
        &["verify", dir.path("audit.pdf").to_str().unwrap()],
        &dir.path("data"),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("Audit trail of document 01KMFEE9T8WPY0WPWXQHQ7DTJ2: 3 event(s)"),
        "{text}"
    );
    assert!(text.contains("hash chain intact"), "{text}");
    assert!(text.contains("INTACT, TRUSTED"), "{text}");
}
