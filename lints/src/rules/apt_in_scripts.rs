//! RB406: `apt` (the interactive front end) used in a build script.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;

use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB406",
    name: "apt-in-scripts",
    severity: Severity::Warning,
    severity_reason: "the build works, but `apt` warns that its interface is not stable for scripts",
    summary: "`apt` used in a RUN instead of `apt-get` or `apt-cache`",
    docs: Docs {
        what_it_does: "Finds RUN instructions that call `apt` (`apt install`, `apt update`, \
`apt search`...).",
        why_is_this_bad: "`apt` is made for people at a terminal: its command line and output are not \
promised to stay stable, and it warns so on every run (\"apt does not have a stable CLI interface\"). \
`apt-get` and `apt-cache` do the same work with an interface meant for scripts.",
        example: "FROM debian:12\nRUN apt update && apt install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3027"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM ubuntu:24.04\nRUN <<EOF\napt-get update\napt install -y git=1:2.43.0-1ubuntu7\nEOF\n"],
        pass: &[
            "FROM ubuntu:24.04\nRUN apt-cache policy git && apt-get install -y apt-transport-https=2.7.14build2 && echo apt is fine in words\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    // One finding per RUN, at its first `apt`, with the others labelled.
    for run in runs(check) {
        let mut uses = run.commands.iter().filter(|c| c.program() == "apt");
        let Some(first) = uses.next() else { continue };
        let replacement = |command: &Command| match command.operands().next() {
            Some("search" | "show" | "policy" | "depends" | "rdepends") => "apt-cache",
            _ => "apt-get",
        };
        let mut finding = Finding::new(
            first.span,
            "`apt` is meant for interactive use: its command line is not stable in scripts",
        )
        .with_help(format!("use `{}` instead", replacement(first)));
        for other in uses {
            finding = finding.with_label(
                other.span,
                format!("`apt` here too: use `{}`", replacement(other)),
            );
        }
        findings.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::{lint, RuleSettings};
    use crate::rule::LintOptions;

    #[test]
    fn one_finding_per_run() {
        let source = "FROM ubuntu:24.04\nRUN apt update && apt install -y git && apt search x\n";
        let result = lint(
            source.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        let findings: Vec<_> = result
            .diagnostics
            .iter()
            .filter(|d| d.rule.code == "RB406")
            .collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].labels.len(), 2);
    }
}
