//! The HTTP transport to the RFC 3161 timestamp authority of `SIGNET_TSA_URL` (the engine
//! speaks no HTTP: it asks through `TimestampAuthority`). Every failure is the engine's
//! `Error::Timestamp`, so a signature that should carry a timestamp fails instead of being
//! stored without one; the cause goes to the log, the client learns only which step failed.

use std::time::Duration;

use signet_pdf::Error;

/// A token with its certificate chain is 3–6 KB; the engine reserves 12 KB for it in the
/// signature. Anything much larger is not a timestamp, and is not read into memory.
const MAX_ANSWER: usize = 64 * 1024;

pub struct HttpTsa {
    url: String,
    client: reqwest::Client,
    /// The engine asks from a blocking thread; the request runs on the server's runtime.
    runtime: tokio::runtime::Handle,
}

impl HttpTsa {
    /// Must be called inside the runtime.
    pub fn new(url: &str, timeout: Duration) -> Result<HttpTsa, String> {
        // reqwest is built without a crypto provider of its own (see webhooks/dispatcher.rs).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("timestamp authority client: {e}"))?;
        Ok(HttpTsa {
            url: url.to_string(),
            client,
            runtime: tokio::runtime::Handle::current(),
        })
    }

    async fn post(&self, request_der: &[u8]) -> Result<Vec<u8>, Failure> {
        let mut answer = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .body(request_der.to_vec())
            .send()
            .await
            .map_err(|e| Failure::unreachable(&e))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(Failure {
                public: format!("it answered HTTP {}", status.as_u16()),
                cause: format!("HTTP {status}"),
            });
        }
        let too_large = || Failure {
            public: "its answer is too large to be a timestamp".into(),
            cause: format!("answer over {MAX_ANSWER} bytes"),
        };
        if answer
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|e| Failure::unreachable(&e))? {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// What the client is told, and what the log keeps.
struct Failure {
    public: String,
    cause: String,
}

impl Failure {
    fn unreachable(e: &reqwest::Error) -> Failure {
        let public = if e.is_timeout() {
            "no answer in time"
        } else {
            "it could not be reached"
        };
        // reqwest's own message names only the step; the reason is in its sources.
        let mut cause = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause.push_str(": ");
            cause.push_str(&s.to_string());
            source = s.source();
        }
        Failure {
            public: public.into(),
            cause,
        }
    }
}

impl signet_pdf::timestamp::TimestampAuthority for HttpTsa {
    fn exchange(&self, request_der: &[u8]) -> signet_pdf::Result<Vec<u8>> {
        self.runtime.block_on(self.post(request_der)).map_err(|f| {
            tracing::warn!(cause = %f.cause, "timestamp authority failed");
            Error::Timestamp(f.public)
        })
    }
}
