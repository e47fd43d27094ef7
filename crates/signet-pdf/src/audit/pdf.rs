//! Writes composed pages with krilla as PDF/A-3b, with the JSON copy attached.

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::text::Font;
use krilla::{Document, SerializeSettings};
use time::OffsetDateTime;

use super::layout::{Item, PAGE_H, PAGE_W, Page, Rgb};
use super::text::{FONT_COUNT, FontId, ShapedLine, displayable};
use super::{AUDIT_JSON_NAME, AuditTrail};
use crate::error::{Error, Result};

/// PDF/A-3 because only PDF/A-3 allows the attached JSON. Level U because it also promises
/// that every glyph maps back to Unicode, so the record can be searched and copied; level B
/// is the fallback should krilla ever refuse a glyph mapping, since a sealed record with
/// weaker text extraction beats a document stuck without one.
pub(super) fn write(trail: &AuditTrail, pages: &[Page], json: &[u8]) -> Result<Vec<u8>> {
    match write_as(Archival::A3_U, trail, pages, json)? {
        Ok(pdf) => Ok(pdf),
        Err(KrillaError::Validation(_)) => {
            write_as(Archival::A3_B, trail, pages, json)?.map_err(krilla_error)
        }
        Err(e) => Err(krilla_error(e)),
    }
}

/// Our own failures in the outer result, krilla's refusal in the inner one.
fn write_as(
    archival: Archival,
    trail: &AuditTrail,
    pages: &[Page],
    json: &[u8],
) -> Result<Result<Vec<u8>, KrillaError>> {
    let now = pdf_now();
    let mut document = Document::new_with(settings(archival)?);
    document.set_metadata(metadata(trail, now));
    document
        .embed_file(attachment(json.to_vec(), now))
        .ok_or_else(|| Error::Audit(format!("{AUDIT_JSON_NAME} was attached twice")))?;
    let mut fonts = Fonts::default();
    for page in pages {
        let size = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| Error::Audit("invalid page size".into()))?;
        let mut pdf_page = document.start_page_with(size);
        let mut surface = pdf_page.surface();
        for item in &page.items {
            draw(&mut surface, item, &mut fonts)?;
        }
        surface.finish();
        pdf_page.finish();
    }
    Ok(document.finish())
}

fn settings(archival: Archival) -> Result<SerializeSettings> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(archival)
        .finish()
        .map_err(|e| Error::Audit(format!("PDF/A configuration: {e:?}")))?;
    Ok(SerializeSettings {
        configuration,
        // Levels B and U ask for no structure tree, and an empty one helps nobody.
        enable_tagging: false,
        ..SerializeSettings::default()
    })
}

fn metadata(trail: &AuditTrail, now: DateTime) -> Metadata {
    Metadata::new()
        .title(format!(
            "Audit trail: {}",
            metadata_text(&trail.document_name)
        ))
        .description(format!(
            "Audit trail of document {}",
            metadata_text(&trail.document_id)
        ))
        .creator("Signet".into())
        .producer(format!("Signet {}", env!("CARGO_PKG_VERSION")))
        .language("en".into())
        .creation_date(now)
}

/// Metadata goes into XMP, which is XML: control characters cannot appear there even escaped.
/// The length cap keeps the info dictionary well under PDF/A's string limit.
fn metadata_text(text: &str) -> String {
    displayable(text)
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .take(200)
        .collect()
}

fn attachment(json: Vec<u8>, now: DateTime) -> EmbeddedFile {
    EmbeddedFile {
        path: AUDIT_JSON_NAME.into(),
        mime_type: MimeType::new("application/json"),
        description: Some("The events of this audit trail and their hash chain, as JSON".into()),
        // The pages were derived from this data, which is what /AFRelationship /Data says.
        association_kind: AssociationKind::Data,
        data: json.into(),
        modification_date: Some(now),
        compress: Some(true),
        location: None,
    }
}

