//! Signature appearances proved from outside: build real PDFs around them, then ask qpdf
//! whether the file is sound, poppler's pdftotext whether the text comes back, and
//! pdftoppm what the pages look like (the PNGs are kept for a human to look at).
//!
//! Needs `qpdf` and poppler-utils (`pdftotext`, `pdftoppm`, `pdffonts`) on the PATH.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use signet_pdf::appearance::{Appearance, Caption, Mark};
use signet_pdf::object::{Allocate, Dict, ObjRef, Object, Stream};
use signet_pdf::pages::{PageGeometry, widget_rect};

/// A minimal PDF writer: objects in order, one classic xref table.
#[derive(Default)]
struct TestPdf {
    objects: Vec<Option<Object>>,
}

impl Allocate for TestPdf {
    fn add(&mut self, object: Object) -> ObjRef {
        self.objects.push(Some(object));
        ObjRef::new(self.objects.len() as u32, 0)
    }
}

impl TestPdf {
    fn reserve(&mut self) -> ObjRef {
        self.objects.push(None);
        ObjRef::new(self.objects.len() as u32, 0)
    }

    fn fill(&mut self, r: ObjRef, object: Object) {
        self.objects[r.num as usize - 1] = Some(object);
    }

    fn finish(&self, root: ObjRef) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            writeln!(out, "{} 0 obj", i + 1).unwrap();
            o.as_ref()
                .expect("every reserved object is filled")
                .write_to(&mut out)
                .unwrap();
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        write!(out, "xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).unwrap();
        for off in offsets {
            writeln!(out, "{off:010} 00000 n ").unwrap();
        }
        write!(
            out,
            "trailer\n<</Size {} /Root {}>>\nstartxref\n{xref}\n%%EOF\n",
            self.objects.len() + 1,
            root
        )
        .unwrap();
        out
    }
}

/// One page under construction.
struct Page {
    geometry: PageGeometry,
    content: Vec<u8>,
    xobjects: Dict,
    annots: Vec<ObjRef>,
}

impl Page {
    fn new(geometry: PageGeometry) -> Page {
        Page {
            geometry,
            content: Vec::new(),
            xobjects: Dict::new(),
            annots: Vec::new(),
        }
    }

    /// Helvetica text placed and oriented as the reader sees the page, from the same
    /// mapping the widgets use, so label and marks must turn together.
    fn label(&mut self, u: f64, v: f64, size: f64, text: &str) {
        let p = widget_rect(&self.geometry, [u, v, u, v]);
        let m = match signet_pdf::pages::normalize_rotation(self.geometry.rotate) {
            90 => "0 1 -1 0",
            180 => "-1 0 0 -1",
            270 => "0 -1 1 0",
            _ => "1 0 0 1",
        };
        writeln!(
            self.content,
            "BT /Helv {size} Tf {m} {} {} Tm ({text}) Tj ET",
            p[0], p[1]
        )
        .unwrap();
    }

    /// A light fill under a displayed rectangle, so transparency in the mark shows.
    fn backdrop(&mut self, displayed: [f64; 4], rgb: &str) {
        let r = widget_rect(&self.geometry, displayed);
        writeln!(
            self.content,
            "q {rgb} rg {} {} {} {} re f Q",
            r[0],
            r[1],
            r[2] - r[0],
            r[3] - r[1]
        )
        .unwrap();
    }

    /// Draws the appearance in the page content through `Do`, where every text extractor
    /// sees it.
    fn draw(&mut self, pdf: &mut TestPdf, a: &Appearance, displayed: [f64; 4]) {
        let (w, h) = (displayed[2] - displayed[0], displayed[3] - displayed[1]);
        let form = pdf.add(a.form(w, h, self.geometry.rotate).into());
        let name = format!("Fm{}", self.xobjects.0.len());
        self.xobjects.set(&name, form);
        let r = widget_rect(&self.geometry, displayed);
        // The form's /Matrix already maps its box onto [0 0 rect-width rect-height].
        writeln!(self.content, "q 1 0 0 1 {} {} cm /{name} Do Q", r[0], r[1]).unwrap();
    }

    /// Adds the appearance as a signature widget, the way signing does.
    fn widget(&mut self, pdf: &mut TestPdf, a: &Appearance, displayed: [f64; 4], field: &str) {
        let (w, h) = (displayed[2] - displayed[0], displayed[3] - displayed[1]);
        let form = pdf.add(a.form(w, h, self.geometry.rotate).into());
        let annot = Dict::new()
            .with("Type", Object::name("Annot"))
            .with("Subtype", Object::name("Widget"))
            .with("FT", Object::name("Sig"))
            .with("T", Object::text(field))
            .with("Rect", Object::rect(widget_rect(&self.geometry, displayed)))
            .with("F", 4i64)
            .with("AP", Dict::new().with("N", form));
        self.annots.push(pdf.add(annot.into()));
    }
}

