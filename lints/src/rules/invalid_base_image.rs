//! RB103: the base image of a FROM is not a valid image reference once expanded.

use crate::diagnostic::{Finding, Severity};
use crate::reference;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::support::{earlier_stage, expand_base, global_arg_values};

pub static RULE: Rule = Rule {
    code: "RB103",
    name: "invalid-base-image",
    severity: Severity::Error,
    summary: "The base image is not a valid image reference (after ARG expansion)",
    docs: Docs {
        what_it_does:
            "Expands each FROM's image with the ARG defaults (and the build's `--build-arg` \
values during a build) and checks the result the way docker parses image references: not empty, a \
lowercase repository, a valid tag and digest. A declared ARG without a default expands to nothing.",
        why_is_this_bad:
            "The build fails at that FROM with \"invalid reference format\" — or only when \
someone builds without the `--build-arg` the author always passed. A build should work with the \
defaults.",
        example: "ARG TAG\nFROM busybox:${TAG}\n",
        use_instead: "ARG TAG=1.36\nFROM busybox:${TAG}\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("InvalidDefaultArgInFrom"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM Alpine:3.19\n",
            "ARG IMAGE\nFROM ${IMAGE}\n",
            "FROM alpine:3.19 AS build\nFROM ubuntu:${X:?required}\n",
        ],
        pass: &[
            "ARG VARIANT\nFROM busybox:stable${VARIANT}\n",
            "ARG TAG\nFROM alpine:${TAG:-3.14}\n",
            "FROM scratch\n",
            "FROM alpine AS base\nFROM base\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let values = global_arg_values(check);
    for stage in &check.dockerfile.stages {
        let raw = &stage.base.value;
        let expanded = match expand_base(check.dockerfile, &values, stage) {
            Ok(expansion) => expansion.value,
            Err(error) => {
                findings.push(Finding::new(
                    stage.base.span,
                    format!("cannot expand the base image `{raw}`: {error}"),
                ));
                continue;
            }
        };
        if expanded == "scratch"
            || earlier_stage(check.dockerfile, &expanded, stage.index).is_some()
        {
            continue;
        }
        let Err(problem) = reference::parse(&expanded) else {
            continue;
        };
        let message = if expanded == *raw {
            format!("invalid base image `{raw}`: {problem}")
        } else {
            format!("base image `{raw}` expands to `{expanded}`: {problem}")
        };
        let help = if expanded != *raw {
            "give the ARGs it uses a default, or a fallback with `${NAME:-default}`"
        } else {
            "image names are `[registry/]name[:tag][@digest]` with a lowercase name"
        };
        findings.push(Finding::new(stage.base.span, message).with_help(help));
    }
}
