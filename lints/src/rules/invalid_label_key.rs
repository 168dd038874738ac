//! RB802: a LABEL key that is not a valid label key.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::labels::labels;

pub static RULE: Rule = Rule {
    code: "RB802",
    name: "invalid-label-key",
    severity: Severity::Style,
    severity_reason: "style: the builder accepts any key",
    summary: "LABEL key that is not a valid label key",
    docs: Docs {
        what_it_does: "Checks LABEL keys against Docker's label key guidelines: lowercase \
letters, digits, `.` and `-`; starting with a letter and ending with a letter or digit; no `..` \
or `--`; and not in the namespaces Docker reserves (`com.docker.`, `io.docker.`, \
`org.dockerproject.`). Keys built from variables are not checked.",
        why_is_this_bad: "Tools that query labels (`docker ps --filter label=...`, registries, \
scanners) expect keys in this form; a key like `Version` or `my_label` will be missed or \
rejected by them, and reserved namespaces belong to Docker's own tools.",
        example: "FROM alpine\nLABEL Version=1.0\n",
        use_instead: "FROM alpine\nLABEL org.opencontainers.image.version=1.0\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3048"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nLABEL my_label=x\n",
            "FROM alpine\nLABEL com.docker.extension=x\n",
            "FROM alpine\nLABEL org..example=x\n",
            "FROM alpine\nLABEL \"1abc\"=x\n",
            "FROM alpine\nLABEL trailing.=x\n",
        ],
        pass: &[
            "FROM alpine\nLABEL maintainer=ops@example.com \"com.example.vendor\"=ACME\n",
            "FROM alpine\nARG KEY=x\nLABEL ${KEY}=value\n",
            "FROM alpine\nLABEL a1.b-c.d2=x\n",
        ],
    },
    check: Checker::Static(check),
};

const RESERVED_NAMESPACES: &[&str] = &["com.docker.", "io.docker.", "org.dockerproject."];

/// What is wrong with `key`, if anything.
fn problem(key: &str) -> Option<&'static str> {
    if RESERVED_NAMESPACES.iter().any(|ns| key.starts_with(ns)) {
        Some("it is in a namespace reserved for Docker")
    } else if !key
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        Some("keys use only lowercase letters, digits, `.` and `-`")
    } else if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("keys start with a lowercase letter")
    } else if !key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        Some("keys end with a lowercase letter or a digit")
    } else if key.contains("..") || key.contains("--") {
        Some("keys have no `..` or `--`")
    } else {
        None
    }
}

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for label in labels(check.dockerfile) {
        let Some(key) = &label.key else { continue };
        if let Some(problem) = problem(key) {
            findings.push(
                Finding::new(label.pair.key.span, format!("invalid label key `{key}`"))
                    .with_help(format!("{problem}, e.g. `com.example.{}`", suggestion(key))),
            );
        }
    }
}

/// `key` rewritten into the allowed characters, for the help text.
fn suggestion(key: &str) -> String {
    let mut text: String = key
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    for doubled in ["..", "--"] {
        while text.contains(doubled) {
            text = text.replace(doubled, &doubled[..1]);
        }
    }
    text.trim_matches(['.', '-']).to_string()
}
