//! Page composition: turns an [`AuditTrail`] into A4 pages of positioned lines and boxes.
//!
//! Pure geometry in points, with y growing downwards from the top edge as in krilla, so the
//! pagination can be tested without writing a PDF. Rows of the event table never overlap the
//! footer: a row moves to the next page whole when it fits there, and only a row taller than a
//! whole page is split between lines.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::text::{ShapedLine, Weight, one_line, shape, wrap};
use super::{AuditTrail, hex};

pub(super) const PAGE_W: f32 = 595.28;
pub(super) const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 48.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const RIGHT: f32 = PAGE_W - MARGIN;
const TOP: f32 = 44.0;
/// Content ends here; the footer sits below.
const BOTTOM: f32 = PAGE_H - 64.0;
const FOOTER_RULE: f32 = PAGE_H - 50.0;

/// Event table columns (left edges) and the padding inside a row.
const COL_NUM: f32 = MARGIN + 6.0;
const COL_TIME: f32 = MARGIN + 32.0;
const COL_LABEL: f32 = MARGIN + 110.0;
const COL_VALUE: f32 = MARGIN + 168.0;
const CELL_RIGHT: f32 = RIGHT - 6.0;
const ROW_PAD: f32 = 5.0;
const ROW_LINE: f32 = 11.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rgb(pub u8, pub u8, pub u8);

const INK: Rgb = Rgb(0x1b, 0x21, 0x2c);
const MUTED: Rgb = Rgb(0x5c, 0x65, 0x73);
const ACCENT: Rgb = Rgb(0x1d, 0x3b, 0x63);
const RULE: Rgb = Rgb(0xd3, 0xd8, 0xdf);
const ZEBRA: Rgb = Rgb(0xf4, 0xf6, 0xf9);
const NOTE_BG: Rgb = Rgb(0xec, 0xf1, 0xf7);

#[derive(Debug, Clone, Copy)]
struct Style {
    weight: Weight,
    size: f32,
    color: Rgb,
}

const fn style(weight: Weight, size: f32, color: Rgb) -> Style {
    Style {
        weight,
        size,
        color,
    }
}

const BODY: Style = style(Weight::Regular, 8.5, INK);
const SMALL_MUTED: Style = style(Weight::Regular, 8.0, MUTED);
const LABEL: Style = style(Weight::Regular, 8.0, MUTED);
const HASH: Style = style(Weight::Regular, 8.0, INK);
const ACTION: Style = style(Weight::Bold, 8.5, INK);
const TITLE: Style = style(Weight::Bold, 22.0, ACCENT);
const HEADING: Style = style(Weight::Bold, 12.0, ACCENT);
const DOC_NAME: Style = style(Weight::Regular, 12.5, INK);
const TABLE_HEAD: Style = style(Weight::Bold, 7.5, MUTED);

#[derive(Debug, Clone)]
pub(super) enum Item {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        color: Rgb,
        line: ShapedLine,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
}

#[derive(Debug, Clone, Default)]
pub(super) struct Page {
    pub items: Vec<Item>,
}

/// One line of a table row: the pieces of each column that sit on it.
type RowLine = Vec<(f32, Style, ShapedLine)>;

/// Lays out the whole trail.
pub(super) fn compose(trail: &AuditTrail) -> Vec<Page> {
    let mut c = Composer::new(trail);
    c.title_block();
    c.summary();
    c.verification_note();
    c.events();
    c.finish()
}

struct Composer<'a> {
    trail: &'a AuditTrail,
    done: Vec<Page>,
    page: Page,
    y: f32,
    in_table: bool,
}

impl<'a> Composer<'a> {
    fn new(trail: &'a AuditTrail) -> Self {
        Composer {
            trail,
            done: Vec::new(),
            page: Page::default(),
            y: TOP,
            in_table: false,
        }
    }

