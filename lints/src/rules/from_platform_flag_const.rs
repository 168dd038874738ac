//! RB503: `FROM --platform=` with a constant platform.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB503",
    name: "from-platform-flag-const",
    severity: Severity::Warning,
    severity_reason: "the build works, but the image is for that platform whatever the build asks for",
    summary: "FROM --platform names a fixed platform",
    docs: Docs {
        what_it_does: "Finds `FROM --platform=linux/amd64` (a platform written out rather than taken \
from a variable such as `$BUILDPLATFORM`). It stays quiet when the stage name mentions the \
platform's OS or architecture (`AS build_amd64`): such stages are picked per platform on purpose, \
e.g. by `FROM build_${TARGETARCH}`.",
        why_is_this_bad: "A fixed platform makes the stage ignore `--platform` on the command line: a \
multi-platform build builds it for one platform only, and on other machines it runs under \
emulation, slowly.",
        example: "FROM --platform=linux/amd64 alpine AS base\nRUN apk add --no-cache git\n",
        use_instead: "FROM --platform=$BUILDPLATFORM alpine AS base\nRUN apk add --no-cache git\n",
    },
    equivalents: Equivalents {
        // DL3029 reports constant platforms too (RB524 reports its other cases).
        hadolint: &["DL3029"],
        buildkit: Some("FromPlatformFlagConstDisallowed"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM --platform=linux/arm64/v8 golang:1.22\n"],
        pass: &[
            "FROM --platform=linux/amd64 alpine AS build_amd64\nFROM --platform=linux/arm64 alpine AS build_arm64\nFROM build_${TARGETARCH} AS build\n",
            "ARG PLATFORM=linux/amd64\nFROM --platform=${PLATFORM} alpine\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for stage in &check.dockerfile.stages {
        let instruction = &check.dockerfile.instructions[stage.from];
        let Some(flag) = instruction.flag("platform") else {
            continue;
        };
        let Some(platform) = flag.value.as_deref() else {
            continue;
        };
        if platform.contains('$') || platform.is_empty() {
            continue;
        }
        let stage_name = stage
            .name
            .as_ref()
            .map(|n| n.value.to_ascii_lowercase())
            .unwrap_or_default();
        let mut parts = platform.split('/');
        let (os, architecture) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let named_for_platform = [os, architecture]
            .iter()
            .any(|part| !part.is_empty() && stage_name.contains(&part.to_ascii_lowercase()));
        if named_for_platform {
            continue;
        }
        findings.push(
            Finding::new(
                flag.span,
                format!("FROM --platform uses the fixed platform `{platform}`"),
            )
            .with_help(
                "drop the flag to build for the requested platform, or use `--platform=$BUILDPLATFORM` for a stage that runs build tools",
            ),
        );
    }
}
