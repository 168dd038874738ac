//! RB524: FROM with a `--platform` chosen by a variable (off by default).

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB524",
    name: "from-platform-flag",
    severity: Severity::Info,
    summary: "FROM with a `--platform` flag (off by default)",
    docs: Docs {
        what_it_does: "Finds FROM lines whose `--platform` is given through a variable \
(`--platform=$BUILDPLATFORM`). Constant values are RB503's findings, so that a file gets one \
report per flag; together the two rules report every `--platform`. Off by default: \
`$BUILDPLATFORM` is the usual way to cross-compile, so this is only for teams whose policy is \
to build every stage for the requested platform.",
        why_is_this_bad:
            "A stage pinned to another platform than the one requested runs its tools \
natively and must cross-compile correctly for the target: a mistake there produces binaries for \
the wrong platform that only fail when the image runs.",
        example:
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build -o /out/app .\n",
        use_instead: "FROM golang:1.22 AS build\nRUN go build -o /out/app .\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3029"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["ARG PLATFORM=linux/arm64\nFROM --platform=${PLATFORM} alpine:3.19\n"],
        pass: &[
            "FROM golang:1.22 AS build\nFROM alpine:3.19\n",
            "FROM --platform=linux/amd64 alpine:3.19\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for view in check
        .dockerfile
        .instructions
        .iter()
        .filter_map(|i| i.from())
    {
        let Some(platform) = view.platform else {
            continue;
        };
        if platform.value.as_deref().is_some_and(|v| v.contains('$')) {
            findings.push(
                Finding::new(
                    platform.span,
                    format!(
                        "`{}` builds this stage for another platform than requested",
                        platform.text()
                    ),
                )
                .with_help("leave the platform to `docker build --platform`"),
            );
        }
    }
}
