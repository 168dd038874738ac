//! RB102: FROM uses a variable that no ARG before the first FROM declares.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::suggest;

use super::support::{expand_base, AUTOMATIC_PLATFORM_ARGS};

pub static RULE: Rule = Rule {
    code: "RB102",
    name: "undefined-arg-in-from",
    severity: Severity::Warning,
    severity_reason: "the build may still work (a fallback, an optional suffix); when the image name comes out invalid, RB103 reports the error",
    summary: "FROM uses a variable that is not declared with ARG before the first FROM",
    docs: Docs {
        what_it_does:
            "Checks every variable a FROM line expands (`FROM node:${VERSION}`) against the ARGs \
declared before the first FROM, and the platform ARGs the builder defines itself (`BUILDPLATFORM`, \
`TARGETARCH`, ...). An ARG declared inside a stage is not visible to FROM lines.",
        why_is_this_bad:
            "An undeclared variable expands to nothing, so the build pulls another image \
than intended (`node:` + nothing = an invalid name, or `node:22` instead of `node:22-alpine`), and \
`--build-arg` cannot set it. A warning: when the result is still a valid image (a fallback \
`${TAG:-3.20}`, an optional suffix) the build works, and when it is not, RB103 reports the error.",
        example: "FROM node:22${VARIANT} AS build\n",
        use_instead: "ARG VARIANT=-alpine3.20\nFROM node:22${VARIANT} AS build\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("UndefinedArgInFrom"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine AS a\nARG TAG=3.19\nFROM alpine:${TAG}\n",
            "ARG VERSION=1\nFROM app:${VERSOIN}\n",
        ],
        pass: &[
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM alpine:${TARGETARCH:-x}\n",
            "ARG TAG\nFROM alpine:${TAG:-3.19}\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let values = check.global_arg_values();
    let declared: Vec<&str> = check
        .dockerfile
        .global_args
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for stage in &check.dockerfile.stages {
        let Ok(expansion) = expand_base(check.dockerfile, values, stage) else {
            continue; // reported by invalid-base-image
        };
        for name in &expansion.referenced {
            if declared.contains(&name.as_str()) || AUTOMATIC_PLATFORM_ARGS.contains(&name.as_str())
            {
                continue;
            }
            let mut finding = Finding::new(
                stage.base.span,
                format!("FROM uses `{name}`, which no ARG before the first FROM declares"),
            );
            finding = match suggest::closest(name, declared.iter().copied()) {
                Some(close) => finding.with_help(format!("did you mean `{close}`?")),
                None => finding.with_help(format!(
                    "declare it before the first FROM: `ARG {name}=<default>`"
                )),
            };
            findings.push(finding);
        }
    }
}
