//! `SIGNET_TSA_URL`: with a real RFC 3161 authority (`openssl ts` behind the engine's test
//! HTTP server), every signature and the audit-trail seal are PAdES B-T as pyHanko judges
//! them, and pdfsig still finds them valid; with the authority stopped or answering garbage,
//! signing fails with `signing.timestamp.failed` and the document is left as it was.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::pki::Tsa;
use common::{Client, Db, Server};
use serde_json::{Value, json};

/// `$SIGNET_TEST_TOOLS` (exported by scripts/test), else `<workspace>/.test-tools`.
fn tool(name: &str) -> PathBuf {
    let tools = std::env::var_os("SIGNET_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.test-tools"));
    let venv = tools.join("venv/bin").join(name);
    assert!(
        venv.is_file(),
        "{venv:?} is missing: run scripts/test, which installs pyHanko in its venv"
    );
    venv
}

fn openssl(dir: &Path, args: &str) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args.split_whitespace())
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A root and a TSA certificate it issued (critical extendedKeyUsage timeStamping), and the
/// `openssl ts -reply` configuration that answers with them.
struct TsaPki {
    dir: PathBuf,
}

impl TsaPki {
    fn new(dir: PathBuf) -> TsaPki {
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.as_path();
        openssl(
            d,
            "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root.key",
        );
        Command::new("openssl")
            .current_dir(d)
            .args([
                "req", "-x509", "-new", "-key", "root.key", "-sha256", "-days", "3650",
            ])
            .args(["-subj", "/O=Signet tests/CN=Signet Test TSA Root"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            .args(["-out", "root.pem"])
            .output()
            .unwrap();
        openssl(
            d,
            "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out tsa.key",
        );
        std::fs::write(
            d.join("tsa.ext"),
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,nonRepudiation\n\
             extendedKeyUsage=critical,timeStamping\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        Command::new("openssl")
            .current_dir(d)
            .args(["req", "-new", "-key", "tsa.key", "-out", "tsa.csr"])
            .args(["-subj", "/O=Signet tests/CN=Signet Test TSA"])
            .output()
            .unwrap();
        openssl(
            d,
            "x509 -req -in tsa.csr -CA root.pem -CAkey root.key -sha256 -days 3650 \
             -set_serial 0x5157 -extfile tsa.ext -out tsa.pem",
        );
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        std::fs::write(
            d.join("tsa.cnf"),
            format!(
                "[ tsa ]\ndefault_tsa = test_tsa\n[ test_tsa ]\nserial = {d}/tsaserial\n\
                 crypto_device = builtin\nsigner_cert = {d}/tsa.pem\ncerts = {d}/root.pem\n\
                 signer_key = {d}/tsa.key\nsigner_digest = sha256\n\
                 default_policy = 1.3.6.1.4.1.55555.1.1\ndigests = sha256, sha384, sha512\n\
                 accuracy = secs:1\nordering = yes\ntsa_name = yes\n\
                 ess_cert_id_chain = no\ness_cert_id_alg = sha256\n",
                d = d.display()
            ),
        )
        .unwrap();
        TsaPki { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root.pem")
    }
}

/// A one-signer workflow with a visible mark; returns the document id and the signing link.
async fn send_one(api: &Client) -> (String, String) {
    let w = json!({"name": "Timestamped", "invitees": [
        {"label": "Signer", "inviteeType": "Signer",
         "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}
    ]});
    let profile = common::create_workflow(api, &w).await;
    let (id, links) = common::send_pdf(
        api,
        &profile,
        "Timestamped agreement",
        None,
        &json!([{"name": "Asha Rao", "email": "asha@example.com"}]),
    )
    .await;
    (id, links[0].clone())
}

fn sign_body() -> Value {
    json!({"signatureType": "VIRTUAL_SIGN", "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": true})
}

/// pyHanko's verdict on every signature of `pdf`, trusting `roots`.
fn pyhanko(dir: &Path, name: &str, pdf: &[u8], roots: &[PathBuf]) -> Vec<Value> {
    let file = dir.join(name);
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new(tool("python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/pyhanko_bt.py"))
        .arg(&file)
        .args(roots)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyhanko_bt.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pdfsig_valid(dir: &Path, name: &str, pdf: &[u8]) -> usize {
    let file = dir.join(name);
    std::fs::write(&file, pdf).unwrap();
    common::pdfsig_valid(&file)
}

async fn signatures_and_the_audit_trail_are_b_t(db: Db) {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("tsa-bt-{db:?}-{}", std::process::id()));
    let pki = TsaPki::new(scratch.join("pki"));
    let tsa = Tsa::start(&pki.dir.join("tsa.cnf"), "ok");
    let server = Server::start_with(db, &[("SIGNET_TSA_URL", &tsa.url)]);
    let token = server.create_account("Acme").token;
    let api = server.client(&token);
    let (id, link) = send_one(&api).await;
    let invitee = server.client("");
    let signed = invitee
        .post(&format!("/api/sign/{link}/sign"), &sign_body())
        .await;
    assert_eq!(signed.ok()["completed"], true);

    let d = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&file=true&auditTrail=true"
        ))
        .await;
    let d = d.ok();
    let http = common::http();
    let root_pem = server.root_pem().await;
    std::fs::write(scratch.join("signet-root.pem"), &root_pem).unwrap();
    let roots = [scratch.join("signet-root.pem"), pki.root()];
    for key in ["file", "auditTrail"] {
        let url = d[key].as_str().unwrap();
        let pdf = http
            .get(url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let verdicts = pyhanko(&scratch, &format!("{key}.pdf"), &pdf, &roots);
        assert_eq!(verdicts.len(), 1, "{key}: {verdicts:?}");
        for v in &verdicts {
            assert_eq!(v["subfilter"], "/ETSI.CAdES.detached", "{key}: {v}");
            for verdict in ["intact", "valid", "trusted", "bottom_line"] {
                assert_eq!(v[verdict], true, "{key}: {verdict}: {v}");
            }
            let ts = &v["timestamp"];
            assert!(ts.is_object(), "{key} carries a signature timestamp: {v}");
            for verdict in ["intact", "valid", "trusted"] {
                assert_eq!(ts[verdict], true, "{key}: timestamp {verdict}: {v}");
            }
            assert!(
                ts["tsa"].as_str().unwrap().contains("Signet Test TSA"),
                "{v}"
            );
        }
        assert_eq!(
            pdfsig_valid(&scratch, &format!("{key}-pdfsig.pdf"), &pdf),
            1,
            "{key}"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Signs against an authority that fails (`mode`, or stopped when `None`): the signature is
/// refused with the code, and the document's file, its invitation and its status are as
/// before.
async fn refused_when_the_authority_fails(db: Db, mode: Option<&str>) {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "tsa-down-{db:?}-{}-{}",
        mode.unwrap_or("stopped"),
        std::process::id()
    ));
    let pki = TsaPki::new(scratch.join("pki"));
    let tsa = Tsa::start(&pki.dir.join("tsa.cnf"), mode.unwrap_or("ok"));
    let server = Server::start_with(
        db,
        &[("SIGNET_TSA_URL", &tsa.url), ("SIGNET_TSA_TIMEOUT", "2s")],
    );
    if mode.is_none() {
        drop(tsa);
    }
    let token = server.create_account("Acme").token;
    let api = server.client(&token);
    let (id, link) = send_one(&api).await;
    let invitee = server.client("");
    let before = invitee
        .http_get_bytes(&format!("/api/sign/{link}/file"))
        .await;
    let refused = invitee
        .post(&format!("/api/sign/{link}/sign"), &sign_body())
        .await;
    assert_eq!(refused.code(), "signing.timestamp.failed", "{:?}", mode);
    let message = refused.body["messages"][0]["message"].as_str().unwrap();
    assert!(
        !message.contains("127.0.0.1"),
        "no address reaches the client: {message}"
    );
    assert_eq!(
        invitee
            .http_get_bytes(&format!("/api/sign/{link}/file"))
            .await,
        before,
        "the document is unchanged"
    );
    let view = invitee.get(&format!("/api/sign/{link}")).await;
    assert_eq!(view.ok()["signed"], false);
    let d = api
        .get(&format!("/api/v3.3/document/details?documentId={id}"))
        .await;
    assert_eq!(d.ok()["document"]["status"], "SENT");
    let _ = std::fs::remove_dir_all(&scratch);
}

async fn stopped_authority_refuses_the_signature(db: Db) {
    refused_when_the_authority_fails(db, None).await;
}

async fn garbage_from_the_authority_refuses_the_signature(db: Db) {
    refused_when_the_authority_fails(db, Some("garbage")).await;
}

async fn failing_authority_refuses_the_signature(db: Db) {
    refused_when_the_authority_fails(db, Some("http-error")).await;
}

async fn silent_authority_refuses_the_signature(db: Db) {
    refused_when_the_authority_fails(db, Some("hang")).await;
}

on_both_databases!(
    signatures_and_the_audit_trail_are_b_t,
    stopped_authority_refuses_the_signature,
    garbage_from_the_authority_refuses_the_signature,
    failing_authority_refuses_the_signature,
    silent_authority_refuses_the_signature
);
