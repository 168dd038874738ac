//! RB514: FROM an image without a tag or digest.

use crate::diagnostic::{Finding, Severity};
use crate::reference;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::support::earlier_stage;

pub static RULE: Rule = Rule {
    code: "RB514",
    name: "from-untagged",
    severity: Severity::Warning,
    severity_reason: "the build works, but what it builds on changes over time: a reproducibility problem",
    summary: "FROM an image without an explicit tag",
    docs: Docs {
        what_it_does: "Finds FROM lines naming an image with neither a tag nor a digest. `scratch`, \
earlier stages and images given through variables are left alone.",
        why_is_this_bad: "Without a tag the builder takes `latest`, which moves whenever the image's \
maintainers publish: the same Dockerfile builds something different from one day to the next.",
        example: "FROM debian\nRUN apt-get update\n",
        use_instead: "FROM debian:bookworm-20240110\nRUN apt-get update\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3006"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM golang:1.22 AS build\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n"],
        pass: &[
            "FROM scratch\nCOPY app /\n",
            "FROM golang:1.22 AS build\nFROM build\n",
            "ARG BASE=alpine\nFROM ${BASE}\n",
            "FROM alpine@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let image = &stage.base.value;
        if image.eq_ignore_ascii_case("scratch")
            || earlier_stage(dockerfile, image, stage.index).is_some()
        {
            continue;
        }
        // Variables and malformed references are other rules' business.
        let Ok(parsed) = reference::parse(image) else {
            continue;
        };
        if parsed.tag.is_none() && parsed.digest.is_none() {
            findings.push(
                Finding::new(
                    stage.base.span,
                    format!("`{image}` has no tag: the build takes whatever `latest` is today"),
                )
                .with_help(format!("name a version: `{image}:<tag>`")),
            );
        }
    }
}
