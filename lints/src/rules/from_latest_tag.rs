//! RB515: FROM an image with the `latest` tag.

use crate::diagnostic::{Finding, Severity};
use crate::reference;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB515",
    name: "from-latest-tag",
    severity: Severity::Warning,
    severity_reason: "the build works, but what it builds on changes over time: a reproducibility problem",
    summary: "FROM an image with the `latest` tag",
    docs: Docs {
        what_it_does: "Finds FROM lines whose image is tagged `latest` without a digest to pin it. \
An image built locally for the build (a CI or test image) deserves a tag of its own too: then \
the Dockerfile says which build of it it expects.",
        why_is_this_bad: "`latest` is only a name that moves with each release: builds stop being \
repeatable and a new major version can arrive unannounced.",
        example: "FROM node:latest\nCOPY . /app\n",
        use_instead: "FROM node:20.11-bookworm\nCOPY . /app\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3007"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM golang:1.22 AS build\nFROM docker.io/library/alpine:latest\n"],
        pass: &[
            "FROM alpine:latest@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b\n",
            "FROM alpine:3.19\n",
            "ARG TAG=latest\nFROM alpine:${TAG}\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for stage in &check.dockerfile.stages {
        let Ok(parsed) = reference::parse(&stage.base.value) else {
            continue;
        };
        if parsed.tag == Some("latest") && parsed.digest.is_none() {
            findings.push(
                Finding::new(
                    stage.base.span,
                    format!(
                        "`{}` uses the `latest` tag, which changes with every release",
                        stage.base.value
                    ),
                )
                .with_help(format!("name a version: `{}:<tag>`", parsed.name)),
            );
        }
    }
}
