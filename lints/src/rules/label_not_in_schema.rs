//! RB804: with strict labels, a label the schema does not declare.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::labels::labels;

pub static RULE: Rule = Rule {
    code: "RB804",
    name: "label-not-in-schema",
    severity: Severity::Info,
    severity_reason: "advice: the project's label schema does not declare it",
    summary: "Label not declared in the label schema (strict labels)",
    docs: Docs {
        what_it_does: "When `strict-labels` is on, reports every LABEL key the label schema \
does not declare. Keys built from variables are not checked. Without strict labels the rule \
is quiet. (The examples assume strict labels and a schema with the \
`org.opencontainers.image.*` keys used here.)",
        why_is_this_bad: "A strict schema keeps label names consistent across images: a \
misspelt or ad-hoc key (`org.opencontainers.image.url` vs `...image.source`, `Version`) is \
invisible to the tools that read the declared ones.",
        example: "FROM alpine\nLABEL org.opencontainers.image.titel=app\n",
        use_instead: "FROM alpine\nLABEL org.opencontainers.image.title=app\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3050"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine AS build\nLABEL stage=build\nFROM alpine\n"],
        pass: &[
            "FROM alpine\nLABEL maintainer=ops@example.com\n",
            "FROM alpine\nARG KEY=x\nLABEL ${KEY}=value\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    if !check.options.strict_labels {
        return;
    }
    let schema = &check.options.label_schema;
    for label in labels(check.dockerfile) {
        let Some(key) = &label.key else { continue };
        if !schema.contains_key(key) {
            let declared: Vec<&str> = schema.keys().map(String::as_str).collect();
            let help = if declared.is_empty() {
                "the label schema declares no labels: add this one to it".to_string()
            } else {
                format!("declared labels: {}", declared.join(", "))
            };
            findings.push(
                Finding::new(
                    label.pair.key.span,
                    format!("label `{key}` is not in the label schema"),
                )
                .with_help(help),
            );
        }
    }
}
