//! The audit-trail PDF, checked from outside with the tools a reader or verifier would use:
//! qpdf for structure, poppler's pdftotext for the text, pdfdetach for the attached JSON,
//! pdfinfo for the page count, and pdftoppm for a picture to look at.

use std::path::{Path, PathBuf};
use std::process::Command;

use signet_pdf::audit::{
    AuditEvent, AuditTrail, chain, check_chain, hex, parse_audit_json, render_audit_trail,
};

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("audit");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is required for this test: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const ASHA: &str = "आशा राव <asha.rao@example.in>";
const UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                  Chrome/131.0.6778.135 Mobile Safari/537.36";

/// A realistic signing journey, repeated: created, invited, viewed, signed, completed.
fn event(i: usize) -> AuditEvent {
    let (actor, action, details) = match i % 5 {
        0 => (
            "system",
            "document.created",
            "Uploaded \"Rental agreement.pdf\" (4 pages, 312 KB) through the API by account \
             ops@example.in.",
        ),
        1 => (
            ASHA,
            "invitation.sent",
            "Signing invitation e-mailed; link valid for 7 days.",
        ),
        2 => ("ஆஷா <asha@example.in>", "document.viewed", ""),
        3 => (
            ASHA,
            "document.signed",
            "Typed signature \"आशा राव\" on page 4 with consent to sign electronically; OTP \
             verified by SMS to +91 98•••••210.",
        ),
        _ => (
            "system",
            "document.completed",
            "All 1 signers have signed; sealed with the platform certificate.",
        ),
    };
    let from_browser = !matches!(i % 5, 0 | 4);
    let ip = if i.is_multiple_of(2) {
        "2001:db8:85a3::8a2e:370:7334"
    } else {
        "203.0.113.42"
    };
    AuditEvent {
        time: format!(
            "2026-01-15T{:02}:{:02}:{:02}+05:30",
            9 + (i / 3600) % 12,
            (i / 60) % 60,
            i % 60
        ),
        actor: actor.into(),
        action: action.into(),
        ip: from_browser.then(|| ip.into()),
        user_agent: from_browser.then(|| UA.into()),
        details: details.into(),
    }
}

fn trail(count: usize) -> AuditTrail {
    let events: Vec<AuditEvent> = (0..count).map(event).collect();
    AuditTrail {
        document_name: "Rental agreement — Flat 4B, आशा राव.pdf".into(),
        document_id: "01JH8Z6X4N3M2K1J0H9G8F7E6D".into(),
        original_sha256: std::array::from_fn(|i| i as u8),
        final_sha256: std::array::from_fn(|i| 255 - i as u8),
        generated_at: "15 January 2026, 10:05 UTC".into(),
        hashes: chain(&events),
        events,
    }
}

/// Renders, writes and checks what every audit trail must pass; returns the path.
fn render_and_check(name: &str, trail: &AuditTrail) -> PathBuf {
    let pdf = render_audit_trail(trail).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let path = out_dir().join(name);
    std::fs::write(&path, &pdf).unwrap();
    let path_str = path.to_str().unwrap();

    let check = run("qpdf", &["--check", path_str]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );

    let text = run("pdftotext", &["-enc", "UTF-8", path_str, "-"]);
    assert!(text.contains(&trail.document_id), "document id missing");
    assert!(text.contains(&hex(&trail.original_sha256)));
    assert!(text.contains(&hex(&trail.final_sha256)));
    for hash in &trail.hashes {
        assert!(
            text.contains(&hex(hash)),
            "event hash {} missing",
            hex(hash)
        );
    }

    // The verifier's path: take the attachment out with a third-party tool and recheck it.
    let json_path = out_dir().join(format!("{name}.json"));
    let json_str = json_path.to_str().unwrap();
    run(
        "pdfdetach",
        &["-savefile", "audit-events.json", "-o", json_str, path_str],
    );
    let data = parse_audit_json(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(&data, trail);
    assert_eq!(check_chain(&data.events, &data.hashes), Ok(()));
    path
}

#[test]
fn three_events_render_with_indian_scripts_and_the_attachment() {
    let trail = trail(3);
    let path = render_and_check("audit-3.pdf", &trail);
    let path_str = path.to_str().unwrap();
    let text = run("pdftotext", &["-enc", "UTF-8", path_str, "-"]);
    assert!(text.contains("आशा राव"), "Devanagari name missing:\n{text}");
    assert!(text.contains("ஆஷா"), "Tamil name missing:\n{text}");
    assert!(text.contains("Audit trail"));

    let fonts = run("pdffonts", &[path_str]);
    assert!(
        fonts.contains("NotoSansDevanagari") && fonts.contains("NotoSansTamil"),
        "{fonts}"
    );
    let embedded = fonts.lines().skip(2).all(|l| l.contains(" yes "));
    assert!(embedded, "every font embedded:\n{fonts}");
    let raw = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(
        raw.contains("<pdfaid:part>3</pdfaid:part>"),
        "PDF/A-3 identification"
    );
    assert!(raw.contains("<pdfaid:conformance>U</pdfaid:conformance>"));

    // For looking at: target/tmp/audit/audit-3-1.png
    let png_prefix = out_dir().join("audit-3");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            path_str,
            png_prefix.to_str().unwrap(),
        ],
    );
}

