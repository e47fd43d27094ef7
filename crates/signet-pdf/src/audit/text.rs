//! Text for the audit trail: which bundled font draws each character, shaping, measuring and
//! line wrapping. Nothing here writes PDF; `pdf.rs` draws the [`ShapedLine`]s.
//!
//! Names arrive in any Indian script, often mixed with Latin e-mail addresses, and no single
//! font covers them all. Each line is cut into runs that one font can draw, and each run is
//! shaped with rustybuzz so conjuncts and vowel signs come out right. Characters that no
//! bundled font has are written as `[U+XXXX]`: PDF/A forbids the blank `.notdef` glyph, and a
//! reader of an audit record should see that something was there.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::LazyLock;

use krilla::text::{GlyphId, KrillaGlyph};
use rustybuzz::{Direction, Face, UnicodeBuffer};

/// The bundled fonts. Regular then bold Latin first, then the Indian scripts in the order the
/// fallback tries them.
const FONTS: [&[u8]; 11] = [
    include_bytes!("../../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../fonts/NotoSansDevanagari-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansBengali-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansGujarati-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansGurmukhi-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansKannada-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansMalayalam-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansOriya-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansTamil-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansTelugu-Regular.ttf"),
];

/// Index into the bundled fonts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FontId(usize);

pub(super) const FONT_COUNT: usize = FONTS.len();
const REGULAR: FontId = FontId(0);
const BOLD: FontId = FontId(1);
const FIRST_SCRIPT: usize = 2;

impl FontId {
    pub(super) fn index(self) -> usize {
        self.0
    }

    pub(super) fn data(self) -> &'static [u8] {
        FONTS[self.0]
    }
}

/// Parsed once per process: parsing is cheap, but the layout asks for every character.
static FACES: LazyLock<Vec<Option<Face<'static>>>> =
    LazyLock::new(|| FONTS.iter().map(|data| Face::from_slice(data, 0)).collect());

fn face(font: FontId) -> Option<&'static Face<'static>> {
    FACES.get(font.0).and_then(Option::as_ref)
}

fn covers(font: FontId, c: char) -> bool {
    face(font).is_some_and(|f| f.glyph_index(c).is_some_and(|g| g.0 != 0))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Weight {
    Regular,
    Bold,
}

impl Weight {
    fn latin(self) -> FontId {
        match self {
            Weight::Regular => REGULAR,
            Weight::Bold => BOLD,
        }
    }

    /// Latin of this weight first; there are no bold script fonts, so scripts stay regular.
    fn fallback(self) -> impl Iterator<Item = FontId> {
        let latin = match self {
            Weight::Regular => &[REGULAR][..],
            Weight::Bold => &[BOLD, REGULAR][..],
        };
        latin
            .iter()
            .copied()
            .chain((FIRST_SCRIPT..FONT_COUNT).map(FontId))
    }
}

/// One font's share of a line, shaped. Glyph text ranges index into [`ShapedLine::text`].
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub font: FontId,
    pub glyphs: Vec<KrillaGlyph>,
    /// In em.
    pub advance: f32,
}

#[derive(Debug, Clone)]
pub(super) struct ShapedLine {
    pub text: String,
    pub runs: Vec<Run>,
    /// In em, before `scale`.
    pub advance: f32,
    /// Below 1 only when one shaped cluster is wider than the line (garbage input such as a
    /// consonant carrying dozens of marks): the line is drawn smaller rather than overflow.
    pub scale: f32,
}

impl ShapedLine {
    /// The font size to draw at for a nominal `size`.
    pub(super) fn size(&self, size: f32) -> f32 {
        size * self.scale
    }

    pub(super) fn width(&self, size: f32) -> f32 {
        self.advance * self.size(size)
    }

    fn fit(mut self, max_em: f32) -> Self {
        if self.advance > max_em && self.advance > 0.0 {
            self.scale = max_em / self.advance;
        }
        self
    }
}

/// Replaces what cannot or must not be drawn: control characters and characters no bundled
/// font has become `[U+XXXX]`; line and paragraph separators become `\n`; tabs become spaces.
pub(super) fn displayable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' | '\u{b}' | '\u{c}' => out.push(' '),
            c if is_drawable(c) => out.push(c),
            c => {
                let _ = write!(out, "[U+{:04X}]", u32::from(c));
            }
        }
    }
    out
}

