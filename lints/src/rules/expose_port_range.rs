//! RB516: an EXPOSE port outside 0-65535.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Keyword;

use super::support::{exposed_ports, with_triggers};

pub static RULE: Rule = Rule {
    code: "RB516",
    name: "expose-port-range",
    severity: Severity::Error,
    severity_reason: "the builder rejects a port outside 0-65535",
    summary: "EXPOSE port outside 0-65535",
    docs: Docs {
        what_it_does:
            "Finds EXPOSE ports (or port range ends) that are numbers above 65535. Ports \
given through variables are left alone.",
        why_is_this_bad: "TCP and UDP ports are 16-bit numbers: such a port cannot be published, \
and the build fails or the metadata lies. It is usually a typo.",
        example: "FROM nginx:1.25\nEXPOSE 80800\n",
        use_instead: "FROM nginx:1.25\nEXPOSE 8080\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3011"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nEXPOSE 80 70000/udp\n",
            "FROM alpine:3.19\nONBUILD EXPOSE 70000\n",
            "FROM alpine:3.19\nEXPOSE 65000-65536\n",
        ],
        pass: &[
            "FROM alpine:3.19\nEXPOSE 0 65535/tcp 8000-8010\n",
            "FROM alpine:3.19\nARG PORT=8080\nEXPOSE ${PORT}\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in with_triggers(check.dockerfile) {
        if instruction.kind != Keyword::Expose {
            continue;
        }
        for (word, ports) in exposed_ports(instruction) {
            if ports.iter().any(|&port| port > u64::from(u16::MAX)) {
                findings.push(
                    Finding::new(
                        word.span,
                        format!(
                            "`{}` is not a valid port: ports go from 0 to 65535",
                            word.value
                        ),
                    )
                    .with_help("check the number for a typo"),
                );
            }
        }
    }
}
