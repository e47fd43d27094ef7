//! `signet dsc sign SIGN_URL --pkcs11-module PATH [--token-label L] [--key-label L]
//! --pin-stdin`: the invitation read, the key chosen and logged in to, then
//! `dsc/prepare`, the token's signature over SHA-256 of `toBeSigned`, and `dsc/complete`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use signet_pdf::signer::Signer;
use signet_pkcs11::secrecy::zeroize::Zeroizing;
use signet_pkcs11::{KeySelector, Module, Pkcs11Signer, SecretString};

use super::{algorithm_name, base64, chain_to_send, unbase64};

/// The longest line read as the PIN; more is refused rather than cut.
const MAX_PIN_LINE: u64 = 1024;
/// The longest `toBeSigned` accepted from the server: signed attributes are a few hundred
/// bytes.
const MAX_TO_BE_SIGNED: usize = 64 * 1024;
/// The longest answer read from the server.
const MAX_ANSWER: usize = 1024 * 1024;

#[derive(clap::Args)]
pub struct SignArgs {
    /// The signing link, `{public URL}/sign/{uuid}`.
    sign_url: String,
    /// The token's PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long = "pkcs11-module", value_name = "PATH")]
    module: PathBuf,
    /// The token to use, when the module has several.
    #[arg(long)]
    token_label: Option<String>,
    /// The private key to use, when the token has several.
    #[arg(long)]
    key_label: Option<String>,
    /// Read the token's user PIN from the first line of standard input (the only way to give
    /// it: arguments show in process lists and shell history).
    #[arg(long, required_unless_present = "send_otp")]
    pin_stdin: bool,
    /// The one-time code, when the invitation asks for one (get it with --send-otp).
    #[arg(long, value_name = "CODE")]
    otp: Option<String>,
    /// Only have the server send the invitee their one-time code, print where it went, and exit.
    #[arg(long, conflicts_with = "otp")]
    send_otp: bool,
    /// Seconds to wait for each answer of the server.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    timeout: u64,
}

/// Why a signature did not happen: the server's refusal as it sent it, or ours with a code.
#[derive(Debug)]
enum Failure {
    Refused(Vec<Value>),
    Local { code: &'static str, message: String },
}

impl Failure {
    fn local(code: &'static str, message: impl Into<String>) -> Self {
        Failure::Local {
            code,
            message: message.into(),
        }
    }

    fn messages(&self) -> Vec<Value> {
        match self {
            Failure::Refused(m) => m.clone(),
            Failure::Local { code, message } => vec![json!({"code": code, "message": message})],
        }
    }
}

impl From<signet_pkcs11::Error> for Failure {
    fn from(e: signet_pkcs11::Error) -> Self {
        Failure::local(e.code(), e.to_string())
    }
}

pub fn run(args: SignArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("signet dsc sign: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(sign(&args)) {
        Ok(outcome) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&outcome).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            let messages = failure.messages();
            for m in &messages {
                eprintln!(
                    "signet dsc sign: {} ({})",
                    m["message"].as_str().unwrap_or(""),
                    m["code"].as_str().unwrap_or("")
                );
            }
            println!("{}", json!({"status": 0, "messages": messages}));
            ExitCode::FAILURE
        }
    }
}

