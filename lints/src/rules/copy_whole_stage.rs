//! RB522: COPY --from of another image's whole filesystem.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Dockerfile, Keyword, Stage};

use super::support::{earlier_stage, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB522",
    name: "copy-whole-stage",
    severity: Severity::Warning,
    severity_reason: "the build works, but the image gets a whole other filesystem: a size problem and a likely bug",
    summary: "COPY --from of another stage's whole filesystem",
    docs: Docs {
        what_it_does: "Finds `COPY --from=STAGE` (or ADD) whose source is the root directory `/`, \
when STAGE is a stage of the file that changes a real base image. Images named directly, bare \
aliases (`FROM image AS name`) and stages built `FROM scratch` are left alone: those usually hold \
only the artifacts meant to be copied.",
        why_is_this_bad: "Copying `/` brings the other stage's whole system along: its package \
database, caches, compilers and every file that multi-stage builds are meant to leave behind. \
The result is large and its contents hard to know. Copy the files that are needed.",
        example: "FROM golang:1.22 AS build\nRUN go build -o /out/app ./...\nFROM alpine:3.19\nCOPY --from=build / /\n",
        use_instead: "FROM golang:1.22 AS build\nRUN go build -o /out/app ./...\nFROM alpine:3.19\nCOPY --from=build /out/app /usr/local/bin/app\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3067"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19 AS rootfs\nRUN apk add --no-cache curl\nFROM scratch\nCOPY --from=rootfs --chown=0:0 [\"/\", \"/\"]\n",
            "FROM debian:12 AS base\nRUN apt-get update\nFROM base AS tools\nFROM scratch\nCOPY --from=1 / /\n",
        ],
        pass: &[
            "FROM alpine:3.19\nCOPY / /srv/\n",
            "FROM alpine:3.19 AS out\nFROM scratch\nCOPY --from=out /out/ /\n",
            "FROM alpine:3.19\nCOPY --from=docker/buildx-bin / /usr/libexec/docker/cli-plugins/\n",
            "FROM tonistiigi/xx:1.6.1 AS xx\nFROM alpine:3.19\nCOPY --from=xx / /\n",
            "FROM golang:1.22 AS build\nFROM scratch AS export\nCOPY --from=build /out /\nFROM alpine:3.19\nCOPY --from=export / /\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        if !matches!(instruction.kind, Keyword::Copy | Keyword::Add) {
            continue;
        }
        let Some(from) = instruction.flag("from") else {
            continue;
        };
        let Some(source_stage) = dockerfile.stage_of(index).and_then(|stage| {
            earlier_stage(
                dockerfile,
                from.value.as_deref().unwrap_or_default(),
                stage.index,
            )
        }) else {
            continue;
        };
        if !is_changed_system(dockerfile, source_stage) {
            continue;
        }
        let Some((sources, _)) = instruction.sources_and_destination() else {
            continue;
        };
        for source in sources.iter().filter(|source| source.value == "/") {
            findings.push(
                Finding::new(
                    source.span,
                    format!(
                        "copies the whole filesystem of `{}`",
                        from.value.as_deref().unwrap_or_default()
                    ),
                )
                .with_label(from.span, "from here")
                .with_help("copy only the directories the image needs"),
            );
        }
    }
}

/// True when the stage holds an operating system changed by the file: it (or an earlier stage
/// it is built on) runs instructions, and the chain starts from a real image, not `scratch`
/// (artifacts only) nor a base chosen by a variable. A bare `FROM image AS name` alias is like
/// naming the image.
fn is_changed_system(dockerfile: &Dockerfile, stage: &Stage) -> bool {
    let mut current = stage;
    let mut changed = false;
    // Bounded by the number of stages so that broken files cannot loop.
    for _ in 0..=dockerfile.stages.len() {
        changed |= stage_instructions(dockerfile, current)
            .any(|(_, instruction)| !matches!(instruction.kind, Keyword::From | Keyword::Arg));
        match earlier_stage(dockerfile, &current.base.value, current.index) {
            Some(parent) => current = parent,
            None => {
                let base = &current.base.value;
                return changed && !base.eq_ignore_ascii_case("scratch") && !base.contains('$');
            }
        }
    }
    false
}
