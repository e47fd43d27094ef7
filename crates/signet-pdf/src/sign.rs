//! Signing as an incremental revision (PAdES baseline B-B, B-T with a timestamp).
//!
//! The revision appends: the signature dictionary with a `/Contents` hole sized for the CMS,
//! the signature field and its widget(s), the pages whose `/Annots` gained a widget, and the
//! form. The digest covers the original bytes plus the revision minus the hole, so signing
//! reads the original once and never copies it: the caller gets only the bytes to append.

use std::ops::Range;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::appearance::{Appearance, Caption, Mark};
use crate::cms;
use crate::crypto::{self, Hash};
use crate::error::{Error, Result};
use crate::object::{Allocate, Dict, ObjRef, Object};
use crate::pages::{self, PageGeometry, PageSpec, widget_rect};
use crate::parse;
use crate::read::{Document, Limits};
use crate::signer::{SignatureAlgorithm, Signer};
use crate::timestamp::{TimestampAuthority, timestamp_signature};
use crate::write::Revision;

/// Where the ESP simulator looks for it; it lives with the rest of the provider's path.
pub use crate::external::detached_cms;

/// Room reserved for an RFC 3161 token: a TSA's token with its certificate chain is typically
/// 3–6 KB.
const TIMESTAMP_RESERVE: usize = 12 * 1024;
/// Fixed-width placeholder for the four ByteRange numbers (up to 9,999,999,999 bytes).
const BYTE_RANGE_PLACEHOLDER: &str = "[0 9999999999 9999999999 9999999999]";

/// One widget: a page (0-based), its rectangle in default user space, and the appearance
/// (a Form XObject, already added) to show there.
struct Widget {
    page: usize,
    rect: [f64; 4],
    appearance: Option<ObjRef>,
}

/// What to write into the signature dictionary and where the signature shows.
pub struct SignatureOptions {
    /// The signature field's name; by default the first free `SignatureN`.
    pub field_name: Option<String>,
    /// `/Name`: who signed, as the document should name them.
    pub name: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact_info: Option<String>,
    /// `/M`, the claimed signing time (the CMS carries no signing-time attribute in PAdES).
    pub time: OffsetDateTime,
    /// Will a timestamp be added? (reserves room for it)
    pub timestamp: bool,
    /// The visible mark and where it goes; `None` makes an invisible signature.
    pub visible: Option<Visible>,
    pub limits: Limits,
}

/// A visible signature: the mark and caption, drawn at every placement.
pub struct Visible {
    pub mark: Mark,
    pub caption: Caption,
    pub placements: Vec<Placement>,
}

/// A rectangle (PDF points from the bottom-left of the page as displayed) on a set of pages.
pub struct Placement {
    pub pages: PageSpec,
    pub rect: [f64; 4],
}

impl SignatureOptions {
    pub fn new(time: OffsetDateTime) -> Self {
        SignatureOptions {
            field_name: None,
            name: None,
            reason: None,
            location: None,
            contact_info: None,
            time,
            timestamp: false,
            visible: None,
            limits: Limits::default(),
        }
    }
}

/// A revision ready to be signed: the digest to sign is known, the signature is not.
pub struct PreparedSignature {
    revision: Vec<u8>,
    /// The hex digits of `/Contents` inside `revision`.
    hole: Range<usize>,
    signed_attrs: der::asn1::SetOfVec<x509_cert::attr::Attribute>,
    chain: Vec<Certificate>,
    algorithm: SignatureAlgorithm,
    /// SHA-256 of the signed attributes: what the signer signs.
    pub digest_to_sign: [u8; 32],
    /// SHA-256 of the signed byte ranges of the document.
    pub document_digest: [u8; 32],
    /// The signed attributes' DER, what `digest_to_sign` hashes (handed to hash-signing tokens
    /// that want the data rather than its digest).
    pub signed_attributes_der: Vec<u8>,
}

/// Signs `input` in one step. Returns the bytes to append to `input`.
/// `timestamp` turns the signature value into an RFC 3161 token (B-T).
pub fn sign(
    input: &[u8],
    options: &SignatureOptions,
    signer: &dyn Signer,
    timestamp: Option<&dyn TimestampAuthority>,
) -> Result<Vec<u8>> {
    let prepared = prepare(input, options, signer.certificates(), signer.algorithm())?;
    let signature = signer.sign_digest(&prepared.digest_to_sign)?;
    prepared.finish(&signature, timestamp)
}

