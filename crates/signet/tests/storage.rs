//! `SIGNET_STORAGE_URL`: documents' files in an S3-compatible bucket (moto's server, which
//! scripts/test installs in its venv) under the URL's prefix, served from there and removed
//! from there when the document is deleted; another directory than the default; a URL the
//! server cannot use stops the start with a message that names the variable.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Client, Db, Server, create_workflow, send_pdf};
use serde_json::{Value, json};

/// moto's S3-compatible server on a free loopback port, stopped on drop. It takes any
/// credentials and answers unsigned requests too, which is how the test looks into it.
struct S3Server {
    child: Child,
    endpoint: String,
    http: reqwest::Client,
}

/// The venv's moto_server when scripts/test runs the tests, else the one on PATH.
fn moto_server() -> String {
    match std::env::var("SIGNET_TEST_TOOLS") {
        Ok(tools) => format!("{tools}/venv/bin/moto_server"),
        Err(_) => "moto_server".into(),
    }
}

impl S3Server {
    async fn start() -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (scripts/test installs moto[server])");
        let s3 = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            http: common::http(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while s3.http.get(&s3.endpoint).send().await.is_err() {
            assert!(Instant::now() < deadline, "moto_server did not answer");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        s3
    }

    async fn create_bucket(&self, bucket: &str) {
        let res = self
            .http
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// The keys of the bucket under `prefix`, sorted (ListObjectsV2 sorts them).
    async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let res = self
            .http
            // The test's prefixes are letters, digits, `-` and `/`: nothing to escape.
            .get(format!(
                "{}/{bucket}?list-type=2&prefix={prefix}",
                self.endpoint
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let xml = res.text().await.unwrap();
        assert!(xml.contains("<IsTruncated>false</IsTruncated>"), "{xml}");
        xml.split("<Key>")
            .skip(1)
            .map(|k| k.split("</Key>").next().unwrap().to_string())
            .collect()
    }

    /// An object's bytes. moto keeps objects private to their writer, so this one request
    /// is signed, by boto3 (which moto brings).
    fn object(&self, bucket: &str, key: &str) -> Vec<u8> {
        let python = match std::env::var("SIGNET_TEST_TOOLS") {
            Ok(tools) => format!("{tools}/venv/bin/python"),
            Err(_) => "python3".into(),
        };
        let out = Command::new(python)
            .args([
                "-c",
                "import sys, boto3\n\
                 s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',\n\
                     aws_access_key_id='reader', aws_secret_access_key='reader')\n\
                 sys.stdout.buffer.write(s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read())",
                &self.endpoint,
                bucket,
                key,
            ])
            .output()
            .expect("python runs boto3");
        assert!(
            out.status.success(),
            "{key}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn one_signer() -> Value {
    json!({"name": "Stored", "invitees": [{"label": "Borrower", "inviteeType": "Signer",
           "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]}]})
}

fn asha() -> Value {
    json!([{"name": "Asha Rao", "email": "asha@example.com"}])
}

async fn sign(invitee: &Client, link: &str) {
    let typed = json!({"signatureType": "VIRTUAL_SIGN",
                       "mark": {"kind": "typed", "text": "Asha Rao"}, "consent": true});
    let signed = invitee
        .post(&format!("/api/sign/{link}/sign"), &typed)
        .await;
    assert_eq!(signed.ok()["completed"], true);
}

async fn get_bytes(http: &reqwest::Client, url: &str) -> Vec<u8> {
    let res = http.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.unwrap().to_vec()
}

async fn files_in_a_bucket(db: Db) {
    const BUCKET: &str = "signet-files";
    let s3 = S3Server::start().await;
    s3.create_bucket(BUCKET).await;
    let server = Server::start_with(
        db,
        &[
            ("SIGNET_STORAGE_URL", &format!("s3://{BUCKET}/deploy/one/")),
            ("AWS_ACCESS_KEY_ID", "signet-test"),
            ("AWS_SECRET_ACCESS_KEY", "signet-test-secret"),
            ("AWS_REGION", "ap-south-1"),
            ("AWS_ENDPOINT_URL", &s3.endpoint),
        ],
    );
    let api = server.client(&server.create_account("Acme").token);
    let invitee = server.client("");
    let http = common::http();
    let profile = create_workflow(&api, &one_signer()).await;
    let (id, links) = send_pdf(&api, &profile, "Stored", None, &asha()).await;
    let under = format!("deploy/one/documents/{id}/");
    assert_eq!(s3.keys(BUCKET, &under).await, [format!("{under}v1.pdf")]);
    assert!(
        !server.data_dir.join("objects").exists(),
        "nothing is stored in the data directory"
    );

    sign(&invitee, &links[0]).await;
    let signed = get_bytes(&http, &format!("{}/api/sign/{}/file", server.url, links[0])).await;
    let root_pem = server.root_pem().await;
    let roots = signet_pdf::keys::load_certificates_pem(&root_pem).unwrap();
    let report =
        signet_pdf::verify::verify(&signed, &roots, &signet_pdf::Limits::default()).unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert!(report.all_good(), "{report:#?}");

    let d = api
        .get(&format!(
            "/api/v3.3/document/details?documentId={id}&file=true&auditTrail=true"
        ))
        .await;
    let d = d.ok();
    let file_url = d["file"].as_str().unwrap();
    assert_eq!(get_bytes(&http, file_url).await, signed);
    let audit = get_bytes(&http, d["auditTrail"].as_str().unwrap()).await;

    // Every file of the document under its prefix, each as served.
    let keys = s3.keys(BUCKET, &under).await;
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(keys[0], format!("{under}audit-trail.pdf"));
    assert_eq!(keys[1], format!("{under}v1.pdf"));
    assert!(keys[2].starts_with(&format!("{under}v2-")), "{keys:?}");
    assert_eq!(s3.object(BUCKET, &keys[0]), audit);
    assert_eq!(s3.object(BUCKET, &keys[2]), signed);
    assert!(!server.data_dir.join("objects").exists());

    // Deleting the document removes its versions from the bucket, and only its own; the
    // audit trail stays as the record of what happened.
    let (other, _) = send_pdf(&api, &profile, "Kept", None, &asha()).await;
    let other_under = format!("deploy/one/documents/{other}/");
    let deleted = api
        .send(
            "DELETE",
            &format!("/api/v3.0/sign/request?documentId={id}"),
            None,
        )
        .await;
    assert_eq!(
        deleted.ok(),
        &json!({}),
        "{}",
        deleted.body["messages"][0]["code"]
    );
    assert_eq!(
        s3.keys(BUCKET, &under).await,
        [format!("{under}audit-trail.pdf")]
    );
    assert_eq!(
        s3.keys(BUCKET, &other_under).await,
        [format!("{other_under}v1.pdf")]
    );
    assert_ne!(
        http.get(file_url).send().await.unwrap().status(),
        200,
        "a deleted version is not served"
    );
}

on_both_databases!(files_in_a_bucket);

/// `file://` names another directory than the data directory's `objects`.
#[tokio::test]
async fn files_in_another_directory() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "storage-elsewhere-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let url = format!("file://{}", dir.display());
    let server = Server::start_with(Db::Sqlite, &[("SIGNET_STORAGE_URL", &url)]);
    let api = server.client(&server.create_account("Acme").token);
    let profile = create_workflow(&api, &one_signer()).await;
    let (id, links) = send_pdf(&api, &profile, "Elsewhere", None, &asha()).await;
    sign(&server.client(""), &links[0]).await;
    let served = get_bytes(
        &common::http(),
        &format!("{}/api/sign/{}/file", server.url, links[0]),
    )
    .await;
    let versions: Vec<_> = std::fs::read_dir(dir.join(format!("documents/{id}")))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("v2-"))
        .collect();
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(
        std::fs::read(dir.join(format!("documents/{id}/{}", versions[0]))).unwrap(),
        served
    );
    assert!(!server.data_dir.join("objects").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A URL the server cannot store files at stops `serve` before it listens, with a message
/// that names the variable and what it takes.
#[test]
fn a_bad_storage_url_stops_the_start() {
    for (url, says) in [
        ("ftp://x", "must be file://DIRECTORY or s3://BUCKET/PREFIX"),
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("s3://Not_A_Bucket/p", "is not a bucket name"),
    ] {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("storage-bad-{}", std::process::id()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("SIGNET_DATA_DIR", &dir)
            .env("SIGNET_STORAGE_URL", url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{url}: the server started");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url}");
        assert!(
            stderr.contains("SIGNET_STORAGE_URL") && stderr.contains(says),
            "{url}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{url}: it never listened");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
