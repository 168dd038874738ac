//! RB403: a package install that waits for a confirmation nobody can give.

use crate::diagnostic::{Finding, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::script::Command;

use super::fix_support::insert_option;
use super::run_support::{has_option, runs};

pub static RULE: Rule = Rule {
    code: "RB403",
    name: "package-install-prompts",
    severity: Severity::Warning,
    severity_reason: "the install may wait for an answer that never comes and fail; where the tool defaults to yes, it works",
    summary: "Package install without the option that answers its confirmation prompt",
    docs: Docs {
        what_it_does: "Finds `apt-get install` without `-y` (or `--yes`, `--assume-yes`, `-qq`), \
`yum install` and `dnf install` without `-y` (`--assumeyes`), and `zypper install` without \
`-n`/`--non-interactive` (before the subcommand) or `-y`/`--no-confirm` (after it). Combined short \
options such as `-qy` count.",
        why_is_this_bad: "A build has no terminal to answer \"Do you want to continue? [Y/n]\": the \
package manager reads end-of-file and aborts, and the build fails at that step, often only once the \
package list grows enough to need a confirmation.",
        example: "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3014", "DL3030", "DL3034", "DL3038"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Safe,
        description: "Adds `-y` after the subcommand (`apt-get install -y`, `yum install -y`, `zypper install -y`). Safe: the packages are the ones the line names; without the answer the step aborts at the prompt.",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
                after: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
            },
            FixExample {
                before: "FROM centos:7\nRUN yum install httpd-2.4.6 && yum clean all\n",
                after: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM centos:7\nRUN yum install httpd-2.4.6 && yum clean all\n",
            "FROM fedora:40\nRUN dnf install nginx-1.24.0 && dnf clean all\n",
            "FROM opensuse/leap:15\nRUN zypper install git=2.35.3 && zypper clean\n",
        ],
        pass: &[
            "FROM debian:12\nRUN apt-get update && apt-get -qy install --no-install-recommends curl=7.88.1-10+deb12u8\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -qq --no-install-recommends curl=7.88.1-10+deb12u8\n",
            "FROM centos:7\nRUN yum -y install httpd-2.4.6 && yum clean all\n",
            "FROM fedora:40\nRUN dnf install --assumeyes nginx-1.24.0 && dnf clean all\n",
            "FROM opensuse/leap:15\nRUN zypper -n install git=2.35.3 && zypper --non-interactive in make=4.2.1 && zypper clean\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for command in run.commands.iter() {
            if let Some(answer) = missing_answer(command) {
                findings.push(
                    Finding::new(
                        command.span,
                        format!(
                            "`{} {}` may stop at a confirmation prompt the build cannot answer",
                            command.program(),
                            command.operands().next().unwrap_or_default()
                        ),
                    )
                    .with_help(format!("add `{answer}` to answer the prompt"))
                    .with_fix_option(insert_option(
                        check.dockerfile,
                        command,
                        true,
                        "-y",
                        Safety::Safe,
                    )),
                );
            }
        }
    }
}

/// The option the install lacks, if it lacks one.
fn missing_answer(command: &Command) -> Option<&'static str> {
    if command.is("apt-get", &["install"]) || command.is("apt", &["install"]) {
        let quiet_twice = command
            .words
            .iter()
            .any(|w| w.starts_with("-qq") || w == "--quiet=2" || w == "-q=2");
        let configured = command.words.iter().any(|w| w.contains("Assume-Yes=true"));
        let answered = quiet_twice
            || configured
            || has_option(
                command,
                &["--yes", "--assume-yes"],
                &['y'],
                &['o', 'c', 't'],
            );
        return (!answered).then_some("-y");
    }
    if ["yum", "dnf"]
        .iter()
        .any(|p| command.is(p, &["install", "groupinstall", "localinstall", "reinstall"]))
    {
        let answered = has_option(
            command,
            &["--assumeyes"],
            &['y'],
            &['c', 'd', 'e', 'x', 'R'],
        );
        return (!answered).then_some("-y");
    }
    if command.is("zypper", &["install"]) {
        let answered = has_option(
            command,
            &["--non-interactive", "--no-confirm"],
            &['n', 'y'],
            &['r', 't', 'c', 'R', 'D'],
        );
        return (!answered).then_some("-n");
    }
    None
}
