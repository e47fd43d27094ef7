//! Offline verification of every signature in a PDF: byte ranges, digest, CMS signature,
//! certificate chain to given roots, revision coverage and signature timestamps.

use std::time::Duration;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::OctetString;
use der::{Decode, Encode};
use serde::Serialize;
use x509_cert::Certificate;

use crate::certificate;
use crate::cms::{OID_MESSAGE_DIGEST, OID_SIGNATURE_TIMESTAMP, OID_SIGNED_DATA};
use crate::crypto::{self, Hash};
use crate::error::Result;
use crate::object::{Dict, Object, text_string};
use crate::parse;
use crate::read::{Document, Limits};

const OID_SUBJECT_KEY_IDENTIFIER: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.14");

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    /// The chain ends at one of the given roots and every link verifies.
    Trusted,
    /// It does not, for the reason given.
    Untrusted(String),
    /// No roots were given.
    NotChecked,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimestampReport {
    /// RFC 3339.
    pub time: String,
    pub authority: Option<String>,
    /// The token is intact and its imprint matches the signature value.
    pub valid: bool,
    /// Whether the authority's certificate chains to the given roots.
    pub trust: Trust,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    pub field: String,
    /// Further fields showing the same signature (one per extra placement of the mark).
    pub also_shown_in: Vec<String>,
    pub sub_filter: String,
    /// `/Name` in the signature dictionary.
    pub name: Option<String>,
    /// `/M`, as written.
    pub claimed_time: Option<String>,
    pub reason: Option<String>,
    pub signer_subject: Option<String>,
    pub byte_range: Vec<i64>,
    /// The byte range starts at 0 and leaves out exactly the `/Contents` value.
    pub byte_range_ok: bool,
    pub digest_matches: bool,
    pub signature_valid: bool,
    /// Which revision (1 = the first) the signature covers, when it ends at a revision end.
    pub revision: Option<usize>,
    pub covers_whole_file: bool,
    pub trust: Trust,
    pub timestamp: Option<TimestampReport>,
    pub problems: Vec<String>,
}

impl SignatureReport {
    /// The signed bytes are unaltered and the signature over them verifies.
    pub fn intact(&self) -> bool {
        self.byte_range_ok && self.digest_matches && self.signature_valid
    }

