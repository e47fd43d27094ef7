//! The HTTP side: one pooled client, Signet's envelope checked on every answer.

use std::time::Duration;

use reqwest::{Body, Method};
use serde_json::Value;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// `pool` is the number of connections kept open: one per concurrent worker, so that no
    /// iteration pays for a TCP handshake the server would not see from a real client pool.
    pub fn new(base: &str, token: &str, pool: usize) -> Api {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(pool)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(300))
            .build()
            .expect("an HTTP client with default TLS-less settings builds");
        Api {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token)
            // Leegality clients send it on body-less GETs too; the server must cope.
            .header("Content-Type", "application/json")
    }

    /// An authenticated API call; `Ok(data)` only for HTTP 200 with `status: 1`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
    ) -> Result<Value, String> {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.body(b);
        }
        envelope(req.send().await).await
    }

    /// `call` for runs that only time the answer: the envelope's status is read without
    /// building the answer as a tree (it is skipped over, not stored), so that less of the
    /// two cores the server shares with the generator goes to the generator. A failure is
    /// read in full for its message.
    pub async fn check(&self, method: Method, path: &str) -> Result<Value, String> {
        #[derive(serde::Deserialize)]
        struct Status {
            status: i64,
        }
        let res = self.request(method, path).send().await.map_err(transport)?;
        let http = res.status();
        let bytes = res.bytes().await.map_err(transport)?;
        match serde_json::from_slice::<Status>(&bytes) {
            Ok(Status { status: 1 }) if http == reqwest::StatusCode::OK => Ok(Value::Null),
            _ => envelope_of(http, &String::from_utf8_lossy(&bytes)),
        }
    }

    /// An invitee's call: the signing link's UUID is the credential, no token is sent.
    pub async fn invitee_post(&self, path: &str, body: impl Into<Body>) -> Result<Value, String> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(body);
        envelope(req.send().await).await
    }

    /// A plain GET of an absolute URL (a short-lived file URL): the byte count of a PDF.
    pub async fn download_pdf(&self, url: &str) -> Result<usize, String> {
        let res = self.http.get(url).send().await.map_err(transport)?;
        let http = res.status();
        let bytes = res.bytes().await.map_err(transport)?;
        if !http.is_success() {
            return Err(format!("HTTP {http}: {}", String::from_utf8_lossy(&bytes)));
        }
        if !bytes.starts_with(b"%PDF-") {
            return Err(format!("not a PDF ({} bytes)", bytes.len()));
        }
        Ok(bytes.len())
    }
}

/// The whole body is read before returning, so a latency includes receiving the answer.
async fn envelope(sent: reqwest::Result<reqwest::Response>) -> Result<Value, String> {
    let res = sent.map_err(transport)?;
    let http = res.status();
    let text = res.text().await.map_err(transport)?;
    envelope_of(http, &text)
}

fn envelope_of(http: reqwest::StatusCode, text: &str) -> Result<Value, String> {
    if http != reqwest::StatusCode::OK {
        return Err(format!("HTTP {http}: {}", clip(text)));
    }
    let mut v: Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {}", clip(text)))?;
    if v["status"] != 1 {
        return Err(format!("status {}: {}", v["status"], v["messages"]));
    }
    Ok(v["data"].take())
}

fn transport(e: reqwest::Error) -> String {
    // The source chain says why (connection refused, reset, timed out); the top line does not.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

fn clip(text: &str) -> &str {
    let end = text.char_indices().nth(300).map_or(text.len(), |(i, _)| i);
    &text[..end]
}
