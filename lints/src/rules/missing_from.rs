//! RB101: a build instruction before the first FROM.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Keyword;

pub static RULE: Rule = Rule {
    code: "RB101",
    name: "missing-from",
    severity: Severity::Error,
    severity_reason: "the builder rejects the file: there is no stage to run the instruction in",
    summary: "A build instruction comes before the first FROM",
    docs: Docs {
        what_it_does: "Checks that the first instruction other than ARG is a FROM. Only ARG may stand \
before the first FROM (to parameterise base images); comments and parser directives are not instructions.",
        why_is_this_bad: "The builder has no base image to run the instruction on and stops with \"no \
build stage in current context\" — after the whole context was sent.",
        example: "RUN apk add curl\nFROM alpine:3.19\n",
        use_instead: "FROM alpine:3.19\nRUN apk add curl\n",
    },
    equivalents: Equivalents { hadolint: &["DL3061"], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "# syntax=docker/dockerfile:1\nLABEL a=b\n",
            "ARG V=1\nENV X=$V\nFROM alpine\n",
            "ARG V=1\n",
        ],
        pass: &["# syntax=docker/dockerfile:1\nARG BASE=alpine\nFROM ${BASE}\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let first_build_instruction = check
        .dockerfile
        .instructions
        .iter()
        .find(|i| i.kind != Keyword::Arg);
    if first_build_instruction.is_none() {
        // Only ARGs: nothing to build.
        let last = check
            .dockerfile
            .instructions
            .last()
            .map_or(0, |i| i.span.start);
        findings.push(
            Finding::new(
                crate::syntax::Span::new(last, last),
                "the Dockerfile has no FROM: there is no stage to build",
            )
            .with_help("add a FROM after the ARGs"),
        );
    }
    if let Some(instruction) = first_build_instruction.filter(|i| i.kind != Keyword::From) {
        findings.push(
            Finding::new(
                instruction.keyword_span,
                format!(
                    "{} before the first FROM: no build stage to run it in",
                    instruction.kind.as_str()
                ),
            )
            .with_help("start the Dockerfile with a FROM (only ARG may come before it)"),
        );
    }
}
