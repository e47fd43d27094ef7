//! Pages whose boxes hold absurd numbers (`1e308`, huge negatives): a page whose visible box
//! (the crop box within the media box) no reader shows as a page is refused with its code;
//! any other box is carried into the signed output as a number every reader parses, so the
//! output passes `qpdf --check`.

mod support;

use signet_pdf::appearance::{Caption, Mark};
use signet_pdf::sign::{Placement, SignatureOptions, Visible, sign};
use signet_pdf::{Document, Limits};
use support::TempDir;
use support::corpus::corpus;
use support::signing::{check_all_validators, signer};

/// 1e308 as a PDF real: digits, no exponent (PDF has none), with a point so that it is a
/// real rather than an integer that overflows.
fn huge() -> String {
    format!("1{}.0", "0".repeat(308))
}

/// A one-page PDF whose page dictionary carries `boxes` (e.g. `/MediaBox [...]`).
fn pdf_with_page(boxes: &str) -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 700 Td (Hello) Tj ET";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R {boxes} /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
        )
        .into_bytes(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn visible_options() -> SignatureOptions {
    let mut o = SignatureOptions::new(time::OffsetDateTime::now_utc());
    o.visible = Some(Visible {
        mark: Mark::Typed {
            text: "Asha Rao".into(),
        },
        caption: Caption {
            signer_name: "Asha Rao".into(),
            signed_at: "03-12-2026 12:00:00 IST".into(),
            reason: None,
        },
        placements: vec![Placement {
            pages: "A".parse().unwrap(),
            rect: [50.0, 50.0, 250.0, 110.0],
        }],
    });
    o
}

#[test]
fn a_media_box_beyond_any_page_is_refused_with_its_code() {
    let pki = &corpus().pki;
    let s = signer(&pki.rsa2048, pki);
    let h = huge();
    for boxes in [
        format!("/MediaBox [0 0 {h} {h}]"),
        format!("/MediaBox [-{h} -{h} {h} {h}]"),
        "/MediaBox [0 0 595 842000000]".to_string(),
        format!("/MediaBox [0 0 {h} {h}] /CropBox [-5 -5 {h} {h}] /Rotate 90"),
    ] {
        let pdf = pdf_with_page(&boxes);
        let doc = Document::open(&pdf, &Limits::default()).unwrap();
        let e = doc.ensure_modifiable().unwrap_err();
        assert_eq!(e.code(), "file.page.box.invalid", "{boxes}");
        assert!(e.to_string().contains("page 1"), "{e}");
        let e = sign(&pdf, &visible_options(), &s, None).err().unwrap();
        assert_eq!(e.code(), "file.page.box.invalid", "{boxes}");
    }
}

/// The boxes that do not decide what a reader shows (a crop box beyond the media box, a media
/// box around a sane crop box, trim, bleed and art boxes) may hold anything: the page dictionary the signature rewrites keeps them as
/// numbers qpdf, pdfsig and pyHanko all read.
#[test]
fn other_absurd_boxes_are_signed_into_a_valid_file() {
    let pki = &corpus().pki;
    let s = signer(&pki.rsa2048, pki);
    let h = huge();
    let dir = TempDir::new("page-boxes");
    for (i, boxes) in [
        format!("/MediaBox [0 0 595 842] /CropBox [-{h} -{h} {h} {h}]"),
        format!(
            "/MediaBox [0 0 595 842] /TrimBox [0 0 {h} {h}] /BleedBox [-{h} 0 {h} 1] /ArtBox [0 0 99999999999999999999.5 5]"
        ),
        format!("/MediaBox [0 0 595 842] /CropBox [0 0 {h} {h}] /Rotate 270"),
        format!("/MediaBox [-{h} -{h} {h} {h}] /CropBox [0 0 595 842] /Rotate 90"),
    ]
    .iter()
    .enumerate()
    {
        let pdf = pdf_with_page(boxes);
        let input = dir.join(format!("input-{i}.pdf"));
        std::fs::write(&input, &pdf).unwrap();
        // The inputs themselves are clean for qpdf: any complaint afterwards is ours.
        support::qpdf_check(&input).unwrap();
        let doc = Document::open(&pdf, &Limits::default()).unwrap();
        assert_eq!(doc.pages()[0].crop_box, [0.0, 0.0, 595.0, 842.0], "{boxes}");
        let mut signed = pdf.clone();
        signed.extend_from_slice(&sign(&pdf, &visible_options(), &s, None).unwrap());
        let out = dir.join(format!("signed-{i}.pdf"));
        std::fs::write(&out, &signed).unwrap();
        check_all_validators(&out, 1, 0, &pki.root.cert_pem);
    }
}