    fn untrusted(&self) -> bool {
        matches!(self.trust, Trust::Untrusted(_))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditCheck {
    pub document_id: String,
    pub events: usize,
    /// Every event hash recomputes from the events and the one before it.
    pub chain_intact: bool,
    /// The first event whose hash does not recompute (0-based).
    pub first_bad_event: Option<usize>,
    /// The embedded log could not be read.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file_size: usize,
    pub revisions: usize,
    pub signatures: Vec<SignatureReport>,
    /// For an audit-trail PDF: the embedded event log rechecked against its hash chain.
    pub audit: Option<AuditCheck>,
    /// Bytes after the end of the latest signed range (trailing whitespace aside): changes
    /// no signature vouches for. Revisions that only add validation data (the DSS of PAdES
    /// B-LT) are not counted.
    pub unsigned_tail: usize,
}

impl Report {
    /// Every signature intact, trusted where roots were given, timestamps valid, and nothing
    /// appended after the last signature.
    pub fn all_good(&self) -> bool {
        !self.signatures.is_empty()
            && self.unsigned_tail == 0
            && self.audit.as_ref().is_none_or(|a| a.chain_intact)
            && self.signatures.iter().all(|s| {
                s.intact() && !s.untrusted() && s.timestamp.as_ref().is_none_or(|t| t.valid)
            })
    }
}

/// Checks every signature of `pdf`. `roots` are the trust anchors (may be empty).
pub fn verify(pdf: &[u8], roots: &[Certificate], limits: &Limits) -> Result<Report> {
    let doc = Document::open(pdf, limits)?;
    let revision_ends = revision_ends(pdf);
    let mut signatures: Vec<(Dict, SignatureReport)> = Vec::new();
    for (field, sig) in doc.signature_fields()? {
        // A signature drawn at several places has one field per place, all naming one value.
        if let Some((_, shown)) = signatures.iter_mut().find(|(d, _)| *d == sig) {
            shown.also_shown_in.push(field);
            continue;
        }
        let report = check_signature(pdf, &field, &sig, roots, &revision_ends);
        signatures.push((sig, report));
    }
    let signatures: Vec<SignatureReport> = signatures.into_iter().map(|(_, r)| r).collect();
    let signed_end = signatures
        .iter()
        .filter(|s| s.byte_range.len() == 4)
        .map(|s| (s.byte_range[2] + s.byte_range[3]).max(0) as usize)
        .max()
        .unwrap_or(0)
        .min(pdf.len());
    let mut unsigned_tail = pdf[signed_end..]
        .iter()
        .filter(|b| !parse::is_whitespace(**b))
        .count();
    // Validation data (PAdES B-LT) is added after the last signature by design.
    if unsigned_tail > 0 && crate::dss::only_validation_data_after(pdf, signed_end, limits) {
        unsigned_tail = 0;
    }
    let audit = embedded_file(&doc, crate::audit::AUDIT_JSON_NAME, limits)?.map(check_audit);
    Ok(Report {
        file_size: pdf.len(),
        revisions: revision_ends.len(),
        signatures,
        audit,
        unsigned_tail,
    })
}

fn check_audit(json: Vec<u8>) -> AuditCheck {
    match crate::audit::parse_audit_json(&json) {
        Ok(trail) => {
            let result = crate::audit::check_chain(&trail.events, &trail.hashes);
            AuditCheck {
                document_id: trail.document_id,
                events: trail.events.len(),
                chain_intact: result.is_ok(),
                first_bad_event: result.err(),
                problem: None,
            }
        }
        Err(e) => AuditCheck {
            document_id: String::new(),
            events: 0,
            chain_intact: false,
            first_bad_event: None,
            problem: Some(e.to_string()),
        },
    }
}

/// The decoded content of the embedded file called `name`, found through the catalog's
/// `/Names /EmbeddedFiles` name tree.
fn embedded_file(doc: &Document, name: &str, limits: &Limits) -> Result<Option<Vec<u8>>> {
    let catalog = doc.catalog()?;
    let Some(names) = doc.get_in(&catalog, "Names")? else {
        return Ok(None);
    };
    let Some(tree) = names
        .as_dict()
        .map(|n| doc.get_in(n, "EmbeddedFiles"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let mut stack = vec![(tree, 0u32)];
    while let Some((node, depth)) = stack.pop() {
        let Some(node) = node.as_dict() else { continue };
        if depth > 16 {
            break;
        }
        if let Some(pairs) = doc.get_in(node, "Names")? {
            for pair in pairs.as_array().unwrap_or(&[]).chunks_exact(2) {
                if pair[0].as_string().map(text_string).as_deref() != Some(name) {
                    continue;
                }
                let spec = doc.resolve(&pair[1])?;
                let Some(ef) = spec
                    .as_dict()
                    .map(|s| doc.get_in(s, "EF"))
                    .transpose()?
                    .flatten()
                else {
                    continue;
                };
                let Some(ef) = ef.as_dict() else { continue };
                let stream = match ef.get("F").or_else(|| ef.get("UF")) {
                    Some(s) => doc.resolve(s)?,
                    None => continue,
                };
                if let Object::Stream(s) = stream {
                    return crate::filter::decode(&s, limits.max_decoded_stream).map(Some);
                }
            }
        }
        if let Some(kids) = doc.get_in(node, "Kids")? {
            for k in kids.as_array().unwrap_or(&[]) {
                stack.push((doc.resolve(k)?, depth + 1));
            }
        }
    }
    Ok(None)
}

/// Byte offsets just past each `%%EOF` marker (and its end-of-line).
fn revision_ends(pdf: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut pos = 0;
    while let Some(p) = parse::find(&pdf[pos..], b"%%EOF") {
        let mut end = pos + p + 5;
        if pdf.get(end) == Some(&b'\r') {
            end += 1;
        }
        if pdf.get(end) == Some(&b'\n') {
            end += 1;
        }
        ends.push(end);
        pos = end;
    }
    ends
}

fn check_signature(
    pdf: &[u8],
    field: &str,
    sig: &Dict,
    roots: &[Certificate],
    revision_ends: &[usize],
) -> SignatureReport {
    let string = |k: &str| sig.get(k).and_then(Object::as_string).map(text_string);
    let mut r = SignatureReport {
        field: field.to_string(),
        also_shown_in: Vec::new(),
        sub_filter: sig
            .get_name("SubFilter")
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default(),
        name: string("Name"),
        claimed_time: string("M"),
        reason: string("Reason"),
        signer_subject: None,
        byte_range: sig
            .get("ByteRange")
            .and_then(Object::as_array)
            .map(|a| a.iter().filter_map(Object::as_int).collect())
            .unwrap_or_default(),
        byte_range_ok: false,
        digest_matches: false,
        signature_valid: false,
        revision: None,
        covers_whole_file: false,
        trust: Trust::NotChecked,
        timestamp: None,
        problems: Vec::new(),
    };
    let Some(contents) = sig.get("Contents").and_then(Object::as_string) else {
        r.problems.push("the signature has no /Contents".into());
        return r;
    };
    let Some(ranges) = checked_ranges(pdf, &r.byte_range) else {
        r.problems
            .push("the /ByteRange is malformed or points outside the file".into());
        return r;
    };
    let end = ranges[1].end;
    r.covers_whole_file = end == pdf.len();
    r.revision = revision_ends.iter().position(|&e| e == end).map(|i| i + 1);
    r.byte_range_ok = hole_is_contents(pdf, ranges[0].end, ranges[1].start, contents);
    if !r.byte_range_ok {
        r.problems
            .push("the /ByteRange does not leave out exactly the signature value".into());
    }
    if let Err(p) = check_cms(pdf, &ranges, contents, roots, &mut r) {
        r.problems.push(p);
    }
    r
}

fn checked_ranges(pdf: &[u8], br: &[i64]) -> Option<[std::ops::Range<usize>; 2]> {
    if br.len() != 4 || br[0] != 0 {
        return None;
    }
    let v: Vec<usize> = br
        .iter()
        .map(|&x| usize::try_from(x).ok())
        .collect::<Option<_>>()?;
    let first = v[0]..v[0].checked_add(v[1])?;
    let second = v[2]..v[2].checked_add(v[3])?;
    (first.end <= second.start && second.end <= pdf.len()).then_some([first, second])
}

/// The gap between the two ranges must be exactly `<hex of /Contents>`: anything else would
/// leave unsigned bytes that could change what the document shows.
fn hole_is_contents(pdf: &[u8], start: usize, end: usize, contents: &[u8]) -> bool {
    let hole = &pdf[start..end];
    if hole.first() != Some(&b'<') || hole.last() != Some(&b'>') {
        return false;
    }
    let hex = &hole[1..hole.len() - 1];
    if !hex.iter().all(u8::is_ascii_hexdigit) || !hex.len().is_multiple_of(2) {
        return false;
    }
    hex.len() / 2 == contents.len()
}

fn check_cms(
    pdf: &[u8],
    ranges: &[std::ops::Range<usize>; 2],
    contents: &[u8],
    roots: &[Certificate],
    r: &mut SignatureReport,
) -> std::result::Result<(), String> {
    // The value is zero-padded to the reserved size; DER knows its own length.
    let ci = ContentInfo::from_der(der_prefix(contents)?)
        .map_err(|e| format!("the signature value is not CMS: {e}"))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err("the CMS content is not SignedData".into());
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| format!("malformed SignedData: {e}"))?;
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("the CMS has no signer")?;
    let certs: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let leaf = find_signer(&certs, &si.sid).ok_or("the signer's certificate is not in the CMS")?;
    r.signer_subject = Some(leaf.tbs_certificate.subject.to_string());

    let hash = Hash::from_oid(&si.digest_alg.oid).ok_or("unsupported digest algorithm")?;
    let digest = hash.digest(&[&pdf[ranges[0].clone()], &pdf[ranges[1].clone()]]);
    let spki = &leaf.tbs_certificate.subject_public_key_info;
    let signed_message: Vec<u8> = match &si.signed_attrs {
        Some(attrs) => {
            let md = attrs
                .iter()
                .find(|a| a.oid == OID_MESSAGE_DIGEST)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .ok_or("no message-digest attribute")?;
            r.digest_matches = md.as_bytes() == digest.as_slice();
            if !r.digest_matches {
                r.problems
                    .push("the document was altered after signing (digest mismatch)".into());
            }
            attrs.to_der().map_err(|e| e.to_string())?
        }
        None => {
            // adbe.pkcs7.detached without attributes signs the document digest directly.
            r.digest_matches = true;
            [&pdf[ranges[0].clone()], &pdf[ranges[1].clone()]].concat()
        }
    };
    match crypto::verify_signature(
        spki,
        &si.signature_algorithm,
        hash,
        &signed_message,
        si.signature.as_bytes(),
    ) {
        Ok(()) => r.signature_valid = true,
        Err(e) => r.problems.push(e),
    }
    let at = signing_time(r, si, roots);
    r.trust = chain_trust(leaf, &certs, roots, at);
    Ok(())
}

fn der_prefix(contents: &[u8]) -> std::result::Result<&[u8], String> {
    let mut reader = der::SliceReader::new(contents).map_err(|e| format!("bad CMS header: {e}"))?;
    let header = <der::Header as der::Decode>::decode(&mut reader)
        .map_err(|e| format!("bad CMS header: {e}"))?;
    let len =
        u32::from(header.encoded_len().map_err(|e| e.to_string())?) + u32::from(header.length);
    contents
        .get(..len as usize)
        .ok_or_else(|| "the CMS is truncated".to_string())
}

pub(crate) fn find_signer<'c>(
    certs: &'c [Certificate],
    sid: &SignerIdentifier,
) -> Option<&'c Certificate> {
    certs.iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            c.tbs_certificate.extensions.iter().flatten().any(|e| {
                e.extn_id == OID_SUBJECT_KEY_IDENTIFIER
                    && e.extn_value.as_bytes().ends_with(ski.0.as_bytes())
            })
        }
    })
}

