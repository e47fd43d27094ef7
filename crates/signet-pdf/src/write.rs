//! Incremental revisions: new and replaced objects appended after the existing bytes with a
//! cross-reference section that chains to the previous one. The existing bytes are never
//! touched, which is what keeps every earlier signature valid.
//!
//! In an encrypted document every object written is encrypted like the rest of the file, and
//! the trailer keeps its /Encrypt and /ID: the keys derive from both.

use std::io::Write;

use crate::crypt::Crypt;
use crate::error::Result;
use crate::object::{Allocate, Dict, ObjRef, Object};
use crate::read::Document;
use crate::xref::SectionKind;

pub struct Revision {
    next_num: u32,
    objects: Vec<(ObjRef, Object)>,
    prev_startxref: usize,
    prev_kind: SectionKind,
    prev_trailer: Dict,
    base_len: usize,
    base_ends_with_eol: bool,
    crypt: Option<Crypt>,
}

impl Allocate for Revision {
    fn add(&mut self, object: Object) -> ObjRef {
        let r = ObjRef::new(self.next_num, 0);
        self.next_num += 1;
        self.objects.push((r, object));
        r
    }
}

/// The serialized revision and where each object landed in the whole file.
pub struct Written {
    pub bytes: Vec<u8>,
    /// `(object, offset in the whole file)`.
    pub offsets: Vec<(ObjRef, usize)>,
}

impl Revision {
    pub fn new(doc: &Document) -> Self {
        let base = doc.bytes();
        Revision {
            next_num: doc.next_object_number(),
            objects: Vec::new(),
            prev_startxref: doc.startxref(),
            prev_kind: doc.newest_section_kind(),
            prev_trailer: doc.trailer().clone(),
            base_len: base.len(),
            base_ends_with_eol: matches!(base.last(), Some(b'\n' | b'\r')),
            crypt: doc.crypt().cloned(),
        }
    }

    /// Replaces an existing object in this revision.
    pub fn update(&mut self, r: ObjRef, object: Object) {
        match self.objects.iter_mut().find(|(id, _)| *id == r) {
            Some(slot) => slot.1 = object,
            None => self.objects.push((r, object)),
        }
    }

    /// Reserves an object number to be filled in later with [`Revision::update`].
    pub fn reserve(&mut self) -> ObjRef {
        self.add(Object::Null)
    }

    /// Serializes the revision: objects, a cross-reference section of the same kind as the
    /// previous one (a table after a table, a stream after a stream, as readers expect), the
    /// trailer and `%%EOF`.
    pub fn write(mut self) -> Result<Written> {
        let mut out = Vec::new();
        if !self.base_ends_with_eol {
            out.push(b'\n');
        }
        let mut offsets = Vec::with_capacity(self.objects.len() + 1);
        for (r, obj) in &self.objects {
            offsets.push((*r, self.base_len + out.len()));
            write_indirect(&mut out, *r, obj, self.crypt.as_ref())?;
        }
        let trailer = self.trailer();
        match self.prev_kind {
            SectionKind::Table => self.write_table(&mut out, &offsets, trailer)?,
            SectionKind::Stream => self.write_stream(&mut out, &mut offsets, trailer)?,
        }
        Ok(Written {
            bytes: out,
            offsets,
        })
    }

    fn trailer(&mut self) -> Dict {
        let mut t = Dict::new();
        for key in ["Root", "Info", "ID", "Encrypt"] {
            if let Some(v) = self.prev_trailer.get(key) {
                t.set(key, v.clone());
            }
        }
        // An encrypted file without an /ID derived its keys from an empty one: keep it so.
        if !t.contains("ID") && self.crypt.is_none() {
            // PDF 2.0 requires an /ID, and validators use it to tell documents apart.
            let mut id = [0u8; 16];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
            t.set(
                "ID",
                Object::Array(vec![
                    Object::HexString(id.to_vec()),
                    Object::HexString(id.to_vec()),
                ]),
            );
        }
        t.set("Prev", self.prev_startxref as i64);
        t
    }

