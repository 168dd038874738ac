//! RB108: the local image is for another platform than the one requested.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB108",
    name: "image-platform-mismatch",
    severity: Severity::Warning,
    severity_reason:
        "the build may run under emulation or pull the right variant, but probably not as meant",
    summary: "The daemon's copy of an image is for another platform than the build asks for",
    docs: Docs {
        what_it_does:
            "When a platform is requested (`--platform`, or `FROM --platform=`), compares it \
with the OS and architecture of the image the daemon has, and reports a mismatch naming both.",
        why_is_this_bad:
            "The daemon will pull another variant of the image, which fails offline, or the \
build runs binaries for the wrong architecture (under emulation, or with \"exec format error\").",
        example: "FROM --platform=linux/arm64 rbuild-test/busybox:static\n",
        use_instead: "FROM --platform=linux/amd64 rbuild-test/busybox:static\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("InvalidBaseImagePlatform"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[],
        pass: &[],
    },
    check: Checker::Daemon,
};
