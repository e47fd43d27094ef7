//! Verification of a signer's certificate against what the sender expected (API.md 10.2):
//! the checks as asked ([`VerificationRequest`]), what the certificate says
//! ([`CertificateData`]), and the outcome ([`VerificationResults`]). Pure: the certificate
//! comes parsed, the year comes from the caller, nothing is read or written here.
//!
//! Three JSON forms exist and each has its own type, so that none of them changes when
//! another does: a create request's `dscConfig`/`aadhaarConfig` (lenient,
//! [`VerificationRequest::from_configs`]), the stored forms (serde of [`VerificationRequest`] and
//! [`VerificationResults`]; details show the first as `verificationRequest`, the second
//! through [`VerificationResults::response`] as `verificationResponse`), and the webhook's
//! `verification` object ([`VerificationResults::webhook`]).

// Until the services use it (they are being written against these types).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Tag, Tagged};

use super::event::VerificationCheck;
use super::limits::forbidden_in_name;
use super::workflow::Invalid;

/// The account's smart-name threshold when it sets none (API.md 10.2).
pub const DEFAULT_SMART_NAME_THRESHOLD: u8 = 80;
/// The earliest year of birth a request may ask for (Leegality's bound).
pub const MIN_YOB: u16 = 1900;
/// `verifyState`: the longest Indian state name is well below it; X.520 bounds ST at 128.
pub const MAX_STATE_CHARS: usize = 64;
/// What a certificate field may hold before it is cut: X.520 bounds these at 64–128
/// characters, and anything longer is shown, not matched, by a person.
const MAX_CERTIFICATE_FIELD_CHARS: usize = 256;

const CODE: &str = "invitee.verification.invalid";

/// The `verify*` keys, in Leegality's order.
pub const VERIFY_KEYS: [&str; 7] = [
    "verifyName",
    "verifySmartName",
    "verifyPincode",
    "verifyState",
    "verifyYob",
    "verifyTitle",
    "verifyGender",
];

/// Keys of `offlineSignConfig` that pin a Cloud-DSC signer: Leegality's clients send them,
/// Signet has no such signature type, so they are accepted and not used.
const OFFLINE_SIGN_PINNING_KEYS: [&str; 3] = ["mobileNumber", "pan", "signerId"];

/// A gender as eSign certificates encode it (5th character of `dnQualifier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gender {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
    #[serde(rename = "T")]
    Transgender,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "M",
            Gender::Female => "F",
            Gender::Transgender => "T",
        }
    }

    /// `M`, `F` or `T`; lower case too, since a certificate's letter is not ours to refuse.
    pub fn from_letter(c: char) -> Option<Gender> {
        match c.to_ascii_uppercase() {
            'M' => Some(Gender::Male),
            'F' => Some(Gender::Female),
            'T' => Some(Gender::Transgender),
            _ => None,
        }
    }
}

/// The checks as asked: by the create request's config, with the workflow slot's own
/// `verification` winning where it sets a check ([`VerificationRequest::merge`]). The serde
/// form is Leegality's (`verifyName`...), stored and shown as details' `verificationRequest`;
/// a check not asked is `false` or `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VerificationRequest {
    pub verify_name: bool,
    pub verify_smart_name: bool,
    /// Six digits.
    pub verify_pincode: Option<String>,
    /// At most [`MAX_STATE_CHARS`] characters, trimmed.
    pub verify_state: Option<String>,
    pub verify_yob: Option<u16>,
    /// Four digits: the last four of the Aadhaar number.
    pub verify_title: Option<String>,
    pub verify_gender: Option<Gender>,
}

fn refuse(field: &str, key: &str, why: impl std::fmt::Display) -> Invalid {
    Invalid {
        code: CODE,
        message: format!("{field}.{key}: {why}"),
    }
}