/// PDF/A refuses glyphs mapped to U+0000, U+FEFF and U+FFFE, so those are escaped even though
/// Noto Sans has a glyph for U+FEFF. Private-use characters have no agreed meaning to show.
fn is_drawable(c: char) -> bool {
    let private = matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
    !c.is_control()
        && !private
        && !is_invisible(c)
        && !matches!(c, '\u{fffe}' | '\u{ffff}')
        && (0..FONT_COUNT).any(|i| covers(FontId(i), c))
}

/// Invisible characters that would let two different names print identically, or that
/// reorder text in viewers that honour them (bidi overrides). An audit record shows them.
/// The joiners U+200C and U+200D stay: Indian scripts need them to choose conjunct forms.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Cuts a line into runs of one font each. Spaces, punctuation and marks stay in the current
/// run when its font has them, so a Devanagari name is shaped as one piece; Latin letters and
/// digits always go back to the Latin font, although the script fonts carry some of them,
/// so that one line does not mix two designs of the same letters.
fn segments(text: &str, weight: Weight) -> Vec<(FontId, Range<usize>)> {
    let mut out: Vec<(FontId, Range<usize>)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let font = pick_font(c, out.last().map(|s| s.0), weight);
        match out.last_mut() {
            Some((f, range)) if *f == font => range.end = end,
            _ => out.push((font, i..end)),
        }
    }
    out
}

fn pick_font(c: char, current: Option<FontId>, weight: Weight) -> FontId {
    let latin = weight.latin();
    if let Some(cur) = current {
        let latin_letter = c.is_alphanumeric() && covers(latin, c);
        if covers(cur, c) && (cur == latin || !latin_letter) {
            return cur;
        }
    }
    // Text went through `displayable`, so some font has the character; Latin is only the
    // answer of last resort for callers that skipped it.
    weight.fallback().find(|&f| covers(f, c)).unwrap_or(latin)
}

/// Shapes one line of already [`displayable`] text (no newlines).
pub(super) fn shape(text: String, weight: Weight) -> ShapedLine {
    let runs: Vec<Run> = segments(&text, weight)
        .into_iter()
        .map(|(font, range)| shape_run(&text, range, font))
        .collect();
    let advance = runs.iter().map(|r| r.advance).sum();
    ShapedLine {
        text,
        runs,
        advance,
        scale: 1.0,
    }
}

/// rustybuzz 0.20 panics on an Indic syllable longer than 255 characters (harfbuzz/harfrust
/// #305, fixed only in harfrust), which a hostile actor name can contain. No real word comes
/// near this length, so runs are shaped in pieces of at most this many characters.
const MAX_SHAPE_CHARS: usize = 64;

fn shape_run(text: &str, range: Range<usize>, font: FontId) -> Run {
    let glyphs: Vec<KrillaGlyph> = match face(font) {
        Some(face) => shaping_pieces(&text[range.clone()])
            .into_iter()
            .flat_map(|p| shape_piece(face, text, range.start + p.start..range.start + p.end))
            .collect(),
        None => Vec::new(),
    };
    let advance = glyphs.iter().map(|g| g.x_advance).sum();
    Run {
        font,
        glyphs,
        advance,
    }
}

/// Cuts `s` into ranges of at most [`MAX_SHAPE_CHARS`] characters, after a space when there
/// is one in reach.
fn shaping_pieces(s: &str) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let (mut start, mut count, mut after_space) = (0, 0, None);
    for (i, c) in s.char_indices() {
        if count == MAX_SHAPE_CHARS {
            let cut = after_space.filter(|&e| e > start).unwrap_or(i);
            pieces.push(start..cut);
            start = cut;
            count = s[start..i].chars().count();
            after_space = None;
        }
        count += 1;
        if c == ' ' {
            after_space = Some(i + 1);
        }
    }
    if start < s.len() {
        pieces.push(start..s.len());
    }
    pieces
}

fn shape_piece(face: &Face<'_>, text: &str, range: Range<usize>) -> Vec<KrillaGlyph> {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(&text[range.clone()]);
    buffer.guess_segment_properties();
    // Every bundled script is left-to-right; right-to-left text is escaped by `displayable`.
    buffer.set_direction(Direction::LeftToRight);
    let output = rustybuzz::shape(face, &[], buffer);
    let upem = face.units_per_em() as f32;
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        // Left-to-right output has non-decreasing clusters; a cluster ends where the next
        // different one starts.
        let start = info.cluster as usize;
        let end = infos[i..]
            .iter()
            .map(|next| next.cluster as usize)
            .find(|&c| c != start)
            .unwrap_or(range.len());
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            pos.x_advance as f32 / upem,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            range.start + start..range.start + end,
            None,
        ));
    }
    glyphs
}

