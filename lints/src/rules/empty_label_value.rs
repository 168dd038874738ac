//! RB805: a label of the schema is set to an empty value.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::labels::labels;

pub static RULE: Rule = Rule {
    code: "RB805",
    name: "empty-label-value",
    severity: Severity::Warning,
    severity_reason: "the build works, but the label carries no information: a likely bug",
    summary: "A label of the label schema has an empty value",
    docs: Docs {
        what_it_does: "When a label schema is configured, reports labels it declares that are \
set to an empty value (`LABEL maintainer=\"\"`). Values built from variables are not \
checked. (The examples assume a schema declaring `maintainer`.)",
        why_is_this_bad: "An empty value satisfies the schema's presence check while telling \
nothing; it usually comes from a template nobody filled in.",
        example: "FROM alpine\nLABEL maintainer=\"\"\n",
        use_instead: "FROM alpine\nLABEL maintainer=ops@example.com\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3051"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine\nLABEL org.opencontainers.image.title=''\n"],
        pass: &[
            "FROM alpine\nARG TITLE\nLABEL org.opencontainers.image.title=$TITLE\n",
            "FROM alpine\nLABEL org.opencontainers.image.title=app\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let schema = &check.options.label_schema;
    for label in labels(check.dockerfile) {
        let (Some(key), Some(value)) = (&label.key, &label.value) else {
            continue;
        };
        if value.is_empty() && schema.contains_key(key) {
            findings.push(
                Finding::new(
                    label.pair.key.span.join(label.pair.value.span),
                    format!("label `{key}` is empty"),
                )
                .with_help(format!("give it a value: {}", schema[key].description())),
            );
        }
    }
}
