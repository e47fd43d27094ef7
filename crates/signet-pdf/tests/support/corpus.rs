//! The fixture corpus: PDFs made by several writers, with awkward but legal structure, big
//! ones, and hostile ones. Generated on first use into `target/tmp/corpus-v{VERSION}-{root}`
//! (the PKI root is in the name because one fixture is signed with it), then reused.
//!
//! Nothing here is committed: every fixture is made by a tool or by the byte writer below,
//! and its note says how, so a failure can be reproduced by hand. `MANIFEST.md` in the
//! corpus directory lists them.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use super::{TestPki, build_cached_dir, pyhanko_sign, run_ok, sha256_hex, target_tmp, tool};

/// Bump when a generator changes, so that cached corpora are rebuilt.
pub const CORPUS_VERSION: u32 = 1;

#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: &'static str,
    pub path: PathBuf,
    /// How it was made.
    pub note: &'static str,
    /// Whether a correct reader should accept it (false: it must be refused, with a limit or
    /// a corruption error, without hanging or exhausting memory).
    pub valid: bool,
}

pub struct Corpus {
    pub dir: PathBuf,
    pub fixtures: Vec<Fixture>,
    /// The PKI whose RSA-2048 signer signed `signed-by-pyhanko.pdf`.
    pub pki: &'static TestPki,
}

/// (name, valid, note). The generators in [`generate`] write exactly these files.
const TABLE: &[(&str, bool, &str)] = &[
    (
        "krilla-3-pages.pdf",
        true,
        "krilla 0.8 (the audit-trail writer), 3 A4 pages of Noto Sans text",
    ),
    (
        "lopdf-1-page.pdf",
        true,
        "lopdf 0.47 Document::save_to, one Letter page, Helvetica text",
    ),
    (
        "qpdf-object-streams.pdf",
        true,
        "qpdf --object-streams=generate of krilla-3-pages.pdf (xref stream, object streams)",
    ),
    (
        "qpdf-linearized.pdf",
        true,
        "qpdf --linearize of krilla-3-pages.pdf",
    ),
    (
        "signed-by-pyhanko.pdf",
        true,
        "pyhanko sign addsig --use-pades, field Sig1 on page 1, RSA-2048 signer of the test \
         PKI, input krilla-3-pages.pdf",
    ),
    (
        "rotate-cropbox.pdf",
        true,
        "lopdf, 6 pages: /Rotate 0, 90, 180, 270; CropBox inside MediaBox; Rotate 90 and a \
         MediaBox with non-zero origin inherited from an intermediate /Pages node",
    ),
    (
        "pdf-1.3-classic-xref.pdf",
        true,
        "byte writer, %PDF-1.3 header, classic xref table, no object streams",
    ),
    (
        "pdf-2.0.pdf",
        true,
        "qpdf --force-version=2.0 of krilla-3-pages.pdf",
    ),
    (
        "two-revisions.pdf",
        true,
        "byte writer, one page plus an incremental update (new /Info, /Prev to the first xref)",
    ),
    (
        "pages-1000.pdf",
        true,
        "byte writer, 1,000 pages under 10 intermediate /Pages nodes, Helvetica text",
    ),
    (
        "pages-500-10mb.pdf",
        true,
        "byte writer, 500 pages each drawing its own 82x82 RGB image of random bytes (~10 MB)",
    ),
    (
        "big-50mb.pdf",
        true,
        "byte writer, 10 pages each drawing a 1291x1291 RGB image of random bytes (~50 MB)",
    ),
    (
        "truncated.pdf",
        false,
        "the first half of krilla-3-pages.pdf",
    ),
    ("garbage.pdf", false, "64 KiB of random bytes, no header"),
    (
        "header-then-garbage.pdf",
        false,
        "%PDF-1.7 header followed by 64 KiB of random bytes",
    ),
    (
        "encrypted-user-password.pdf",
        false,
        "qpdf --encrypt user owner 256 of krilla-3-pages.pdf (user password \"user\")",
    ),
    (
        "encrypted-empty-user-password.pdf",
        false,
        "qpdf --encrypt \"\" owner 256 --print=none --modify=none --extract=n: opens without \
         a password but restricts permissions",
    ),
    (
        "xref-prev-loop.pdf",
        false,
        "byte writer, an incremental update whose trailer /Prev points to its own xref",
    ),
    (
        "trailer-size-huge.pdf",
        false,
        "byte writer, one page, trailer /Size 2147483647",
    ),
    (
        "objstm-10m-objects.pdf",
        false,
        "byte writer, PDF 1.5 xref stream; the page's /Resources live in an object stream that \
         claims /N 10000000 but holds one object",
    ),
    (
        "deeply-nested-arrays.pdf",
        false,
        "byte writer, an object of 100,000 nested arrays referenced from the page",
    ),
    (
        "flate-bomb.pdf",
        false,
        "byte writer, a ~1 MB FlateDecode content stream that inflates to 1 GiB of zeros",
    ),
];

