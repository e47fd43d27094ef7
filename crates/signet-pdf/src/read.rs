//! Opening untrusted PDFs: checks, lazy object access and the page tree.
//!
//! Opening parses only the cross-reference data, the catalog and the page tree; everything
//! else stays unparsed bytes. So the cost of opening grows with the number of pages, not with
//! the size of the images and fonts in the file.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::crypt::Crypt;
use crate::error::{Error, Result};
use crate::filter;
use crate::object::{Dict, ObjRef, Object, text_string};
use crate::parse::Parser;
use crate::xref::{self, Entry, SectionKind, Xref, XrefLimits};

/// Resource limits for one document. Every one of them is a guard against hostile input.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_file_size: usize,
    pub max_objects: usize,
    pub max_pages: usize,
    /// Cap on what one structural stream may inflate to.
    pub max_decoded_stream: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 100 * 1024 * 1024,
            max_objects: 5_000_000,
            max_pages: 100_000,
            max_decoded_stream: 64 * 1024 * 1024,
        }
    }
}

/// Largest coordinate of the visible box of a page that can be signed, in points. Readers show pages of
/// at most 14,400 units a side (ISO 32000-2, Annex C); producers offset boxes by a few
/// thousand at most. Beyond this a box is garbage, not a layout.
pub const MAX_PAGE_BOX_COORDINATE: f64 = 1_000_000.0;

/// A page as a signature needs it: where it lives and its geometry (inherited attributes
/// already resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub id: ObjRef,
    pub media_box: [f64; 4],
    pub crop_box: [f64; 4],
    /// Normalized to 0, 90, 180 or 270.
    pub rotate: i32,
}

impl Page {
    /// Width and height as a viewer shows the page.
    pub fn displayed_size(&self) -> (f64, f64) {
        let w = self.crop_box[2] - self.crop_box[0];
        let h = self.crop_box[3] - self.crop_box[1];
        if self.rotate % 180 == 0 {
            (w, h)
        } else {
            (h, w)
        }
    }
}

struct ObjectStream {
    data: Vec<u8>,
    first: usize,
    members: Vec<(u32, usize)>,
}

pub struct Document<'a> {
    buf: &'a [u8],
    xref: Xref,
    version: String,
    pages: Vec<Page>,
    limits: Limits,
    object_streams: RefCell<HashMap<u32, Rc<ObjectStream>>>,
    crypt: Option<Crypt>,
}

impl<'a> Document<'a> {
    /// Opens and checks a PDF: size, header, cross-reference data, encryption, page tree.
    ///
    /// An encrypted PDF opens only if the empty password opens it and its permissions allow
    /// adding a signature field; its objects then read decrypted.
    pub fn open(buf: &'a [u8], limits: &Limits) -> Result<Self> {
        if buf.len() > limits.max_file_size {
            return Err(Error::TooLarge {
                size: buf.len(),
                limit: limits.max_file_size,
            });
        }
        let xref = xref::read(
            buf,
            &XrefLimits {
                max_entries: limits.max_objects,
                max_decoded: limits.max_decoded_stream,
            },
        )?;
        let version = read_version(buf, xref.header_offset);
        let mut doc = Document {
            buf,
            xref,
            version,
            pages: Vec::new(),
            limits: limits.clone(),
            object_streams: RefCell::new(HashMap::new()),
            crypt: None,
        };
        doc.crypt = doc.security_handler()?;
        // New objects are numbered from /Size: a file claiming billions would make the next
        // revision's numbers absurd for every reader.
        let claimed = doc
            .xref
            .trailer
            .get("Size")
            .and_then(Object::as_int)
            .unwrap_or(0);
        if claimed > limits.max_objects as i64 {
            return Err(Error::Limit(format!(
                "the trailer claims {claimed} objects, over the limit of {}",
                limits.max_objects
            )));
        }
        doc.pages = doc.walk_pages()?;
        if doc.pages.is_empty() {
            return Err(Error::NoPages);
        }
        Ok(doc)
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Whether the file is encrypted (with the empty user password, or it would not be open).
    pub fn is_encrypted(&self) -> bool {
        self.crypt.is_some()
    }

    /// The security handler that new revisions must encrypt with.
    pub(crate) fn crypt(&self) -> Option<&Crypt> {
        self.crypt.as_ref()
    }

    /// Opens the trailer's /Encrypt, if any, with the empty user password. Permissions are
    /// not checked here: they restrict changes, not reading, and the verifier must be able to
    /// report on a restricted file ([`Document::ensure_modifiable`] checks them).
    fn security_handler(&self) -> Result<Option<Crypt>> {
        let Some(entry) = self.xref.trailer.get("Encrypt") else {
            return Ok(None);
        };
        // Read before any handler exists, so as it is stored: the dictionary is never encrypted.
        let Object::Dict(encrypt) = self.resolve(entry)? else {
            return Err(Error::corrupt(0, "/Encrypt is not a dictionary"));
        };
        let id0 = self
            .xref
            .trailer
            .get("ID")
            .and_then(Object::as_array)
            .and_then(|id| id.first())
            .and_then(Object::as_string)
            .unwrap_or_default();
        Crypt::open(&encrypt, entry.as_ref(), id0).map(Some)
    }

    /// Refuses a file a signature cannot be added to: encrypted with permissions that forbid
    /// a new signature field, or with a page whose visible box is no page at all (coordinates
    /// beyond [`MAX_PAGE_BOX_COORDINATE`], such as `1e308`), on which no mark can be placed
    /// where a reader shows it.
    pub fn ensure_modifiable(&self) -> Result<()> {
        if let Some(c) = &self.crypt
            && !c.allows_new_signature_fields()
        {
            return Err(Error::EncryptedRestricted);
        }
        for (i, page) in self.pages.iter().enumerate() {
            let b = page.crop_box;
            if b.iter().any(|v| v.abs() > MAX_PAGE_BOX_COORDINATE) {
                let shown = |v: f64| {
                    if v.abs() > MAX_PAGE_BOX_COORDINATE {
                        format!("{v:e}")
                    } else {
                        format!("{v}")
                    }
                };
                return Err(Error::PageBox {
                    page: i + 1,
                    x: shown(b[0]),
                    y: shown(b[1]),
                    width: shown(b[2] - b[0]),
                    height: shown(b[3] - b[1]),
                });
            }
        }
        Ok(())
    }

    /// The version in the header (`1.7`, `2.0`); the catalog's /Version may raise it.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    pub fn trailer(&self) -> &Dict {
        &self.xref.trailer
    }

