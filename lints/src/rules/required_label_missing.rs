//! RB803: a label the configured schema requires is missing from the built image.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::labels::stage_labels;
use super::support::produced_stage;

pub static RULE: Rule = Rule {
    code: "RB803",
    name: "required-label-missing",
    severity: Severity::Info,
    severity_reason: "advice: the project's label schema asks for it",
    summary: "A label required by the label schema is missing",
    docs: Docs {
        what_it_does: "When a label schema is configured, checks that the image built (the \
last stage, or the `--target` stage of a build) sets every label of the schema — in its own \
LABELs or in those of the earlier stages it is built on. Without a schema the rule is quiet. \
(The examples assume a schema requiring `org.opencontainers.image.source` and others.)",
        why_is_this_bad: "A label schema is how an organisation finds the source, owner or \
licence of every image it runs; an image without them cannot be traced.",
        example: "FROM alpine\nLABEL org.opencontainers.image.title=app\n",
        use_instead: "FROM alpine\nLABEL org.opencontainers.image.source=https://example.com/app \\\n      org.opencontainers.image.created=2024-05-01T12:00:00Z \\\n      org.opencontainers.image.licenses=MIT \\\n      org.opencontainers.image.revision=3f78685 \\\n      org.opencontainers.image.version=1.0.0 \\\n      maintainer=ops@example.com \\\n      org.opencontainers.image.title=app\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3049"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\n",
            // The labels of an unrelated stage do not reach the image.
            "FROM alpine AS build\nLABEL org.opencontainers.image.source=https://example.com/app \\\n      org.opencontainers.image.created=2024-05-01T12:00:00Z \\\n      org.opencontainers.image.licenses=MIT \\\n      org.opencontainers.image.revision=3f78685 \\\n      org.opencontainers.image.version=1.0.0 \\\n      maintainer=ops@example.com \\\n      org.opencontainers.image.title=app\nFROM alpine\n",
        ],
        pass: &[
            // Inherited from the stage the image is built on.
            "FROM alpine AS base\nLABEL org.opencontainers.image.source=https://example.com/app \\\n      org.opencontainers.image.created=2024-05-01T12:00:00Z \\\n      org.opencontainers.image.licenses=MIT \\\n      org.opencontainers.image.revision=3f78685 \\\n      org.opencontainers.image.version=1.0.0 \\\n      maintainer=ops@example.com \\\n      org.opencontainers.image.title=app\nFROM base\nRUN true\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let schema = &check.options.label_schema;
    let dockerfile = check.dockerfile;
    if schema.is_empty() {
        return;
    }
    let Some(stage) = produced_stage(check) else {
        return;
    };
    let labels = stage_labels(dockerfile, stage);
    // A key made of variables may be any of the required labels.
    if labels.iter().any(|label| label.key.is_none()) {
        return;
    }
    let from = &dockerfile.instructions[stage.from];
    for name in schema.keys() {
        if !labels
            .iter()
            .any(|label| label.key.as_deref() == Some(name))
        {
            findings.push(
                Finding::new(
                    from.keyword_span.join(stage.base.span),
                    format!("the image has no label `{name}`, which the label schema requires"),
                )
                .with_help(format!(
                    "add `LABEL {name}=...` ({})",
                    schema[name].description()
                )),
            );
        }
    }
}
