//! Opening PDFs: what the reader reports about real files, and the specific refusals.

mod support;

use signet_pdf::{Document, Limits};
use support::corpus::corpus;

fn open(name: &str) -> Vec<u8> {
    std::fs::read(corpus().path(name)).unwrap()
}

#[test]
fn reports_page_count_and_sizes() {
    let bytes = open("rotate-cropbox.pdf");
    let doc = Document::open(&bytes, &Limits::default()).unwrap();
    // qpdf's count is an independent reading.
    let expected = support::qpdf_page_count(corpus().path("rotate-cropbox.pdf"));
    assert_eq!(doc.pages().len(), expected);
    // Rotated pages report their displayed size with width and height swapped.
    for p in doc.pages() {
        let (w, h) = p.displayed_size();
        let (cw, ch) = (p.crop_box[2] - p.crop_box[0], p.crop_box[3] - p.crop_box[1]);
        if p.rotate % 180 == 0 {
            assert_eq!((w, h), (cw, ch));
        } else {
            assert_eq!((w, h), (ch, cw));
        }
    }
    assert!(doc.pages().iter().any(|p| p.rotate == 90));
    assert!(doc.pages().iter().any(|p| p.crop_box != p.media_box));
    let big = open("pages-1000.pdf");
    assert_eq!(
        Document::open(&big, &Limits::default())
            .unwrap()
            .pages()
            .len(),
        1000
    );
}

#[test]
fn versions_from_1_3_to_2_0() {
    for (name, version) in [("pdf-1.3-classic-xref.pdf", "1.3"), ("pdf-2.0.pdf", "2.0")] {
        let bytes = open(name);
        assert_eq!(
            Document::open(&bytes, &Limits::default())
                .unwrap()
                .version(),
            version
        );
    }
}

#[test]
fn a_file_over_the_limit_is_refused_before_parsing() {
    let bytes = open("krilla-3-pages.pdf");
    let limits = Limits {
        max_file_size: bytes.len() - 1,
        ..Limits::default()
    };
    let err = Document::open(&bytes, &limits).err().unwrap();
    assert_eq!(err.code(), "file.too.large");
    assert!(err.to_string().contains(&bytes.len().to_string()));
}

#[test]
fn too_many_pages_is_a_limit_not_a_hang() {
    let bytes = open("pages-1000.pdf");
    let limits = Limits {
        max_pages: 999,
        ..Limits::default()
    };
    assert_eq!(
        Document::open(&bytes, &limits).err().unwrap().code(),
        "file.pdf.limit"
    );
}

#[test]
fn a_document_without_pages_is_refused() {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [] /Count 0 >>",
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 3\n0000000000 65535 f\r\n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    assert_eq!(
        Document::open(&pdf, &Limits::default())
            .err()
            .unwrap()
            .code(),
        "file.pdf.no.pages"
    );
}

#[test]
fn every_truncation_of_a_real_file_is_an_error_or_a_repair_never_a_panic() {
    let bytes = open("qpdf-object-streams.pdf");
    for cut in (0..bytes.len()).step_by(97) {
        if let Ok(doc) = Document::open(&bytes[..cut], &Limits::default()) {
            assert!(
                doc.was_repaired() || cut > bytes.len() - 64,
                "cut at {cut} opened cleanly"
            );
        }
    }
}
