//! `ApiQuery`: a query string into the typed struct of its endpoint, read as Leegality's
//! clients write it. Fields are text (or Leegality booleans), so that each endpoint answers a
//! bad value with its own code; a name the struct does not know is ignored.

use std::collections::HashSet;

use axum::extract::{FromRequestParts, Query};
use axum::http::Uri;
use axum::http::request::Parts;
use serde::de::{DeserializeOwned, Deserializer, Visitor};

use crate::api::ApiError;

pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        if let Ok(Query(query)) = Query::<T>::try_from_uri(&parts.uri) {
            return Ok(ApiQuery(query));
        }
        // A derived struct refuses a name given twice; clients were always answered as if
        // only the last were given.
        let last = last_of_each(&parts.uri).ok_or_else(unreadable)?;
        Query::<T>::try_from_uri(&last)
            .map(|Query(query)| ApiQuery(query))
            .map_err(|_| unreadable())
    }
}

fn unreadable() -> ApiError {
    ApiError::new("request.query.invalid", "the query string cannot be read")
}

/// `uri` with only the last value of each name, in a query written anew.
fn last_of_each(uri: &Uri) -> Option<Uri> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).ok()?;
    let mut seen = HashSet::new();
    let mut kept: Vec<&(String, String)> = pairs
        .iter()
        .rev()
        .filter(|(name, _)| seen.insert(name.as_str()))
        .collect();
    kept.reverse();
    let mut query = String::from("/?");
    for (i, (name, value)) in kept.into_iter().enumerate() {
        if i > 0 {
            query.push('&');
        }
        encode(&mut query, name);
        query.push('=');
        encode(&mut query, value);
    }
    query.parse().ok()
}

fn encode(out: &mut String, text: &str) {
    use std::fmt::Write;
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Booleans in queries: `true`, `TRUE` and `1` are true; anything else false.
pub fn is_true(value: &str) -> bool {
    value.eq_ignore_ascii_case("true") || value == "1"
}

/// A Leegality boolean (`deserialize_with`); never refuses a value.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;

    impl Visitor<'_> for Flag {
        type Value = bool;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("text")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
            Ok(is_true(v))
        }
    }

    d.deserialize_str(Flag)
}

/// A Leegality boolean whose absence means something of its own (`None`).
pub fn given_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    flag(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use serde::Deserialize;

    #[derive(Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct Example {
        #[serde(rename = "documentId")]
        document_id: Option<String>,
        #[serde(deserialize_with = "flag")]
        file: bool,
        #[serde(rename = "auditTrail", deserialize_with = "given_flag")]
        audit_trail: Option<bool>,
    }

    async fn read(uri: &str) -> Result<Example, ApiError> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        ApiQuery::<Example>::from_request_parts(&mut parts, &())
            .await
            .map(|ApiQuery(q)| q)
    }

    #[tokio::test]
    async fn queries_read_as_leegality_clients_write_them() {
        let q = |id: Option<&str>, file, audit_trail| Example {
            document_id: id.map(String::from),
            file,
            audit_trail,
        };
        assert_eq!(read("/x").await.unwrap(), q(None, false, None));
        assert_eq!(read("/x?").await.unwrap(), q(None, false, None));
        for yes in ["true", "TRUE", "True", "1"] {
            assert_eq!(
                read(&format!("/x?file={yes}&auditTrail={yes}"))
                    .await
                    .unwrap(),
                q(None, true, Some(true)),
                "{yes}"
            );
        }
        for no in ["false", "0", "yes", ""] {
            assert_eq!(
                read(&format!("/x?file={no}&auditTrail={no}"))
                    .await
                    .unwrap(),
                q(None, false, Some(false)),
                "{no}"
            );
        }
        assert_eq!(
            read("/x?documentId=A%20B+C&unknown=1&auditTrail")
                .await
                .unwrap(),
            q(Some("A B C"), false, Some(false))
        );
        assert_eq!(
            read("/x?documentId=").await.unwrap(),
            q(Some(""), false, None)
        );
    }

    #[tokio::test]
    async fn the_last_of_a_repeated_name_counts() {
        let read = |uri: &'static str| async move { read(uri).await.unwrap() };
        assert_eq!(
            read("/x?documentId=A&file=1&documentId=B%26C%3D%25")
                .await
                .document_id
                .as_deref(),
            Some("B&C=%")
        );
        assert!(!read("/x?file=true&file=false").await.file);
        assert!(read("/x?file=false&file=true&x=1&x=2").await.file);
        assert_eq!(
            read("/x?documentId=%E0%A4%85&documentId=%E0%A4%86+%21")
                .await
                .document_id
                .as_deref(),
            Some("आ !")
        );
    }
}
