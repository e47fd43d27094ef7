//! Writes a test PDF of a given page count and approximate size, with incompressible image
//! data so the size is real: `make_fixture PAGES MEGABYTES OUT.pdf`.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: make_fixture PAGES MEGABYTES OUT.pdf");
        std::process::exit(2);
    }
    let pages: usize = args[1].parse().expect("PAGES is a number");
    let megabytes: f64 = args[2].parse().expect("MEGABYTES is a number");
    let image_bytes = ((megabytes * 1024.0 * 1024.0) as usize / pages).max(3);
    let side = ((image_bytes / 3) as f64).sqrt().max(1.0) as usize;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[3])?);
    let mut pos = 0usize;
    let mut offsets = Vec::new();
    let mut emit =
        |out: &mut std::io::BufWriter<std::fs::File>, bytes: &[u8]| -> std::io::Result<usize> {
            out.write_all(bytes)?;
            let at = pos;
            pos += bytes.len();
            Ok(at)
        };

    emit(&mut out, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")?;
    // 1 catalog, 2 pages, 3 font, then per page: page, contents, image.
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 3 * i)).collect();
    offsets.push(emit(
        &mut out,
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
    )?);
    offsets.push(emit(
        &mut out,
        format!(
            "2 0 obj\n<< /Type /Pages /Count {pages} /Kids [{}] >>\nendobj\n",
            kids.join(" ")
        )
        .as_bytes(),
    )?);
    offsets.push(emit(
        &mut out,
        b"3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n",
    )?);
    let mut state = 0x2545F4914F6CDD1Du64;
    for i in 0..pages {
        let n = 4 + 3 * i;
        offsets.push(emit(&mut out, format!(
            "{n} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Im {} 0 R >> >> >>\nendobj\n",
            n + 1, n + 2).as_bytes())?);
        let content = format!(
            "BT /F1 18 Tf 72 780 Td (Page {} of {pages}) Tj ET q 451 0 0 451 72 200 cm /Im Do Q",
            i + 1
        );
        offsets.push(emit(
            &mut out,
            format!(
                "{} 0 obj\n<< /Length {} >>\nstream\n{content}\nendstream\nendobj\n",
                n + 1,
                content.len()
            )
            .as_bytes(),
        )?);
        let mut data = vec![0u8; side * side * 3];
        for b in data.iter_mut() {
            // xorshift: fast, incompressible enough that Flate would not shrink it.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        let head = format!(
            "{} 0 obj\n<< /Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {} >>\nstream\n",
            n + 2,
            data.len()
        );
        offsets.push(emit(
            &mut out,
            &[head.as_bytes(), &data, b"\nendstream\nendobj\n"].concat(),
        )?);
    }
    let xref = emit(&mut out, b"")?;

    let mut table = format!("xref\n0 {}\n0000000000 65535 f\r\n", offsets.len() + 1);
    for o in &offsets {
        table.push_str(&format!("{o:010} 00000 n\r\n"));
    }
    table.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        offsets.len() + 1
    ));
    emit(&mut out, table.as_bytes())?;
    out.flush()
}
