//! A real `signet serve` on an ephemeral port, on SQLite or on a throwaway PostgreSQL
//! database, and an HTTP client that talks to it as Leegality clients do.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub mod dashboard;
pub mod esp;
pub mod pki;
pub mod receiver;
pub mod smtp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct Server {
    child: Child,
    pub url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pg_database: Option<String>,
    env: Vec<(String, String)>,
    /// False for a second process on another's database and files: the first cleans up.
    owns_data: bool,
    /// Where the server's log (stderr) goes; the test's own stderr when unset.
    log: Option<PathBuf>,
}

pub struct Account {
    pub id: String,
    pub token: String,
    pub salt: String,
}

/// The PostgreSQL that runs on these machines (scripts/test starts it when it is down).
fn postgres_admin_url() -> String {
    std::env::var("SIGNET_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn psql(sql: &str) {
    let out = Command::new("psql")
        .arg(format!("{}/postgres", postgres_admin_url()))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql runs (apt postgresql-client); scripts/test checks PostgreSQL is up");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn signet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_signet"))
}

impl Server {
    pub fn start(db: Db) -> Server {
        Server::start_with(db, &[])
    }

    /// With extra `SIGNET_*` settings, e.g. a short file URL lifetime.
    pub fn start_with(db: Db, env: &[(&str, &str)]) -> Server {
        Server::start_logging(db, env, None)
    }

    /// `start_with`, the log appended to `log` (read back by tests of what is logged).
    pub fn start_logging(db: Db, env: &[(&str, &str)], log: Option<PathBuf>) -> Server {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tag = format!("{}_{n}_{}", std::process::id(), ulid_like());
        let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("server-{tag}"));
        std::fs::create_dir_all(&data_dir).unwrap();
        let (database_url, pg_database) = match db {
            Db::Sqlite => (format!("sqlite://{}/signet.db", data_dir.display()), None),
            Db::Postgres => {
                let name = format!("signet_test_{tag}").to_lowercase();
                psql(&format!("CREATE DATABASE {name}"));
                (format!("{}/{name}", postgres_admin_url()), Some(name))
            }
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (child, url) = spawn_serve(&data_dir, &database_url, &env, log.as_deref());
        Server {
            child,
            url,
            data_dir,
            database_url,
            pg_database,
            env,
            owns_data: true,
            log,
        }
    }

    /// A second `signet serve` on this server's database and files, as a scaled-out
    /// deployment runs several behind a load balancer.
    pub fn start_sharing(&self) -> Server {
        let (child, url) = spawn_serve(
            &self.data_dir,
            &self.database_url,
            &self.env,
            self.log.as_deref(),
        );
        Server {
            child,
            url,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            pg_database: self.pg_database.clone(),
            env: self.env.clone(),
            owns_data: false,
            log: self.log.clone(),
        }
    }

    /// Kills the process with SIGKILL, as a crash would, and starts it again on the same
    /// database and files (on a new port).
    pub fn crash_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.restart();
    }

    /// Sets (or replaces) a variable of the environment the next `restart` starts with.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Starts the process again on the same database and files (on a new port), stopping the
    /// previous one first if it still runs (a test that restarts a live server must not leave
    /// it running after the test).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, url) = spawn_serve(
            &self.data_dir,
            &self.database_url,
            &self.env,
            self.log.as_deref(),
        );
        self.child = child;
        self.url = url;
    }

    /// Sends the process a signal (`libc::SIGTERM`, `libc::SIGINT`), as a supervisor does.
    pub fn signal(&self, signal: i32) {
        let pid = self.child.id() as i32;
        // SAFETY: kill(2) on the pid of a child this struct still owns (not yet reaped).
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill {pid}");
    }

    /// Waits up to `limit` for the process to exit; its status, or None if it is still up.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Closes every connection the server holds to its PostgreSQL database, as a restart of
    /// PostgreSQL or a proxy's idle timeout would.
    pub fn terminate_database_connections(&self) {
        let db = self.pg_database.as_ref().expect("a PostgreSQL server");
        psql(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
        ));
    }

    /// Makes the PostgreSQL database refuse new connections and closes the server's (`true`),
    /// as a database that went away does, or accept them again (`false`).
    pub fn refuse_database_connections(&self, refuse: bool) {
        let db = self.pg_database.as_ref().expect("a PostgreSQL server");
        psql(&format!(
            "ALTER DATABASE {db} ALLOW_CONNECTIONS {}",
            !refuse
        ));
        if refuse {
            self.terminate_database_connections();
        }
    }

    /// `signet account create` against the same database, as an operator runs it.
    pub fn create_account(&self, name: &str) -> Account {
        let out = signet()
            .args(["account", "create", "--name", name])
            .env("SIGNET_DATA_DIR", &self.data_dir)
            .env("SIGNET_DATABASE_URL", &self.database_url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        Account {
            id: v["accountId"].as_str().unwrap().into(),
            token: v["authToken"].as_str().unwrap().into(),
            salt: v["privateSalt"].as_str().unwrap().into(),
        }
    }

    /// Sets an invitation's language in the database itself: no request can choose one yet.
    pub async fn set_invitation_language(&self, invitation_id: &str, tag: &str) {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut db = sqlx::AnyConnection::connect(&self.database_url)
            .await
            .expect("the server's database opens");
        let changed = sqlx::query("UPDATE invitations SET language = $1 WHERE id = $2")
            .bind(tag)
            .bind(invitation_id)
            .execute(&mut db)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(changed, 1, "invitation {invitation_id}");
        db.close().await.unwrap();
    }

    /// The server process's id (its memory is read from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The root of the server's seal, as anyone fetches it.
    pub async fn root_pem(&self) -> String {
        http()
            .get(format!("{}/trust/root.pem", self.url))
            .send()
            .await
            .expect("the server answers")
            .text()
            .await
            .unwrap()
    }

    pub fn client(&self, token: &str) -> Client {
        Client {
            base: self.url.clone(),
            token: token.into(),
            http: http(),
        }
    }
}

