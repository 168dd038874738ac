//! RB521: COPY to a relative destination before any WORKDIR.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Dockerfile, Keyword, Stage};

use super::support::{earlier_stage, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB521",
    name: "copy-relative-without-workdir",
    severity: Severity::Warning,
    severity_reason:
        "the build works, but the destination depends on the base image's WORKDIR: a likely bug",
    summary: "COPY to a relative destination before any WORKDIR",
    docs: Docs {
        what_it_does: "Finds COPY instructions with a relative destination in a stage that has \
not set a WORKDIR yet (neither itself nor through the earlier stage it is built on). \
Destinations starting with a variable are left alone.",
        why_is_this_bad: "A relative destination is resolved against the base image's working \
directory, which is often `/` and may change between image versions: files land somewhere \
unexpected, possibly mixed with the system's.",
        example: "FROM node:20\nCOPY package.json .\nRUN npm ci\n",
        use_instead: "FROM node:20\nWORKDIR /app\nCOPY package.json .\nRUN npm ci\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3045"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nWORKDIR /src\n"],
        pass: &[
            "FROM alpine:3.19 AS base\nWORKDIR /app\nFROM base\nCOPY . .\n",
            "FROM alpine:3.19\nCOPY app /usr/local/bin/app\n",
            "FROM alpine:3.19\nARG DEST=/opt\nCOPY app $DEST/\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        if sets_workdir(dockerfile, stage, 0) {
            // A stage built on a stage with a WORKDIR starts in it.
            continue;
        }
        for (_, instruction) in stage_instructions(dockerfile, stage) {
            match instruction.kind {
                Keyword::Workdir => break,
                Keyword::Copy => {}
                _ => continue,
            }
            let Some((_, destination)) = instruction.sources_and_destination() else {
                continue;
            };
            if !is_relative(&destination.value) {
                continue;
            }
            findings.push(
                Finding::new(
                    destination.span,
                    format!(
                        "`{}` is relative to a working directory this stage has not set",
                        destination.value
                    ),
                )
                .with_help("set `WORKDIR /some/dir` first, or copy to an absolute path"),
            );
        }
    }
}

/// True when the earlier stage `stage` is built on (or its own base) has a WORKDIR; `depth`
/// stops cycles in broken files.
fn sets_workdir(dockerfile: &Dockerfile, stage: &Stage, depth: usize) -> bool {
    let Some(parent) = earlier_stage(dockerfile, &stage.base.value, stage.index) else {
        return false;
    };
    depth < dockerfile.stages.len()
        && (stage_instructions(dockerfile, parent)
            .any(|(_, instruction)| instruction.kind == Keyword::Workdir)
            || sets_workdir(dockerfile, parent, depth + 1))
}

fn is_relative(path: &str) -> bool {
    let path = path.trim_matches(|c| c == '"' || c == '\'');
    let bytes = path.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    !(path.starts_with('/') || path.starts_with('$') || path.starts_with('\\') || windows_drive)
}
