//! RB703: a stage name with upper-case letters.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB703",
    name: "stage-name-casing",
    severity: Severity::Warning,
    severity_reason:
        "the build works; the builder lower-cases stage names, so other casing misleads",
    summary: "Stage name is not lower case",
    docs: Docs {
        what_it_does: "Finds stage names (`AS BuilderBase`) that contain upper-case letters.",
        why_is_this_bad: "The builder lower-cases stage names, so `--target BuilderBase`, \
`COPY --from=builderbase` and `FROM BUILDERBASE` all mean the same stage: the file suggests a \
distinction that does not exist, and the name shown in build output differs from the file.",
        example: "FROM alpine AS BuilderBase\n",
        use_instead: "FROM alpine AS builder-base\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("StageNameCasing"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine AS BUILD\nFROM BUILD\n"],
        pass: &["FROM alpine AS build_amd64\nFROM build_amd64 AS app-2\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for stage in &check.dockerfile.stages {
        let Some(name) = &stage.name else { continue };
        if name.value.chars().any(|c| c.is_uppercase()) {
            findings.push(
                Finding::new(
                    name.span,
                    format!("stage name `{}` should be lower case", name.value),
                )
                .with_help(format!(
                    "rename it `{}` (and its uses)",
                    name.value.to_lowercase()
                )),
            );
        }
    }
}
