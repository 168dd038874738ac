//! RB526: an inline ignore comment (off by default).

use crate::diagnostic::{Finding, Severity};
use crate::linter::is_ignore_comment;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB526",
    name: "inline-ignore-comment",
    severity: Severity::Info,
    severity_reason: "advice: a team policy about where ignore comments may stand",
    summary: "An inline ignore comment (off by default)",
    docs: Docs {
        what_it_does: "Reports every `# rbuild ignore=...` and `# hadolint ignore=...` comment, \
global ones included. Off by default: it is for teams that want all exceptions recorded in the \
configuration file, where they are reviewed in one place.",
        why_is_this_bad:
            "Comments that silence rules are easy to add and easy to forget: findings \
disappear without anyone deciding so in review.",
        example: "FROM alpine:3.19\n# rbuild ignore=RB301\nRUN apk update\n",
        use_instead:
            "FROM alpine:3.19\n# refresh the index for the next build stage\nRUN apk update\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL1001"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["# hadolint global ignore=DL3018\nFROM alpine:3.19\nRUN apk add curl\n"],
        pass: &["# syntax=docker/dockerfile:1\nFROM alpine:3.19\n# ignore=this is prose\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for &comment in &dockerfile.comments {
        if is_ignore_comment(dockerfile.text(comment)) {
            findings.push(
                Finding::new(comment, "this comment silences rules inline").with_help(
                    "record the exception in `.rbuild.toml` (`ignore` or `[[per-path]]`)",
                ),
            );
        }
    }
}
