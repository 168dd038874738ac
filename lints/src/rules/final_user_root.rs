//! RB607: the image's last USER is root.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Arguments, Dockerfile, Instruction, Keyword, Stage};

use super::support::{earlier_stage, produced_stage, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB607",
    name: "final-user-root",
    severity: Severity::Warning,
    severity_reason: "the image works, but its processes run as root: a security problem",
    summary: "The image's last USER is root",
    docs: Docs {
        what_it_does: "Looks at the stage the build produces (the `--target` stage, else the last \
one, following it into the earlier stage it is built on) and reports its last USER when that is \
`root` or `0`. A file with no USER at all is left alone: the base image decides, and this rule \
cannot know it.",
        why_is_this_bad: "Switching to root to install things is fine, but the image should switch \
back: a process running as root in the container turns any bug into root access to everything \
the container can reach.",
        example: "FROM alpine:3.19\nUSER root\nRUN apk add --no-cache curl\nCMD [\"curl\", \"--version\"]\n",
        use_instead: "FROM alpine:3.19\nUSER root\nRUN apk add --no-cache curl\nUSER 65534\nCMD [\"curl\", \"--version\"]\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3002"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19 AS base\nUSER 0:0\nFROM base\nRUN id\n",
            "FROM alpine:3.19\nUSER app\nUSER root:root\n",
        ],
        pass: &[
            "FROM alpine:3.19 AS build\nUSER root\nFROM alpine:3.19\nUSER app\n",
            "FROM alpine:3.19\nRUN id\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let produced = produced_stage(check);
    let Some(user) = produced.and_then(|stage| last_user(dockerfile, stage, 0)) else {
        return;
    };
    let Arguments::Text(name) = &user.args else {
        return;
    };
    let account = name.value.split(':').next().unwrap_or_default();
    if account == "root" || account == "0" {
        findings.push(
            Finding::new(name.span, "the image runs as root: this is its last USER")
                .with_help("end the stage with `USER <non-root user>`"),
        );
    }
}

/// The last USER in force in a stage, looking into the earlier stage it is built on when it
/// has none; `depth` stops cycles in broken files.
fn last_user<'a>(
    dockerfile: &'a Dockerfile,
    stage: &Stage,
    depth: usize,
) -> Option<&'a Instruction> {
    let own = stage_instructions(dockerfile, stage)
        .map(|(_, instruction)| instruction)
        .filter(|instruction| instruction.kind == Keyword::User)
        .last();
    if own.is_some() || depth >= dockerfile.stages.len() {
        return own;
    }
    let parent = earlier_stage(dockerfile, &stage.base.value, stage.index)?;
    last_user(dockerfile, parent, depth + 1)
}
