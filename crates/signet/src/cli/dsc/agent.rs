//! `signet dsc agent --pkcs11-module PATH --allow-origin URL [--listen 127.0.0.1:47801]`: the
//! signer's local helper. The signing page lists the token's certificates through it and has
//! it sign `toBeSigned` with the PIN the signer typed.
//!
//! Whoever reaches the agent can try PINs on the signer's token, so it listens on loopback
//! only and answers one origin: a request whose `Origin` is not exactly `--allow-origin` is
//! refused without CORS headers (another site's page cannot read an answer or send a
//! preflighted request), and one whose `Host` is not the loopback address (or `localhost`) at
//! the agent's port is refused too, so a name rebound to 127.0.0.1 by a hostile DNS server
//! does not make another site same-origin with the agent.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use signet_pkcs11::secrecy::zeroize::Zeroizing;
use signet_pkcs11::{KeySelector, Module, SecretString, TokenCertificate, common_name};

use super::{algorithm_name, base64, chain_to_send, unbase64};

/// A sign request carries a PIN, an id and a few hundred bytes of signed attributes.
const MAX_BODY: usize = 64 * 1024;

#[derive(clap::Args)]
pub struct AgentArgs {
    /// The token's PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long = "pkcs11-module", value_name = "PATH")]
    module: PathBuf,
    /// The Signet server whose signing page may use the agent, as the browser names it in
    /// `Origin` (scheme, host and port: https://sign.example.in).
    #[arg(long = "allow-origin", value_name = "URL")]
    allow_origin: String,
    /// The loopback address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:47801", value_name = "ADDRESS:PORT")]
    listen: String,
}

/// A refusal as the page reads it: `{"error": {"code", "message"}}`.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<signet_pkcs11::Error> for Refusal {
    fn from(e: signet_pkcs11::Error) -> Self {
        use signet_pkcs11::Error as E;
        let status = match &e {
            E::ModuleUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            E::TokenNotFound(_) | E::KeyNotFound(_) => StatusCode::NOT_FOUND,
            E::KeyAmbiguous(_) => StatusCode::CONFLICT,
            E::PinIncorrect => StatusCode::UNAUTHORIZED,
            E::PinLocked => StatusCode::LOCKED,
            E::KeyUnsupported(_) => StatusCode::UNPROCESSABLE_ENTITY,
            E::SigningFailed(_) => StatusCode::BAD_GATEWAY,
        };
        Refusal::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, axum::Json(body)).into_response()
    }
}

struct Agent {
    module: Arc<Module>,
    origin: HeaderValue,
    /// The `Host` values that name this agent.
    hosts: Vec<String>,
    /// One signature at a time: PIN attempts come one after the other, never in a burst.
    signing: tokio::sync::Mutex<()>,
}

pub fn run(args: AgentArgs) -> ExitCode {
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("signet dsc agent: {e}");
            ExitCode::FAILURE
        }
    }
}

fn start(args: AgentArgs) -> Result<(), String> {
    let listen = loopback(&args.listen)?;
    let origin = origin(&args.allow_origin)?;
    let module = Module::load(&args.module).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        let agent = Arc::new(Agent {
            module,
            origin: HeaderValue::from_str(&origin).map_err(|e| e.to_string())?,
            hosts: hosts(bound),
            signing: tokio::sync::Mutex::new(()),
        });
        // Tests and supervisors read the address (the port may have been 0) from this line.
        println!("signet dsc agent listening on http://{bound} for {origin}");
        let app = routes(agent);
        axum::serve(listener, app)
            .with_graceful_shutdown(crate::ops::shutdown::signal())
            .await
            .map_err(|e| e.to_string())
    })
}

/// `--listen` as a loopback socket address (`localhost` is 127.0.0.1).
fn loopback(listen: &str) -> Result<SocketAddr, String> {
    let parsed = match listen.strip_prefix("localhost:") {
        Some(port) => port
            .parse::<u16>()
            .map(|p| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p))
            .ok(),
        None => listen.parse::<SocketAddr>().ok(),
    };
    let Some(addr) = parsed else {
        return Err(format!(
            "--listen {listen:?}: give a loopback address and port, e.g. 127.0.0.1:47801"
        ));
    };
    if !addr.ip().is_loopback() {
        return Err(format!(
            "--listen {listen}: the agent listens on loopback only (127.0.0.1 or [::1]): it \
             signs with the token for whoever reaches it"
        ));
    }
    Ok(addr)
}

