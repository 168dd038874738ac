//! RB506: the MAINTAINER instruction.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Keyword;

pub static RULE: Rule = Rule {
    code: "RB506",
    name: "maintainer-deprecated",
    severity: Severity::Warning,
    severity_reason: "the build works; the instruction is deprecated",
    summary: "MAINTAINER is deprecated; use a LABEL",
    docs: Docs {
        what_it_does: "Finds MAINTAINER instructions.",
        why_is_this_bad: "MAINTAINER has been deprecated for years: it sets a legacy image field \
that tools no longer read. The `org.opencontainers.image.authors` label carries the same \
information in the form registries and scanners understand.",
        example: "FROM alpine\nMAINTAINER Jane Doe <jane@example.com>\n",
        use_instead:
            "FROM alpine\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL4000"],
        buildkit: Some("MaintainerDeprecated"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["maintainer ops@example.com\nFROM alpine\n"],
        pass: &[
            "FROM alpine\n# MAINTAINER in a comment is fine\nLABEL maintainer=ops@example.com\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        if instruction.kind == Keyword::Maintainer {
            findings.push(
                Finding::new(instruction.keyword_span, "MAINTAINER is deprecated")
                    .with_help("use `LABEL org.opencontainers.image.authors=\"...\"` instead"),
            );
        }
    }
}
