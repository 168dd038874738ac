//! RB413: a pipe in a RUN whose failures are hidden by the last command's status.

use crate::diagnostic::{Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::script::{self, Command};
use crate::syntax::{Instruction, Keyword, Stage};

use super::fix_support::{insert_line_before, keyword_like};
use super::run_support::{pipes_into, runs};
use super::support::{stage_instructions, stage_matches};

pub static RULE: Rule = Rule {
    code: "RB413",
    name: "pipe-without-pipefail",
    severity: Severity::Warning,
    severity_reason: "the build works, but a failing command before the pipe goes unnoticed: a likely bug",
    summary: "Pipe in a RUN without `set -o pipefail`",
    docs: Docs {
        what_it_does: "Finds RUN scripts (shell form and heredocs) with a pipe `a | b` where neither \
the stage's SHELL (`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`) nor an earlier \
`set -o pipefail` in the script makes the pipe fail when `a` fails. Not reported: pipes fed by a \
command that cannot fail meaningfully (`echo`, `printf`, `yes`, `true`; with `yes`, pipefail would \
even turn its normal SIGPIPE ending into a failure), and stages whose SHELL is not a POSIX-style \
shell (PowerShell, cmd).",
        why_is_this_bad: "A pipeline's status is the status of its last command: in \
`curl -fsSL $URL | tar -xz`, a failed download gives tar an empty input, and the build goes on with \
a missing or partial file, failing much later or not at all.",
        example: "FROM debian:12\nRUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
        use_instead: "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL4006"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Inserts `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the first such RUN of the stage (above the comments right before it; with the stage's own SHELL program when it set one, `/bin/ash` on an Alpine or BusyBox base). Unsafe: every later RUN of the stage runs under that shell, which must exist in the image, and a pipe whose first command fails now fails the build.",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
                after: "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
            },
            FixExample {
                before: "FROM alpine:3.19 AS base\nFROM base\n# hadolint ignore=DL3047\nRUN wget -qO- https://example.com/x.tgz | tar -xz\nRUN wget -qO- https://example.com/y.tgz | tar -xz\n",
                after: "FROM alpine:3.19 AS base\nFROM base\nSHELL [\"/bin/ash\", \"-o\", \"pipefail\", \"-c\"]\n# hadolint ignore=DL3047\nRUN wget -qO- https://example.com/x.tgz | tar -xz\nRUN wget -qO- https://example.com/y.tgz | tar -xz\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nRUN <<EOF\nset -e\nwget -qO- https://example.com/x.tgz | tar -xz\nEOF\n",
            "FROM debian:12\nRUN <<EOF\n#!/bin/bash -e\ncurl -fsSL https://example.com/x.tgz | tar -xz\nEOF\n",
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN cat /etc/os-release | grep -q bookworm\n",
            "FROM alpine:3.19\nRUN runDeps=\"$(scanelf --needed --recursive /usr/local | tr ',' '\\n' | sort -u)\" && apk add $runDeps\n",
        ],
        pass: &[
            "FROM alpine:3.19\nRUN set -eo pipefail; wget -qO- https://example.com/x.tgz | tar -xz\n",
            "FROM debian:12\nRUN echo 'root:x' | chpasswd && yes | ./install.sh && a || b\n",
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN Get-ChildItem | Select-Object Name\n",
            "FROM debian:12\nRUN grep -E 'a|b' /etc/hosts > /tmp/h 2>&1\n",
            "FROM python:3.12\nRUN <<EOF\n#!/usr/bin/env python3\nflags = 1 | 2\nprint(flags)\nEOF\n",
            "FROM debian:12\nRUN export A=1; \\\n# curl x | sh\n    echo $A\n",
            "FROM debian:12\nRUN case \"$(uname -m)\" in x86_64|amd64) a=x64 ;; s390x|ppc64le|riscv64) a=other ;; esac\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    // The SHELL in force, followed through the file once (RUNs come in file order): linear in
    // the number of instructions, however many RUNs there are.
    let mut shell: Option<&Instruction> = None;
    let mut scanned = 0;
    // One SHELL per stage fixes all its RUNs: only the first finding of a stage offers it.
    let mut fixed_stages = Vec::new();
    for run in runs(check) {
        for instruction in &dockerfile.instructions[scanned..run.index] {
            match instruction.kind {
                Keyword::From => shell = None,
                Keyword::Shell => shell = Some(instruction),
                _ => {}
            }
        }
        scanned = run.index;
        if run.instruction.is_exec_form()
            || runs_another_language(run.instruction)
            || !shell_may_hide_failures(shell)
        {
            continue;
        }
        let mut pipefail = false;
        for (i, command) in run.commands.iter().enumerate() {
            pipefail |= sets_pipefail(command);
            if pipefail {
                break;
            }
            let next = run.commands.get(i + 1);
            let failing = next
                .filter(|next| hides_failure(&dockerfile.source, command, next))
                .map(|_| program_name(command))
                .or_else(|| pipe_in_substitution(dockerfile.text(command.span), command));
            if let Some(program) = failing {
                let span = next.map_or(command.span, |n| command.span.join(n.span));
                findings.push(
                    Finding::new(
                        span,
                        format!("if {program} fails, the pipe still succeeds and the build goes on"),
                    )
                    .with_help("add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the RUN, or start the script with `set -o pipefail` where the shell has it")
                    .with_fix_option(
                        dockerfile
                            .stage_of(run.index)
                            .filter(|stage| !fixed_stages.contains(&stage.index))
                            .and_then(|stage| {
                                fixed_stages.push(stage.index);
                                pipefail_shell(check, stage, run.instruction)
                            }),
                    ),
                );
                break;
            }
        }
    }
}

/// A pipe from `left` into `right` whose left side may fail unnoticed.
fn hides_failure(source: &str, left: &Command, right: &Command) -> bool {
    pipes_into(source, left, right)
        && !CANNOT_FAIL.contains(&left.program())
        && !is_case_pattern(source, left, right)
}

/// `a|b)` in a `case` is a list of patterns, not a pipe.
fn is_case_pattern(source: &str, left: &Command, right: &Command) -> bool {
    let after = source.get(right.span.end..).unwrap_or("").trim_start();
    (left.words.len() == 1 || left.program() == "case")
        && right.words.len() == 1
        && after.starts_with([')', '|'])
}

/// The failing side of a pipe inside a quoted command substitution (`x="$(a | b)"`), which the
/// splitter keeps as one word. `written` is the command's source: most have no `$` or no `|` at
/// all, and two searches of it spare looking at each word.
fn pipe_in_substitution(written: &str, command: &Command) -> Option<String> {
    memchr::memchr(b'$', written.as_bytes())?;
    memchr::memchr(b'|', written.as_bytes())?;
    command.words.iter().find_map(|word| {
        // Most words have no `$`: a byte search skips them without building a substring searcher.
        let bytes = word.as_bytes();
        let start =
            memchr::memchr_iter(b'$', bytes).find(|&at| bytes.get(at + 1) == Some(&b'('))? + 2;
        let end = word.rfind(')').filter(|&end| end > start)?;
        let inner = &word[start..end];
        // Splitting allocates: only a substitution with a `|` can hold a pipe.
        memchr::memchr(b'|', inner.as_bytes())?;
        let commands = script::split(inner, |offset| offset);
        commands
            .windows(2)
            .find(|pair| hides_failure(inner, &pair[0], &pair[1]))
            .map(|pair| program_name(&pair[0]))
    })
}

/// A RUN heredoc whose `#!` line names a program other than a shell (`#!/usr/bin/env python3`):
/// its `|` is not a pipe.
fn runs_another_language(instruction: &Instruction) -> bool {
    instruction.heredocs.iter().any(|heredoc| {
        heredoc
            .content
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("#!"))
            .is_some_and(|line| {
                let mut words = line.split_whitespace();
                let program = match words.next() {
                    Some(env) if env.ends_with("/env") => words.next(),
                    program => program,
                };
                !program.unwrap_or("").ends_with("sh")
            })
    })
}

/// A `SHELL` with `-o pipefail` inserted before the RUN: the stage's own shell when it set one,
/// else `/bin/ash` on Alpine and BusyBox bases (no bash there), else `/bin/bash`; none on
/// Windows bases.
fn pipefail_shell(check: &Check<'_>, stage: &Stage, run: &Instruction) -> Option<Fix> {
    let dockerfile = check.dockerfile;
    let set_shell = stage_instructions(dockerfile, stage)
        .filter(|(_, i)| i.kind == Keyword::Shell && i.span.start < run.span.start)
        .last()
        .and_then(|(_, i)| i.words().first().map(|w| w.value.clone()));
    let shell = set_shell.or_else(|| {
        let mut base = stage;
        // A stage built FROM an earlier stage has that stage's base image.
        while let Some(earlier) = dockerfile.stages[..base.index]
            .iter()
            .rev()
            .find(|s| stage_matches(s, &base.base.value))
        {
            base = earlier;
        }
        let image = base.base.value.to_ascii_lowercase();
        if image.contains("windows") {
            None
        } else if image.contains("alpine") || image.contains("busybox") {
            Some("/bin/ash".to_string())
        } else {
            Some("/bin/bash".to_string())
        }
    })?;
    let keyword = keyword_like(dockerfile, run, Keyword::Shell);
    let instruction = format!(
        "{keyword} [{}, \"-o\", \"pipefail\", \"-c\"]",
        serde_json::to_string(&shell).unwrap_or_default()
    );
    Some(Fix {
        message: format!("add `{instruction}` before the RUN"),
        safety: Safety::Unsafe,
        edits: vec![insert_line_before(dockerfile, run, &instruction)],
    })
}

/// How the message names the command feeding the pipe.
fn program_name(command: &Command) -> String {
    let program = command.program();
    if program.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        format!("`{program}`")
    } else {
        "the command before the pipe".to_string()
    }
}

/// Programs whose failure in a pipe is not worth failing the build for.
const CANNOT_FAIL: &[&str] = &["echo", "printf", "yes", "true"];

fn sets_pipefail(command: &Command) -> bool {
    command.program() == "set"
        && command
            .words
            .windows(2)
            .any(|w| w[0].starts_with('-') && w[0].ends_with('o') && w[1] == "pipefail")
}

/// Whether `shell` (the SHELL in force for a RUN; none means the default `/bin/sh -c`) is a
/// POSIX-style shell without `-o pipefail`.
fn shell_may_hide_failures(shell: Option<&Instruction>) -> bool {
    let Some(shell) = shell else { return true };
    let words: Vec<&str> = shell.words().iter().map(|w| w.value.as_str()).collect();
    let program = words
        .first()
        .map_or("", |p| p.rsplit('/').next().unwrap_or(p));
    let posix = matches!(
        program,
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
    );
    posix && !words.contains(&"pipefail")
}
