//! RB502: a stage named `scratch` or `context`.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

/// Names the builder gives a meaning of its own.
const RESERVED: &[&str] = &["scratch", "context"];

pub static RULE: Rule = Rule {
    code: "RB502",
    name: "reserved-stage-name",
    severity: Severity::Warning,
    severity_reason:
        "the build works, but the name shadows what the builder means by it: a likely bug",
    summary: "Stage named with a word the builder reserves (`scratch`, `context`)",
    docs: Docs {
        what_it_does: "Finds stages named `scratch` or `context` (in any case).",
        why_is_this_bad: "`scratch` is the empty base image and `context` names the build context \
in `--build-context` and `COPY --from`: a stage with one of these names is ambiguous, and \
`FROM scratch` or `COPY --from=context` may not pick what the reader expects.",
        example: "FROM alpine AS scratch\nRUN echo hi\n",
        use_instead: "FROM alpine AS builder\nRUN echo hi\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3063"],
        buildkit: Some("ReservedStageName"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine AS Context\n"],
        pass: &["FROM scratch AS scratch-base\nFROM alpine AS build-context\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for stage in &check.dockerfile.stages {
        let Some(name) = &stage.name else { continue };
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&name.value)) {
            findings.push(
                Finding::new(
                    name.span,
                    format!(
                        "`{}` is a reserved word and should not name a stage",
                        name.value
                    ),
                )
                .with_help("choose another stage name"),
            );
        }
    }
}