    /// Draws `line` in a box of height `lh` whose top is `top`, centred on the capitals.
    fn put(&mut self, x: f32, top: f32, lh: f32, style: Style, line: ShapedLine) {
        if line.text.is_empty() {
            return;
        }
        self.page.items.push(Item::Text {
            x,
            baseline: top + lh * 0.5 + style.size * 0.36,
            size: style.size,
            color: style.color,
            line,
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.page.items.push(Item::Rect { x, y, w, h, color });
    }

    /// A paragraph across `width` at the cursor, breaking pages between lines.
    fn paragraph(&mut self, x: f32, width: f32, lh: f32, style: Style, text: &str) {
        for line in wrap(text, style.weight, style.size, width) {
            self.ensure(lh);
            self.put(x, self.y, lh, style, line);
            self.y += lh;
        }
    }

    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.page));
        self.y = TOP;
        self.running_header();
        if self.in_table {
            self.table_header();
        }
    }

    fn title_block(&mut self) {
        let generated = format!("Generated {}", self.trail.generated_at);
        let right = one_line(&generated, Weight::Regular, 8.0, CONTENT_W * 0.6);
        let right_x = RIGHT - right.width(8.0);
        self.put(
            MARGIN,
            self.y,
            10.0,
            SMALL_MUTED,
            shape("Signet".into(), Weight::Bold),
        );
        self.put(right_x, self.y, 10.0, SMALL_MUTED, right);
        self.y += 22.0;
        self.put(
            MARGIN,
            self.y,
            26.0,
            TITLE,
            shape("Audit trail".into(), Weight::Bold),
        );
        self.y += 30.0;
        let t = self.trail;
        self.paragraph(MARGIN, CONTENT_W, 16.0, DOC_NAME, &t.document_name);
        self.y += 6.0;
        self.rect(MARGIN, self.y, CONTENT_W, 1.2, ACCENT);
        self.y += 12.0;
    }

    fn summary(&mut self) {
        let t = self.trail;
        let head = t
            .hashes
            .last()
            .map(hex)
            .unwrap_or_else(|| "none (no events)".into());
        let rows: [(&str, String, Style); 6] = [
            ("Document ID", t.document_id.clone(), BODY),
            ("Original file SHA-256", hex(&t.original_sha256), HASH),
            ("Final signed file SHA-256", hex(&t.final_sha256), HASH),
            ("Events recorded", t.events.len().to_string(), BODY),
            ("Last event hash", head, HASH),
            ("Generated", t.generated_at.clone(), BODY),
        ];
        for (label, value, value_style) in rows {
            self.summary_row(label, &value, value_style);
        }
        self.y += 14.0;
    }

    /// One labelled row; kept on one page unless it is longer than a page (a hostile id).
    fn summary_row(&mut self, label: &str, value: &str, value_style: Style) {
        const LH: f32 = 12.0;
        const PAD: f32 = 3.5;
        let value_x = MARGIN + 140.0;
        let lines = wrap(value, value_style.weight, value_style.size, RIGHT - value_x);
        let height = lines.len().max(1) as f32 * LH + 2.0 * PAD;
        if height <= BOTTOM - TOP - RUNNING_HEADER_H {
            self.ensure(height);
        }
        self.y += PAD;
        self.ensure(LH);
        self.put(
            MARGIN,
            self.y,
            LH,
            LABEL,
            shape(label.into(), Weight::Regular),
        );
        for line in lines {
            self.ensure(LH);
            self.put(value_x, self.y, LH, value_style, line);
            self.y += LH;
        }
        self.y += PAD;
        self.rect(MARGIN, self.y - 0.25, CONTENT_W, 0.5, RULE);
    }

    fn verification_note(&mut self) {
        const PAD: f32 = 10.0;
        const LH: f32 = 11.5;
        let width = CONTENT_W - 2.0 * PAD;
        let note = wrap(NOTE, Weight::Regular, 8.5, width);
        let height = (note.len() + 1) as f32 * LH + 4.0 + 2.0 * PAD;
        self.ensure(height);
        self.rect(MARGIN, self.y, CONTENT_W, height, NOTE_BG);
        self.rect(MARGIN, self.y, 2.5, height, ACCENT);
        let mut top = self.y + PAD;
        let heading = shape("How to verify this record".into(), Weight::Bold);
        self.put(
            MARGIN + PAD,
            top,
            LH,
            style(Weight::Bold, 9.0, ACCENT),
            heading,
        );
        top += LH + 4.0;
        for line in note {
            self.put(MARGIN + PAD, top, LH, BODY, line);
            top += LH;
        }
        self.y += height + 20.0;
    }

    fn events(&mut self) {
        let count = self.trail.events.len();
        self.ensure(18.0 + 18.0 + 3.0 * ROW_LINE + 2.0 * ROW_PAD);
        self.put(
            MARGIN,
            self.y,
            16.0,
            HEADING,
            shape("Events".into(), Weight::Bold),
        );
        let events_w = shape("Events".into(), Weight::Bold).width(HEADING.size);
        let sub = format!(
            "{count} {}, oldest first",
            if count == 1 { "event" } else { "events" }
        );
        let sub_line = shape(sub, Weight::Regular);
        self.put(
            MARGIN + events_w + 8.0,
            self.y + 1.5,
            16.0,
            SMALL_MUTED,
            sub_line,
        );
        self.y += 22.0;
        self.in_table = true;
        self.table_header();
        for i in 0..count {
            let lines = self.event_row(i);
            self.place_row(i, lines);
        }
        self.in_table = false;
        self.y += 10.0;
        let end = if count == 0 {
            "No events were recorded for this document.".to_owned()
        } else {
            format!(
                "End of audit trail: {count} {}. The hash chain was recomputed when this record was generated and matches every event above.",
                if count == 1 { "event" } else { "events" }
            )
        };
        self.paragraph(MARGIN, CONTENT_W, 11.0, SMALL_MUTED, &end);
    }

    fn table_header(&mut self) {
        const H: f32 = 16.0;
        let top = self.y;
        let heads = [
            (COL_NUM, "#"),
            (COL_TIME, "TIME (UTC)"),
            (COL_LABEL, "EVENT"),
        ];
        for (x, text) in heads {
            self.put(x, top, H, TABLE_HEAD, shape(text.into(), Weight::Bold));
        }
        let note = shape(CHAIN_NOTE.into(), Weight::Regular);
        let note_x = CELL_RIGHT - note.width(TABLE_HEAD.size);
        self.put(
            note_x,
            top,
            H,
            style(Weight::Regular, TABLE_HEAD.size, MUTED),
            note,
        );
        self.rect(MARGIN, top + H, CONTENT_W, 0.8, MUTED);
        self.y += H + 1.0;
    }

    /// The lines of one event's row: number, time, and the labelled fields of the event.
    fn event_row(&self, index: usize) -> Vec<RowLine> {
        let event = &self.trail.events[index];
        let hash = self.trail.hashes.get(index).map(hex).unwrap_or_default();
        let value_w = CELL_RIGHT - COL_VALUE;
        let mut fields: Vec<(&str, Vec<ShapedLine>, Style)> = vec![
            (
                "Action",
                wrap(&event.action, Weight::Bold, 8.5, value_w),
                ACTION,
            ),
            (
                "Actor",
                wrap(&event.actor, Weight::Regular, 8.5, value_w),
                BODY,
            ),
        ];
        let optional = [
            ("IP address", event.ip.as_deref().unwrap_or("")),
            ("User agent", event.user_agent.as_deref().unwrap_or("")),
            ("Details", event.details.as_str()),
        ];
        for (label, value) in optional {
            let lines = wrap(value, Weight::Regular, 8.5, value_w);
            if !lines.is_empty() {
                fields.push((label, lines, BODY));
            }
        }
        fields.push((
            "Event hash",
            wrap(&hash, Weight::Regular, 8.0, value_w),
            HASH,
        ));

        let mut event_col: Vec<RowLine> = Vec::new();
        for (label, values, value_style) in fields {
            for (i, value) in values.into_iter().enumerate() {
                let mut line = vec![(COL_VALUE, value_style, value)];
                if i == 0 {
                    line.push((COL_LABEL, LABEL, shape(label.into(), Weight::Regular)));
                }
                event_col.push(line);
            }
        }
        let number = shape((index + 1).to_string(), Weight::Regular);
        let time = time_lines(&event.time, COL_LABEL - COL_TIME - 6.0);
        merge_columns(vec![vec![(COL_NUM, BODY, number)]], time, event_col)
    }

    /// Places a row, moving it to a fresh page when it does not fit but would there, and
    /// splitting it between lines only when it is taller than a page.
    fn place_row(&mut self, index: usize, mut lines: Vec<RowLine>) {
        let shaded = index % 2 == 1;
        while !lines.is_empty() {
            let fit = self.lines_that_fit();
            let whole_page = self.fresh_page_capacity();
            if fit < lines.len() && (fit == 0 || lines.len() <= whole_page) {
                self.new_page();
                continue;
            }
            let mut rest = lines.split_off(fit.min(lines.len()));
            self.draw_row_part(lines, shaded);
            if let Some(first) = rest.first_mut() {
                mark_continued(first, index);
                self.new_page();
            }
            lines = rest;
        }
    }

    fn lines_that_fit(&self) -> usize {
        let room = BOTTOM - self.y - 2.0 * ROW_PAD;
        if room <= 0.0 {
            0
        } else {
            (room / ROW_LINE).floor() as usize
        }
    }

    /// How many row lines a page holds below its running header and table header.
    fn fresh_page_capacity(&self) -> usize {
        let top = TOP + RUNNING_HEADER_H + TABLE_HEADER_H;
        ((BOTTOM - top - 2.0 * ROW_PAD) / ROW_LINE).floor() as usize
    }

    fn draw_row_part(&mut self, lines: Vec<RowLine>, shaded: bool) {
        let height = lines.len() as f32 * ROW_LINE + 2.0 * ROW_PAD;
        if shaded {
            self.rect(MARGIN, self.y, CONTENT_W, height, ZEBRA);
        }
        let mut top = self.y + ROW_PAD;
        for line in lines {
            for (x, style, text) in line {
                self.put(x, top, ROW_LINE, style, text);
            }
            top += ROW_LINE;
        }
        self.y += height;
        self.rect(MARGIN, self.y - 0.25, CONTENT_W, 0.5, RULE);
    }

    fn running_header(&mut self) {
        let title = shape("Audit trail".into(), Weight::Bold);
        let title_w = title.width(9.0);
        self.put(
            MARGIN,
            self.y,
            12.0,
            style(Weight::Bold, 9.0, ACCENT),
            title,
        );
        let name_x = MARGIN + title_w + 8.0;
        let name = one_line(
            &self.trail.document_name,
            Weight::Regular,
            9.0,
            RIGHT - name_x,
        );
        self.put(
            name_x,
            self.y,
            12.0,
            style(Weight::Regular, 9.0, MUTED),
            name,
        );
        self.rect(MARGIN, self.y + 16.0, CONTENT_W, 0.5, RULE);
        self.y += RUNNING_HEADER_H;
    }

    /// Adds the footer to every page, now that the page count is known.
    fn finish(mut self) -> Vec<Page> {
        self.done.push(std::mem::take(&mut self.page));
        let total = self.done.len();
        let id = format!("Document ID {}", self.trail.document_id);
        for (i, page) in self.done.iter_mut().enumerate() {
            let number = shape(format!("Page {} of {total}", i + 1), Weight::Regular);
            let number_x = RIGHT - number.width(8.0);
            let left = one_line(&id, Weight::Regular, 8.0, number_x - MARGIN - 20.0);
            let baseline = FOOTER_RULE + 16.0;
            page.items.push(Item::Rect {
                x: MARGIN,
                y: FOOTER_RULE,
                w: CONTENT_W,
                h: 0.5,
                color: RULE,
            });
            for (x, line) in [(MARGIN, left), (number_x, number)] {
                page.items.push(Item::Text {
                    x,
                    baseline,
                    size: 8.0,
                    color: MUTED,
                    line,
                });
            }
        }
        self.done
    }
}