impl VerificationRequest {
    /// Nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == VerificationRequest::default()
    }

    /// Reads invitee `i`'s configs, given as (name, value) pairs (`("dscConfig", {...})`;
    /// `null` ones are skipped), into one request, or `None` when there is none. They apply to
    /// different signature types, yet a slot signs with one certificate: a check set by two
    /// of them to different values is refused rather than one silently chosen.
    pub fn from_configs<'a>(
        i: usize,
        configs: impl IntoIterator<Item = (&'a str, &'a Value)>,
        now: OffsetDateTime,
    ) -> Result<Option<VerificationRequest>, Invalid> {
        let mut found: Option<(String, VerificationRequest)> = None;
        for (config, value) in configs {
            if value.is_null() {
                continue;
            }
            let field = format!("invitees[{i}].{config}");
            let extra: &[&str] = if config == "offlineSignConfig" {
                &OFFLINE_SIGN_PINNING_KEYS
            } else {
                &[]
            };
            let parsed = Self::parse_config(&field, value, now, extra)?;
            found = Some(match found {
                None => (field, parsed),
                Some((first, so_far)) => {
                    let merged = so_far.combine(&parsed).map_err(|key| {
                        refuse(&field, key, format_args!("differs from {first}.{key}"))
                    })?;
                    (first, merged)
                }
            });
        }
        Ok(found.map(|(_, r)| r))
    }

    /// The valued checks (`verifyPincode`...) the workflow slot makes mandatory (`true`) that
    /// `api` supplies no value for: [`merge`](Self::merge) would leave them unchecked, so a
    /// create request may want to refuse them instead.
    pub fn missing_values(
        api: Option<&VerificationRequest>,
        slot: Option<&Value>,
    ) -> Vec<&'static str> {
        let Some(map) = slot.and_then(Value::as_object) else {
            return Vec::new();
        };
        let empty = VerificationRequest::default();
        let api = api.unwrap_or(&empty);
        let supplied = [
            ("verifyPincode", api.verify_pincode.is_some()),
            ("verifyState", api.verify_state.is_some()),
            ("verifyYob", api.verify_yob.is_some()),
            ("verifyTitle", api.verify_title.is_some()),
            ("verifyGender", api.verify_gender.is_some()),
        ];
        supplied
            .into_iter()
            .filter(|&(key, has)| !has && map.get(key).and_then(flag) == Some(true))
            .map(|(key, _)| key)
            .collect()
    }

    fn parse_config(
        field: &str,
        value: &Value,
        now: OffsetDateTime,
        ignored: &[&str],
    ) -> Result<VerificationRequest, Invalid> {
        let Some(map) = value.as_object() else {
            return Err(Invalid {
                code: CODE,
                message: format!("{field}: an object such as {{\"verifyName\": true}}"),
            });
        };
        let max_year = u16::try_from(now.year()).unwrap_or(u16::MAX);
        let mut r = VerificationRequest::default();
        for (key, v) in map {
            let bad = |why: &str| refuse(field, key, why);
            match key.as_str() {
                "verifyName" => r.verify_name = flag(v).ok_or_else(|| bad(FLAG))?,
                "verifySmartName" => r.verify_smart_name = flag(v).ok_or_else(|| bad(FLAG))?,
                "verifyPincode" => r.verify_pincode = pincode(v).map_err(|()| bad(PINCODE))?,
                "verifyState" => r.verify_state = state(v).map_err(|()| bad(STATE))?,
                "verifyYob" => {
                    r.verify_yob = yob(v, max_year)
                        .map_err(|()| bad(&format!("a year from {MIN_YOB} to {max_year}")))?
                }
                "verifyTitle" => r.verify_title = title(v).map_err(|()| bad(TITLE))?,
                "verifyGender" => r.verify_gender = gender(v).map_err(|()| bad(GENDER))?,
                k if ignored.contains(&k) => {
                    let fine = match v {
                        Value::Null => true,
                        Value::String(s) => s.chars().count() <= 64,
                        _ => false,
                    };
                    if !fine {
                        return Err(bad("a text of at most 64 characters"));
                    }
                }
                _ => {
                    let shown: String = key.chars().take(64).collect();
                    return Err(Invalid {
                        code: CODE,
                        message: format!(
                            "{field}.{shown}: unknown; known are {}",
                            VERIFY_KEYS.join(", ")
                        ),
                    });
                }
            }
        }
        Ok(r)
    }

    /// `self` with the checks `other` asks added, or the key of the first check both ask
    /// with different values.
    fn combine(&self, other: &VerificationRequest) -> Result<VerificationRequest, &'static str> {
        fn one<T: Clone + PartialEq>(
            key: &'static str,
            a: &Option<T>,
            b: &Option<T>,
        ) -> Result<Option<T>, &'static str> {
            match (a, b) {
                (Some(x), Some(y)) if x != y => Err(key),
                _ => Ok(a.clone().or_else(|| b.clone())),
            }
        }
        Ok(VerificationRequest {
            verify_name: self.verify_name || other.verify_name,
            verify_smart_name: self.verify_smart_name || other.verify_smart_name,
            verify_pincode: one("verifyPincode", &self.verify_pincode, &other.verify_pincode)?,
            verify_state: one("verifyState", &self.verify_state, &other.verify_state)?,
            verify_yob: one("verifyYob", &self.verify_yob, &other.verify_yob)?,
            verify_title: one("verifyTitle", &self.verify_title, &other.verify_title)?,
            verify_gender: one("verifyGender", &self.verify_gender, &other.verify_gender)?,
        })
    }

    /// The checks to run: the request's, overridden check by check where the workflow slot's
    /// `verification` map sets one (Leegality: "if the workflow marks a check mandatory or
    /// turns it off, the API value is ignored").
    ///
    /// In the slot, per `verify*` key: `false` (`"false"`, `0`, `""`) turns the check off;
    /// `true` turns a flag on,
    /// and for a valued check (pincode, state...) keeps the request's value (the workflow
    /// makes it mandatory, the request supplies it); a value (`"560001"`) is the value to
    /// check. `null`, a key the slot lacks, and a value that does not read as that check's
    /// (the slot's block is only shape-checked when saved) leave the request's check as it
    /// is. Keys other than the seven are not checks and are ignored.
    pub fn merge(api: Option<VerificationRequest>, slot: Option<&Value>) -> VerificationRequest {
        let mut r = api.unwrap_or_default();
        let Some(map) = slot.and_then(Value::as_object) else {
            return r;
        };
        // The workflow outlives the year it was saved in: its year is bounded by the format,
        // not by today.
        const SLOT_MAX_YEAR: u16 = 9999;
        for (key, v) in map {
            if v.is_null() {
                continue;
            }
            let switch = flag(v);
            match key.as_str() {
                "verifyName" => r.verify_name = switch.unwrap_or(r.verify_name),
                "verifySmartName" => r.verify_smart_name = switch.unwrap_or(r.verify_smart_name),
                "verifyPincode" => override_value(&mut r.verify_pincode, switch, pincode(v)),
                "verifyState" => override_value(&mut r.verify_state, switch, state(v)),
                "verifyYob" => override_value(&mut r.verify_yob, switch, yob(v, SLOT_MAX_YEAR)),
                "verifyTitle" => override_value(&mut r.verify_title, switch, title(v)),
                "verifyGender" => override_value(&mut r.verify_gender, switch, gender(v)),
                _ => {}
            }
        }
        r
    }
}

/// A slot's word on a valued check: off, on (keep the request's value), or its own value.
fn override_value<T>(target: &mut Option<T>, switch: Option<bool>, value: Result<Option<T>, ()>) {
    match (switch, value) {
        (Some(false), _) => *target = None,
        (Some(true), _) => {}
        (None, Ok(Some(v))) => *target = Some(v),
        (None, _) => {}
    }
}

const FLAG: &str = "true or false";
const PINCODE: &str = "six digits";
const STATE: &str = "a text of at most 64 characters";
const TITLE: &str = "the last four digits of the Aadhaar number";
const GENDER: &str = "M, F or T";

/// A JSON flag as Leegality's clients write it: `true`, `"true"`, `"TRUE"`, `1`, `"1"`...
/// `null` is `false` (not asked). `None` for anything else, including a number such as
/// `1990`, so that a year is never mistaken for a flag.
fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Null => Some(false),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A valued check's text: a JSON string, or a whole number written as one (`560001`).
/// `Ok(None)` for `null` and `""` (not asked).
fn text_of(v: &Value) -> Result<Option<String>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_string())),
        Value::Number(n) => n.as_u64().map(|n| Some(n.to_string())).ok_or(()),
        _ => Err(()),
    }
}

fn digits(v: &Value, count: usize) -> Result<Option<String>, ()> {
    match text_of(v)? {
        None => Ok(None),
        Some(s) if s.len() == count && s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

fn pincode(v: &Value) -> Result<Option<String>, ()> {
    digits(v, 6)
}

fn title(v: &Value) -> Result<Option<String>, ()> {
    digits(v, 4)
}

fn state(v: &Value) -> Result<Option<String>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else if s.chars().count() > MAX_STATE_CHARS || s.chars().any(forbidden_in_name) {
                Err(())
            } else {
                Ok(Some(s.to_string()))
            }
        }
        _ => Err(()),
    }
}

