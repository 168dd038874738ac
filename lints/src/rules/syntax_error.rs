//! RB001: the file cannot be parsed.

use crate::diagnostic::{Finding, Severity};
use crate::instructions;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB001",
    name: "syntax-error",
    severity: Severity::Error,
    severity_reason: "the builder rejects the file: the build cannot start",
    summary: "The Dockerfile cannot be parsed",
    docs: Docs {
        what_it_does: "Reports what the builder itself rejects, as BuildKit's Dockerfile frontend does. \
While reading the file: an unknown instruction, a JSON array that is not an array of strings, an \
unterminated heredoc, a line longer than 65,535 bytes, a repeated or invalid parser directive; no other rule \
runs on a file that does not parse. Bytes that are not UTF-8 are not a syntax error: the builder reads \
bytes (RB004). Then, per instruction: argument counts and forms (`COPY app.conf`, \
`SHELL /bin/bash -c`, `HEALTHCHECK NONE /bin/check`), flags (unknown `--chonw`, with a did-you-mean; \
repeated; `--from` without `=`; `--link=yes`), `RUN --mount` specs (types, options, values, targets), \
`--network` and `--security` modes, HEALTHCHECK durations and retries, `--chmod` modes, `ADD --checksum` \
digests, URL and git sources given to COPY, EXPOSE ports, STOPSIGNAL signals, FROM platforms, `# check=` \
options, and values whose variable expansion fails (an unterminated quote) or comes out empty where a value \
is needed. A value that a `--build-arg` or the base image's ENV or WORKDIR could still set is not judged \
when they are not known (`docker rbuild lint`); the build's lint gate knows the build args. A `# syntax=` \
directive naming another frontend (labs, a third party's) switches the flag checks off.",
        why_is_this_bad: "The build fails before its first step. It is an error because the builder \
rejects the file: the gate stops it before the context is uploaded, where `docker build` would upload \
it and then fail.",
        example: "FROM alpine\nRUNN echo hello\n",
        use_instead: "FROM alpine\nRUN echo hello\n",
    },
    equivalents: Equivalents { hadolint: &["DL1000", "DL3043"], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nCMD [1, 2]\n",
            "FROM alpine\nRUN <<EOF\necho unterminated\n",
            "FROM alpine\nCOPY --chonw=1000 app /app\n",
            "FROM alpine\nCOPY --link=yes app /app\n",
            "FROM alpine\nRUN --mount=type=cahce,target=/c true\n",
            "FROM alpine\nRUN --network=bridge true\n",
            "FROM alpine\nHEALTHCHECK --interval=30 CMD true\n",
            "FROM alpine\nSHELL /bin/bash -c\n",
            "FROM alpine\nEXPOSE 80/http\n",
            "FROM alpine\nSTOPSIGNAL SIGFOO\n",
            "FROM alpine\nCOPY --chmod=789 app /app\n",
            "FROM scratch\nVOLUME [\"$DATA\"]\n",
            "# check=error=maybe\nFROM alpine\n",
        ],
        pass: &[
            "FROM alpine\nCMD [\"echo\", \"hi\"]\n",
            "FROM alpine\nCOPY --chown=1000 --chmod=u+x --link app /app\n",
            "FROM alpine\nRUN --mount=type=cache,target=/root/.cache,sharing=locked true\n",
            "FROM alpine\nHEALTHCHECK --interval=30s --retries=3 CMD true\n",
            "FROM alpine\nSTOPSIGNAL SIGTERM\nEXPOSE 53/udp 8000-8010\n",
            "FROM alpine\nVOLUME [\"$DATA\"]\n",
            "FROM alpine\nARG --required V\nSTOPSIGNAL --force 9\nONBUILD RUNN true\n",
            "# syntax=docker/dockerfile:1-labs\nFROM alpine\nCOPY --unknown-labs-flag a /a\n",
        ],
    },
    check: Checker::Static(check),
};

/// What the parser accepted but the builder's instruction layer and conversion reject; the
/// parser's own errors are reported by the lint engine, before any rule runs.
fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for problem in instructions::check(check.dockerfile, check.options, check.global_arg_values()) {
        let finding = Finding::new(problem.span, problem.message);
        findings.push(match problem.help {
            Some(help) => finding.with_help(help),
            None => finding,
        });
    }
}