#[test]
fn every_bundled_script_is_shaped_and_extractable() {
    let names = [
        ("श्रीनिवास कृष्णमूर्ति", "NotoSansDevanagari"),
        ("রবীন্দ্রনাথ ঠাকুর", "NotoSansBengali"),
        ("કૃષ્ણ પટેલ", "NotoSansGujarati"),
        ("ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ", "NotoSansGurmukhi"),
        ("ಕೃಷ್ಣಮೂರ್ತಿ", "NotoSansKannada"),
        ("കൃഷ്ണൻ നായർ", "NotoSansMalayalam"),
        ("ପ୍ରଧାନ", "NotoSansOriya"),
        ("கிருஷ்ணன்", "NotoSansTamil"),
        ("శ్రీనివాస్ రెడ్డి", "NotoSansTelugu"),
    ];
    let events: Vec<AuditEvent> = names
        .iter()
        .map(|(name, _)| AuditEvent {
            actor: format!("{name} <x@example.in>"),
            ..event(2)
        })
        .collect();
    let trail = AuditTrail {
        hashes: chain(&events),
        events,
        ..trail(0)
    };
    let path = render_and_check("audit-scripts.pdf", &trail);
    let path_str = path.to_str().unwrap();
    let fonts = run("pdffonts", &[path_str]);
    // poppler puts spaces between some clusters of Indic text, so compare without spaces.
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let text = squeeze(&run("pdftotext", &["-enc", "UTF-8", path_str, "-"]));
    for (name, font) in names {
        assert!(fonts.contains(font), "{font} not used:\n{fonts}");
        assert!(text.contains(&squeeze(name)), "{name} not extractable");
    }
}

#[test]
fn five_hundred_events_paginate() {
    let trail = trail(500);
    let path = render_and_check("audit-500.pdf", &trail);
    let info = run("pdfinfo", &[path.to_str().unwrap()]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(pages > 20, "{pages} pages");
    let last = run(
        "pdftotext",
        &[
            "-f",
            &pages.to_string(),
            "-l",
            &pages.to_string(),
            path.to_str().unwrap(),
            "-",
        ],
    );
    assert!(last.contains(&format!("Page {pages} of {pages}")), "{last}");
    assert!(last.contains("End of audit trail: 500 events"), "{last}");
}

#[test]
fn hostile_text_renders_without_breaking_the_pdf() {
    let mut events = vec![AuditEvent {
        time: "not a time at all, and rather long for its column".into(),
        actor: "\u{0}\u{feff}\u{202e}evil\u{e000} 😀 سلام 中文 <x@y>".into(),
        action: "a".repeat(500),
        ip: Some(String::new()),
        user_agent: Some("(".repeat(2000)),
        details: "line\r\nline\n\n\n\n\ttab ".repeat(300) + &"ண்".repeat(400),
    }];
    events.push(event(3));
    let mut trail = trail(0);
    trail.document_name = "R&D <draft>\u{0}\u{1b}[31m ".to_owned() + &"x".repeat(5000);
    trail.document_id = "id with spaces and )( unbalanced \\ parens".into();
    trail.hashes = chain(&events);
    trail.events = events;
    let path = render_and_check("audit-hostile.pdf", &trail);

    // XMP is XML: no control characters, markup escaped.
    let raw = std::fs::read(path).unwrap();
    let start = find(&raw, b"<x:xmpmeta").expect("XMP metadata");
    let end = start + find(&raw[start..], b"</x:xmpmeta>").expect("end of XMP");
    let xmp = &raw[start..end];
    assert!(!xmp.iter().any(|&b| b < 0x20 && !b"\n\r\t".contains(&b)));
    assert!(find(xmp, b"R&amp;D &lt;draft&gt;[U+0000][U+001B][31m").is_some());
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn no_events_still_makes_a_document() {
    render_and_check("audit-0.pdf", &trail(0));
}
