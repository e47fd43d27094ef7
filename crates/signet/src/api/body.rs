//! Request bodies as JSON: parse errors a client can act on, naming the field, never the
//! server's own types and never echoing more than a few characters of what was sent.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::api::ApiError;

/// A JSON body whose parse errors become `request.json.invalid` naming the field, instead
/// of axum's plain-text rejection.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new("file.too.large", "the request body is over the size limit")
                } else {
                    ApiError::new("request.body.invalid", "the request body could not be read")
                }
            })?;
        parse(&bytes).map(ApiJson)
    }
}

/// An optional JSON body: none (or only whitespace) is the default.
pub fn optional_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse(body)
}

pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let invalid =
        |path: &str, e: &serde_json::Error| ApiError::new("request.json.invalid", problem(path, e));
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| invalid(&e.path().to_string(), e.inner()))?;
    de.end().map_err(|e| invalid("", &e))?;
    Ok(value)
}

/// The longest piece of the client's own input repeated in a message.
const ECHO_CHARS: usize = 40;

fn problem(path: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("line {} column {}", e.line(), e.column());
    match e.classify() {
        Category::Syntax => format!("invalid JSON body: malformed JSON at {at}"),
        Category::Eof => format!("invalid JSON body: it ends too early, at {at}"),
        Category::Io => "invalid JSON body: it could not be read".into(),
        Category::Data => {
            let text = e.to_string();
            // serde appends " at line L column C"; the field's name says more.
            let text = text.rsplit_once(" at line ").map_or(&*text, |(t, _)| t);
            let field = if path == "." || path.is_empty() {
                "the body".to_string()
            } else {
                // An unknown field's name is part of its path: the client's input again.
                clip_quotes(&format!("`{path}`"))
            };
            format!("invalid JSON body: {field}: {}", plain_words(text))
        }
    }
}

/// serde's message with the Rust type names said in JSON's words and quoted input cut short.
fn plain_words(text: &str) -> String {
    let mut out = clip_quotes(text);
    for (rust, json) in [
        (
            "expected internally tagged enum",
            "expected an object of the kind",
        ),
        (
            "expected adjacently tagged enum",
            "expected an object of the kind",
        ),
        ("expected struct variant", "expected an object"),
        ("expected tuple variant", "expected a list"),
        ("expected unit variant", "expected a name"),
        ("expected variant identifier", "expected a known name"),
        ("expected struct", "expected an object"),
        ("expected enum", "expected a value of"),
        ("expected a boolean", "expected true or false"),
    ] {
        out = out.replace(rust, json);
    }
    // `expected an object WorkflowJson`: the name after it is ours, not the client's.
    for lead in [
        "expected an object",
        "expected a value of",
        "expected an object of the kind",
    ] {
        if let Some(i) = out.find(lead) {
            let tail = &out[i + lead.len()..];
            let name_len = tail
                .strip_prefix(' ')
                .map(|t| {
                    t.find(|c: char| !c.is_alphanumeric() && c != '_')
                        .unwrap_or(t.len())
                        + 1
                })
                .unwrap_or(0);
            if name_len > 1 {
                out.replace_range(i + lead.len()..i + lead.len() + name_len, "");
            }
        }
    }
    for (rust, json) in [
        ("i8", "an integer"),
        ("i16", "an integer"),
        ("i32", "an integer"),
        ("i64", "an integer"),
        ("u8", "a whole number"),
        ("u16", "a whole number"),
        ("u32", "a whole number"),
        ("u64", "a whole number"),
        ("usize", "a whole number"),
        ("f32", "a number"),
        ("f64", "a number"),
    ] {
        for tail in ["", ",", ")"] {
            out = out.replace(
                &format!("expected {rust}{tail}"),
                &format!("expected {json}{tail}"),
            );
        }
        if out.ends_with(&format!(" {rust}")) {
            out.truncate(out.len() - rust.len());
            out.push_str(json);
        }
    }
    out
}

/// Every `"…"` and `` `…` `` in `text` shortened to `ECHO_CHARS` characters.
fn clip_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(512));
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' && c != '`' {
            continue;
        }
        let mut quoted = 0;
        for q in chars.by_ref() {
            if q == c {
                if quoted > ECHO_CHARS {
                    out.push('…');
                }
                out.push(q);
                break;
            }
            quoted += 1;
            if quoted <= ECHO_CHARS {
                out.push(q);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        expiry_days: i64,
        invitees: Vec<Slot>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Slot {
        invitee_type: Kind,
        #[serde(default)]
        pages: u32,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    enum Kind {
        Signer,
        Reviewer,
    }

    fn message(body: &str) -> String {
        match parse::<Sample>(body.as_bytes()) {
            Ok(v) => panic!("parsed: {v:?}"),
            Err(e) => e.message().to_string(),
        }
    }

    #[test]
    fn messages_name_the_field_in_json_words() {
        let m = message(r#"{"expiryDays": "ten", "invitees": []}"#);
        assert_eq!(
            m,
            r#"invalid JSON body: `expiryDays`: invalid type: string "ten", expected an integer"#
        );
        let m = message(r#"{"expiryDays": 1, "invitees": [{"inviteeType": "Witness"}]}"#);
        assert!(
            m.starts_with(
                "invalid JSON body: `invitees[0].inviteeType`: unknown variant `Witness`"
            ),
            "{m}"
        );
        let m =
            message(r#"{"expiryDays": 1, "invitees": [{"inviteeType": "Signer", "pages": -1}]}"#);
        assert!(
            m.contains("`invitees[0].pages`") && m.contains("a whole number"),
            "{m}"
        );
        let m = message(r#"{"expiryDays": 1, "invitees": 5}"#);
        assert!(m.contains("expected a sequence"), "{m}");
        let m = message(r#""x""#);
        assert_eq!(
            m,
            r#"invalid JSON body: the body: invalid type: string "x", expected an object"#
        );
        for m in [message(r#"{"expiryDays": 1,"#), message("{nope}")] {
            assert!(
                m.starts_with("invalid JSON body: ") && m.contains("line 1"),
                "{m}"
            );
        }
        assert_eq!(
            message(r#"{"expiryDays": 1, "invitees": []} x"#),
            "invalid JSON body: malformed JSON at line 1 column 35"
        );
        for m in [
            message(r#"{"expiryDays": 1, "invitees": [], "surprise": 1}"#),
            message(r#"{"expiryDays": 1, "invitees": [{"pages": 1}]}"#),
        ] {
            for rust in ["Sample", "Slot", "Kind", "i64", "u32", "struct"] {
                assert!(!m.contains(rust), "{rust} in {m}");
            }
        }
    }

    #[test]
    fn long_inputs_are_not_echoed() {
        let long = "x".repeat(100_000);
        let m = message(&format!(r#"{{"expiryDays": "{long}", "invitees": []}}"#));
        assert!(m.len() < 200, "{m}");
        assert!(
            m.contains(&format!("\"{}…\"", "x".repeat(ECHO_CHARS))),
            "{m}"
        );
        let m = message(&format!(
            r#"{{"expiryDays": 1, "invitees": [], "{long}": 1}}"#
        ));
        assert!(m.len() < 400, "{m}");
    }
}
