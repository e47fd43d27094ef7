//! Which pages a signature appears on, and where its widget goes on each of them.
//!
//! Clients give positions the way they see the page: points from the bottom-left corner of
//! the page as displayed, that is the crop box after `/Rotate`. Widgets live in default user
//! space, so [`widget_rect`] undoes the rotation and the crop box offset.

use std::str::FromStr;

use crate::{Error, Result};

/// Longest page selection accepted; a list of every page of a large document still fits.
pub const MAX_PAGE_SPEC_LEN: usize = 16 * 1024;

/// The API's page selection: `A` all, `F` first, `L` last, `E` even, `O` odd, or a list of
/// 1-based page numbers such as `"1,3"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSpec {
    All,
    First,
    Last,
    Even,
    Odd,
    /// 1-based page numbers, as the client wrote them.
    List(Vec<usize>),
}

impl FromStr for PageSpec {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self> {
        let bad = || Error::PageSpec(input.chars().take(64).collect());
        if input.len() > MAX_PAGE_SPEC_LEN {
            return Err(bad());
        }
        let s = input.trim();
        // Leegality clients send upper case; lower case is accepted because it is unambiguous.
        match s {
            "A" | "a" => return Ok(PageSpec::All),
            "F" | "f" => return Ok(PageSpec::First),
            "L" | "l" => return Ok(PageSpec::Last),
            "E" | "e" => return Ok(PageSpec::Even),
            "O" | "o" => return Ok(PageSpec::Odd),
            _ => {}
        }
        let mut pages = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            match part.parse::<usize>() {
                Ok(n) if n >= 1 => pages.push(n),
                _ => return Err(bad()),
            }
        }
        Ok(PageSpec::List(pages))
    }
}

impl PageSpec {
    /// The selected pages as 0-based indices, sorted and without duplicates.
    ///
    /// `E` on a one-page document selects nothing, which is not an error: a workflow's
    /// appearances are written once for documents of any length.
    pub fn select(&self, page_count: usize) -> Result<Vec<usize>> {
        if page_count == 0 {
            return Err(Error::NoPages);
        }
        Ok(match self {
            PageSpec::All => (0..page_count).collect(),
            PageSpec::First => vec![0],
            PageSpec::Last => vec![page_count - 1],
            PageSpec::Even => (1..page_count).step_by(2).collect(),
            PageSpec::Odd => (0..page_count).step_by(2).collect(),
            PageSpec::List(pages) => {
                let mut out = Vec::with_capacity(pages.len());
                for &p in pages {
                    if p == 0 || p > page_count {
                        return Err(Error::PageSpec(format!(
                            "page {p} of a {page_count}-page document"
                        )));
                    }
                    out.push(p - 1);
                }
                out.sort_unstable();
                out.dedup();
                out
            }
        })
    }
}

/// What [`widget_rect`] needs to know about a page; boxes as found in the page dictionary
/// (after inheritance), in any corner order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageGeometry {
    pub media_box: [f64; 4],
    /// The media box when the page has no crop box.
    pub crop_box: [f64; 4],
    pub rotate: i32,
}

impl PageGeometry {
    /// The rectangle readers show: the crop box clipped to the media box, as the PDF
    /// specification says; a crop box outside the media box is ignored.
    pub fn visible_box(&self) -> [f64; 4] {
        let m = normalize(self.media_box);
        let c = normalize(self.crop_box);
        let r = [
            m[0].max(c[0]),
            m[1].max(c[1]),
            m[2].min(c[2]),
            m[3].min(c[3]),
        ];
        if r[2] > r[0] && r[3] > r[1] { r } else { m }
    }

    /// The page size as the reader sees it: width and height after rotation.
    pub fn displayed_size(&self) -> (f64, f64) {
        let v = self.visible_box();
        let (w, h) = (v[2] - v[0], v[3] - v[1]);
        match normalize_rotation(self.rotate) {
            90 | 270 => (h, w),
            _ => (w, h),
        }
    }
}

/// `/Rotate` as 0, 90, 180 or 270. Negative multiples count the other way round; values that
/// are not multiples of 90 are invalid and readers ignore them, so they count as 0.
pub fn normalize_rotation(rotate: i32) -> i32 {
    match rotate.rem_euclid(360) {
        r @ (0 | 90 | 180 | 270) => r,
        _ => 0,
    }
}

/// Converts a placement rectangle `[x1, y1, x2, y2]`, given in points from the bottom-left of
/// the page as displayed, into the widget `/Rect` in default user space.
pub fn widget_rect(geometry: &PageGeometry, displayed: [f64; 4]) -> [f64; 4] {
    let v = geometry.visible_box();
    let rotate = normalize_rotation(geometry.rotate);
    // /Rotate turns the page clockwise for display, so going back means turning the
    // displayed point counter-clockwise around the visible box.
    let to_user = |u: f64, d: f64| -> (f64, f64) {
        match rotate {
            90 => (v[2] - d, v[1] + u),
            180 => (v[2] - u, v[3] - d),
            270 => (v[0] + d, v[3] - u),
            _ => (v[0] + u, v[1] + d),
        }
    };
    let (ax, ay) = to_user(displayed[0], displayed[1]);
    let (bx, by) = to_user(displayed[2], displayed[3]);
    normalize([ax, ay, bx, by])
}

