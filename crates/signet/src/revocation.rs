//! The HTTP transport to the OCSP responders and CRL distribution points that signers'
//! certificates name (the engine speaks no HTTP: it asks through `RevocationSource`). Every
//! failure is the engine's `Error::RevocationUnavailable`, so a signature whose revocation data
//! cannot be had stays as it is rather than failing; the cause goes to the log, the client
//! learns only which step failed.
//!
//! The addresses come from certificates, which a signer chooses: unless private addresses are
//! allowed (tests, private PKIs), a name resolving to a loopback or private address is refused
//! in the resolver, as for webhooks, so a certificate cannot make the server reach inside its
//! own network.

use std::sync::Arc;
use std::time::Duration;

use signet_pdf::Error;
use signet_pdf::revocation::{MAX_CRL, MAX_OCSP_RESPONSE, RevocationSource};

use crate::webhooks::address::{PublicOnly, private_literal_host};

pub struct HttpRevocation {
    client: reqwest::Client,
    allow_private: bool,
    /// The engine asks from a blocking thread; the request runs on the server's runtime.
    runtime: tokio::runtime::Handle,
}

impl HttpRevocation {
    /// Must be called inside the runtime. `timeout` bounds each request, answer included.
    pub fn new(timeout: Duration, allow_private: bool) -> Result<HttpRevocation, String> {
        // reqwest is built without a crypto provider of its own (see webhooks/dispatcher.rs).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("Signet/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder
            .build()
            .map_err(|e| format!("revocation HTTP client: {e}"))?;
        Ok(HttpRevocation {
            client,
            allow_private,
            runtime: tokio::runtime::Handle::current(),
        })
    }

    async fn fetch(&self, request: Request<'_>) -> Result<Vec<u8>, Failure> {
        let url = request.url();
        if !url
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
        {
            return Err(Failure {
                public: "it is not an http address".into(),
                cause: format!("refused scheme of {url}"),
            });
        }
        if !self.allow_private
            && let Some(host) = private_literal_host(url)
        {
            return Err(Failure {
                public: "it is a loopback or private address".into(),
                cause: format!("refused {host}"),
            });
        }
        let (builder, limit) = match request {
            Request::Ocsp { url, body } => (
                self.client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
                    .header(reqwest::header::ACCEPT, "application/ocsp-response")
                    .body(body.to_vec()),
                MAX_OCSP_RESPONSE,
            ),
            Request::Crl { url } => (self.client.get(url), MAX_CRL),
        };
        let mut answer = builder.send().await.map_err(|e| Failure::unreachable(&e))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(Failure {
                public: format!("it answered HTTP {}", status.as_u16()),
                cause: format!("HTTP {status}"),
            });
        }
        let too_large = || Failure {
            public: "its answer is too large".into(),
            cause: format!("answer over {limit} bytes"),
        };
        if answer.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|e| Failure::unreachable(&e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn run(&self, request: Request<'_>) -> signet_pdf::Result<Vec<u8>> {
        let what = request.what();
        let url = request.url().to_string();
        self.runtime.block_on(self.fetch(request)).map_err(|f| {
            tracing::warn!(%url, cause = %f.cause, "{what} failed");
            Error::RevocationUnavailable(format!("{what} {url}: {}", f.public))
        })
    }
}

enum Request<'a> {
    Ocsp { url: &'a str, body: &'a [u8] },
    Crl { url: &'a str },
}

impl Request<'_> {
    fn url(&self) -> &str {
        match self {
            Request::Ocsp { url, .. } | Request::Crl { url } => url,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Request::Ocsp { .. } => "the OCSP responder",
            Request::Crl { .. } => "the CRL download",
        }
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

impl RevocationSource for HttpRevocation {
    fn ocsp(&self, url: &str, request_der: &[u8]) -> signet_pdf::Result<Vec<u8>> {
        self.run(Request::Ocsp {
            url,
            body: request_der,
        })
    }

    fn crl(&self, url: &str) -> signet_pdf::Result<Vec<u8>> {
        self.run(Request::Crl { url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-answer-per-connection HTTP server on loopback; each connection gets `answer`
    /// whatever it asked, and the request's head is kept for the test to read.
    fn serve(
        rt: &tokio::runtime::Runtime,
        answer: Vec<u8>,
    ) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        rt.spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let mut buf = vec![0u8; 8192];
                let n = conn.read(&mut buf).await.unwrap_or(0);
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let _ = conn.write_all(&answer).await;
                let _ = conn.shutdown().await;
            }
        });
        (base, seen)
    }

    fn ok_answer(body: &[u8]) -> Vec<u8> {
        let mut answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        answer.extend_from_slice(body);
        answer
    }

    fn transport(rt: &tokio::runtime::Runtime, allow_private: bool) -> HttpRevocation {
        rt.block_on(async { HttpRevocation::new(Duration::from_secs(5), allow_private) })
            .unwrap()
    }

    fn unavailable(r: signet_pdf::Result<Vec<u8>>) -> String {
        match r {
            Err(Error::RevocationUnavailable(m)) => m,
            other => panic!("expected RevocationUnavailable, got {other:?}"),
        }
    }

    #[test]
    fn posts_ocsp_requests_and_gets_crls() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (base, seen) = serve(&rt, ok_answer(b"answer"));
        let http = transport(&rt, true);
        let url = format!("{base}/ocsp");
        assert_eq!(http.ocsp(&url, b"request").unwrap(), b"answer");
        assert_eq!(http.crl(&format!("{base}/a.crl")).unwrap(), b"answer");
        let seen = seen.lock().unwrap();
        assert!(seen[0].starts_with("POST /ocsp HTTP/1.1"), "{}", seen[0]);
        assert!(
            seen[0]
                .to_ascii_lowercase()
                .contains("content-type: application/ocsp-request"),
            "{}",
            seen[0]
        );
        assert!(seen[0].ends_with("request"), "{}", seen[0]);
        assert!(seen[1].starts_with("GET /a.crl HTTP/1.1"), "{}", seen[1]);
    }