    fn size(&self) -> i64 {
        let prev = self
            .prev_trailer
            .get("Size")
            .and_then(Object::as_int)
            .unwrap_or(0);
        prev.max(i64::from(self.next_num))
    }

    fn write_table(
        &self,
        out: &mut Vec<u8>,
        offsets: &[(ObjRef, usize)],
        mut trailer: Dict,
    ) -> Result<()> {
        let xref_at = self.base_len + out.len();
        let mut sorted = offsets.to_vec();
        sorted.sort();
        out.extend_from_slice(b"xref\n");
        for run in runs(&sorted) {
            writeln!(out, "{} {}", run[0].0.num, run.len())?;
            for (r, off) in run {
                write!(out, "{off:010} {:05} n\r\n", r.generation)?;
            }
        }
        trailer.set("Size", self.size());
        out.extend_from_slice(b"trailer\n");
        trailer.write_to(out)?;
        write!(out, "\nstartxref\n{xref_at}\n%%EOF\n")?;
        Ok(())
    }

    fn write_stream(
        &mut self,
        out: &mut Vec<u8>,
        offsets: &mut Vec<(ObjRef, usize)>,
        mut trailer: Dict,
    ) -> Result<()> {
        let xref_ref = ObjRef::new(self.next_num, 0);
        self.next_num += 1;
        let xref_at = self.base_len + out.len();
        offsets.push((xref_ref, xref_at));
        let mut sorted = offsets.clone();
        sorted.sort();
        let width = if xref_at > u32::MAX as usize { 8 } else { 4 };
        let mut data = Vec::with_capacity(sorted.len() * (3 + width));
        let mut index = Vec::new();
        for run in runs(&sorted) {
            index.push(Object::Int(i64::from(run[0].0.num)));
            index.push(Object::Int(run.len() as i64));
            for (r, off) in run {
                data.push(1);
                data.extend_from_slice(&(*off as u64).to_be_bytes()[8 - width..]);
                data.extend_from_slice(&r.generation.to_be_bytes());
            }
        }
        trailer.set("Type", Object::name("XRef"));
        trailer.set("Size", self.size());
        trailer.set("Index", Object::Array(index));
        trailer.set(
            "W",
            Object::Array(vec![
                Object::Int(1),
                Object::Int(width as i64),
                Object::Int(2),
            ]),
        );
        writeln!(out, "{} 0 obj", xref_ref.num)?;
        crate::object::Stream::new(trailer, data).write_to(out)?;
        write!(out, "\nendobj\nstartxref\n{xref_at}\n%%EOF\n")?;
        Ok(())
    }
}

/// Writes `N G obj … endobj`, encrypting the object when the document is encrypted.
fn write_indirect(out: &mut Vec<u8>, r: ObjRef, obj: &Object, crypt: Option<&Crypt>) -> Result<()> {
    writeln!(out, "{} {} obj", r.num, r.generation)?;
    match crypt {
        Some(crypt) => crypt.encrypt(r, obj)?.write_to(out)?,
        None => obj.write_to(out)?,
    }
    out.extend_from_slice(b"\nendobj\n");
    Ok(())
}

/// Splits sorted entries into runs of consecutive object numbers (xref subsections).
fn runs(sorted: &[(ObjRef, usize)]) -> Vec<&[(ObjRef, usize)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i].0.num != sorted[i - 1].0.num + 1 {
            out.push(&sorted[start..i]);
            start = i;
        }
    }
    out
}