/// The width of `text` in em.
fn measure(text: &str, weight: Weight) -> f32 {
    shape(text.to_owned(), weight).advance
}

/// Wraps `text` into lines no wider than `max_width` points at `size`. Lines break at spaces;
/// a word wider than a line (a hash, a URL, a user agent without spaces) is broken between
/// characters, never inside a shaped cluster. Explicit line breaks are kept, runs of blank
/// lines collapse to one, and an empty text gives no lines.
pub(super) fn wrap(text: &str, weight: Weight, size: f32, max_width: f32) -> Vec<ShapedLine> {
    let max_em = max_width / size;
    let mut lines: Vec<String> = Vec::new();
    for paragraph in displayable(text).split('\n') {
        if paragraph.trim().is_empty() {
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
            continue;
        }
        wrap_paragraph(paragraph, weight, max_em, &mut lines);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|l| shape(l, weight).fit(max_em))
        .collect()
}

fn wrap_paragraph(paragraph: &str, weight: Weight, max_em: f32, lines: &mut Vec<String>) {
    let mut current = String::new();
    for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() {
            let candidate = format!("{current} {word}");
            if measure(&candidate, weight) <= max_em {
                current = candidate;
                continue;
            }
            lines.push(std::mem::take(&mut current));
        }
        if measure(word, weight) <= max_em {
            current = word.to_owned();
        } else {
            let mut pieces = break_word(word, weight, max_em);
            current = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
}

/// Cuts a word at cluster boundaries into pieces that fit; a single cluster wider than the
/// line still gets a piece of its own, so this always makes progress.
fn break_word(word: &str, weight: Weight, max_em: f32) -> Vec<String> {
    let shaped = shape(word.to_owned(), weight);
    let mut pieces = Vec::new();
    let (mut piece_start, mut width) = (0, 0.0);
    for (start, advance) in clusters(&shaped) {
        if start > piece_start && width + advance > max_em {
            pieces.push(word[piece_start..start].to_owned());
            piece_start = start;
            width = 0.0;
        }
        width += advance;
    }
    pieces.push(word[piece_start..].to_owned());
    pieces
}

/// `(byte offset where the cluster starts, advance in em)`, in text order.
fn clusters(line: &ShapedLine) -> Vec<(usize, f32)> {
    let mut out: Vec<(usize, f32)> = Vec::new();
    for glyph in line.runs.iter().flat_map(|r| &r.glyphs) {
        match out.last_mut() {
            Some((start, advance)) if *start == glyph.text_range.start => {
                *advance += glyph.x_advance
            }
            _ => out.push((glyph.text_range.start, glyph.x_advance)),
        }
    }
    out
}

/// The first line of `text` only, ending in `…` when something was cut: for running headers
/// and footers, where the full text is printed elsewhere.
pub(super) fn one_line(text: &str, weight: Weight, size: f32, max_width: f32) -> ShapedLine {
    let ellipsis = measure(" …", weight) * size;
    let mut lines = wrap(text, weight, size, max_width - ellipsis);
    match lines.len() {
        0 => shape(String::new(), weight),
        1 => lines.remove(0),
        _ => shape(format!("{} …", lines.remove(0).text), weight),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts_of(text: &str, weight: Weight) -> Vec<(usize, String)> {
        segments(text, weight)
            .into_iter()
            .map(|(f, r)| (f.0, text[r].to_owned()))
            .collect()
    }

    #[test]
    fn every_bundled_font_parses() {
        for i in 0..FONT_COUNT {
            assert!(face(FontId(i)).is_some(), "font {i}");
            assert!(krilla::text::Font::new(FontId(i).data().into(), 0).is_some());
        }
    }

    #[test]
    fn each_script_gets_its_own_font_and_latin_goes_back_to_noto_sans() {
        assert_eq!(
            fonts_of("Asha आशा राव, ஆஷா 42", Weight::Regular),
            vec![
                (0, "Asha ".into()),
                (2, "आशा राव, ".into()),
                (9, "ஆஷா ".into()),
                (0, "42".into())
            ]
        );
        assert_eq!(
            fonts_of("আশা ਆਸ਼ਾ ಆಶಾ", Weight::Bold),
            vec![(3, "আশা ".into()), (5, "ਆਸ਼ਾ ".into()), (6, "ಆಶಾ".into())]
        );
        assert_eq!(fonts_of("Bold", Weight::Bold), vec![(1, "Bold".into())]);
    }

    #[test]
    fn shaping_devanagari_uses_real_glyphs_and_covers_the_text() {
        let line = shape("आशा राव".into(), Weight::Regular);
        assert_eq!(line.runs.len(), 1);
        let glyphs = &line.runs[0].glyphs;
        assert!(glyphs.iter().all(|g| g.glyph_id.to_u32() != 0));
        assert_eq!(glyphs.first().map(|g| g.text_range.start), Some(0));
        assert_eq!(
            glyphs.last().map(|g| g.text_range.end),
            Some(line.text.len())
        );
        assert!(line.advance > 1.0);
    }

    #[test]
    fn undrawable_characters_are_escaped() {
        assert_eq!(
            displayable("a\u{0}b\u{feff}c😀d\u{e000}\tx\r\ny\rz"),
            "a[U+0000]b[U+FEFF]c[U+1F600]d[U+E000] x\ny\nz"
        );
        assert_eq!(displayable("आशा ஆஷா é"), "आशा ஆஷா é");
        assert_eq!(
            displayable("ab\u{202e}cd\u{200b}e\u{ad}f क्\u{200d}ष"),
            "ab[U+202E]cd[U+200B]e[U+00AD]f क्\u{200d}ष"
        );
        // Arabic and CJK are not bundled.
        assert_eq!(displayable("سلام"), "[U+0633][U+0644][U+0627][U+0645]");
    }

    #[test]
    fn wrap_keeps_lines_within_the_width_and_loses_no_text() {
        let text = "The quick brown fox jumps over the lazy dog. ".repeat(20)
            + &"0123456789abcdef".repeat(12)
            + " आशा राव signed.\n\n\n\nNew paragraph.";
        let lines = wrap(&text, Weight::Regular, 9.0, 200.0);
        assert!(lines.len() > 10);
        for line in &lines {
            assert!(line.width(9.0) <= 200.0 + 0.01, "{:?}", line.text);
        }
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let got: String = joined.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(got, expected);
        let blanks = lines.iter().filter(|l| l.text.is_empty()).count();
        assert_eq!(blanks, 1, "blank lines collapse to one");
    }

    #[test]
    fn wrap_of_nothing_is_no_lines() {
        assert!(wrap("", Weight::Regular, 9.0, 100.0).is_empty());
        assert!(wrap(" \n \n", Weight::Regular, 9.0, 100.0).is_empty());
    }

    #[test]
    fn a_word_wider_than_a_tiny_width_still_progresses() {
        let lines = wrap("WWWW आशा", Weight::Bold, 9.0, 1.0);
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, "WWWWआशा");
        // Devanagari clusters stay whole: आ, शा, ...
        assert!(lines.iter().any(|l| l.text == "शा"));
    }

    #[test]
    fn shaping_pieces_are_short_and_cover_the_text() {
        let text = "ண்".repeat(400) + " " + &"word ".repeat(40);
        let pieces = shaping_pieces(&text);
        assert_eq!(pieces.first().map(|p| p.start), Some(0));
        assert_eq!(pieces.last().map(|p| p.end), Some(text.len()));
        for pair in pieces.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        assert!(
            pieces
                .iter()
                .all(|p| text[p.clone()].chars().count() <= MAX_SHAPE_CHARS)
        );
        assert!(
            pieces
                .iter()
                .skip(14)
                .all(|p| text[..p.start].ends_with(' '))
        );
        assert!(shaping_pieces("").is_empty());
    }

    #[test]
    fn shaping_random_indic_text_never_panics() {
        // A long syllable used to panic inside rustybuzz; throw many odd mixes at it.
        let blocks = [
            0x0900u32, 0x0980, 0x0a00, 0x0a80, 0x0b00, 0x0b80, 0x0c00, 0x0c80, 0x0d00,
        ];
        let mut seed = 0x2545_f491_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for _ in 0..300 {
            let block = blocks[next() as usize % blocks.len()];
            let len = 1 + next() as usize % 400;
            let text: String = (0..len)
                .filter_map(|_| char::from_u32(block + next() % 0x80))
                .collect();
            for line in wrap(&text, Weight::Regular, 9.0, 300.0) {
                assert!(line.width(9.0) <= 300.01);
            }
        }
        let syllable = "க்".repeat(300);
        assert!(!wrap(&syllable, Weight::Regular, 9.0, 300.0).is_empty());
    }

    #[test]
    fn one_line_cuts_with_an_ellipsis() {
        let line = one_line(&"word ".repeat(100), Weight::Regular, 9.0, 150.0);
        assert!(line.text.ends_with(" …"));
        assert!(line.width(9.0) <= 150.0 + 0.01);
        assert_eq!(one_line("short", Weight::Regular, 9.0, 150.0).text, "short");
    }
}
