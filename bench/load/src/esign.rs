//! Aadhaar eSign end to end (issue 19): the signer's whole journey through the server and
//! `signet esp-simulator`, as the browser makes it, on pre-sent documents. `bench/esign.sh`
//! starts both.
//!
//! Steps: `start` (the server prepares the revision and signs the request), `esp` (the form
//! posted to the simulator's gateway, which checks the request and answers its
//! authentication page), `authenticate` (Aadhaar number and code: the simulator issues a
//! certificate, signs the hash and answers the form that carries the signed answer back),
//! `answer` (the server checks the answer and the CMS, embeds it and records the signature).

use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use reqwest::redirect::Policy;
use serde_json::json;

use crate::Common;
use crate::certs::{DEFAULT_DOCUMENTS, send_documents, uuid_of, workflow_with};
use crate::run::Step;

#[derive(Args)]
pub struct Esign {
    #[command(flatten)]
    pub common: Common,
    /// The provider's name in the server's SIGNET_ESP_CONFIG (a form-transport one).
    #[arg(long, default_value = "sandbox")]
    esp: String,
    /// An Aadhaar number in the simulator's KYC file.
    #[arg(long, default_value = "999941057058")]
    aadhaar: String,
    /// The simulator's one-time code.
    #[arg(long, default_value = "123456")]
    otp: String,
    /// Size of each document, in KiB.
    #[arg(long, default_value_t = 1024)]
    pdf_kb: usize,
}

pub const STEPS: [&str; 5] = ["start", "esp", "authenticate", "answer", "round trip"];

pub async fn run(o: Esign) -> Result<(), String> {
    let mut common = o.common;
    let count = *common.requests.get_or_insert(DEFAULT_DOCUMENTS);
    let api = common.api();
    let profile = workflow_with(&api, "AADHAAR", false, json!({"esp": o.esp})).await?;
    let mut urls = send_documents(&api, &profile, o.pdf_kb, count + 1, false).await?;
    let browser = reqwest::Client::builder()
        .redirect(Policy::none())
        .pool_max_idle_per_host(common.concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let journey = Arc::new(Journey {
        base: common.url.trim_end_matches('/').to_string(),
        browser,
        aadhaar: o.aadhaar,
        otp: o.otp,
    });
    let warm = urls.pop().expect("one document more than the count");
    let first = journey.sign(uuid_of(&warm)).await;
    if let Some(e) = first.iter().find_map(|s| s.error.as_ref()) {
        return Err(format!("the first signature: {e}"));
    }
    let label = format!("AADHAAR eSign, {} KB, c{}", o.pdf_kb, common.concurrency);
    let urls = Arc::new(urls);
    crate::measure(&common, label, &STEPS, move |n| {
        let (journey, urls) = (journey.clone(), urls.clone());
        async move { journey.sign(uuid_of(&urls[n as usize])).await }
    })
    .await;
    Ok(())
}

struct Journey {
    base: String,
    browser: reqwest::Client,
    aadhaar: String,
    otp: String,
}

/// A page's first form: where it posts and its named fields, as a browser would send them.
struct Form {
    action: String,
    fields: Vec<(String, String)>,
}

impl Journey {
    async fn sign(&self, uuid: &str) -> Vec<Step> {
        let start = Instant::now();
        let mut steps = Vec::with_capacity(STEPS.len());
        let path = format!("/api/sign/{uuid}/aadhaar/start");
        let (s, handoff) = Step::timed(0, async {
            let res = self
                .browser
                .post(format!("{}{path}", self.base))
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json!({"consent": true}).to_string())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let body: serde_json::Value = res.json().await.map_err(|e| e.to_string())?;
            let d = &body["data"];
            let action = d["action"]
                .as_str()
                .ok_or_else(|| format!("no action in {body}"))?
                .to_string();
            let fields = d["fields"]
                .as_object()
                .ok_or("no fields")?
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            Ok(Form { action, fields })
        })
        .await;
        steps.push(s);
        let Some(handoff) = handoff else {
            return steps;
        };
        let (s, auth) = Step::timed(1, self.post_form(&handoff, &[])).await;
        steps.push(s);
        let Some(auth) = auth else { return steps };
        let identity = [
            ("aadhaar", self.aadhaar.as_str()),
            ("otp", self.otp.as_str()),
            ("action", "sign"),
        ];
        let (s, delivery) = Step::timed(2, self.post_form(&auth, &identity)).await;
        steps.push(s);
        let Some(delivery) = delivery else {
            return steps;
        };
        let (s, done) = Step::timed(3, async {
            let res = self.submit(&delivery, &[]).await?;
            let location = res
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_string();
            if location.ends_with("esign=signed") {
                Ok(())
            } else {
                Err(format!("the answer ended as {location:?}"))
            }
        })
        .await;
        steps.push(s);
        if done.is_some() {
            steps.push(Step {
                step: 4,
                latency: start.elapsed(),
                error: None,
            });
        }
        steps
    }

    async fn submit(
        &self,
        form: &Form,
        more: &[(&str, &str)],
    ) -> Result<reqwest::Response, String> {
        // What the signer types replaces the page's empty field of that name.
        let mut fields: Vec<(&str, &str)> = form
            .fields
            .iter()
            .filter(|(k, _)| !more.iter().any(|(m, _)| m == k))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        fields.extend_from_slice(more);
        self.browser
            .post(&form.action)
            .form(&fields)
            .send()
            .await
            .map_err(|e| e.to_string())
    }

    /// Posts `form` (with `more` fields) and reads the form of the page it answers.
    async fn post_form(&self, form: &Form, more: &[(&str, &str)]) -> Result<Form, String> {
        let res = self.submit(form, more).await?;
        let url = res.url().clone();
        let status = res.status();
        let html = res.text().await.map_err(|e| e.to_string())?;
        let mut next = first_form(&html).ok_or_else(|| {
            format!(
                "{status} without a form from {}: {}",
                form.action,
                html.chars().take(300).collect::<String>()
            )
        })?;
        if next.action.starts_with('/') {
            next.action = url
                .join(&next.action)
                .map_err(|e| e.to_string())?
                .to_string();
        }
        Ok(next)
    }
}

/// The first `<form>`'s action and its named `<input>`s; enough for the simulator's pages and
/// Signet's own, which write attributes in double quotes.
fn first_form(html: &str) -> Option<Form> {
    let at = html.find("<form")?;
    let form = &html[at..html[at..].find("</form>").map_or(html.len(), |e| at + e)];
    let action = unescape(&attr(&form[..form.find('>')?], "action")?);
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..end];
        if let Some(name) = attr(tag, "name") {
            let value = attr(tag, "value").map(|v| unescape(&v)).unwrap_or_default();
            fields.push((name, value));
        }
        rest = &rest[end..];
    }
    Some(Form { action, fields })
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_string())
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
