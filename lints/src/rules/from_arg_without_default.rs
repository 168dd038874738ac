//! RB109: the base image is valid only when a `--build-arg` sets an ARG that has no default.

use std::collections::BTreeMap;

use crate::diagnostic::{Finding, Severity};
use crate::reference;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::support::{args_without_default, earlier_stage, expand_base, global_arg_values_with};

pub static RULE: Rule = Rule {
    code: "RB109",
    name: "from-arg-without-default",
    severity: Severity::Warning,
    severity_reason: "a build that passes the `--build-arg` works; the build's gate, which knows the build args, makes it an error (RB103) when it is missing",
    summary: "The base image needs a --build-arg: an ARG it uses has no default",
    docs: Docs {
        what_it_does: "Expands each FROM's image with the ARG defaults alone and reports one that is \
empty or invalid because an ARG declared before the first FROM has no default (`ARG TAG` + `FROM \
alpine:${TAG}`).",
        why_is_this_bad: "Whoever builds without the `--build-arg` the author always passes gets \
\"invalid reference format\" at that FROM. It is a warning, not an error: `docker rbuild lint` does not \
know the build args, and a build that passes the argument works. The build's lint gate knows them: \
there, a missing one makes the image invalid for certain and RB103 (invalid-base-image) stops the build.",
        example: "ARG TAG\nFROM alpine:${TAG}\n",
        use_instead: "ARG TAG=3.20\nFROM alpine:${TAG}\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("InvalidDefaultArgInFrom"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["ARG BASE\nFROM $BASE\n", "ARG REGISTRY\nFROM ${REGISTRY}/app:1\n"],
        pass: &[
            "ARG VARIANT\nFROM busybox:stable${VARIANT}\n",
            "ARG TAG\nFROM alpine:${TAG:-3.20}\n",
            "FROM alpine:${TAG}\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    // The values of the defaults alone: the build's when it gives no build args (`lint`).
    let without_build_args;
    let defaults = if check.options.build_args.is_empty() {
        check.global_arg_values()
    } else {
        without_build_args = global_arg_values_with(check.dockerfile, &BTreeMap::new());
        &without_build_args
    };
    for stage in &check.dockerfile.stages {
        let Ok(expansion) = expand_base(check.dockerfile, defaults, stage) else {
            continue;
        };
        let waiting = args_without_default(check.dockerfile, &expansion.referenced);
        let Some(first) = waiting.first() else {
            continue;
        };
        let unsupplied = waiting
            .iter()
            .any(|name| !check.options.build_args.contains_key(*name));
        if check.options.build_args_complete && unsupplied {
            continue; // the build will fail: RB103 reports it
        }
        let image = expansion.value;
        let valid = image == "scratch"
            || earlier_stage(check.dockerfile, &image, stage.index).is_some()
            || reference::parse(&image).is_ok();
        if valid {
            continue;
        }
        let shown = if image.is_empty() {
            "nothing".to_string()
        } else {
            format!("`{image}`")
        };
        findings.push(
            Finding::new(
                stage.base.span,
                format!(
                    "without `--build-arg {first}=...` the base image `{}` is {shown}: ARG {first} has no default",
                    stage.base.value
                ),
            )
            .with_help(format!("give it a default: `ARG {first}=<value>`")),
        );
    }
}
