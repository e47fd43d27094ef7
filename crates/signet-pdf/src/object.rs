//! The PDF object model shared by the reader and the revision writer, and its serialization.

use std::fmt;
use std::io::{self, Write};

/// An indirect object reference `N G R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub num: u32,
    pub generation: u16,
}

impl ObjRef {
    pub const fn new(num: u32, generation: u16) -> Self {
        Self { num, generation }
    }
}

impl fmt::Display for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} R", self.num, self.generation)
    }
}

/// A PDF name, stored without the leading slash and with `#xx` escapes decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(pub Vec<u8>);

impl Name {
    pub fn new(s: impl AsRef<[u8]>) -> Self {
        Name(s.as_ref().to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    /// A string's bytes; written back as a literal or hex string as is shortest and safe.
    String(Vec<u8>),
    /// A string that must be written as hex (`/Contents` placeholders, `/ID`).
    HexString(Vec<u8>),
    Name(Name),
    Array(Vec<Object>),
    Dict(Dict),
    Stream(Box<Stream>),
    Ref(ObjRef),
}

impl Object {
    pub fn name(s: impl AsRef<[u8]>) -> Object {
        Object::Name(Name::new(s))
    }

    /// A text string: PDFDocEncoding-compatible ASCII stays as is, anything else becomes
    /// UTF-16BE with a byte-order mark, as PDF text strings require.
    pub fn text(s: &str) -> Object {
        if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            Object::String(s.as_bytes().to_vec())
        } else {
            let mut out = vec![0xfe, 0xff];
            for unit in s.encode_utf16() {
                out.extend_from_slice(&unit.to_be_bytes());
            }
            Object::String(out)
        }
    }

    pub fn rect(r: [f64; 4]) -> Object {
        Object::Array(r.iter().map(|v| Object::Real(*v)).collect())
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Integers and reals alike, as numbers in rectangles and matrices may be either.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Object::Int(i) => Some(*i as f64),
            Object::Real(r) => Some(*r),
            _ => None,
        }
    }

    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(&n.0),
            _ => None,
        }
    }

    pub fn as_string(&self) -> Option<&[u8]> {
        match self {
            Object::String(s) | Object::HexString(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }

    /// Serializes this object (not wrapped in `obj`/`endobj`).
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        match self {
            Object::Null => out.write_all(b"null"),
            Object::Bool(b) => out.write_all(if *b { b"true" } else { b"false" }),
            Object::Int(i) => write!(out, "{i}"),
            Object::Real(r) => write_real(out, *r),
            Object::String(s) => write_literal_string(out, s),
            Object::HexString(s) => write_hex_string(out, s),
            Object::Name(n) => write_name(out, &n.0),
            Object::Array(items) => {
                out.write_all(b"[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b" ")?;
                    }
                    item.write_to(out)?;
                }
                out.write_all(b"]")
            }
            Object::Dict(d) => d.write_to(out),
            Object::Stream(s) => s.write_to(out),
            Object::Ref(r) => write!(out, "{} {} R", r.num, r.generation),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out)
            .expect("writing to a Vec cannot fail");
        out
    }
}

impl From<Dict> for Object {
    fn from(d: Dict) -> Self {
        Object::Dict(d)
    }
}

impl From<ObjRef> for Object {
    fn from(r: ObjRef) -> Self {
        Object::Ref(r)
    }
}

impl From<i64> for Object {
    fn from(i: i64) -> Self {
        Object::Int(i)
    }
}

impl From<f64> for Object {
    fn from(r: f64) -> Self {
        Object::Real(r)
    }
}

impl From<bool> for Object {
    fn from(b: bool) -> Self {
        Object::Bool(b)
    }
}

impl From<Stream> for Object {
    fn from(s: Stream) -> Self {
        Object::Stream(Box::new(s))
    }
}

/// Where new indirect objects go: the revision writer hands out object numbers as things that
/// build objects (appearances, fonts, images) add them.
pub trait Allocate {
    fn add(&mut self, object: Object) -> ObjRef;
}

/// A dictionary that keeps its keys in insertion order, so rewritten objects stay recognisable
/// to a human comparing revisions. Dictionaries are small, so lookups are linear.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dict(pub Vec<(Name, Object)>);

