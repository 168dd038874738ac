//! RB001: the file cannot be parsed.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB001",
    name: "syntax-error",
    severity: Severity::Error,
    summary: "The Dockerfile cannot be parsed",
    docs: Docs {
        what_it_does: "Reports what the builder itself would reject while reading the file: an unknown \
instruction, a JSON array that is not an array of strings, a malformed flag, an unterminated heredoc, a line \
longer than 65,535 bytes. No other rule runs on a file that does not parse. Bytes that are not UTF-8 \
are not a syntax error: the builder reads bytes (RB004).",
        why_is_this_bad: "The build fails before its first step.",
        example: "FROM alpine\nRUNN echo hello\n",
        use_instead: "FROM alpine\nRUN echo hello\n",
    },
    equivalents: Equivalents { hadolint: &["DL1000", "DL3043"], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine\nCMD [1, 2]\n", "FROM alpine\nRUN <<EOF\necho unterminated\n"],
        pass: &["FROM alpine\nCMD [\"echo\", \"hi\"]\n"],
    },
    check: Checker::Engine,
};