/// The shared corpus, generated on first use.
pub fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let pki = TestPki::shared();
        let root = &sha256_hex(&pki.root.cert_pem)[..12];
        let dir = target_tmp().join(format!("corpus-v{CORPUS_VERSION}-{root}"));
        let dir = build_cached_dir(&dir, |d| {
            // Older corpora (other versions or roots) are ~65 MB each: drop them.
            for old in fs::read_dir(target_tmp()).unwrap().flatten() {
                if old.file_name().to_string_lossy().starts_with("corpus-v") {
                    let _ = fs::remove_dir_all(old.path());
                }
            }
            generate(d, pki)
        });
        let fixtures = TABLE
            .iter()
            .map(|&(name, valid, note)| Fixture {
                name,
                path: dir.join(name),
                note,
                valid,
            })
            .collect();
        Corpus { dir, fixtures, pki }
    })
}

impl Corpus {
    pub fn fixture(&self, name: &str) -> &Fixture {
        self.fixtures
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| {
                let names: Vec<_> = self.fixtures.iter().map(|f| f.name).collect();
                panic!("no fixture {name:?}; the corpus has {names:?}")
            })
    }

    pub fn path(&self, name: &str) -> &Path {
        &self.fixture(name).path
    }

    pub fn valid(&self) -> impl Iterator<Item = &Fixture> {
        self.fixtures.iter().filter(|f| f.valid)
    }

    pub fn broken(&self) -> impl Iterator<Item = &Fixture> {
        self.fixtures.iter().filter(|f| !f.valid)
    }
}

