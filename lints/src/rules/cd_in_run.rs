//! RB414: a RUN that starts by changing directory, where WORKDIR fits.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::run_support::runs;

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
    fix: FixAvailability::None,
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
        let Some(first) = run.commands.iter().find(|c| c.program() != "set") else {
            continue;
        };
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
            )),
        );
    }
}