    #[test]
    fn redirects_errors_and_oversized_answers_are_refused() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let http = transport(&rt, true);

        let (base, _) = serve(
            &rt,
            b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\n\
              Content-Length: 0\r\n\r\n"
                .to_vec(),
        );
        let m = unavailable(http.ocsp(&format!("{base}/ocsp"), b"r"));
        assert!(m.contains("HTTP 302"), "{m}");

        let (base, _) = serve(
            &rt,
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                MAX_OCSP_RESPONSE + 1
            )
            .into_bytes(),
        );
        let m = unavailable(http.ocsp(&format!("{base}/ocsp"), b"r"));
        assert!(m.contains("too large"), "{m}");

        // No length announced: the body is cut off at the limit all the same.
        let mut chunked = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        chunked.extend(vec![b'x'; MAX_OCSP_RESPONSE + 10]);
        let (base, _) = serve(&rt, chunked);
        let m = unavailable(http.ocsp(&format!("{base}/ocsp"), b"r"));
        assert!(m.contains("too large"), "{m}");

        let m = unavailable(http.crl("ftp://example.org/a.crl"));
        assert!(m.contains("not an http address"), "{m}");
    }

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (base, seen) = serve(&rt, ok_answer(b"answer"));
        let http = transport(&rt, false);
        let m = unavailable(http.crl(&format!("{base}/a.crl")));
        assert!(m.contains("private"), "{m}");
        let port = base.rsplit(':').next().unwrap();
        let m = unavailable(http.crl(&format!("http://localhost:{port}/a.crl")));
        assert!(
            m.contains("could not be reached") || m.contains("private"),
            "{m}"
        );
        assert!(
            seen.lock().unwrap().is_empty(),
            "nothing reached the server"
        );
    }
}