fn generate(dir: &Path, pki: &TestPki) {
    let started = std::time::Instant::now();
    let w = |name: &str, bytes: Vec<u8>| fs::write(dir.join(name), bytes).unwrap();
    let qpdf = |args: &[&str], input: &str, output: &str| {
        run_ok(
            Command::new(tool("qpdf"))
                .current_dir(dir)
                .args(args)
                .args([input, output]),
        );
    };

    let krilla = krilla_pdf();
    w("truncated.pdf", krilla[..krilla.len() / 2].to_vec());
    w("krilla-3-pages.pdf", krilla);
    w("lopdf-1-page.pdf", lopdf_one_page());
    w("rotate-cropbox.pdf", lopdf_rotate_cropbox());

    let base = "krilla-3-pages.pdf";
    qpdf(
        &["--object-streams=generate"],
        base,
        "qpdf-object-streams.pdf",
    );
    qpdf(&["--linearize"], base, "qpdf-linearized.pdf");
    qpdf(&["--force-version=2.0"], base, "pdf-2.0.pdf");
    qpdf(
        &["--encrypt", "user", "owner", "256", "--"],
        base,
        "encrypted-user-password.pdf",
    );
    qpdf(
        &[
            "--encrypt",
            "",
            "owner",
            "256",
            "--print=none",
            "--modify=none",
            "--extract=n",
            "--",
        ],
        base,
        "encrypted-empty-user-password.pdf",
    );
    pyhanko_sign(
        &dir.join(base),
        &dir.join("signed-by-pyhanko.pdf"),
        &pki.rsa2048.key_path,
        &pki.rsa2048.cert_path,
        &pki.root.cert_path,
        "Sig1",
    );

    let mut rng = XorShift(0x5157_4E45_5421_u64);
    w("pdf-1.3-classic-xref.pdf", simple_pdf("1.3", "", None).0);
    w("two-revisions.pdf", two_revisions());
    w("pages-1000.pdf", many_pages(1000, None, &mut rng));
    w("pages-500-10mb.pdf", many_pages(500, Some(82), &mut rng));
    w("big-50mb.pdf", many_pages(10, Some(1291), &mut rng));
    w("garbage.pdf", rng.bytes(64 * 1024));
    let mut header_garbage = b"%PDF-1.7\n".to_vec();
    header_garbage.extend(rng.bytes(64 * 1024));
    w("header-then-garbage.pdf", header_garbage);
    w("xref-prev-loop.pdf", xref_prev_loop());
    w(
        "trailer-size-huge.pdf",
        simple_pdf("1.7", "", Some(2_147_483_647)).0,
    );
    w("objstm-10m-objects.pdf", objstm_claims_10m());
    w("deeply-nested-arrays.pdf", deeply_nested(100_000));
    w("flate-bomb.pdf", flate_bomb(1 << 30));

    let mut manifest = format!(
        "# Signet test corpus v{CORPUS_VERSION}\n\nGenerated by \
         crates/signet-pdf/tests/support/corpus.rs in {:.1} s.\n\n\
         | file | bytes | valid | how it was made |\n|---|---|---|---|\n",
        started.elapsed().as_secs_f64()
    );
    for &(name, valid, note) in TABLE {
        let len = fs::metadata(dir.join(name))
            .unwrap_or_else(|_| panic!("corpus generator forgot {name}"))
            .len();
        writeln!(manifest, "| {name} | {len} | {valid} | {note} |").unwrap();
    }
    fs::write(dir.join("MANIFEST.md"), manifest).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Made by real PDF writers
// ---------------------------------------------------------------------------------------------

fn krilla_pdf() -> Vec<u8> {
    use krilla::Document;
    use krilla::geom::Point;
    use krilla::page::PageSettings;
    use krilla::text::{Font, TextDirection};

    static NOTO: &[u8] = include_bytes!("../../fonts/NotoSans-Regular.ttf");
    let font = Font::new(Arc::new(NOTO.to_vec()).into(), 0).expect("Noto Sans loads");
    let mut doc = Document::new();
    for page_no in 1..=3 {
        let mut page = doc.start_page_with(PageSettings::from_wh(595.0, 842.0).unwrap());
        let mut surface = page.surface();
        let lines = [
            format!("Signet test document, page {page_no} of 3"),
            "The quick brown fox jumps over the lazy dog.".to_string(),
            "Agreement between the parties named below.".to_string(),
        ];
        for (i, line) in lines.iter().enumerate() {
            surface.draw_text(
                Point::from_xy(72.0, 100.0 + 30.0 * i as f32),
                font.clone(),
                16.0,
                line,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    doc.finish().expect("krilla writes the document")
}

fn helvetica_text(text: &str, x: i64, y: i64) -> Vec<u8> {
    use lopdf::Object;
    use lopdf::content::{Content, Operation};
    Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 24.into()]),
            Operation::new("Td", vec![x.into(), y.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    }
    .encode()
    .unwrap()
}

/// A lopdf document with a Helvetica resource on the page tree root; `pages` adds the kids.
fn lopdf_doc(
    build: impl FnOnce(&mut lopdf::Document, lopdf::ObjectId) -> Vec<lopdf::Object>,
) -> Vec<u8> {
    use lopdf::{Document, dictionary};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let kids = build(&mut doc, pages_id);
    let count = count_pages(&doc, &kids);
    doc.objects.insert(
        pages_id,
        dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count as i64,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }
        .into(),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn count_pages(doc: &lopdf::Document, kids: &[lopdf::Object]) -> usize {
    kids.iter()
        .map(|kid| {
            let dict = doc.get_dictionary(kid.as_reference().unwrap()).unwrap();
            match dict.get(b"Kids") {
                Ok(grandkids) => count_pages(doc, grandkids.as_array().unwrap()),
                Err(_) => 1,
            }
        })
        .sum()
}

fn lopdf_page(
    doc: &mut lopdf::Document,
    parent: lopdf::ObjectId,
    text: &str,
    extra: lopdf::Dictionary,
) -> lopdf::Object {
    use lopdf::{Stream, dictionary};
    let content = doc.add_object(Stream::new(dictionary! {}, helvetica_text(text, 72, 600)));
    let mut page = dictionary! { "Type" => "Page", "Parent" => parent, "Contents" => content };
    page.extend(&extra);
    doc.add_object(page).into()
}

fn lopdf_one_page() -> Vec<u8> {
    lopdf_doc(|doc, pages| {
        vec![lopdf_page(
            doc,
            pages,
            "Hello from lopdf",
            lopdf::Dictionary::new(),
        )]
    })
}

fn lopdf_rotate_cropbox() -> Vec<u8> {
    use lopdf::{Object, dictionary};
    lopdf_doc(|doc, pages| {
        let mut kids: Vec<Object> = [0, 90, 180, 270]
            .into_iter()
            .map(|rotate| {
                let text = format!("Rotate {rotate}");
                lopdf_page(doc, pages, &text, dictionary! { "Rotate" => rotate })
            })
            .collect();
        kids.push(lopdf_page(
            doc,
            pages,
            "CropBox 50 50 562 742",
            dictionary! { "CropBox" => vec![50.into(), 50.into(), 562.into(), 742.into()] },
        ));
        // Attributes a page does not state itself come from its ancestors.
        let node = doc.new_object_id();
        let inherited = lopdf_page(doc, node, "Inherited Rotate 90", dictionary! {});
        doc.objects.insert(
            node,
            dictionary! {
                "Type" => "Pages",
                "Parent" => pages,
                "Kids" => vec![inherited],
                "Count" => 1,
                "Rotate" => 90,
                "MediaBox" => vec![100.into(), 100.into(), 712.into(), 892.into()],
            }
            .into(),
        );
        kids.push(node.into());
        kids
    })
}

// ---------------------------------------------------------------------------------------------
// The byte writer: exact control over structure, and fast enough for the big files
// ---------------------------------------------------------------------------------------------

/// Writes numbered objects and a classic xref table. Object numbers must be added in order
/// starting at 1.
struct RawPdf {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl RawPdf {
    fn new(version: &str) -> RawPdf {
        let mut buf = format!("%PDF-{version}\n").into_bytes();
        // A comment with high bytes tells transfer tools the file is binary.
        buf.extend_from_slice(b"%\xE2\xE3\xCF\xD3\n");
        RawPdf {
            buf,
            offsets: Vec::new(),
        }
    }

    fn next_id(&self) -> usize {
        self.offsets.len() + 1
    }

    fn obj(&mut self, body: &[u8]) -> usize {
        let id = self.next_id();
        self.offsets.push(self.buf.len());
        self.buf
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
        id
    }

    fn stream(&mut self, dict_entries: &str, data: &[u8]) -> usize {
        let mut body =
            format!("<< {dict_entries} /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.obj(&body)
    }

    /// Writes the xref table and trailer; returns the bytes and the xref offset.
    fn finish(mut self, root: usize, trailer_extra: &str, size: Option<u64>) -> (Vec<u8>, usize) {
        let xref = self.buf.len();
        let size = size.unwrap_or(self.offsets.len() as u64 + 1);
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len() + 1);
        for off in &self.offsets {
            writeln!(table, "{off:010} 00000 n ").unwrap();
        }
        write!(
            table,
            "trailer\n<< /Size {size} /Root {root} 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n"
        )
        .unwrap();
        self.buf.extend_from_slice(table.as_bytes());
        (self.buf, xref)
    }
}

const HELVETICA: &[u8] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

/// One Letter page of Helvetica text; `page_extra` goes into the page dictionary. Returns the
/// bytes, the xref offset and the object count.
fn simple_pdf(version: &str, page_extra: &str, size: Option<u64>) -> (Vec<u8>, usize, usize) {
    let mut pdf = RawPdf::new(version);
    pdf.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.obj(b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>");
    pdf.obj(HELVETICA);
    pdf.obj(
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R {page_extra}>>"
        )
        .as_bytes(),
    );
    pdf.stream(
        "",
        b"BT /F1 24 Tf 72 700 Td (Hello from the byte writer) Tj ET",
    );
    let objects = pdf.offsets.len();
    let (bytes, xref) = pdf.finish(1, "", size);
    (bytes, xref, objects)
}

/// Appends an incremental update that adds an /Info dictionary. `prev` is the /Prev value,
/// `None` meaning "this update's own xref" (a loop).
fn append_info_update(mut bytes: Vec<u8>, objects: usize, prev: Option<usize>) -> Vec<u8> {
    let info = objects + 1;
    let info_offset = bytes.len();
    bytes.extend_from_slice(
        format!("{info} 0 obj\n<< /Producer (Signet corpus update) >>\nendobj\n").as_bytes(),
    );
    let xref = bytes.len();
    let prev = prev.unwrap_or(xref);
    bytes.extend_from_slice(
        format!(
            "xref\n0 1\n0000000000 65535 f \n{info} 1\n{info_offset:010} 00000 n \n\
             trailer\n<< /Size {} /Root 1 0 R /Info {info} 0 R /Prev {prev} >>\n\
             startxref\n{xref}\n%%EOF\n",
            info + 1
        )
        .as_bytes(),
    );
    bytes
}

fn two_revisions() -> Vec<u8> {
    let (bytes, xref, objects) = simple_pdf("1.7", "", None);
    append_info_update(bytes, objects, Some(xref))
}

fn xref_prev_loop() -> Vec<u8> {
    let (bytes, _, objects) = simple_pdf("1.7", "", None);
    append_info_update(bytes, objects, None)
}

/// `pages` pages under 10 intermediate nodes (or one, for fewer than 10 pages); with
/// `image_side`, each page draws its own random RGB image of that many pixels a side.
fn many_pages(pages: usize, image_side: Option<usize>, rng: &mut XorShift) -> Vec<u8> {
    let nodes = if pages >= 10 { 10 } else { 1 };
    let per_node = pages.div_ceil(nodes);
    let mut pdf = RawPdf::new("1.7");
    // Object numbers are assigned in order, so they can be computed before writing:
    // 1 catalog, 2 root, 3 font, 4.. nodes, then per page: page, content[, image].
    let first_page = 4 + nodes;
    let per_page = if image_side.is_some() { 3 } else { 2 };
    let page_id = |i: usize| first_page + i * per_page;
    pdf.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
    let node_refs: String = (0..nodes).map(|n| format!("{} 0 R ", 4 + n)).collect();
    pdf.obj(
        format!(
            "<< /Type /Pages /Kids [{node_refs}] /Count {pages} /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        .as_bytes(),
    );
    pdf.obj(HELVETICA);
    for n in 0..nodes {
        let range = (n * per_node)..((n + 1) * per_node).min(pages);
        let kids: String = range
            .clone()
            .map(|i| format!("{} 0 R ", page_id(i)))
            .collect();
        pdf.obj(
            format!(
                "<< /Type /Pages /Parent 2 0 R /Kids [{kids}] /Count {} >>",
                range.len()
            )
            .as_bytes(),
        );
    }
    for i in 0..pages {
        let id = page_id(i);
        let node = 4 + i / per_node;
        let resources = if image_side.is_some() {
            format!(
                "/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 {} 0 R >> >>",
                id + 2
            )
        } else {
            String::new()
        };
        pdf.obj(
            format!(
                "<< /Type /Page /Parent {node} 0 R /Contents {} 0 R {resources} >>",
                id + 1
            )
            .as_bytes(),
        );
        let mut content = format!("BT /F1 24 Tf 72 720 Td (Page {} of {pages}) Tj ET", i + 1);
        if image_side.is_some() {
            content.push_str(" q 400 0 0 400 106 200 cm /Im1 Do Q");
        }
        pdf.stream("", content.as_bytes());
        if let Some(side) = image_side {
            pdf.stream(
                &format!(
                    "/Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceRGB /BitsPerComponent 8"
                ),
                &rng.bytes(side * side * 3),
            );
        }
    }
    pdf.finish(1, "", None).0
}

/// A PDF 1.5 file with a cross-reference stream, whose object 4 (the page's resources) sits
/// in object stream 5, which claims ten million objects.
fn objstm_claims_10m() -> Vec<u8> {
    let mut pdf = RawPdf::new("1.5");
    pdf.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf.obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 4 0 R >>");
    let header = b"4 0 ";
    let mut data = header.to_vec();
    data.extend_from_slice(b"<< /ProcSet [/PDF] >>");
    // Object 4 is compressed, so it takes no slot in the byte writer's list; the object
    // stream becomes object 4 there. Push a placeholder offset to keep numbering right.
    pdf.offsets.push(0);
    pdf.stream(
        &format!("/Type /ObjStm /N 10000000 /First {}", header.len()),
        &data,
    );
    let xref_id = pdf.next_id();
    let xref_offset = pdf.buf.len();
    // /W [1 4 2]: type, field 2 (offset or object stream number), field 3 (gen or index).
    let mut entries = Vec::new();
    let mut entry = |kind: u8, f2: u32, f3: u16| {
        entries.push(kind);
        entries.extend_from_slice(&f2.to_be_bytes());
        entries.extend_from_slice(&f3.to_be_bytes());
    };
    entry(0, 0, 0xFFFF);
    for id in 1..=3 {
        entry(1, pdf.offsets[id - 1] as u32, 0);
    }
    entry(2, 5, 0);
    entry(1, pdf.offsets[4] as u32, 0);
    entry(1, xref_offset as u32, 0);
    pdf.stream(
        &format!("/Type /XRef /Size {} /W [1 4 2] /Root 1 0 R", xref_id + 1),
        &entries,
    );
    let mut bytes = pdf.buf;
    bytes.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
    bytes
}

fn deeply_nested(depth: usize) -> Vec<u8> {
    let mut pdf = RawPdf::new("1.7");
    pdf.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf.obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /SignetDeep 4 0 R >>");
    let mut nested = vec![b'['; depth];
    nested.extend(std::iter::repeat_n(b']', depth));
    pdf.obj(&nested);
    pdf.finish(1, "", None).0
}

/// A zlib stream that inflates to `size` zeros (a multiple of 1 MiB), built without
/// compressing `size` bytes: once the 32 KiB window holds only zeros, the compressed form of
/// the next MiB of zeros is always the same block, so it is emitted once and repeated.
fn flate_bomb(size: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    const CHUNK: usize = 1 << 20;
    assert!(size.is_multiple_of(CHUNK) && size >= 2 * CHUNK);
    let zeros = vec![0u8; CHUNK];
    let mut z = Compress::new(Compression::best(), true);
    let mut sync_flushed = |input: &[u8]| {
        let mut out = Vec::with_capacity(64 * 1024);
        let start = z.total_in();
        z.compress_vec(input, &mut out, FlushCompress::Sync)
            .unwrap();
        // A sync flush ends on a byte boundary, so the pieces can be concatenated.
        assert_eq!((z.total_in() - start) as usize, input.len());
        assert!(out.len() < out.capacity(), "flush finished");
        out
    };
    let first = sync_flushed(&zeros);
    let repeat = sync_flushed(&zeros);
    let mut stream = first;
    for _ in 1..size / CHUNK {
        stream.extend_from_slice(&repeat);
    }
    // A final empty block with fixed Huffman codes, then Adler-32 of `size` zeros: s1 stays
    // 1 and s2 grows by 1 per byte.
    stream.extend_from_slice(&[0x03, 0x00]);
    let adler = (((size % 65521) as u32) << 16) | 1;
    stream.extend_from_slice(&adler.to_be_bytes());

    let mut pdf = RawPdf::new("1.7");
    pdf.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf.obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>");
    pdf.stream("/Filter /FlateDecode", &stream);
    pdf.finish(1, "", None).0
}

/// xorshift64*: deterministic, so a corpus regenerated from the same version is the same.
struct XorShift(u64);

impl XorShift {
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len.next_multiple_of(8)];
        for chunk in out.chunks_exact_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            chunk.copy_from_slice(&self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        out.truncate(len);
        out
    }
}