/// Builds the revision with an empty `/Contents` and computes the digest to sign.
pub fn prepare(
    input: &[u8],
    options: &SignatureOptions,
    chain: &[Certificate],
    algorithm: SignatureAlgorithm,
) -> Result<PreparedSignature> {
    let leaf = chain
        .first()
        .ok_or_else(|| Error::Key("no signer certificate".into()))?;
    let chain_len: usize = chain
        .iter()
        .map(|c| der::Encode::encoded_len(c).map_or(4096, |l| u32::from(l) as usize))
        .sum();
    let reserve = chain_len
        + algorithm.max_signature_len(leaf)
        + 2048
        + if options.timestamp {
            TIMESTAMP_RESERVE
        } else {
            0
        };
    let hollow = revision_with_hole(input, options, reserve, SubFilter::CadesDetached)?;
    let document_digest = hollow.document_digest;
    let signed_attrs = cms::signed_attributes(&document_digest, leaf)?;
    let signed_attributes_der = cms::signed_attributes_der(&signed_attrs)?;
    let digest_to_sign: [u8; 32] = Sha256::digest(&signed_attributes_der).into();
    Ok(PreparedSignature {
        revision: hollow.revision,
        hole: hollow.hole,
        signed_attrs,
        chain: chain.to_vec(),
        algorithm,
        digest_to_sign,
        document_digest,
        signed_attributes_der,
    })
}

/// How the signature value is encoded, as the signature dictionary declares it.
#[derive(Clone, Copy)]
pub(crate) enum SubFilter {
    /// PAdES: a CMS without the signing-time attribute (ours).
    CadesDetached,
    /// A CMS made elsewhere that may carry signing time and other attributes PAdES forbids
    /// (what eSign providers return).
    Pkcs7Detached,
}

impl SubFilter {
    fn name(self) -> &'static str {
        match self {
            SubFilter::CadesDetached => "ETSI.CAdES.detached",
            SubFilter::Pkcs7Detached => "adbe.pkcs7.detached",
        }
    }
}

/// A revision whose `/Contents` is a hole of zeros, and the digest of everything else.
pub(crate) struct Hollow {
    pub revision: Vec<u8>,
    /// The hex digits of `/Contents` inside `revision`.
    pub hole: Range<usize>,
    /// SHA-256 of the signed byte ranges of the document.
    pub document_digest: [u8; 32],
}

