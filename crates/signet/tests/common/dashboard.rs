//! The dashboard as a browser without script sees it: a cookie jar, forms posted as
//! `application/x-www-form-urlencoded`, redirects not followed; and the CLI that makes its
//! accounts and users.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use super::Server;

/// A browser as far as the dashboard can tell: cookies kept, redirects not followed (each
/// test checks where it is sent).
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    cookies: Mutex<BTreeMap<String, String>>,
}

pub struct Page {
    pub status: u16,
    pub location: String,
    /// The answer as text (lossy where it is not UTF-8).
    pub body: String,
    /// The answer's bytes, for files.
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub disposition: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        field_value(&self.body, "csrf").unwrap_or_else(|| panic!("no csrf field in {}", self.body))
    }

    pub fn assert_redirect(&self, to: &str) {
        assert!(
            (300..400).contains(&self.status) && self.location == to,
            "expected a redirect to {to}, got {} {:?}: {}",
            self.status,
            self.location,
            self.body
        );
    }
}

/// The `value` of the first input named `name`.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

impl Browser {
    pub fn new(server: &Server) -> Browser {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
            base: server.url.clone(),
            cookies: Mutex::default(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.into(), value.into());
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let jar: Vec<String> = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = if jar.is_empty() {
            req
        } else {
            req.header("Cookie", jar.join("; "))
        };
        let res = req.send().await.expect("the server answers");
        for set in res.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (k, v) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if attributes.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), v.to_string());
            }
        }
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|l| l.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let (location, content_type, disposition) = (
            header("location"),
            header("content-type"),
            header("content-disposition"),
        );
        let status = res.status().as_u16();
        let bytes = res.bytes().await.unwrap().to_vec();
        Page {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
            content_type,
            disposition,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    /// Signs in through the form; the answer to the form.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        self.post(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf", csrf.as_str()),
            ],
        )
        .await
    }

    /// A browser signed in as `email`, at the documents.
    pub async fn signed_in(server: &Server, email: &str, password: &str) -> Browser {
        let b = Browser::new(server);
        b.sign_in(email, password)
            .await
            .assert_redirect("/app/documents");
        b
    }

    /// A form of the session posted with its CSRF token.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get("/app/documents").await.csrf();
        let mut all = form.to_vec();
        all.push(("csrf", &csrf));
        self.post(path, &all).await
    }

    /// The CSRF token of the signed-in session, from a page's forms.
    pub async fn session_csrf(&self) -> String {
        let page = self.get("/app/users").await;
        assert_eq!(page.status, 200, "{}", page.body);
        page.csrf()
    }
}

pub fn signet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_signet"))
}

/// `signet account create --admin-email`: the account and its admin's password.
pub fn create_account_with_admin(server: &Server, name: &str, email: &str) -> (Value, String) {
    let out = signet()
        .args(["account", "create", "--name", name, "--admin-email", email])
        .env("SIGNET_DATA_DIR", &server.data_dir)
        .env("SIGNET_DATABASE_URL", &server.database_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["accountId", "authToken", "privateSalt"] {
        assert!(v[field].is_string(), "{field} in {v}");
    }
    assert_eq!(v["adminEmail"], email);
    let password = v["adminPassword"].as_str().unwrap().to_string();
    (v, password)
}

/// `signet user create … --password-stdin`: its exit status, output and error.
pub fn create_user(
    server: &Server,
    account: &str,
    email: &str,
    role: &str,
    password: &str,
) -> (bool, Value, String) {
    let mut child = signet()
        .args([
            "user",
            "create",
            "--account",
            account,
            "--email",
            email,
            "--role",
            role,
        ])
        .args(["--password-stdin", "--name", "Test User"])
        .env("SIGNET_DATA_DIR", &server.data_dir)
        .env("SIGNET_DATABASE_URL", &server.database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.success(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
