//! RB501: two stages with the same name.

use std::collections::HashMap;

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Word;

pub static RULE: Rule = Rule {
    code: "RB501",
    name: "duplicate-stage-name",
    severity: Severity::Warning,
    severity_reason: "the builder accepts it and uses the last stage of that name: a likely bug",
    summary: "Two stages have the same name",
    docs: Docs {
        what_it_does: "Finds a stage whose `AS name` was already given to an earlier stage. Stage \
names are compared without regard to case, as the builder does.",
        why_is_this_bad:
            "`COPY --from=name`, `FROM name` and `--target name` can then mean only one \
of the stages, and which one is not obvious to a reader; the other stage is usually a copy-paste \
leftover whose name was meant to change.",
        example: "FROM debian:12 AS builder\nRUN apt-get update\n\nFROM golang:1.22 AS builder\n",
        use_instead:
            "FROM debian:12 AS deb-builder\nRUN apt-get update\n\nFROM golang:1.22 AS go-builder\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3024"],
        buildkit: Some("DuplicateStageName"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine AS base\nFROM base AS app\nFROM alpine AS BASE\n"],
        pass: &["FROM alpine AS base\nFROM base AS base-test\nFROM alpine\nFROM alpine\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    // The first stage of each name (case-insensitive), so that many stages stay linear.
    let mut first_named: HashMap<String, &Word> = HashMap::new();
    for name in check
        .dockerfile
        .stages
        .iter()
        .filter_map(|stage| stage.name.as_ref())
    {
        let first = *first_named
            .entry(name.value.to_ascii_lowercase())
            .or_insert(name);
        if !std::ptr::eq(first, name) {
            findings.push(
                Finding::new(
                    name.span,
                    format!(
                        "stage name `{}` is already used by an earlier stage",
                        name.value
                    ),
                )
                .with_label(first.span, "first used here")
                .with_help("give each stage its own name"),
            );
        }
    }
}
