//! RB105: `COPY --from` or `RUN --mount=from=` names a stage that does not exist, or a wrong one.

use crate::diagnostic::{Finding, Severity};
use crate::images::mount_from;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::suggest;
use crate::syntax::{Keyword, Span, Stage};

use super::support::{stage_instructions, stage_matches, stage_names};

pub static RULE: Rule = Rule {
    code: "RB105",
    name: "unknown-stage-reference",
    severity: Severity::Error,
    severity_reason: "the builder rejects a later, own or missing stage index, and a near-miss of a stage name makes it pull an image that is not meant",
    summary: "COPY --from, RUN --mount=from= or FROM names a missing, later or own stage",
    docs: Docs {
        what_it_does: "Checks the stage that `COPY --from=`, `ADD --from=` and `RUN --mount=...,from=` \
read from: a stage index must name an earlier stage; a stage name must be defined above (not the \
current stage, not a later one); a plain name that is not a stage but is close to one (`buidler` for \
`builder`) is reported with a suggestion, and so is a FROM image of five characters or more that is \
such a near-miss of an earlier stage's name. Values with a registry, tag or digest (`nginx:1.27`) are images \
and are left to the daemon-aware check.",
        why_is_this_bad: "A name that is not an earlier stage is pulled as an image: a typo in a stage name \
makes the build download `docker.io/library/buidler` and fail late, or copy from the wrong place. An \
index past the last stage, or the stage's own index, fails the build.",
        example: "FROM golang:1.22 AS builder\nRUN go build -o /app\nFROM alpine:3.19\nCOPY --from=buidler /app /app\n",
        use_instead: "FROM golang:1.22 AS builder\nRUN go build -o /app\nFROM alpine:3.19\nCOPY --from=builder /app /app\n",
    },
    equivalents: Equivalents { hadolint: &["DL3022", "DL3023"], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine AS a\nCOPY --from=a /x /x\n",
            "FROM alpine\nFROM alpine\nCOPY --from=5 /x /x\n",
            "FROM alpine AS one\nCOPY --from=two /x /x\nFROM alpine AS two\n",
            "FROM alpine AS cache\nFROM alpine\nRUN --mount=type=cache,target=/c,from=cahce make\n",
            "FROM golang:1.22 AS builder\nFROM alpine\nCOPY --from=build /app /app\n",
        ],
        pass: &[
            "FROM alpine AS a\nFROM alpine\nCOPY --from=0 /x /x\nCOPY --from=A /y /y\n",
            "FROM alpine\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n",
            "FROM alpine AS a\nFROM alpine\nRUN --mount=type=bind,from=a,target=/a ls /a\n",
            "FROM alpine AS engine\nFROM alpine\nCOPY --from=nginx /etc/nginx /etc/nginx\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let base = &stage.base;
        let names_a_stage = dockerfile
            .stages
            .iter()
            .any(|s| stage_matches(s, &base.value));
        // Short plain names (`bash` next to a stage `base`) are too often real images.
        let plain = base.value.len() >= 5 && !base.value.eq_ignore_ascii_case("scratch");
        if plain && !names_a_stage && base.value.parse::<usize>().is_err() {
            if let Some(problem @ Problem::Typo(_)) = problem(check, stage, &base.value) {
                findings.push(problem.into_finding(base.span, &base.value));
            }
        }
        for (_, instruction) in stage_instructions(dockerfile, stage) {
            let references: Vec<(String, Span)> = match instruction.kind {
                Keyword::Copy | Keyword::Add => instruction
                    .flag("from")
                    .and_then(|f| Some((f.value.clone()?, f.span)))
                    .into_iter()
                    .collect(),
                Keyword::Run => instruction
                    .flags_named("mount")
                    .filter_map(|f| Some((mount_from(f.value.as_deref()?)?, f.span)))
                    .collect(),
                _ => Vec::new(),
            };
            for (name, span) in references {
                if let Some(problem) = problem(check, stage, &name) {
                    findings.push(problem.into_finding(span, &name));
                }
            }
        }
    }
}

enum Problem<'a> {
    OwnStage,
    LaterStage(&'a Stage),
    NoSuchIndex(usize),
    Typo(&'a str),
}

fn problem<'a>(check: &Check<'a>, stage: &Stage, name: &str) -> Option<Problem<'a>> {
    let stages = &check.dockerfile.stages;
    if name.contains('$') || name.contains([':', '/', '@', '.']) {
        return None; // an ARG (resolved at build time) or an image reference
    }
    if let Ok(index) = name.parse::<usize>() {
        return match index {
            i if i >= stages.len() => Some(Problem::NoSuchIndex(i)),
            i if i == stage.index => Some(Problem::OwnStage),
            i if i > stage.index => Some(Problem::LaterStage(&stages[i])),
            _ => None,
        };
    }
    if stages[..stage.index]
        .iter()
        .any(|s| s.name.is_some() && stage_matches(s, name))
    {
        return None;
    }
    if let Some(target) = stages[stage.index..]
        .iter()
        .find(|s| s.name.is_some() && stage_matches(s, name))
    {
        return Some(if target.index == stage.index {
            Problem::OwnStage
        } else {
            Problem::LaterStage(target)
        });
    }
    let earlier_names = stage_names(check.dockerfile).filter(|candidate| {
        stages[..stage.index]
            .iter()
            .any(|s| s.name.as_ref().is_some_and(|n| n.value == *candidate))
    });
    earlier_names
        .filter_map(|candidate| Some((stage_name_distance(name, candidate)?, candidate)))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| Problem::Typo(candidate))
}

/// How far `name` is from the stage name `candidate`, when it is close enough to be a slip:
/// one edit, or two that keep the first three letters (`build` for `builder`, not `nginx`
/// for `engine`).
fn stage_name_distance(name: &str, candidate: &str) -> Option<usize> {
    let (name, candidate) = (name.to_lowercase(), candidate.to_lowercase());
    let distance = suggest::edit_distance(&name, &candidate);
    let same_start =
        name.chars().take(3).eq(candidate.chars().take(3)) && name.chars().count() >= 3;
    (distance == 1 || (distance == 2 && same_start)).then_some(distance)
}

impl Problem<'_> {
    fn into_finding(self, span: Span, name: &str) -> Finding {
        match self {
            Problem::OwnStage => Finding::new(
                span,
                format!("`{name}` is the stage this instruction is in"),
            )
            .with_help("copy from an earlier stage, or from the build context without --from"),
            Problem::LaterStage(stage) => Finding::new(
                span,
                format!("`{name}` is stage {}, which is defined later", stage.index),
            )
            .with_help("a stage can only read from the stages above it: move that stage up"),
            Problem::NoSuchIndex(index) => Finding::new(
                span,
                format!("there is no stage {index} (stages are numbered from 0)"),
            ),
            Problem::Typo(close) => Finding::new(
                span,
                format!("unknown stage `{name}`; did you mean `{close}`?"),
            )
            .with_help(format!(
                "`{name}` is no stage of this Dockerfile, so the build would pull it as an image"
            )),
        }
    }
}
