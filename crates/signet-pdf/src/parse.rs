//! A bounded parser for PDF objects in untrusted bytes.
//!
//! Written by hand rather than taken from lopdf because the engine must parse only the handful
//! of objects a signature touches (catalog, page tree, form), not every object of a 50 MB file,
//! and must never panic, recurse without bound or allocate from a number the file claims.

use crate::error::{Error, Result};
use crate::object::{Dict, Name, ObjRef, Object, Stream};

/// Nesting deeper than this is refused: real documents stay far below it, and it keeps the
/// recursive descent within a small, fixed stack.
pub const MAX_DEPTH: u32 = 64;

pub fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

pub fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

pub struct Parser<'a> {
    buf: &'a [u8],
    pub pos: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Self {
        Parser { buf, pos, depth: 0 }
    }

    fn err(&self, reason: impl Into<String>) -> Error {
        Error::corrupt(self.pos, reason)
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skips whitespace and comments.
    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Reads a run of regular characters (a keyword or a number) without consuming it.
    fn peek_token(&self) -> &'a [u8] {
        let start = self.pos.min(self.buf.len());
        let len = self.buf[start..]
            .iter()
            .position(|&b| !is_regular(b))
            .unwrap_or(self.buf.len() - start);
        &self.buf[start..start + len]
    }

    pub fn keyword(&mut self) -> &'a [u8] {
        self.skip_ws();
        let t = self.peek_token();
        self.pos += t.len();
        t
    }

    pub fn expect_keyword(&mut self, kw: &[u8]) -> Result<()> {
        let at = self.pos;
        let got = self.keyword();
        if got == kw {
            Ok(())
        } else {
            self.pos = at;
            Err(self.err(format!(
                "expected `{}`, found `{}`",
                String::from_utf8_lossy(kw),
                String::from_utf8_lossy(&got[..got.len().min(20)])
            )))
        }
    }

    /// An unsigned integer token, or `None` (position unchanged) if the next token is not one.
    pub fn unsigned(&mut self) -> Option<u64> {
        self.skip_ws();
        let t = self.peek_token();
        if t.is_empty() || t.len() > 18 || !t.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += t.len();
        Some(t.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    }

    /// `N G obj`, the header of an indirect object.
    pub fn object_header(&mut self) -> Result<ObjRef> {
        let start = self.pos;
        let parsed = (|| {
            let num = self.unsigned()?;
            let generation = self.unsigned()?;
            (self.keyword() == b"obj").then_some(())?;
            Some(ObjRef::new(
                u32::try_from(num).ok()?,
                u16::try_from(generation).ok()?,
            ))
        })();
        parsed.ok_or_else(|| {
            self.pos = start;
            self.err("expected an object header `N G obj`")
        })
    }

    /// Parses one direct object. References (`N G R`) are returned as [`Object::Ref`].
    pub fn object(&mut self) -> Result<Object> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Err(self.err("unexpected end of file"));
        };
        match b {
            b'/' => self.name().map(Object::Name),
            b'(' => self.literal_string().map(Object::String),
            b'[' => self.nested(Self::array),
            b'<' if self.buf.get(self.pos + 1) == Some(&b'<') => {
                self.nested(Self::dict).map(Object::Dict)
            }
            b'<' => self.hex_string().map(Object::String),
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number_or_ref(),
            _ => {
                let t = self.keyword();
                match t {
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    b"null" => Ok(Object::Null),
                    _ => Err(self.err(format!(
                        "unexpected `{}`",
                        String::from_utf8_lossy(&t[..t.len().min(20)])
                    ))),
                }
            }
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::Limit(format!(
                "objects nested deeper than {MAX_DEPTH} levels"
            )));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn number_or_ref(&mut self) -> Result<Object> {
        let start = self.pos;
        if let Some(num) = self.unsigned() {
            let after_first = self.pos;
            if let Some(generation) = self.unsigned()
                && self.keyword() == b"R"
                && let (Ok(num), Ok(generation)) = (u32::try_from(num), u16::try_from(generation))
            {
                return Ok(Object::Ref(ObjRef::new(num, generation)));
            }
            self.pos = after_first;
            return Ok(i64::try_from(num).map_or(Object::Real(num as f64), Object::Int));
        }
        self.pos = start;
        let t = self.peek_token();
        self.pos += t.len();
        parse_number(t).ok_or_else(|| Error::corrupt(start, "malformed number"))
    }

    pub fn name(&mut self) -> Result<Name> {
        self.pos += 1; // the slash
        let t = self.peek_token();
        self.pos += t.len();
        let mut out = Vec::with_capacity(t.len());
        let mut i = 0;
        while i < t.len() {
            if t[i] == b'#'
                && i + 2 < t.len() + 1
                && let Some(v) = t.get(i + 1..i + 3).and_then(hex_pair)
            {
                out.push(v);
                i += 3;
                continue;
            }
            out.push(t[i]);
            i += 1;
        }
        Ok(Name(out))
    }

    fn literal_string(&mut self) -> Result<Vec<u8>> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut open = 1usize;
        loop {
            let Some(b) = self.peek() else {
                return Err(Error::corrupt(start, "unterminated string"));
            };
            self.pos += 1;
            match b {
                b'(' => {
                    open += 1;
                    out.push(b);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { continue };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Vec<u8>> {
        let start = self.pos;
        self.pos += 1;
        let rest = &self.buf[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'>')
            .ok_or_else(|| Error::corrupt(start, "unterminated hex string"))?;
        let mut out = Vec::with_capacity(end / 2 + 1);
        let mut high: Option<u8> = None;
        for &b in &rest[..end] {
            if is_whitespace(b) {
                continue;
            }
            let v = hex_digit(b).ok_or_else(|| Error::corrupt(start, "bad hex string"))?;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        self.pos += end + 1;
        Ok(out)
    }

    fn array(&mut self) -> Result<Object> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.err("unterminated array")),
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Object::Array(items));
                }
                _ => items.push(self.object()?),
            }
        }
    }

    fn dict(&mut self) -> Result<Dict> {
        self.pos += 2;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.err("unterminated dictionary")),
                Some(b'>') => {
                    if self.buf.get(self.pos + 1) == Some(&b'>') {
                        self.pos += 2;
                        return Ok(Dict(entries));
                    }
                    return Err(self.err("unexpected `>` in dictionary"));
                }
                Some(b'/') => {
                    let key = self.name()?;
                    let value = self.object()?;
                    entries.push((key, value));
                }
                _ => return Err(self.err("dictionary key is not a name")),
            }
        }
    }

    /// After a dictionary: if `stream` follows, reads the stream whose length `length` says
    /// (or, when the length is wrong, up to `endstream`).
    pub fn stream_after(&mut self, dict: Dict, length: Option<usize>) -> Result<Object> {
        let save = self.pos;
        if self.keyword() != b"stream" {
            self.pos = save;
            return Ok(Object::Dict(dict));
        }
        match self.peek() {
            Some(b'\r') if self.buf.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
            Some(b'\r' | b'\n') => self.pos += 1,
            _ => {}
        }
        let start = self.pos;
        let declared_ok = length.and_then(|len| {
            let end = start.checked_add(len)?;
            let mut p = Parser::new(self.buf, end);
            p.skip_ws();
            p.peek_token().starts_with(b"endstream").then_some(end)
        });
        let end = match declared_ok {
            Some(end) => end,
            None => {
                let rel = find(&self.buf[start..], b"endstream")
                    .ok_or_else(|| Error::corrupt(start, "stream without `endstream`"))?;
                let mut end = start + rel;
                if end > start && self.buf[end - 1] == b'\n' {
                    end -= 1;
                }
                if end > start && self.buf[end - 1] == b'\r' {
                    end -= 1;
                }
                end
            }
        };
        let data = self.buf[start..end].to_vec();
        self.pos = end;
        self.keyword();
        Ok(Object::Stream(Box::new(Stream { dict, data })))
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn hex_pair(p: &[u8]) -> Option<u8> {
    Some(hex_digit(p[0])? << 4 | hex_digit(*p.get(1)?)?)
}

fn parse_number(t: &[u8]) -> Option<Object> {
    let s = std::str::from_utf8(t).ok()?;
    if let Ok(i) = s.parse::<i64>() {
        return Some(Object::Int(i));
    }
    // Reals like `4.`, `-.5`, or producer quirks like `--5`, which readers commonly accept.
    let trimmed = s.trim_start_matches(['+', '-']);
    let negative = s.len() - trimmed.len() > 0 && s.starts_with('-');
    let v: f64 = if trimmed.ends_with('.') {
        trimmed.trim_end_matches('.').parse().ok()?
    } else {
        trimmed.parse().ok()?
    };
    v.is_finite()
        .then_some(Object::Real(if negative { -v } else { v }))
}

/// First position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let off = hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        i += off;
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Last position of `needle` in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| &hay[i..i + needle.len()] == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Object> {
        Parser::new(s.as_bytes(), 0).object()
    }

    #[test]
    fn parses_every_kind() {
        let o = parse("<< /A 1 /B -2.5 /C (x\\(y\\)\\101) /D <4142 3> /E [1 0 R 2 true null /N#20x] /F << >> >>")
            .unwrap();
        let d = o.as_dict().unwrap();
        assert_eq!(d.get("A"), Some(&Object::Int(1)));
        assert_eq!(d.get("B"), Some(&Object::Real(-2.5)));
        assert_eq!(d.get("C"), Some(&Object::String(b"x(y)A".to_vec())));
        assert_eq!(d.get("D"), Some(&Object::String(b"AB0".to_vec())));
        assert_eq!(
            d.get("E"),
            Some(&Object::Array(vec![
                Object::Ref(ObjRef::new(1, 0)),
                Object::Int(2),
                Object::Bool(true),
                Object::Null,
                Object::name("N x"),
            ]))
        );
        assert_eq!(d.get("F"), Some(&Object::Dict(Dict::new())));
    }

    #[test]
    fn round_trips_through_the_writer() {
        let src = "<</Type /Annot/Rect [0 0 10.5 -3]/T (a\\)b)/K [3 0 R]>>";
        let o = parse(src).unwrap();
        assert_eq!(
            parse(std::str::from_utf8(&o.to_bytes()).unwrap()).unwrap(),
            o
        );
    }

    #[test]
    fn odd_numbers() {
        assert_eq!(parse("4.").unwrap(), Object::Real(4.0));
        assert_eq!(parse("-.5").unwrap(), Object::Real(-0.5));
        assert_eq!(parse("--5").unwrap(), Object::Real(-5.0));
        assert_eq!(parse("99999999999999999999").unwrap(), Object::Real(1e20));
        assert!(parse("1.2.3").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let s = "[".repeat(100_000);
        assert!(matches!(parse(&s), Err(Error::Limit(_))));
    }

    #[test]
    fn truncated_inputs_are_errors() {
        for s in ["<< /A", "(abc", "<41", "[1 2", "<< 1 2 >>", ""] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn stream_with_wrong_length_is_read_to_endstream() {
        let src = b"<< /Length 99 >>\nstream\nhello\nendstream";
        let mut p = Parser::new(src, 0);
        let d = p.object().unwrap();
        let Object::Dict(d) = d else { panic!() };
        let s = p.stream_after(d, Some(99)).unwrap();
        let Object::Stream(s) = s else { panic!() };
        assert_eq!(s.data, b"hello");
    }
}
