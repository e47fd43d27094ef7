//! Cross-reference reading: classic tables, cross-reference streams, hybrid files, chains of
//! incremental updates, and a scan-based repair for files whose tables are broken.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::filter;
use crate::object::{Dict, ObjRef, Object, Stream};
use crate::parse::{self, Parser};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Free,
    /// At a byte offset in the file, with its generation.
    Offset(usize, u16),
    /// The `index`-th object of object stream `stream`.
    Compressed {
        stream: u32,
        index: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Table,
    Stream,
}

#[derive(Debug)]
pub struct Xref {
    pub entries: HashMap<u32, Entry>,
    pub trailer: Dict,
    /// Offset of the newest cross-reference section (`startxref`), what a new revision's
    /// `/Prev` must point to.
    pub startxref: usize,
    pub newest_kind: SectionKind,
    /// The file's tables were unusable and the objects were found by scanning.
    pub repaired: bool,
    /// Where `%PDF-` starts: some files carry junk before it and count offsets from it.
    pub header_offset: usize,
}

pub struct XrefLimits {
    pub max_entries: usize,
    pub max_decoded: usize,
}

/// Reads the newest cross-reference section and every section it chains to through `/Prev`.
/// When that fails, falls back to [`repair`].
pub fn read(buf: &[u8], limits: &XrefLimits) -> Result<Xref> {
    let header_offset = header_offset(buf)?;
    match read_chain(buf, header_offset, limits) {
        Ok(x) => Ok(x),
        Err(Error::Limit(m)) => Err(Error::Limit(m)),
        Err(_) => repair(buf, header_offset, limits),
    }
}

fn header_offset(buf: &[u8]) -> Result<usize> {
    let window = &buf[..buf.len().min(1024)];
    parse::find(window, b"%PDF-")
        .ok_or_else(|| Error::NotPdf("no `%PDF-` header in the first 1024 bytes".into()))
}

fn find_startxref(buf: &[u8]) -> Result<usize> {
    // Trailing junk after %%EOF is common; look back further than the 1 KB the spec implies.
    let tail_start = buf.len().saturating_sub(64 * 1024);
    let at = parse::rfind(&buf[tail_start..], b"startxref")
        .map(|p| tail_start + p)
        .ok_or_else(|| Error::corrupt(buf.len(), "no `startxref`"))?;
    let mut p = Parser::new(buf, at + b"startxref".len());
    let off = p
        .unsigned()
        .ok_or_else(|| Error::corrupt(at, "`startxref` without an offset"))?;
    usize::try_from(off).map_err(|_| Error::corrupt(at, "startxref offset out of range"))
}

fn read_chain(buf: &[u8], header_offset: usize, limits: &XrefLimits) -> Result<Xref> {
    let startxref = find_startxref(buf)?;
    let mut entries = HashMap::new();
    let mut trailer: Option<Dict> = None;
    let mut newest_kind = None;
    let mut visited = HashSet::new();
    let mut next = Some(startxref);
    while let Some(offset) = next.take() {
        if !visited.insert(offset) {
            return Err(Error::corrupt(
                offset,
                "cross-reference `/Prev` chain loops",
            ));
        }
        if visited.len() > 10_000 {
            return Err(Error::Limit(
                "more than 10,000 cross-reference sections".into(),
            ));
        }
        let (kind, section_trailer) =
            read_section(buf, offset, header_offset, &mut entries, limits)?;
        newest_kind.get_or_insert(kind);
        next = section_trailer
            .get("Prev")
            .and_then(Object::as_int)
            .and_then(|p| usize::try_from(p).ok());
        match &mut trailer {
            None => trailer = Some(section_trailer),
            // Older trailers only fill in what newer ones left out.
            Some(t) => {
                for (k, v) in section_trailer.0 {
                    if !t.0.iter().any(|(tk, _)| *tk == k) {
                        t.0.push((k, v));
                    }
                }
            }
        }
    }
    let trailer = trailer.ok_or_else(|| Error::corrupt(startxref, "no trailer"))?;
    if !trailer.contains("Root") {
        return Err(Error::corrupt(startxref, "trailer without /Root"));
    }
    Ok(Xref {
        entries,
        trailer,
        startxref,
        newest_kind: newest_kind.unwrap_or(SectionKind::Table),
        repaired: false,
        header_offset,
    })
}

