//! RB504: `FROM --platform=$TARGETPLATFORM`, which is the default anyway.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::Span;

pub static RULE: Rule = Rule {
    code: "RB504",
    name: "redundant-target-platform",
    severity: Severity::Warning,
    severity_reason: "advice: it is the default",
    summary: "FROM --platform=$TARGETPLATFORM is redundant",
    docs: Docs {
        what_it_does: "Finds FROM lines whose `--platform` is exactly `$TARGETPLATFORM` (or \
`${TARGETPLATFORM}`).",
        why_is_this_bad:
            "A stage is built for the target platform unless told otherwise, so the flag \
changes nothing; it only makes readers wonder whether `$BUILDPLATFORM` was meant.",
        example: "FROM --platform=$TARGETPLATFORM alpine AS builder\nRUN apk add --no-cache git\n",
        use_instead: "FROM alpine AS builder\nRUN apk add --no-cache git\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3065"],
        buildkit: Some("RedundantTargetPlatform"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description: "Removes the flag (and the blanks after it): the target platform is what FROM uses without it.",
        examples: &[
            FixExample {
                before: "FROM --platform=$TARGETPLATFORM alpine:3.19 AS a\nFROM --platform=${TARGETPLATFORM} \\\n  alpine:3.19\n",
                after: "FROM alpine:3.19 AS a\nFROM \\\n  alpine:3.19\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["FROM --platform=${TARGETPLATFORM} node:22\n"],
        pass: &[
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n",
            "FROM --platform=${TARGETPLATFORM:-linux/amd64} alpine\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let source = check.dockerfile.source.as_bytes();
    for stage in &check.dockerfile.stages {
        let instruction = &check.dockerfile.instructions[stage.from];
        let Some(flag) = instruction.flag("platform") else {
            continue;
        };
        if !matches!(
            flag.value.as_deref(),
            Some("$TARGETPLATFORM" | "${TARGETPLATFORM}")
        ) {
            continue;
        }
        // Remove the flag and the blanks after it, so `FROM  alpine` does not keep a gap.
        let mut end = flag.span.end;
        while end < source.len() && matches!(source[end], b' ' | b'\t') {
            end += 1;
        }
        findings.push(
            Finding::new(
                flag.span,
                "`--platform=$TARGETPLATFORM` is the default and can be removed",
            )
            .with_fix(Fix {
                message: "remove the --platform flag".to_string(),
                safety: Safety::Safe,
                edits: vec![Edit {
                    span: Span::new(flag.span.start, end),
                    replacement: String::new(),
                }],
            }),
        );
    }
}
