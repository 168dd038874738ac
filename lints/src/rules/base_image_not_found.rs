//! RB106: an image the build uses exists neither in the daemon nor in its registry.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB106",
    name: "image-not-found",
    severity: Severity::Error,
    severity_reason: "the image exists neither in the daemon nor in its registry: the pull fails for certain",
    summary: "An image the build uses is neither in the daemon nor in its registry",
    docs: Docs {
        what_it_does: "Before a build (and with `lint --daemon`), looks up every image the build will \
use — FROM bases, `COPY --from=<image>`, `RUN --mount=from=<image>`, after ARG expansion with the build \
args and only for the stages `--target` needs — in the daemon's image store. An image that is not \
there (or every image, with `--pull`) is looked up in its registry through the daemon. When the registry \
answers that it does not know the image, or that access is denied, this rule reports it, with the \
closest names the daemon has as suggestions.",
        why_is_this_bad: "The build would fail at that step — after the whole context was uploaded and \
every earlier stage was built. A typo in an image name is cheaper to learn in a second.",
        example: "FROM alpne:3.19\nRUN echo hello\n",
        use_instead: "FROM alpine:3.19\nRUN echo hello\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures { fail: &[], pass: &[] },
    check: Checker::Daemon,
};
