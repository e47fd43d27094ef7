//! `signet esp-simulator`: a local eSign service provider (CCA eSign API 2.1 and 3.2) for
//! tests, demonstrations and integrators. It verifies the ASP's signed requests, shows an
//! authentication page, issues a short-lived certificate with the subject layout of real
//! eSign certificates from its own CA, and answers with a signed `EsignResp` carrying a
//! detached CMS over each document hash. Messages and XML signatures come from
//! `signet-esign`, the CMS from `signet-pdf`.
//!
//! Endpoints: `POST /{2.1,3.2}/form/signdoc` (form transport: fields `eSignRequest`,
//! `aspTxnID`, `Content-Type`), `POST /{2.1,3.2}/signdoc` (two-step: raw XML or the field
//! `eSignRequest`) and its hand-off page `POST /authpage` (field `txnref`), `POST /3.2/status`
//! (`EsignStatus`).
//!
//! The authentication page (a contract with browser tests): a form posting to
//! `/authenticate` with the hidden field `session`, the inputs `aadhaar` (labelled "Aadhaar
//! number or VID") and `otp` ("One-time code"), and the buttons "Sign" and "Cancel" (`action`
//! = `sign` / `cancel`). A wrong code shows "Wrong code: 2 attempts left" (then "1 attempt
//! left"), an unknown number "Aadhaar number not found: N attempts left"; the third failure
//! ends the transaction with ESP-415, Cancel with ESP-944, a submission after the wait period
//! with ESP-946.

mod checks;
pub mod keys;
pub mod kyc;
mod pages;
mod server;
mod sign;
mod ts;
mod txns;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use der::Encode;

pub use keys::{CA_CERT_FILE, ESP_CERT_FILE};
pub use server::MAX_BODY_BYTES;

/// The command line of `signet esp-simulator`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0: any free port; the listening line says which).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// Where the simulator keeps its CA (ca.pem) and its response-signing certificate
    /// (esp.pem), created on first start.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// JSON array of the people who can sign: {"aadhaar", "name", "yob", "gender",
    /// "pincode", "state"} and optionally "vid", "street", "locality".
    #[arg(long)]
    pub kyc: PathBuf,
    /// PEM certificate of the ASP: every request's XML signature must verify with it.
    #[arg(long)]
    pub asp_certificate: PathBuf,
    /// The one ASP id accepted.
    #[arg(long, default_value = "ASP-TEST-1")]
    pub asp_id: String,
    /// The one-time code every signer must enter.
    #[arg(long, default_value = "123456")]
    pub otp: String,
}

/// Everything the simulator runs with, read and checked.
#[derive(Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub kyc: kyc::Kyc,
    pub asp_certificate_der: Vec<u8>,
    pub asp_id: String,
    pub otp: String,
    /// Caps every transaction's wait period (3.2 `maxWaitPeriod`, 30 minutes in 2.1), so
    /// that tests of ESP-946 need not wait a minute. None from the command line.
    pub max_wait: Option<Duration>,
}

impl Config {
    pub fn from_args(args: &Args) -> Result<Config, String> {
        if args.asp_id.trim().is_empty() || args.asp_id.len() > 100 {
            return Err("--asp-id must be 1 to 100 characters".into());
        }
        if !(4..=8).contains(&args.otp.len()) || !args.otp.bytes().all(|b| b.is_ascii_digit()) {
            return Err("--otp must be 4 to 8 digits".into());
        }
        Ok(Config {
            listen: args.listen,
            data_dir: args.data_dir.clone(),
            kyc: kyc::Kyc::load(&args.kyc)?,
            asp_certificate_der: read_certificate(&args.asp_certificate)?,
            asp_id: args.asp_id.clone(),
            otp: args.otp.clone(),
            max_wait: None,
        })
    }
}

fn read_certificate(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let certs =
        signet_pdf::keys::load_certificates_pem(&text).map_err(|e| format!("{shown}: {e}"))?;
    certs[0].to_der().map_err(|e| format!("{shown}: {e}"))
}

/// A simulator serving in the background (in-process tests); it stops when dropped.
#[derive(Debug)]
pub struct Running {
    /// The bound address (the real port when asked for port 0).
    pub addr: SocketAddr,
    pub ca_pem: PathBuf,
    pub esp_pem: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Creates or loads the keys, binds, and serves in a background task.
pub async fn start(config: Config) -> Result<Running, String> {
    let (app, listener, ca_pem, esp_pem) = prepare(config).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("listening socket: {e}"))?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("esp-simulator stopped: {e}");
        }
    });
    Ok(Running {
        addr,
        ca_pem,
        esp_pem,
        task,
    })
}

/// `signet esp-simulator`: prints "esp-simulator listening on http://ADDR" once listening,
/// serves until interrupted.
pub async fn run(args: Args) -> Result<(), String> {
    let config = Config::from_args(&args)?;
    let (app, listener, _, _) = prepare(config).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("listening socket: {e}"))?;
    // One line on stdout, read by scripts and tests to learn the port.
    println!("esp-simulator listening on http://{addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("serving: {e}"))
}

async fn prepare(
    config: Config,
) -> Result<(axum::Router, tokio::net::TcpListener, PathBuf, PathBuf), String> {
    let dir = config.data_dir.clone();
    // RSA key generation on first start takes a while: off the async threads.
    let authority = tokio::task::spawn_blocking(move || keys::Authority::load_or_create(&dir))
        .await
        .map_err(|e| format!("creating the keys: {e}"))??;
    let xml_signer = authority.xml_signer()?;
    // reqwest's TLS is built without a crypto provider of its own (as the server's).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(server::DELIVERY_TIMEOUT)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let sim = server::Sim {
        asp_id: config.asp_id,
        asp_certificate_der: config.asp_certificate_der,
        otp: config.otp,
        kyc: config.kyc,
        authority,
        xml_signer,
        holder_keys: sign::HolderKeys::default(),
        txns: Mutex::new(txns::Transactions::default()),
        http,
        max_wait: config.max_wait,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let ca_pem = config.data_dir.join(keys::CA_CERT_FILE);
    let esp_pem = config.data_dir.join(keys::ESP_CERT_FILE);
    Ok((server::router(Arc::new(sim)), listener, ca_pem, esp_pem))
}
