//! RB104: FROM names a stage that is defined later, or its own stage.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::support::{expand_base, stage_matches};

pub static RULE: Rule = Rule {
    code: "RB104",
    name: "from-later-stage",
    severity: Severity::Warning,
    severity_reason: "the builder accepts it and pulls an image of that name, which may exist; the image checks confirm or refute it",
    summary: "FROM names a stage that is defined later in the file, or its own stage",
    docs: Docs {
        what_it_does: "Checks that a FROM naming a stage of this Dockerfile (by `AS` name) names one \
defined above it. Stage names are matched case-insensitively, like the builder does.",
        why_is_this_bad: "A stage is only visible to the stages after it. A FROM naming a later stage \
(or itself) is read as an image name: the builder tries to pull an image called `builder` from Docker \
Hub, and fails or — worse — finds one. A warning, not an error: BuildKit accepts the file, and an \
image of that name may exist (the daemon-aware check, RB106, confirms or refutes it before a build).",
        example: "FROM app AS test\nRUN make test\nFROM golang:1.22 AS app\nRUN make\n",
        use_instead: "FROM golang:1.22 AS app\nRUN make\nFROM app AS test\nRUN make test\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM base AS base\n", "ARG B=later\nFROM ${B}\nFROM alpine AS later\n"],
        pass: &["FROM alpine AS base\nFROM base AS next\nFROM next\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let values = check.global_arg_values();
    let stages = &check.dockerfile.stages;
    for stage in stages {
        let Ok(expansion) = expand_base(check.dockerfile, values, stage) else {
            continue;
        };
        let name = expansion.value;
        if stages[..stage.index].iter().any(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.value.eq_ignore_ascii_case(&name))
        }) {
            continue;
        }
        let Some(target) = stages[stage.index..]
            .iter()
            .find(|s| s.name.is_some() && stage_matches(s, &name))
        else {
            continue;
        };
        let message = if target.index == stage.index {
            format!("FROM `{name}` names its own stage: it will be pulled as an image instead")
        } else {
            format!(
                "FROM `{name}` names a stage defined later (stage {}): it will be pulled as an image instead",
                target.index
            )
        };
        findings.push(
            Finding::new(stage.base.span, message)
                .with_help("move the stage it depends on above it"),
        );
    }
}
