//! The HTTP side: the ESP's endpoints, the authentication page, and delivery of the answer.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rand_core::{OsRng, RngCore};
use signet_esign::Version;
use signet_esign::dsig::XmlSigner;
use signet_esign::response::{EsignResponse, Status};
use signet_esign::txnref;
use time::OffsetDateTime;

use crate::checks::{self, Asp, Rejection, ReplyTo};
use crate::keys::Authority;
use crate::kyc::{self, Kyc};
use crate::pages::{self, AuthPage};
use crate::sign::{self, HolderKeys, lock};
use crate::txns::{MAX_FAILURES, Stage, Transaction, Transactions, Transport};

/// Requests carry at most five hashes and a signature: a few KB. A megabyte is generous.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The signer's time in 2.1, which has no `maxWaitPeriod`.
const DEFAULT_WAIT: Duration = Duration::from_secs(30 * 60);
/// The longest `maxWaitPeriod` honoured (a week); larger values are clamped.
const MAX_WAIT_MINUTES: u32 = 7 * 24 * 60;
/// The 3.2 server-to-server delivery's patience with the ASP.
pub(crate) const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Sim {
    pub asp_id: String,
    pub asp_certificate_der: Vec<u8>,
    pub otp: String,
    pub kyc: Kyc,
    pub authority: Authority,
    pub xml_signer: XmlSigner,
    pub holder_keys: HolderKeys,
    pub txns: Mutex<Transactions>,
    pub http: reqwest::Client,
    /// Caps every transaction's wait period (tests of ESP-946).
    pub max_wait: Option<Duration>,
}

type Shared = Arc<Sim>;

pub fn router(sim: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/{ver}/form/signdoc", post(form_signdoc))
        .route("/{ver}/signdoc", post(signdoc))
        .route("/authpage", post(authpage))
        .route("/authenticate", post(authenticate))
        .route("/3.2/status", post(status))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(sim)
}

async fn index() -> Html<String> {
    Html(pages::notice_page(
        "Signet ESP simulator",
        "A local eSign service provider for tests: POST /2.1/form/signdoc, /3.2/form/signdoc, \
         /2.1/signdoc, /3.2/signdoc, /authpage, /3.2/status.",
    ))
}

fn path_version(ver: &str) -> Option<Version> {
    match ver {
        "2.1" => Some(Version::V2_1),
        "3.2" => Some(Version::V3_2),
        _ => None,
    }
}

fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

fn random_handle() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl Sim {
    fn asp(&self) -> Asp<'_> {
        Asp {
            id: &self.asp_id,
            certificate_der: &self.asp_certificate_der,
        }
    }

    /// The answer signed with the ESP key; `None` (logged) when signing fails, which only a
    /// broken key does.
    fn signed(&self, response: &EsignResponse, version: Version) -> Option<String> {
        self.xml_signer
            .sign(&response.to_xml(version))
            .map_err(|e| tracing::error!("cannot sign an EsignResp: {e}"))
            .ok()
    }

    fn wait_period(&self, version: Version, max_wait_period: Option<u32>) -> Duration {
        let wait = match (version, max_wait_period) {
            (Version::V3_2, Some(minutes)) => {
                Duration::from_secs(u64::from(minutes.clamp(1, MAX_WAIT_MINUTES)) * 60)
            }
            _ => DEFAULT_WAIT,
        };
        self.max_wait.map_or(wait, |cap| wait.min(cap))
    }
}

/// How an answer reaches the ASP.
struct Delivery<'a> {
    transport: Transport,
    version: Version,
    txn: &'a str,
    res_code: &'a str,
    reply: &'a ReplyTo,
}

/// Sends `response` to the ASP. 2.1: the browser carries it, an auto-submitting form to
/// `responseUrl`. 3.2: the ESP posts the same form to `responseUrl` itself first (3.x's
/// asynchronous delivery: the ASP has the answer even if the browser never comes back), then
/// sends the browser to `redirectUrl` (303); without a `redirectUrl` the browser gets the
/// auto-submitting form too, so an ASP must accept the same answer twice. Form transport:
/// fields `eSignResponse` and `espTxnID`; two-step: `XML` and `txnref`.
async fn deliver(sim: &Sim, d: Delivery<'_>, response: &EsignResponse) -> Response {
    let Some(xml) = sim.signed(response, d.version) else {
        return cannot_sign();
    };
    let Some(url) = &d.reply.response_url else {
        // Only a request that never parsed lacks a usable responseUrl.
        let code = response.error_code.as_deref().unwrap_or("ESP-999");
        let message = response.error_message.as_deref().unwrap_or("");
        return (
            StatusCode::BAD_REQUEST,
            Html(pages::error_page(code, message)),
        )
            .into_response();
    };
    let txnref_value;
    let fields: [(&str, &str); 2] = match d.transport {
        Transport::Form => [("eSignResponse", &xml), ("espTxnID", d.res_code)],
        Transport::TwoStep => {
            txnref_value = txnref::encode(d.txn, d.res_code);
            [("XML", &xml), ("txnref", &txnref_value)]
        }
    };
    if d.version == Version::V3_2 {
        post_to_asp(sim, url, &fields).await;
        if let Some(redirect) = &d.reply.redirect_url {
            return Redirect::to(redirect).into_response();
        }
    }
    Html(pages::auto_submit(url, &fields)).into_response()
}