/// `--allow-origin` as browsers write `Origin`: scheme, host, and the port unless default.
fn origin(allow: &str) -> Result<String, String> {
    let invalid =
        |why: &str| format!("--allow-origin {allow:?}: {why}, e.g. https://sign.example.in");
    let url = reqwest::Url::parse(allow.trim()).map_err(|_| invalid("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("not an http or https origin"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("an origin has no path, query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("an origin has no user"));
    }
    Ok(url.origin().ascii_serialization())
}

fn hosts(bound: SocketAddr) -> Vec<String> {
    let port = bound.port();
    let mut hosts = vec![bound.to_string(), format!("localhost:{port}")];
    if port == 80 {
        // Browsers leave the default port out of Host.
        hosts.push(match bound.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        });
        hosts.push("localhost".into());
    }
    hosts
}

fn routes(agent: Arc<Agent>) -> Router {
    Router::new()
        .route("/v1/certificates", get(certificates))
        .route("/v1/sign", post(sign))
        .fallback(|| async {
            Refusal::new(StatusCode::NOT_FOUND, "agent.not.found", "no such endpoint")
        })
        .method_not_allowed_fallback(|| async {
            Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "agent.method.not.allowed",
                "GET /v1/certificates and POST /v1/sign only",
            )
        })
        .layer(axum::middleware::from_fn_with_state(agent.clone(), guard))
        .with_state(agent)
}

/// Host and origin checks before anything else, the preflight, and CORS on every answer.
async fn guard(State(agent): State<Arc<Agent>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| agent.hosts.iter().any(|a| a.eq_ignore_ascii_case(h))) {
        return Refusal::new(
            StatusCode::FORBIDDEN,
            "agent.host.refused",
            "the agent answers requests to its loopback address only",
        )
        .into_response();
    }
    if headers.get(header::ORIGIN) != Some(&agent.origin) {
        return Refusal::new(
            StatusCode::FORBIDDEN,
            "agent.origin.refused",
            "the agent answers only the signing page it was started for (--allow-origin)",
        )
        .into_response();
    }
    let mut response = if request.method() == Method::OPTIONS {
        preflight(request.headers())
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, agent.origin.clone());
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn preflight(request: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    // Chrome's Private Network Access: a public page reaching a loopback address asks first.
    if request
        .get("access-control-request-private-network")
        .is_some_and(|v| v == "true")
    {
        h.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// What the page shows and sends back: `id` names the certificate in `POST /v1/sign`;
/// `chain` is the leaf and intermediates, as `dsc/prepare` takes them.
fn describe(c: &TokenCertificate) -> Result<Value, Refusal> {
    let bad = |e: der::Error| {
        Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "pkcs11.key.unsupported",
            format!("certificate: {e}"),
        )
    };
    let chain = chain_to_send(&c.chain).map_err(bad)?;
    let tbs = &c.certificate.tbs_certificate;
    let not_after = time::OffsetDateTime::from_unix_timestamp(
        tbs.validity.not_after.to_unix_duration().as_secs() as i64,
    )
    .ok()
    .and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    });
    Ok(json!({
        "id": certificate_id(c),
        "certificate": chain[0],
        "chain": chain,
        "subject": common_name(&tbs.subject),
        "issuer": common_name(&tbs.issuer),
        "notAfter": not_after,
        "tokenLabel": c.token_label,
        "keyLabel": c.key_label,
        "signatureAlgorithm": algorithm_name(c.algorithm),
    }))
}