async fn sign(args: &SignArgs) -> Result<Value, Failure> {
    let api = invitation_api(&args.sign_url)?;
    let server = Server::new(Duration::from_secs(args.timeout))?;
    if args.send_otp {
        return server
            .call(reqwest::Method::POST, &format!("{api}/otp"), None)
            .await;
    }
    let pin = read_pin(std::io::stdin().lock())?;

    let invitation = server.call(reqwest::Method::GET, &api, None).await?;
    let allowed = invitation["allowedSignatureTypes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    if !allowed.contains(&"DSC") {
        return Err(Failure::local(
            "dsc.not.allowed",
            format!(
                "this invitation does not take a DSC signature (it allows: {})",
                if allowed.is_empty() {
                    "nothing to sign".to_string()
                } else {
                    allowed.join(", ")
                }
            ),
        ));
    }
    if invitation["otpRequired"] == true && args.otp.is_none() {
        return Err(Failure::local(
            "dsc.otp.required",
            "this invitation asks for a one-time code: have it sent with --send-otp, then sign \
             with --otp CODE",
        ));
    }

    // The PIN is tried before anything is prepared: a wrong one costs the server nothing.
    // PKCS#11 calls block, which a command-line run of one request can afford.
    let module = Module::load(&args.module)?;
    let signer = module.signer(
        KeySelector {
            token_label: args.token_label.as_deref(),
            key_label: args.key_label.as_deref(),
            certificate: None,
        },
        &pin,
    )?;
    drop(pin);

    let mut prepare = json!({"certificates": certificates(&signer)?, "consent": true});
    if let Some(otp) = &args.otp {
        prepare["otp"] = otp.as_str().into();
    }
    let prepared = server
        .call(
            reqwest::Method::POST,
            &format!("{api}/dsc/prepare"),
            Some(prepare),
        )
        .await?;
    let (prepare_id, to_be_signed) = read_prepared(&prepared, &signer)?;
    let digest: [u8; 32] = Sha256::digest(&to_be_signed).into();
    let signature = signer.sign(&digest)?;
    drop(signer);

    server
        .call(
            reqwest::Method::POST,
            &format!("{api}/dsc/complete"),
            Some(json!({"prepareId": prepare_id, "signature": base64(&signature)})),
        )
        .await
}

/// `{base}/api/sign/{uuid}` from the signing link `{base}/sign/{uuid}` (the public URL may have
/// a path of its own).
fn invitation_api(link: &str) -> Result<String, Failure> {
    let invalid = |why: &str| {
        Failure::local(
            "dsc.link.invalid",
            format!("{why}: give the signing link, https://…/sign/{{uuid}}"),
        )
    };
    let mut url = reqwest::Url::parse(link.trim()).map_err(|_| invalid("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("not an http or https URL"));
    }
    let path = url.path().trim_end_matches('/').to_string();
    let Some((base, uuid)) = path.rsplit_once("/sign/") else {
        return Err(invalid("no /sign/ in the link"));
    };
    let uuid = uuid::Uuid::try_parse(uuid).map_err(|_| invalid("no signing id in the link"))?;
    url.set_query(None);
    url.set_fragment(None);
    url.set_path(&format!("{base}/api/sign/{uuid}"));
    Ok(url.to_string())
}

/// One line of `input`, without its line ending, held where it is wiped when dropped.
fn read_pin(input: impl Read) -> Result<SecretString, Failure> {
    let mut raw = Zeroizing::new(Vec::with_capacity(64));
    input
        .take(MAX_PIN_LINE + 1)
        .read_to_end(&mut raw)
        .map_err(|e| Failure::local("dsc.pin.missing", format!("cannot read the PIN: {e}")))?;
    let line_end = raw.iter().position(|&b| b == b'\n');
    if line_end.is_none() && raw.len() as u64 > MAX_PIN_LINE {
        return Err(Failure::local(
            "dsc.pin.missing",
            format!("the PIN line is longer than {MAX_PIN_LINE} bytes"),
        ));
    }
    let mut line = &raw[..line_end.unwrap_or(raw.len())];
    if let Some(stripped) = line.strip_suffix(b"\r") {
        line = stripped;
    }
    let pin = std::str::from_utf8(line)
        .map_err(|_| Failure::local("dsc.pin.missing", "the PIN is not UTF-8 text"))?;
    if pin.is_empty() {
        return Err(Failure::local(
            "dsc.pin.missing",
            "no PIN on standard input: write it as the first line (--pin-stdin)",
        ));
    }
    Ok(SecretString::from(pin))
}

fn certificates(signer: &Pkcs11Signer) -> Result<Vec<String>, Failure> {
    chain_to_send(signer.certificates())
        .map_err(|e| Failure::local("pkcs11.key.unsupported", format!("certificate: {e}")))
}

/// `prepareId` and the decoded `toBeSigned`, after checking the server wants what the key
/// does.
fn read_prepared(prepared: &Value, signer: &Pkcs11Signer) -> Result<(String, Vec<u8>), Failure> {
    let odd = |what: &str| {
        Failure::local(
            "dsc.server.answer",
            format!("the server's prepare answer {what}"),
        )
    };
    let prepare_id = prepared["prepareId"]
        .as_str()
        .filter(|id| !id.is_empty() && id.len() <= 256)
        .ok_or_else(|| odd("has no prepareId"))?;
    let to_be_signed = prepared["toBeSigned"]
        .as_str()
        .filter(|t| t.len() <= MAX_TO_BE_SIGNED * 4 / 3 + 4)
        .and_then(unbase64)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| odd("has no toBeSigned in base64"))?;
    if prepared["digestAlgorithm"] != "SHA-256" {
        return Err(odd(&format!(
            "asks for digest {}, not SHA-256",
            prepared["digestAlgorithm"]
        )));
    }
    let ours = algorithm_name(signer.algorithm());
    if prepared["signatureAlgorithm"] != ours {
        return Err(odd(&format!(
            "asks for {}, but the key signs {ours}",
            prepared["signatureAlgorithm"]
        )));
    }
    Ok((prepare_id.to_string(), to_be_signed))
}