fn write_pdf(pdf: &mut TestPdf, pages: Vec<Page>) -> Vec<u8> {
    let pages_ref = pdf.reserve();
    let helv = pdf.add(
        Dict::new()
            .with("Type", Object::name("Font"))
            .with("Subtype", Object::name("Type1"))
            .with("BaseFont", Object::name("Helvetica"))
            .into(),
    );
    let mut kids = Vec::new();
    let mut fields = Vec::new();
    for page in pages {
        let content = pdf.add(Stream::new(Dict::new(), page.content).into());
        let page_ref = pdf.reserve();
        for a in &page.annots {
            fields.push(Object::Ref(*a));
            if let Some(Object::Dict(d)) = pdf.objects[a.num as usize - 1].as_mut() {
                d.set("P", page_ref);
            }
        }
        let g = page.geometry;
        pdf.fill(
            page_ref,
            Dict::new()
                .with("Type", Object::name("Page"))
                .with("Parent", pages_ref)
                .with("MediaBox", Object::rect(g.media_box))
                .with("CropBox", Object::rect(g.crop_box))
                .with("Rotate", i64::from(g.rotate))
                .with(
                    "Resources",
                    Dict::new()
                        .with("Font", Dict::new().with("Helv", helv))
                        .with("XObject", page.xobjects),
                )
                .with("Contents", content)
                .with(
                    "Annots",
                    Object::Array(page.annots.iter().map(|a| Object::Ref(*a)).collect()),
                )
                .into(),
        );
        kids.push(Object::Ref(page_ref));
    }
    pdf.fill(
        pages_ref,
        Dict::new()
            .with("Type", Object::name("Pages"))
            .with("Count", kids.len() as i64)
            .with("Kids", Object::Array(kids))
            .into(),
    );
    let root = pdf.add(
        Dict::new()
            .with("Type", Object::name("Catalog"))
            .with("Pages", pages_ref)
            .with(
                "AcroForm",
                Dict::new().with("Fields", Object::Array(fields)),
            )
            .into(),
    );
    pdf.finish(root)
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("appearance");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed for this test (poppler-utils, qpdf): {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check_with_qpdf(path: &Path) {
    let out = run("qpdf", &["--check", path.to_str().unwrap()]);
    assert!(out.contains("No syntax or stream encoding errors"), "{out}");
}

/// Renders one page at 100 dpi and returns (path, width, height, RGB pixels).
fn render(pdf: &Path, page: usize, name: &str) -> (PathBuf, usize, usize, Vec<u8>) {
    let prefix = out_dir().join(name);
    let p = page.to_string();
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "100",
            "-f",
            &p,
            "-l",
            &p,
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let path = prefix.with_extension("png");
    let mut decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (path, info.width as usize, info.height as usize, buf)
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn caption(name: &str, reason: Option<&str>) -> Caption {
    Caption {
        signer_name: name.into(),
        signed_at: "29-11-2026 21:30:00 IST".into(),
        reason: reason.map(Into::into),
    }
}

fn typed(text: &str) -> Mark {
    Mark::Typed { text: text.into() }
}

/// A canvas-like drawing: a looping navy stroke with soft edges on a transparent background
/// with a wide empty margin, as a browser's `toDataURL("image/png")` gives.
fn drawn_png() -> Vec<u8> {
    let (w, h) = (900usize, 300usize);
    let mut px = vec![0u8; w * h * 4];
    let mut dab = |cx: f64, cy: f64, r: f64| {
        let (x0, x1) = ((cx - r - 1.0) as usize, (cx + r + 1.0) as usize);
        let (y0, y1) = ((cy - r - 1.0) as usize, (cy + r + 1.0) as usize);
        for y in y0..=y1.min(h - 1) {
            for x in x0..=x1.min(w - 1) {
                let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
                let a = ((r + 0.5 - d).clamp(0.0, 1.0) * 255.0) as u8;
                let i = (y * w + x) * 4;
                if a > px[i + 3] {
                    px[i..i + 4].copy_from_slice(&[20, 30, 110, a]);
                }
            }
        }
    };
    for i in 0..4000 {
        let t = i as f64 / 4000.0;
        let x = 200.0 + 500.0 * t + 40.0 * (t * 30.0).cos();
        let y = 150.0 - 60.0 * (t * 12.0).sin() * (1.0 - 0.6 * t) + 30.0 * (t * 30.0).sin();
        dab(x, y, 3.0 + 1.5 * (t * 9.0).sin().abs());
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc.write_header().unwrap();
    wr.write_image_data(&px).unwrap();
    wr.finish().unwrap();
    out
}

const DEVANAGARI: &str = "आशा राव क्षत्रिय";
const TAMIL: &str = "தமிழ்செல்வி";
const LATIN: &str = "Asha Rao";
const LONG_REASON: &str = "मैंने इस अनुबंध की हर शर्त पढ़ ली है और उसे स्वीकार करती हूँ";
/// A name in each bundled Indian script, with conjuncts and vowel signs on both sides.
const SCRIPTS: [(&str, &str); 9] = [
    ("आशा क्षत्रिय", "Devanagari"),
    ("অমিত বসু", "Bengali"),
    ("હર્ષ પટેલ", "Gujarati"),
    ("ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ", "Gurmukhi"),
    ("ಶ್ರೀನಿವಾಸ", "Kannada"),
    ("ശ്രീക്കുട്ടി", "Malayalam"),
    ("ସୁଭଦ୍ରା", "Oriya"),
    ("தமிழ்செல்வி", "Tamil"),
    ("వెంకటేశ్వర", "Telugu"),
];

/// Typed marks in three scripts drawn on an upright page with an offset crop box: the file is
/// sound, every font is an embedded subset with a ToUnicode map, and pdftotext gives back the
/// typed text and the caption.
#[test]
fn typed_marks_come_back_as_text() {
    let geometry = PageGeometry {
        media_box: [0.0, 0.0, 612.0, 792.0],
        crop_box: [30.0, 40.0, 582.0, 772.0],
        rotate: 0,
    };
    let mut pdf = TestPdf::default();
    let mut page = Page::new(geometry);
    page.label(
        20.0,
        700.0,
        14.0,
        "Typed marks, rotate 0, crop box at (30, 40)",
    );

    let deva = Appearance::prepare(
        &typed(DEVANAGARI),
        &caption("आशा राव", Some("अनुबंध स्वीकार है")),
        &mut pdf,
    )
    .unwrap();
    let tamil = Appearance::prepare(&typed(TAMIL), &caption("தமிழ்செல்வி", None), &mut pdf).unwrap();
    let latin = Appearance::prepare(
        &typed(LATIN),
        &caption("Asha Rao", Some("I approve this document")),
        &mut pdf,
    )
    .unwrap();
    page.draw(&mut pdf, &deva, [40.0, 560.0, 300.0, 650.0]);
    page.draw(&mut pdf, &tamil, [320.0, 560.0, 520.0, 640.0]);
    page.draw(&mut pdf, &latin, [40.0, 420.0, 240.0, 480.0]);
    // The same appearance in a small and a flat box: shrinks, never overflows.
    page.draw(&mut pdf, &latin, [280.0, 430.0, 380.0, 460.0]);
    page.draw(&mut pdf, &deva, [400.0, 440.0, 540.0, 470.0]);

    // A reason too long for its box is cut with an ellipsis; text extraction gets what is
    // shown, never a mark drawn outside the box.
    let long = Appearance::prepare(
        &typed(LATIN),
        &caption("Asha Rao", Some(LONG_REASON)),
        &mut pdf,
    )
    .unwrap();
    page.draw(&mut pdf, &long, [40.0, 300.0, 220.0, 370.0]);

    // Every bundled script, shaped and embedded, on a second page.
    let mut scripts = Page::new(geometry);
    scripts.label(20.0, 700.0, 14.0, "Every bundled script");
    for (i, (name, _)) in SCRIPTS.iter().enumerate() {
        let a = Appearance::prepare(&typed(name), &caption(name, None), &mut pdf).unwrap();
        let (col, row) = ((i % 2) as f64, (i / 2) as f64);
        let x = 30.0 + col * 260.0;
        let y = 600.0 - row * 120.0;
        scripts.draw(&mut pdf, &a, [x, y, x + 240.0, y + 90.0]);
    }

    let bytes = write_pdf(&mut pdf, vec![page, scripts]);
    let path = out_dir().join("typed.pdf");
    std::fs::write(&path, &bytes).unwrap();
    check_with_qpdf(&path);

    let text = words(&run(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            "-f",
            "1",
            "-l",
            "1",
            path.to_str().unwrap(),
            "-",
        ],
    ));
    for expected in [
        DEVANAGARI,
        TAMIL,
        LATIN,
        "Signed by आशा राव",
        "Signed by தமிழ்செல்வி",
        "Signed by Asha Rao",
        "29-11-2026 21:30:00 IST",
        "Reason: अनुबंध स्वीकार है",
        "Reason: I approve this document",
        "Reason: मैंने इस अनुबंध",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    assert!(
        text.contains("…") && !text.contains("करती हूँ"),
        "the long reason is cut: {text}"
    );
    let before = text[..text.find('…').unwrap()]
        .split_whitespace()
        .last()
        .unwrap();
    assert!(
        LONG_REASON.split(' ').any(|w| w == before),
        "cut after a whole word: {text}"
    );
    let text = words(&run(
        "pdftotext",
        &[
            "-enc",
            "UTF-8",
            "-f",
            "2",
            "-l",
            "2",
            path.to_str().unwrap(),
            "-",
        ],
    ));
    for (name, script) in SCRIPTS {
        assert!(
            text.contains(&format!("{name} Signed by {name}")),
            "{script}: {name:?} not in {text:?}"
        );
    }

    // Every font is an embedded subset with a ToUnicode map, and each font is embedded once
    // per appearance however many boxes draw it.
    let fonts = run("pdffonts", &[path.to_str().unwrap()]);
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.starts_with("Helvetica"))
        .collect();
    // Per appearance: Latin regular plus the script's font (Indian scripts have no bold cut
    // for the name), or for Latin, regular plus bold; the long Devanagari reason adds one.
    assert_eq!(rows.len(), 2 * 4 + 1 + 2 * SCRIPTS.len(), "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cols[1..6],
            ["CID", "TrueType", "Identity-H", "yes", "yes"],
            "{row}"
        );
        assert_eq!(cols[6], "yes", "ToUnicode: {row}");
        assert!(
            cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+',
            "subset name: {row}"
        );
    }

    let (png, w, h, _) = render(&path, 1, "typed");
    assert!(w > 700 && h > 900, "{png:?} is {w}x{h}");
    render(&path, 2, "scripts");
}

/// A drawn PNG with alpha over a coloured backdrop: strokes are dark and the transparent
/// canvas lets the backdrop through.
#[test]
fn drawn_mark_keeps_its_transparency() {
    let geometry = PageGeometry {
        media_box: [0.0, 0.0, 400.0, 300.0],
        crop_box: [0.0, 0.0, 400.0, 300.0],
        rotate: 0,
    };
    let mut pdf = TestPdf::default();
    let mut page = Page::new(geometry);
    let a = Appearance::prepare(
        &Mark::Drawn { png: drawn_png() },
        &caption("Asha Rao", Some("Approved")),
        &mut pdf,
    )
    .unwrap();
    let rect = [50.0, 80.0, 350.0, 220.0];
    page.backdrop(rect, "1 0.93 0.6");
    page.widget(&mut pdf, &a, rect, "Sig1");
    page.label(50.0, 250.0, 12.0, "Drawn mark over a yellow backdrop");
    let bytes = write_pdf(&mut pdf, vec![page]);
    let path = out_dir().join("drawn.pdf");
    std::fs::write(&path, &bytes).unwrap();
    check_with_qpdf(&path);

    let text = words(&run(
        "pdftotext",
        &["-enc", "UTF-8", path.to_str().unwrap(), "-"],
    ));
    assert!(text.contains("Signed by Asha Rao"), "{text}");

    // Count pixels inside the widget (100 dpi: 1 pt = 100/72 px; origin at the top left).
    let (png, w, _, rgb) = render(&path, 1, "drawn");
    let k = 100.0 / 72.0;
    let (x0, x1) = ((rect[0] * k) as usize + 4, (rect[2] * k) as usize - 4);
    let (y0, y1) = (
        ((300.0 - rect[3]) * k) as usize + 4,
        ((300.0 - rect[1]) * k) as usize - 4,
    );
    let (mut yellow, mut ink, mut total) = (0, 0, 0);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = &rgb[(y * w + x) * 3..][..3];
            total += 1;
            if p[0] > 230 && p[1] > 200 && p[2] < 190 {
                yellow += 1;
            }
            if p[0] < 90 && p[1] < 90 && p[2] > 60 && p[2] < 170 {
                ink += 1;
            }
        }
    }
    assert!(
        yellow * 2 > total,
        "{png:?}: only {yellow} of {total} pixels show the backdrop"
    );
    assert!(
        ink * 50 > total,
        "{png:?}: only {ink} of {total} pixels are stroke ink"
    );
}

