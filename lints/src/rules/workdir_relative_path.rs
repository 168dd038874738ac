//! RB507: a relative WORKDIR before any absolute one in the stage.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Arguments, Keyword};

use super::support::{base_stages, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB507",
    name: "workdir-relative-path",
    severity: Severity::Warning,
    summary: "Relative WORKDIR that depends on the base image's working directory",
    docs: Docs {
        what_it_does:
            "Finds a WORKDIR with a relative path when the stage (or the stage it is built \
on) has not set an absolute WORKDIR before it. Paths starting with a variable are left alone, as \
they usually expand to an absolute path.",
        why_is_this_bad:
            "A relative WORKDIR is resolved against the base image's working directory, \
which the image's maintainers may change at any time: the files then land elsewhere and later \
instructions break.",
        example: "FROM nginx AS web\nWORKDIR usr/share/nginx/html\nCOPY public .\n",
        use_instead: "FROM nginx AS web\nWORKDIR /usr/share/nginx/html\nCOPY public .\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3000"],
        buildkit: Some("WorkdirRelativePath"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine\nWORKDIR app\n"],
        pass: &[
            "FROM alpine\nWORKDIR /src\nWORKDIR app\n",
            "FROM alpine AS base\nWORKDIR /src\nFROM base\nWORKDIR app\n",
            "FROM alpine\nWORKDIR $HOME/app\n",
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\\\app\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    // Per stage, in order: whether an absolute WORKDIR is in force at its end (set there, or
    // inherited from its base, an earlier stage).
    let mut absolute_at_end: Vec<bool> = Vec::with_capacity(dockerfile.stages.len());
    for (stage, base) in dockerfile.stages.iter().zip(base_stages(dockerfile)) {
        let mut absolute_set = base.is_some_and(|base| absolute_at_end[base]);
        for (_, instruction) in stage_instructions(dockerfile, stage) {
            if instruction.kind != Keyword::Workdir {
                continue;
            }
            let Arguments::Text(path) = &instruction.args else {
                continue;
            };
            if is_absolute_or_variable(&path.value) {
                absolute_set = true;
            } else if !absolute_set {
                findings.push(
                    Finding::new(
                        path.span,
                        format!(
                            "relative WORKDIR `{}` depends on the base image's working directory",
                            path.value
                        ),
                    )
                    .with_help(format!("use an absolute path: `WORKDIR /{}`", path.value)),
                );
            }
        }
        absolute_at_end.push(absolute_set);
    }
}

fn is_absolute_or_variable(path: &str) -> bool {
    let path = path.trim_matches(|c| c == '"' || c == '\'');
    let bytes = path.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    path.starts_with('/') || path.starts_with('$') || path.starts_with('\\') || windows_drive
}
