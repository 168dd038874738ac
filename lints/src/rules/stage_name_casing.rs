//! RB703: a stage name with upper-case letters.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Span, Stage, Word};

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
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description: "Lower-cases the stage name where it is defined and where later FROM lines and `COPY --from` name it. Safe: stage names (and `--target`) match case-insensitively, so the build is the same.",
        examples: &[
            FixExample {
                before: "FROM alpine:3.19 AS BuilderBase\nRUN echo hi > /hi\nFROM BuilderBase AS Final\nCOPY --from=builderBase /hi /hi\n",
                after: "FROM alpine:3.19 AS builderbase\nRUN echo hi > /hi\nFROM builderbase AS final\nCOPY --from=builderbase /hi /hi\n",
            },
        ],
    }),
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
                ))
                .with_fix(rename(check, stage, name)),
            );
        }
    }
}

/// The name lower-cased where the stage is defined and where FROM and `COPY --from` name it
/// as written. Stage names match case-insensitively (`--target` too), so the build is the same.
fn rename(check: &Check<'_>, defined: &Stage, name: &Word) -> Fix {
    let dockerfile = check.dockerfile;
    let lower = name.value.to_lowercase();
    let mut edits = vec![Edit {
        span: name.span,
        replacement: lower.clone(),
    }];
    let names_it = |written: &str| written.eq_ignore_ascii_case(&name.value) && written != lower;
    for stage in &dockerfile.stages[defined.index + 1..] {
        if names_it(dockerfile.text(stage.base.span)) {
            edits.push(Edit {
                span: stage.base.span,
                replacement: lower.clone(),
            });
        }
    }
    let flags = dockerfile.instructions[defined.from + 1..]
        .iter()
        .flat_map(|i| std::iter::once(i).chain(i.onbuild_trigger()))
        .flat_map(|i| i.flags_named("from"));
    for flag in flags {
        let written = dockerfile.text(flag.span);
        let Some((_, value)) = written.split_once('=') else {
            continue;
        };
        if names_it(value) {
            edits.push(Edit {
                span: Span::new(flag.span.end - value.len(), flag.span.end),
                replacement: lower.clone(),
            });
        }
    }
    Fix {
        message: format!("rename the stage `{lower}`"),
        safety: Safety::Safe,
        edits,
    }
}