/// The time to judge certificate validity at: the timestamp's if there is a valid one, else
/// now (the claimed `/M` is the signer's word, not evidence).
fn signing_time(r: &mut SignatureReport, si: &SignerInfo, roots: &[Certificate]) -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let Some(token) = si
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == OID_SIGNATURE_TIMESTAMP)
        .and_then(|a| a.values.iter().next())
    else {
        return now;
    };
    match timestamp_report(token, si.signature.as_bytes(), roots) {
        Ok((report, at)) => {
            if !report.valid {
                r.problems
                    .push("the signature timestamp does not verify".into());
            }
            let valid = report.valid;
            r.timestamp = Some(report);
            if valid { at } else { now }
        }
        Err(e) => {
            r.problems
                .push(format!("unreadable signature timestamp: {e}"));
            r.timestamp = Some(TimestampReport {
                time: String::new(),
                authority: None,
                valid: false,
                trust: Trust::NotChecked,
            });
            now
        }
    }
}

fn timestamp_report(
    token: &der::Any,
    signature_value: &[u8],
    roots: &[Certificate],
) -> std::result::Result<(TimestampReport, Duration), String> {
    let der = token.to_der().map_err(|e| e.to_string())?;
    let info = crate::timestamp::inspect_token(&der, signature_value).map_err(|e| e.to_string())?;
    let at = Duration::from_secs(info.gen_time.unix_timestamp().max(0) as u64);
    let trust = match info.tsa_chain.first() {
        Some(tsa) => chain_trust(tsa, &info.tsa_chain, roots, at),
        None => Trust::Untrusted("the token carries no certificate".into()),
    };
    Ok((
        TimestampReport {
            time: info
                .gen_time
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            authority: info.tsa_subject.clone(),
            valid: info.imprint_matches && info.signature_valid,
            trust,
        },
        at,
    ))
}