/// The signing API, as a client of its envelope.
struct Server {
    http: reqwest::Client,
}

impl Server {
    fn new(timeout: Duration) -> Result<Server, Failure> {
        // reqwest is built without a crypto provider of its own (see webhooks/dispatcher.rs).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| Failure::local("dsc.server.unreachable", e.to_string()))?;
        Ok(Server { http })
    }

    /// `data` of a `status: 1` answer; the messages of a `status: 0` one.
    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> Result<Value, Failure> {
        let mut request = self
            .http
            .request(method, url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let unreachable =
            |e: reqwest::Error| Failure::local("dsc.server.unreachable", format!("{url}: {e}"));
        let mut answer = request.send().await.map_err(unreachable)?;
        let status = answer.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(unreachable)? {
            if bytes.len() + chunk.len() > MAX_ANSWER {
                return Err(Failure::local(
                    "dsc.server.answer",
                    format!("{url}: the answer is over {MAX_ANSWER} bytes"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        let envelope: Value = serde_json::from_slice(&bytes).map_err(|_| {
            Failure::local(
                "dsc.server.answer",
                format!("{url} answered HTTP {status} without the JSON envelope"),
            )
        })?;
        match envelope["status"].as_i64() {
            Some(1) => Ok(envelope["data"].clone()),
            Some(0) => Err(Failure::Refused(
                envelope["messages"].as_array().cloned().unwrap_or_default(),
            )),
            _ => Err(Failure::local(
                "dsc.server.answer",
                format!("{url} answered HTTP {status} without a status"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signet_pkcs11::ExposeSecret;

    #[test]
    fn the_api_is_found_from_the_signing_link() {
        let uuid = "5f0c6a1e-8a47-4b8e-9f3b-2d7c1a9e4b10";
        assert_eq!(
            invitation_api(&format!("https://sign.example.in/sign/{uuid}")).unwrap(),
            format!("https://sign.example.in/api/sign/{uuid}")
        );
        assert_eq!(
            invitation_api(&format!("http://127.0.0.1:8080/signet/sign/{uuid}/?x=1#f")).unwrap(),
            format!("http://127.0.0.1:8080/signet/api/sign/{uuid}")
        );
        for bad in [
            uuid.to_string(),
            format!("ftp://x/sign/{uuid}"),
            "https://x/sign/not-a-uuid".into(),
            "https://x/other".into(),
        ] {
            match invitation_api(&bad) {
                Err(Failure::Local { code, .. }) => assert_eq!(code, "dsc.link.invalid", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_pin_is_the_first_line_of_standard_input() {
        let pin = read_pin(&b"123456\r\nnext line"[..]).unwrap();
        assert_eq!(pin.expose_secret(), "123456");
        assert_eq!(read_pin(&b"4321"[..]).unwrap().expose_secret(), "4321");
        for bad in [&b""[..], b"\n", &[b'1'; 2000][..], b"\xff\xfe\n"] {
            match read_pin(bad) {
                Err(Failure::Local { code, .. }) => assert_eq!(code, "dsc.pin.missing"),
                other => panic!("{other:?}"),
            }
        }
    }
}
