//! RB704: EXPOSE protocol not in lower case.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Keyword, Span};

pub static RULE: Rule = Rule {
    code: "RB704",
    name: "expose-proto-casing",
    severity: Severity::Warning,
    severity_reason: "the build works; the builder lower-cases the protocol",
    summary: "EXPOSE protocol is not lower case",
    docs: Docs {
        what_it_does: "Finds EXPOSE ports whose protocol is not written in lower case \
(`80/TCP` instead of `80/tcp`).",
        why_is_this_bad:
            "The protocol is stored as written in the image, and tools that compare it \
with `tcp`/`udp` may treat `TCP` as another protocol; lower case is the documented form.",
        example: "FROM alpine\nEXPOSE 80/TcP\n",
        use_instead: "FROM alpine\nEXPOSE 80/tcp\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("ExposeProtoCasing"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description: "Lower-cases the protocol, as the builder does anyway: the image is the same.",
        examples: &[FixExample {
            before: "FROM alpine:3.19\nEXPOSE 80/TcP 53/UDP \\\n  443/Tcp\n",
            after: "FROM alpine:3.19\nEXPOSE 80/tcp 53/udp \\\n  443/tcp\n",
        }],
    }),
    fixtures: Fixtures {
        fail: &["FROM alpine\nEXPOSE 53/UDP 80\n"],
        pass: &["FROM alpine\nEXPOSE 53/udp 80 ${PORT}/tcp\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for instruction in &dockerfile.instructions {
        if instruction.kind != Keyword::Expose {
            continue;
        }
        for word in instruction.words() {
            let Some((_, protocol)) = word.value.rsplit_once('/') else {
                continue;
            };
            if protocol.contains('$') || protocol == protocol.to_ascii_lowercase() {
                continue;
            }
            let mut finding = Finding::new(
                word.span,
                format!("protocol `{protocol}` should be lower case"),
            )
            .with_help(format!("write `{}`", protocol.to_ascii_lowercase()));
            // The protocol ends the word as written unless a line continuation splits it.
            if dockerfile.text(word.span).ends_with(protocol) {
                let start = word.span.end - protocol.len();
                finding = finding.with_fix(Fix {
                    message: format!(
                        "lower-case the protocol to `{}`",
                        protocol.to_ascii_lowercase()
                    ),
                    safety: Safety::Safe,
                    edits: vec![Edit {
                        span: Span::new(start, word.span.end),
                        replacement: protocol.to_ascii_lowercase(),
                    }],
                });
            }
            findings.push(finding);
        }
    }
}