const RUNNING_HEADER_H: f32 = 26.0;
const TABLE_HEADER_H: f32 = 17.0;

const CHAIN_NOTE: &str = "Each event hash chains to the hash of the event before it";

const NOTE: &str = "Each event below carries a SHA-256 hash that chains to the event before it: \
hash = SHA-256(previous event's hash ‖ the event's canonical JSON), starting from 32 zero bytes \
for the first event. Changing, removing or reordering any event changes its hash and every hash \
after it. The same events and hashes are attached to this PDF as the file audit-events.json, so \
software (for example signet verify) can recompute the chain without reading this page. The \
platform seals this PDF with its digital signature; any change to the file after sealing \
invalidates that signature.";

/// An RFC 3339 time as two lines, date then time, converted to UTC so that every row reads
/// the same way. Anything else is shown as given, wrapped.
fn time_lines(raw: &str, width: f32) -> Vec<RowLine> {
    let lines = match OffsetDateTime::parse(raw, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            let date = format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day());
            let clock = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
            vec![shape(date, Weight::Regular), shape(clock, Weight::Regular)]
        }
        Err(_) => wrap(raw, Weight::Regular, 8.5, width),
    };
    lines
        .into_iter()
        .map(|line| vec![(COL_TIME, BODY, line)])
        .collect()
}