/// Reads one section at `offset` into `entries` (keeping entries already there, which come
/// from newer sections) and returns its kind and trailer.
fn read_section(
    buf: &[u8],
    offset: usize,
    header_offset: usize,
    entries: &mut HashMap<u32, Entry>,
    limits: &XrefLimits,
) -> Result<(SectionKind, Dict)> {
    let attempt = |off: usize, entries: &mut HashMap<u32, Entry>| -> Result<(SectionKind, Dict)> {
        if off >= buf.len() {
            return Err(Error::corrupt(
                off,
                "cross-reference offset beyond the end of the file",
            ));
        }
        let mut p = Parser::new(buf, off);
        p.skip_ws();
        if buf[p.pos..].starts_with(b"xref") {
            let trailer = read_table(&mut p, entries, limits)?;
            // Hybrid files: objects only a 1.5 reader should see sit in a stream at /XRefStm.
            if let Some(stm) = trailer.get("XRefStm").and_then(Object::as_int) {
                let stm = usize::try_from(stm).map_err(|_| Error::corrupt(off, "bad /XRefStm"))?;
                read_stream_section(buf, stm, entries, limits)?;
            }
            Ok((SectionKind::Table, trailer))
        } else {
            Ok((
                SectionKind::Stream,
                read_stream_section(buf, off, entries, limits)?,
            ))
        }
    };
    match attempt(offset, entries) {
        Err(e) if header_offset > 0 => attempt(offset + header_offset, entries).map_err(|_| e),
        r => r,
    }
}

fn insert(
    entries: &mut HashMap<u32, Entry>,
    num: u32,
    e: Entry,
    limits: &XrefLimits,
) -> Result<()> {
    if entries.len() >= limits.max_entries && !entries.contains_key(&num) {
        return Err(Error::Limit(format!(
            "more than {} objects",
            limits.max_entries
        )));
    }
    entries.entry(num).or_insert(e);
    Ok(())
}

fn read_table(
    p: &mut Parser,
    entries: &mut HashMap<u32, Entry>,
    limits: &XrefLimits,
) -> Result<Dict> {
    p.expect_keyword(b"xref")?;
    loop {
        p.skip_ws();
        let save = p.pos;
        if p.keyword() == b"trailer" {
            break;
        }
        p.pos = save;
        let (Some(first), Some(count)) = (p.unsigned(), p.unsigned()) else {
            return Err(Error::corrupt(
                p.pos,
                "bad cross-reference subsection header",
            ));
        };
        for i in 0..count {
            let (Some(off), Some(generation)) = (p.unsigned(), p.unsigned()) else {
                return Err(Error::corrupt(p.pos, "bad cross-reference entry"));
            };
            let kind = p.keyword();
            let num = u32::try_from(first + i)
                .map_err(|_| Error::corrupt(p.pos, "object number out of range"))?;
            let entry = match kind {
                b"n" => Entry::Offset(
                    usize::try_from(off)
                        .map_err(|_| Error::corrupt(p.pos, "offset out of range"))?,
                    u16::try_from(generation).unwrap_or(u16::MAX),
                ),
                b"f" => Entry::Free,
                _ => {
                    return Err(Error::corrupt(
                        p.pos,
                        "cross-reference entry is neither n nor f",
                    ));
                }
            };
            // Offset 0 "in use" entries are a known producer bug; treat them as absent.
            if entry != Entry::Offset(0, 0) || num == 0 {
                insert(entries, num, entry, limits)?;
            }
        }
    }
    match p.object()? {
        Object::Dict(d) => Ok(d),
        _ => Err(Error::corrupt(p.pos, "trailer is not a dictionary")),
    }
}

/// Parses the indirect object at `offset`, resolving a direct `/Length` only (the reader of
/// structural streams cannot chase references before it has a table).
pub fn object_at(buf: &[u8], offset: usize) -> Result<(ObjRef, Object)> {
    let mut p = Parser::new(buf, offset);
    let r = p.object_header()?;
    let obj = p.object()?;
    let obj = match obj {
        Object::Dict(d) => {
            let len = d
                .get("Length")
                .and_then(Object::as_int)
                .and_then(|l| usize::try_from(l).ok());
            p.stream_after(d, len)?
        }
        o => o,
    };
    Ok((r, obj))
}

fn read_stream_section(
    buf: &[u8],
    offset: usize,
    entries: &mut HashMap<u32, Entry>,
    limits: &XrefLimits,
) -> Result<Dict> {
    let (_, obj) = object_at(buf, offset)?;
    let Object::Stream(stream) = obj else {
        return Err(Error::corrupt(
            offset,
            "cross-reference offset points to no stream",
        ));
    };
    if stream.dict.get_name("Type") != Some(b"XRef") {
        return Err(Error::corrupt(
            offset,
            "cross-reference stream without /Type /XRef",
        ));
    }
    parse_xref_stream(&stream, entries, limits).map_err(|e| match e {
        Error::Corrupt { reason, .. } => Error::corrupt(offset, reason),
        e => e,
    })?;
    Ok(stream.dict)
}

