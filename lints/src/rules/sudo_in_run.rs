//! RB415: `sudo` inside a RUN.

use std::sync::LazyLock;

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::run_support::{runs, written_words};

pub static RULE: Rule = Rule {
    code: "RB415",
    name: "sudo-in-run",
    severity: Severity::Warning,
    severity_reason: "where the base image has sudo and root runs the step, it works; elsewhere it fails or prompts",
    summary: "`sudo` used in a RUN",
    docs: Docs {
        what_it_does: "Finds commands run through `sudo` in RUN instructions.",
        why_is_this_bad: "sudo is made for people switching users at a terminal: in a build it needs a \
configured sudoers entry and often a TTY, its environment handling changes the command's variables, \
and its presence in the image lets any process regain root. Switch users with the USER instruction \
instead, and run root steps before it. A warning: where the base image has sudo and root runs \
the step, it works.",
        example: "FROM debian:12\nUSER app\nRUN sudo apt-get update\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\nUSER app\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3004"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM ubuntu:24.04\nRUN mkdir -p /opt/app && /usr/bin/sudo -E chown app /opt/app\n"],
        pass: &["FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends sudo=1.9.15p5-3ubuntu5 \\\n    && echo 'app ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/app && rm -rf /var/lib/apt/lists/*\n"],
    },
    check: Checker::Static(check),
};

/// The search for `sudo` in a command's text, made once.
static SUDO: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("sudo"));

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for run in runs(check) {
        for command in run.commands.iter() {
            // `Command::words` leaves wrappers out: look at the command as written. Most
            // commands do not say `sudo` anywhere, which one search of their text tells.
            let text = dockerfile.text(command.span);
            let runs_sudo = SUDO.find(text.as_bytes()).is_some()
                && written_words(dockerfile, command)
                    .find(|w| !w.contains('='))
                    .is_some_and(|w| w.rsplit('/').next() == Some("sudo"));
            if runs_sudo {
                findings.push(
                    Finding::new(command.span, "`sudo` in a build step")
                        .with_help("run the step before switching users, or switch with USER"),
                );
            }
        }
    }
}
