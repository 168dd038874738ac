//! RB103: the base image of a FROM is not a valid image reference once expanded.

use crate::diagnostic::{Finding, Severity};
use crate::reference;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::support::{args_without_default, earlier_stage, expand_base};

pub static RULE: Rule = Rule {
    code: "RB103",
    name: "invalid-base-image",
    severity: Severity::Error,
    severity_reason: "the image name is invalid for certain, so the build fails at that FROM",
    summary: "The base image is not a valid image reference (after ARG expansion)",
    docs: Docs {
        what_it_does:
            "Expands each FROM's image with the ARG defaults (and the build's `--build-arg` \
values during a build) and checks the result the way docker parses image references: not empty, a \
lowercase repository, a valid tag and digest. An undeclared variable expands to nothing. An ARG \
declared without a default is judged only in the build's lint gate, which knows the build args (there \
it is empty unless `--build-arg` sets it); `docker rbuild lint` leaves it to RB109.",
        why_is_this_bad:
            "The build fails at that FROM with \"invalid reference format\" — or only when \
someone builds without the `--build-arg` the author always passed. A build should work with the \
defaults.",
        example: "FROM busybox:${TAG}\n",
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
            "FROM ${IMAGE}\n",
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
    let values = check.global_arg_values();
    for stage in &check.dockerfile.stages {
        let raw = &stage.base.value;
        let expanded = match expand_base(check.dockerfile, values, stage) {
            Ok(expansion) => {
                let waiting = args_without_default(check.dockerfile, &expansion.referenced);
                let unsupplied = waiting
                    .iter()
                    .any(|name| !check.options.build_args.contains_key(*name));
                if unsupplied && !check.options.build_args_complete {
                    continue; // a build arg may set it: RB109
                }
                expansion.value
            }
            Err(error) => {
                findings.push(Finding::new(
                    stage.base.span,
                    format!("cannot expand the base image `{raw}`: {error}"),
                ));
                continue;
            }
        };
        // FROM matches stage names exactly as the builder stores them (lower-case): `FROM
        // BASE` after `AS base` is an image name, and an invalid one.
        let names_earlier_stage = earlier_stage(check.dockerfile, &expanded, stage.index)
            .is_some_and(|s| {
                s.name
                    .as_ref()
                    .is_none_or(|n| n.value.to_lowercase() == expanded)
            });
        if expanded == "scratch" || names_earlier_stage {
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