/// The 3.2 server-to-server delivery: one attempt, no redirects, the answer ignored.
async fn post_to_asp(sim: &Sim, url: &str, fields: &[(&str, &str)]) {
    let body = match serde_urlencoded::to_string(fields) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("cannot encode the delivery: {e}");
            return;
        }
    };
    let sent = sim
        .http
        .post(url)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) => tracing::info!(url, status = %r.status(), "delivered to the ASP"),
        Err(e) => tracing::warn!(url, "delivery to the ASP failed: {e}"),
    }
}

/// Form transport: the browser brings the signed request; it gets the authentication page,
/// or the error delivered to the ASP.
async fn form_signdoc(State(sim): State<Shared>, Path(ver): Path<String>, body: Bytes) -> Response {
    let Some(version) = path_version(&ver) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let fields = form_fields(&body);
    let Some(xml) = field(&fields, "eSignRequest") else {
        let r = Rejection::detailed("ESP-992", "no eSignRequest field");
        return (
            StatusCode::BAD_REQUEST,
            Html(pages::error_page(r.code, &r.message)),
        )
            .into_response();
    };
    match accept(&sim, xml, version, Transport::Form) {
        Ok(txn) => {
            let txns = lock(&sim.txns);
            match txns.get(&txn) {
                Some(t) => Html(auth_page(&sim, t, None, "")).into_response(),
                None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
        Err((rejection, reply)) => {
            let failure = sign::failure(&reply.txn, None, rejection.code, &rejection.message);
            let res_code = random_handle();
            let d = Delivery {
                transport: Transport::Form,
                version,
                txn: &reply.txn,
                res_code: &res_code,
                reply: &reply,
            };
            deliver(&sim, d, &failure).await
        }
    }
}

/// Two-step: the ASP's server sends the request, raw XML or the form field `eSignRequest`;
/// the answer is a signed `EsignResp`, status 2 with `resCode`, or status 0 with the error.
async fn signdoc(
    State(sim): State<Shared>,
    Path(ver): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(version) = path_version(&ver) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let xml = if is_form(&headers) {
        field(&form_fields(&body), "eSignRequest").map(str::to_owned)
    } else {
        String::from_utf8(body.to_vec()).ok()
    };
    let answer = match xml {
        None => {
            let r = Rejection::detailed("ESP-992", "no XML in the body");
            sign::failure("", None, r.code, &r.message)
        }
        Some(xml) => match accept(&sim, &xml, version, Transport::TwoStep) {
            Ok(txn) => {
                let res_code = lock(&sim.txns)
                    .get(&txn)
                    .map(|t| t.res_code.clone())
                    .unwrap_or_default();
                EsignResponse {
                    status: Status::Pending,
                    ts: crate::ts::format(now()),
                    txn,
                    res_code: Some(res_code),
                    error_code: None,
                    error_message: None,
                    user_certificate: None,
                    signatures: Vec::new(),
                }
            }
            Err((r, reply)) => sign::failure(&reply.txn, None, r.code, &r.message),
        },
    };
    xml_answer(&sim, &answer, version)
}

fn xml_answer(sim: &Sim, answer: &EsignResponse, version: Version) -> Response {
    match sim.signed(answer, version) {
        Some(xml) => ([(header::CONTENT_TYPE, "application/xml")], xml).into_response(),
        None => cannot_sign(),
    }
}

fn cannot_sign() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "cannot sign the answer").into_response()
}

