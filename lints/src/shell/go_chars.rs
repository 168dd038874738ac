//! Character classes as the reference (written in Go) defines them, so names end where the
//! reference ends them: a letter is Unicode category L, a digit is category Nd, and a space is
//! the Unicode `White_Space` property (which Rust's `char::is_whitespace` already follows).

use unicode_general_category::{get_general_category, GeneralCategory};

/// Unicode category L (Lu, Ll, Lt, Lm, Lo).
pub(super) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
    )
}

/// Unicode category Nd (decimal digits of any script).
pub(super) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    get_general_category(c) == GeneralCategory::DecimalNumber
}

/// A character of a variable name after its first: a letter, a digit or `_`.
pub(super) fn is_name_char(c: char) -> bool {
    c == '_' || is_letter(c) || is_digit(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_unicode_categories_not_rust_properties() {
        assert!(is_letter('변') && is_letter('é') && !is_letter('_'));
        // Roman numeral (Nl) and superscript two (No): Rust calls them numeric, Go does not.
        assert!(!is_letter('Ⅻ') && !is_digit('Ⅻ') && !is_digit('²'));
        assert!(is_digit('٣') && is_name_char('_'));
        // A combining mark is alphabetic for Rust but not a letter for Go.
        assert!('\u{0345}'.is_alphabetic() && !is_letter('\u{0345}'));
    }
}
