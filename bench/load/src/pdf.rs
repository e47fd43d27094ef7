//! A valid one-page PDF of a requested size, written byte by byte.
//!
//! The bulk is an uncompressed grey image whose samples are pseudo-random, so the file cannot
//! be shrunk by any compression the server or the transport might apply: a "5 MB" request
//! really moves and hashes 5 MB. The image is drawn on the page, so the file is also a PDF a
//! viewer would show sensibly, not just one that parses.

/// Width of the image in samples (one byte each); the height follows from the size wanted.
const ROW: usize = 1024;

/// A PDF of about `kb` KiB (never less than a few hundred bytes of structure).
pub fn pdf_of_size(kb: usize, seed: u64) -> Vec<u8> {
    let rows = kb.max(1);
    let image = noise(ROW * rows, seed);
    let content = b"q 451 0 0 451 72 200 cm /Im Do Q";

    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |out: &mut Vec<u8>, head: String, stream: Option<&[u8]>| {
        offsets.push(out.len());
        out.extend_from_slice(head.as_bytes());
        if let Some(bytes) = stream {
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\nendstream");
        }
        out.extend_from_slice(b"\nendobj\n");
    };
    object(
        &mut out,
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>".into(),
        None,
    );
    object(
        &mut out,
        "2 0 obj\n<< /Type /Pages /Count 1 /Kids [3 0 R] >>".into(),
        None,
    );
    object(
        &mut out,
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /XObject << /Im 5 0 R >> >> >>"
            .into(),
        None,
    );
    object(
        &mut out,
        format!("4 0 obj\n<< /Length {} >>", content.len()),
        Some(content),
    );
    object(
        &mut out,
        format!(
            "5 0 obj\n<< /Type /XObject /Subtype /Image /Width {ROW} /Height {rows} \
             /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {} >>",
            image.len()
        ),
        Some(&image),
    );

    let xref = out.len();
    let size = offsets.len() + 1;
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes());
    for at in offsets {
        // Each entry is exactly 20 bytes, as the xref format requires.
        out.extend_from_slice(format!("{at:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// xorshift64 bytes: fast and, for Flate or gzip, incompressible.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xref_offsets_point_at_objects() {
        let pdf = pdf_of_size(3, 7);
        // Everything after the image is ASCII; the image itself is not, so read from the end.
        let tail = std::str::from_utf8(&pdf[pdf.len() - 40..]).unwrap();
        let startxref: usize = tail
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[startxref..].starts_with(b"xref\n0 6\n"));
        let entries = std::str::from_utf8(&pdf[startxref..]).unwrap();
        for (n, line) in entries.lines().skip(3).take(5).enumerate() {
            let at: usize = line[..10].parse().unwrap();
            let head = format!("{} 0 obj", n + 1);
            assert!(pdf[at..].starts_with(head.as_bytes()), "object {}", n + 1);
        }
    }

    #[test]
    fn size_is_about_what_was_asked() {
        let len = pdf_of_size(100, 1).len();
        assert!((100 * 1024..101 * 1024).contains(&len), "{len}");
    }
}