/// Starts `signet serve` on port 0 and reads the address it printed.
fn spawn_serve(
    data_dir: &std::path::Path,
    database_url: &str,
    env: &[(String, String)],
    log: Option<&std::path::Path>,
) -> (Child, String) {
    let stderr = match log {
        Some(path) => Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .unwrap(),
        ),
        None => Stdio::inherit(),
    };
    let mut child = signet()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SIGNET_DATA_DIR", data_dir)
        .env("SIGNET_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("signet serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Some(url) = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(str::to_string)
    else {
        let _ = child.kill();
        panic!("no address in {line:?}");
    };
    (child, url)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.owns_data {
            return;
        }
        if let Some(db) = &self.pg_database {
            psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// An HTTP client. The server's reqwest is built with TLS but without a crypto provider of
/// its own, and tests share its features, so the provider the server uses is installed first.
/// A client that lets idle connections go before the server does (its header read timeout,
/// 10 s by default, also ends an idle keep-alive connection), as well-behaved clients do: a
/// test that blocks its runtime for a while (qpdf, pdfsig) would otherwise write its next
/// request into a connection the server has just closed.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap()
}

fn ulid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

pub struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

pub struct Reply {
    pub http: u16,
    pub body: Value,
}

impl Reply {
    pub fn ok(&self) -> &Value {
        assert_eq!(self.body["status"], 1, "expected success: {}", self.body);
        assert_eq!(self.http, 200);
        &self.body["data"]
    }

    /// The refusal's code, after checking the envelope's shape.
    pub fn code(&self) -> &str {
        assert_eq!(self.body["status"], 0, "expected a refusal: {}", self.body);
        assert_eq!(self.body["data"], serde_json::json!({}));
        self.body["messages"][0]["code"].as_str().expect("a code")
    }
}

impl Client {
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token);
        // Real clients send this even on body-less GETs.
        req = req.header("Content-Type", "application/json");
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let res = req.send().await.expect("the server answers");
        let http = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        Reply { http, body }
    }

    /// A GET as clients without a JSON content type send it.
    pub async fn get_plain(&self, path: &str) -> Reply {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token)
            .send()
            .await
            .unwrap();
        let http = res.status().as_u16();
        Reply {
            http,
            body: res.json().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(body)).await
    }

    /// A GET whose answer is bytes (a PDF), checked to be HTTP 200.
    pub async fn http_get_bytes(&self, path: &str) -> Vec<u8> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        res.bytes().await.unwrap().to_vec()
    }

    pub async fn raw_post(&self, path: &str, body: &str) -> Reply {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let http = res.status().as_u16();
        Reply {
            http,
            body: res.json().await.unwrap(),
        }
    }
}

