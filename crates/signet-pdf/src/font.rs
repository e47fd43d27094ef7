//! Text for visible marks: the bundled fonts, shaping with per-run font fallback, and embedding
//! the used glyphs as subset Type0 (CIDFontType2, Identity-H) fonts with a ToUnicode CMap.
//!
//! Only the bundled Noto fonts are used, never the host's, so the same name renders the same
//! way on every server. Text that no bundled font can draw is refused rather than shown as
//! empty boxes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::OnceLock;

use rustybuzz::ttf_parser::GlyphId;
use rustybuzz::{BufferClusterLevel, BufferFlags, Direction, Face, UnicodeBuffer};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use crate::object::{Allocate, Dict, Name, ObjRef, Object, Stream};
use crate::{Error, Result};

/// Longest text accepted for one line (a typed mark, a name, a reason), in characters.
/// Longer text would shrink below legibility anyway, and it bounds shaping work.
pub const MAX_TEXT_CHARS: usize = 200;

/// Clusters whose text is longer than this (in UTF-16 units) get no ToUnicode entry; the
/// specification caps a CMap destination at 512 bytes, and such clusters are covered by
/// `/ActualText` instead.
const MAX_CLUSTER_UTF16: usize = 64;

struct Bundled {
    postscript_name: &'static str,
    data: &'static [u8],
}

macro_rules! bundled {
    ($name:literal) => {
        Bundled {
            postscript_name: $name,
            data: include_bytes!(concat!("../fonts/", $name, ".ttf")),
        }
    };
}

static BUNDLED: [Bundled; 11] = [
    bundled!("NotoSans-Regular"),
    bundled!("NotoSans-Bold"),
    bundled!("NotoSansDevanagari-Regular"),
    bundled!("NotoSansBengali-Regular"),
    bundled!("NotoSansGujarati-Regular"),
    bundled!("NotoSansGurmukhi-Regular"),
    bundled!("NotoSansKannada-Regular"),
    bundled!("NotoSansMalayalam-Regular"),
    bundled!("NotoSansOriya-Regular"),
    bundled!("NotoSansTamil-Regular"),
    bundled!("NotoSansTelugu-Regular"),
];

const LATIN_REGULAR: usize = 0;
const LATIN_BOLD: usize = 1;
/// The Indian script fonts, in fallback order. They have no bold cut, so bold text in these
/// scripts is drawn regular.
const SCRIPT_FONTS: Range<usize> = 2..11;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

fn faces() -> Result<&'static [Face<'static>]> {
    static FACES: OnceLock<Option<Vec<Face<'static>>>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            BUNDLED
                .iter()
                .map(|b| Face::from_slice(b.data, 0))
                .collect()
        })
        .as_deref()
        .ok_or_else(|| Error::Appearance("a bundled font does not parse".into()))
}

/// One positioned glyph; lengths are in em (font units / units per em), so a line can mix
/// fonts with different units per em.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub font: usize,
    pub gid: u16,
    pub x_advance: f64,
    pub x_offset: f64,
    pub y_offset: f64,
    /// Byte offset in the line's text where this glyph's cluster starts.
    pub cluster: usize,
    /// The characters this glyph stands for by itself, for its ToUnicode entry: `None` when
    /// it is a second piece of one character (Tamil's two-part vowels) or unknown.
    pub chars: Option<Range<usize>>,
}

/// A shaped single line of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub glyphs: Vec<Glyph>,
    pub advance: f64,
    /// Highest ascender and lowest descender of the fonts used.
    pub ascent: f64,
    pub descent: f64,
    /// The union of the glyph outlines' boxes `[x0, y0, x1, y1]`, relative to the pen start on
    /// the baseline; `None` when nothing is inked (only spaces).
    pub ink: Option<[f64; 4]>,
}

