//! The audit trail of a document: the hash chain over its events, the human-readable PDF that
//! lists them, and the machine-readable JSON copy attached to that PDF.
//!
//! The server's event log and `signet verify` both use [`event_hash`], so the chain printed in
//! the PDF, the chain stored in the database and the chain a verifier recomputes are one and
//! the same.
//!
//! The PDF is PDF/A-3u (PDF/A-3b as a fallback): fonts are embedded (Noto Sans plus nine Indian scripts, chosen per run
//! of characters), and `audit-events.json` ([`audit_json`]) is attached as an associated file
//! so a verifier can recheck the chain without OCR ([`parse_audit_json`], then
//! [`check_chain`]). It is unsigned; the caller seals it with an incremental signature.

mod layout;
mod pdf;
mod text;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One entry of a document's event log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    /// When it happened, RFC 3339 (`2026-01-15T09:30:00Z`).
    pub time: String,
    /// Who did it: a signer's name and e-mail, an API account, `system`.
    pub actor: String,
    /// What happened, e.g. `document.signed`.
    pub action: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Free text; may be empty.
    pub details: String,
}

/// The hash that starts every chain.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// The hash of one event, chained to the hash of the event before it:
///
/// ```text
/// hash = SHA-256( prev || canonical_json(event) )
/// ```
///
/// `prev` is the 32-byte hash of the previous event, or 32 zero bytes ([`GENESIS`]) for the
/// first event. `canonical_json(event)` is these UTF-8 bytes:
///
/// ```text
/// {"time":T,"actor":A,"action":C,"ip":I,"user_agent":U,"details":D}
/// ```
///
/// - the six keys in exactly this order, with no whitespace anywhere;
/// - `T`, `A`, `C`, `D` are JSON strings; `I` and `U` are JSON strings, or `null` when absent;
/// - a string is the field's exact text (no Unicode normalization, no trimming) between double
///   quotes, where only these are escaped: `"` as `\"`, `\` as `\\`, U+0008 as `\b`, U+000C as
///   `\f`, U+000A as `\n`, U+000D as `\r`, U+0009 as `\t`, and every other character below
///   U+0020 as `\u00xx` (four hex digits, lowercase). Every other character, including `/`,
///   U+007F and all non-ASCII characters, is written as itself in UTF-8.
///
/// This is byte for byte what `serde_json::to_vec` and Python's
/// `json.dumps(e, separators=(",", ":"), ensure_ascii=False)` produce for the event. It is
/// written out by hand here so that a serde attribute added to [`AuditEvent`] later cannot
/// silently change every hash.
pub fn event_hash(prev: &[u8; 32], event: &AuditEvent) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical_json(event));
    hasher.finalize().into()
}

/// The hash of every event, in order, starting from [`GENESIS`].
pub fn chain(events: &[AuditEvent]) -> Vec<[u8; 32]> {
    let mut prev = GENESIS;
    events
        .iter()
        .map(|event| {
            prev = event_hash(&prev, event);
            prev
        })
        .collect()
}

/// Rechecks a stored chain. `Err(i)` names the first event whose stored hash is wrong; when the
/// two lists differ in length, the first index that has no partner is the bad one (an event
/// without a hash, or a hash without an event). Every hash after a bad one is wrong too, by
/// construction, so only the first is reported.
pub fn check_chain(events: &[AuditEvent], hashes: &[[u8; 32]]) -> Result<(), usize> {
    let mut prev = GENESIS;
    for (i, event) in events.iter().enumerate() {
        let expected = event_hash(&prev, event);
        if hashes.get(i) != Some(&expected) {
            return Err(i);
        }
        prev = expected;
    }
    if hashes.len() > events.len() {
        return Err(events.len());
    }
    Ok(())
}