/// Checks a request and records its transaction; its txn, or why not.
fn accept(
    sim: &Sim,
    xml: &str,
    version: Version,
    transport: Transport,
) -> Result<String, (Rejection, ReplyTo)> {
    let (request, reply) = checks::check_request(xml, version, &sim.asp(), now())?;
    if reply.response_url.is_none() {
        return Err((
            Rejection::detailed("ESP-992", "responseUrl is not an http(s) URL"),
            reply,
        ));
    }
    let txn = request.txn.clone();
    let transaction = Transaction {
        expires: Instant::now() + sim.wait_period(version, request.max_wait_period),
        request,
        transport,
        res_code: random_handle(),
        failures: 0,
        stage: Stage::Waiting,
    };
    if !lock(&sim.txns).insert(transaction) {
        return Err((Rejection::new("ESP-910"), reply));
    }
    Ok(txn)
}

fn auth_page(sim: &Sim, t: &Transaction, alert: Option<String>, aadhaar: &str) -> String {
    pages::auth_page(&AuthPage {
        asp_id: &t.request.asp_id,
        txn: &t.request.txn,
        documents: t
            .request
            .hashes
            .iter()
            .map(|h| (h.id.as_str(), h.doc_info.as_str()))
            .collect(),
        session: &t.res_code,
        otp: &sim.otp,
        alert,
        aadhaar,
    })
}

fn unknown_transaction() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(pages::error_page(
            "ESP-999",
            "No such transaction: it is unknown, or the simulator restarted since",
        )),
    )
        .into_response()
}

fn already_finished() -> Response {
    Html(pages::notice_page(
        "Transaction finished",
        "This transaction is already finished; its answer went back to the application.",
    ))
    .into_response()
}

/// What to do with a transaction the browser comes back to.
enum Next {
    Page(Response),
    /// Finish it with this failure (expired, cancelled, attempts exhausted).
    Fail(&'static str),
    /// Authenticated: sign.
    Sign(crate::kyc::Person),
}

/// Two-step hand-off: the browser posts `txnref` (Base64 of `txn|resCode`).
async fn authpage(State(sim): State<Shared>, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let Some(Ok((txn, res_code))) = field(&fields, "txnref").map(txnref::decode) else {
        return (
            StatusCode::BAD_REQUEST,
            Html(pages::error_page("ESP-992", "no readable txnref field")),
        )
            .into_response();
    };
    // A page to show, or the failure that ends the transaction.
    let next: Result<Response, &'static str> = {
        let txns = lock(&sim.txns);
        match txns.get(&txn) {
            Some(t) if t.res_code == res_code && t.transport == Transport::TwoStep => {
                match t.stage {
                    Stage::Waiting if Instant::now() > t.expires => Err("ESP-946"),
                    Stage::Waiting => Ok(Html(auth_page(&sim, t, None, "")).into_response()),
                    Stage::Signing | Stage::Done(_) => Ok(already_finished()),
                }
            }
            _ => Ok(unknown_transaction()),
        }
    };
    match next {
        Ok(page) => page,
        Err(code) => fail(&sim, &txn, code).await,
    }
}

/// The authentication page's form: `session`, `aadhaar`, `otp`, `action` (sign or cancel).
async fn authenticate(State(sim): State<Shared>, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let session = field(&fields, "session").unwrap_or_default();
    let aadhaar = field(&fields, "aadhaar").unwrap_or_default().trim();
    let otp = field(&fields, "otp").unwrap_or_default().trim();
    let cancel = field(&fields, "action") == Some("cancel");

    let (txn, next) = {
        let mut txns = lock(&sim.txns);
        let Some(t) = txns.by_res_code_mut(session) else {
            return unknown_transaction();
        };
        let txn = t.request.txn.clone();
        let next = match t.stage {
            Stage::Signing | Stage::Done(_) => Next::Page(already_finished()),
            Stage::Waiting if Instant::now() > t.expires => Next::Fail("ESP-946"),
            Stage::Waiting if cancel => Next::Fail("ESP-944"),
            Stage::Waiting => {
                let person = (kyc::is_digits(aadhaar, 12) || kyc::is_digits(aadhaar, 16))
                    .then(|| sim.kyc.find(aadhaar))
                    .flatten();
                let wrong = match person {
                    None => Some("Aadhaar number not found"),
                    Some(_) if otp != sim.otp => Some("Wrong code"),
                    Some(_) => None,
                };
                match (wrong, person) {
                    (None, Some(person)) => {
                        t.stage = Stage::Signing;
                        Next::Sign(person.clone())
                    }
                    (why, _) => {
                        t.failures += 1;
                        if t.failures >= MAX_FAILURES {
                            Next::Fail("ESP-415")
                        } else {
                            let left = MAX_FAILURES - t.failures;
                            let plural = if left == 1 { "" } else { "s" };
                            let alert = format!(
                                "{}: {left} attempt{plural} left",
                                why.unwrap_or("Wrong code")
                            );
                            let shown = if aadhaar.len() <= 16 { aadhaar } else { "" };
                            Next::Page(Html(auth_page(&sim, t, Some(alert), shown)).into_response())
                        }
                    }
                }
            }
        };
        (txn, next)
    };
    match next {
        Next::Page(r) => r,
        Next::Fail(code) => fail(&sim, &txn, code).await,
        Next::Sign(person) => sign_and_deliver(sim, &txn, person).await,
    }
}

