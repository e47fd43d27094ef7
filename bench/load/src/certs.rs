//! Certificate signatures (issue 18), end to end: `docsign` times one signature per document
//! with an organisation certificate (`DOC_SIGNER`, a PKCS#12 or a PKCS#11 key) or, for the
//! figure to compare against, the invitee's own `VIRTUAL_SIGN`; `dsc` times a signer's own
//! certificate in two steps (prepare, the token's signature made here, complete).
//!
//! A document takes one signature, so each run first sends `--requests` documents (untimed,
//! plus one more whose signature warms the key up: the first use of an organisation key
//! opens it, a PKCS#11 login included) and then times only the signatures, one document per
//! iteration. Each workflow has one slot with one box on page 1, so every signature draws a
//! typed mark and completes its document (the audit trail is sealed after the answer);
//! `--keep-open` adds a reviewer slot nobody acts on, so that the signature alone is measured.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, ValueEnum};
use reqwest::{Body, Method};
use serde_json::{Value, json};
use sha2::Digest;

use crate::Common;
use crate::client::Api;
use crate::run::Step;
use crate::scenarios::{self, CreateBody, SIGN_BODY};

/// Documents signed when `--requests` is not given.
pub(crate) const DEFAULT_DOCUMENTS: u64 = 200;
/// Creates in flight while the documents are sent: enough to keep the server busy, few
/// enough that 1 MB bodies do not pile up in memory.
const CREATE_CONCURRENCY: usize = 4;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum Key {
    /// The invitee signs (`VIRTUAL_SIGN`, under the server's P-256 seal).
    Virtual,
    /// An organisation certificate uploaded as a PKCS#12.
    Pkcs12,
    /// An organisation key on a PKCS#11 token (the server needs the module allowed and, for
    /// SoftHSM, SOFTHSM2_CONF).
    Pkcs11,
}

#[derive(Args)]
pub struct Docsign {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, value_enum)]
    key: Key,
    /// The PKCS#12 file (`--key pkcs12`).
    #[arg(long)]
    p12: Option<PathBuf>,
    #[arg(long, default_value = "signet")]
    password: String,
    /// The PKCS#11 module's path, as the server's SIGNET_PKCS11_MODULES lists it.
    #[arg(long, default_value = "/usr/lib/softhsm/libsofthsm2.so")]
    module: String,
    #[arg(long)]
    token_label: Option<String>,
    #[arg(long)]
    key_label: Option<String>,
    #[arg(long)]
    pin: Option<String>,
    /// Size of each document, in KiB.
    #[arg(long, default_value_t = 1024)]
    pdf_kb: usize,
    /// Add a reviewer slot nobody acts on: the signature does not complete the document, so no
    /// audit trail is sealed after it.
    #[arg(long)]
    keep_open: bool,
}

#[derive(Args)]
pub struct Dsc {
    #[command(flatten)]
    pub common: Common,
    /// The signer's private key, PKCS#8 PEM (RSA or P-256): what their token would hold.
    #[arg(long)]
    key: PathBuf,
    /// The signer's certificate then its intermediates, DER files, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    certs: Vec<PathBuf>,
    /// Size of each document, in KiB.
    #[arg(long, default_value_t = 1024)]
    pdf_kb: usize,
    /// As for `docsign`.
    #[arg(long)]
    keep_open: bool,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A published workflow of one signer slot allowing `signature_type`, one box on page 1, and
/// with `keep_open` a reviewer slot after it.
async fn workflow(api: &Api, signature_type: &str, keep_open: bool) -> Result<String, String> {
    workflow_with(api, signature_type, keep_open, json!({})).await
}

/// The same with more fields on the signer's slot (an AADHAAR slot's `esp`).
pub(crate) async fn workflow_with(
    api: &Api,
    signature_type: &str,
    keep_open: bool,
    extra: Value,
) -> Result<String, String> {
    let mut signer = json!({"label": "Signer", "inviteeType": "Signer",
        "signatureTypes": [signature_type],
        "appearances": [{"page": "1", "x1": 50, "y1": 50, "x2": 250, "y2": 110}]});
    if let (Some(slot), Some(more)) = (signer.as_object_mut(), extra.as_object()) {
        slot.extend(more.clone());
    }
    let mut invitees = vec![signer];
    if keep_open {
        invitees.push(json!({"label": "Reviewer", "inviteeType": "Reviewer"}));
    }
    let w = json!({
        "name": format!("Certificate benchmark {signature_type}"), "publish": true,
        "expiryDays": 10, "requireSigningOrder": false, "invitees": invitees
    });
    let w = api
        .call(
            Method::POST,
            "/api/signet/workflows",
            Some(Body::from(w.to_string())),
        )
        .await
        .map_err(|e| format!("creating the workflow: {e}"))?;
    w["profileId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no profileId in {w}"))
}

