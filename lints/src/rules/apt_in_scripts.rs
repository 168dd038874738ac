//! RB406: `apt` (the interactive front end) used in a build script.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::script::Command;
use crate::syntax::Span;

use super::fix_support::{program_span, word_after_program};
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
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Mixed,
        description: "Replaces `apt` with `apt-get` (`apt-cache` for `search`, `show`, `policy`, `depends`, `rdepends`; `full-upgrade` becomes `dist-upgrade`): the same packages. Unsafe for `apt upgrade`, which installs new dependencies that `apt-get upgrade` holds back. Not offered for subcommands `apt-get` lacks (`list`, `edit-sources`, ...).",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN apt update && apt install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
                after: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
            },
        ],
    }),
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
        let uses: Vec<&Command> = run
            .commands
            .iter()
            .filter(|c| c.program() == "apt")
            .collect();
        let Some((first, others)) = uses.split_first() else {
            continue;
        };
        let replacement = |command: &Command| match command.operands().next() {
            Some("search" | "show" | "policy" | "depends" | "rdepends") => "apt-cache",
            _ => "apt-get",
        };
        let mut finding = Finding::new(
            first.span,
            "`apt` is meant for interactive use: its command line is not stable in scripts",
        )
        .with_help(format!("use `{}` instead", replacement(first)));
        for other in others {
            finding = finding.with_label(
                other.span,
                format!("`apt` here too: use `{}`", replacement(other)),
            );
        }
        // One fix for the whole RUN, when every `apt` in it has one.
        let fixes: Option<Vec<Fix>> = uses.iter().map(|command| fix(check, command)).collect();
        let fix = fixes.map(|fixes| Fix {
            message: fixes[0].message.clone(),
            safety: if fixes.iter().any(|f| f.safety == Safety::Unsafe) {
                Safety::Unsafe
            } else {
                Safety::Safe
            },
            edits: fixes.into_iter().flat_map(|f| f.edits).collect(),
        });
        findings.push(finding.with_fix_option(fix));
    }
}

/// `apt` -> `apt-get` (or `apt-cache` for queries), and `full-upgrade` -> `dist-upgrade`.
/// `apt upgrade` also installs new dependencies, which `apt-get upgrade` holds back: unsafe.
fn fix(check: &Check<'_>, command: &Command) -> Option<Fix> {
    let subcommand = command.operands().next()?;
    let (program, safety) = match subcommand {
        "install" | "remove" | "purge" | "update" | "autoremove" | "autoclean" | "clean"
        | "dist-upgrade" | "full-upgrade" | "build-dep" | "source" | "download" => {
            ("apt-get", Safety::Safe)
        }
        "upgrade" => ("apt-get", Safety::Unsafe),
        "search" | "show" | "policy" | "depends" | "rdepends" => ("apt-cache", Safety::Safe),
        _ => return None,
    };
    let dockerfile = check.dockerfile;
    let written = program_span(dockerfile, command)?;
    let mut edits = vec![Edit {
        span: Span::new(written.end - "apt".len(), written.end),
        replacement: program.to_string(),
    }];
    if subcommand == "full-upgrade" {
        edits.push(Edit {
            span: word_after_program(dockerfile, command, subcommand)?,
            replacement: "dist-upgrade".to_string(),
        });
    }
    Some(Fix {
        message: format!("use `{program}`"),
        safety,
        edits,
    })
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
