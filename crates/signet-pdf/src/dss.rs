//! The Document Security Store (ISO 32000-2 12.8.4.3, PAdES B-LT): a revision after the
//! signatures that embeds the certificates, OCSP answers and CRLs a validator needs, so a
//! signature can still be validated when the responders are gone or the certificates expired.
//!
//! Like signing, this appends: the returned bytes go after the file, and every byte of it stays
//! as it was, so earlier signatures stay valid. Validators allow DSS updates after any
//! signature, certified ones included (DocMDP permits them at every level).

use std::collections::HashSet;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode, Reader, SliceReader};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::error::{Error, Result};
use crate::filter;
use crate::object::{Allocate, Dict, ObjRef, Object, Stream};
use crate::read::{Document, Limits};
use crate::revocation::{RevocationSource, ValidationData, collect_validation_data};
use crate::timestamp::{OID_SIGNATURE_TIME_STAMP_TOKEN, inspect_token};
use crate::write::Revision;
use crate::xref::{self, Entry, XrefLimits};

/// Items already in a DSS that are read back to avoid embedding them twice; a store with more
/// is extended without that check.
const MAX_EXISTING_ITEMS: usize = 1_000;
/// Objects of a store followed when judging what a revision changed; a store is a few objects
/// per certificate and answer.
const MAX_STORE_OBJECTS: usize = 100_000;

/// Makes the signed document long-term (PAdES B-LT) after a signature: gathers the revocation
/// data of `chain` (the signer's certificates, leaf first) through `source` and returns the
/// revision that embeds it, to append to `pdf`. When the newest signature carries a timestamp
/// (B-T), the timestamp authority's certificates and their revocation data are embedded as
/// well, as far as they can be had: that authority is the server's choice, not the signer's,
/// so its sources being down (or it being revoked) neither refuses nor holds back the signer's
/// data.
///
/// - `Ok(Some(bytes))`: append `bytes` to `pdf`.
/// - `Ok(None)`: nothing to embed: no certificate names an OCSP responder or a CRL, or the DSS
///   already holds all of it.
/// - `Err(Error::Revoked)` (`certificate.revoked`): a certificate of `chain` is revoked.
/// - `Err(Error::RevocationUnavailable)` (`certificate.revocation.unavailable`): sources are
///   named but gave no usable answer; the signature is valid as it is (B-B/B-T), only not
///   long-term.
/// - Any other error is about the PDF itself.
pub fn extend_to_lt(
    pdf: &[u8],
    chain: &[Certificate],
    source: &dyn RevocationSource,
    now: OffsetDateTime,
    limits: &Limits,
) -> Result<Option<Vec<u8>>> {
    let signer = collect_validation_data(chain, source, now)?;
    with_authority_data(pdf, signer, source, now, limits)
}

/// [`extend_to_lt`] with the signer's revocation data already gathered (before signing, so
/// that a revoked certificate is refused before anything is signed): adds the timestamp
/// authority's, as far as it can be had, and returns the revision to append, if any.
pub fn with_authority_data(
    pdf: &[u8],
    signer: Option<ValidationData>,
    source: &dyn RevocationSource,
    now: OffsetDateTime,
    limits: &Limits,
) -> Result<Option<Vec<u8>>> {
    let authority = timestamp_chain(pdf, limits);
    let authority = if authority.is_empty() {
        None
    } else {
        collect_validation_data(&authority, source, now)
            .ok()
            .flatten()
    };
    let data = match (signer, authority) {
        (None, None) => return Ok(None),
        (Some(data), None) | (None, Some(data)) => data,
        (Some(mut data), Some(more)) => {
            data.merge(more);
            data
        }
    };
    let revision = add_dss(pdf, &data, limits)?;
    Ok((!revision.is_empty()).then_some(revision))
}

/// The certificates of the timestamp token in the newest signature (the one whose signed
/// range ends last), authority first; empty when it has none or cannot be read.
fn timestamp_chain(pdf: &[u8], limits: &Limits) -> Vec<Certificate> {
    let Ok(doc) = Document::open(pdf, limits) else {
        return Vec::new();
    };
    let Ok(fields) = doc.signature_fields() else {
        return Vec::new();
    };
    let signed_end = |sig: &Dict| -> i64 {
        match sig.get("ByteRange").and_then(Object::as_array) {
            Some([_, _, Object::Int(start), Object::Int(len)]) => start.saturating_add(*len),
            _ => 0,
        }
    };
    let newest = fields
        .iter()
        .map(|(_, sig)| sig)
        .max_by_key(|s| signed_end(s));
    let Some(contents) = newest
        .and_then(|sig| sig.get("Contents"))
        .and_then(Object::as_string)
    else {
        return Vec::new();
    };
    token_certificates(contents).unwrap_or_default()
}

