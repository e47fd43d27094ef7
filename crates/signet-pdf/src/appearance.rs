//! The visible signature: the signer's mark (typed text or a drawn PNG) above a small caption
//! (who signed, when, why), framed as one block.
//!
//! [`Appearance::prepare`] does the expensive and shared part once per signature: shaping,
//! font subsets, the image. [`Appearance::form`] then draws the block into any number of
//! widget rectangles, on pages of any rotation, all referring to the same fonts and image.
//!
//! Limits: each text (mark, name, date, reason) is at most [`MAX_TEXT_CHARS`] characters
//! on one line. A drawn PNG is at most [`MAX_PNG_BYTES`], [`MAX_SIDE`] pixels a side and
//! [`MAX_PIXELS`] pixels; decoding one costs at most about 130 MiB of memory, briefly.

use crate::font::{self, EmbeddedFonts, FontCollector, Line, Weight, num};
use crate::image;
use crate::object::{Allocate, Dict, Name, Object, Stream};
use crate::pages::normalize_rotation;
use crate::{Error, Result};

pub use crate::font::MAX_TEXT_CHARS;
pub use crate::image::{EMBED_MAX_SIDE, MAX_PIXELS, MAX_PNG_BYTES, MAX_SIDE};

/// What the signer made on the signing page.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// Their name or initials, typed; any script the bundled fonts cover.
    Typed { text: String },
    /// A drawing from the browser canvas, as PNG.
    Drawn { png: Vec<u8> },
}

/// The small print under the mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Caption {
    pub signer_name: String,
    /// Already formatted for the reader, such as "29-11-2026 21:30:00 IST".
    pub signed_at: String,
    pub reason: Option<String>,
}

/// A line of text ready to draw: shaped, its fonts embedded, and whether the ToUnicode map
/// alone gives back its text.
#[derive(Debug, Clone)]
struct TextLine {
    line: Line,
    exact: bool,
}

#[derive(Debug, Clone)]
enum Body {
    Text(TextLine),
    Image {
        resource: Name,
        width: u32,
        height: u32,
    },
}

#[derive(Debug, Clone)]
struct CaptionLine {
    /// A label drawn before the value in a lighter colour ("Signed by", "Reason:").
    label: Option<TextLine>,
    value: TextLine,
    /// The reason may be cut short with an ellipsis; the name and date shrink instead,
    /// since a signature block must never show a partial name.
    truncate: bool,
}

/// A prepared signature appearance, shared by every widget of one signature.
#[derive(Debug, Clone)]
pub struct Appearance {
    body: Body,
    caption: Vec<CaptionLine>,
    ellipsis: TextLine,
    fonts: EmbeddedFonts,
    resources: Dict,
}

/// Ink for typed marks: a dark blue that reads as a pen signature and prints well in grey.
const INK: &str = "0.063 0.153 0.42";
const CAPTION_LABEL: &str = "0.42 0.45 0.5";
const CAPTION_TEXT: &str = "0.13 0.15 0.18";
const FRAME: &str = "0.58 0.64 0.72";

