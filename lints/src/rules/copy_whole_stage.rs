//! RB522: COPY --from of another image's whole filesystem.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Dockerfile, Keyword};

use super::support::{base_stages, earlier_stage, stage_instructions};

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
    let changed = changed_systems(dockerfile);
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
        if !changed[source_stage.index] {
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

/// For each stage, whether its filesystem is a system changed by the build: some stage of its
/// chain of bases runs an instruction other than FROM and ARG, and the chain starts from a real
/// image (not `scratch`, not a variable). Filled in stage order (a base comes first), so each
/// chain is followed once.
fn changed_systems(dockerfile: &Dockerfile) -> Vec<bool> {
    // Per stage: (something changed along the chain, the chain starts from a real image).
    let mut chains: Vec<(bool, bool)> = Vec::with_capacity(dockerfile.stages.len());
    for (stage, base) in dockerfile.stages.iter().zip(base_stages(dockerfile)) {
        let changed_here = stage_instructions(dockerfile, stage)
            .any(|(_, instruction)| !matches!(instruction.kind, Keyword::From | Keyword::Arg));
        chains.push(match base {
            Some(base) => (changed_here || chains[base].0, chains[base].1),
            None => {
                let image = &stage.base.value;
                let real = !image.eq_ignore_ascii_case("scratch") && !image.contains('$');
                (changed_here, real)
            }
        });
    }
    chains
        .into_iter()
        .map(|(changed, real)| changed && real)
        .collect()
}