impl Line {
    /// The clusters in glyph order, each as the glyph range and the text range it stands for.
    pub fn clusters(&self) -> Vec<(Range<usize>, Range<usize>)> {
        let mut out: Vec<(Range<usize>, Range<usize>)> = Vec::new();
        for (i, g) in self.glyphs.iter().enumerate() {
            match out.last_mut() {
                Some((glyphs, text)) if text.start == g.cluster => glyphs.end = i + 1,
                _ => out.push((i..i + 1, g.cluster..g.cluster)),
            }
        }
        // Left-to-right text with monotone clusters: each cluster ends where the next starts.
        let ends: Vec<usize> = out
            .iter()
            .skip(1)
            .map(|(_, t)| t.start)
            .chain(std::iter::once(self.text.len()))
            .collect();
        for ((_, text), end) in out.iter_mut().zip(ends) {
            text.end = end.max(text.start);
        }
        out
    }
}

/// Collapses whitespace to single spaces, drops control characters, trims, and enforces
/// [`MAX_TEXT_CHARS`]: marks and captions are one line.
pub fn clean_text(text: &str, what: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut count = 0usize;
    for c in text.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c.is_control() || (c == ' ' && (out.is_empty() || out.ends_with(' '))) {
            continue;
        }
        count += 1;
        if count > MAX_TEXT_CHARS {
            return Err(Error::Appearance(format!(
                "{what} is longer than {MAX_TEXT_CHARS} characters"
            )));
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    Ok(out)
}

/// Characters that render as nothing; they never decide a run's font.
fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

fn covers(face: &Face<'_>, c: char) -> bool {
    face.glyph_index(c).is_some_and(|g| g.0 != 0)
}

/// Splits `text` into runs drawn with one font each: every letter takes the first font that
/// has it (the Latin font first, then the script fonts); spaces, digits, punctuation and
/// marks stay in the current run when its font has them, so "राम 2" shapes as one run.
fn itemize(text: &str, weight: Weight, faces: &[Face<'_>]) -> Result<Vec<(Range<usize>, usize)>> {
    let primary = match weight {
        Weight::Regular => LATIN_REGULAR,
        Weight::Bold => LATIN_BOLD,
    };
    let order = || std::iter::once(primary).chain(SCRIPT_FONTS);
    let mut runs: Vec<(Range<usize>, usize)> = Vec::new();
    for (i, c) in text.char_indices() {
        let current = runs.last().map(|r| r.1);
        let ignorable = is_default_ignorable(c);
        let font = match current {
            Some(f) if ignorable || (!c.is_alphabetic() && covers(&faces[f], c)) => f,
            None if ignorable => primary,
            _ => order().find(|&f| covers(&faces[f], c)).ok_or_else(|| {
                Error::Appearance(format!(
                    "no bundled font can draw {c:?} (U+{:04X})",
                    c as u32
                ))
            })?,
        };
        let end = i + c.len_utf8();
        match runs.last_mut() {
            Some((range, f)) if *f == font => range.end = end,
            _ => runs.push((i..end, font)),
        }
    }
    Ok(runs)
}

/// Shapes one line of already cleaned text.
pub fn shape(text: &str, weight: Weight) -> Result<Line> {
    let faces = faces()?;
    let mut line = Line {
        text: text.to_owned(),
        glyphs: Vec::new(),
        advance: 0.0,
        ascent: 0.0,
        descent: 0.0,
        ink: None,
    };
    for (range, font) in itemize(text, weight, faces)? {
        let face = &faces[font];
        let upem = f64::from(face.units_per_em().max(1));
        let shaped = shape_run(
            face,
            text,
            range.clone(),
            BufferClusterLevel::MonotoneGraphemes,
        );
        let chars = glyph_chars(face, text, range.clone(), shaped.glyph_infos());
        for (k, (info, pos)) in shaped
            .glyph_infos()
            .iter()
            .zip(shaped.glyph_positions())
            .enumerate()
        {
            let cluster = range.start + info.cluster as usize;
            let gid = match u16::try_from(info.glyph_id) {
                Ok(g) if g != 0 => g,
                _ => {
                    let c = text.get(cluster..).and_then(|s| s.chars().next());
                    return Err(Error::Appearance(format!(
                        "the bundled fonts cannot draw {c:?} in {text:?}"
                    )));
                }
            };
            let glyph = Glyph {
                font,
                gid,
                x_advance: f64::from(pos.x_advance) / upem,
                x_offset: f64::from(pos.x_offset) / upem,
                y_offset: f64::from(pos.y_offset) / upem,
                cluster,
                chars: chars.as_ref().and_then(|c| c[k].clone()),
            };
            if let Some(bb) = face.glyph_bounding_box(GlyphId(gid)) {
                let x = line.advance + glyph.x_offset;
                let y = glyph.y_offset;
                let b = [
                    x + f64::from(bb.x_min) / upem,
                    y + f64::from(bb.y_min) / upem,
                    x + f64::from(bb.x_max) / upem,
                    y + f64::from(bb.y_max) / upem,
                ];
                line.ink = Some(match line.ink {
                    None => b,
                    Some(a) => [
                        a[0].min(b[0]),
                        a[1].min(b[1]),
                        a[2].max(b[2]),
                        a[3].max(b[3]),
                    ],
                });
            }
            line.advance += glyph.x_advance;
            line.glyphs.push(glyph);
        }
        line.ascent = line.ascent.max(f64::from(face.ascender()) / upem);
        line.descent = line.descent.min(f64::from(face.descender()) / upem);
    }
    Ok(line)
}

fn shape_run(
    face: &Face<'_>,
    text: &str,
    range: Range<usize>,
    level: BufferClusterLevel,
) -> rustybuzz::GlyphBuffer {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(&text[range.clone()]);
    // Context lets the shaper join across font runs the way it would within one.
    buffer.set_pre_context(&text[..range.start]);
    buffer.set_post_context(&text[range.end..]);
    buffer.set_direction(Direction::LeftToRight);
    buffer.guess_segment_properties();
    buffer.set_cluster_level(level);
    let mut flags = BufferFlags::empty();
    if range.start == 0 {
        flags |= BufferFlags::BEGINNING_OF_TEXT;
    }
    if range.end == text.len() {
        flags |= BufferFlags::END_OF_TEXT;
    }
    buffer.set_flags(flags);
    rustybuzz::shape(face, &[], buffer)
}

/// Which characters each glyph of a run stands for. Shaping merges a syllable into one
/// cluster; shaped again without merging, each glyph keeps the offset of the character it
/// came from, and a glyph's characters run to the next offset any glyph starts at. `None`
/// overall if the second shaping gave other glyphs, which the shaper does not promise never
/// to do.
fn glyph_chars(
    face: &Face<'_>,
    text: &str,
    range: Range<usize>,
    merged: &[rustybuzz::GlyphInfo],
) -> Option<Vec<Option<Range<usize>>>> {
    let split = shape_run(face, text, range.clone(), BufferClusterLevel::Characters);
    let infos = split.glyph_infos();
    if infos.len() != merged.len()
        || infos
            .iter()
            .zip(merged)
            .any(|(a, b)| a.glyph_id != b.glyph_id)
    {
        return None;
    }
    let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut seen = std::collections::BTreeSet::new();
    Some(
        infos
            .iter()
            .map(|i| {
                let start = i.cluster as usize;
                if !seen.insert(start) {
                    return None;
                }
                let end = starts
                    .iter()
                    .find(|&&s| s > start)
                    .copied()
                    .unwrap_or(range.len());
                Some(range.start + start..range.start + end)
            })
            .collect(),
    )
}

/// The advance of a glyph as the PDF font's `/W` states it, in em. Shaped advances that differ
/// (kerning, GPOS) are corrected with `TJ` offsets against this.
fn pdf_width(font: usize, gid: u16) -> f64 {
    let Ok(faces) = faces() else { return 0.0 };
    let face = &faces[font];
    let upem = f64::from(face.units_per_em().max(1));
    let w = face.glyph_hor_advance(GlyphId(gid)).unwrap_or(0);
    // Rounded as /W is written, so the text position the reader computes is the one we assume.
    (f64::from(w) * 1000.0 / upem).round() / 1000.0
}

#[derive(Debug, Default)]
struct UsedFont {
    remapper: GlyphRemapper,
    /// Original glyph id → the text it stands for.
    to_unicode: BTreeMap<u16, String>,
}

/// Collects the glyphs of every line of one appearance, then embeds each font once.
#[derive(Debug, Default)]
pub struct FontCollector {
    used: BTreeMap<usize, UsedFont>,
}

impl FontCollector {
    /// Registers the line's glyphs. Returns whether the ToUnicode map alone gives back the
    /// line's text; when it does not (reordered matras, positioned marks, one glyph drawn for
    /// different text elsewhere), the line is drawn inside an `/ActualText` span.
    pub fn add(&mut self, line: &Line) -> bool {
        let mut exact = true;
        for (glyphs, text_range) in line.clusters() {
            let text = line.text.get(text_range).unwrap_or_default();
            let glyphs = &line.glyphs[glyphs];
            for g in glyphs {
                self.used.entry(g.font).or_default().remapper.remap(g.gid);
            }
            let fits = text.encode_utf16().count() <= MAX_CLUSTER_UTF16;
            if let [g] = glyphs {
                if fits {
                    let used = self.used.entry(g.font).or_default();
                    used.to_unicode
                        .entry(g.gid)
                        .or_insert_with(|| text.to_owned());
                }
            } else {
                // Several glyphs: each maps to the characters it stands for, which gives the
                // text back whenever the glyphs stay in character order.
                for g in glyphs {
                    let chars = g.chars.clone().and_then(|r| line.text.get(r));
                    if let Some(chars) =
                        chars.filter(|c| c.encode_utf16().count() <= MAX_CLUSTER_UTF16)
                    {
                        let used = self.used.entry(g.font).or_default();
                        used.to_unicode
                            .entry(g.gid)
                            .or_insert_with(|| chars.to_owned());
                    }
                }
            }
            let mut extracted = String::new();
            for g in glyphs {
                match self
                    .used
                    .get(&g.font)
                    .and_then(|u| u.to_unicode.get(&g.gid))
                {
                    Some(t) => extracted.push_str(t),
                    None => exact = false,
                }
            }
            // Marks placed with offsets or several glyphs for one cluster make extractors
            // guess word breaks from positions (poppler splits Oriya syllables), so only
            // plain glyph sequences rely on ToUnicode alone.
            let plain = glyphs.len() == 1 && glyphs[0].x_offset == 0.0 && glyphs[0].y_offset == 0.0;
            exact &= plain && extracted == text;
        }
        exact
    }

    /// Embeds every font used so far and names it for a resource dictionary.
    pub fn embed(self, sink: &mut impl Allocate) -> Result<EmbeddedFonts> {
        let mut fonts = BTreeMap::new();
        for (i, (font, used)) in self.used.into_iter().enumerate() {
            let obj = embed_font(font, &used, sink)?;
            let cids = used
                .remapper
                .remapped_gids()
                .filter_map(|old| used.remapper.get(old).map(|new| (old, new)))
                .collect();
            fonts.insert(
                font,
                EmbeddedFont {
                    resource: Name::new(format!("F{i}")),
                    obj,
                    cids,
                },
            );
        }
        Ok(EmbeddedFonts { fonts })
    }
}

#[derive(Debug, Clone)]
pub struct EmbeddedFont {
    pub resource: Name,
    pub obj: ObjRef,
    /// Original glyph id → CID (the glyph id in the subset).
    cids: BTreeMap<u16, u16>,
}

#[derive(Debug, Clone, Default)]
pub struct EmbeddedFonts {
    fonts: BTreeMap<usize, EmbeddedFont>,
}

impl EmbeddedFonts {
    /// The `/Font` resource dictionary.
    pub fn resources(&self) -> Dict {
        let mut d = Dict::new();
        for f in self.fonts.values() {
            d.0.push((f.resource.clone(), Object::Ref(f.obj)));
        }
        d
    }

    fn get(&self, font: usize) -> Option<&EmbeddedFont> {
        self.fonts.get(&font)
    }

    /// Appends the operators that draw `glyphs` (a line or a prefix of one) with the pen
    /// starting at `origin` at `size` points; `actual_text` wraps them in an `/ActualText` span.
    pub fn show(
        &self,
        out: &mut Vec<u8>,
        glyphs: &[Glyph],
        origin: (f64, f64),
        size: f64,
        actual_text: Option<&str>,
    ) {
        let (x, y) = origin;
        if let Some(text) = actual_text {
            let mut hex = String::from("FEFF");
            for unit in text.encode_utf16() {
                let _ = write!(hex, "{unit:04X}");
            }
            let _ = writeln!(out_str(out), "/Span <</ActualText <{hex}>>> BDC");
        }
        out.extend_from_slice(b"BT\n");
        let mut pen = 0.0;
        let mut i = 0;
        while i < glyphs.len() {
            let font = glyphs[i].font;
            let end = glyphs[i..]
                .iter()
                .position(|g| g.font != font)
                .map_or(glyphs.len(), |n| i + n);
            if let Some(embedded) = self.get(font) {
                let _ = write!(
                    out_str(out),
                    "{} {} Tf 1 0 0 1 {} {} Tm ",
                    name_str(&embedded.resource),
                    num(size),
                    num(x + pen * size),
                    num(y)
                );
                // Where the reader's text position is, relative to this run's start, in em.
                let mut cursor = 0.0;
                let mut run_pen = 0.0;
                let mut rise = 0.0;
                out.push(b'[');
                for g in &glyphs[i..end] {
                    if (g.y_offset - rise).abs() > 1e-6 {
                        rise = g.y_offset;
                        let _ = write!(out_str(out), "] TJ {} Ts [", num(rise * size));
                    }
                    let target = run_pen + g.x_offset;
                    let shift = target - cursor;
                    if shift.abs() > 1e-4 {
                        let _ = write!(out_str(out), "{} ", num(-shift * 1000.0));
                    }
                    let cid = embedded.cids.get(&g.gid).copied().unwrap_or(0);
                    let _ = write!(out_str(out), "<{cid:04X}>");
                    cursor = target + pdf_width(g.font, g.gid);
                    run_pen += g.x_advance;
                }
                out.extend_from_slice(b"] TJ");
                if rise != 0.0 {
                    out.extend_from_slice(b" 0 Ts");
                }
                out.push(b'\n');
                pen += run_pen;
            } else {
                pen += glyphs[i..end].iter().map(|g| g.x_advance).sum::<f64>();
            }
            i = end;
        }
        out.extend_from_slice(b"ET\n");
        if actual_text.is_some() {
            out.extend_from_slice(b"EMC\n");
        }
    }
}

/// Lets `write!` append text to a byte buffer.
fn out_str(out: &mut Vec<u8>) -> impl std::fmt::Write + '_ {
    struct W<'a>(&'a mut Vec<u8>);
    impl std::fmt::Write for W<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.extend_from_slice(s.as_bytes());
            Ok(())
        }
    }
    W(out)
}