/// The same rectangle with its corners ordered lower-left, upper-right.
pub fn normalize(r: [f64; 4]) -> [f64; 4] {
    [
        r[0].min(r[2]),
        r[1].min(r[3]),
        r[0].max(r[2]),
        r[1].max(r[3]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_letters_and_lists() {
        assert_eq!("A".parse::<PageSpec>().unwrap(), PageSpec::All);
        assert_eq!(" l ".parse::<PageSpec>().unwrap(), PageSpec::Last);
        assert_eq!("F".parse::<PageSpec>().unwrap(), PageSpec::First);
        assert_eq!("E".parse::<PageSpec>().unwrap(), PageSpec::Even);
        assert_eq!("O".parse::<PageSpec>().unwrap(), PageSpec::Odd);
        assert_eq!(
            "1,3".parse::<PageSpec>().unwrap(),
            PageSpec::List(vec![1, 3])
        );
        assert_eq!(
            "3, 1 ,3".parse::<PageSpec>().unwrap(),
            PageSpec::List(vec![3, 1, 3])
        );
    }

    #[test]
    fn refuses_bad_specs() {
        for bad in [
            "",
            " ",
            "0",
            "1,x",
            "Z",
            "1,,2",
            "1,",
            ",1",
            "-1",
            "+1",
            "1.5",
            "AL",
            "1-3",
            "99999999999999999999999",
        ] {
            match bad.parse::<PageSpec>() {
                Err(e @ Error::PageSpec(_)) => assert_eq!(e.code(), "appearance.page.invalid"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        let long = "1,".repeat(MAX_PAGE_SPEC_LEN);
        assert!(matches!(long.parse::<PageSpec>(), Err(Error::PageSpec(_))));
    }

    #[test]
    fn selects_zero_based_pages() {
        let sel = |s: &str, n| s.parse::<PageSpec>().unwrap().select(n).unwrap();
        assert_eq!(sel("A", 3), vec![0, 1, 2]);
        assert_eq!(sel("F", 3), vec![0]);
        assert_eq!(sel("L", 3), vec![2]);
        assert_eq!(sel("E", 5), vec![1, 3]);
        assert_eq!(sel("O", 5), vec![0, 2, 4]);
        assert_eq!(sel("E", 1), Vec::<usize>::new());
        assert_eq!(sel("3,1,3", 3), vec![0, 2]);
        assert!(matches!(
            PageSpec::List(vec![4]).select(3),
            Err(Error::PageSpec(_))
        ));
        assert!(matches!(PageSpec::All.select(0), Err(Error::NoPages)));
    }

    #[test]
    fn rotation_is_normalized() {
        assert_eq!(normalize_rotation(-90), 270);
        assert_eq!(normalize_rotation(450), 90);
        assert_eq!(normalize_rotation(45), 0);
        assert_eq!(normalize_rotation(i32::MIN), 0);
    }

    fn approx(a: [f64; 4], b: [f64; 4]) {
        for i in 0..4 {
            assert!((a[i] - b[i]).abs() < 1e-9, "{a:?} != {b:?}");
        }
    }

    /// A crop box at (100, 50), 400 wide and 600 tall, inside a larger media box. The
    /// placement is 20..70 across and 10..30 up, as the reader sees the page.
    #[test]
    fn widget_rect_for_each_rotation() {
        let geo = |rotate| PageGeometry {
            media_box: [0.0, 0.0, 612.0, 792.0],
            crop_box: [500.0, 650.0, 100.0, 50.0],
            rotate,
        };
        let placed = [20.0, 10.0, 70.0, 30.0];
        // Upright: just the crop box offset.
        approx(widget_rect(&geo(0), placed), [120.0, 60.0, 170.0, 80.0]);
        // 90: the displayed left edge is the user-space bottom edge, the displayed bottom
        // edge is the user-space right edge.
        approx(widget_rect(&geo(90), placed), [470.0, 70.0, 490.0, 120.0]);
        // 180: measured from the user-space top-right corner.
        approx(widget_rect(&geo(180), placed), [430.0, 620.0, 480.0, 640.0]);
        // 270: the displayed bottom edge is the user-space left edge.
        approx(widget_rect(&geo(270), placed), [110.0, 580.0, 130.0, 630.0]);
        approx(widget_rect(&geo(-90), placed), [110.0, 580.0, 130.0, 630.0]);
        assert_eq!(geo(90).displayed_size(), (600.0, 400.0));
        assert_eq!(geo(180).displayed_size(), (400.0, 600.0));
    }

    #[test]
    fn crop_box_is_clipped_to_media_box() {
        let g = PageGeometry {
            media_box: [0.0, 0.0, 300.0, 300.0],
            crop_box: [-50.0, -50.0, 200.0, 400.0],
            rotate: 0,
        };
        assert_eq!(g.visible_box(), [0.0, 0.0, 200.0, 300.0]);
        let outside = PageGeometry {
            crop_box: [400.0, 400.0, 500.0, 500.0],
            ..g
        };
        assert_eq!(outside.visible_box(), [0.0, 0.0, 300.0, 300.0]);
    }
}