/// How many signatures poppler's `pdfsig` calls valid in `file` (it exits 0 whatever it
/// finds, so its words are counted).
pub fn pdfsig_valid(file: &std::path::Path) -> usize {
    let out = Command::new("pdfsig")
        .arg(file)
        .output()
        .expect("pdfsig runs (apt poppler-utils; scripts/test installs it)");
    String::from_utf8_lossy(&out.stdout)
        .matches("Signature is Valid.")
        .count()
}

/// The common name of each signature's signer certificate, as pdfsig lists them.
pub fn pdfsig_signer_names(file: &std::path::Path) -> Vec<String> {
    let out = Command::new("pdfsig")
        .arg(file)
        .output()
        .expect("pdfsig runs (apt poppler-utils; scripts/test installs it)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- Signer Certificate Common Name: "))
        .map(str::to_string)
        .collect()
}

/// A small valid PDF with `pages` pages, built byte by byte.
pub fn pdf_with_pages(pages: usize) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Count {pages} /Kids [{}] >>",
            (0..pages)
                .map(|i| format!("{} 0 R", 3 + i))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ];
    for _ in 0..pages {
        objects.push("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".into());
    }
    pdf_from_objects(&objects)
}

/// A PDF whose objects are `objects` (object n is `objects[n - 1]`), with a correct
/// cross-reference table; object 1 must be the catalog.
pub fn pdf_from_objects(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Creates and publishes a workflow; returns its profileId.
pub async fn create_workflow(api: &Client, workflow: &Value) -> String {
    let mut w = workflow.clone();
    w["publish"] = true.into();
    api.post("/api/signet/workflows", &w).await.ok()["profileId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Sends a `pages`-page PDF to `invitees` through a workflow; returns the document id and the
/// signing links' UUIDs in slot order, read by position as clients do.
pub async fn send_pdf(
    api: &Client,
    profile_id: &str,
    name: &str,
    irn: Option<&str>,
    invitees: &Value,
) -> (String, Vec<String>) {
    send_file(api, profile_id, name, irn, &pdf_with_pages(2), invitees).await
}

/// `send_pdf` with a PDF of the caller's.
pub async fn send_file(
    api: &Client,
    profile_id: &str,
    name: &str,
    irn: Option<&str>,
    pdf: &[u8],
    invitees: &Value,
) -> (String, Vec<String>) {
    let mut req = serde_json::json!({
        "profileId": profile_id,
        "file": {"name": name, "file": base64(pdf)},
        "invitees": invitees,
    });
    if let Some(irn) = irn {
        req["irn"] = irn.into();
    }
    let reply = api.post("/api/v3.0/sign/request", &req).await;
    let d = reply.ok();
    let links = d["invitees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let url = i["signUrl"].as_str().unwrap();
            url.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    (d["documentId"].as_str().unwrap().to_string(), links)
}

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Runs each named `async fn(Db)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::Db::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::Db::Postgres).await })*
        }
    };
}

/// A Node module as scripts/test installs it under `.test-tools/node` (or where `env` says);
/// a clear failure when it has not run.
pub fn node_module(name: &str, env: &str) -> PathBuf {
    if let Ok(dir) = std::env::var(env) {
        return PathBuf::from(dir);
    }
    let tools = std::env::var("SIGNET_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.test-tools")
        });
    let dir = tools.join("node/node_modules").join(name);
    assert!(
        dir.join("package.json").exists(),
        "{} is missing: run scripts/test, which installs it (or set {env})",
        dir.display()
    );
    dir
}

/// `node tests/{script}` with playwright-core, axe-core and Chromium where the browser
/// scripts (tests/browser.cjs) look for them.
pub fn browser_script(script: &str) -> Command {
    let mut node = Command::new("node");
    node.arg(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(script),
    )
    .env(
        "PLAYWRIGHT_CORE",
        node_module("playwright-core", "SIGNET_PLAYWRIGHT_CORE"),
    )
    .env("AXE_CORE", node_module("axe-core", "SIGNET_AXE_CORE"))
    .env(
        "CHROMIUM",
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    node
}

/// The pyHanko judgement of every signature in each file, in one Python process.
pub fn pyhanko_validates(root_pem: &std::path::Path, files: &[std::path::PathBuf]) {
    let tools = std::env::var("SIGNET_TEST_TOOLS").expect("run through scripts/test");
    let python = std::path::Path::new(&tools).join("venv/bin/python");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_pdfs.py");
    let out = Command::new(python)
        .arg(script)
        .arg(root_pem)
        .args(files)
        .output()
        .expect("the venv's python runs");
    assert!(
        out.status.success(),
        "pyHanko: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