impl Appearance {
    /// Shapes text and embeds font subsets and the image once, through `sink`, so that every
    /// widget of one signature shares them.
    pub fn prepare(mark: &Mark, caption: &Caption, sink: &mut impl Allocate) -> Result<Appearance> {
        let mut fonts = FontCollector::default();
        let text = |s: &str, weight: Weight, fonts: &mut FontCollector| -> Result<TextLine> {
            let line = font::shape(s, weight)?;
            let exact = fonts.add(&line);
            Ok(TextLine { line, exact })
        };

        let mut caption_lines = Vec::new();
        let name = font::clean_text(&caption.signer_name, "the signer's name")?;
        if !name.is_empty() {
            caption_lines.push(CaptionLine {
                label: Some(text("Signed by", Weight::Regular, &mut fonts)?),
                value: text(&name, Weight::Bold, &mut fonts)?,
                truncate: false,
            });
        }
        let when = font::clean_text(&caption.signed_at, "the signing time")?;
        if !when.is_empty() {
            caption_lines.push(CaptionLine {
                label: None,
                value: text(&when, Weight::Regular, &mut fonts)?,
                truncate: false,
            });
        }
        let reason = font::clean_text(caption.reason.as_deref().unwrap_or(""), "the reason")?;
        if !reason.is_empty() {
            caption_lines.push(CaptionLine {
                label: Some(text("Reason:", Weight::Regular, &mut fonts)?),
                value: text(&reason, Weight::Regular, &mut fonts)?,
                truncate: true,
            });
        }
        let ellipsis = text("…", Weight::Regular, &mut fonts)?;

        let mut xobjects = Dict::new();
        let body = match mark {
            Mark::Typed { text: typed } => {
                let typed = font::clean_text(typed, "the typed signature")?;
                if typed.is_empty() {
                    return Err(Error::Appearance("the typed signature is empty".into()));
                }
                Body::Text(text(&typed, Weight::Regular, &mut fonts)?)
            }
            Mark::Drawn { png } => {
                let raster = image::decode_png(png)?;
                let raster = image::downscale(image::trim(raster)?, image::EMBED_MAX_SIDE);
                let (obj, raster) = image::embed(raster, sink);
                let resource = Name::new("Im0");
                xobjects.0.push((resource.clone(), Object::Ref(obj)));
                Body::Image {
                    resource,
                    width: raster.width,
                    height: raster.height,
                }
            }
        };

        let fonts = fonts.embed(sink)?;
        let mut resources = Dict::new().with("Font", fonts.resources());
        if !xobjects.0.is_empty() {
            resources.set("XObject", xobjects);
        }
        Ok(Appearance {
            body,
            caption: caption_lines,
            ellipsis,
            fonts,
            resources,
        })
    }