/// The canonical form [`event_hash`] documents.
fn canonical_json(event: &AuditEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let fields: [(&str, Option<&str>); 6] = [
        ("time", Some(&event.time)),
        ("actor", Some(&event.actor)),
        ("action", Some(&event.action)),
        ("ip", event.ip.as_deref()),
        ("user_agent", event.user_agent.as_deref()),
        ("details", Some(&event.details)),
    ];
    out.push(b'{');
    for (i, (key, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_string(&mut out, key);
        out.push(b':');
        match value {
            Some(v) => push_json_string(&mut out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'}');
    out
}

fn push_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s.as_bytes() {
        // Every byte of a multi-byte UTF-8 sequence is >= 0x80, so working on bytes never
        // splits a character.
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x00..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// Everything the audit-trail PDF shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditTrail {
    pub document_name: String,
    pub document_id: String,
    /// SHA-256 of the file as uploaded.
    pub original_sha256: [u8; 32],
    /// SHA-256 of the signed file this trail belongs to.
    pub final_sha256: [u8; 32],
    /// Human-readable, already formatted by the caller (`15 Jan 2026, 10:05 UTC`).
    pub generated_at: String,
    pub events: Vec<AuditEvent>,
    /// `chain(&events)`, as stored by the event log.
    pub hashes: Vec<[u8; 32]>,
}

/// What a verifier recovers from the attached `audit-events.json`: the same fields the PDF
/// was rendered from, so it can be checked with [`check_chain`] and compared with the PDF.
pub type AuditTrailData = AuditTrail;

/// The name of the JSON file attached to the audit-trail PDF.
pub const AUDIT_JSON_NAME: &str = "audit-events.json";

/// The `format` tag of [`audit_json`]; a verifier refuses any other.
pub const AUDIT_JSON_FORMAT: &str = "signet-audit-trail/1";

/// The wire form of `audit-events.json`. Hashes are lowercase hex; `hashes[i]` belongs to
/// `events[i]`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    format: String,
    document_name: String,
    document_id: String,
    original_sha256: String,
    final_sha256: String,
    generated_at: String,
    events: Vec<AuditEvent>,
    hashes: Vec<String>,
}

/// Renders the audit trail as an unsigned PDF/A-3u document (PDF/A-3b should krilla refuse a
/// glyph's Unicode mapping) with `audit-events.json` attached.
///
/// Refuses a trail whose hashes do not match its events: a sealed record with a broken chain
/// would be worse than none.
pub fn render_audit_trail(trail: &AuditTrail) -> Result<Vec<u8>> {
    if let Err(i) = check_chain(&trail.events, &trail.hashes) {
        return Err(Error::Audit(format!(
            "the stored hash of event {} does not match the event ({} events, {} hashes)",
            i + 1,
            trail.events.len(),
            trail.hashes.len()
        )));
    }
    let pages = layout::compose(trail);
    pdf::write(trail, &pages, &audit_json(trail))
}

/// The machine-readable copy of the trail that is attached to the PDF (pretty-printed JSON, so
/// a person who opens the attachment can read it too).
pub fn audit_json(trail: &AuditTrail) -> Vec<u8> {
    let file = AuditFile {
        format: AUDIT_JSON_FORMAT.to_owned(),
        document_name: trail.document_name.clone(),
        document_id: trail.document_id.clone(),
        original_sha256: hex(&trail.original_sha256),
        final_sha256: hex(&trail.final_sha256),
        generated_at: trail.generated_at.clone(),
        events: trail.events.clone(),
        hashes: trail.hashes.iter().map(hex).collect(),
    };
    // Only strings, lists and optional strings: serde_json cannot fail on them.
    serde_json::to_vec_pretty(&file).expect("strings always serialize to JSON")
}

/// Reads `audit-events.json` back. The input is untrusted: any defect is an
/// [`Error::Audit`], never a panic. This checks the structure only; call [`check_chain`] on
/// the result to check the hashes.
pub fn parse_audit_json(bytes: &[u8]) -> Result<AuditTrailData> {
    let file: AuditFile = serde_json::from_slice(bytes)
        .map_err(|e| Error::Audit(format!("{AUDIT_JSON_NAME} is not valid: {e}")))?;
    if file.format != AUDIT_JSON_FORMAT {
        return Err(Error::Audit(format!(
            "{AUDIT_JSON_NAME} has format {:?}, expected {AUDIT_JSON_FORMAT:?}",
            file.format
        )));
    }
    let hashes = file
        .hashes
        .iter()
        .enumerate()
        .map(|(i, h)| parse_hash(h, &format!("hashes[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    Ok(AuditTrailData {
        original_sha256: parse_hash(&file.original_sha256, "original_sha256")?,
        final_sha256: parse_hash(&file.final_sha256, "final_sha256")?,
        document_name: file.document_name,
        document_id: file.document_id,
        generated_at: file.generated_at,
        events: file.events,
        hashes,
    })
}

/// Lowercase hex, as printed in the PDF and written in the JSON.
/// Renders the audit trail and seals it with an invisible signature of `signer` (the server's
/// sealing certificate), timestamped when `tsa` is given. Returns the whole sealed PDF.
pub fn seal_audit_trail(
    trail: &AuditTrail,
    signer: &dyn crate::signer::Signer,
    time: time::OffsetDateTime,
    tsa: Option<&dyn crate::timestamp::TimestampAuthority>,
) -> Result<Vec<u8>> {
    let mut pdf = render_audit_trail(trail)?;
    let mut options = crate::sign::SignatureOptions::new(time);
    options.field_name = Some("AuditTrailSeal".into());
    options.name = Some("Signet audit trail seal".into());
    options.reason = Some(format!("Audit trail of document {}", trail.document_id));
    options.timestamp = tsa.is_some();
    let appended = crate::sign::sign(&pdf, &options, signer, tsa)?;
    pdf.extend_from_slice(&appended);
    Ok(pdf)
}

pub fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hash(s: &str, what: &str) -> Result<[u8; 32]> {
    let bad = || Error::Audit(format!("{what} is not 64 hex digits"));
    let digits = s.as_bytes();
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hi = hex_value(pair[0]).ok_or_else(bad)?;
        let lo = hex_value(pair[1]).ok_or_else(bad)?;
        *byte = (hi << 4) | lo;
    }
    Ok(out)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two events of the fixed test vector. The expected hashes were computed
    /// independently with Python (`hashlib` + `json.dumps(separators=(",", ":"),
    /// ensure_ascii=False)`), so they pin the canonical form, not just this implementation.
    fn vector_events() -> Vec<AuditEvent> {
        vec![
            AuditEvent {
                time: "2026-01-15T09:30:00Z".into(),
                actor: "system".into(),
                action: "document.created".into(),
                ip: None,
                user_agent: None,
                details: "Uploaded \"lease.pdf\" (3 pages)".into(),
            },
            AuditEvent {
                time: "2026-01-15T10:02:17+05:30".into(),
                actor: "आशा राव".into(),
                action: "document.signed".into(),
                ip: Some("203.0.113.7".into()),
                user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".into()),
                details: "Typed signature\tconsent=yes\nline2 \\ end \u{1}/\u{7f}".into(),
            },
        ]
    }

    const VECTOR: [&str; 2] = [
        "602de9f977f41a6065cbec8061ad45dd6ede62a1a0d7f1cf9ba98029efb7c16a",
        "8fd1d5d0d5d4776d26848695d1dd06a97a2ff15b9c585f766f8609506912a883",
    ];

    #[test]
    fn chain_matches_the_fixed_test_vector() {
        let hashes = chain(&vector_events());
        let hex: Vec<String> = hashes.iter().map(hex).collect();
        assert_eq!(hex, VECTOR);
    }

    #[test]
    fn chain_is_deterministic_and_links_each_hash_to_the_previous() {
        let events = vector_events();
        assert_eq!(chain(&events), chain(&events));
        let hashes = chain(&events);
        assert_eq!(hashes[0], event_hash(&GENESIS, &events[0]));
        assert_eq!(hashes[1], event_hash(&hashes[0], &events[1]));
        assert!(chain(&[]).is_empty());
    }

    #[test]
    fn canonical_json_is_what_serde_json_writes() {
        let mut events = vector_events();
        events.push(AuditEvent {
            time: String::new(),
            actor: "\u{0}\u{8}\u{c}\r\u{1f} \u{7f}\u{feff}😀".into(),
            action: "/\"\\".into(),
            ip: Some(String::new()),
            user_agent: None,
            details: "ஆஷா".into(),
        });
        for event in &events {
            let expected = serde_json::to_vec(event).unwrap();
            assert_eq!(
                String::from_utf8(canonical_json(event)).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    #[test]
    fn check_chain_accepts_the_chain_and_finds_the_first_altered_event() {
        let mut events = vector_events();
        events.push(AuditEvent {
            details: "third".into(),
            ..events[0].clone()
        });
        let hashes = chain(&events);
        assert_eq!(check_chain(&events, &hashes), Ok(()));

        let mut altered = events.clone();
        altered[1].details.push('.');
        assert_eq!(check_chain(&altered, &hashes), Err(1));

        altered = events.clone();
        altered[0].ip = Some(String::new()); // "" is not the same as absent
        assert_eq!(check_chain(&altered, &hashes), Err(0));

        let mut swapped = events.clone();
        swapped.swap(1, 2);
        assert_eq!(check_chain(&swapped, &hashes), Err(1));

        let mut bad_hash = hashes.clone();
        bad_hash[2][31] ^= 1;
        assert_eq!(check_chain(&events, &bad_hash), Err(2));
    }

    #[test]
    fn check_chain_reports_a_length_mismatch_at_the_first_unpaired_index() {
        let events = vector_events();
        let hashes = chain(&events);
        assert_eq!(check_chain(&events, &hashes[..1]), Err(1));
        assert_eq!(check_chain(&events[..1], &hashes), Err(1));
        assert_eq!(check_chain(&events[1..], &hashes[1..]), Err(0));
        assert_eq!(check_chain(&[], &[]), Ok(()));
        assert_eq!(check_chain(&[], &hashes), Err(0));
    }

    fn sample_trail() -> AuditTrail {
        let events = vector_events();
        AuditTrail {
            document_name: "Lease — आशा राव.pdf".into(),
            document_id: "01JH8Z6X4N3M2K1J0H9G8F7E6D".into(),
            original_sha256: [0xab; 32],
            final_sha256: [0x01; 32],
            generated_at: "15 Jan 2026, 10:05 UTC".into(),
            hashes: chain(&events),
            events,
        }
    }

    #[test]
    fn audit_json_round_trips() {
        let trail = sample_trail();
        let json = audit_json(&trail);
        let back = parse_audit_json(&json).unwrap();
        assert_eq!(back, trail);
        assert_eq!(check_chain(&back.events, &back.hashes), Ok(()));
        let text = String::from_utf8(json).unwrap();
        assert!(text.contains(VECTOR[1]), "{text}");
        assert!(text.contains("\"format\": \"signet-audit-trail/1\""));
    }

    #[test]
    fn parse_audit_json_refuses_bad_input_without_panicking() {
        let good = String::from_utf8(audit_json(&sample_trail())).unwrap();
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"null".to_vec(),
            b"[]".to_vec(),
            vec![0xff, 0xfe, 0x00],
            good.as_bytes()[..good.len() / 2].to_vec(),
            good.replace("signet-audit-trail/1", "signet-audit-trail/9")
                .into_bytes(),
            good.replacen(VECTOR[0], &VECTOR[0][..63], 1).into_bytes(),
            good.replacen(VECTOR[0], &VECTOR[0].replace('a', "g"), 1)
                .into_bytes(),
            good.replacen(VECTOR[0], "é".repeat(32).as_str(), 1)
                .into_bytes(),
            good.replacen("\"format\"", "\"extra\": 1, \"format\"", 1)
                .into_bytes(),
            good.replacen("\"actor\": \"system\",", "", 1).into_bytes(),
            good.replacen("\"system\"", "42", 1).into_bytes(),
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ];
        for (i, case) in cases.iter().enumerate() {
            match parse_audit_json(case) {
                Err(Error::Audit(_)) => {}
                other => panic!("case {i}: expected Error::Audit, got {other:?}"),
            }
        }
    }

    #[test]
    fn hex_round_trips_and_accepts_uppercase() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(parse_hash(&hex(&bytes), "x").unwrap(), bytes);
        assert_eq!(parse_hash(&hex(&bytes).to_uppercase(), "x").unwrap(), bytes);
    }

    #[test]
    fn render_refuses_a_broken_chain() {
        let mut trail = sample_trail();
        trail.events[0].actor = "mallory".into();
        assert!(matches!(render_audit_trail(&trail), Err(Error::Audit(_))));
        trail = sample_trail();
        trail.hashes.pop();
        assert!(matches!(render_audit_trail(&trail), Err(Error::Audit(_))));
    }
}
