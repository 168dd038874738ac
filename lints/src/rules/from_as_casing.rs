//! RB702: `FROM ... as` (or `from ... AS`): the two keywords in different case.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};

pub static RULE: Rule = Rule {
    code: "RB702",
    name: "from-as-casing",
    severity: Severity::Warning,
    severity_reason:
        "the build works; mixed casing is a readability problem the builder warns about",
    summary: "`AS` in a FROM line is not in the same case as `FROM`",
    docs: Docs {
        what_it_does: "Finds `FROM image as name` (upper-case FROM, lower-case `as`) and \
`from image AS name`. A FROM keyword in mixed case is left to consistent-instruction-casing.",
        why_is_this_bad:
            "The builder accepts both, but mixing them makes the stage name harder to spot \
and the file look careless; keywords of one line should share a case.",
        example: "FROM debian:12 as builder\n",
        use_instead: "FROM debian:12 AS builder\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("FromAsCasing"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description: "Writes `AS` in the case of `FROM`; keywords are case-insensitive, so the image is the same.",
        examples: &[
            FixExample {
                before: "FROM debian:12 as builder\nfrom builder As final\n",
                after: "FROM debian:12 AS builder\nfrom builder as final\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["from debian:12 AS builder\n", "FROM alpine As base\n"],
        pass: &["from debian:12 as builder\nFrom alpine as other\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let instruction = &dockerfile.instructions[stage.from];
        let [_, as_word, _] = instruction.words() else {
            continue;
        };
        let from = dockerfile.text(instruction.keyword_span);
        let expected = if from == "FROM" {
            "AS"
        } else if from == "from" {
            "as"
        } else {
            continue;
        };
        if as_word.value == expected {
            continue;
        }
        findings.push(
            Finding::new(
                as_word.span,
                format!("`{}` does not match the case of `{from}`", as_word.value),
            )
            .with_label(instruction.keyword_span, "the keyword is written like this")
            .with_fix(Fix {
                message: format!("write `{expected}`"),
                safety: Safety::Safe,
                edits: vec![Edit {
                    span: as_word.span,
                    replacement: expected.to_string(),
                }],
            }),
        );
    }
}
