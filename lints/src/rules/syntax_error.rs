//! RB001: the file cannot be parsed.

use crate::diagnostic::{Finding, Severity};
use crate::instructions;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB001",
    name: "syntax-error",
    severity: Severity::Error,
    summary: "The Dockerfile cannot be parsed",
    docs: Docs {
        what_it_does: "Reports what the builder itself would reject while reading the file: an unknown \
instruction, a JSON array that is not an array of strings, a malformed flag, an unterminated heredoc, a line \
longer than 65,535 bytes, bytes that are not UTF-8. No other rule runs on a file that does not parse.",
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
    check: Checker::Static(check),
};

/// What the parser accepted but the builder's instruction layer and conversion reject; the
/// parser's own errors are reported by the lint engine, before any rule runs.
fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for problem in instructions::check(check.dockerfile, check.options) {
        let finding = Finding::new(problem.span, problem.message);
        findings.push(match problem.help {
            Some(help) => finding.with_help(help),
            None => finding,
        });
    }
}