fn parse_xref_stream(
    stream: &Stream,
    entries: &mut HashMap<u32, Entry>,
    limits: &XrefLimits,
) -> Result<()> {
    let data = filter::decode(stream, limits.max_decoded)?;
    let widths: Vec<usize> = stream
        .dict
        .get("W")
        .and_then(Object::as_array)
        .ok_or_else(|| Error::corrupt(0, "cross-reference stream without /W"))?
        .iter()
        .map(|w| {
            w.as_int()
                .and_then(|w| usize::try_from(w).ok())
                .filter(|w| *w <= 8)
        })
        .collect::<Option<_>>()
        .filter(|w: &Vec<usize>| w.len() == 3)
        .ok_or_else(|| Error::corrupt(0, "bad /W in cross-reference stream"))?;
    let row = widths.iter().sum::<usize>();
    if row == 0 {
        return Err(Error::corrupt(0, "empty /W in cross-reference stream"));
    }
    let size = stream
        .dict
        .get("Size")
        .and_then(Object::as_int)
        .unwrap_or(0);
    let index: Vec<i64> = match stream.dict.get("Index").and_then(Object::as_array) {
        Some(a) => a.iter().filter_map(Object::as_int).collect(),
        None => vec![0, size],
    };
    let mut rows = data.chunks_exact(row);
    for pair in index.chunks_exact(2) {
        let (first, count) = (pair[0], pair[1]);
        if first < 0 || count < 0 {
            return Err(Error::corrupt(
                0,
                "negative /Index in cross-reference stream",
            ));
        }
        for i in 0..count {
            // The data bounds the entries, whatever /Size or /Index claim.
            let Some(r) = rows.next() else { return Ok(()) };
            let field = |n: usize| -> u64 {
                let start: usize = widths[..n].iter().sum();
                r[start..start + widths[n]]
                    .iter()
                    .fold(0u64, |v, b| v << 8 | u64::from(*b))
            };
            let kind = if widths[0] == 0 { 1 } else { field(0) };
            let num = u32::try_from(first + i)
                .map_err(|_| Error::corrupt(0, "object number out of range"))?;
            let entry = match kind {
                0 => Entry::Free,
                1 => Entry::Offset(
                    usize::try_from(field(1))
                        .map_err(|_| Error::corrupt(0, "offset out of range"))?,
                    u16::try_from(field(2)).unwrap_or(u16::MAX),
                ),
                2 => Entry::Compressed {
                    stream: u32::try_from(field(1))
                        .map_err(|_| Error::corrupt(0, "bad object stream number"))?,
                    index: u32::try_from(field(2))
                        .map_err(|_| Error::corrupt(0, "bad object stream index"))?,
                },
                // Unknown types are to be ignored, per the specification.
                _ => continue,
            };
            insert(entries, num, entry, limits)?;
        }
    }
    Ok(())
}