fn token_certificates(contents: &[u8]) -> Option<Vec<Certificate>> {
    // /Contents is padded with zeros after the DER.
    let cms_der = SliceReader::new(contents).ok()?.tlv_bytes().ok()?;
    let signed_data: SignedData = ContentInfo::from_der(cms_der)
        .ok()?
        .content
        .decode_as()
        .ok()?;
    let signer_info = signed_data.signer_infos.0.iter().next()?;
    let token = signer_info
        .unsigned_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .find(|attr| attr.oid == OID_SIGNATURE_TIME_STAMP_TOKEN)?
        .values
        .iter()
        .next()?
        .to_der()
        .ok()?;
    let info = inspect_token(&token, signer_info.signature.as_bytes()).ok()?;
    Some(info.tsa_chain)
}

/// Returns the revision (to append to `pdf`) that adds `data` to the catalog's `/DSS`,
/// creating the store or extending the one there. Items the store already holds are not added
/// again; when nothing is new the result is empty and there is nothing to append.
pub fn add_dss(pdf: &[u8], data: &ValidationData, limits: &Limits) -> Result<Vec<u8>> {
    let doc = Document::open(pdf, limits)?;
    if doc.was_repaired() {
        return Err(Error::corrupt(
            0,
            "the cross-reference table is damaged; a revision appended to it would not be trusted",
        ));
    }
    let catalog_ref = doc.catalog_ref()?;
    let mut catalog = doc.catalog()?;
    let (dss_ref, mut dss) = match catalog.get("DSS") {
        Some(Object::Ref(r)) => match doc.get(*r)? {
            Object::Dict(d) => (Some(*r), d),
            _ => (Some(*r), Dict::new()),
        },
        Some(Object::Dict(d)) => (None, d.clone()),
        _ => (None, Dict::new()),
    };

    let mut rev = Revision::new(&doc);
    let mut added = false;
    for (key, items) in [
        ("Certs", &data.certs),
        ("OCSPs", &data.ocsps),
        ("CRLs", &data.crls),
    ] {
        added |= extend_array(&doc, &mut rev, &mut dss, key, items, limits)?;
    }
    if !added {
        return Ok(Vec::new());
    }
    match dss_ref {
        Some(r) => rev.update(r, dss.into()),
        None => {
            if !dss.contains("Type") {
                dss.set("Type", Object::name("DSS"));
            }
            let r = rev.add(dss.into());
            catalog.set("DSS", r);
            rev.update(catalog_ref, catalog.into());
        }
    }
    Ok(rev.write()?.bytes)
}

/// Adds a stream for each item not in the store's array `key` yet. The array stays where it
/// was: an indirect array is replaced in this revision, a direct one in the store. Returns
/// whether anything was added.
fn extend_array(
    doc: &Document,
    rev: &mut Revision,
    dss: &mut Dict,
    key: &str,
    items: &[Vec<u8>],
    limits: &Limits,
) -> Result<bool> {
    let (array_ref, mut array) = match dss.get(key) {
        Some(Object::Ref(r)) => match doc.get(*r)? {
            Object::Array(a) => (Some(*r), a),
            _ => (Some(*r), Vec::new()),
        },
        Some(Object::Array(a)) => (None, a.clone()),
        _ => (None, Vec::new()),
    };
    let mut present = existing_contents(doc, &array, limits);
    let mut added = false;
    for item in items {
        if present.contains(item) {
            continue;
        }
        let stream = Stream::deflated(Dict::new(), item);
        array.push(Object::Ref(rev.add(stream.into())));
        present.push(item.clone());
        added = true;
    }
    if added {
        match array_ref {
            Some(r) => rev.update(r, Object::Array(array)),
            None => dss.set(key, Object::Array(array)),
        }
    }
    Ok(added)
}

/// The decoded contents of a store array's streams. One that cannot be read is skipped: at
/// worst an item is embedded twice.
fn existing_contents(doc: &Document, array: &[Object], limits: &Limits) -> Vec<Vec<u8>> {
    array
        .iter()
        .take(MAX_EXISTING_ITEMS)
        .filter_map(|item| {
            let r: ObjRef = item.as_ref()?;
            match doc.get(r).ok()? {
                Object::Stream(stream) => filter::decode(&stream, limits.max_decoded_stream).ok(),
                _ => None,
            }
        })
        .collect()
}

