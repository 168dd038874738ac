//! RB407: the whole distribution is upgraded inside the image.

use crate::diagnostic::{Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};

use super::fix_support::remove_command;
use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB407",
    name: "system-upgrade",
    severity: Severity::Info,
    severity_reason: "advice: the build works, but it is less reproducible",
    summary: "Distribution upgrade (`apt-get upgrade`, `zypper dist-upgrade`) in a RUN",
    docs: Docs {
        what_it_does: "Finds `apt-get upgrade`, `apt-get dist-upgrade`, `apt-get full-upgrade` \
(and the same with `apt`) and `zypper dist-upgrade`/`zypper dup`.",
        why_is_this_bad: "Upgrading every package makes the image depend on the day it is built, can pull \
a new major release of system libraries into a base image that was tested without it, and adds a \
large layer duplicating files of the base. Security fixes come more reliably from rebuilding on an \
updated base image tag; upgrade single packages by name when one fix cannot wait.",
        example: "FROM debian:12\nRUN apt-get update && apt-get -y dist-upgrade && rm -rf /var/lib/apt/lists/*\n",
        use_instead: "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends --only-upgrade openssl=3.0.15-1~deb12u1 \\\n    && rm -rf /var/lib/apt/lists/*\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3035"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Removes the upgrade command with the `&&` or `;` that joins it to the script (not offered when it is piped, in a subshell or condition, or the RUN's only command). Unsafe: the image keeps the base image's package versions, security fixes included; rebuild on an updated base instead.",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN apt-get update && apt-get -y dist-upgrade && rm -rf /var/lib/apt/lists/*\n",
                after: "FROM debian:12\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n",
            },
            FixExample {
                before: "FROM ubuntu:24.04\nRUN apt-get update \\\n    && apt-get upgrade -y\n",
                after: "FROM ubuntu:24.04\nRUN apt-get update\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM opensuse/leap:15\nRUN zypper -n dup && zypper clean\n",
            "FROM ubuntu:24.04\nRUN apt-get update && apt-get upgrade -y\n",
        ],
        pass: &["FROM opensuse/leap:15\nRUN zypper -n update openssl && zypper clean\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for (index, command) in run.commands.iter().enumerate() {
            let upgrades = command.is("apt-get", &["upgrade", "dist-upgrade", "full-upgrade"])
                || command.is("apt", &["upgrade", "dist-upgrade", "full-upgrade"])
                || command.is("zypper", &["dist-upgrade", "dup"]);
            if upgrades {
                findings.push(
                    Finding::new(
                        command.span,
                        format!(
                            "`{} {}` upgrades every package of the base image",
                            command.program(),
                            command.operands().next().unwrap_or_default()
                        ),
                    )
                    .with_help("rebuild on an updated base image instead, or upgrade the packages that need it by name")
                    .with_fix_option(
                        remove_command(check.dockerfile, run.instruction, run.commands, index).map(
                            |edit| Fix {
                                message: "remove the upgrade".to_string(),
                                safety: Safety::Unsafe,
                                edits: vec![edit],
                            },
                        ),
                    ),
                );
            }
        }
    }
}
