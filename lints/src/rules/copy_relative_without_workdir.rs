//! RB521: COPY to a relative destination before any WORKDIR.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Keyword;

use super::support::{base_stages, stage_instructions};

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
    // Per stage, in order: whether it sets a WORKDIR itself, and whether it starts in one
    // because its base (an earlier stage, directly or through its own base) set one.
    let mut sets: Vec<bool> = Vec::with_capacity(dockerfile.stages.len());
    let mut inherits: Vec<bool> = Vec::with_capacity(dockerfile.stages.len());
    for (stage, base) in dockerfile.stages.iter().zip(base_stages(dockerfile)) {
        sets.push(
            stage_instructions(dockerfile, stage)
                .any(|(_, instruction)| instruction.kind == Keyword::Workdir),
        );
        inherits.push(base.is_some_and(|base| sets[base] || inherits[base]));
        if inherits[stage.index] {
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

fn is_relative(path: &str) -> bool {
    let path = path.trim_matches(|c| c == '"' || c == '\'');
    let bytes = path.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    !(path.starts_with('/') || path.starts_with('$') || path.starts_with('\\') || windows_drive)
}
