//! The documented maximum of every input (README.md's "Limits" table lists them with their
//! codes), and the character rules for names and text shown to people.
//!
//! The appearance bounds also bound the output: every placement a signature draws costs the
//! revision a widget and its appearance, so the placements bound how far a signed file can
//! grow beyond its upload (README.md states the margin).

/// Invitee slots in one workflow: a loan's borrowers, co-borrowers, guarantors, the lender's
/// signatories and witnesses stay well below it.
pub const MAX_SLOTS: usize = 50;
/// Appearance entries (`appearances[]`) in one slot.
pub const MAX_APPEARANCES_PER_SLOT: usize = 20;
/// Appearance entries across all slots of a workflow.
pub const MAX_APPEARANCES_PER_WORKFLOW: usize = 100;
/// Page numbers in one appearance's list (`"1,3,5"`).
pub const MAX_PAGE_LIST: usize = 500;
/// Widgets one signature draws: every appearance of the slot on every page its spec selects
/// (`A` on a 500-page agreement is 500).
pub const MAX_PLACEMENTS_PER_SIGNATURE: usize = 500;
/// Widgets all the signatures of one document draw together.
pub const MAX_PLACEMENTS_PER_DOCUMENT: usize = 2_000;
/// The workflow's `message`, sent in the invitation mail.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// The workflow's `name`.
pub const MAX_WORKFLOW_NAME_CHARS: usize = 255;
/// A slot's `label`.
pub const MAX_LABEL_CHARS: usize = 100;
/// Webhook and redirect URLs.
pub const MAX_URL_BYTES: usize = 2_048;
/// Static webhook headers of one slot.
pub const MAX_WEBHOOK_HEADERS: usize = 20;
pub const MAX_WEBHOOK_HEADER_NAME_BYTES: usize = 100;
pub const MAX_WEBHOOK_HEADER_VALUE_BYTES: usize = 4_096;
/// Entries of a slot's `verification` block.
pub const MAX_VERIFICATION_ENTRIES: usize = 20;
/// A `verification` string value (a name, a pincode, a state).
pub const MAX_VERIFICATION_VALUE_CHARS: usize = 255;
/// `file.name`, the document's name.
pub const MAX_DOCUMENT_NAME_CHARS: usize = 255;
/// `irn`, as API.md section 0 says.
pub const MAX_IRN_CHARS: usize = 255;
/// An invitee's (or a cc recipient's) name.
pub const MAX_INVITEE_NAME_CHARS: usize = 100;
/// `cc` recipients of one request.
pub const MAX_CC: usize = 20;
/// A mail address, as SMTP allows (RFC 5321's path limit).
pub const MAX_EMAIL_BYTES: usize = 254;
/// A typed mark's text.
pub const MAX_MARK_TEXT_CHARS: usize = 100;
/// A drawn mark's PNG, decoded. A hand-drawn signature is tens of kilobytes.
pub const MAX_MARK_PNG_BYTES: usize = 1024 * 1024;
/// The reason given for a rejection.
pub const MAX_REJECT_REASON_CHARS: usize = 1_000;
/// A `neslData` text field (a loan number, a name, an id): one line.
pub const MAX_NESL_TEXT_CHARS: usize = 255;
/// A `neslData` address, description or remark.
pub const MAX_NESL_ADDRESS_CHARS: usize = 1_000;
/// Digits before the point of a `neslData` amount: 14 holds any loan in rupees (below 10^14,
/// a hundred lakh crore) with room to spare.
pub const MAX_NESL_AMOUNT_DIGITS: usize = 14;
/// Entries of each `neslData` array (`stampData`, `participants`, `neslSecurities`): as many as
/// a workflow has slots.
pub const MAX_NESL_ITEMS: usize = MAX_SLOTS;

/// Characters refused in names and marks: C0 and C1 controls, DEL, and the bidirectional
/// embeddings, overrides and isolates, which make a name read differently from what it holds
/// (`invoice` U+202E `fdp.exe` shows as `invoiceexe.pdf`).
pub fn forbidden_in_name(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Free text such as a message or a reason keeps its line breaks and tabs.
pub fn forbidden_in_text(c: char) -> bool {
    !matches!(c, '\n' | '\r' | '\t') && forbidden_in_name(c)
}

/// Why `value` is not an acceptable name of at most `max` characters, if it is not: it must
/// hold something besides spaces.
pub fn name_problem(value: &str, max: usize) -> Option<String> {
    if value.trim().is_empty() {
        return Some("required".into());
    }
    text_problem(value, max, forbidden_in_name)
}

/// Why `value` is not acceptable text of at most `max` characters, if it is not.
pub fn text_problem(value: &str, max: usize, forbidden: fn(char) -> bool) -> Option<String> {
    if value.chars().count() > max {
        return Some(format!("at most {max} characters"));
    }
    if let Some(c) = value.chars().find(|c| forbidden(*c)) {
        return Some(format!(
            "control and text-direction characters are not allowed (found U+{:04X})",
            c as u32
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_controls_and_direction_overrides() {
        assert_eq!(name_problem("Asha Rao", 100), None);
        assert_eq!(name_problem("आशा", 100), None);
        assert_eq!(name_problem(" ", 100).as_deref(), Some("required"));
        assert!(name_problem(&"x".repeat(101), 100).unwrap().contains("100"));
        for bad in [
            "a\u{0}b",
            "a\tb",
            "a\nb",
            "a\u{1f}b",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{9f}b",
            "a\u{202A}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2069}b",
        ] {
            assert!(
                name_problem(bad, 100).unwrap().contains("U+"),
                "{bad:?} accepted"
            );
        }
        // Marks that are not direction controls stay: joiners shape Indic scripts.
        assert_eq!(name_problem("क्\u{200D}ष", 100), None);
    }

    #[test]
    fn text_keeps_line_breaks() {
        assert_eq!(
            text_problem("Dear Asha,\r\n\tplease sign", 100, forbidden_in_text),
            None
        );
        assert!(text_problem("a\u{1b}[31m", 100, forbidden_in_text).is_some());
        assert!(text_problem("a\u{202E}", 100, forbidden_in_text).is_some());
    }
}