/// Appends the signature dictionary, field, widgets and form with a `reserve`-byte hole for
/// the signature value, and hashes the byte ranges around it.
pub(crate) fn revision_with_hole(
    input: &[u8],
    options: &SignatureOptions,
    reserve: usize,
    sub_filter: SubFilter,
) -> Result<Hollow> {
    let doc = Document::open(input, &options.limits)?;
    doc.ensure_modifiable()?;
    if doc.was_repaired() {
        return Err(Error::corrupt(
            0,
            "the cross-reference table is damaged: repair the file first (write::repair)",
        ));
    }
    let catalog = doc.catalog()?;
    refuse_if_locked(&doc, &catalog)?;

    let mut rev = Revision::new(&doc);
    let mut widgets = match &options.visible {
        Some(v) => visible_widgets(&doc, &mut rev, v)?,
        None => vec![],
    };
    if widgets.is_empty() {
        // An invisible signature still needs a widget on a page for viewers to list it.
        widgets.push(Widget {
            page: 0,
            rect: [0.0; 4],
            appearance: None,
        });
    }

    let sig_ref = rev.add(signature_dictionary(options, reserve, sub_filter).into());

    let field_name = match &options.field_name {
        Some(n) => n.clone(),
        None => free_field_name(&doc)?,
    };
    let fields = add_field_and_widgets(&doc, &mut rev, &field_name, sig_ref, widgets)?;
    add_to_form(&doc, &mut rev, &catalog, &fields)?;

    let written = rev.write()?;
    let mut revision = written.bytes;
    let sig_at = written
        .offsets
        .iter()
        .find(|(r, _)| *r == sig_ref)
        .map(|(_, off)| off - input.len())
        .ok_or_else(|| Error::Signing("signature dictionary not written".into()))?;

    let hole = locate(&revision[sig_at..], b"/Contents <")
        .map(|p| sig_at + p + b"/Contents <".len())
        .and_then(|start| {
            let len = revision[start..].iter().position(|&b| b == b'>')?;
            Some(start..start + len)
        })
        .ok_or_else(|| Error::Signing("placeholder not found".into()))?;
    let br_at = locate(&revision[sig_at..], BYTE_RANGE_PLACEHOLDER.as_bytes())
        .map(|p| sig_at + p)
        .ok_or_else(|| Error::Signing("byte range placeholder not found".into()))?;

    // The hole includes the angle brackets, as every validator expects.
    let before = input.len() + hole.start - 1;
    let after = input.len() + hole.end + 1;
    let total = input.len() + revision.len();
    let byte_range = format!("[0 {before} {after} {}]", total - after);
    let padded = format!("{byte_range:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    revision[br_at..br_at + padded.len()].copy_from_slice(padded.as_bytes());

    let mut h = Sha256::new();
    h.update(input);
    h.update(&revision[..hole.start - 1]);
    h.update(&revision[hole.end + 1..]);
    Ok(Hollow {
        revision,
        hole,
        document_digest: h.finalize().into(),
    })
}

/// Writes `der` as hex into the hole (the rest stays zeros, which DER readers ignore).
pub(crate) fn fill_hole(revision: &mut [u8], hole: &Range<usize>, der: &[u8]) -> Result<()> {
    let room = hole.len() / 2;
    if der.len() > room {
        return Err(Error::Signing(format!(
            "the signature needs {} bytes but only {room} were reserved",
            der.len()
        )));
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, b) in der.iter().enumerate() {
        revision[hole.start + 2 * i] = HEX[(b >> 4) as usize];
        revision[hole.start + 2 * i + 1] = HEX[(b & 15) as usize];
    }
    Ok(())
}

impl PreparedSignature {
    /// Embeds the signature value (and a timestamp over it) and returns the bytes to append.
    /// The value is checked against the signer's certificate first, so a wrong key or a
    /// corrupted external signature is refused here rather than producing an invalid PDF.
    pub fn finish(
        mut self,
        signature: &[u8],
        timestamp: Option<&dyn TimestampAuthority>,
    ) -> Result<Vec<u8>> {
        let leaf = &self.chain[0];
        crypto::verify_signature(
            &leaf.tbs_certificate.subject_public_key_info,
            &self.algorithm.algorithm_identifier(),
            Hash::Sha256,
            &self.signed_attributes_der,
            signature,
        )
        .map_err(|e| {
            Error::Signing(format!("the signature does not match the certificate: {e}"))
        })?;
        let token = match timestamp {
            Some(tsa) => Some(timestamp_signature(tsa, signature)?),
            None => None,
        };
        let der = cms::assemble(
            &self.chain,
            self.algorithm,
            self.signed_attrs,
            signature,
            token.as_deref(),
        )?;
        fill_hole(&mut self.revision, &self.hole, &der)?;
        Ok(self.revision)
    }
}

/// The stored form's first bytes; a change of the layout changes them.
const STORED_MAGIC: &[u8; 4] = b"SPS1";
/// A stored prepared signature is read back from our own database, but bounded all the same:
/// a revision with its mark and reserved hole is tens of KB, a chain a few certificates.
const MAX_STORED_PART: usize = 8 * 1024 * 1024;
const MAX_STORED_CHAIN: usize = 16;

impl PreparedSignature {
    /// The whole state between preparing and finishing, for a signer who signs later and
    /// elsewhere (a DSC token): the revision, where its hole is, the chain and the algorithm.
    pub fn to_stored(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.revision.len() + 4096);
        out.extend_from_slice(STORED_MAGIC);
        out.push(match self.algorithm {
            SignatureAlgorithm::RsaPkcs1Sha256 => 1,
            SignatureAlgorithm::EcdsaP256Sha256 => 2,
        });
        for n in [self.hole.start, self.hole.end] {
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
        let mut part = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        part(&self.revision);
        part(&self.signed_attributes_der);
        for cert in &self.chain {
            part(&der::Encode::to_der(cert).map_err(|e| Error::Signing(e.to_string()))?);
        }
        Ok(out)
    }

    /// Reads what [`to_stored`](Self::to_stored) wrote, checking that it holds together.
    pub fn from_stored(stored: &[u8]) -> Result<PreparedSignature> {
        let bad = || Error::Signing("the stored prepared signature is damaged".into());
        let mut rest = stored.strip_prefix(STORED_MAGIC).ok_or_else(bad)?;
        let (&alg, tail) = rest.split_first().ok_or_else(bad)?;
        rest = tail;
        let algorithm = match alg {
            1 => SignatureAlgorithm::RsaPkcs1Sha256,
            2 => SignatureAlgorithm::EcdsaP256Sha256,
            _ => return Err(bad()),
        };
        let number = |rest: &mut &[u8]| -> Result<usize> {
            let (n, tail) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
            *rest = tail;
            usize::try_from(u64::from_be_bytes(*n)).map_err(|_| bad())
        };
        let (start, end) = (number(&mut rest)?, number(&mut rest)?);
        let mut parts = Vec::new();
        while !rest.is_empty() {
            let len = number(&mut rest)?;
            if len > MAX_STORED_PART || len > rest.len() || parts.len() > MAX_STORED_CHAIN + 2 {
                return Err(bad());
            }
            let (bytes, tail) = rest.split_at(len);
            parts.push(bytes.to_vec());
            rest = tail;
        }
        if parts.len() < 3 {
            return Err(bad());
        }
        let revision = parts.remove(0);
        let signed_attributes_der = parts.remove(0);
        if start > end || end > revision.len() || start == 0 || (end - start) % 2 != 0 {
            return Err(bad());
        }
        let chain = parts
            .iter()
            .map(|c| <Certificate as der::Decode>::from_der(c))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| bad())?;
        let signed_attrs =
            <der::asn1::SetOfVec<x509_cert::attr::Attribute> as der::Decode>::from_der(
                &signed_attributes_der,
            )
            .map_err(|_| bad())?;
        let document_digest = message_digest(&signed_attrs).ok_or_else(bad)?;
        Ok(PreparedSignature {
            digest_to_sign: Sha256::digest(&signed_attributes_der).into(),
            revision,
            hole: start..end,
            signed_attrs,
            chain,
            algorithm,
            document_digest,
            signed_attributes_der,
        })
    }

    /// The certificates the signature will carry, signer first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
}

