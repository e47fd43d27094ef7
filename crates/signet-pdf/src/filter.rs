//! Decoding the streams the reader itself needs (cross-reference and object streams, embedded
//! files), with a hard cap on output so a compression bomb costs nothing.

use std::io::Read;

use crate::error::{Error, Result};
use crate::object::{Dict, Object, Stream};

/// Decodes a stream's data through its filters, producing at most `limit` bytes.
pub fn decode(stream: &Stream, limit: usize) -> Result<Vec<u8>> {
    let filters: Vec<&[u8]> = match stream.dict.get("Filter") {
        None | Some(Object::Null) => vec![],
        Some(Object::Name(n)) => vec![n.as_bytes()],
        Some(Object::Array(a)) => a.iter().filter_map(Object::as_name).collect(),
        Some(_) => return Err(Error::corrupt(0, "stream /Filter is not a name")),
    };
    let parms: Vec<Option<&Dict>> = match stream.dict.get("DecodeParms") {
        Some(Object::Array(a)) => a.iter().map(Object::as_dict).collect(),
        Some(o) => vec![o.as_dict()],
        None => vec![],
    };
    let mut data = stream.data.clone();
    for (i, f) in filters.iter().enumerate() {
        data = match *f {
            b"FlateDecode" | b"Fl" => inflate(&data, limit)?,
            // The reader decrypted the stream before decoding it (see crypt.rs).
            b"Crypt" => data,
            other => {
                return Err(Error::corrupt(
                    0,
                    format!(
                        "unsupported filter /{} in a structural stream",
                        String::from_utf8_lossy(other)
                    ),
                ));
            }
        };
        if let Some(p) = parms.get(i).copied().flatten() {
            data = unpredict(data, p)?;
        }
    }
    Ok(data)
}

fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let read = flate2::read::ZlibDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out);
    // A damaged tail is common in the wild; what decoded before it is usually complete.
    if read.is_err() && out.is_empty() {
        flate2::read::DeflateDecoder::new(data)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| Error::corrupt(0, format!("bad Flate data: {e}")))?;
    }
    if out.len() > limit {
        return Err(Error::Limit(format!(
            "a stream decodes to more than {limit} bytes"
        )));
    }
    Ok(out)
}

/// Reverses the PNG predictors (10–15) that cross-reference streams commonly use; TIFF
/// predictor 2 is also handled for completeness.
fn unpredict(data: Vec<u8>, parms: &Dict) -> Result<Vec<u8>> {
    let predictor = parms.get("Predictor").and_then(Object::as_int).unwrap_or(1);
    if predictor <= 1 {
        return Ok(data);
    }
    let get = |k: &str, d: i64| parms.get(k).and_then(Object::as_int).unwrap_or(d);
    let columns = get("Columns", 1);
    let colors = get("Colors", 1);
    let bpc = get("BitsPerComponent", 8);
    if !(1..=1 << 20).contains(&columns) || !(1..=32).contains(&colors) || !(1..=16).contains(&bpc)
    {
        return Err(Error::corrupt(0, "bad predictor parameters"));
    }
    let bpp = ((colors * bpc + 7) / 8) as usize;
    let row = ((columns * colors * bpc + 7) / 8) as usize;
    if predictor == 2 {
        let mut data = data;
        if bpc == 8 {
            for line in data.chunks_mut(row) {
                for i in bpp..line.len() {
                    line[i] = line[i].wrapping_add(line[i - bpp]);
                }
            }
        }
        return Ok(data);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let (kind, src) = (chunk[0], &chunk[1..]);
        let mut cur = vec![0u8; row];
        cur[..src.len()].copy_from_slice(src);
        for i in 0..row {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let upleft = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = cur[i].wrapping_add(match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, upleft),
                _ => return Err(Error::corrupt(0, "bad PNG predictor tag")),
            });
        }
        out.extend_from_slice(&cur[..src.len()]);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflates_and_caps_output() {
        let s = Stream::deflated(Dict::new(), &vec![7u8; 100_000]);
        assert_eq!(decode(&s, 1 << 20).unwrap().len(), 100_000);
        assert!(matches!(decode(&s, 1000), Err(Error::Limit(_))));
    }

    #[test]
    fn png_up_predictor() {
        // Two rows of 3 columns with the Up filter: second row adds to the first.
        let raw = [2u8, 1, 2, 3, 2, 1, 1, 1];
        let mut s = Stream::deflated(Dict::new(), &raw);
        s.dict.set(
            "DecodeParms",
            Dict::new().with("Predictor", 12i64).with("Columns", 3i64),
        );
        assert_eq!(decode(&s, 1 << 20).unwrap(), vec![1, 2, 3, 2, 3, 4]);
    }
}