/// The creation date PDF/A requires. Wall-clock time on purpose: it records when this file
/// was made, which the caller's preformatted `generated_at` text cannot be parsed for.
fn pdf_now() -> DateTime {
    let t = OffsetDateTime::now_utc();
    DateTime::new(u16::try_from(t.year()).unwrap_or(9999))
        .month(u8::from(t.month()))
        .day(t.day())
        .hour(t.hour())
        .minute(t.minute())
        .second(t.second())
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// krilla fonts, made on first use: creating one hashes the whole font file.
#[derive(Default)]
struct Fonts([Option<Font>; FONT_COUNT]);

impl Fonts {
    fn get(&mut self, id: FontId) -> Result<Font> {
        let slot = &mut self.0[id.index()];
        if let Some(font) = slot {
            return Ok(font.clone());
        }
        let font = Font::new(id.data().into(), 0)
            .ok_or_else(|| Error::Audit(format!("bundled font {} is unreadable", id.index())))?;
        *slot = Some(font.clone());
        Ok(font)
    }
}

fn draw(surface: &mut Surface, item: &Item, fonts: &mut Fonts) -> Result<()> {
    match item {
        Item::Rect { x, y, w, h, color } => draw_rect(surface, *x, *y, *w, *h, *color),
        Item::Text {
            x,
            baseline,
            size,
            color,
            line,
        } => draw_line(surface, *x, *baseline, *size, *color, line, fonts)?,
    }
    Ok(())
}

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw_rect(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
    let Some(rect) = Rect::from_xywh(x, y, w, h) else {
        return; // zero or negative size: nothing to draw
    };
    let mut path = PathBuilder::new();
    path.push_rect(rect);
    if let Some(path) = path.finish() {
        surface.set_fill(Some(fill(color)));
        surface.draw_path(&path);
    }
}

fn draw_line(
    surface: &mut Surface,
    x: f32,
    baseline: f32,
    size: f32,
    color: Rgb,
    line: &ShapedLine,
    fonts: &mut Fonts,
) -> Result<()> {
    surface.set_fill(Some(fill(color)));
    let size = line.size(size);
    let mut pen = x;
    for run in &line.runs {
        let font = fonts.get(run.font)?;
        let start = Point::from_xy(pen, baseline);
        surface.draw_glyphs(start, &run.glyphs, font, &line.text, size, false);
        pen += run.advance * size;
    }
    Ok(())
}

/// krilla's errors name fonts by their whole data in `Debug`, so only the kinds are kept.
fn krilla_error(e: KrillaError) -> Error {
    let detail = match &e {
        KrillaError::Validation(errors) => errors
            .iter()
            .map(|(error, _)| validation_kind(error))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    Error::Audit(format!("writing the PDF failed: {e} {detail}"))
}

fn validation_kind(error: &krilla::configure::ValidationError) -> String {
    use krilla::configure::ValidationError as V;
    match error {
        V::ContainsNotDefGlyph(_, _, text) => format!("missing glyph for {text:?}"),
        V::InvalidCodepointMapping(_, _, c, _) => format!("invalid character U+{:04X}", *c as u32),
        other => {
            let debug = format!("{other:?}");
            debug.split(['(', ' ', '{']).next().unwrap_or("").to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AuditEvent, audit_json, chain, layout};
    use super::*;

    #[test]
    fn metadata_text_has_no_control_characters_and_a_bounded_length() {
        assert_eq!(metadata_text("a\u{0}b\r\nc"), "a[U+0000]b c");
        assert_eq!(metadata_text(&"x".repeat(1000)).len(), 200);
    }

    #[test]
    fn both_conformance_levels_write_a_pdf() {
        let events = vec![AuditEvent {
            time: "2026-01-15T09:30:00Z".into(),
            actor: "आशा राव".into(),
            action: "document.signed".into(),
            ip: None,
            user_agent: None,
            details: String::new(),
        }];
        let trail = AuditTrail {
            document_name: "ஆஷா".into(),
            document_id: "d".into(),
            original_sha256: [0; 32],
            final_sha256: [0; 32],
            generated_at: "now".into(),
            hashes: chain(&events),
            events,
        };
        let pages = layout::compose(&trail);
        let json = audit_json(&trail);
        for (archival, conformance) in [(Archival::A3_U, "U"), (Archival::A3_B, "B")] {
            let pdf = write_as(archival, &trail, &pages, &json).unwrap().unwrap();
            let text = String::from_utf8_lossy(&pdf).into_owned();
            let tag = format!("<pdfaid:conformance>{conformance}</pdfaid:conformance>");
            assert!(text.contains(&tag), "{tag}");
        }
    }
}