impl Dict {
    pub fn new() -> Self {
        Dict(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Object> {
        self.0
            .iter()
            .find(|(k, _)| k.0 == key.as_bytes())
            .map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Object> {
        self.0
            .iter_mut()
            .find(|(k, _)| k.0 == key.as_bytes())
            .map(|(_, v)| v)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`, replacing an existing value in place.
    pub fn set(&mut self, key: &str, value: impl Into<Object>) {
        let value = value.into();
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => self.0.push((Name::new(key), value)),
        }
    }

    /// Builder-style [`Dict::set`].
    pub fn with(mut self, key: &str, value: impl Into<Object>) -> Self {
        self.set(key, value);
        self
    }

    pub fn remove(&mut self, key: &str) -> Option<Object> {
        let i = self.0.iter().position(|(k, _)| k.0 == key.as_bytes())?;
        Some(self.0.remove(i).1)
    }

    pub fn get_name(&self, key: &str) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }

    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(b"<<")?;
        for (k, v) in &self.0 {
            write_name(out, &k.0)?;
            out.write_all(b" ")?;
            v.write_to(out)?;
        }
        out.write_all(b">>")
    }
}

/// A stream: its dictionary and its (already encoded) data. `/Length` is written from the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub dict: Dict,
    pub data: Vec<u8>,
}

impl Stream {
    pub fn new(dict: Dict, data: Vec<u8>) -> Self {
        Stream { dict, data }
    }

    /// A stream whose data is Flate-compressed from `raw`.
    pub fn deflated(mut dict: Dict, raw: &[u8]) -> Self {
        use flate2::{Compression, write::ZlibEncoder};
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
        enc.write_all(raw).expect("writing to a Vec cannot fail");
        let data = enc.finish().expect("writing to a Vec cannot fail");
        dict.set("Filter", Object::name("FlateDecode"));
        Stream { dict, data }
    }

    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut dict = self.dict.clone();
        dict.set("Length", Object::Int(self.data.len() as i64));
        dict.write_to(out)?;
        out.write_all(b"\nstream\n")?;
        out.write_all(&self.data)?;
        out.write_all(b"\nendstream")
    }
}

fn write_real(out: &mut impl Write, r: f64) -> io::Result<()> {
    if !r.is_finite() {
        return out.write_all(b"0");
    }
    if r.fract() == 0.0 && r.abs() < 1e15 {
        return write!(out, "{}", r as i64);
    }
    // Readers keep reals in 32 bits (ISO 32000-1, Annex C: ±3.403e38); a value read from
    // a file may be larger. Beyond the limit it is written as the limit.
    let r = r.clamp(-REAL_LIMIT, REAL_LIMIT);
    // PDF has no exponent notation; four decimals are far below a device pixel.
    let s = format!("{r:.4}");
    let s = s.trim_end_matches('0');
    // A whole number too large for an integer keeps its point: readers parse a long run of
    // digits as an integer and overflow (qpdf drops the whole object).
    let s = if r.fract() == 0.0 {
        format!("{s}0")
    } else {
        s.trim_end_matches('.').to_string()
    };
    out.write_all(if s == "-0" { b"0" } else { s.as_bytes() })
}

/// The largest real readers are required to handle.
const REAL_LIMIT: f64 = 3.403e38;

fn is_regular(b: u8) -> bool {
    !matches!(
        b,
        b'\0'
            | b'\t'
            | b'\n'
            | b'\x0c'
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

fn write_name(out: &mut impl Write, name: &[u8]) -> io::Result<()> {
    out.write_all(b"/")?;
    for &b in name {
        if b == b'#' || !is_regular(b) || !(0x21..0x7f).contains(&b) {
            write!(out, "#{b:02X}")?;
        } else {
            out.write_all(&[b])?;
        }
    }
    Ok(())
}

fn write_literal_string(out: &mut impl Write, s: &[u8]) -> io::Result<()> {
    out.write_all(b"(")?;
    for &b in s {
        match b {
            b'(' | b')' | b'\\' => out.write_all(&[b'\\', b])?,
            b'\r' => out.write_all(b"\\r")?,
            b'\n' => out.write_all(b"\\n")?,
            _ => out.write_all(&[b])?,
        }
    }
    out.write_all(b")")
}

fn write_hex_string(out: &mut impl Write, s: &[u8]) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.write_all(b"<")?;
    let mut buf = Vec::with_capacity(s.len() * 2);
    for &b in s {
        buf.push(HEX[(b >> 4) as usize]);
        buf.push(HEX[(b & 15) as usize]);
    }
    out.write_all(&buf)?;
    out.write_all(b">")
}

/// Decodes a PDF text string (UTF-16BE with BOM, else PDFDocEncoding read as Latin-1).
pub fn text_string(s: &[u8]) -> String {
    if s.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = s[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = s.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        s.iter().map(|&b| b as char).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_every_kind() {
        let d = Dict::new()
            .with("Type", Object::name("Sig"))
            .with("N", Object::Null)
            .with("B", true)
            .with("I", -7i64)
            .with("R", 0.5f64)
            .with("S", Object::String(b"a(b)\\c\n".to_vec()))
            .with("H", Object::HexString(vec![0, 0xab]))
            .with("Odd Name", Object::name("A B#"))
            .with(
                "A",
                Object::Array(vec![Object::Ref(ObjRef::new(3, 0)), Object::Real(1.25)]),
            );
        assert_eq!(
            String::from_utf8(Object::Dict(d).to_bytes()).unwrap(),
            "<</Type /Sig/N null/B true/I -7/R 0.5/S (a\\(b\\)\\\\c\\n)/H <00AB>/Odd#20Name /A#20B#23/A [3 0 R 1.25]>>"
        );
    }

    #[test]
    fn reals_have_no_exponent() {
        let s = |r: f64| String::from_utf8(Object::Real(r).to_bytes()).unwrap();
        assert_eq!(s(1e-9), "0");
        assert_eq!(s(2.0), "2");
        assert_eq!(s(-1.23456), "-1.2346");
        assert_eq!(s(f64::NAN), "0");
        assert_eq!(s(1e15), "1000000000000000.0");
        assert_eq!(s(-2.5e20), "-250000000000000000000.0");
        for huge in [1e308, -1e308, f64::MAX] {
            let written = s(huge);
            assert!(written.ends_with(".0") && written.len() < 45, "{written}");
            let back: f64 = written.parse().unwrap();
            assert!((back.abs() - REAL_LIMIT).abs() < 1e30 && back.signum() == huge.signum());
        }
    }

    #[test]
    fn text_strings_use_utf16_beyond_ascii() {
        assert_eq!(Object::text("Asha"), Object::String(b"Asha".to_vec()));
        assert_eq!(
            Object::text("आ"),
            Object::String(vec![0xfe, 0xff, 0x09, 0x06])
        );
    }

    #[test]
    fn stream_writes_its_length() {
        let s = Stream::new(Dict::new(), b"q Q".to_vec());
        assert_eq!(
            Object::from(s).to_bytes(),
            b"<</Length 3>>\nstream\nq Q\nendstream".to_vec()
        );
    }
}
