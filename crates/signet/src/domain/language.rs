//! The language an invitee is written to in: it picks the wording of their mail.

/// A language Signet has wording for. Stored in `invitations.language` as its BCP 47 tag
/// (`en`, `hi`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    English,
    Hindi,
}

impl Language {
    /// The language of a stored tag. A tag this build has no wording for (one written by a
    /// newer version) falls back to English: the invitee still gets their link.
    pub fn from_tag(tag: &str) -> Language {
        match tag.trim() {
            "hi" => Language::Hindi,
            _ => Language::English,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_tags_and_unknown_ones_are_english() {
        assert_eq!(Language::from_tag("en"), Language::English);
        assert_eq!(Language::from_tag("hi"), Language::Hindi);
        assert_eq!(Language::from_tag("ta"), Language::English);
        assert_eq!(Language::default(), Language::English);
    }
}