async fn sign_and_deliver(sim: Shared, txn: &str, person: crate::kyc::Person) -> Response {
    let Some((request, res_code)) = lock(&sim.txns)
        .get(txn)
        .map(|t| (t.request.clone(), t.res_code.clone()))
    else {
        return unknown_transaction();
    };
    let worker = Arc::clone(&sim);
    let signed = tokio::task::spawn_blocking(move || {
        sign::sign_for(
            &worker.authority,
            &worker.holder_keys,
            &person,
            &request,
            &res_code,
        )
    })
    .await;
    let response = match signed {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            tracing::error!(txn, "signing failed: {e}");
            sign::failure(txn, None, "ESP-999", "Unknown error")
        }
        Err(e) => {
            tracing::error!(txn, "signing task failed: {e}");
            sign::failure(txn, None, "ESP-999", "Unknown error")
        }
    };
    finish(&sim, txn, response).await
}

/// Ends a transaction with an ESP error after the signer's part began.
async fn fail(sim: &Sim, txn: &str, code: &'static str) -> Response {
    let res_code = lock(&sim.txns).get(txn).map(|t| t.res_code.clone());
    let failure = sign::failure(txn, res_code.as_deref(), code, checks::message(code));
    finish(sim, txn, failure).await
}

/// Records the outcome (for `EsignStatus`) and delivers it the transaction's way.
async fn finish(sim: &Sim, txn: &str, mut response: EsignResponse) -> Response {
    let found = {
        let mut txns = lock(&sim.txns);
        txns.get_mut(txn).map(|t| {
            response.res_code = Some(t.res_code.clone());
            t.stage = Stage::Done(Box::new(response.clone()));
            (
                t.transport,
                t.version(),
                t.res_code.clone(),
                ReplyTo {
                    txn: t.request.txn.clone(),
                    response_url: Some(t.request.response_url.clone()),
                    redirect_url: t.request.redirect_url.clone(),
                },
            )
        })
    };
    let Some((transport, version, res_code, reply)) = found else {
        return unknown_transaction();
    };
    let d = Delivery {
        transport,
        version,
        txn,
        res_code: &res_code,
        reply: &reply,
    };
    deliver(sim, d, &response).await
}

/// `EsignStatus` (3.2): status 2 while the signer has not finished, 1 with the certificate
/// and signatures, 0 with the error.
async fn status(State(sim): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let xml = if is_form(&headers) {
        let fields = form_fields(&body);
        field(&fields, "eSignRequest")
            .or_else(|| field(&fields, "EsignStatus"))
            .map(str::to_owned)
    } else {
        String::from_utf8(body.to_vec()).ok()
    };
    let Some(xml) = xml else {
        let failure = sign::failure("", None, "ESP-992", checks::message("ESP-992"));
        return xml_answer(&sim, &failure, Version::V3_2);
    };
    let query = match checks::check_status(&xml, &sim.asp(), now()) {
        Ok(q) => q,
        Err((r, txn)) => {
            let failure = sign::failure(&txn, None, r.code, &r.message);
            return xml_answer(&sim, &failure, Version::V3_2);
        }
    };
    let answer = {
        let txns = lock(&sim.txns);
        match txns.get(&query.txn) {
            None => sign::failure(
                &query.txn,
                None,
                "ESP-999",
                "Unknown error (no such transaction)",
            ),
            Some(t) => match &t.stage {
                Stage::Done(done) => {
                    let mut answer = (**done).clone();
                    answer.ts = crate::ts::format(now());
                    answer
                }
                Stage::Waiting if Instant::now() > t.expires => sign::failure(
                    &query.txn,
                    Some(&t.res_code),
                    "ESP-946",
                    checks::message("ESP-946"),
                ),
                Stage::Waiting | Stage::Signing => EsignResponse {
                    status: Status::Pending,
                    ts: crate::ts::format(now()),
                    txn: query.txn.clone(),
                    res_code: Some(t.res_code.clone()),
                    error_code: None,
                    error_message: None,
                    user_certificate: None,
                    signatures: Vec::new(),
                },
            },
        }
    };
    xml_answer(&sim, &answer, Version::V3_2)
}