/// Token label, `CKA_ID` and a few bytes of the certificate's hash (a renewal keeps the id).
fn certificate_id(c: &TokenCertificate) -> String {
    use der::Encode;
    let der = c.certificate.to_der().unwrap_or_default();
    let fingerprint = Sha256::digest(&der);
    format!(
        "{}:{}:{}",
        c.token_label,
        hex::encode(&c.id),
        hex::encode(&fingerprint[..6])
    )
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Refusal> + Send + 'static,
) -> Result<T, Refusal> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "pkcs11.signing.failed",
            "the token operation stopped unexpectedly",
        ))
    })
}

async fn certificates(State(agent): State<Arc<Agent>>) -> Result<axum::Json<Value>, Refusal> {
    let module = agent.module.clone();
    let listed = blocking(move || Ok(module.certificates(None)?)).await?;
    let described = listed.iter().map(describe).collect::<Result<Vec<_>, _>>()?;
    Ok(axum::Json(json!({"certificates": described})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignBody {
    certificate: String,
    to_be_signed: String,
    pin: SecretString,
}

async fn sign(State(agent): State<Arc<Agent>>, body: Body) -> Result<axum::Json<Value>, Refusal> {
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too.large",
            format!("the body is over {MAX_BODY} bytes"),
        )
    })?;
    // The body holds the PIN: wiped once read.
    let bytes = Zeroizing::new(Vec::from(bytes));
    // serde's message can quote the value it choked on, which may be the PIN.
    let body: SignBody = serde_json::from_slice(&bytes).map_err(|_| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "request.json.invalid",
            "the body must be JSON {\"certificate\", \"toBeSigned\", \"pin\"}, all strings",
        )
    })?;
    drop(bytes);
    let to_be_signed = unbase64(&body.to_be_signed)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "request.json.invalid",
                "toBeSigned: base64 of the bytes to sign",
            )
        })?;
    let digest: [u8; 32] = Sha256::digest(&to_be_signed).into();

    let _one_at_a_time = agent.signing.lock().await;
    let module = agent.module.clone();
    let (signature, token, key) = blocking(move || {
        let listed = module.certificates(None)?;
        let chosen = listed
            .iter()
            .find(|c| certificate_id(c) == body.certificate)
            .ok_or_else(|| {
                Refusal::new(
                    StatusCode::NOT_FOUND,
                    "pkcs11.key.not.found",
                    "no such certificate on the tokens present: list them again",
                )
            })?;
        let signer = module.signer(
            KeySelector {
                token_label: Some(&chosen.token_label),
                key_label: None,
                certificate: Some(&chosen.certificate),
            },
            &body.pin,
        )?;
        let signature = signer.sign(&digest)?;
        Ok((
            signature,
            signer.token_label().to_string(),
            signer.key_label().to_string(),
        ))
    })
    .await
    .inspect_err(|r| eprintln!("signet dsc agent: refused to sign: {}", r.code))?;
    eprintln!("signet dsc agent: signed with key {key:?} on token {token:?}");
    Ok(axum::Json(json!({"signature": base64(&signature)})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listens_on_loopback_only() {
        assert_eq!(loopback("127.0.0.1:47801").unwrap().port(), 47801);
        assert!(loopback("[::1]:1").unwrap().ip().is_loopback());
        assert!(loopback("localhost:5").unwrap().ip().is_loopback());
        for bad in [
            "0.0.0.0:47801",
            "192.168.1.2:47801",
            "[::]:1",
            "example.in:80",
            "47801",
        ] {
            assert!(loopback(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_origin_is_written_as_browsers_send_it() {
        assert_eq!(
            origin("https://sign.example.in/").unwrap(),
            "https://sign.example.in"
        );
        assert_eq!(
            origin("https://sign.example.in:443").unwrap(),
            "https://sign.example.in"
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "sign.example.in",
            "https://x.in/sign",
            "ftp://x.in",
            "https://u@x.in",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_host_must_name_the_agent() {
        let h = hosts("127.0.0.1:47801".parse().unwrap());
        assert_eq!(h, ["127.0.0.1:47801", "localhost:47801"]);
        let h = hosts("[::1]:80".parse().unwrap());
        assert!(h.contains(&"[::1]".to_string()) && h.contains(&"localhost".to_string()));
    }
}