/// The message-digest attribute's value.
fn message_digest(attrs: &der::asn1::SetOfVec<x509_cert::attr::Attribute>) -> Option<[u8; 32]> {
    let attr = attrs.iter().find(|a| a.oid == cms::OID_MESSAGE_DIGEST)?;
    let value = attr.values.iter().next()?;
    let octets = value.decode_as::<der::asn1::OctetString>().ok()?;
    octets.as_bytes().try_into().ok()
}

/// Draws the mark once (fonts and images are shared) and places a widget at every placement
/// on every selected page. Widgets of the same size on pages turned the same way share one
/// appearance stream: a mark on every page of a long document then costs each page only its
/// widget.
fn visible_widgets(doc: &Document, rev: &mut Revision, visible: &Visible) -> Result<Vec<Widget>> {
    let appearance = Appearance::prepare(&visible.mark, &visible.caption, rev)?;
    let mut forms: Vec<((u64, u64, i32), ObjRef)> = Vec::new();
    let mut widgets = Vec::new();
    for placement in &visible.placements {
        for page in placement.pages.select(doc.pages().len())? {
            let p = &doc.pages()[page];
            let geometry = PageGeometry {
                media_box: p.media_box,
                crop_box: p.crop_box,
                rotate: p.rotate,
            };
            let shown = pages::normalize(placement.rect);
            let (w, h) = (shown[2] - shown[0], shown[3] - shown[1]);
            let key = (
                w.to_bits(),
                h.to_bits(),
                pages::normalize_rotation(p.rotate),
            );
            let form = match forms.iter().find(|(k, _)| *k == key) {
                Some((_, r)) => *r,
                None => {
                    let r = rev.add(appearance.form(w, h, p.rotate).into());
                    forms.push((key, r));
                    r
                }
            };
            widgets.push(Widget {
                page,
                rect: widget_rect(&geometry, shown),
                appearance: Some(form),
            });
        }
    }
    Ok(widgets)
}

