//! RB106: an image the build uses is not in the daemon, and the daemon cannot get it from its
//! registry.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB106",
    name: "image-not-found",
    severity: Severity::Error,
    severity_reason: "the image is not in the daemon, and its registry says it does not exist or cannot be reached by the daemon: the pull fails for certain",
    summary: "An image the build uses is not in the daemon, and the daemon cannot get it from its registry",
    docs: Docs {
        what_it_does: "Before a build (and with `lint --daemon`), looks up every image the build will \
use — FROM bases, `COPY --from=<image>`, `RUN --mount=from=<image>`, after ARG expansion with the build \
args and only for the stages `--target` needs — in the daemon's image store. An image that is not \
there (or every image, with `--pull`) is looked up in its registry through the daemon. This rule \
reports it when the registry answers that it does not know the image or that access is denied, and \
when the daemon cannot connect to the registry at all (the name does not resolve, the connection is \
refused or cannot be routed, the registry's certificate is not trusted: an offline machine, say). \
The message names the closest image the daemon has. An image the daemon has costs no registry question (without `--pull`), \
so offline builds from local images are not slowed down.",
        why_is_this_bad: "The build would fail at that step — after the whole context was uploaded and \
every earlier stage was built. A typo in an image name is cheaper to learn in a second. It is an error \
because the step is certain to fail: the daemon pulls through the same registry endpoints (mirrors \
included) that it was just asked through, so a registry that does not know the image, or that the \
daemon cannot connect to, makes the pull fail too. When the answer settles nothing (a server error, no \
answer in time, refused credentials), RB107 reports a warning instead. `--lint=warn` builds anyway.",
        example: "FROM alpne:3.19\nRUN echo hello\n",
        use_instead: "FROM alpine:3.19\nRUN echo hello\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures { fail: &[], pass: &[] },
    check: Checker::Daemon,
};
