//! Drawn marks: an untrusted PNG from the signing page's canvas, decoded within fixed limits and
//! embedded as an image XObject with its alpha channel as a soft mask.
//!
//! Limits: at most [`MAX_PNG_BYTES`] of input, [`MAX_SIDE`] pixels a side and [`MAX_PIXELS`]
//! pixels, and the decoder's own buffers are capped at [`DECODER_BYTES`]. The decoded image
//! takes at most 4 bytes a pixel (64 MiB), and its split into colour and alpha as much again,
//! so one drawn mark costs at most about 130 MiB while it is prepared.

use std::io::Cursor;

use png::{BitDepth, ColorType, Decoder, Limits, Transformations};

use crate::object::{Allocate, Dict, ObjRef, Object, Stream};
use crate::{Error, Result};

pub const MAX_PNG_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_SIDE: u32 = 4096;
pub const MAX_PIXELS: u64 = 16 * 1024 * 1024;
/// Intermediate buffers the png crate may allocate (rows, text and ICC chunks).
pub const DECODER_BYTES: usize = 64 * 1024 * 1024;
/// Drawings are scaled down to this many pixels on their longer side before embedding: a
/// signature box is a few centimetres wide, so more only makes the signed PDF bigger.
pub const EMBED_MAX_SIDE: u32 = 1200;
/// Pixels at most this opaque count as background when trimming: canvas anti-aliasing and
/// compression leave faint specks far from the strokes.
const TRIM_ALPHA: u8 = 8;

/// A decoded image: 8-bit samples, gray or RGB, with an optional alpha plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    pub gray: bool,
    pub color: Vec<u8>,
    pub alpha: Option<Vec<u8>>,
}

impl Raster {
    fn channels(&self) -> usize {
        if self.gray { 1 } else { 3 }
    }
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::Image(what.to_string())
}

/// Decodes an untrusted PNG: 8- or 16-bit, gray, RGB, palette, with or without alpha or tRNS.
pub fn decode_png(bytes: &[u8]) -> Result<Raster> {
    if bytes.len() > MAX_PNG_BYTES {
        return Err(bad(format!(
            "the PNG is {} bytes, over the limit of {MAX_PNG_BYTES}",
            bytes.len()
        )));
    }
    let mut decoder = Decoder::new_with_limits(
        Cursor::new(bytes),
        Limits {
            bytes: DECODER_BYTES,
        },
    );
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    decoder.set_transformations(Transformations::normalize_to_color8());
    let (width, height) = decoder
        .read_header_info()
        .map_err(|e| bad(format!("not a PNG: {e}")))?
        .size();
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(bad(format!(
            "the PNG is {width}x{height} pixels; at most {MAX_SIDE}x{MAX_SIDE} are accepted"
        )));
    }
    let mut reader = decoder
        .read_info()
        .map_err(|e| bad(format!("not a PNG: {e}")))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| bad("the PNG is too large"))?;
    let mut buf = vec![0u8; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| bad(format!("the PNG is damaged: {e}")))?;
    if info.bit_depth != BitDepth::Eight || (info.width, info.height) != (width, height) {
        return Err(bad("unexpected PNG sample layout"));
    }
    let (channels, gray, has_alpha) = match info.color_type {
        ColorType::Grayscale => (1, true, false),
        ColorType::GrayscaleAlpha => (2, true, true),
        ColorType::Rgb => (3, false, false),
        ColorType::Rgba => (4, false, true),
        ColorType::Indexed => return Err(bad("unexpected PNG palette output")),
    };
    let (w, h) = (width as usize, height as usize);
    let line = info.line_size;
    if line < w * channels || buf.len() < line * h {
        return Err(bad("unexpected PNG row size"));
    }
    let color_channels = if gray { 1 } else { 3 };
    let mut color = Vec::with_capacity(w * h * color_channels);
    let mut alpha = has_alpha.then(|| Vec::with_capacity(w * h));
    for row in buf.chunks(line).take(h) {
        for px in row[..w * channels].chunks_exact(channels) {
            color.extend_from_slice(&px[..color_channels]);
            if let Some(a) = alpha.as_mut() {
                a.push(px[channels - 1]);
            }
        }
    }
    Ok(Raster {
        width,
        height,
        gray,
        color,
        alpha,
    })
}

