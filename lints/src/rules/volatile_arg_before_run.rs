//! RB304: an ARG whose value changes on every build is declared before RUN steps that do not use it.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Instruction, Keyword};

use super::support::stage_instructions;

pub static RULE: Rule = Rule {
    code: "RB304",
    name: "volatile-arg-before-run",
    severity: Severity::Warning,
    severity_reason: "the build works; every build re-runs the steps after the ARG, a cache problem",
    summary: "An ARG that changes on every build is declared before RUN steps that do not use it",
    docs: Docs {
        what_it_does: "Finds ARGs in a stage whose names say they change on every build — build dates and \
times, commit hashes, build numbers, versions (`BUILD_DATE`, `GIT_COMMIT`, `VCS_REF`, `VERSION`, \
`BUILD_NUMBER`, `*_SHA`, ...) — declared before RUN instructions that do not mention them.",
        why_is_this_bad: "A RUN's cache key includes the values of all ARGs declared before it in the \
stage. Passing a new `--build-arg BUILD_DATE=...` on every build therefore re-runs every RUN after the \
ARG, even the ones that never use it: no step after it is ever cached.",
        example: "FROM debian:12\nARG GIT_COMMIT\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nLABEL org.opencontainers.image.revision=$GIT_COMMIT\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nARG GIT_COMMIT\nLABEL org.opencontainers.image.revision=$GIT_COMMIT\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine\nARG BUILD_DATE VERSION=dev\nRUN apk add git\nRUN echo $VERSION > /version\n"],
        pass: &[
            "ARG BUILD_DATE\nFROM alpine\nRUN apk add git\n",
            "FROM alpine\nRUN apk add git\nARG GIT_SHA\nRUN echo ${GIT_SHA} > /sha\n",
            "FROM alpine\nARG NODE_VERSION=22\nRUN apk add nodejs\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let instructions: Vec<(usize, &Instruction)> =
            stage_instructions(dockerfile, stage).collect();
        for (position, (index, instruction)) in instructions.iter().enumerate() {
            for decl in instruction.arg_decls(*index) {
                if !is_volatile(&decl.name) {
                    continue;
                }
                let unaffected_runs: Vec<&Instruction> = instructions[position + 1..]
                    .iter()
                    .map(|(_, i)| *i)
                    .filter(|i| {
                        i.kind == Keyword::Run && !mentions(dockerfile.text(i.span), &decl.name)
                    })
                    .collect();
                let Some(first) = unaffected_runs.first() else {
                    continue;
                };
                let count = unaffected_runs.len();
                findings.push(
                    Finding::new(
                        decl.span,
                        format!(
                            "ARG `{}` changes on every build and is declared before {count} RUN step{} that do{} not use it: each new value re-runs {}",
                            decl.name,
                            if count == 1 { "" } else { "s" },
                            if count == 1 { "es" } else { "" },
                            if count == 1 { "it" } else { "them all" },
                        ),
                    )
                    .with_label(first.keyword_span, "re-run whenever the ARG changes")
                    .with_help("declare the ARG just before the first instruction that uses it"),
                );
            }
        }
    }
}

const VOLATILE_NAMES: &[&str] = &[
    "BUILD_DATE",
    "BUILDDATE",
    "BUILD_TIME",
    "BUILDTIME",
    "BUILD_TIMESTAMP",
    "TIMESTAMP",
    "DATE",
    "GIT_COMMIT",
    "GIT_SHA",
    "GIT_HASH",
    "GIT_REF",
    "GIT_BRANCH",
    "GIT_TAG",
    "GIT_DESCRIBE",
    "COMMIT",
    "COMMIT_SHA",
    "COMMIT_HASH",
    "SOURCE_COMMIT",
    "VCS_REF",
    "REVISION",
    "SHA",
    "BUILD_NUMBER",
    "BUILD_ID",
    "CI_COMMIT_SHA",
    "GITHUB_SHA",
    "VERSION",
    "APP_VERSION",
    "BUILD_VERSION",
    "RELEASE_VERSION",
];

const VOLATILE_SUFFIXES: &[&str] = &[
    "_COMMIT",
    "_SHA",
    "_REVISION",
    "_BUILD_DATE",
    "_TIMESTAMP",
    "_BUILD_NUMBER",
];

fn is_volatile(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    VOLATILE_NAMES.contains(&upper.as_str()) || VOLATILE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// Whether `text` refers to the variable `name` (`$NAME`, `${NAME}`, `${NAME:-x}`).
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = &text[..at];
        let after = text[at + name.len()..].chars().next();
        let boundary_after = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        (before.ends_with('$') || before.ends_with("${")) && boundary_after
    })
}
