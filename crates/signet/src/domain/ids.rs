//! The ids clients name things by, checked as they are parsed: a value of these types is well
//! formed, so a malformed one is turned away before it costs a database read.

use std::fmt;
use std::str::FromStr;

/// Text that is not an id of the kind wanted; `kind` is its name on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidId {
    pub kind: &'static str,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a {}", self.kind)
    }
}

impl std::error::Error for InvalidId {}

macro_rules! id_type {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidId;

            fn try_from(s: &str) -> Result<Self, InvalidId> {
                s.parse()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// A document's id: a ULID as it is generated, 26 characters of Crockford's base32 in upper
/// case. Only that spelling is stored, so no other spelling of the same ULID is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentId(String);

id_type!(DocumentId);

impl DocumentId {
    /// A fresh id, ordered by creation time.
    pub fn generate() -> DocumentId {
        DocumentId(ulid::Ulid::generate().to_string())
    }
}

impl FromStr for DocumentId {
    type Err = InvalidId;

    fn from_str(s: &str) -> Result<Self, InvalidId> {
        const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let b = s.as_bytes();
        // 26 digits of 5 bits hold 130: the first may carry only 3 of them.
        let well_formed = b.len() == 26
            && (b'0'..=b'7').contains(&b[0])
            && b.iter().all(|c| CROCKFORD.contains(c));
        if !well_formed {
            return Err(InvalidId { kind: "documentId" });
        }
        Ok(DocumentId(s.to_string()))
    }
}

/// The UUID of a signing link, in the hyphenated lower case it is stored in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignLink(String);

id_type!(SignLink);

impl SignLink {
    pub fn generate() -> SignLink {
        SignLink(uuid::Uuid::new_v4().hyphenated().to_string())
    }

    /// The link a `signUrl` names: the full URL (`{public}/sign/{uuid}`, with or without a
    /// query or fragment) or the bare UUID.
    pub fn from_sign_url(sign_url: &str) -> Result<SignLink, InvalidId> {
        let path = sign_url.trim().split(['?', '#']).next().unwrap_or_default();
        let last = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        last.parse()
    }
}

impl FromStr for SignLink {
    type Err = InvalidId;

    /// The UUID alone, in any of its spellings (hyphenated, simple, braced, URN).
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        uuid::Uuid::try_parse(s)
            .map(|u| SignLink(u.hyphenated().to_string()))
            .map_err(|_| InvalidId { kind: "signUrl" })
    }
}

/// A workflow's id: 7 characters `[A-Za-z0-9]`, as Leegality's profile ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileId(String);

id_type!(ProfileId);

impl ProfileId {
    pub fn generate() -> ProfileId {
        use rand::Rng;
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = rand::thread_rng();
        ProfileId(
            (0..7)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect(),
        )
    }
}

impl FromStr for ProfileId {
    type Err = InvalidId;

    fn from_str(s: &str) -> Result<Self, InvalidId> {
        if s.len() != 7 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InvalidId { kind: "profileId" });
        }
        Ok(ProfileId(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_are_upper_case_ulids() {
        let id: DocumentId = "01KMFEE9T8WPY0WPWXQHQ7DTJ2".parse().unwrap();
        assert_eq!(id.as_str(), "01KMFEE9T8WPY0WPWXQHQ7DTJ2");
        assert_eq!(id.to_string(), "01KMFEE9T8WPY0WPWXQHQ7DTJ2");
        let fresh = DocumentId::generate();
        assert_eq!(fresh.as_str().parse::<DocumentId>().unwrap(), fresh);
        for bad in [
            "",
            "01kmfee9t8wpy0wpwxqhq7dtj2",
            "01KMFEE9T8WPY0WPWXQHQ7DTJ",
            "01KMFEE9T8WPY0WPWXQHQ7DTJ22",
            "01KMFEE9T8WPY0WPWXQHQ7DTJI",
            "01KMFEE9T8WPY0WPWXQHQ7DTJU",
            "81KMFEE9T8WPY0WPWXQHQ7DTJ2",
            " 01KMFEE9T8WPY0WPWXQHQ7DTJ2",
            "01KMFEE9T8WPY0WPWXQHQ7DTJÉ",
        ] {
            assert_eq!(
                DocumentId::try_from(bad),
                Err(InvalidId { kind: "documentId" }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sign_urls_and_bare_uuids() {
        let invitation_id = |s: &str| SignLink::from_sign_url(s).ok().map(String::from);
        let id = "6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6";
        assert_eq!(invitation_id(id).as_deref(), Some(id));
        for url in [
            format!("http://127.0.0.1:8080/sign/{id}"),
            format!("https://x.in/sign/{id}/"),
            format!("https://x.in/sign/{id}?lang=hi"),
            format!(" {} ", id.to_uppercase()),
        ] {
            assert_eq!(invitation_id(&url).as_deref(), Some(id), "{url}");
        }
        assert_eq!(invitation_id("https://x.in/sign/not-a-uuid"), None);
        assert_eq!(invitation_id(""), None);
    }

    #[test]
    fn a_link_in_a_path_is_the_uuid_alone() {
        let id = "6069cd1e-961f-47b1-bd27-a1b2c3d4e5f6";
        assert_eq!(id.parse::<SignLink>().unwrap().as_str(), id);
        assert_eq!(
            id.to_uppercase()
                .replace('-', "")
                .parse::<SignLink>()
                .unwrap()
                .as_str(),
            id,
            "stored hyphenated, in lower case"
        );
        assert!(format!("x/{id}").parse::<SignLink>().is_err());
        assert!(format!(" {id}").parse::<SignLink>().is_err());
        let fresh = SignLink::generate();
        assert_eq!(fresh.as_str().parse::<SignLink>().unwrap(), fresh);
    }

    #[test]
    fn profile_ids_are_seven_letters_and_digits() {
        assert_eq!("7WMVrYf".parse::<ProfileId>().unwrap().as_str(), "7WMVrYf");
        for bad in ["", "7WMVrY", "7WMVrYf8", "7WMV-Yf", "7WMVrYé"] {
            assert_eq!(
                ProfileId::try_from(bad),
                Err(InvalidId { kind: "profileId" }),
                "{bad:?}"
            );
        }
        let fresh = ProfileId::generate();
        assert_eq!(fresh.as_str().parse::<ProfileId>().unwrap(), fresh);
    }
}