/// Rebuilds the table by scanning the whole file for `N G obj`, later definitions winning, and
/// finds the trailer (the last `trailer` dictionary or cross-reference stream naming /Root,
/// else a /Catalog object).
pub fn repair(buf: &[u8], header_offset: usize, limits: &XrefLimits) -> Result<Xref> {
    let mut entries: HashMap<u32, Entry> = HashMap::new();
    let mut trailer: Option<Dict> = None;
    let mut catalog: Option<ObjRef> = None;
    let mut pos = 0;
    while let Some(rel) = parse::find(&buf[pos..], b"obj") {
        let at = pos + rel;
        pos = at + 3;
        let Some(start) = object_start_before(buf, at) else {
            continue;
        };
        let Ok((r, obj)) = object_at(buf, start) else {
            continue;
        };
        if entries.len() >= limits.max_entries && !entries.contains_key(&r.num) {
            return Err(Error::Limit(format!(
                "more than {} objects",
                limits.max_entries
            )));
        }
        entries.insert(r.num, Entry::Offset(start, r.generation));
        if let Some(d) = obj.as_dict() {
            match d.get_name("Type") {
                Some(b"XRef") if d.contains("Root") => trailer = Some(d.clone()),
                Some(b"Catalog") => catalog = Some(r),
                Some(b"ObjStm") => {
                    if let Object::Stream(s) = &obj {
                        for (num, index) in object_stream_members(s, limits)? {
                            entries.entry(num).or_insert(Entry::Compressed {
                                stream: r.num,
                                index,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut tpos = 0;
    while let Some(rel) = parse::find(&buf[tpos..], b"trailer") {
        let at = tpos + rel + b"trailer".len();
        tpos = at;
        if let Ok(Object::Dict(d)) = Parser::new(buf, at).object()
            && d.contains("Root")
        {
            trailer = Some(d);
        }
    }
    let mut trailer = trailer.unwrap_or_default();
    if !trailer.contains("Root") {
        let root = catalog.ok_or_else(|| Error::corrupt(0, "no document catalog found"))?;
        trailer.set("Root", root);
    }
    trailer.remove("Prev");
    trailer.remove("XRefStm");
    let max = entries.keys().max().copied().unwrap_or(0);
    trailer.set("Size", i64::from(max) + 1);
    Ok(Xref {
        entries,
        trailer,
        startxref: 0,
        newest_kind: SectionKind::Table,
        repaired: true,
        header_offset,
    })
}

/// Given the offset of `obj`, the offset of `N G ` before it, if there is one.
fn object_start_before(buf: &[u8], obj_at: usize) -> Option<usize> {
    let mut i = obj_at;
    let skip = |i: &mut usize, pred: fn(u8) -> bool| {
        let from = *i;
        while *i > 0 && pred(buf[*i - 1]) {
            *i -= 1;
        }
        from - *i
    };
    (skip(&mut i, parse::is_whitespace) > 0).then_some(())?;
    (skip(&mut i, |b| b.is_ascii_digit()) > 0).then_some(())?;
    (skip(&mut i, parse::is_whitespace) > 0).then_some(())?;
    (skip(&mut i, |b| b.is_ascii_digit()) > 0).then_some(())?;
    (i == 0 || !buf[i - 1].is_ascii_digit()).then_some(i)
}

/// The `(object number, index)` pairs an object stream declares.
pub fn object_stream_members(s: &Stream, limits: &XrefLimits) -> Result<Vec<(u32, u32)>> {
    let data = filter::decode(s, limits.max_decoded)?;
    let header = parse_object_stream_header(s, &data)?;
    Ok(header
        .iter()
        .enumerate()
        .map(|(i, (num, _))| (*num, i as u32))
        .collect())
}

/// `(object number, offset from /First)` for each object of a decoded object stream.
pub fn parse_object_stream_header(s: &Stream, data: &[u8]) -> Result<Vec<(u32, usize)>> {
    let n = s.dict.get("N").and_then(Object::as_int).unwrap_or(-1);
    let first = s.dict.get("First").and_then(Object::as_int).unwrap_or(-1);
    if n < 0 || first < 0 || first as usize > data.len() {
        return Err(Error::corrupt(0, "object stream with bad /N or /First"));
    }
    // Each header pair takes at least 4 bytes, so the data bounds N whatever it claims.
    if n as usize > data.len() / 4 + 1 {
        return Err(Error::corrupt(
            0,
            "object stream claims more objects than it holds",
        ));
    }
    let mut p = Parser::new(&data[..first as usize], 0);
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let (Some(num), Some(off)) = (p.unsigned(), p.unsigned()) else {
            return Err(Error::corrupt(0, "bad object stream header"));
        };
        out.push((
            u32::try_from(num).map_err(|_| Error::corrupt(0, "bad object number"))?,
            usize::try_from(off).map_err(|_| Error::corrupt(0, "bad offset"))?,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: XrefLimits = XrefLimits {
        max_entries: 1000,
        max_decoded: 1 << 20,
    };

    fn minimal(xref_offset_fudge: i64) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let o1 = out.len();
        out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
        let o2 = out.len();
        out.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
        let x = out.len();
        out.extend_from_slice(
            format!("xref\n0 3\n0000000000 65535 f\r\n{o1:010} 00000 n\r\n{o2:010} 00000 n\r\ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n", x as i64 + xref_offset_fudge)
                .as_bytes(),
        );
        out
    }

    #[test]
    fn reads_a_classic_table() {
        let x = read(&minimal(0), &LIMITS).unwrap();
        assert!(!x.repaired);
        assert_eq!(x.entries.len(), 3);
        assert_eq!(x.newest_kind, SectionKind::Table);
        assert_eq!(x.trailer.get("Root"), Some(&Object::Ref(ObjRef::new(1, 0))));
    }

    #[test]
    fn repairs_a_wrong_startxref() {
        let x = read(&minimal(-7), &LIMITS).unwrap();
        assert!(x.repaired);
        assert!(matches!(x.entries.get(&2), Some(Entry::Offset(_, 0))));
    }

    #[test]
    fn refuses_non_pdf() {
        assert!(matches!(read(b"hello", &LIMITS), Err(Error::NotPdf(_))));
    }
}