/// Repeats the event number and says "(continued)" on the first line of a row's continuation
/// on a new page, so the part does not read as an event without a number or time.
fn mark_continued(line: &mut RowLine, index: usize) {
    let free = |line: &RowLine, col: f32| line.iter().all(|(x, _, _)| *x != col);
    if free(line, COL_NUM) {
        line.push((
            COL_NUM,
            BODY,
            shape((index + 1).to_string(), Weight::Regular),
        ));
    }
    if free(line, COL_TIME) {
        line.push((
            COL_TIME,
            LABEL,
            shape("(continued)".into(), Weight::Regular),
        ));
    }
}

/// Zips columns line by line into row lines.
fn merge_columns(a: Vec<RowLine>, b: Vec<RowLine>, c: Vec<RowLine>) -> Vec<RowLine> {
    let n = a.len().max(b.len()).max(c.len());
    let mut columns = [a.into_iter(), b.into_iter(), c.into_iter()];
    (0..n)
        .map(|_| {
            columns
                .iter_mut()
                .flat_map(|col| col.next().unwrap_or_default())
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{AuditEvent, chain};
    use super::*;

    fn trail(events: Vec<AuditEvent>) -> AuditTrail {
        AuditTrail {
            document_name: "Rental agreement".into(),
            document_id: "doc-1".into(),
            original_sha256: [1; 32],
            final_sha256: [2; 32],
            generated_at: "now".into(),
            hashes: chain(&events),
            events,
        }
    }

    fn event(details: &str) -> AuditEvent {
        AuditEvent {
            time: "2026-01-15T10:02:17+05:30".into(),
            actor: "आशा राव <asha@example.in>".into(),
            action: "document.signed".into(),
            ip: Some("2001:db8::1".into()),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0".into()),
            details: details.into(),
        }
    }

    fn texts(pages: &[Page]) -> Vec<(usize, f32, f32, f32, String)> {
        let mut out = Vec::new();
        for (p, page) in pages.iter().enumerate() {
            for item in &page.items {
                if let Item::Text {
                    x,
                    baseline,
                    size,
                    line,
                    ..
                } = item
                {
                    out.push((p, *x, x + line.width(*size), *baseline, line.text.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn all_text_stays_inside_the_margins() {
        let long = "x".repeat(3000) + " " + &"word ".repeat(400);
        let pages = compose(&trail(vec![event(&long), event(""), event("short")]));
        assert!(pages.len() >= 2);
        let continued = texts(&pages)
            .iter()
            .filter(|t| t.4 == "(continued)")
            .count();
        assert!(continued >= 1, "the long row is split and says so");
        for (page, left, right, baseline, text) in texts(&pages) {
            assert!(
                left >= MARGIN - 0.01 && right <= RIGHT + 0.01,
                "p{page} {left}..{right} {text:?}"
            );
            assert!(
                baseline > TOP && baseline < PAGE_H - 20.0,
                "p{page} y={baseline} {text:?}"
            );
        }
    }

    #[test]
    fn rows_never_run_into_the_footer() {
        let pages = compose(&trail((0..120).map(|i| event(&"d ".repeat(i))).collect()));
        for (page, _, _, baseline, text) in texts(&pages) {
            let footer = text.starts_with("Document ID") || text.starts_with("Page ");
            assert!(footer || baseline < BOTTOM, "p{page} y={baseline} {text:?}");
        }
    }

    #[test]
    fn huge_fields_everywhere_still_stay_between_header_and_footer() {
        let mut t = trail(vec![event(&"long ".repeat(3000))]);
        t.document_id = "id".repeat(4000);
        t.document_name = "name ".repeat(2000);
        t.generated_at = "g".repeat(3000);
        let pages = compose(&t);
        for (page, left, right, baseline, text) in texts(&pages) {
            let footer = baseline > FOOTER_RULE;
            assert!(footer || baseline < BOTTOM, "p{page} y={baseline} {text:?}");
            assert!(
                left >= MARGIN - 0.01 && right <= RIGHT + 0.01,
                "p{page} {text:?}"
            );
        }
    }

    #[test]
    fn times_are_shown_in_utc_and_bad_times_as_given() {
        let lines = time_lines("2026-01-15T10:02:17+05:30", 70.0);
        let text: Vec<String> = lines.iter().map(|l| l[0].2.text.clone()).collect();
        assert_eq!(text, ["2026-01-15", "04:32:17"]);
        let lines = time_lines("yesterday", 70.0);
        assert_eq!(lines[0][0].2.text, "yesterday");
    }

    #[test]
    fn every_page_has_a_footer_with_the_page_count() {
        let pages = compose(&trail((0..200).map(|_| event("x")).collect()));
        let n = pages.len();
        assert!(n > 3);
        let all = texts(&pages);
        for p in 0..n {
            let want = format!("Page {} of {n}", p + 1);
            assert!(all.iter().any(|t| t.0 == p && t.4 == want), "{want}");
        }
    }
}
