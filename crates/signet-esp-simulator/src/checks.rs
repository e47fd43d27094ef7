//! What an ESP checks on an ASP's message before showing anyone a page, each failure with its
//! ESP code.

use std::time::Duration;

use signet_esign::Version;
use signet_esign::request::EsignRequest;
use signet_esign::status::EsignStatus;
use time::OffsetDateTime;

/// How far a request's `ts` may be from the ESP's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// A refusal: the ESP code and the message ESPs put beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    pub fn new(code: &'static str) -> Rejection {
        Rejection {
            code,
            message: message(code).to_owned(),
        }
    }

    /// The code with a detail of ours after the published message.
    pub fn detailed(code: &'static str, detail: impl std::fmt::Display) -> Rejection {
        Rejection {
            code,
            message: format!("{} ({detail})", message(code)),
        }
    }
}

/// The messages as ESPs word them.
pub fn message(code: &str) -> &'static str {
    match code {
        "ESP-415" => "Invalid OTP. No Of Retry Attempt Exhausted",
        "ESP-901" => "Invalid Authentication Mode",
        "ESP-902" => "Invalid ASP ID, cannot be empty",
        "ESP-903" => "Invalid ASP ID, may not exist or inactive",
        "ESP-905" => "Document Hash not received",
        "ESP-907" => "Request Time Stamp cannot be empty",
        "ESP-908" => "Request Time Stamp not valid (check server time)",
        "ESP-909" => "Transaction ID cannot be empty",
        "ESP-910" => "Duplicate Transaction ID for the given ASP",
        "ESP-911" => "Input XML Signature verification failed",
        "ESP-944" => "User terminated eKYC process",
        "ESP-946" => "User interface page expired",
        "ESP-992" => "Input XML parsing error",
        _ => "Unknown error",
    }
}

/// Where the answer to a message goes, read leniently so that a request that fails its
/// checks can still be answered at its `responseUrl`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyTo {
    pub txn: String,
    pub response_url: Option<String>,
    pub redirect_url: Option<String>,
}

impl ReplyTo {
    fn of(request: &EsignRequest) -> ReplyTo {
        ReplyTo {
            txn: request.txn.clone(),
            response_url: usable_url(&request.response_url),
            redirect_url: request.redirect_url.as_deref().and_then(usable_url),
        }
    }

    /// The root's `txn`, `responseUrl` and `redirectUrl` of a message that signet-esign
    /// refused, when it is at least well-formed XML.
    fn lenient(xml: &str) -> ReplyTo {
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: 10_000,
        };
        let Ok(doc) = roxmltree::Document::parse_with_options(xml, options) else {
            return ReplyTo::default();
        };
        let root = doc.root_element();
        let attr = |name| root.attribute(name).map(str::trim);
        ReplyTo {
            txn: attr("txn")
                .filter(|t| t.chars().count() <= signet_esign::request::MAX_TXN_CHARS)
                .unwrap_or_default()
                .to_owned(),
            response_url: attr("responseUrl").and_then(usable_url),
            redirect_url: attr("redirectUrl").and_then(usable_url),
        }
    }
}

/// An http(s) URL of sane length, or nothing: the simulator posts to it and sends browsers
/// to it.
fn usable_url(url: &str) -> Option<String> {
    let url = url.trim();
    let ok = url.len() <= 2048
        && (url.starts_with("http://") || url.starts_with("https://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| url.to_owned())
}

/// The ASP the simulator serves.
pub struct Asp<'a> {
    pub id: &'a str,
    pub certificate_der: &'a [u8],
}

/// Checks an `Esign` request sent to the endpoint of `version`. The duplicate txn (ESP-910)
/// is the caller's, as it records the transaction.
pub fn check_request(
    xml: &str,
    version: Version,
    asp: &Asp<'_>,
    now: OffsetDateTime,
) -> Result<(EsignRequest, ReplyTo), (Rejection, ReplyTo)> {
    let request = match EsignRequest::parse(xml) {
        Ok(r) => r,
        Err(e) => {
            let rejection = Rejection::detailed(e.esp_code(), &e);
            return Err((rejection, ReplyTo::lenient(xml)));
        }
    };
    let reply = ReplyTo::of(&request);
    let refuse = |r: Rejection| Err((r, reply.clone()));
    if request.version != version {
        return refuse(Rejection::detailed(
            "ESP-992",
            format_args!(
                "ver {} sent to the {} endpoint",
                request.version.as_str(),
                version.as_str()
            ),
        ));
    }
    if request.asp_id != asp.id {
        return refuse(Rejection::new("ESP-903"));
    }
    if let Err(e) = signet_esign::dsig::verify(xml, asp.certificate_der) {
        return refuse(Rejection::detailed("ESP-911", e));
    }
    if let Err(r) = check_ts(&request.ts, now) {
        return refuse(r);
    }
    if request.auth_mode != "1" {
        return refuse(Rejection::detailed(
            "ESP-901",
            format_args!(
                "AuthMode {} is not offered; only 1 (OTP)",
                request.auth_mode
            ),
        ));
    }
    Ok((request, reply))
}

/// Checks an `EsignStatus` query.
pub fn check_status(
    xml: &str,
    asp: &Asp<'_>,
    now: OffsetDateTime,
) -> Result<EsignStatus, (Rejection, String)> {
    let status = EsignStatus::parse(xml).map_err(|e| {
        (
            Rejection::detailed(e.esp_code(), &e),
            ReplyTo::lenient(xml).txn,
        )
    })?;
    let refuse = |r: Rejection| Err((r, status.txn.clone()));
    if status.asp_id != asp.id {
        return refuse(Rejection::new("ESP-903"));
    }
    if let Err(e) = signet_esign::dsig::verify(xml, asp.certificate_der) {
        return refuse(Rejection::detailed("ESP-911", e));
    }
    if let Err(r) = check_ts(&status.ts, now) {
        return refuse(r);
    }
    Ok(status)
}

fn check_ts(ts: &str, now: OffsetDateTime) -> Result<(), Rejection> {
    let Some(at) = crate::ts::parse(ts) else {
        return Err(Rejection::detailed(
            "ESP-908",
            "not yyyy-MM-ddTHH:mm:ss[.fff] in IST",
        ));
    };
    if (at - now).unsigned_abs() > MAX_SKEW {
        return Err(Rejection::detailed(
            "ESP-908",
            format_args!("{ts} is more than 15 minutes from the ESP's clock"),
        ));
    }
    Ok(())
}
