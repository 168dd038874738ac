//! RB107: an image is not in the daemon and its registry cannot be reached to check it.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB107",
    name: "image-not-verified",
    severity: Severity::Warning,
    severity_reason: "the image could not be checked; the daemon may still find it",
    summary: "An image is not in the daemon and its registry could not be reached",
    docs: Docs {
        what_it_does: "Reports an image the build uses that the daemon does not have, when the daemon \
cannot reach the image's registry to check it (an offline machine, a registry that is down, a DNS \
failure). The build goes on: the daemon will try to pull it itself. Images the daemon has are never \
looked up in a registry unless `--pull` is given, so offline builds from local images are not slowed \
down.",
        why_is_this_bad: "The build will most likely fail at the step that needs the image, unless the \
registry becomes reachable in the meantime.",
        example: "FROM registry.example.com/team/base:1\n",
        use_instead: "FROM rbuild-test/busybox:static\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures { fail: &[], pass: &[] },
    check: Checker::Daemon,
};
