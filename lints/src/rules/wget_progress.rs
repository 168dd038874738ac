//! RB409: `wget` printing a progress bar into the build log.

use crate::diagnostic::{Finding, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};

use super::fix_support::insert_option;
use super::run_support::{has_option, runs};

pub static RULE: Rule = Rule {
    code: "RB409",
    name: "wget-progress",
    severity: Severity::Info,
    severity_reason: "advice: a quieter build log",
    summary: "`wget` without `-q`, `-nv` or `--progress` fills the build log",
    docs: Docs {
        what_it_does: "Finds `wget` calls without an option that quiets its progress output: \
`-q`/`--quiet`, `-nv`/`--no-verbose`, `--progress=...`, or a log file (`-o`, `-a`).",
        why_is_this_bad: "Without a terminal, wget prints a line of dots for every few kilobytes: a large \
download writes thousands of lines into the build output, hiding the messages that matter and \
slowing down CI logs.",
        example: "FROM debian:12\nRUN wget https://example.com/tool.tar.gz\n",
        use_instead: "FROM debian:12\nRUN wget --progress=dot:giga https://example.com/tool.tar.gz\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3047"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Safe,
        description: "Adds `-q` after `wget` (the one quiet option both GNU and BusyBox wget accept). Safe: the same download; only the build log changes, and a failed download still fails the step (GNU wget no longer prints why; `--progress=dot:giga` keeps that, where BusyBox is not in use).",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN wget https://example.com/tool.tar.gz\n",
                after: "FROM debian:12\nRUN wget -q https://example.com/tool.tar.gz\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nRUN wget -O /tmp/x.tgz https://example.com/x.tgz && tar -xzf /tmp/x.tgz\n"],
        pass: &[
            "FROM alpine:3.19\nRUN wget -qO- https://example.com/x.tgz | tar -xz\n",
            "FROM debian:12\nRUN wget -nv https://example.com/x.tgz && wget --no-verbose https://example.com/y.tgz\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for command in run.commands.iter().filter(|c| c.program() == "wget") {
            let quiet = command.has_word("-nv")
                || has_option(
                    command,
                    &[
                        "--quiet",
                        "--no-verbose",
                        "--progress",
                        "--output-file",
                        "--append-output",
                    ],
                    &['q', 'o', 'a'],
                    &['O', 'P', 'T', 't', 'U', 'e'],
                );
            if !quiet {
                findings.push(
                    Finding::new(
                        command.span,
                        "`wget` writes its progress bar into the build log",
                    )
                    .with_help("add `--progress=dot:giga`, `-nv` or `-q`")
                    // `-q` is the one option GNU and BusyBox wget both know.
                    .with_fix_option(insert_option(
                        check.dockerfile,
                        command,
                        false,
                        "-q",
                        Safety::Safe,
                    )),
                );
            }
        }
    }
}