    /// Offset of the newest cross-reference section, for the next revision's `/Prev`.
    pub fn startxref(&self) -> usize {
        self.xref.startxref
    }

    pub fn newest_section_kind(&self) -> SectionKind {
        self.xref.newest_kind
    }

    /// True when the cross-reference data was unusable and objects were found by scanning:
    /// such a file cannot take an incremental update that validators would trust.
    pub fn was_repaired(&self) -> bool {
        self.xref.repaired
    }

    /// The first object number no existing object uses.
    pub fn next_object_number(&self) -> u32 {
        let size = self
            .xref
            .trailer
            .get("Size")
            .and_then(Object::as_int)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let max_used = self.xref.entries.keys().max().map_or(0, |m| m + 1);
        size.max(max_used).max(1)
    }

    pub fn catalog_ref(&self) -> Result<ObjRef> {
        self.xref
            .trailer
            .get("Root")
            .and_then(Object::as_ref)
            .ok_or_else(|| Error::corrupt(0, "trailer /Root is not a reference"))
    }

    pub fn catalog(&self) -> Result<Dict> {
        let root = self.catalog_ref()?;
        match self.get(root)? {
            Object::Dict(d) => Ok(d),
            _ => Err(Error::corrupt(0, "the catalog is not a dictionary")),
        }
    }

    /// The object `r` points to; a missing or free object is `null`, as the specification says.
    pub fn get(&self, r: ObjRef) -> Result<Object> {
        match self.xref.entries.get(&r.num) {
            None | Some(Entry::Free) => Ok(Object::Null),
            Some(Entry::Offset(off, generation)) => {
                let object = self.object_at_offset(*off, r)?;
                self.decrypted(ObjRef::new(r.num, *generation), object)
            }
            Some(Entry::Compressed { stream, index }) => self.compressed(*stream, *index, r),
        }
    }

    /// `obj` itself, or what it refers to.
    pub fn resolve(&self, obj: &Object) -> Result<Object> {
        match obj {
            Object::Ref(r) => self.get(*r),
            o => Ok(o.clone()),
        }
    }

    /// A dictionary entry with references followed.
    pub fn get_in(&self, dict: &Dict, key: &str) -> Result<Option<Object>> {
        match dict.get(key) {
            None => Ok(None),
            Some(o) => self.resolve(o).map(Some),
        }
    }

    /// `object`, stored at its own offset as `id`, decrypted if the file is encrypted. Objects
    /// inside object streams never come through here: their stream was decrypted as a whole.
    fn decrypted(&self, id: ObjRef, object: Object) -> Result<Object> {
        match &self.crypt {
            Some(crypt) => crypt.decrypt(id, object),
            None => Ok(object),
        }
    }