/// Whether `leaf` chains through `pool` (the CMS certificates) to one of `roots`, each link
/// verified and each certificate valid at `at`.
fn chain_trust(
    leaf: &Certificate,
    pool: &[Certificate],
    roots: &[Certificate],
    at: Duration,
) -> Trust {
    if roots.is_empty() {
        return Trust::NotChecked;
    }
    match certificate::chain_path(leaf, pool, roots, at) {
        Ok(_) => Trust::Trusted,
        Err(e) => Trust::Untrusted(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEvent, AuditTrail, audit_json, chain};

    fn trail() -> AuditTrail {
        let events: Vec<AuditEvent> = ["Created", "Signed"]
            .iter()
            .map(|a| AuditEvent {
                time: "2026-11-29T10:00:00+05:30".into(),
                actor: "Asha".into(),
                action: a.to_string(),
                ip: None,
                user_agent: None,
                details: String::new(),
            })
            .collect();
        AuditTrail {
            document_name: "d".into(),
            document_id: "01KMFEE9T8WPY0WPWXQHQ7DTJ2".into(),
            original_sha256: [0; 32],
            final_sha256: [0; 32],
            generated_at: "now".into(),
            hashes: chain(&events),
            events,
        }
    }

    #[test]
    fn an_altered_event_breaks_the_chain_at_that_event() {
        let good = check_audit(audit_json(&trail()));
        assert!(good.chain_intact && good.events == 2);
        let mut t = trail();
        t.events[1].actor = "Mallory".into();
        let bad = check_audit(audit_json(&t));
        assert!(!bad.chain_intact);
        assert_eq!(bad.first_bad_event, Some(1));
        let unreadable = check_audit(b"{not json".to_vec());
        assert!(!unreadable.chain_intact && unreadable.problem.is_some());
    }

    #[test]
    fn byte_ranges_must_start_at_zero_and_stay_in_the_file() {
        assert!(checked_ranges(&[0; 100], &[0, 10, 20, 80]).is_some());
        assert!(checked_ranges(&[0; 100], &[1, 10, 20, 80]).is_none());
        assert!(checked_ranges(&[0; 100], &[0, 10, 20, 81]).is_none());
        assert!(checked_ranges(&[0; 100], &[0, 30, 20, 10]).is_none());
        assert!(checked_ranges(&[0; 100], &[0, -1, 20, 10]).is_none());
        assert!(checked_ranges(&[0; 100], &[0, i64::MAX, 20, 10]).is_none());
    }
}