/// Sends `count` documents of `pdf_kb` KiB on `profile`; returns each one's signing URL (the
/// first slot's).
pub(crate) async fn send_documents(
    api: &Api,
    profile: &str,
    pdf_kb: usize,
    count: u64,
    keep_open: bool,
) -> Result<Vec<String>, String> {
    let mut invitees = vec![json!({"name": "Asha Rao", "email": "asha@example.com"})];
    if keep_open {
        invitees.push(json!({"name": "Ravi Kumar", "email": "ravi@example.com"}));
    }
    let body = Arc::new(CreateBody::with_invitees(
        profile,
        pdf_kb,
        Value::Array(invitees),
    ));
    let run = scenarios::run_id();
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CREATE_CONCURRENCY as u64 {
        let (api, body, run) = (api.clone(), body.clone(), run.clone());
        workers.push(tokio::spawn(async move {
            let mut urls = Vec::new();
            for n in (w..count).step_by(CREATE_CONCURRENCY) {
                let irn = format!("cert-{run}-{n}");
                let created = scenarios::create(&api, body.with_irn(&irn)).await?;
                let url = created["invitees"][0]["signUrl"]
                    .as_str()
                    .ok_or_else(|| format!("no signUrl in {created}"))?;
                urls.push(url.to_string());
            }
            Ok::<_, String>(urls)
        }));
    }
    let mut all = Vec::with_capacity(count as usize);
    for w in workers {
        all.extend(w.await.map_err(|e| e.to_string())??);
    }
    eprintln!(
        "sent {count} documents of {pdf_kb} KB in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Each create queued a mail; the mailer only logs them here, but let it finish before
    // the clock starts.
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(all)
}

/// The last path segment of a signing URL: the UUID the invitee API takes.
pub(crate) fn uuid_of(sign_url: &str) -> &str {
    sign_url.rsplit('/').next().unwrap_or(sign_url)
}

pub async fn docsign(o: Docsign) -> Result<(), String> {
    let mut common = o.common.clone();
    let count = *common.requests.get_or_insert(DEFAULT_DOCUMENTS);
    let api = common.api();
    let (signature_type, doc_signer) = match o.key {
        Key::Virtual => ("VIRTUAL_SIGN", None),
        Key::Pkcs12 | Key::Pkcs11 => ("DOC_SIGNER", Some(add_doc_signer(&api, &o).await?)),
    };
    let profile = workflow(&api, signature_type, o.keep_open).await?;
    let mut urls = send_documents(&api, &profile, o.pdf_kb, count + 1, o.keep_open).await?;
    let warm = urls.pop().expect("one document more than the count");

    // The request each iteration makes, per kind of key.
    let sign = move |api: Api, url: String| {
        let doc_signer = doc_signer.clone();
        async move {
            match doc_signer {
                None => {
                    let path = format!("/api/sign/{}/sign", uuid_of(&url));
                    api.invitee_post(&path, SIGN_BODY).await
                }
                Some(profile) => {
                    let body =
                        json!({"signUrl": url, "profileId": profile, "consent": true}).to_string();
                    api.call(
                        Method::POST,
                        "/api/v3.0/sign/docSigner/invitation",
                        Some(Body::from(body)),
                    )
                    .await
                }
            }
        }
    };
    sign(api.clone(), warm)
        .await
        .map_err(|e| format!("the first signature: {e}"))?;

    let what = match o.key {
        Key::Virtual => "VIRTUAL_SIGN".to_string(),
        Key::Pkcs12 => format!("DOC_SIGNER PKCS#12 {}", key_name(o.p12.as_ref())),
        Key::Pkcs11 => format!(
            "DOC_SIGNER PKCS#11 {}",
            o.key_label.as_deref().unwrap_or("")
        ),
    };
    let open = if o.keep_open { ", kept open" } else { "" };
    let label = format!("{what}, {} KB{open}, c{}", o.pdf_kb, common.concurrency);
    let urls = Arc::new(urls);
    crate::measure(&common, label, &["sign"], move |n| {
        let (api, url) = (api.clone(), urls[n as usize].clone());
        let fut = sign(api, url);
        async move { vec![Step::timed(0, fut).await.0] }
    })
    .await;
    Ok(())
}

/// The file's stem (`good-rsa` of `…/good-rsa.p12`), to name the key in the table.
fn key_name(path: Option<&PathBuf>) -> String {
    path.and_then(|p| p.file_stem())
        .map_or(String::new(), |s| s.to_string_lossy().into_owned())
}

/// Adds the organisation certificate; returns its profileId.
async fn add_doc_signer(api: &Api, o: &Docsign) -> Result<String, String> {
    let missing = |what: &str| format!("--key {}: {what} is required", key_flag(o.key));
    let body = match o.key {
        Key::Pkcs12 => {
            let p12 = o.p12.as_ref().ok_or_else(|| missing("--p12"))?;
            json!({"name": "Bench PKCS#12", "pkcs12": STANDARD.encode(read(p12)?),
                   "password": o.password})
        }
        Key::Pkcs11 => json!({"name": "Bench PKCS#11", "pkcs11": {
            "module": o.module,
            "tokenLabel": o.token_label.as_deref().ok_or_else(|| missing("--token-label"))?,
            "keyLabel": o.key_label.as_deref().ok_or_else(|| missing("--key-label"))?,
            "pin": o.pin.as_deref().ok_or_else(|| missing("--pin"))?}}),
        Key::Virtual => unreachable!("a virtual signature needs no certificate"),
    };
    let added = api
        .call(
            Method::POST,
            "/api/signet/docsigners",
            Some(Body::from(body.to_string())),
        )
        .await
        .map_err(|e| format!("adding the organisation certificate: {e}"))?;
    added["profileId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no profileId in {added}"))
}