/// One page per rotation, each with an offset crop box, the same widget placed at the same
/// spot of the page as the reader sees it. pdftotext -bbox reports words in the displayed
/// page's coordinates (origin top left): the mark must be horizontal, above its caption, and
/// inside the placement rectangle.
#[test]
fn marks_are_upright_on_rotated_pages() {
    let mut pdf = TestPdf::default();
    let a = Appearance::prepare(
        &typed("Asha Rao"),
        &caption("Asha Rao", Some("Rotation check")),
        &mut pdf,
    )
    .unwrap();
    let drawn = Appearance::prepare(
        &Mark::Drawn { png: drawn_png() },
        &caption("Asha Rao", None),
        &mut pdf,
    )
    .unwrap();
    let deva = Appearance::prepare(&typed("आशा राव"), &caption("आशा राव", None), &mut pdf).unwrap();
    let mut pages = Vec::new();
    let mut placements = Vec::new();
    for rotate in [0, 90, 180, 270] {
        let geometry = PageGeometry {
            media_box: [0.0, 0.0, 612.0, 792.0],
            crop_box: [50.0, 30.0, 562.0, 762.0],
            rotate,
        };
        let (dw, dh) = geometry.displayed_size();
        let mut page = Page::new(geometry);
        page.label(
            20.0,
            dh - 30.0,
            14.0,
            &format!("Page with /Rotate {rotate}: this line reads upright"),
        );
        let typed_rect = [dw - 260.0, 40.0, dw - 40.0, 110.0];
        page.backdrop(typed_rect, "0.93 0.96 1");
        page.widget(&mut pdf, &a, typed_rect, &format!("Typed{rotate}"));
        page.widget(
            &mut pdf,
            &drawn,
            [40.0, 40.0, 220.0, 110.0],
            &format!("Drawn{rotate}"),
        );
        page.widget(
            &mut pdf,
            &deva,
            [40.0, dh - 150.0, 240.0, dh - 80.0],
            &format!("Deva{rotate}"),
        );
        placements.push((rotate, typed_rect, dh));
        pages.push(page);
    }
    let bytes = write_pdf(&mut pdf, pages);
    let path = out_dir().join("rotated.pdf");
    std::fs::write(&path, &bytes).unwrap();
    check_with_qpdf(&path);

    for (i, (rotate, rect, dh)) in placements.into_iter().enumerate() {
        let p = (i + 1).to_string();
        let html = run(
            "pdftotext",
            &[
                "-cropbox",
                "-bbox",
                "-f",
                &p,
                "-l",
                &p,
                path.to_str().unwrap(),
                "-",
            ],
        );
        let boxes = word_boxes(&html);
        let find = |word: &str| -> Vec<[f64; 4]> {
            boxes
                .iter()
                .filter(|(w, _)| w == word)
                .map(|(_, b)| *b)
                .collect()
        };
        // "Asha" appears in the typed mark and in two captions; the mark's is the tallest.
        let mark = find("Asha")
            .into_iter()
            .max_by(|a, b| (a[3] - a[1]).total_cmp(&(b[3] - b[1])))
            .unwrap_or_else(|| panic!("rotate {rotate}: no Asha in {html}"));
        let check = find("Rotation");
        assert_eq!(check.len(), 1, "rotate {rotate}: {html}");
        let check = check[0];
        assert!(
            mark[2] - mark[0] > mark[3] - mark[1],
            "rotate {rotate}: mark not horizontal {mark:?}"
        );
        assert!(
            mark[3] < check[1],
            "rotate {rotate}: mark {mark:?} not above caption {check:?}"
        );
        // The placement, in top-left coordinates, with a little slack for glyph boxes.
        let (left, right, top, bottom) = (rect[0], rect[2], dh - rect[3], dh - rect[1]);
        for b in [mark, check] {
            assert!(
                b[0] >= left - 1.0
                    && b[2] <= right + 1.0
                    && b[1] >= top - 1.0
                    && b[3] <= bottom + 1.0,
                "rotate {rotate}: {b:?} outside the placement {rect:?}"
            );
        }
        render(&path, i + 1, &format!("rotate-{rotate}"));
    }
}

/// `(word, [xMin, yMin, xMax, yMax])` from `pdftotext -bbox` output.
fn word_boxes(html: &str) -> Vec<(String, [f64; 4])> {
    let attr = |line: &str, name: &str| -> f64 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + line[start..].find('"').unwrap();
        line[start..end].parse().unwrap()
    };
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let word = l[l.find('>').unwrap() + 1..l.rfind("</word>").unwrap()].to_string();
            (
                word,
                [
                    attr(l, "xMin"),
                    attr(l, "yMin"),
                    attr(l, "xMax"),
                    attr(l, "yMax"),
                ],
            )
        })
        .collect()
}
