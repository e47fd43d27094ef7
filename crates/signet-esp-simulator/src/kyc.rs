//! The KYC file: the people the simulator can authenticate, as UIDAI's e-KYC would return
//! them to a real ESP.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// A KYC file larger than this is a mistake, not a test fixture.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
const MAX_PEOPLE: usize = 10_000;
/// X.520's upper bound for the name attributes that end up in the certificate.
const MAX_FIELD_CHARS: usize = 64;

/// One person's e-KYC record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub aadhaar: String,
    #[serde(default)]
    pub vid: Option<String>,
    pub name: String,
    pub yob: u16,
    pub gender: String,
    pub pincode: String,
    pub state: String,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub locality: Option<String>,
}

/// Everyone in the file, found by Aadhaar number or VID.
#[derive(Debug, Default)]
pub struct Kyc {
    people: Vec<Person>,
    by_number: HashMap<String, usize>,
}

impl Kyc {
    pub fn load(path: &Path) -> Result<Kyc, String> {
        let shown = path.display();
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{shown} is larger than {} MB",
                MAX_FILE_BYTES / 1024 / 1024
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        Kyc::parse(&text).map_err(|e| format!("{shown}: {e}"))
    }

    pub fn parse(json: &str) -> Result<Kyc, String> {
        let people: Vec<Person> = serde_json::from_str(json).map_err(|e| {
            format!("expected a JSON array of {{\"aadhaar\", \"name\", \"yob\", \"gender\", \"pincode\", \"state\"}}: {e}")
        })?;
        if people.is_empty() {
            return Err("the file lists nobody".into());
        }
        if people.len() > MAX_PEOPLE {
            return Err(format!("more than {MAX_PEOPLE} people"));
        }
        let mut kyc = Kyc::default();
        for (i, person) in people.into_iter().enumerate() {
            let at = |e: String| format!("entry {} ({:?}): {e}", i + 1, person.aadhaar);
            check(&person).map_err(at)?;
            let numbers = std::iter::once(&person.aadhaar).chain(person.vid.as_ref());
            for number in numbers {
                if kyc.by_number.insert(number.clone(), i).is_some() {
                    return Err(at(format!("{number} appears twice")));
                }
            }
            kyc.people.push(person);
        }
        Ok(kyc)
    }

    /// The person with this Aadhaar number or VID.
    pub fn find(&self, number: &str) -> Option<&Person> {
        self.by_number.get(number).map(|&i| &self.people[i])
    }
}

fn check(p: &Person) -> Result<(), String> {
    if !is_digits(&p.aadhaar, 12) {
        return Err("aadhaar must be 12 digits".into());
    }
    if let Some(vid) = &p.vid
        && !is_digits(vid, 16)
    {
        return Err("vid must be 16 digits".into());
    }
    if !(1900..=2100).contains(&p.yob) {
        return Err(format!("yob {} is not a year of birth", p.yob));
    }
    if !matches!(p.gender.as_str(), "M" | "F" | "T") {
        return Err("gender must be \"M\", \"F\" or \"T\"".into());
    }
    if !is_digits(&p.pincode, 6) {
        return Err("pincode must be 6 digits".into());
    }
    let texts = [
        ("name", Some(&p.name)),
        ("state", Some(&p.state)),
        ("street", p.street.as_ref()),
        ("locality", p.locality.as_ref()),
    ];
    for (field, value) in texts {
        let Some(value) = value else { continue };
        if value.trim().is_empty() {
            return Err(format!("{field} is empty"));
        }
        if value.chars().count() > MAX_FIELD_CHARS {
            return Err(format!(
                "{field} is longer than {MAX_FIELD_CHARS} characters"
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(format!("{field} holds a control character"));
        }
    }
    Ok(())
}

pub fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASHA: &str = r#"{"aadhaar": "999941057058", "name": "Asha Rao", "yob": 1989,
        "gender": "F", "pincode": "560001", "state": "Karnataka"}"#;

    #[test]
    fn reads_the_documented_sample_and_finds_by_vid() {
        let kyc = Kyc::parse(&format!("[{ASHA}]")).unwrap();
        assert_eq!(kyc.find("999941057058").unwrap().name, "Asha Rao");
        assert!(kyc.find("999941057059").is_none());
        let with_vid = ASHA.replace("\"yob\"", "\"vid\": \"9199999999999999\", \"yob\"");
        let kyc = Kyc::parse(&format!("[{with_vid}]")).unwrap();
        assert_eq!(
            kyc.find("9199999999999999").unwrap().aadhaar,
            "999941057058"
        );
    }

    #[test]
    fn refuses_bad_entries_naming_them() {
        for (from, to, says) in [
            ("999941057058", "99994105705", "aadhaar must be 12 digits"),
            ("\"F\"", "\"X\"", "gender"),
            ("560001", "56000", "pincode"),
            ("1989", "89", "yob"),
            ("Asha Rao", " ", "name is empty"),
            ("\"state\"", "\"colour\"", "unknown field"),
        ] {
            let err = Kyc::parse(&format!("[{}]", ASHA.replace(from, to))).unwrap_err();
            assert!(err.contains(says), "{from} -> {to}: {err}");
        }
        assert!(Kyc::parse("[]").unwrap_err().contains("nobody"));
        assert!(
            Kyc::parse(&format!("[{ASHA},{ASHA}]"))
                .unwrap_err()
                .contains("twice")
        );
        assert!(Kyc::parse("{").is_err());
    }
}