/// Rewrites a document whose cross-reference data had to be rebuilt by scanning into a clean
/// file (every object once, a fresh table), so it can take incremental signatures that
/// validators trust. Returns `None` when the file needs no repair.
///
/// This is the one step that does not append: it is for uploads, before the first signature,
/// and the server records it in the audit trail. A damaged file that already carries
/// signatures is refused, since rewriting it would break them.
pub fn repair(input: &[u8], limits: &crate::read::Limits) -> Result<Option<Vec<u8>>> {
    let doc = Document::open(input, limits)?;
    if !doc.was_repaired() {
        return Ok(None);
    }
    doc.ensure_modifiable()?;
    if doc.has_signatures()? {
        return Err(crate::Error::corrupt(
            0,
            "the file is damaged and already signed; repairing it would break its signatures",
        ));
    }
    let mut out = Vec::with_capacity(input.len());
    write!(out, "%PDF-{}\n%\u{e2}\u{e3}\u{cf}\u{d3}\n", doc.version())?;
    let mut offsets = Vec::new();
    for r in doc.object_numbers() {
        let obj = match doc.get(r) {
            Ok(o) => o,
            // An object that no longer parses is dropped, as viewers do: references to it
            // read as null.
            Err(_) => continue,
        };
        // Structural streams are replaced by the fresh table; their members are written
        // out individually.
        if matches!(
            obj.as_dict().and_then(|d| d.get_name("Type")),
            Some(b"XRef" | b"ObjStm")
        ) {
            continue;
        }
        offsets.push((r, out.len()));
        // Objects read decrypted are written encrypted again: the file stays as encrypted as
        // it came.
        write_indirect(&mut out, r, &obj, doc.crypt())?;
    }
    let size = offsets.iter().map(|(r, _)| r.num + 1).max().unwrap_or(1);
    let xref_at = out.len();
    write!(out, "xref\n0 {size}\n")?;
    let mut next = offsets.iter().peekable();
    for num in 0..size {
        match next.peek() {
            Some((r, off)) if r.num == num => {
                write!(out, "{off:010} {:05} n\r\n", r.generation)?;
                next.next();
            }
            _ => out.extend_from_slice(if num == 0 {
                b"0000000000 65535 f\r\n"
            } else {
                b"0000000000 00001 f\r\n"
            }),
        }
    }
    let mut trailer = Dict::new().with("Size", i64::from(size));
    for key in ["Root", "Info", "ID", "Encrypt"] {
        if let Some(v) = doc.trailer().get(key) {
            trailer.set(key, v.clone());
        }
    }
    out.extend_from_slice(b"trailer\n");
    trailer.write_to(&mut out)?;
    write!(out, "\nstartxref\n{xref_at}\n%%EOF\n")?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Limits;
    use crate::testutil::{broken_xref_pdf, one_page_pdf};

    #[test]
    fn appends_a_revision_that_chains_to_the_previous_one() {
        let base = one_page_pdf();
        let doc = Document::open(&base, &Limits::default()).unwrap();
        let mut rev = Revision::new(&doc);
        let added = rev.add(Object::Int(42));
        let mut catalog = doc.catalog().unwrap();
        catalog.set("Extra", added);
        rev.update(doc.catalog_ref().unwrap(), catalog.into());
        let written = rev.write().unwrap();
        let full = [base.as_slice(), &written.bytes].concat();
        let doc2 = Document::open(&full, &Limits::default()).unwrap();
        assert!(!doc2.was_repaired());
        assert_eq!(doc2.get(added).unwrap(), Object::Int(42));
        assert_eq!(
            doc2.catalog().unwrap().get("Extra"),
            Some(&Object::Ref(added))
        );
        assert_eq!(
            doc2.trailer().get("Prev"),
            Some(&Object::Int(doc.startxref() as i64))
        );
    }

    #[test]
    fn repair_rewrites_only_damaged_files() {
        assert!(
            repair(&one_page_pdf(), &Limits::default())
                .unwrap()
                .is_none()
        );
        let fixed = repair(&broken_xref_pdf(), &Limits::default())
            .unwrap()
            .expect("needs repair");
        let doc = Document::open(&fixed, &Limits::default()).unwrap();
        assert!(!doc.was_repaired());
        assert_eq!(doc.pages().len(), 1);
    }
}
