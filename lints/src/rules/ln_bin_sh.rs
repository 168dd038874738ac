//! RB412: `/bin/sh` replaced by a link to switch shells.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB412",
    name: "ln-bin-sh",
    severity: Severity::Warning,
    severity_reason: "the build works, but every later RUN and the image's users get another shell: a likely bug",
    summary: "`/bin/sh` replaced with `ln` to change the shell",
    docs: Docs {
        what_it_does: "Finds `ln` commands whose link is `/bin/sh` (`ln -sf /bin/bash /bin/sh`).",
        why_is_this_bad: "Relinking /bin/sh changes the shell of every script in the image, system \
scripts and package maintainer scripts included, which were written for the distribution's shell. \
The SHELL instruction changes the shell of the Dockerfile's RUN instructions only, and says so where \
readers look.",
        example: "FROM debian:12\nRUN ln -sf /bin/bash /bin/sh\nRUN source /etc/profile && make\n",
        use_instead: "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN source /etc/profile && make\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL4005"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM ubuntu:24.04\nRUN rm /bin/sh && ln -s /bin/bash /bin/sh\n"],
        pass: &["FROM ubuntu:24.04\nRUN ln -s /bin/sh /usr/local/bin/posix-sh && ln -sf /usr/bin/python3 /usr/bin/python\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for command in run.commands.iter().filter(|c| c.program() == "ln") {
            // The link is the last operand; a single operand links into the current directory.
            let operands: Vec<&str> = command.operands().collect();
            if operands.len() >= 2 && operands.last() == Some(&"/bin/sh") {
                findings.push(
                    Finding::new(
                        command.span,
                        "`ln` replaces /bin/sh for every script in the image",
                    )
                    .with_help("use the SHELL instruction: `SHELL [\"/bin/bash\", \"-c\"]`"),
                );
            }
        }
    }
}
