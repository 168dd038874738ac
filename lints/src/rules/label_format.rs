//! RB806: a label's value does not have the format the label schema declares.

use crate::diagnostic::{Finding, Severity};
use crate::label_format::LabelFormat;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::labels::labels;

pub static RULE: Rule = Rule {
    code: "RB806",
    name: "label-format",
    severity: Severity::Warning,
    severity_reason: "the build works, but the value does not have the format the schema declares: a likely bug",
    summary: "Label value does not have the format the label schema declares",
    docs: Docs {
        what_it_does: "When a label schema is configured, checks the value of each label it \
declares with a format: `url` (scheme and host), `rfc3339` (date and time with a zone), `spdx` \
(an expression of common SPDX licence ids or `LicenseRef-` ids with AND, OR, WITH), `hash` (a \
git commit id: 7 to 40 or 64 hex digits), `semver` (semver.org) or `email` (local@domain). \
Values built from variables and empty values (see `empty-label-value`) are not checked. (The \
examples assume `org.opencontainers.image.created = \"rfc3339\"` and similar.)",
        why_is_this_bad: "Tools read these labels by format: a creation date that does not \
parse, a licence that is not an SPDX id or a revision that is a branch name breaks their \
reports, and the schema is there to catch it.",
        example: "FROM alpine\nLABEL org.opencontainers.image.created=\"May 1st 2024\"\n",
        use_instead: "FROM alpine\nLABEL org.opencontainers.image.created=2024-05-01T12:00:00Z\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nLABEL org.opencontainers.image.source=github.com/org/app\n",
            "FROM alpine\nLABEL org.opencontainers.image.licenses=\"MIT License\"\n",
            "FROM alpine\nLABEL org.opencontainers.image.revision=main\n",
            "FROM alpine\nLABEL org.opencontainers.image.version=v1.2\n",
            "FROM alpine\nLABEL maintainer=\"Jane Doe <jane@example.com>\"\n",
        ],
        pass: &[
            "FROM alpine\nLABEL org.opencontainers.image.source=https://github.com/org/app \\\n      org.opencontainers.image.licenses=\"MIT OR Apache-2.0\" \\\n      org.opencontainers.image.revision=3f786850e387550fdab836ed7e6dc881de23001b \\\n      org.opencontainers.image.version=1.2.3-rc.1 \\\n      maintainer=jane@example.com \\\n      org.opencontainers.image.title=\"any text\"\n",
            "FROM alpine\nARG VERSION\nLABEL org.opencontainers.image.version=${VERSION}\n",
            "FROM alpine\nLABEL org.opencontainers.image.version=\"\"\n",
        ],
    },
    check: Checker::Static(check),
};

/// The hadolint id of the check for `format` (none for free text).
fn hadolint_id(format: LabelFormat) -> Option<&'static str> {
    match format {
        LabelFormat::Url => Some("DL3052"),
        LabelFormat::Rfc3339 => Some("DL3053"),
        LabelFormat::Spdx => Some("DL3054"),
        LabelFormat::Hash => Some("DL3055"),
        LabelFormat::Semver => Some("DL3056"),
        LabelFormat::Email => Some("DL3058"),
        LabelFormat::Text => None,
    }
}

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let schema = &check.options.label_schema;
    for label in labels(check.dockerfile) {
        let (Some(key), Some(value)) = (&label.key, &label.value) else {
            continue;
        };
        let Some(&format) = schema.get(key) else {
            continue;
        };
        if value.is_empty() || format.accepts(value) {
            continue;
        }
        let id = hadolint_id(format).map_or(String::new(), |id| format!(" [{id}]"));
        findings.push(
            Finding::new(
                label.pair.value.span,
                format!(
                    "label `{key}` is `{value}`, not {}{id}",
                    format.description()
                ),
            )
            .with_help(format!("the label schema declares `{key}` as `{format}`")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_checked_format_has_one_of_the_rule_s_ids() {
        for format in LabelFormat::ALL {
            if let Some(id) = hadolint_id(format) {
                assert!(RULE.equivalents.hadolint.contains(&id), "{id}");
            }
        }
    }
}
