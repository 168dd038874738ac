//! RB525: the image has no HEALTHCHECK (off by default).

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Dockerfile, Keyword, Stage};

use super::support::{earlier_stage, produced_stage, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB525",
    name: "missing-healthcheck",
    severity: Severity::Info,
    severity_reason: "advice: orchestrators cannot tell a hung container from a healthy one",
    summary: "The image has no HEALTHCHECK (off by default)",
    docs: Docs {
        what_it_does: "Reports the stage the build produces (the `--target` stage, else the last \
one) when neither it nor the earlier stages it is built on has a HEALTHCHECK. Off by default: \
many images are tools or jobs with nothing to probe, and orchestrators often probe services \
themselves.",
        why_is_this_bad: "Without a health check, Docker only knows whether the process runs, not \
whether it answers: a hung service stays `running` and keeps receiving traffic.",
        example: "FROM nginx:1.25\nCOPY site /usr/share/nginx/html\n",
        use_instead: "FROM nginx:1.25\nCOPY site /usr/share/nginx/html\nHEALTHCHECK CMD [\"curl\", \"-fs\", \"http://localhost/\"]\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3057"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19 AS base\nHEALTHCHECK CMD [\"true\"]\nFROM alpine:3.19\nCMD [\"sh\"]\n"],
        pass: &[
            "FROM alpine:3.19 AS base\nHEALTHCHECK CMD [\"true\"]\nFROM base\nCMD [\"sh\"]\n",
            "FROM alpine:3.19\nHEALTHCHECK NONE\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let produced = produced_stage(check);
    let Some(stage) = produced else {
        return;
    };
    if !has_healthcheck(dockerfile, stage, 0) {
        findings.push(
            Finding::new(
                dockerfile.instructions[stage.from].keyword_span,
                "the image this stage produces has no HEALTHCHECK",
            )
            .with_help("add `HEALTHCHECK CMD ...` that probes the service (or `HEALTHCHECK NONE`)"),
        );
    }
}

/// True when the stage or an earlier stage it is built on has a HEALTHCHECK; `depth` stops
/// cycles in broken files.
fn has_healthcheck(dockerfile: &Dockerfile, stage: &Stage, depth: usize) -> bool {
    stage_instructions(dockerfile, stage).any(|(_, i)| i.kind == Keyword::Healthcheck)
        || (depth < dockerfile.stages.len()
            && earlier_stage(dockerfile, &stage.base.value, stage.index)
                .is_some_and(|parent| has_healthcheck(dockerfile, parent, depth + 1)))
}
