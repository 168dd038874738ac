//! RB606: EXPOSE of the SSH port.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Keyword;

use super::support::exposed_ports;

const SSH_PORT: u64 = 22;

pub static RULE: Rule = Rule {
    code: "RB606",
    name: "expose-ssh-port",
    severity: Severity::Warning,
    severity_reason: "the image works, but an SSH server in a container is a security problem",
    summary: "EXPOSE 22: an SSH server in the container",
    docs: Docs {
        what_it_does: "Finds EXPOSE instructions that list port 22, alone or inside a range.",
        why_is_this_bad: "Port 22 means an SSH server runs in the container: one more daemon with \
credentials to manage and an entry point for attackers. `docker exec` gives a shell without it.",
        example: "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y openssh-server\nEXPOSE 22 8080\n",
        use_instead: "FROM ubuntu:22.04\nEXPOSE 8080\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nEXPOSE 22/tcp\n", "FROM alpine:3.19\nEXPOSE 20-30\n"],
        pass: &["FROM alpine:3.19\nEXPOSE 2222 220\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        if instruction.kind != Keyword::Expose {
            continue;
        }
        for (word, ports) in exposed_ports(instruction) {
            let first = ports[0];
            let last = *ports.last().unwrap_or(&first);
            if (first..=last).contains(&SSH_PORT) {
                findings.push(
                    Finding::new(word.span, "port 22 exposes an SSH server in the container")
                        .with_help("drop the SSH server; use `docker exec` to get a shell"),
                );
            }
        }
    }
}