fn yob(v: &Value, max_year: u16) -> Result<Option<u16>, ()> {
    match text_of(v)? {
        None => Ok(None),
        Some(s) => match s.parse::<u16>() {
            Ok(y) if (MIN_YOB..=max_year).contains(&y) => Ok(Some(y)),
            _ => Err(()),
        },
    }
}

fn gender(v: &Value) -> Result<Option<Gender>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            let s = s.trim();
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (None, _) => Ok(None),
                (Some(c), None) => Gender::from_letter(c).map(Some).ok_or(()),
                _ => Err(()),
            }
        }
        _ => Err(()),
    }
}

const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_STATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const OID_TITLE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.12");
const OID_POSTAL_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.17");
const OID_DN_QUALIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.46");

/// What the checks read from a certificate's subject (esign-esp.md section 8), shown as
/// details' `certificateData`. A field the certificate lacks, or holds in a form that is not
/// the eSign one (a `dnQualifier` not starting with a year), is `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CertificateData {
    /// CN.
    pub name: Option<String>,
    /// The first four characters of `dnQualifier`, when they are digits.
    pub yob: Option<String>,
    /// The fifth character of `dnQualifier`, when it is `M`, `F` or `T`.
    pub gender: Option<String>,
    /// `postalCode`.
    pub pincode: Option<String>,
    /// `title`: on eSign certificates the last four digits of the Aadhaar number.
    pub title: Option<String>,
    /// `ST`.
    pub state: Option<String>,
}

impl CertificateData {
    pub fn from_certificate(cert: &Certificate) -> CertificateData {
        let subject = &cert.tbs_certificate.subject;
        // The first value of each type, in the order the subject lists them.
        let first = |oid: ObjectIdentifier| {
            subject
                .0
                .iter()
                .flat_map(|rdn| rdn.0.iter())
                .filter(|atv| atv.oid == oid)
                .find_map(|atv| directory_string(&atv.value))
        };
        let qualifier = first(OID_DN_QUALIFIER);
        let (yob, gender) = match &qualifier {
            Some(q) => {
                let yob: String = q.chars().take(4).collect();
                let yob =
                    (yob.len() == 4 && yob.bytes().all(|b| b.is_ascii_digit())).then_some(yob);
                let gender = yob
                    .as_ref()
                    .and_then(|_| q.chars().nth(4))
                    .and_then(Gender::from_letter)
                    .map(|g| g.as_str().to_string());
                (yob, gender)
            }
            None => (None, None),
        };
        CertificateData {
            name: first(OID_COMMON_NAME),
            yob,
            gender,
            pincode: first(OID_POSTAL_CODE),
            title: first(OID_TITLE),
            state: first(OID_STATE),
        }
    }
}

/// The text of a directory string in whichever encoding the issuer chose, trimmed and without
/// control characters; `None` when empty or not a string type.
fn directory_string(value: &x509_cert::der::Any) -> Option<String> {
    let bytes = value.value();
    let text: String = match value.tag() {
        Tag::Utf8String => String::from_utf8_lossy(bytes).into_owned(),
        Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::NumericString => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        // T.61 in principle; issuers put Latin-1 in it in practice.
        Tag::TeletexString => bytes.iter().map(|&b| char::from(b)).collect(),
        // UniversalString has no tag in `der`: a subject holding one does not parse at all.
        Tag::BmpString => bytes
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .map(|u| char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        _ => return None,
    };
    let clean: String = text
        .chars()
        .filter(|c| !forbidden_in_name(*c))
        .take(MAX_CERTIFICATE_FIELD_CHARS)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_string())
}

/// Honorifics dropped before names are compared: Indian and English forms, as they appear
/// in front of names on forms and in eKYC data.
const HONORIFICS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "shri", "sri", "shree", "smt", "shrimati",
    "kumari", "kum", "km", "sushri", "capt", "col", "adv",
];
/// Names longer than this many words are compared on their first words: no person's name has
/// more, and the pairing below is quadratic.
const MAX_NAME_TOKENS: usize = 16;
/// Longer words are cut; the edit distance is quadratic in them.
const MAX_TOKEN_CHARS: usize = 40;
/// A one-letter word standing for a word that starts with it.
const INITIAL_SCORE: f64 = 0.9;
/// Below this a pair of words counts as different, not as a misspelling.
const MIN_WORD_SIMILARITY: f64 = 0.6;

/// How alike two people's names are, 0 to 100. Written here rather than taken from `strsim`
/// because names need word-level pairing (order, initials, honorifics) that a character
/// metric over the whole string does not give, and the per-word distance is a few lines.
///
/// 1. Each name is case-folded and cut into words at white space and punctuation
///    (apostrophes join: `D'Souza` is `dsouza`); honorifics (`Mr`, `Smt`, `Dr`...) are
///    dropped unless nothing else is left.
/// 2. If the words joined without spaces are equal (`Ashokkumar` / `Ashok Kumar`), 100.
/// 3. Every pair of words gets a similarity: 1 when equal; 0.9 when one is a single letter
///    that starts the other (an initial); else, when both start with the same letter,
///    `1 − edit distance / longer length` if that is at least 0.6 (a misspelling); else 0.
/// 4. Pairs are matched greedily, most similar first (ties by position), each word used
///    once: word order does not matter.
/// 5. The score is `200 × (sum of matched similarities) / (words in both names)`, rounded:
///    an unmatched word on either side costs, so a missing middle name lowers the score
///    (`Asha Rao` / `Asha Ramesh Rao` is 80) without sinking it.
/// 6. Initials alone prove little (`A. R.` could be anyone's): when no whole word matched,
///    the score is halved.
pub fn smart_name_percentage(expected: &str, actual: &str) -> u8 {
    let a = name_words(expected);
    let b = name_words(actual);
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a.concat() == b.concat() {
        return 100;
    }
    let mut pairs: Vec<(f64, usize, usize)> = Vec::with_capacity(a.len() * b.len());
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let s = word_similarity(x, y);
            if s > 0.0 {
                pairs.push((s, i, j));
            }
        }
    }
    // Stable: equal similarities keep position order, so the result is deterministic.
    pairs.sort_by(|p, q| q.0.total_cmp(&p.0));
    let mut used_a = vec![false; a.len()];
    let mut used_b = vec![false; b.len()];
    let mut total = 0.0;
    let mut whole_word = false;
    for (s, i, j) in pairs {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            total += s;
            whole_word |= a[i].len() > 1 && b[j].len() > 1;
        }
    }
    let mut score = 200.0 * total / (a.len() + b.len()) as f64;
    if !whole_word {
        score /= 2.0;
    }
    score.round().clamp(0.0, 100.0) as u8
}

