//! RB004: the Dockerfile has bytes that are not UTF-8.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Span;

pub static RULE: Rule = Rule {
    code: "RB004",
    name: "invalid-utf8",
    severity: Severity::Warning,
    severity_reason: "the builder reads bytes and builds the file unchanged; only the linter's view of those bytes is approximate",
    summary: "The Dockerfile has bytes that are not UTF-8",
    docs: Docs {
        what_it_does: "Reports the first byte of the file that is not UTF-8 (a file saved as \
Latin-1 or Windows-1252, say), once per file, at its line and column. The file is linted the way \
BuildKit reads it: BuildKit's parser works on bytes and does not check their encoding. The other \
rules see each invalid sequence as U+FFFD (`�`); positions after the first one are positions in \
that text: lines are unchanged, a replaced sequence counts as one column, and byte offsets (the \
JSON report's `offset`) are the file's up to the first invalid byte; after it, each replaced \
sequence of n bytes (3 for U+FFFD) shifts them by 3 - n: by 2 for a single byte. No fix is \
offered for such a file: its edits would write U+FFFD over the file's own bytes.",
        why_is_this_bad:
            "Tools disagree on what the bytes mean: editors, diffs and build logs show \
them differently, and in an instruction they reach the image unchanged (a file name in COPY, a \
LABEL or ENV value that a program later reads as UTF-8). A warning, not an error: the builder \
accepts the file and builds it as it is (`docker rbuild` sends the bytes unchanged), so nothing \
fails.",
        // The example stands for a file holding the byte E9 where the comment shows `\xE9`; the
        // rule's test lints it with that byte.
        example:
            "# Auteur: Ren\\xE9 (saved as Latin-1: the byte E9 is not UTF-8)\nFROM alpine:3.19\n",
        use_instead: "# Auteur: René (saved as UTF-8)\nFROM alpine:3.19\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[],
        pass: &[],
    },
    check: Checker::Engine,
};

/// The finding for `bytes` when they are not UTF-8: at the first invalid sequence, whose
/// offset is the same in the file and in the text linted in its place (see
/// [`crate::syntax::parse_bytes`]); its span is that sequence's U+FFFD. `None` for UTF-8.
pub fn first_invalid_utf8(bytes: &[u8]) -> Option<Finding> {
    // Nearly every file is UTF-8: the fast validator says so without splitting it in chunks.
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    let mut offset = 0;
    let mut invalid = bytes.utf8_chunks().filter_map(|chunk| {
        let start = offset + chunk.valid().len();
        offset = start + chunk.invalid().len();
        (!chunk.invalid().is_empty()).then_some((start, chunk.invalid()))
    });
    let (start, first) = invalid.next()?;
    let more = invalid.count();
    let hex: Vec<String> = first.iter().map(|b| format!("{b:02X}")).collect();
    let what = match hex.as_slice() {
        [one] => format!("the byte {one} is"),
        several => format!("the bytes {} are", several.join(" ")),
    };
    let more = match more {
        0 => String::new(),
        1 => " (1 more invalid sequence follows)".to_string(),
        n => format!(" ({n} more invalid sequences follow)"),
    };
    Some(
        Finding::new(
            Span::new(start, start + char::REPLACEMENT_CHARACTER.len_utf8()),
            format!(
                "{what} not UTF-8{more}: BuildKit builds the file as it is; it is read here with U+FFFD in place of each invalid sequence"
            ),
        )
        .with_help("save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linter::{lint, RuleSettings};
    use crate::rule::LintOptions;

    /// The docs' example with the byte it stands for.
    fn example_bytes() -> Vec<u8> {
        let (before, after) = RULE.docs.example.split_once("\\xE9").unwrap();
        [before.as_bytes(), &[0xE9], after.as_bytes()].concat()
    }

    #[test]
    fn the_example_gets_one_warning_at_the_byte_and_lints_on() {
        let bytes = example_bytes();
        let result = lint(&bytes, &LintOptions::default(), &RuleSettings::default());
        let dockerfile = result
            .dockerfile
            .expect("a file that is not UTF-8 still parses");
        let ours: Vec<_> = result
            .diagnostics
            .iter()
            .filter(|d| d.rule.code == RULE.code)
            .collect();
        assert_eq!(ours.len(), 1, "{:?}", result.diagnostics);
        let position = dockerfile.position(ours[0].span.start);
        assert_eq!((position.line, position.column), (1, 14));
        assert_eq!(dockerfile.text(ours[0].span), "\u{FFFD}");
        assert_eq!(ours[0].severity, Severity::Warning);
        assert!(ours[0]
            .message
            .starts_with("the byte E9 is not UTF-8: BuildKit builds the file as it is"));
        assert_eq!(dockerfile.stages[0].base.value, "alpine:3.19");
        let clean = lint(
            RULE.docs.use_instead.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        assert!(clean.diagnostics.iter().all(|d| d.rule.code != RULE.code));
    }

    #[test]
    fn later_positions_refer_to_the_replaced_text() {
        // Two invalid bytes before the instruction of line 2, and one in it.
        let bytes = b"# \xE9\xE8\nFROM alpine:3.19\nCMD echo \xFF\n";
        let result = lint(bytes, &LintOptions::default(), &RuleSettings::default());
        let dockerfile = result.dockerfile.unwrap();
        let warning = result
            .diagnostics
            .iter()
            .find(|d| d.rule.code == RULE.code)
            .unwrap();
        assert!(
            warning
                .message
                .starts_with("the byte E9 is not UTF-8 (2 more invalid sequences follow)"),
            "{}",
            warning.message
        );
        let shell_form = result
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "RB201")
            .expect("the rules run on the replaced text");
        let position = dockerfile.position(shell_form.span.start);
        assert_eq!((position.line, position.column), (3, 5));
        assert_eq!(dockerfile.text(shell_form.span), "echo \u{FFFD}");
        // Its fix would write U+FFFD into the file: there is none for a file that is not UTF-8.
        assert!(shell_form.fix.is_none());
        let utf8 = lint(
            b"FROM alpine:3.19\nCMD echo hi\n",
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        assert!(utf8.diagnostics.iter().any(|d| d.fix.is_some()));
    }

    #[test]
    fn several_bytes_of_one_sequence_are_named_together() {
        let finding = first_invalid_utf8(b"FROM a\n# \xE2\x82 truncated\n").unwrap();
        assert!(finding
            .message
            .starts_with("the bytes E2 82 are not UTF-8:"));
        assert_eq!(finding.span, Span::new(9, 12));
        assert!(first_invalid_utf8("FROM a\n# René\n".as_bytes()).is_none());
    }
}
