//! The ways an invitee can sign, with the names workflows, sign requests, details and webhooks
//! use for them (API.md section 1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::status::UnknownValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureType {
    /// The invitee's mark, drawn at the slot's appearances, under the platform's seal.
    VirtualSign,
    /// An organisation certificate the server holds.
    DocSigner,
    /// The signer's own certificate (USB token, smart card, HSM), signing a hash handed out.
    Dsc,
    /// Aadhaar eSign through an eSign service provider.
    Aadhaar,
    NeslEsign,
    OfflineSign,
    /// An organisation certificate applied without an invitee.
    AutomatedSign,
}

impl SignatureType {
    pub const ALL: [SignatureType; 7] = [
        SignatureType::VirtualSign,
        SignatureType::DocSigner,
        SignatureType::Dsc,
        SignatureType::Aadhaar,
        SignatureType::NeslEsign,
        SignatureType::OfflineSign,
        SignatureType::AutomatedSign,
    ];

    /// What this server can perform today; a workflow naming another is refused when it is
    /// stored, rather than an invitee failing when trying to sign.
    /// `AADHAAR` needs an eSign provider configured, which the service checks.
    pub const SUPPORTED: [SignatureType; 5] = [
        SignatureType::VirtualSign,
        SignatureType::DocSigner,
        SignatureType::Dsc,
        SignatureType::Aadhaar,
        SignatureType::AutomatedSign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignatureType::VirtualSign => "VIRTUAL_SIGN",
            SignatureType::DocSigner => "DOC_SIGNER",
            SignatureType::Dsc => "DSC",
            SignatureType::Aadhaar => "AADHAAR",
            SignatureType::NeslEsign => "NESL_ESIGN",
            SignatureType::OfflineSign => "OFFLINE_SIGN",
            SignatureType::AutomatedSign => "AUTOMATED_SIGN",
        }
    }

    pub fn is_supported(self) -> bool {
        SignatureType::SUPPORTED.contains(&self)
    }
}

impl FromStr for SignatureType {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        SignatureType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownValue::new("signature type", s))
    }
}

impl fmt::Display for SignatureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SignatureType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Stored workflows hold known types only; an unknown name there is a fault of the store.
impl<'de> Deserialize<'de> for SignatureType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A signature type as a client wrote it in a workflow's `signatureTypes`. A name this server
/// does not know is kept as written instead of failing the parse, so that the workflow's
/// check refuses it with its own code and names it; a stored workflow holds known ones only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureTypeName {
    Known(SignatureType),
    Unknown(String),
}

impl SignatureTypeName {
    pub fn as_str(&self) -> &str {
        match self {
            SignatureTypeName::Known(t) => t.as_str(),
            SignatureTypeName::Unknown(name) => name,
        }
    }
}

impl From<SignatureType> for SignatureTypeName {
    fn from(t: SignatureType) -> Self {
        SignatureTypeName::Known(t)
    }
}

impl From<&str> for SignatureTypeName {
    fn from(name: &str) -> Self {
        match name.parse() {
            Ok(t) => SignatureTypeName::Known(t),
            Err(_) => SignatureTypeName::Unknown(name.to_string()),
        }
    }
}

impl Serialize for SignatureTypeName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SignatureTypeName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(SignatureTypeName::from(name.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_its_wire_name() {
        let names: Vec<&str> = SignatureType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "VIRTUAL_SIGN",
                "DOC_SIGNER",
                "DSC",
                "AADHAAR",
                "NESL_ESIGN",
                "OFFLINE_SIGN",
                "AUTOMATED_SIGN"
            ],
            "API.md's names, in its order"
        );
        for t in SignatureType::ALL {
            assert_eq!(t.as_str().parse::<SignatureType>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            let named: SignatureTypeName =
                serde_json::from_value(serde_json::json!(t.as_str())).unwrap();
            assert_eq!(named, SignatureTypeName::Known(t));
            assert_eq!(serde_json::to_value(&named).unwrap(), t.as_str());
        }
        assert!(SignatureType::VirtualSign.is_supported());
        assert!(SignatureType::Aadhaar.is_supported());
    }

    #[test]
    fn unknown_names_are_refused_or_kept_as_written() {
        for bad in ["", "virtual_sign", "VIRTUAL SIGN", "MAGIC", "DSC "] {
            let e = bad.parse::<SignatureType>().unwrap_err();
            assert_eq!((e.what, e.value.as_str()), ("signature type", bad));
            let named: SignatureTypeName = serde_json::from_value(serde_json::json!(bad)).unwrap();
            assert_eq!(named, SignatureTypeName::Unknown(bad.into()));
            assert!(matches!(named, SignatureTypeName::Unknown(_)));
            assert_eq!(
                serde_json::to_value(&named).unwrap(),
                bad,
                "written back as it came"
            );
        }
        assert!(serde_json::from_value::<SignatureTypeName>(serde_json::json!(1)).is_err());
    }
}