    /// The Form XObject for a widget whose rectangle is `width` x `height` points as the reader
    /// sees the page, on a page with `/Rotate` `rotate`, drawn upright for the reader. Use it
    /// as the widget's `/AP /N` (through the writer's `Allocate`), with the `/Rect` from
    /// [`crate::pages::widget_rect`].
    pub fn form(&self, width: f64, height: f64, rotate: i32) -> Stream {
        let sane = |v: f64| {
            if v.is_finite() && v >= 1.0 {
                v.min(14_400.0)
            } else {
                1.0
            }
        };
        let (w, h) = (sane(width), sane(height));
        let content = self.draw(w, h);
        // The reader turns the page clockwise by /Rotate; turning the form the other way
        // keeps it upright. The translation puts the turned box back at the origin, which is
        // tidier for readers that ignore the /Rect fitting.
        let matrix: [f64; 6] = match normalize_rotation(rotate) {
            90 => [0.0, 1.0, -1.0, 0.0, h, 0.0],
            180 => [-1.0, 0.0, 0.0, -1.0, w, h],
            270 => [0.0, -1.0, 1.0, 0.0, 0.0, w],
            _ => [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        };
        let dict = Dict::new()
            .with("Type", Object::name("XObject"))
            .with("Subtype", Object::name("Form"))
            .with("BBox", Object::rect([0.0, 0.0, w, h]))
            .with(
                "Matrix",
                Object::Array(matrix.iter().map(|v| Object::Real(*v)).collect()),
            )
            .with("Resources", self.resources.clone());
        Stream::deflated(dict, &content)
    }

    /// The block's content, in a `w` x `h` box as the reader sees it.
    fn draw(&self, w: f64, h: f64) -> Vec<u8> {
        let mut out = Vec::new();
        let push = |out: &mut Vec<u8>, s: String| {
            out.extend_from_slice(s.as_bytes());
            out.push(b'\n');
        };
        let short = w.min(h);
        let pad = (short * 0.08).clamp(1.0, 6.0);
        let inner_w = (w - 2.0 * pad).max(0.5);
        let inner_h = (h - 2.0 * pad).max(0.5);

        // Frame: a thin rounded rectangle, inset by half its line width so it is not clipped.
        let lw = (short * 0.01).clamp(0.3, 0.75);
        let radius = (short * 0.08).min(4.0);
        push(&mut out, format!("q {FRAME} RG {} w", num(lw)));
        rounded_rect(&mut out, lw / 2.0, lw / 2.0, w - lw, h - lw, radius);
        push(&mut out, "S Q".into());

        // Caption: one size for every line. When the box is too small for the reason to be
        // readable it is left out (it is in the signature dictionary anyway), so that the
        // name and the date get the room.
        let mut lines: Vec<&CaptionLine> = self.caption.iter().collect();
        let mut size = caption_size(&lines, inner_w, inner_h, h);
        if size < MIN_CAPTION_SIZE && lines.iter().any(|c| c.truncate) {
            lines.retain(|c| !c.truncate);
            size = caption_size(&lines, inner_w, inner_h, h);
        }
        let n = lines.len() as f64;
        let caption_h = n * size * LEADING;
        let gap = if n > 0.0 { size * 0.9 } else { 0.0 };

        let top = pad + caption_h;
        for (k, c) in lines.iter().enumerate() {
            let baseline = top - (k as f64 + 1.0) * size * LEADING + size * 0.38;
            self.draw_caption_line(&mut out, c, (pad, baseline), size, inner_w);
        }
        if n > 0.0 {
            // A signature line between the mark and the caption.
            let y = top + gap * 0.45;
            push(
                &mut out,
                format!(
                    "q {FRAME} RG {} w {} {} m {} {} l S Q",
                    num(lw * 0.8),
                    num(pad),
                    num(y),
                    num(w - pad),
                    num(y)
                ),
            );
        }

        // The mark fills what is left, with a little more air at the sides than at the top,
        // as a pen signature has.
        let side = pad + (w * 0.03).min(6.0);
        let area = [
            side,
            top + gap,
            (w - side).max(side + 0.5),
            (h - pad).max(top + gap + 0.5),
        ];
        let (aw, ah) = (area[2] - area[0], area[3] - area[1]);
        match &self.body {
            Body::Text(t) => self.draw_mark_text(&mut out, t, area),
            Body::Image {
                resource,
                width,
                height,
            } => {
                let (iw, ih) = (f64::from(*width), f64::from(*height));
                let scale = (aw / iw).min(ah / ih);
                let (dw, dh) = (iw * scale, ih * scale);
                let x = area[0] + (aw - dw) / 2.0;
                let y = area[1] + (ah - dh) / 2.0;
                push(
                    &mut out,
                    format!(
                        "q {} 0 0 {} {} {} cm {} Do Q",
                        num(dw),
                        num(dh),
                        num(x),
                        num(y),
                        String::from_utf8_lossy(&Object::Name(resource.clone()).to_bytes())
                    ),
                );
            }
        }
        out
    }

    fn draw_caption_line(
        &self,
        out: &mut Vec<u8>,
        c: &CaptionLine,
        (x, y): (f64, f64),
        size: f64,
        width: f64,
    ) {
        let mut x = x;
        let mut room = width;
        if let Some(label) = &c.label {
            out.extend_from_slice(format!("{CAPTION_LABEL} rg\n").as_bytes());
            self.show(out, label, (x, y), size);
            x += (label.line.advance + LABEL_GAP) * size;
            room -= (label.line.advance + LABEL_GAP) * size;
        }
        out.extend_from_slice(format!("{CAPTION_TEXT} rg\n").as_bytes());
        let value = &c.value;
        if !c.truncate || value.line.advance * size <= room {
            self.show(out, value, (x, y), size);
            return;
        }
        // Cut between clusters so no syllable is split, at the last word boundary unless that
        // wastes a third of the room, and say in the ActualText what was kept.
        let budget = room / size - self.ellipsis.line.advance;
        let (mut kept, mut text_end) = (0, 0);
        let mut word_end = None;
        let mut used = 0.0;
        for (glyphs, text) in value.line.clusters() {
            let adv: f64 = value.line.glyphs[glyphs.clone()]
                .iter()
                .map(|g| g.x_advance)
                .sum();
            if used + adv > budget {
                break;
            }
            if value
                .line
                .text
                .get(text.clone())
                .is_some_and(|t| t.trim().is_empty())
            {
                word_end = Some((glyphs.start, text.start, used));
            }
            used += adv;
            (kept, text_end) = (glyphs.end, text.end);
        }
        if let Some((g, t, u)) = word_end
            && u >= budget * 0.66
        {
            (kept, text_end) = (g, t);
        }
        let kept_text = value.line.text.get(..text_end).unwrap_or_default();
        let shown = format!("{}…", kept_text.trim_end());
        let mut glyphs = value.line.glyphs[..kept].to_vec();
        glyphs.extend_from_slice(&self.ellipsis.line.glyphs);
        self.fonts.show(out, &glyphs, (x, y), size, Some(&shown));
    }

    fn draw_mark_text(&self, out: &mut Vec<u8>, t: &TextLine, area: [f64; 4]) {
        let (aw, ah) = (area[2] - area[0], area[3] - area[1]);
        let line = &t.line;
        let (ix0, iy0, ix1, iy1) = match line.ink {
            Some([x0, y0, x1, y1]) => (x0, y0, x1, y1),
            None => (0.0, line.descent, line.advance, line.ascent),
        };
        let ink_w = (ix1 - ix0).max(1e-3);
        let ink_h = (iy1 - iy0).max(1e-3);
        // The size that fits the font's line height, so short words do not balloon, and
        // then no bigger than what keeps every outline inside the box.
        let line_h = (line.ascent - line.descent).max(1e-3);
        let size = (ah / line_h)
            .min(ah / ink_h)
            .min(aw / ink_w)
            .min(aw / line.advance.max(1e-3));
        // Centre the ink, which is what the eye judges.
        let x = area[0] + (aw - ink_w * size) / 2.0 - ix0 * size;
        let y = area[1] + (ah - ink_h * size) / 2.0 - iy0 * size;
        out.extend_from_slice(format!("{INK} rg\n").as_bytes());
        self.show(out, t, (x, y), size);
    }

    fn show(&self, out: &mut Vec<u8>, t: &TextLine, origin: (f64, f64), size: f64) {
        let actual = (!t.exact).then_some(t.line.text.as_str());
        self.fonts.show(out, &t.line.glyphs, origin, size, actual);
    }
}

/// Space between a caption label and its value, in em.
const LABEL_GAP: f64 = 0.28;
/// Caption line height, in em.
const LEADING: f64 = 1.3;
/// Below this size (points) the caption drops the reason; 3.5 pt is about the smallest text
/// that still prints legibly.
const MIN_CAPTION_SIZE: f64 = 3.5;

/// The width of a caption line at size 1, label and value with a space between.
fn caption_advance(c: &CaptionLine) -> f64 {
    c.label.as_ref().map_or(0.0, |l| l.line.advance + LABEL_GAP) + c.value.line.advance
}

/// The largest caption size that fits the name and the date in the width (the reason is cut
/// instead), no taller than a tenth of the block and 7.5 pt, and never more than 45% of it.
fn caption_size(lines: &[&CaptionLine], inner_w: f64, inner_h: f64, h: f64) -> f64 {
    let mut size = (h * 0.1).clamp(3.0, 7.5);
    for c in lines.iter().filter(|c| !c.truncate) {
        let adv = caption_advance(c);
        if adv > 0.0 {
            size = size.min(inner_w / adv);
        }
    }
    let n = lines.len() as f64;
    if n > 0.0 && n * size * LEADING > inner_h * 0.45 {
        size = inner_h * 0.45 / (n * LEADING);
    }
    size
}

/// A rectangle with quarter-circle corners drawn as Bézier curves.
fn rounded_rect(out: &mut Vec<u8>, x: f64, y: f64, w: f64, h: f64, r: f64) {
    let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
    // Control point distance for a quarter circle.
    let k = r * 0.552_284_75;
    let (x1, y1) = (x + w, y + h);
    let ops = [
        format!("{} {} m", num(x + r), num(y)),
        format!("{} {} l", num(x1 - r), num(y)),
        format!(
            "{} {} {} {} {} {} c",
            num(x1 - r + k),
            num(y),
            num(x1),
            num(y + r - k),
            num(x1),
            num(y + r)
        ),
        format!("{} {} l", num(x1), num(y1 - r)),
        format!(
            "{} {} {} {} {} {} c",
            num(x1),
            num(y1 - r + k),
            num(x1 - r + k),
            num(y1),
            num(x1 - r),
            num(y1)
        ),
        format!("{} {} l", num(x + r), num(y1)),
        format!(
            "{} {} {} {} {} {} c",
            num(x + r - k),
            num(y1),
            num(x),
            num(y1 - r + k),
            num(x),
            num(y1 - r)
        ),
        format!("{} {} l", num(x), num(y + r)),
        format!(
            "{} {} {} {} {} {} c",
            num(x),
            num(y + r - k),
            num(x + r - k),
            num(y),
            num(x + r),
            num(y)
        ),
        "h".to_owned(),
    ];
    out.extend_from_slice(ops.join(" ").as_bytes());
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::ObjRef;

    #[derive(Default)]
    struct Sink(Vec<Object>);

    impl Allocate for Sink {
        fn add(&mut self, object: Object) -> ObjRef {
            self.0.push(object);
            ObjRef::new(self.0.len() as u32, 0)
        }
    }

    fn caption() -> Caption {
        Caption {
            signer_name: "Asha Rao".into(),
            signed_at: "29-11-2026 21:30:00 IST".into(),
            reason: Some("I agree to the terms".into()),
        }
    }

    fn inflate(s: &Stream) -> String {
        use std::io::Read;
        let mut out = String::new();
        flate2::read::ZlibDecoder::new(&s.data[..])
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn font_subset_of_a_short_name_is_small() {
        let mut sink = Sink::default();
        let caption = Caption {
            signer_name: String::new(),
            signed_at: String::new(),
            reason: None,
        };
        Appearance::prepare(
            &Mark::Typed {
                text: "Rahul".into(),
            },
            &caption,
            &mut sink,
        )
        .unwrap();
        let font_files: Vec<&Stream> = sink
            .0
            .iter()
            .filter_map(|o| match o {
                Object::Stream(s) if s.dict.contains("Length1") => Some(&**s),
                _ => None,
            })
            .collect();
        assert_eq!(font_files.len(), 1, "one font for Latin text");
        let raw = font_files[0]
            .dict
            .get("Length1")
            .and_then(Object::as_int)
            .unwrap();
        assert!(raw < 20_000, "subset is {raw} bytes");
        assert!(font_files[0].data.len() < 12_000);
    }

    #[test]
    fn fonts_and_images_are_shared_by_every_widget() {
        let mut sink = Sink::default();
        let a = Appearance::prepare(
            &Mark::Typed {
                text: "आशा राव".into(),
            },
            &caption(),
            &mut sink,
        )
        .unwrap();
        let before = sink.0.len();
        let f1 = a.form(200.0, 60.0, 0);
        let f2 = a.form(120.0, 40.0, 90);
        assert_eq!(sink.0.len(), before, "form() allocates nothing");
        assert_eq!(f1.dict.get("Resources"), f2.dict.get("Resources"));
        // Latin regular, Latin bold (the name), Devanagari.
        let fonts = f1
            .dict
            .get("Resources")
            .and_then(|r| r.as_dict())
            .and_then(|r| r.get("Font"));
        assert_eq!(fonts.and_then(Object::as_dict).map(|d| d.0.len()), Some(3));
    }

    #[test]
    fn form_matrix_turns_against_page_rotation() {
        let mut sink = Sink::default();
        let a = Appearance::prepare(
            &Mark::Typed {
                text: "Asha".into(),
            },
            &caption(),
            &mut sink,
        )
        .unwrap();
        let matrix = |rot| {
            a.form(200.0, 60.0, rot)
                .dict
                .get("Matrix")
                .and_then(Object::as_array)
                .unwrap()
                .iter()
                .map(|o| o.as_number().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(matrix(0), vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(matrix(90), vec![0.0, 1.0, -1.0, 0.0, 60.0, 0.0]);
        assert_eq!(matrix(180), vec![-1.0, 0.0, 0.0, -1.0, 200.0, 60.0]);
        assert_eq!(matrix(-90), vec![0.0, -1.0, 1.0, 0.0, 0.0, 200.0]);
        let bbox = a.form(200.0, 60.0, 90).dict.get("BBox").cloned();
        assert_eq!(bbox, Some(Object::rect([0.0, 0.0, 200.0, 60.0])));
    }

    #[test]
    fn degenerate_boxes_do_not_panic() {
        let mut sink = Sink::default();
        let a = Appearance::prepare(
            &Mark::Typed {
                text: "Asha".into(),
            },
            &caption(),
            &mut sink,
        )
        .unwrap();
        for (w, h) in [
            (0.0, 0.0),
            (-5.0, 10.0),
            (f64::NAN, f64::INFINITY),
            (1e9, 2.0),
            (3.0, 500.0),
        ] {
            let s = a.form(w, h, 45);
            assert!(inflate(&s).contains("TJ"));
        }
    }

    /// The `Tf` sizes a content stream uses, in order.
    fn font_sizes(content: &str) -> Vec<f64> {
        let tokens: Vec<&str> = content.split_whitespace().collect();
        tokens
            .windows(2)
            .filter(|w| w[1] == "Tf")
            .map(|w| w[0].parse().unwrap())
            .collect()
    }

    #[test]
    fn typed_marks_shrink_to_fit() {
        let mut sink = Sink::default();
        let sized = |text: &str, sink: &mut Sink| {
            let a =
                Appearance::prepare(&Mark::Typed { text: text.into() }, &caption(), sink).unwrap();
            // The mark is drawn last.
            *font_sizes(&inflate(&a.form(200.0, 60.0, 0)))
                .last()
                .unwrap()
        };
        let short = sized("Asha", &mut sink);
        let long = sized("Asha Venkata Lakshmi Narasimha Subramanya Rao", &mut sink);
        assert!(short > 15.0 && long < short / 2.0, "{short} {long}");
        // At the width limit: 45 characters at `long` points fit in 200 points.
        assert!(long * 45.0 * 0.6 < 200.0);
    }

    #[test]
    fn long_reasons_are_cut_with_an_ellipsis() {
        let mut sink = Sink::default();
        let mut c = caption();
        c.reason = Some("I have read every clause of this agreement and accept them all".into());
        let a = Appearance::prepare(
            &Mark::Typed {
                text: "Asha".into(),
            },
            &c,
            &mut sink,
        )
        .unwrap();
        let content = inflate(&a.form(120.0, 50.0, 0));
        assert!(content.contains("/ActualText"), "{content}");
        let wide = inflate(&a.form(600.0, 120.0, 0));
        assert!(
            !wide.contains("/ActualText"),
            "fits uncut when there is room"
        );
    }

    #[test]
    fn bad_input_is_refused() {
        let mut sink = Sink::default();
        let typed = |t: &str| Mark::Typed { text: t.into() };
        let err =
            |m: &Mark, c: &Caption| Appearance::prepare(m, c, &mut Sink::default()).unwrap_err();
        assert!(matches!(
            err(&typed("  \n "), &caption()),
            Error::Appearance(_)
        ));
        assert!(matches!(
            err(&typed("漢字"), &caption()),
            Error::Appearance(_)
        ));
        assert!(matches!(
            err(&typed(&"x".repeat(201)), &caption()),
            Error::Appearance(_)
        ));
        assert!(matches!(
            err(
                &Mark::Drawn {
                    png: b"GIF89a".to_vec()
                },
                &caption()
            ),
            Error::Image(_)
        ));
        let mut c = caption();
        c.signer_name = "a".repeat(500);
        assert!(matches!(err(&typed("Asha"), &c), Error::Appearance(_)));
        // An empty caption is allowed: the block is just the mark.
        let none = Caption {
            signer_name: " ".into(),
            signed_at: String::new(),
            reason: Some(String::new()),
        };
        let a = Appearance::prepare(&typed("Asha"), &none, &mut sink).unwrap();
        assert!(a.caption.is_empty());
    }
}