/// Cuts away the transparent margin a canvas leaves around the strokes, keeping a little air,
/// so the drawing fills the box; drops an alpha plane that is fully opaque. An image that is
/// transparent everywhere is refused: it would sign with an invisible mark.
pub fn trim(r: Raster) -> Result<Raster> {
    let Some(alpha) = &r.alpha else {
        return Ok(r);
    };
    let (w, h) = (r.width as usize, r.height as usize);
    if w == 0 || h == 0 || alpha.len() < w * h || r.color.len() < w * h * r.channels() {
        return Err(bad("the drawing is empty"));
    }
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (y, row) in alpha.chunks_exact(w).enumerate() {
        let mut xs = row.iter().enumerate().filter(|(_, a)| **a > TRIM_ALPHA);
        if let Some((first, _)) = xs.next() {
            let last = xs.next_back().map_or(first, |(x, _)| x);
            x0 = x0.min(first);
            x1 = x1.max(last);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if x0 == usize::MAX {
        return Err(bad("the drawing is empty"));
    }
    let margin = ((x1 - x0).max(y1 - y0) / 40).max(1);
    let (x0, y0) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
    let (x1, y1) = ((x1 + margin).min(w - 1), (y1 + margin).min(h - 1));
    let (nw, nh) = (x1 - x0 + 1, y1 - y0 + 1);
    let ch = r.channels();
    let mut color = Vec::with_capacity(nw * nh * ch);
    let mut new_alpha = Vec::with_capacity(nw * nh);
    for y in y0..=y1 {
        color.extend_from_slice(&r.color[(y * w + x0) * ch..(y * w + x1 + 1) * ch]);
        new_alpha.extend_from_slice(&alpha[y * w + x0..=y * w + x1]);
    }
    let opaque = new_alpha.iter().all(|a| *a == 255);
    Ok(Raster {
        width: nw as u32,
        height: nh as u32,
        gray: r.gray,
        color,
        alpha: (!opaque).then_some(new_alpha),
    })
}

/// Scales down so the longer side is at most `max_side`, averaging each pixel's source area.
/// Colours are weighted by alpha, so the transparent (usually black) background does not
/// darken the edges of the strokes.
pub fn downscale(r: Raster, max_side: u32) -> Raster {
    let long = r.width.max(r.height);
    if long <= max_side || max_side == 0 {
        return r;
    }
    let scale = f64::from(max_side) / f64::from(long);
    let nw = ((f64::from(r.width) * scale).round() as usize).max(1);
    let nh = ((f64::from(r.height) * scale).round() as usize).max(1);
    let (w, h) = (r.width as usize, r.height as usize);
    let ch = r.channels();
    let span = |i: usize, n: usize, src: usize| {
        let start = i * src / n;
        let end = ((i + 1) * src / n).max(start + 1).min(src);
        start..end
    };
    let mut color = Vec::with_capacity(nw * nh * ch);
    let mut alpha = r.alpha.as_ref().map(|_| Vec::with_capacity(nw * nh));
    for ny in 0..nh {
        let ys = span(ny, nh, h);
        for nx in 0..nw {
            let xs = span(nx, nw, w);
            let mut sum = [0u64; 3];
            let mut weight = 0u64;
            let mut count = 0u64;
            for y in ys.clone() {
                for x in xs.clone() {
                    let i = y * w + x;
                    let a = r.alpha.as_ref().map_or(255, |a| u64::from(a[i]));
                    for (c, s) in sum.iter_mut().enumerate().take(ch) {
                        *s += u64::from(r.color[i * ch + c]) * a;
                    }
                    weight += a;
                    count += 1;
                }
            }
            for s in sum.iter().take(ch) {
                color.push(s.checked_div(weight).unwrap_or(0) as u8);
            }
            if let Some(a) = alpha.as_mut() {
                a.push((weight / count.max(1)) as u8);
            }
        }
    }
    Raster {
        width: nw as u32,
        height: nh as u32,
        gray: r.gray,
        color,
        alpha,
    }
}

/// Most bytes a drawn mark's image (colour and soft mask, compressed) adds to a signature.
/// A canvas drawing compresses to a few kilobytes; noise or a photo does not, and is scaled
/// down until it fits, so that no drawn mark makes a signed file much larger than its input.
pub const MAX_EMBEDDED_BYTES: usize = 256 * 1024;

/// Adds the image XObject (and its soft mask) to `sink`, within [`MAX_EMBEDDED_BYTES`];
/// returns the object and the raster as embedded.
pub fn embed(r: Raster, sink: &mut impl Allocate) -> (ObjRef, Raster) {
    let base = |r: &Raster, color_space: &str| {
        Dict::new()
            .with("Type", Object::name("XObject"))
            .with("Subtype", Object::name("Image"))
            .with("Width", i64::from(r.width))
            .with("Height", i64::from(r.height))
            .with("ColorSpace", Object::name(color_space))
            .with("BitsPerComponent", 8i64)
    };
    let mut r = r;
    loop {
        let color = Stream::deflated(
            base(&r, if r.gray { "DeviceGray" } else { "DeviceRGB" }),
            &r.color,
        );
        let smask = r
            .alpha
            .as_ref()
            .map(|alpha| Stream::deflated(base(&r, "DeviceGray"), alpha));
        let size = color.data.len() + smask.as_ref().map_or(0, |m| m.data.len());
        let long = r.width.max(r.height);
        // 64 pixels a side are at most 16 KiB raw: the loop always ends within the budget.
        if size <= MAX_EMBEDDED_BYTES || long <= 64 {
            let mut color = color;
            if let Some(smask) = smask {
                let smask = sink.add(smask.into());
                color.dict.set("SMask", smask);
            }
            return (sink.add(color.into()), r);
        }
        r = downscale(r, long / 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(w: u32, h: u32, color: ColorType, depth: BitDepth, data: &[u8]) -> Vec<u8> {
        encode_with(w, h, color, depth, data, |_| {})
    }

    fn encode_with(
        w: u32,
        h: u32,
        color: ColorType,
        depth: BitDepth,
        data: &[u8],
        setup: impl FnOnce(&mut png::Encoder<'static, &mut Vec<u8>>),
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(depth);
        setup(&mut enc);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(data).unwrap();
        wr.finish().unwrap();
        out
    }

    #[test]
    fn decodes_each_color_type() {
        let rgba = decode_png(&encode(
            2,
            1,
            ColorType::Rgba,
            BitDepth::Eight,
            &[1, 2, 3, 4, 5, 6, 7, 8],
        ))
        .unwrap();
        assert_eq!(
            (rgba.gray, rgba.color.clone(), rgba.alpha.clone()),
            (false, vec![1, 2, 3, 5, 6, 7], Some(vec![4, 8]))
        );

        let rgb = decode_png(&encode(1, 1, ColorType::Rgb, BitDepth::Eight, &[9, 8, 7])).unwrap();
        assert_eq!(
            (rgb.color.clone(), rgb.alpha.clone()),
            (vec![9, 8, 7], None)
        );

        let ga = decode_png(&encode(
            1,
            1,
            ColorType::GrayscaleAlpha,
            BitDepth::Eight,
            &[50, 60],
        ))
        .unwrap();
        assert_eq!(
            (ga.gray, ga.color.clone(), ga.alpha.clone()),
            (true, vec![50], Some(vec![60]))
        );

        // 16-bit samples are cut to their high byte.
        let g16 = decode_png(&encode(
            1,
            1,
            ColorType::Grayscale,
            BitDepth::Sixteen,
            &[0xAB, 0xCD],
        ))
        .unwrap();
        assert_eq!(g16.color, vec![0xAB]);

        // 1-bit gray expands to full 8-bit range.
        let g1 = decode_png(&encode(
            2,
            1,
            ColorType::Grayscale,
            BitDepth::One,
            &[0b1000_0000],
        ))
        .unwrap();
        assert_eq!(g1.color, vec![255, 0]);

        // A palette with a transparent entry becomes RGB plus alpha.
        let pal = decode_png(&encode_with(
            2,
            1,
            ColorType::Indexed,
            BitDepth::Eight,
            &[0, 1],
            |e| {
                e.set_palette(vec![255, 0, 0, 0, 0, 255]);
                e.set_trns(vec![0, 255]);
            },
        ))
        .unwrap();
        assert_eq!(
            (pal.color.clone(), pal.alpha.clone()),
            (vec![255, 0, 0, 0, 0, 255], Some(vec![0, 255]))
        );
    }

    #[test]
    fn refuses_bad_input() {
        for bytes in [
            &b""[..],
            b"not a png",
            &[0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0],
        ] {
            assert!(matches!(decode_png(bytes), Err(Error::Image(_))));
        }
        // Truncated image data.
        let png = encode(
            64,
            64,
            ColorType::Rgba,
            BitDepth::Eight,
            &vec![7; 64 * 64 * 4],
        );
        for cut in [png.len() / 2, png.len() - 20, 40] {
            assert!(
                matches!(decode_png(&png[..cut]), Err(Error::Image(_))),
                "cut at {cut}"
            );
        }
    }

    /// Makes an edited IHDR pass the decoder's checksum test again.
    fn fix_header_crc(png: &mut [u8]) {
        let mut crc = flate2::Crc::new();
        crc.update(&png[12..29]);
        png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    }

    #[test]
    fn refuses_oversized_images_before_decoding() {
        // The header claims 5000 x 10 pixels: refused from the header alone.
        let mut png = encode(1, 1, ColorType::Grayscale, BitDepth::Eight, &[0]);
        png[16..20].copy_from_slice(&5000u32.to_be_bytes());
        fix_header_crc(&mut png);
        assert!(matches!(decode_png(&png), Err(Error::Image(m)) if m.contains("5000x1")));
        // 4096 x 4097 is over the side limit; 4096 x 4096 is the largest accepted shape.
        png[16..20].copy_from_slice(&4096u32.to_be_bytes());
        png[20..24].copy_from_slice(&4097u32.to_be_bytes());
        fix_header_crc(&mut png);
        assert!(matches!(decode_png(&png), Err(Error::Image(m)) if m.contains("4096x4097")));
        assert!(matches!(
            decode_png(&vec![0; MAX_PNG_BYTES + 1]),
            Err(Error::Image(_))
        ));
    }

    /// Every single-byte corruption and every truncation of a small PNG decodes or fails
    /// cleanly; checksums are honoured, so this mostly exercises the chunk parser.
    #[test]
    fn corrupted_pngs_never_panic() {
        let mut data = vec![0u8; 40 * 30 * 4];
        for (i, b) in data.iter_mut().enumerate() {
            *b = (i * 7 % 251) as u8;
        }
        let png = encode(40, 30, ColorType::Rgba, BitDepth::Eight, &data);
        for i in 0..png.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut bad = png.clone();
                bad[i] ^= flip;
                let _ = decode_png(&bad).and_then(trim);
            }
            let _ = decode_png(&png[..i]);
        }
    }

    #[test]
    fn trims_transparent_margins_and_refuses_empty_drawings() {
        let (w, h) = (100u32, 50u32);
        let mut data = vec![0u8; (w * h * 4) as usize];
        for y in 20..30 {
            for x in 40..60 {
                let i = ((y * w + x) * 4) as usize;
                data[i..i + 4].copy_from_slice(&[0, 0, 200, 255]);
            }
        }
        let r = trim(decode_png(&encode(w, h, ColorType::Rgba, BitDepth::Eight, &data)).unwrap())
            .unwrap();
        assert_eq!((r.width, r.height), (22, 12));
        assert_eq!(r.color.len(), 22 * 12 * 3);
        assert!(r.alpha.is_some());

        let empty = vec![0u8; (w * h * 4) as usize];
        let r = decode_png(&encode(w, h, ColorType::Rgba, BitDepth::Eight, &empty)).unwrap();
        assert!(matches!(trim(r), Err(Error::Image(m)) if m.contains("empty")));
    }

    struct Sink(Vec<Object>);

    impl Allocate for Sink {
        fn add(&mut self, object: Object) -> ObjRef {
            self.0.push(object);
            ObjRef::new(self.0.len() as u32, 0)
        }
    }

    /// Noise does not compress: it is scaled down until its streams fit the budget, and a
    /// drawing keeps its size.
    #[test]
    fn embedded_images_stay_within_their_budget() {
        let (w, h) = (EMBED_MAX_SIDE, EMBED_MAX_SIDE);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut noise = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        };
        let n = (w * h) as usize;
        let raster = Raster {
            width: w,
            height: h,
            gray: false,
            color: (0..n * 3).map(|_| noise()).collect(),
            alpha: Some((0..n).map(|_| noise()).collect()),
        };
        let mut sink = Sink(vec![]);
        let (_, embedded) = embed(raster, &mut sink);
        let bytes: usize = sink
            .0
            .iter()
            .map(|o| match o {
                Object::Stream(s) => s.data.len(),
                _ => 0,
            })
            .sum();
        assert!(bytes <= MAX_EMBEDDED_BYTES, "{bytes}");
        assert!(embedded.width < w && embedded.width >= 64);
        assert_eq!(sink.0.len(), 2, "the image and its soft mask");

        let stroke = Raster {
            width: 300,
            height: 100,
            gray: true,
            color: vec![0; 30_000],
            alpha: Some(
                (0..30_000)
                    .map(|i| if i % 300 == 150 { 255 } else { 0 })
                    .collect(),
            ),
        };
        let (_, kept) = embed(stroke, &mut Sink(vec![]));
        assert_eq!((kept.width, kept.height), (300, 100));
    }

    #[test]
    fn downscales_with_alpha_weighting() {
        // Two pixels: opaque blue and transparent black. Their average is half-transparent
        // blue, not dark blue.
        let r = Raster {
            width: 2,
            height: 1,
            gray: false,
            color: vec![0, 0, 200, 0, 0, 0],
            alpha: Some(vec![255, 0]),
        };
        let d = downscale(r, 1);
        assert_eq!((d.width, d.height), (1, 1));
        assert_eq!(d.color, vec![0, 0, 200]);
        assert_eq!(d.alpha, Some(vec![127]));
    }
}
