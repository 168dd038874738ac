//! RB404: `apt-get install` also installs the recommended packages.

use std::sync::LazyLock;

use crate::diagnostic::{Finding, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};

use super::fix_support::insert_option;
use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB404",
    name: "apt-install-recommends",
    severity: Severity::Info,
    severity_reason: "advice: a smaller image, the build works either way",
    summary: "`apt-get install` without `--no-install-recommends`",
    docs: Docs {
        what_it_does: "Finds `apt-get install` without `--no-install-recommends` (or \
`-o APT::Install-Recommends=false`). Not reported once an earlier RUN of the file writes an apt \
setting that turns recommends off (a file under `/etc/apt/apt.conf.d/` holding \
`APT::Install-Recommends`).",
        why_is_this_bad: "By default apt also installs every package the requested ones merely recommend: \
documentation, optional tools, sometimes whole desktop libraries. They make the image larger, slower \
to pull and scan, and widen its attack surface, for software the image never uses.",
        example: "FROM debian:12\nRUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3015"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Adds `--no-install-recommends` after `install`. Unsafe: the recommended packages are no longer installed, and the image may have relied on one of them.",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
                after: "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["FROM ubuntu:24.04\nRUN <<EOF\nset -e\napt-get update\napt-get -y install git=1:2.43.0-1ubuntu7\nEOF\n"],
        pass: &[
            "FROM debian:12\nRUN apt-get update && apt-get install -y -o APT::Install-Recommends=false curl=7.88.1-10+deb12u8\n",
            "FROM debian:12\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norecommends\nRUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8\n",
        ],
    },
    check: Checker::Static(check),
};

/// apt's setting of whether recommended packages are installed.
const RECOMMENDS: &str = "APT::Install-Recommends";

/// The search for [`RECOMMENDS`], made once: `str::contains` prepares its search at every call,
/// and this one runs on the long words of every command.
static RECOMMENDS_FINDER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(RECOMMENDS));

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let mut recommends_configured_off = false;
    for run in runs(check) {
        for command in run.commands.iter() {
            // Most words are shorter than the setting's name: their length answers.
            let sets_recommends = command.words.iter().any(|w| {
                w.len() >= RECOMMENDS.len() && RECOMMENDS_FINDER.find(w.as_bytes()).is_some()
            });
            if !command.is("apt-get", &["install"]) && !command.is("apt", &["install"]) {
                // Anything else naming the setting writes it to apt's configuration.
                recommends_configured_off |= sets_recommends;
                continue;
            }
            if recommends_configured_off
                || sets_recommends
                || command.has_word("--no-install-recommends")
            {
                continue;
            }
            findings.push(
                Finding::new(
                    command.span,
                    format!(
                        "`{} install` also installs every recommended package",
                        command.program()
                    ),
                )
                .with_help("add `--no-install-recommends` and list the packages you need")
                .with_fix_option(insert_option(
                    check.dockerfile,
                    command,
                    true,
                    "--no-install-recommends",
                    Safety::Unsafe,
                )),
            );
        }
    }
}
