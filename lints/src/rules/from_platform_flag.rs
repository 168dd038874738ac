//! RB524: FROM with a `--platform` taken from a variable other than the build's own platform
//! arguments.

use super::support::AUTOMATIC_PLATFORM_ARGS;
use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::shell::Lexer;

pub static RULE: Rule = Rule {
    code: "RB524",
    name: "from-platform-flag",
    severity: Severity::Warning,
    severity_reason: "the build works, but a variable platform is easy to get wrong",
    summary: "FROM --platform set from a variable other than the build's platform arguments",
    docs: Docs {
        what_it_does: "Finds FROM lines whose `--platform` comes from a variable of the \
Dockerfile's own (`--platform=$PLATFORM`) instead of the arguments the builder sets for each \
build (`$BUILDPLATFORM`, `$TARGETPLATFORM`, `$TARGETOS/$TARGETARCH`, ...). Constant values are \
RB503's findings; together the two rules cover every `--platform` that does not follow the \
requested platforms, so each flag is reported once.",
        why_is_this_bad:
            "A platform chosen by a Dockerfile argument stays the same whatever platforms the \
build is asked for: `docker build --platform linux/arm64,linux/amd64` then builds the stage for \
one platform only, and on other machines it runs under emulation.",
        example: "ARG PLATFORM=linux/amd64\nFROM --platform=$PLATFORM golang:1.22 AS build\nRUN go build -o /out/app .\n",
        use_instead:
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build -o /out/app .\n",
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
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n",
            "FROM --platform=\"${BUILDPLATFORM}\" golang:1.22 AS build\n",
            "FROM --platform=$TARGETOS/$TARGETARCH alpine:3.19\n",
            "FROM --platform=linux/amd64 alpine:3.19\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let lexer = Lexer::new(check.dockerfile.escape);
    let no_variables: [(&str, &str); 0] = [];
    for view in check
        .dockerfile
        .instructions
        .iter()
        .filter_map(|i| i.from())
    {
        let Some(platform) = view.platform else {
            continue;
        };
        let Some(Ok(expansion)) = platform
            .value
            .as_deref()
            .map(|value| lexer.expand_word(value, &no_variables))
        else {
            continue;
        };
        let own_variable = expansion
            .referenced
            .iter()
            .find(|name| !AUTOMATIC_PLATFORM_ARGS.contains(&name.as_str()));
        if let Some(name) = own_variable {
            findings.push(
                Finding::new(
                    platform.span,
                    format!("FROM --platform comes from `${name}`, not from the requested platforms"),
                )
                .with_help(
                    "use `--platform=$BUILDPLATFORM` for a stage that runs build tools, or drop the flag",
                ),
            );
        }
    }
}