/// Whether everything `pdf` holds after byte `signed_end` (where the newest signature's range
/// ends) is validation data: revisions that only add or extend the catalog's `/DSS`. Such a
/// tail changes nothing a signature vouches for, and validators allow it after every
/// signature; anything else there, or a tail that cannot be read, is `false`.
///
/// Objects written after `signed_end` may be: the catalog, changed in `/DSS` or `/Extensions`
/// only; objects reachable from the new `/DSS` that were already part of the old store or are
/// numbered past the old file's `/Size` (so that nothing signed could have referred to them);
/// and cross-reference streams.
pub fn only_validation_data_after(pdf: &[u8], signed_end: usize, limits: &Limits) -> bool {
    appended_only_dss(pdf, signed_end, limits).unwrap_or(false)
}

fn appended_only_dss(pdf: &[u8], signed_end: usize, limits: &Limits) -> Result<bool> {
    let Some(signed) = pdf.get(..signed_end) else {
        return Ok(false);
    };
    let xref_limits = XrefLimits {
        max_entries: limits.max_objects,
        max_decoded: limits.max_decoded_stream,
    };
    let before = xref::read(signed, &xref_limits)?;
    let after = xref::read(pdf, &xref_limits)?;
    if before.repaired || after.repaired {
        return Ok(false);
    }
    // The tail is whole revisions: the newest cross-reference section is in it, and nothing
    // but white space follows its end-of-file marker.
    let ends_in_eof = crate::parse::rfind(pdf, b"%%EOF").is_some_and(|at| {
        at >= signed_end
            && pdf[at + 5..]
                .iter()
                .all(|b| crate::parse::is_whitespace(*b))
    });
    if after.startxref < signed_end || !ends_in_eof {
        return Ok(false);
    }
    for key in ["Root", "Encrypt"] {
        if before.trailer.get(key) != after.trailer.get(key) {
            return Ok(false);
        }
    }
    let old = Document::open(signed, limits)?;
    let new = Document::open(pdf, limits)?;
    let catalog_ref = new.catalog_ref()?;
    let old_size = before
        .trailer
        .get("Size")
        .and_then(Object::as_int)
        .unwrap_or(0);
    let old_store = reachable(&old, old.catalog()?.get("DSS"))?;
    let new_store = reachable(&new, new.catalog()?.get("DSS"))?;

    for (&num, entry) in &after.entries {
        if before.entries.get(&num) == Some(entry) {
            continue;
        }
        let Entry::Offset(_, generation) = *entry else {
            // Freed objects and objects moved into object streams are not DSS updates as
            // this writer or any PAdES tool makes them.
            return Ok(false);
        };
        let r = ObjRef::new(num, generation);
        let existed = before.entries.contains_key(&num);
        if r == catalog_ref {
            let (mut old_catalog, mut new_catalog) = (old.catalog()?, new.catalog()?);
            for key in ["DSS", "Extensions"] {
                old_catalog.remove(key);
                new_catalog.remove(key);
            }
            if old_catalog != new_catalog {
                return Ok(false);
            }
            continue;
        }
        let object = new.get(r)?;
        let is_xref_stream =
            matches!(&object, Object::Stream(s) if s.dict.get_name("Type") == Some(b"XRef"));
        let allowed = if existed {
            new_store.contains(&r) && old_store.contains(&r) && !is_xref_stream
        } else {
            i64::from(num) >= old_size && (is_xref_stream || new_store.contains(&r))
        };
        if !allowed {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The objects a DSS value reaches: its dictionary, arrays, VRI entries and streams. Streams
/// are leaves; the walk is bounded in depth and size.
fn reachable(doc: &Document, start: Option<&Object>) -> Result<HashSet<ObjRef>> {
    const MAX_DEPTH: usize = 6;
    let mut seen = HashSet::new();
    let mut stack: Vec<(Object, usize)> = start.into_iter().map(|o| (o.clone(), 0)).collect();
    while let Some((object, depth)) = stack.pop() {
        if depth > MAX_DEPTH || seen.len() > MAX_STORE_OBJECTS {
            continue;
        }
        let object = match object {
            Object::Ref(r) => {
                if !seen.insert(r) {
                    continue;
                }
                doc.get(r)?
            }
            other => other,
        };
        match object {
            Object::Dict(d) => stack.extend(d.0.into_iter().map(|(_, v)| (v, depth + 1))),
            Object::Array(a) => stack.extend(a.into_iter().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::one_page_pdf;

    fn store(pdf: &[u8]) -> ValidationData {
        let doc = Document::open(pdf, &Limits::default()).unwrap();
        let dss = doc.get_in(&doc.catalog().unwrap(), "DSS").unwrap().unwrap();
        let dss = dss.as_dict().unwrap();
        assert_eq!(dss.get_name("Type"), Some(&b"DSS"[..]));
        let items = |key: &str| -> Vec<Vec<u8>> {
            let Some(array) = doc.get_in(dss, key).unwrap() else {
                return vec![];
            };
            existing_contents(&doc, array.as_array().unwrap(), &Limits::default())
        };
        ValidationData {
            certs: items("Certs"),
            ocsps: items("OCSPs"),
            crls: items("CRLs"),
        }
    }

    #[test]
    fn creates_then_extends_the_store_without_duplicates() {
        let base = one_page_pdf();
        let first = ValidationData {
            certs: vec![b"cert one".to_vec(), b"cert two".to_vec()],
            ocsps: vec![b"ocsp one".to_vec()],
            crls: vec![],
        };
        let limits = Limits::default();
        let rev = add_dss(&base, &first, &limits).unwrap();
        let one = [base.clone(), rev].concat();
        assert_eq!(store(&one), first);
        assert!(add_dss(&one, &first, &limits).unwrap().is_empty());

        let second = ValidationData {
            certs: vec![b"cert two".to_vec(), b"cert three".to_vec()],
            ocsps: vec![],
            crls: vec![b"crl".to_vec()],
        };
        let two = [one.clone(), add_dss(&one, &second, &limits).unwrap()].concat();
        let doc = Document::open(&two, &limits).unwrap();
        assert!(!doc.was_repaired());
        let stored = store(&two);
        assert_eq!(
            stored.certs,
            vec![
                b"cert one".to_vec(),
                b"cert two".to_vec(),
                b"cert three".to_vec()
            ]
        );
        assert_eq!(stored.ocsps, first.ocsps);
        assert_eq!(stored.crls, second.crls);
    }

    #[test]
    fn a_damaged_file_gets_no_store() {
        let data = ValidationData {
            certs: vec![b"x".to_vec()],
            ..Default::default()
        };
        let err = add_dss(
            &crate::testutil::broken_xref_pdf(),
            &data,
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "file.pdf.corrupt");
    }

    #[test]
    fn only_store_updates_pass_as_validation_data() {
        let limits = Limits::default();
        let base = one_page_pdf();
        let data = ValidationData {
            certs: vec![b"cert".to_vec()],
            ocsps: vec![b"ocsp".to_vec()],
            crls: vec![],
        };
        let one = [base.clone(), add_dss(&base, &data, &limits).unwrap()].concat();
        assert!(only_validation_data_after(&one, base.len(), &limits));
        let more = ValidationData {
            crls: vec![b"crl".to_vec()],
            ..Default::default()
        };
        let two = [one.clone(), add_dss(&one, &more, &limits).unwrap()].concat();
        assert!(only_validation_data_after(&two, base.len(), &limits));
        assert!(only_validation_data_after(&two, one.len(), &limits));

        // A page changed after the store: not validation data.
        let doc = Document::open(&two, &limits).unwrap();
        let page = doc.pages()[0].id;
        let mut rev = Revision::new(&doc);
        let Object::Dict(mut page_dict) = doc.get(page).unwrap() else {
            panic!("page")
        };
        page_dict.set("Rotate", 90i64);
        rev.update(page, page_dict.into());
        let changed = [two.clone(), rev.write().unwrap().bytes].concat();
        assert!(!only_validation_data_after(&changed, base.len(), &limits));
        assert!(!only_validation_data_after(&changed, two.len(), &limits));

        // A catalog change beside the store, a store pointing at a page, and garbage.
        let doc = Document::open(&one, &limits).unwrap();
        let mut rev = Revision::new(&doc);
        let mut catalog = doc.catalog().unwrap();
        catalog.set("OpenAction", Object::Array(vec![page.into()]));
        rev.update(doc.catalog_ref().unwrap(), catalog.into());
        let changed = [one.clone(), rev.write().unwrap().bytes].concat();
        assert!(!only_validation_data_after(&changed, one.len(), &limits));

        let mut rev = Revision::new(&doc);
        let Object::Dict(mut page_dict) = doc.get(page).unwrap() else {
            panic!("page")
        };
        page_dict.set("Rotate", 90i64);
        rev.update(page, page_dict.into());
        let dss_ref = doc.catalog().unwrap().get("DSS").unwrap().as_ref().unwrap();
        let Object::Dict(mut dss) = doc.get(dss_ref).unwrap() else {
            panic!("dss")
        };
        dss.set("Certs", Object::Array(vec![page.into()]));
        rev.update(dss_ref, dss.into());
        let sneaky = [one.clone(), rev.write().unwrap().bytes].concat();
        assert!(!only_validation_data_after(&sneaky, one.len(), &limits));

        let garbage = [one.clone(), b"\n1 0 obj garbage".to_vec()].concat();
        assert!(!only_validation_data_after(&garbage, one.len(), &limits));
        assert!(!only_validation_data_after(&one, one.len() + 1, &limits));
    }
}