fn name_words(name: &str) -> Vec<Vec<char>> {
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`'))
        .flat_map(char::to_lowercase)
        .collect();
    let words: Vec<&str> = folded.split(separator).filter(|w| !w.is_empty()).collect();
    // A name that is nothing but a title (`Kumari` is also a given name) keeps it.
    let kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !HONORIFICS.contains(w))
        .collect();
    let kept = if kept.is_empty() { words } else { kept };
    kept.into_iter()
        .take(MAX_NAME_TOKENS)
        .map(|w| w.chars().take(MAX_TOKEN_CHARS).collect())
        .collect()
}

/// Where a name splits into words: white space and punctuation, Devanagari's danda included.
fn separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || c.is_ascii_punctuation()
        || matches!(
            c,
            '\u{2010}'
                ..='\u{2015}' | '\u{201C}' | '\u{201D}' | '\u{00B7}' | '\u{0964}' | '\u{0965}'
        )
}

fn word_similarity(x: &[char], y: &[char]) -> f64 {
    if x == y {
        return 1.0;
    }
    if (x.len() == 1 && y.first() == x.first()) || (y.len() == 1 && x.first() == y.first()) {
        return INITIAL_SCORE;
    }
    // People rarely get a name's first letter wrong, and without this `Usha` would pass for
    // `Asha`.
    if x.len() == 1 || y.len() == 1 || x[0] != y[0] {
        return 0.0;
    }
    let longer = x.len().max(y.len()) as f64;
    let s = 1.0 - edit_distance(x, y) as f64 / longer;
    if s >= MIN_WORD_SIMILARITY { s } else { 0.0 }
}

/// Levenshtein distance, two rows.
fn edit_distance(x: &[char], y: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=y.len()).collect();
    let mut cur = vec![0; y.len() + 1];
    for (i, cx) in x.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cy) in y.iter().enumerate() {
            let substitution = prev[j] + usize::from(cx != cy);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[y.len()]
}

/// Case-folded with white space collapsed: how `verifyName` and `verifyState` compare.
fn folded(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The outcome of the checks (API.md 10.2): `None` for a check not asked, or asked of a
/// certificate that lacks its field; `Some(passed)` otherwise. The serde form is the stored
/// one: details' `verificationResponse` names plus the threshold the smart name was judged
/// at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VerificationResults {
    pub smart_name_percentage: Option<u8>,
    /// The threshold [`smart_name_percentage`](Self::smart_name_percentage) passed or failed
    /// against (the account's at the time).
    pub smart_name_threshold: Option<u8>,
    /// Whether the signature itself verified; the caller sets it, [`verify`] cannot know.
    pub signature_verification: Option<bool>,
    #[serde(rename = "nameVerification")]
    pub name: Option<bool>,
    #[serde(rename = "pincodeVerification")]
    pub pincode: Option<bool>,
    #[serde(rename = "stateVerification")]
    pub state: Option<bool>,
    #[serde(rename = "titleVerification")]
    pub title: Option<bool>,
    #[serde(rename = "yobVerification")]
    pub yob: Option<bool>,
    #[serde(rename = "genderVerification")]
    pub gender: Option<bool>,
}

/// Details' `verificationResponse` (leegality-api.md 5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationResponse {
    pub smart_name_percentage: Option<u8>,
    pub signature_verification: Option<bool>,
    pub name_verification: Option<bool>,
    pub pincode_verification: Option<bool>,
    pub state_verification: Option<bool>,
    pub title_verification: Option<bool>,
    pub yob_verification: Option<bool>,
    pub gender_verification: Option<bool>,
}

/// The webhook's `verification` object (API.md section 6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookVerification {
    pub smart_name: Option<u8>,
    pub name: Option<bool>,
    pub pincode: Option<bool>,
    pub state: Option<bool>,
    pub title: Option<bool>,
    pub yob: Option<bool>,
    pub gender: Option<bool>,
}

/// Runs the checks `request` asks against the certificate's `data`; `invitee_name` is the
/// name the sender gave, `smart_threshold` the account's pass mark (over 100 reads as 100).
pub fn verify(
    request: &VerificationRequest,
    invitee_name: &str,
    data: &CertificateData,
    smart_threshold: u8,
) -> VerificationResults {
    let mut r = VerificationResults::default();
    if request.verify_name {
        r.name = data
            .name
            .as_deref()
            .map(|cn| folded(cn) == folded(invitee_name));
    }
    if request.verify_smart_name
        && let Some(cn) = &data.name
    {
        r.smart_name_percentage = Some(smart_name_percentage(invitee_name, cn));
        r.smart_name_threshold = Some(smart_threshold.min(100));
    }
    if let (Some(want), Some(got)) = (&request.verify_pincode, &data.pincode) {
        // A certificate may space its PIN code (`416 143`).
        let got: String = got.chars().filter(|c| !c.is_whitespace()).collect();
        r.pincode = Some(*want == got);
    }
    if let (Some(want), Some(got)) = (&request.verify_state, &data.state) {
        r.state = Some(folded(want) == folded(got));
    }
    if let (Some(want), Some(got)) = (&request.verify_title, &data.title) {
        // eSign puts the last four digits there; a longer title ends with them.
        r.title = Some(got.ends_with(want.as_str()));
    }
    if let (Some(want), Some(got)) = (request.verify_yob, &data.yob) {
        r.yob = Some(got.parse::<u16>().ok() == Some(want));
    }
    if let (Some(want), Some(got)) = (request.verify_gender, &data.gender) {
        r.gender = Some(got == want.as_str());
    }
    r
}

impl VerificationResults {
    /// Whether the smart name reached its threshold, when it was checked.
    pub fn smart_name_passed(&self) -> Option<bool> {
        let pct = self.smart_name_percentage?;
        Some(
            pct >= self
                .smart_name_threshold
                .unwrap_or(DEFAULT_SMART_NAME_THRESHOLD),
        )
    }

    /// Every check that was run, passed or not, in Leegality's order (webhook event 5's
    /// `verification` is built from these; `messages[]` from the failed ones).
    pub fn checks(&self) -> Vec<VerificationCheck> {
        let mut out = Vec::new();
        let mut push = |check: &str, passed: Option<bool>, score: Option<u8>| {
            if let Some(passed) = passed {
                out.push(VerificationCheck {
                    check: check.to_string(),
                    passed,
                    score: score.map(i64::from),
                });
            }
        };
        push("name", self.name, None);
        push(
            "smartName",
            self.smart_name_passed(),
            self.smart_name_percentage,
        );
        push("pincode", self.pincode, None);
        push("state", self.state, None);
        push("title", self.title, None);
        push("yob", self.yob, None);
        push("gender", self.gender, None);
        out
    }

    /// The checks that failed: each names one of webhook event 5's `messages[]`.
    pub fn failed_checks(&self) -> Vec<VerificationCheck> {
        self.checks().into_iter().filter(|c| !c.passed).collect()
    }

    /// No check failed and the signature, when judged, verified. A check that could not be
    /// run (its field missing from the certificate) does not fail.
    pub fn passed(&self) -> bool {
        self.signature_verification != Some(false) && self.checks().iter().all(|c| c.passed)
    }

    /// Rebuilds results from the checks an event carries (an event recorded with
    /// [`checks`](Self::checks)). The smart name's threshold is not in a check, so it reads
    /// as its pass or fail: the percentage itself is kept.
    pub fn from_checks(checks: &[VerificationCheck]) -> VerificationResults {
        let mut r = VerificationResults::default();
        for c in checks {
            let target = match c.check.as_str() {
                "smartName" => {
                    let pct = c
                        .score
                        .and_then(|s| u8::try_from(s.clamp(0, 100)).ok())
                        .unwrap_or(if c.passed { 100 } else { 0 });
                    r.smart_name_percentage = Some(pct);
                    // The threshold that reproduces the recorded outcome.
                    r.smart_name_threshold = Some(if c.passed { pct } else { pct + 1 });
                    continue;
                }
                "name" => &mut r.name,
                "pincode" => &mut r.pincode,
                "state" => &mut r.state,
                "title" => &mut r.title,
                "yob" => &mut r.yob,
                "gender" => &mut r.gender,
                _ => continue,
            };
            *target = Some(c.passed);
        }
        r
    }

    /// Details' `verificationResponse`.
    pub fn response(&self) -> VerificationResponse {
        VerificationResponse {
            smart_name_percentage: self.smart_name_percentage,
            signature_verification: self.signature_verification,
            name_verification: self.name,
            pincode_verification: self.pincode,
            state_verification: self.state,
            title_verification: self.title,
            yob_verification: self.yob,
            gender_verification: self.gender,
        }
    }

    /// The webhook's `verification`.
    pub fn webhook(&self) -> WebhookVerification {
        WebhookVerification {
            smart_name: self.smart_name_percentage,
            name: self.name,
            pincode: self.pincode,
            state: self.state,
            title: self.title,
            yob: self.yob,
            gender: self.gender,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::EventKind;
    use super::*;
    use serde_json::json;
    use x509_cert::attr::AttributeTypeAndValue;
    use x509_cert::der::Any;
    use x509_cert::der::asn1::SetOfVec;
    use x509_cert::name::{RdnSequence, RelativeDistinguishedName};

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-12-07 01:30 UTC)
    }

    fn parse(v: Value) -> Result<VerificationRequest, Invalid> {
        VerificationRequest::parse_config("invitees[0].dscConfig", &v, now(), &[])
    }

    #[test]
    fn smart_names_match_people_not_strings() {
        // (expected, actual, lowest score, highest score)
        let cases: &[(&str, &str, u8, u8)] = &[
            ("Asha Rao", "Asha Rao", 100, 100),
            ("Asha Rao", "  asha   RAO ", 100, 100),
            ("Asha Rao", "Rao Asha", 100, 100),
            ("Asha Rao", "Rao, Asha", 100, 100),
            ("Asha Rao", "Mrs. Asha Rao", 100, 100),
            ("Dr Asha Rao", "ASHA RAO", 100, 100),
            ("Smt. Asha Rao", "Shri Asha Rao", 100, 100),
            ("Ashok Kumar", "Ashokkumar", 100, 100),
            ("Anita D'Souza", "Anita Dsouza", 100, 100),
            ("आशा राव", "राव  आशा", 100, 100),
            (
                "Supriya Avinash Mhaishale",
                "SUPRIYA AVINASH MHAISHALE",
                100,
                100,
            ),
            ("Asha Rao", "A. Rao", 95, 95),
            ("Asha Rao", "A Rao", 95, 95),
            ("Asha R. Rao", "Asha Ramesh Rao", 97, 97),
            ("Rajesh Kumar Sharma", "Sharma Rajesh K", 97, 97),
            ("Asha Rao", "Ashaa Rao", 90, 90),
            (
                "Venkataraman Subramanian",
                "Venkatraman Subramaniam",
                90,
                99,
            ),
            ("Asha Rao", "Asha Ramesh Rao", 80, 80),
            ("Asha Rao", "A. R.", 45, 45),
            ("A R", "A. R.", 100, 100),
            ("Asha Rao", "Asha", 60, 70),
            ("Asha Rao", "Usha Rao", 50, 50),
            ("Priya Nair", "Supriya Nair", 50, 50),
            ("Ravi Kumar", "Asha Rao", 0, 0),
            ("Ravi Kumar", "Rakesh Kumar", 50, 60),
            ("Mohammed Irfan Shaikh", "Asha Rao", 0, 39),
            ("Asha Rao", "", 0, 0),
            ("", "", 0, 0),
            ("Mr.", "Asha Rao", 0, 0),
        ];
        for &(expected, actual, low, high) in cases {
            let score = smart_name_percentage(expected, actual);
            assert!(
                (low..=high).contains(&score),
                "{expected:?} vs {actual:?}: {score}, expected {low}..={high}"
            );
            assert_eq!(
                score,
                smart_name_percentage(actual, expected),
                "{expected:?} vs {actual:?} is symmetric"
            );
        }
    }

    #[test]
    fn smart_names_stay_bounded_on_long_input() {
        let long = "Asha ".repeat(10_000);
        let score = smart_name_percentage(&long, "Asha Rao");
        assert!(score <= 100);
        assert_eq!(edit_distance(&['a'; 3], &[]), 3);
        assert_eq!(
            edit_distance(
                &"kitten".chars().collect::<Vec<_>>(),
                &"sitting".chars().collect::<Vec<_>>()
            ),
            3
        );
    }

    #[test]
    fn a_config_reads_as_leegality_clients_write_it() {
        let r = parse(json!({
            "verifyName": "true", "verifySmartName": true, "verifyPincode": " 560001 ",
            "verifyState": "Karnataka", "verifyYob": "1990", "verifyTitle": "1516",
            "verifyGender": "f"
        }))
        .unwrap();
        assert_eq!(
            r,
            VerificationRequest {
                verify_name: true,
                verify_smart_name: true,
                verify_pincode: Some("560001".into()),
                verify_state: Some("Karnataka".into()),
                verify_yob: Some(1990),
                verify_title: Some("1516".into()),
                verify_gender: Some(Gender::Female),
            }
        );
        let r = parse(json!({
            "verifyName": "FALSE", "verifySmartName": 0, "verifyPincode": 560001,
            "verifyState": "", "verifyYob": 2026, "verifyTitle": null, "verifyGender": ""
        }))
        .unwrap();
        assert_eq!(
            r,
            VerificationRequest {
                verify_pincode: Some("560001".into()),
                verify_yob: Some(2026),
                ..Default::default()
            }
        );
        assert!(parse(json!({})).unwrap().is_empty());
        assert!(!r.is_empty());
    }

    #[test]
    fn a_bad_entry_is_refused_by_name() {
        let cases = [
            (json!([]), "invitees[0].dscConfig: an object"),
            (
                json!({"verifyName": "yes"}),
                "invitees[0].dscConfig.verifyName: true or false",
            ),
            (json!({"verifyName": 2}), "verifyName: true or false"),
            (
                json!({"verifySmartName": {}}),
                "verifySmartName: true or false",
            ),
            (
                json!({"verifyPincode": "56001"}),
                "verifyPincode: six digits",
            ),
            (
                json!({"verifyPincode": "56000a"}),
                "verifyPincode: six digits",
            ),
            (
                json!({"verifyPincode": 5600011}),
                "verifyPincode: six digits",
            ),
            (json!({"verifyPincode": true}), "verifyPincode: six digits"),
            (
                json!({"verifyState": "x".repeat(65)}),
                "verifyState: a text of at most 64",
            ),
            (json!({"verifyState": "Kar\u{202E}nataka"}), "verifyState"),
            (json!({"verifyState": 7}), "verifyState"),
            (
                json!({"verifyYob": 1899}),
                "verifyYob: a year from 1900 to 2026",
            ),
            (
                json!({"verifyYob": 2027}),
                "verifyYob: a year from 1900 to 2026",
            ),
            (json!({"verifyYob": "19x0"}), "verifyYob"),
            (json!({"verifyYob": 1990.5}), "verifyYob"),
            (json!({"verifyYob": -1}), "verifyYob"),
            (
                json!({"verifyTitle": "151"}),
                "verifyTitle: the last four digits",
            ),
            (json!({"verifyTitle": "123456789012"}), "verifyTitle"),
            (json!({"verifyGender": "X"}), "verifyGender: M, F or T"),
            (json!({"verifyGender": "MALE"}), "verifyGender: M, F or T"),
            (json!({"verifyGender": 1}), "verifyGender"),
            (
                json!({"verifyAge": true}),
                "invitees[0].dscConfig.verifyAge: unknown",
            ),
            (json!({"pan": "ABCDE1234F"}), "dscConfig.pan: unknown"),
        ];
        for (input, message) in cases {
            let e = parse(input.clone()).unwrap_err();
            assert_eq!(e.code, "invitee.verification.invalid", "{input}");
            assert!(
                e.message.contains(message),
                "{input}: {:?} lacks {message:?}",
                e.message
            );
        }
    }

    #[test]
    fn an_invitee_s_configs_read_as_one_request() {
        let from_invitee = |i: usize, v: Value| {
            let map = v.as_object().unwrap().clone();
            let configs: Vec<(String, Value)> = map
                .into_iter()
                .filter(|(k, _)| k.ends_with("Config"))
                .collect();
            VerificationRequest::from_configs(
                i,
                configs.iter().map(|(k, v)| (k.as_str(), v)),
                now(),
            )
        };
        let one = from_invitee(
            2,
            json!({"name": "Asha", "dscConfig": {"verifyName": true},
                   "aadhaarConfig": {"verifyYob": 1990, "verifyName": false}}),
        )
        .unwrap()
        .unwrap();
        assert!(one.verify_name && one.verify_yob == Some(1990));
        assert_eq!(from_invitee(0, json!({"name": "Asha"})), Ok(None));
        assert_eq!(
            from_invitee(
                0,
                json!({"offlineSignConfig": {"pan": "ABCDE1234F", "verifyState": "Goa"}}),
            )
            .unwrap()
            .unwrap()
            .verify_state
            .as_deref(),
            Some("Goa")
        );
        let e = from_invitee(
            1,
            json!({"aadhaarConfig": {"verifyYob": 1990}, "neslConfig": {"verifyYob": 1991}}),
        )
        .unwrap_err();
        assert_eq!(e.code, "invitee.verification.invalid");
        assert!(
            e.message.starts_with(
                "invitees[1].neslConfig.verifyYob: differs from invitees[1].aadhaarConfig.verifyYob"
            ),
            "{}",
            e.message
        );
        let e = from_invitee(0, json!({"dscConfig": {"verifyGender": "Q"}})).unwrap_err();
        assert!(e.message.starts_with("invitees[0].dscConfig.verifyGender"));
    }

    #[test]
    fn the_workflow_slot_wins_where_it_sets_a_check() {
        let api = VerificationRequest {
            verify_name: true,
            verify_pincode: Some("560001".into()),
            verify_state: Some("Karnataka".into()),
            verify_yob: Some(1990),
            ..Default::default()
        };
        let slot = json!({
            "verifyName": false,          // off
            "verifySmartName": "true",    // on
            "verifyPincode": true,        // mandatory: the request's value
            "verifyState": false,         // off
            "verifyYob": 1985,            // the slot's own value
            "verifyTitle": "1516",
            "verifyGender": null,         // says nothing
            "note": "free text",          // not a check
        });
        let merged = VerificationRequest::merge(Some(api.clone()), Some(&slot));
        assert_eq!(
            merged,
            VerificationRequest {
                verify_name: false,
                verify_smart_name: true,
                verify_pincode: Some("560001".into()),
                verify_state: None,
                verify_yob: Some(1985),
                verify_title: Some("1516".into()),
                verify_gender: None,
            }
        );
        assert_eq!(VerificationRequest::merge(Some(api.clone()), None), api);
        assert_eq!(
            VerificationRequest::merge(
                Some(api.clone()),
                Some(&json!({"verifyName": null, "verifyYob": null}))
            ),
            api,
            "null says nothing"
        );
        assert_eq!(
            VerificationRequest::merge(
                None,
                Some(&json!({"verifyGender": "T", "verifyPincode": "bad"}))
            ),
            VerificationRequest {
                verify_gender: Some(Gender::Transgender),
                ..Default::default()
            }
        );
        assert!(VerificationRequest::merge(None, Some(&json!([1]))).is_empty());
        assert_eq!(
            VerificationRequest::missing_values(Some(&api), Some(&slot)),
            Vec::<&str>::new(),
            "the slot's pincode is the request's, its year its own"
        );
        assert_eq!(
            VerificationRequest::missing_values(
                None,
                Some(
                    &json!({"verifyPincode": true, "verifyGender": "TRUE", "verifyYob": 1985,
                             "verifyName": true, "verifyState": false})
                )
            ),
            ["verifyPincode", "verifyGender"]
        );
    }

    #[test]
    fn the_stored_request_keeps_leegality_s_names() {
        let r = VerificationRequest {
            verify_name: true,
            verify_smart_name: false,
            verify_pincode: Some("416143".into()),
            verify_state: None,
            verify_yob: Some(1989),
            verify_title: Some("1516".into()),
            verify_gender: Some(Gender::Male),
        };
        let stored = json!({
            "verifyName": true, "verifySmartName": false, "verifyPincode": "416143",
            "verifyState": null, "verifyYob": 1989, "verifyTitle": "1516", "verifyGender": "M"
        });
        assert_eq!(serde_json::to_value(&r).unwrap(), stored);
        assert_eq!(
            serde_json::from_value::<VerificationRequest>(stored).unwrap(),
            r
        );
        // A row written before a field existed reads as that check not asked.
        assert_eq!(
            serde_json::from_value::<VerificationRequest>(json!({"verifyName": true})).unwrap(),
            VerificationRequest {
                verify_name: true,
                ..Default::default()
            }
        );
    }

    fn atv(oid: &str, tag: Tag, value: &[u8]) -> RelativeDistinguishedName {
        let atv = AttributeTypeAndValue {
            oid: ObjectIdentifier::new_unwrap(oid),
            value: Any::new(tag, value).unwrap(),
        };
        RelativeDistinguishedName(SetOfVec::try_from(vec![atv]).unwrap())
    }

    fn certificate(rdns: Vec<RelativeDistinguishedName>) -> Certificate {
        let (mut cert, _) = signet_pdf::keys::generate_root("Test", "Test").unwrap();
        cert.tbs_certificate.subject = RdnSequence(rdns);
        cert
    }

    /// The subject of esign-esp.md section 8's sample, in its order and encodings.
    fn esign_certificate() -> Certificate {
        certificate(vec![
            atv("2.5.4.6", Tag::PrintableString, b"IN"),
            atv("2.5.4.17", Tag::Utf8String, b"416143"),
            atv("2.5.4.8", Tag::Utf8String, b"Maharashtra"),
            atv("2.5.4.9", Tag::Utf8String, b"Near Water Tank"),
            atv("2.5.4.7", Tag::Utf8String, b"Abdul Lat"),
            atv("2.5.4.46", Tag::PrintableString, b"1989F300dee4ab519"),
            atv(
                "2.5.4.65",
                Tag::PrintableString,
                b"0123456789abcdef0123456789abcdef",
            ),
            atv("2.5.4.12", Tag::Utf8String, b"1516"),
            atv("2.5.4.3", Tag::Utf8String, b"Supriya Avinash Mhaishale"),
        ])
    }

    #[test]
    fn certificate_data_reads_the_esign_subject() {
        let data = CertificateData::from_certificate(&esign_certificate());
        assert_eq!(
            data,
            CertificateData {
                name: Some("Supriya Avinash Mhaishale".into()),
                yob: Some("1989".into()),
                gender: Some("F".into()),
                pincode: Some("416143".into()),
                title: Some("1516".into()),
                state: Some("Maharashtra".into()),
            }
        );
        assert_eq!(
            serde_json::to_value(&data).unwrap(),
            json!({"name": "Supriya Avinash Mhaishale", "yob": "1989", "gender": "F",
                   "pincode": "416143", "title": "1516", "state": "Maharashtra"})
        );
    }

    #[test]
    fn certificate_data_tolerates_other_encodings_and_missing_fields() {
        let bmp: Vec<u8> = "आशा Rao"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        let data = CertificateData::from_certificate(&certificate(vec![
            atv("2.5.4.3", Tag::BmpString, &bmp),
            atv("2.5.4.3", Tag::Utf8String, b"Second CN"),
            atv("2.5.4.8", Tag::TeletexString, b"Tamil N\xe2du"),
            atv("2.5.4.46", Tag::PrintableString, b"ABCDE"),
            atv("2.5.4.17", Tag::Utf8String, b"   "),
            atv("2.5.4.12", Tag::Utf8String, b"Dir\x07ector"),
        ]));
        assert_eq!(
            data,
            CertificateData {
                name: Some("आशा Rao".into()),
                yob: None,
                gender: None,
                pincode: None,
                title: Some("Director".into()),
                state: Some("Tamil Nâdu".into()),
            }
        );
        // A year without a gender letter, and a gender letter in lower case.
        let year_only = CertificateData::from_certificate(&certificate(vec![atv(
            "2.5.4.46",
            Tag::PrintableString,
            b"1975",
        )]));
        assert_eq!(
            (year_only.yob.as_deref(), year_only.gender),
            (Some("1975"), None)
        );
        let lower = CertificateData::from_certificate(&certificate(vec![atv(
            "2.5.4.46",
            Tag::Utf8String,
            b"2001t99",
        )]));
        assert_eq!(lower.gender.as_deref(), Some("T"));
        assert_eq!(
            CertificateData::from_certificate(&certificate(vec![])),
            CertificateData::default()
        );
        let long = CertificateData::from_certificate(&certificate(vec![atv(
            "2.5.4.3",
            Tag::Utf8String,
            "n".repeat(1000).as_bytes(),
        )]));
        assert_eq!(long.name.unwrap().len(), MAX_CERTIFICATE_FIELD_CHARS);
    }

    fn esign_data() -> CertificateData {
        CertificateData::from_certificate(&esign_certificate())
    }

    #[test]
    fn checks_not_asked_are_null() {
        let r = verify(&VerificationRequest::default(), "Anyone", &esign_data(), 80);
        assert_eq!(r, VerificationResults::default());
        assert!(r.passed());
        assert!(r.checks().is_empty());
        assert_eq!(
            serde_json::to_value(r.webhook()).unwrap(),
            json!({"smartName": null, "name": null, "pincode": null, "state": null,
                   "title": null, "yob": null, "gender": null})
        );
    }

    #[test]
    fn every_check_compares_its_field() {
        let all = VerificationRequest {
            verify_name: true,
            verify_smart_name: true,
            verify_pincode: Some("416143".into()),
            verify_state: Some("  MAHARASHTRA ".trim().into()),
            verify_yob: Some(1989),
            verify_title: Some("1516".into()),
            verify_gender: Some(Gender::Female),
        };
        let r = verify(&all, "supriya  avinash MHAISHALE", &esign_data(), 80);
        assert_eq!(
            r,
            VerificationResults {
                smart_name_percentage: Some(100),
                smart_name_threshold: Some(80),
                signature_verification: None,
                name: Some(true),
                pincode: Some(true),
                state: Some(true),
                title: Some(true),
                yob: Some(true),
                gender: Some(true),
            }
        );
        assert!(r.passed() && r.failed_checks().is_empty());
        assert_eq!(r.checks().len(), 7);

        let wrong = VerificationRequest {
            verify_pincode: Some("416144".into()),
            verify_state: Some("Goa".into()),
            verify_yob: Some(1990),
            verify_title: Some("1517".into()),
            verify_gender: Some(Gender::Male),
            ..all
        };
        let r = verify(&wrong, "Supriya Mhaishale", &esign_data(), 80);
        assert_eq!(r.name, Some(false), "the exact name needs every word");
        assert_eq!(r.smart_name_percentage, Some(80));
        assert_eq!(r.smart_name_passed(), Some(true), "80 passes at 80");
        let failed: Vec<String> = r.failed_checks().into_iter().map(|c| c.check).collect();
        assert_eq!(
            failed,
            ["name", "pincode", "state", "title", "yob", "gender"]
        );
        assert!(!r.passed());

        let strict = verify(&wrong, "Supriya Mhaishale", &esign_data(), 81);
        assert_eq!(strict.smart_name_passed(), Some(false));
        assert_eq!(
            strict.failed_checks()[1],
            VerificationCheck {
                check: "smartName".into(),
                passed: false,
                score: Some(80),
            }
        );
        assert_eq!(
            verify(&wrong, "x", &esign_data(), 250).smart_name_threshold,
            Some(100)
        );
    }

    #[test]
    fn a_check_whose_field_the_certificate_lacks_does_not_fail() {
        let all = VerificationRequest {
            verify_name: true,
            verify_smart_name: true,
            verify_pincode: Some("416143".into()),
            verify_state: Some("Goa".into()),
            verify_yob: Some(1989),
            verify_title: Some("1516".into()),
            verify_gender: Some(Gender::Female),
        };
        let r = verify(&all, "Asha Rao", &CertificateData::default(), 80);
        assert_eq!(r, VerificationResults::default());
        assert!(r.passed());
        // A spaced PIN code and a longer title ending with the digits.
        let data = CertificateData {
            pincode: Some("416 143".into()),
            title: Some("XXXXXXXX1516".into()),
            ..Default::default()
        };
        let r = verify(&all, "Asha Rao", &data, 80);
        assert_eq!((r.pincode, r.title), (Some(true), Some(true)));
    }

    #[test]
    fn a_signature_that_failed_fails_the_results() {
        let mut r = VerificationResults {
            signature_verification: Some(true),
            ..Default::default()
        };
        assert!(r.passed());
        r.signature_verification = Some(false);
        assert!(!r.passed());
        assert!(r.failed_checks().is_empty(), "not a certificate check");
    }

    #[test]
    fn results_keep_their_stored_form_and_both_wire_forms() {
        let r = VerificationResults {
            smart_name_percentage: Some(72),
            smart_name_threshold: Some(80),
            signature_verification: Some(true),
            name: Some(false),
            pincode: None,
            state: Some(true),
            title: None,
            yob: Some(true),
            gender: None,
        };
        let stored = json!({
            "smartNamePercentage": 72, "smartNameThreshold": 80, "signatureVerification": true,
            "nameVerification": false, "pincodeVerification": null, "stateVerification": true,
            "titleVerification": null, "yobVerification": true, "genderVerification": null
        });
        assert_eq!(serde_json::to_value(&r).unwrap(), stored);
        assert_eq!(
            serde_json::from_value::<VerificationResults>(stored).unwrap(),
            r
        );
        assert_eq!(
            serde_json::to_value(r.response()).unwrap(),
            json!({
                "smartNamePercentage": 72, "signatureVerification": true,
                "nameVerification": false, "pincodeVerification": null, "stateVerification": true,
                "titleVerification": null, "yobVerification": true, "genderVerification": null
            })
        );
        assert_eq!(
            serde_json::to_value(r.webhook()).unwrap(),
            json!({"smartName": 72, "name": false, "pincode": null, "state": true,
                   "title": null, "yob": true, "gender": null})
        );
        let failed: Vec<String> = r.failed_checks().into_iter().map(|c| c.check).collect();
        assert_eq!(failed, ["name", "smartName"]);
        let checks = r.checks();
        let event = EventKind::VerificationFailed { checks: &checks };
        assert_eq!(
            event.details(),
            "name, smartName",
            "the audit trail's words"
        );
    }

    #[test]
    fn results_survive_the_trip_through_an_event_s_checks() {
        let r = VerificationResults {
            smart_name_percentage: Some(72),
            smart_name_threshold: Some(80),
            name: Some(false),
            yob: Some(true),
            ..Default::default()
        };
        let back = VerificationResults::from_checks(&r.checks());
        assert_eq!(back.webhook(), r.webhook());
        assert_eq!(back.smart_name_passed(), Some(false));
        assert_eq!(back.checks(), r.checks());
        let passing = VerificationResults {
            smart_name_percentage: Some(85),
            smart_name_threshold: Some(80),
            ..Default::default()
        };
        assert_eq!(
            VerificationResults::from_checks(&passing.checks()).checks(),
            passing.checks()
        );
    }
}