fn key_flag(k: Key) -> &'static str {
    match k {
        Key::Virtual => "virtual",
        Key::Pkcs12 => "pkcs12",
        Key::Pkcs11 => "pkcs11",
    }
}

/// Steps of a DSC signature, in the order `dsc` records them: the two requests, the token's
/// signature made in this process between them, and the whole as the signer waits for it.
pub const DSC_STEPS: [&str; 4] = ["prepare", "token", "complete", "round trip"];

pub async fn dsc(o: Dsc) -> Result<(), String> {
    let mut common = o.common;
    let count = *common.requests.get_or_insert(DEFAULT_DOCUMENTS);
    let api = common.api();
    let pem = String::from_utf8(read(&o.key)?).map_err(|e| format!("--key: {e}"))?;
    let key =
        Arc::new(signet_pdf::keys::load_private_key_pem(&pem).map_err(|e| format!("--key: {e}"))?);
    let certificates: Vec<String> = o
        .certs
        .iter()
        .map(|p| read(p).map(|der| STANDARD.encode(der)))
        .collect::<Result<_, _>>()?;
    let body = Arc::new(json!({"certificates": certificates, "consent": true}).to_string());
    let profile = workflow(&api, "DSC", o.keep_open).await?;
    let mut urls = send_documents(&api, &profile, o.pdf_kb, count + 1, o.keep_open).await?;
    let warm = urls.pop().expect("one document more than the count");
    let first = dsc_signature(&api, &key, &body, uuid_of(&warm)).await;
    if let Some(e) = first.iter().find_map(|s| s.error.as_ref()) {
        return Err(format!("the first signature: {e}"));
    }

    let label = format!(
        "DSC {}, {} KB{}, c{}",
        key_name(Some(&o.key)),
        o.pdf_kb,
        if o.keep_open { ", kept open" } else { "" },
        common.concurrency
    );
    let urls = Arc::new(urls);
    crate::measure(&common, label, &DSC_STEPS, move |n| {
        let (api, key, body, urls) = (api.clone(), key.clone(), body.clone(), urls.clone());
        async move { dsc_signature(&api, &key, &body, uuid_of(&urls[n as usize])).await }
    })
    .await;
    Ok(())
}

/// One DSC signature: prepare, sign SHA-256(toBeSigned) with the key, complete. Stops at the
/// first failing step.
async fn dsc_signature(
    api: &Api,
    key: &signet_pdf::signer::PrivateKey,
    prepare_body: &str,
    uuid: &str,
) -> Vec<Step> {
    let start = Instant::now();
    let mut steps = Vec::with_capacity(DSC_STEPS.len());
    let path = format!("/api/sign/{uuid}/dsc/prepare");
    let (s, prepared) = Step::timed(0, async {
        let p = api.invitee_post(&path, prepare_body.to_string()).await?;
        let id = p["prepareId"].as_str().map(str::to_string);
        let tbs = p["toBeSigned"].as_str().map(|t| STANDARD.decode(t));
        match (id, tbs) {
            (Some(id), Some(Ok(tbs))) => Ok((id, tbs)),
            _ => Err(format!("no prepareId or toBeSigned in {p}")),
        }
    })
    .await;
    steps.push(s);
    let Some((prepare_id, tbs)) = prepared else {
        return steps;
    };
    let (s, signature) = Step::timed(1, async {
        let digest: [u8; 32] = sha2::Sha256::digest(&tbs).into();
        key.sign_digest(&digest)
            .map(|sig| STANDARD.encode(sig))
            .map_err(|e| e.to_string())
    })
    .await;
    steps.push(s);
    let Some(signature) = signature else {
        return steps;
    };
    let body: Value = json!({"prepareId": prepare_id, "signature": signature});
    let path = format!("/api/sign/{uuid}/dsc/complete");
    let (s, done) = Step::timed(2, api.invitee_post(&path, body.to_string())).await;
    steps.push(s);
    if done.is_some() {
        steps.push(Step {
            step: 3,
            latency: start.elapsed(),
            error: None,
        });
    }
    steps
}
