//! RB416: a command that makes no sense while building an image.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use crate::script::Command;

use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB416",
    name: "pointless-command",
    severity: Severity::Info,
    severity_reason: "the command does nothing useful in a build, or waits for a user: a likely bug",
    summary: "Interactive or system-control command in a RUN",
    docs: Docs {
        what_it_does: "Finds RUN commands that only make sense on a running machine with a person at \
it: `ssh`, `vim`, `nano`, `shutdown`, `reboot`, `service`, `systemctl`, `ps`, `top`, `free`, `kill`, \
`mount`, `ifconfig`.",
        why_is_this_bad: "A build step runs once, without a terminal, in a container that is thrown \
away: services started there do not run in the final container, editors wait for input that never \
comes, and process or network listings describe the builder, not the image's future runtime.",
        example: "FROM debian:12\nRUN service nginx start\n",
        use_instead: "FROM debian:12\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3001"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nRUN ps aux | grep sshd\n",
            "FROM debian:12\nRUN vim /etc/hosts\n",
            "FROM debian:12\nRUN echo 'test:test' | chpasswd && service ssh start\n",
        ],
        pass: &[
            "FROM alpine:3.19\nRUN ssh-keygen -A && echo 'kill it' && systemd-tmpfiles --create\n",
            "FROM mysql:8\nRUN service mysql start && mysql < /schema.sql && service mysql stop\n",
        ],
    },
    check: Checker::Static(check),
};

/// Programs that need a running system or a person at a terminal.
const POINTLESS: &[&str] = &[
    "ssh",
    "vim",
    "vi",
    "nano",
    "shutdown",
    "reboot",
    "service",
    "systemctl",
    "ps",
    "top",
    "free",
    "kill",
    "mount",
    "ifconfig",
];

/// Of [`POINTLESS`], those that serve real work done in the same RUN: a database started to
/// load a schema, then stopped. A start is reported only with no work after it, a stop only
/// with no work before it.
const SETUP_HELPERS: &[&str] = &["service", "systemctl", "kill", "mount"];

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        let is_work = |c: &Command| !POINTLESS.contains(&c.program());
        for (i, command) in run.commands.iter().enumerate() {
            let program = command.program();
            if !POINTLESS.contains(&program)
                // `systemctl enable` only writes links: it prepares the image for systemd.
                || command.is("systemctl", &["enable", "disable", "mask"])
            {
                continue;
            }
            if SETUP_HELPERS.contains(&program) {
                let stops = program == "kill" || command.has_word("stop");
                let serves_work = if stops {
                    run.commands[..i].iter().any(is_work)
                } else {
                    run.commands[i + 1..].iter().any(is_work)
                };
                if serves_work {
                    continue;
                }
            }
            findings.push(
                Finding::new(
                    command.span,
                    format!("`{program}` does nothing useful while building an image"),
                )
                .with_help("configure the image with files and CMD/ENTRYPOINT; run services when the container starts"),
            );
        }
    }
}
