//! RB414: a RUN that starts by changing directory, where WORKDIR fits.

use crate::diagnostic::{Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::Keyword;

use super::fix_support::{insert_line_before, keyword_like, remove_command};
use super::run_support::{runs, Run};

pub static RULE: Rule = Rule {
    code: "RB414",
    name: "cd-in-run",
    severity: Severity::Warning,
    severity_reason: "the build works; WORKDIR states it once for all later steps",
    summary: "RUN starts with `cd` where WORKDIR would do",
    docs: Docs {
        what_it_does: "Finds RUN instructions whose first command (after any `set` of shell options) is `cd DIR`. A `cd` later in the \
script (into a directory the same RUN has just unpacked or cloned, or back out of it) is not reported: \
unlike hadolint's DL3003, which reports every `cd`, this rule only reports the case WORKDIR replaces \
one for one.",
        why_is_this_bad: "The directory change is lost when the RUN ends, so it gets repeated in every \
RUN and forgotten in some; the next reader has to track it across instructions. WORKDIR sets the \
directory once for the RUN, COPY, CMD and ENTRYPOINT instructions that follow, and creates it when \
missing.",
        example: "FROM node:22\nCOPY . /app\nRUN cd /app && npm ci\n",
        use_instead: "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3003"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Moves the `cd DIR` that opens a shell-form script (after any `set`; followed by `&&` or `;` and more commands) to a `WORKDIR DIR` before the RUN. Not offered when DIR is relative or uses variables, quotes or globs. Unsafe: the directory now stays for the instructions that follow (RUN, COPY, CMD, ENTRYPOINT) and is created when missing, where `cd` would have failed.",
        examples: &[
            FixExample {
                before: "FROM node:22\nCOPY . /app\nRUN cd /app && npm ci\n",
                after: "FROM node:22\nCOPY . /app\nWORKDIR /app\nRUN npm ci\n",
            },
            FixExample {
                before: "FROM debian:12\nRUN set -eux; \\\n    cd /opt/app; \\\n    ./build.sh\n",
                after: "FROM debian:12\nWORKDIR /opt/app\nRUN set -eux; \\\n    ./build.sh\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM golang:1.22\nCOPY . /src\nRUN cd /src; go build -o /bin/app ./cmd/app\n",
            "FROM debian:12\nRUN set -eux; \\\n    cd /opt/app; \\\n    ./build.sh\n",
        ],
        pass: &["FROM debian:12\nRUN curl -fsSL https://example.com/x.tgz | tar -xz -C /tmp \\\n    && cd /tmp/x && ./configure && make install && cd / && rm -rf /tmp/x\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        // Shell options (`set -eux`) come before the script's first real step.
        let Some(index) = run.commands.iter().position(|c| c.program() != "set") else {
            continue;
        };
        let first = &run.commands[index];
        if first.program() != "cd" {
            continue;
        }
        let Some(directory) = first.operands().next().filter(|d| *d != "-") else {
            continue;
        };
        findings.push(
            Finding::new(
                first.span,
                format!("`cd {directory}` lasts only for this RUN"),
            )
            .with_help(format!(
                "set the directory with `WORKDIR {directory}` before the RUN"
            ))
            .with_fix_option(workdir_fix(check, &run, index, directory)),
        );
    }
}

/// `RUN cd DIR && rest` -> `WORKDIR DIR` + `RUN rest`, when `cd DIR` opens a shell-form script
/// (after any `set`, which stays), joined to the rest by `&&` or `;` (a `cd` in a subshell or
/// group lasts only until it closes), and DIR is a plain absolute path (a relative WORKDIR
/// would depend on the base image's).
fn workdir_fix(check: &Check<'_>, run: &Run<'_>, index: usize, directory: &str) -> Option<Fix> {
    let dockerfile = check.dockerfile;
    let cd = &run.commands[index];
    if cd.words.len() != 2
        || dockerfile.text(cd.span).split_whitespace().nth(1) != Some(directory)
        || !directory.starts_with('/')
        || directory.contains(['$', '\'', '"', '\\', '`', '~', '*', '?', '['])
    {
        return None;
    }
    let removed = remove_command(dockerfile, run.instruction, run.commands, index)?;
    let keyword = keyword_like(dockerfile, run.instruction, Keyword::Workdir);
    Some(Fix {
        message: format!("move `cd {directory}` to `{keyword} {directory}` before the RUN"),
        safety: Safety::Unsafe,
        edits: vec![
            insert_line_before(
                dockerfile,
                run.instruction,
                &format!("{keyword} {directory}"),
            ),
            removed,
        ],
    })
}