    fn object_at_offset(&self, offset: usize, expected: ObjRef) -> Result<Object> {
        let parse_at = |off: usize| -> Result<Object> {
            let mut p = Parser::new(self.buf, off);
            let r = p.object_header()?;
            if r.num != expected.num {
                return Err(Error::corrupt(
                    off,
                    format!("expected object {} here, found {}", expected.num, r.num),
                ));
            }
            match p.object()? {
                Object::Dict(d) => {
                    let len = match d.get("Length") {
                        Some(Object::Int(l)) => usize::try_from(*l).ok(),
                        // An indirect /Length is resolved unless it points back at this object.
                        Some(Object::Ref(lr)) if lr.num != expected.num => self
                            .get(*lr)
                            .ok()
                            .and_then(|o| o.as_int())
                            .and_then(|l| usize::try_from(l).ok()),
                        _ => None,
                    };
                    p.stream_after(d, len)
                }
                o => Ok(o),
            }
        };
        match parse_at(offset) {
            Err(e) if self.xref.header_offset > 0 => {
                parse_at(offset + self.xref.header_offset).map_err(|_| e)
            }
            r => r,
        }
    }

    fn compressed(&self, stream: u32, index: u32, expected: ObjRef) -> Result<Object> {
        let os = self.object_stream(stream)?;
        let (num, off) = *os
            .members
            .get(index as usize)
            .ok_or_else(|| Error::corrupt(0, format!("object stream {stream} is too short")))?;
        if num != expected.num {
            return Err(Error::corrupt(
                0,
                format!("object stream {stream} holds {num}, not {}", expected.num),
            ));
        }
        let start = os
            .first
            .checked_add(off)
            .filter(|s| *s <= os.data.len())
            .ok_or_else(|| Error::corrupt(0, "object stream offset out of range"))?;
        Parser::new(&os.data, start).object()
    }

    fn object_stream(&self, num: u32) -> Result<Rc<ObjectStream>> {
        if let Some(os) = self.object_streams.borrow().get(&num) {
            return Ok(os.clone());
        }
        let Some(Entry::Offset(off, generation)) = self.xref.entries.get(&num).copied() else {
            return Err(Error::corrupt(0, format!("object stream {num} is missing")));
        };
        let object = self.object_at_offset(off, ObjRef::new(num, 0))?;
        let Object::Stream(s) = self.decrypted(ObjRef::new(num, generation), object)? else {
            return Err(Error::corrupt(off, format!("object {num} is not a stream")));
        };
        let data = filter::decode(&s, self.limits.max_decoded_stream)?;
        let members = xref::parse_object_stream_header(&s, &data)?;
        let first = s.dict.get("First").and_then(Object::as_int).unwrap_or(0) as usize;
        let os = Rc::new(ObjectStream {
            data,
            first,
            members,
        });
        self.object_streams.borrow_mut().insert(num, os.clone());
        Ok(os)
    }

    fn walk_pages(&self) -> Result<Vec<Page>> {
        let catalog = self.catalog()?;
        let root = catalog
            .get("Pages")
            .and_then(Object::as_ref)
            .ok_or_else(|| Error::corrupt(0, "the catalog has no /Pages reference"))?;
        let mut pages = Vec::new();
        let mut seen = HashSet::new();
        // Depth-first, keeping document order: children are pushed in reverse.
        let mut stack = vec![(root, Inherited::default(), 0u32)];
        while let Some((id, inherited, depth)) = stack.pop() {
            if depth > 64 {
                return Err(Error::Limit("page tree deeper than 64 levels".into()));
            }
            if !seen.insert(id) {
                return Err(Error::corrupt(0, "the page tree contains a cycle"));
            }
            let Object::Dict(node) = self.get(id)? else {
                return Err(Error::corrupt(
                    0,
                    format!("page tree node {id} is not a dictionary"),
                ));
            };
            let inherited = inherited.update(self, &node)?;
            let kids = self.get_in(&node, "Kids")?;
            let is_leaf = match node.get_name("Type") {
                Some(b"Page") => true,
                Some(b"Pages") => false,
                _ => kids.is_none(),
            };
            if is_leaf {
                if pages.len() >= self.limits.max_pages {
                    return Err(Error::Limit(format!(
                        "more than {} pages",
                        self.limits.max_pages
                    )));
                }
                pages.push(inherited.page(id));
                continue;
            }
            let kids = kids.unwrap_or(Object::Array(vec![]));
            let kids = kids
                .as_array()
                .ok_or_else(|| Error::corrupt(0, "/Kids is not an array"))?;
            for kid in kids.iter().rev() {
                let kid = kid
                    .as_ref()
                    .ok_or_else(|| Error::corrupt(0, "a page tree kid is not a reference"))?;
                stack.push((kid, inherited.clone(), depth + 1));
            }
        }
        Ok(pages)
    }

