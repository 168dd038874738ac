//! RB107: an image is not in the daemon, and its registry's answer does not tell whether the
//! daemon can pull it.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB107",
    name: "image-not-verified",
    severity: Severity::Warning,
    severity_reason: "the image could not be checked; the daemon may still find it",
    summary:
        "An image is not in the daemon, and its registry could not tell whether it can be pulled",
    docs: Docs {
        what_it_does:
            "Reports an image the build uses that the daemon does not have (or any image, \
with `--pull`), when asking its registry through the daemon settles nothing: the registry answers \
with a server error or a rate limit, gives no answer within 10 s (or the daemon's DNS lookup, \
connection or TLS handshake times out), refuses the credentials it was \
asked with, or was asked without them because their credential helper failed; or the daemon itself \
could not look the image up. The build goes on: the daemon will try to pull the image itself. A \
registry the daemon cannot connect to at all is RB106's case, an error.",
        why_is_this_bad:
            "The build may fail at the step that needs the image. It is a warning, not an \
error, because the build may still succeed: a slow or overloaded registry may answer the pull, and \
credentials that failed for the check may work for it.",
        example: "FROM registry.example.com/team/base:1\n",
        use_instead: "FROM rbuild-test/busybox:static\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[],
        pass: &[],
    },
    check: Checker::Daemon,
};
