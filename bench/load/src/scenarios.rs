//! What each subcommand sends. Bodies are built once per run where the protocol allows, so
//! the generator's own CPU stays small next to the server's.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use reqwest::{Body, Method};
use serde_json::{Value, json};

use crate::client::Api;
use crate::run::Step;

pub const CREATE: &str = "/api/v3.0/sign/request";

/// The workflow `setup` publishes: two signers, no order, a typed mark each on page 1.
pub fn workflow() -> Value {
    let signer = |label: &str, x1: i32| {
        json!({"label": label, "inviteeType": "Signer", "signatureTypes": ["VIRTUAL_SIGN"],
               "appearances": [{"page": "1", "x1": x1, "y1": 50, "x2": x1 + 200, "y2": 110}]})
    };
    json!({
        "name": "Load benchmark", "type": "PDF", "publish": true,
        "requireSigningOrder": false, "expiryDays": 10,
        "invitees": [signer("Borrower", 50), signer("Co-borrower", 300)]
    })
}

/// What an invitee sends to sign (the journey's sign steps).
pub const SIGN_BODY: &str =
    r#"{"signatureType":"VIRTUAL_SIGN","mark":{"kind":"typed","text":"Asha Rao"},"consent":true}"#;

/// A create-request body with a hole for the irn: serialised once (the base64 of a 5 MB PDF is
/// the expensive part), then completed per request by two string copies.
pub struct CreateBody {
    head: String,
    tail: String,
}

const IRN_HOLE: &str = "@@IRN@@";

impl CreateBody {
    pub fn new(profile: &str, pdf_kb: usize) -> CreateBody {
        CreateBody::with_invitees(
            profile,
            pdf_kb,
            json!([
                {"name": "Asha Rao", "email": "asha@example.com"},
                {"name": "Ravi Kumar", "phone": "9876543210"}
            ]),
        )
    }

    /// The same for a workflow of other slots: `invitees` is the request's array, one entry
    /// per slot in slot order.
    pub fn with_invitees(profile: &str, pdf_kb: usize, invitees: Value) -> CreateBody {
        let pdf = crate::pdf::pdf_of_size(pdf_kb, 0x5EED ^ pdf_kb as u64);
        let body = json!({
            "profileId": profile,
            "irn": IRN_HOLE,
            "file": {"name": format!("Load test {pdf_kb} KB"),
                     "file": base64::engine::general_purpose::STANDARD.encode(&pdf)},
            "invitees": invitees
        })
        .to_string();
        let (head, tail) = body.split_once(IRN_HOLE).expect("the hole is in the body");
        CreateBody {
            head: head.to_string(),
            tail: tail.to_string(),
        }
    }

    /// `irn` must need no JSON escaping (the run ids used here are `[a-z0-9-]`).
    pub fn with_irn(&self, irn: &str) -> String {
        [self.head.as_str(), irn, self.tail.as_str()].concat()
    }
}

/// A prefix for irns that differs between runs, so seeded documents stay distinct.
pub fn run_id() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("{ms:x}")
}

/// `data.invitees[].signUrl`'s last path segment: the UUID the invitee API takes.
pub fn sign_uuids(created: &Value) -> Result<Vec<String>, String> {
    created["invitees"]
        .as_array()
        .ok_or_else(|| format!("no invitees in {created}"))?
        .iter()
        .map(|i| {
            i["signUrl"]
                .as_str()
                .and_then(|u| u.rsplit('/').next())
                .map(str::to_string)
                .ok_or_else(|| format!("no signUrl in {i}"))
        })
        .collect()
}

pub fn document_id(created: &Value) -> Result<String, String> {
    created["documentId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no documentId in {created}"))
}

/// Percent-encodes a query value (irns and names may hold anything).
pub fn query_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn details_path(document: &str, file: bool) -> String {
    let mut p = format!(
        "/api/v3.3/document/details?documentId={}",
        query_value(document)
    );
    if file {
        p.push_str("&file=true");
    }
    p
}

/// One create with a fresh body (`seed` and `journey` give every document its own irn).
pub async fn create(api: &Api, body: String) -> Result<Value, String> {
    api.call(Method::POST, CREATE, Some(Body::from(body))).await
}

/// Steps of a journey, in the order `journey` records them.
pub const JOURNEY_STEPS: [&str; 6] = ["create", "sign 1", "sign 2", "details", "file", "journey"];

/// One signing journey: create, both invitees sign, the client reads details with a file URL
/// and downloads the signed PDF. Stops at the first failing step.
pub async fn journey(api: &Api, body: String) -> Vec<Step> {
    let start = Instant::now();
    let mut steps = Vec::with_capacity(JOURNEY_STEPS.len());
    let (s, created) = Step::timed(0, async {
        let data = create(api, body).await?;
        Ok::<_, String>((document_id(&data)?, sign_uuids(&data)?))
    })
    .await;
    steps.push(s);
    let Some((document, uuids)) = created else {
        return steps;
    };
    for (i, uuid) in uuids.iter().enumerate() {
        let path = format!("/api/sign/{uuid}/sign");
        let (s, ok) = Step::timed(1 + i, api.invitee_post(&path, SIGN_BODY)).await;
        steps.push(s);
        if ok.is_none() {
            return steps;
        }
    }
    let (s, url) = Step::timed(3, async {
        let d = api
            .call(Method::GET, &details_path(&document, true), None)
            .await?;
        d["file"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no file URL in details: {d}"))
    })
    .await;
    steps.push(s);
    let Some(url) = url else {
        return steps;
    };
    let (s, got) = Step::timed(4, api.download_pdf(&url)).await;
    steps.push(s);
    if got.is_some() {
        steps.push(Step {
            step: 5,
            latency: start.elapsed(),
            error: None,
        });
    }
    steps
}

/// `--duration` values: `10s`, `500ms`, `2m`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((s, "s"), |i| s.split_at(i));
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: a number then ms, s or m"))?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        "m" => v * 60.0,
        _ => return Err(format!("{s:?}: unit must be ms, s or m")),
    };
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("3h").is_err());
    }

    #[test]
    fn body_hole_is_filled() {
        let b = CreateBody::new("AbCdEfG", 1);
        let v: Value = serde_json::from_str(&b.with_irn("seed-1")).unwrap();
        assert_eq!(v["irn"], "seed-1");
        assert_eq!(v["profileId"], "AbCdEfG");
    }

    #[test]
    fn uuids_from_sign_urls() {
        let d = json!({"invitees": [{"signUrl": "http://h/sign/abc"}, {"signUrl": "def"}]});
        assert_eq!(sign_uuids(&d).unwrap(), ["abc", "def"]);
    }
}
