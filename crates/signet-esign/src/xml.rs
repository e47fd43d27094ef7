//! What the message modules share: escaping for the writers, a bounded DTD-free reader, and
//! the lenient Base64 of the wire.

use crate::{Error, MAX_MESSAGE_BYTES, Result};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// Far more nodes than any message has (a response is a few dozen); a bound on the work a
/// hostile message can cause beyond the byte limit.
const NODES_LIMIT: u32 = 10_000;

/// Writes `value` escaped for an attribute in double quotes. Tabs and line breaks become
/// character references so they survive attribute-value normalisation on the other side;
/// characters XML 1.0 cannot carry at all become U+FFFD rather than a broken message.
pub(crate) fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out.push('"');
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Parses `xml` refusing DTDs (no entity expansion), oversized input and a root other than
/// `root`.
pub(crate) fn parse<'a>(xml: &'a str, root: &'static str) -> Result<roxmltree::Document<'a>> {
    if xml.len() > MAX_MESSAGE_BYTES {
        return Err(Error::Malformed(root));
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
    };
    let doc = roxmltree::Document::parse_with_options(xml, options)
        .map_err(|_| Error::Malformed(root))?;
    let element = doc.root_element();
    // The messages carry no namespace of their own; a namespaced root is another vocabulary.
    if element.tag_name().name() != root || element.tag_name().namespace().is_some() {
        return Err(Error::Malformed(root));
    }
    Ok(doc)
}

/// The attribute `name` (no namespace) of `node`, trimmed; `None` when absent or blank.
pub(crate) fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The element children of `node` called `name` (no namespace). Only direct children are
/// read, never the enveloped signature's subtree, whose content the signature doesn't cover.
pub(crate) fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

/// The text of an element (all its text children, which a CDATA section may split).
pub(crate) fn text(node: roxmltree::Node<'_, '_>) -> String {
    node.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64 as ESPs write it: wrapped at 64 or 76 columns, CRLF or LF, padding present or not.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT.decode(compact).ok()
}

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