    /// The top-level entries of the form's `/Fields` (references, usually), empty when the
    /// document has no form.
    pub fn form_fields(&self) -> Result<Vec<Object>> {
        let catalog = self.catalog()?;
        let Some(form) = self.get_in(&catalog, "AcroForm")? else {
            return Ok(vec![]);
        };
        let fields = match form.as_dict() {
            Some(f) => self.get_in(f, "Fields")?,
            None => None,
        };
        Ok(match fields {
            Some(Object::Array(a)) => a,
            _ => vec![],
        })
    }

    /// `(field name, signature dictionary)` for each signed signature field of the form.
    pub fn signature_fields(&self) -> Result<Vec<(String, Dict)>> {
        let fields = self.form_fields()?;
        let mut out = Vec::new();
        let mut stack: Vec<(Object, String, Option<Vec<u8>>, u32)> = fields
            .iter()
            .rev()
            .map(|f| (f.clone(), String::new(), None, 0))
            .collect();
        let mut seen = std::collections::HashSet::new();
        while let Some((f, prefix, inherited_ft, depth)) = stack.pop() {
            if depth > 32 || out.len() > 10_000 {
                break;
            }
            if let Object::Ref(r) = f
                && !seen.insert(r)
            {
                continue;
            }
            let f = self.resolve(&f)?;
            let Some(d) = f.as_dict() else { continue };
            let name = match d.get("T").and_then(Object::as_string) {
                Some(t) => {
                    let t = text_string(t);
                    if prefix.is_empty() {
                        t
                    } else {
                        format!("{prefix}.{t}")
                    }
                }
                None => prefix.clone(),
            };
            let ft = d.get_name("FT").map(<[u8]>::to_vec).or(inherited_ft);
            if ft.as_deref() == Some(b"Sig")
                && let Some(v) = self.get_in(d, "V")?
                && let Some(v) = v.as_dict()
            {
                out.push((name.clone(), v.clone()));
            }
            if let Some(kids) = self.get_in(d, "Kids")? {
                for k in kids.as_array().unwrap_or(&[]).iter().rev() {
                    stack.push((k.clone(), name.clone(), ft.clone(), depth + 1));
                }
            }
        }
        Ok(out)
    }

    /// Whether any signature field of the document is signed.
    pub fn has_signatures(&self) -> Result<bool> {
        Ok(!self.signature_fields()?.is_empty())
    }

    /// Every object number in use, for tools that walk a whole file (the verifier).
    pub fn object_numbers(&self) -> Vec<ObjRef> {
        let mut v: Vec<ObjRef> = self
            .xref
            .entries
            .iter()
            .filter_map(|(n, e)| match e {
                Entry::Free => None,
                Entry::Offset(_, g) => Some(ObjRef::new(*n, *g)),
                Entry::Compressed { .. } => Some(ObjRef::new(*n, 0)),
            })
            .collect();
        v.sort();
        v
    }
}

fn read_version(buf: &[u8], header_offset: usize) -> String {
    let v = &buf[header_offset + 5..buf.len().min(header_offset + 8)];
    String::from_utf8_lossy(v).into_owned()
}

#[derive(Clone, Default)]
struct Inherited {
    media_box: Option<[f64; 4]>,
    crop_box: Option<[f64; 4]>,
    rotate: Option<i64>,
}

impl Inherited {
    fn update(mut self, doc: &Document, node: &Dict) -> Result<Self> {
        if let Some(r) = doc.get_in(node, "MediaBox")?.and_then(|o| rect(&o)) {
            self.media_box = Some(r);
        }
        if let Some(r) = doc.get_in(node, "CropBox")?.and_then(|o| rect(&o)) {
            self.crop_box = Some(r);
        }
        if let Some(r) = doc.get_in(node, "Rotate")?.and_then(|o| o.as_int()) {
            self.rotate = Some(r);
        }
        Ok(self)
    }

    fn page(&self, id: ObjRef) -> Page {
        // US Letter is what viewers assume when a producer forgot the media box.
        let media_box = self.media_box.unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let crop_box = self.crop_box.map_or(media_box, |c| intersect(c, media_box));
        let rotate = self.rotate.unwrap_or(0).rem_euclid(360);
        Page {
            id,
            media_box,
            crop_box,
            rotate: if rotate % 90 == 0 { rotate as i32 } else { 0 },
        }
    }
}

/// A rectangle normalized so that the first corner is the lower-left one.
pub fn rect(o: &Object) -> Option<[f64; 4]> {
    let a = o.as_array()?;
    if a.len() != 4 {
        return None;
    }
    let v: Vec<f64> = a.iter().map(Object::as_number).collect::<Option<_>>()?;
    Some([
        v[0].min(v[2]),
        v[1].min(v[3]),
        v[0].max(v[2]),
        v[1].max(v[3]),
    ])
}

fn intersect(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    let r = [
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    ];
    if r[0] < r[2] && r[1] < r[3] { r } else { b }
}
