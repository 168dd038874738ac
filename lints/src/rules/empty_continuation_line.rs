//! RB003: an empty line inside a continued instruction.

use crate::diagnostic::{Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::WarningKind;

use super::fix_support::delete_lines;

pub static RULE: Rule = Rule {
    code: "RB003",
    name: "empty-continuation-line",
    severity: Severity::Warning,
    summary: "Empty line inside a continued instruction",
    docs: Docs {
        what_it_does:
            "Finds empty lines between the lines of an instruction that is continued with the \
escape character (`\\`).",
        why_is_this_bad:
            "The builder skips them today but warns that they will become an error. They also \
make the instruction look like it ends where it does not.",
        example: "FROM alpine\nRUN apk add \\\n\n    curl\n",
        use_instead: "FROM alpine\nRUN apk add \\\n    curl\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("NoEmptyContinuation"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description:
            "Removes the empty line. Safe: the builder skips it today; it is only a future error.",
        examples: &[FixExample {
            before: "FROM alpine:3.19\nRUN apk add \\\n\n    curl\n",
            after: "FROM alpine:3.19\nRUN apk add \\\n    curl\n",
        }],
    }),
    fixtures: Fixtures {
        fail: &["FROM alpine\nRUN echo a \\\n\n  && echo b \\\n\n  && echo c\n"],
        pass: &["FROM alpine\nRUN echo a \\\n# a comment line is fine\n  && echo b\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for warning in &check.dockerfile.warnings {
        if warning.kind != WarningKind::EmptyContinuationLine {
            continue;
        }
        for location in &warning.locations {
            findings.push(
                Finding::new(*location, "empty continuation line")
                    .with_help("remove the empty line, or end the instruction before it")
                    .with_fix(Fix {
                        message: "remove the empty line".to_string(),
                        safety: Safety::Safe,
                        edits: vec![delete_lines(check.dockerfile, *location)],
                    }),
            );
        }
    }
}
