//! RB303: a package index update in a RUN of its own, split from the install.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;

use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB303",
    name: "package-index-update-alone",
    severity: Severity::Warning,
    severity_reason: "the build works, but a cached index goes stale and installs fail or differ later",
    summary: "Package index update in a RUN without the install that uses it",
    docs: Docs {
        what_it_does: "Finds RUN instructions that refresh a package index (`apt-get update`, `apt update`, \
`apk update`, `yum makecache`, `dnf makecache`, `zypper refresh`) but install or upgrade nothing in the \
same RUN.",
        why_is_this_bad: "The update is cached as a layer of its own. When you later add a package to the \
install RUN, the builder reuses the old, cached index: the install fails with \"Unable to locate package\" \
or installs outdated versions. Update and install must be one RUN so they are cached together.",
        example: "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nRUN apk update\nRUN apk add curl\n", "FROM fedora:40\nRUN dnf makecache\n"],
        pass: &[
            "FROM alpine:3.19\nRUN apk update && apk upgrade\n",
            "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        let commands = run.commands;
        if commands.iter().any(uses_index) {
            continue;
        }
        if let Some(update) = commands.iter().find(|c| is_index_update(c)) {
            findings.push(
                Finding::new(
                    update.span,
                    format!(
                        "`{}` but nothing in this RUN installs from the index: a later install will use a stale cached index",
                        update.words.join(" ")
                    ),
                )
                .with_help("update and install in the same RUN: `RUN apt-get update && apt-get install -y ...`"),
            );
        }
    }
}

fn is_index_update(command: &Command) -> bool {
    command.is("apt-get", &["update"])
        || command.is("apt", &["update"])
        || command.is("apk", &["update"])
        || command.is("yum", &["makecache"])
        || command.is("dnf", &["makecache"])
        || command.is("zypper", &["refresh", "ref"])
}

fn uses_index(command: &Command) -> bool {
    command.is(
        "apt-get",
        &[
            "install",
            "upgrade",
            "dist-upgrade",
            "build-dep",
            "source",
            "download",
        ],
    ) || command.is("apt", &["install", "upgrade", "full-upgrade"])
        || command.is("apk", &["add", "upgrade", "fetch"])
        || command.is("yum", &["install", "update", "upgrade"])
        || command.is("dnf", &["install", "update", "upgrade"])
        || command.is(
            "zypper",
            &["install", "in", "update", "up", "dist-upgrade", "dup"],
        )
}