/// A number as a content stream operand (no exponent, four decimals at most).
pub fn num(v: f64) -> String {
    String::from_utf8_lossy(&Object::Real(v).to_bytes()).into_owned()
}

fn name_str(n: &Name) -> String {
    String::from_utf8_lossy(&Object::Name(n.clone()).to_bytes()).into_owned()
}

/// Subset fonts are named `ABCDEF+Name`; the tag depends on the glyph set so that different
/// subsets of one font in one document never share a name.
fn subset_tag(font: usize, remapper: &GlyphRemapper) -> String {
    let mut h = Sha256::new();
    h.update(BUNDLED[font].postscript_name.as_bytes());
    for g in remapper.remapped_gids() {
        h.update(g.to_be_bytes());
    }
    h.finalize()
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

fn embed_font(font: usize, used: &UsedFont, sink: &mut impl Allocate) -> Result<ObjRef> {
    let face = faces()?
        .get(font)
        .ok_or_else(|| Error::Appearance("unknown font".into()))?;
    let bundled = &BUNDLED[font];
    let subset = subsetter::subset(bundled.data, 0, &used.remapper)
        .map_err(|e| Error::Appearance(format!("font subsetting failed: {e}")))?;
    let base_font = format!(
        "{}+{}",
        subset_tag(font, &used.remapper),
        bundled.postscript_name
    );
    let k = 1000.0 / f64::from(face.units_per_em().max(1));
    let scaled = |v: i16| Object::Real((f64::from(v) * k).round());

    let font_file = sink
        .add(Stream::deflated(Dict::new().with("Length1", subset.len() as i64), &subset).into());
    let bbox = face.global_bounding_box();
    let weight = f64::from(face.weight().to_number());
    let descriptor = Dict::new()
        .with("Type", Object::name("FontDescriptor"))
        .with("FontName", Object::name(&base_font))
        // Symbolic: the glyphs are addressed by CID, not by a standard encoding.
        .with("Flags", 4i64)
        .with(
            "FontBBox",
            Object::Array(vec![
                scaled(bbox.x_min),
                scaled(bbox.y_min),
                scaled(bbox.x_max),
                scaled(bbox.y_max),
            ]),
        )
        .with("ItalicAngle", 0i64)
        .with("Ascent", scaled(face.ascender()))
        .with("Descent", scaled(face.descender()))
        .with(
            "CapHeight",
            scaled(face.capital_height().unwrap_or(face.ascender())),
        )
        // No font stores a stem width; this is the usual estimate from the weight class.
        .with("StemV", (10.0 + 220.0 * (weight - 50.0) / 900.0).round())
        .with("FontFile2", font_file);
    let descriptor = sink.add(descriptor.into());

    let widths: Vec<Object> = used
        .remapper
        .remapped_gids()
        .map(|old| Object::Real(pdf_width(font, old) * 1000.0))
        .collect();
    let cid_font = Dict::new()
        .with("Type", Object::name("Font"))
        .with("Subtype", Object::name("CIDFontType2"))
        .with("BaseFont", Object::name(&base_font))
        .with(
            "CIDSystemInfo",
            Dict::new()
                .with("Registry", Object::String(b"Adobe".to_vec()))
                .with("Ordering", Object::String(b"Identity".to_vec()))
                .with("Supplement", 0i64),
        )
        .with("FontDescriptor", descriptor)
        .with("DW", 0i64)
        .with(
            "W",
            Object::Array(vec![Object::Int(0), Object::Array(widths)]),
        )
        // The subsetter renumbers glyphs so that the subset's glyph id is the CID.
        .with("CIDToGIDMap", Object::name("Identity"));
    let cid_font = sink.add(cid_font.into());

    let to_unicode = sink.add(Stream::deflated(Dict::new(), &to_unicode_cmap(used)).into());
    Ok(sink.add(
        Dict::new()
            .with("Type", Object::name("Font"))
            .with("Subtype", Object::name("Type0"))
            .with("BaseFont", Object::name(&base_font))
            .with("Encoding", Object::name("Identity-H"))
            .with(
                "DescendantFonts",
                Object::Array(vec![Object::Ref(cid_font)]),
            )
            .with("ToUnicode", to_unicode)
            .into(),
    ))
}

fn to_unicode_cmap(used: &UsedFont) -> Vec<u8> {
    let mut entries: Vec<(u16, &str)> = used
        .to_unicode
        .iter()
        .filter_map(|(old, text)| used.remapper.get(*old).map(|cid| (cid, text.as_str())))
        .filter(|(_, text)| !text.is_empty())
        .collect();
    entries.sort_unstable();
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // A bfchar block may hold at most 100 entries.
    for chunk in entries.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (cid, text) in chunk {
            let _ = write!(s, "<{cid:04X}> <");
            for unit in text.encode_utf16() {
                let _ = write!(s, "{unit:04X}");
            }
            s.push_str(">\n");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_text() {
        assert_eq!(
            clean_text("  Asha \n\t Rao\u{7} ", "x").unwrap(),
            "Asha Rao"
        );
        assert!(clean_text(&"a".repeat(MAX_TEXT_CHARS + 1), "x").is_err());
        assert_eq!(
            clean_text(&"a".repeat(MAX_TEXT_CHARS), "x").unwrap().len(),
            MAX_TEXT_CHARS
        );
    }

    #[test]
    fn itemizes_by_coverage() {
        let faces = faces().unwrap();
        let text = "Asha आशा राव 2 (தமிழ்)";
        let runs: Vec<(&str, &str)> = itemize(text, Weight::Regular, faces)
            .unwrap()
            .into_iter()
            .map(|(r, f)| (&text[r], BUNDLED[f].postscript_name))
            .collect();
        assert_eq!(
            runs,
            vec![
                ("Asha ", "NotoSans-Regular"),
                ("आशा राव 2 (", "NotoSansDevanagari-Regular"),
                ("தமிழ்)", "NotoSansTamil-Regular"),
            ]
        );
    }

    #[test]
    fn refuses_text_no_font_has() {
        assert!(matches!(
            shape("李", Weight::Regular),
            Err(Error::Appearance(_))
        ));
        assert!(matches!(
            shape("Asha 🙂", Weight::Regular),
            Err(Error::Appearance(_))
        ));
    }

    #[test]
    fn shapes_devanagari_conjuncts() {
        // क्ष is one conjunct glyph; ि is drawn before क although typed after it.
        let line = shape("क्षि", Weight::Regular).unwrap();
        assert!(line.glyphs.len() < 4, "{:?}", line.glyphs);
        assert_eq!(line.clusters().len(), 1);
        // The font picks an i-matra variant sized to the consonant, so only the consonant's
        // place is checked: second, after the matra.
        let plain = shape("कि", Weight::Regular).unwrap();
        let faces = faces().unwrap();
        let deva = &faces[plain.glyphs[0].font];
        let ka = deva.glyph_index('क').map(|g| g.0);
        assert_eq!(plain.glyphs.len(), 2);
        assert_eq!(Some(plain.glyphs[1].gid), ka, "the vowel sign comes first");
    }

    #[test]
    fn latin_maps_back_without_actual_text() {
        let mut fonts = FontCollector::default();
        assert!(fonts.add(&shape("Asha Rao", Weight::Regular).unwrap()));
        let line = shape("कि", Weight::Regular).unwrap();
        assert!(!fonts.add(&line), "a reordered matra needs ActualText");
        // Still, each glyph maps to its own character, so readers without ActualText get the
        // right characters in visual order.
        let deva = &fonts.used[&line.glyphs[0].font];
        assert_eq!(deva.to_unicode[&line.glyphs[0].gid], "ि");
        assert_eq!(deva.to_unicode[&line.glyphs[1].gid], "क");
        // Tamil கொ draws its vowel in two pieces around the consonant: the second piece maps
        // to nothing rather than repeating the vowel.
        let line = shape("கொ", Weight::Regular).unwrap();
        assert_eq!(line.glyphs.len(), 3, "{:?}", line.glyphs);
        assert_eq!(
            line.glyphs
                .iter()
                .map(|g| g.chars.clone())
                .collect::<Vec<_>>(),
            vec![Some(3..6), Some(0..3), None]
        );
        // A conjunct drawn as one glyph stands for all of its characters.
        let line = shape("क्ष", Weight::Regular).unwrap();
        assert!(fonts.add(&line));
    }

    #[test]
    fn cmap_lists_every_mapping() {
        let mut fonts = FontCollector::default();
        fonts.add(&shape("abc", Weight::Regular).unwrap());
        let used = &fonts.used[&LATIN_REGULAR];
        let cmap = String::from_utf8(to_unicode_cmap(used)).unwrap();
        assert!(cmap.contains("3 beginbfchar\n<0001> <0061>\n<0002> <0062>\n<0003> <0063>\n"));
    }
}