fn locate(hay: &[u8], needle: &[u8]) -> Option<usize> {
    parse::find(hay, needle)
}

fn pdf_date(t: OffsetDateTime) -> String {
    let off = t.offset();
    let (h, m, _) = off.as_hms();
    let sign = if off.is_negative() { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

fn signature_dictionary(options: &SignatureOptions, reserve: usize, sub_filter: SubFilter) -> Dict {
    let mut d = Dict::new()
        .with("Type", Object::name("Sig"))
        .with("Filter", Object::name("Adobe.PPKLite"))
        .with("SubFilter", Object::name(sub_filter.name()))
        // Replaced by the real ranges once the revision's layout is known.
        .with(
            "ByteRange",
            Object::Array(vec![
                Object::Int(0),
                Object::Int(9_999_999_999),
                Object::Int(9_999_999_999),
                Object::Int(9_999_999_999),
            ]),
        )
        .with("Contents", Object::HexString(vec![0; reserve]))
        .with("M", Object::String(pdf_date(options.time).into_bytes()));
    for (key, value) in [
        ("Name", &options.name),
        ("Reason", &options.reason),
        ("Location", &options.location),
        ("ContactInfo", &options.contact_info),
    ] {
        if let Some(v) = value {
            d.set(key, Object::text(v));
        }
    }
    d
}

/// Refuses documents whose certification signature forbids any change (DocMDP P=1).
fn refuse_if_locked(doc: &Document, catalog: &Dict) -> Result<()> {
    let Some(perms) = doc.get_in(catalog, "Perms")? else {
        return Ok(());
    };
    let Some(sig) = perms.as_dict().and_then(|p| p.get("DocMDP")).cloned() else {
        return Ok(());
    };
    let sig = doc.resolve(&sig)?;
    let refs = match sig.as_dict().and_then(|d| d.get("Reference")) {
        Some(r) => doc.resolve(r)?,
        None => return Ok(()),
    };
    for r in refs.as_array().unwrap_or(&[]) {
        let r = doc.resolve(r)?;
        let Some(r) = r.as_dict() else { continue };
        if r.get_name("TransformMethod") != Some(b"DocMDP") {
            continue;
        }
        let p = match r.get("TransformParams") {
            Some(tp) => doc
                .resolve(tp)?
                .as_dict()
                .and_then(|tp| tp.get("P"))
                .and_then(Object::as_int)
                .unwrap_or(2),
            None => 2,
        };
        if p == 1 {
            return Err(Error::Locked);
        }
    }
    Ok(())
}

/// Names of the form's top-level fields.
fn field_names(doc: &Document) -> Result<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    for f in doc.form_fields()? {
        if let Some(name) = doc
            .resolve(&f)?
            .as_dict()
            .and_then(|d| d.get("T"))
            .and_then(Object::as_string)
        {
            names.push(name.to_vec());
        }
    }
    Ok(names)
}

fn free_field_name(doc: &Document) -> Result<String> {
    let taken = field_names(doc)?;
    Ok((1..)
        .map(|i| format!("Signature{i}"))
        .find(|n| !taken.iter().any(|t| t == n.as_bytes()))
        .expect("an unbounded range always has a free name"))
}

/// Adds one signature field per placement, each with exactly one widget and all naming the
/// same signature value (`/V`): `Name`, then `Name.2`, `Name.3`… as `Name_2`, `Name_3`.
/// A single field with several widgets would be legal, but poppler (pdfsig, most Linux
/// viewers) cannot validate one; stamp annotations would count, for pyHanko, as changes that
/// invalidate earlier signatures. Returns the fields, the first being the main one.
fn add_field_and_widgets(
    doc: &Document,
    rev: &mut Revision,
    field_name: &str,
    sig_ref: ObjRef,
    widgets: Vec<Widget>,
) -> Result<Vec<ObjRef>> {
    let mut per_page: Vec<(usize, Vec<ObjRef>)> = Vec::new();
    let mut fields = Vec::new();
    for (i, w) in widgets.into_iter().enumerate() {
        let page = &doc.pages()[w.page];
        let name = if i == 0 {
            field_name.to_string()
        } else {
            format!("{field_name}_{}", i + 1)
        };
        let mut widget = Dict::new()
            .with("Type", Object::name("Annot"))
            .with("Subtype", Object::name("Widget"))
            .with("FT", Object::name("Sig"))
            .with("T", Object::text(&name))
            .with("V", sig_ref)
            .with("Rect", Object::rect(w.rect))
            // Print + Locked: the mark prints and cannot be moved.
            .with("F", 132i64)
            .with("P", page.id);
        if let Some(ap) = w.appearance {
            widget.set("AP", Dict::new().with("N", ap));
        }
        let r = rev.add(widget.into());
        fields.push(r);
        match per_page.iter_mut().find(|(p, _)| *p == w.page) {
            Some((_, v)) => v.push(r),
            None => per_page.push((w.page, vec![r])),
        }
    }
    for (page, refs) in per_page {
        add_annotations(doc, rev, doc.pages()[page].id, &refs)?;
    }
    Ok(fields)
}

fn add_annotations(
    doc: &Document,
    rev: &mut Revision,
    page: ObjRef,
    annots: &[ObjRef],
) -> Result<()> {
    let Object::Dict(mut page_dict) = doc.get(page)? else {
        return Err(Error::corrupt(0, "page is not a dictionary"));
    };
    let new = annots.iter().map(|r| Object::Ref(*r));
    match page_dict.get("Annots").cloned() {
        // The array lives in its own object: update that, leave the page alone.
        Some(Object::Ref(ar)) => {
            let mut arr = match doc.get(ar)? {
                Object::Array(a) => a,
                _ => vec![],
            };
            arr.extend(new);
            rev.update(ar, Object::Array(arr));
        }
        Some(Object::Array(mut arr)) => {
            arr.extend(new);
            page_dict.set("Annots", Object::Array(arr));
            rev.update(page, page_dict.into());
        }
        _ => {
            page_dict.set("Annots", Object::Array(new.collect()));
            rev.update(page, page_dict.into());
        }
    }
    Ok(())
}

/// Appends the field to the form's `/Fields`, creating the form if the document has none, and
/// sets `/SigFlags 3` (signatures exist; append only).
fn add_to_form(
    doc: &Document,
    rev: &mut Revision,
    catalog: &Dict,
    fields: &[ObjRef],
) -> Result<()> {
    let new = fields.iter().map(|f| Object::Ref(*f));
    let catalog_ref = doc.catalog_ref()?;
    let (form_ref, mut form) = match catalog.get("AcroForm") {
        Some(Object::Ref(r)) => match doc.get(*r)? {
            Object::Dict(d) => (Some(*r), d),
            _ => (Some(*r), Dict::new()),
        },
        Some(Object::Dict(d)) => (None, d.clone()),
        _ => (None, Dict::new()),
    };
    match form.get("Fields").cloned() {
        Some(Object::Ref(fr)) => {
            let mut arr = match doc.get(fr)? {
                Object::Array(a) => a,
                _ => vec![],
            };
            arr.extend(new);
            rev.update(fr, Object::Array(arr));
        }
        Some(Object::Array(mut arr)) => {
            arr.extend(new);
            form.set("Fields", Object::Array(arr));
        }
        _ => form.set("Fields", Object::Array(new.collect())),
    }
    form.set("SigFlags", 3i64);
    match form_ref {
        Some(r) => rev.update(r, form.into()),
        None => {
            let r = rev.add(form.into());
            let mut catalog = catalog.clone();
            catalog.set("AcroForm", r);
            rev.update(catalog_ref, catalog.into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{generate_root, issue_sealing_certificate};
    use crate::signer::LocalSigner;
    use crate::testutil::{broken_xref_pdf, one_page_pdf};

    fn test_signer() -> LocalSigner {
        let (root, root_key) = generate_root("Test Root", "Test").unwrap();
        let (cert, key) = issue_sealing_certificate(&root, &root_key, "Test Seal", "Test").unwrap();
        LocalSigner::new(key, vec![cert, root]).unwrap()
    }

    /// The one-page test file certified with DocMDP permission level `p`.
    fn certified(p: i64) -> Vec<u8> {
        let base = one_page_pdf();
        let doc = Document::open(&base, &Limits::default()).unwrap();
        let mut rev = Revision::new(&doc);
        let reference = Dict::new()
            .with("Type", Object::name("SigRef"))
            .with("TransformMethod", Object::name("DocMDP"))
            .with("TransformParams", Dict::new().with("P", p));
        let sig = rev.add(
            Dict::new()
                .with("Type", Object::name("Sig"))
                .with("Reference", Object::Array(vec![reference.into()]))
                .into(),
        );
        let mut catalog = doc.catalog().unwrap();
        catalog.set("Perms", Dict::new().with("DocMDP", sig));
        rev.update(doc.catalog_ref().unwrap(), catalog.into());
        [base, rev.write().unwrap().bytes].concat()
    }

    #[test]
    fn a_document_certified_against_any_change_is_refused() {
        let signer = test_signer();
        let options = SignatureOptions::new(OffsetDateTime::now_utc());
        let err = sign(&certified(1), &options, &signer, None).unwrap_err();
        assert_eq!(err.code(), "file.pdf.certified");
        // P=2 allows form filling and signing.
        assert!(sign(&certified(2), &options, &signer, None).is_ok());
    }

    #[test]
    fn a_damaged_file_must_be_repaired_first() {
        let signer = test_signer();
        let options = SignatureOptions::new(OffsetDateTime::now_utc());
        let err = sign(&broken_xref_pdf(), &options, &signer, None).unwrap_err();
        assert_eq!(err.code(), "file.pdf.corrupt");
        assert!(err.to_string().contains("repair"));
    }

    #[test]
    fn placements_outside_the_document_are_refused() {
        let signer = test_signer();
        let mut options = SignatureOptions::new(OffsetDateTime::now_utc());
        options.visible = Some(Visible {
            mark: Mark::Typed {
                text: "Asha".into(),
            },
            caption: Caption {
                signer_name: "Asha".into(),
                signed_at: "now".into(),
                reason: None,
            },
            placements: vec![Placement {
                pages: "2".parse().unwrap(),
                rect: [0.0, 0.0, 100.0, 50.0],
            }],
        });
        let err = sign(&one_page_pdf(), &options, &signer, None).unwrap_err();
        assert_eq!(err.code(), "appearance.page.invalid");
    }

    #[test]
    fn a_prepared_signature_finishes_the_same_after_being_stored() {
        let signer = test_signer();
        let input = one_page_pdf();
        let options = SignatureOptions::new(OffsetDateTime::now_utc());
        let prepared =
            prepare(&input, &options, signer.certificates(), signer.algorithm()).unwrap();
        let stored = prepared.to_stored().unwrap();
        let back = PreparedSignature::from_stored(&stored).unwrap();
        assert_eq!(back.digest_to_sign, prepared.digest_to_sign);
        assert_eq!(back.document_digest, prepared.document_digest);
        assert_eq!(back.chain().len(), 2);
        let signature = signer.sign_digest(&back.digest_to_sign).unwrap();
        let wrong = signer.sign_digest(&[7; 32]).unwrap();
        assert!(
            PreparedSignature::from_stored(&stored)
                .unwrap()
                .finish(&wrong, None)
                .is_err()
        );
        let appended = back.finish(&signature, None).unwrap();
        let signed = [input, appended].concat();
        let report = crate::verify::verify(&signed, &[], &Limits::default()).unwrap();
        assert!(report.signatures.iter().all(|s| s.intact()));
        // Damaged stored forms are refused, never a panic.
        for cut in [0, 4, 5, 20, stored.len() / 2, stored.len() - 1] {
            assert!(
                PreparedSignature::from_stored(&stored[..cut]).is_err(),
                "cut {cut}"
            );
        }
        let mut flipped = stored.clone();
        flipped[4] = 9;
        assert!(PreparedSignature::from_stored(&flipped).is_err());
    }

    #[test]
    fn pdf_dates_carry_the_offset() {
        let t = time::macros::datetime!(2026-11-29 21:30:05 +05:30);
        assert_eq!(pdf_date(t), "D:20261129213005+05'30'");
    }
}
