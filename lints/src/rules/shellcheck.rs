//! RB901: what ShellCheck reports about the scripts of RUN instructions.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB901",
    name: "shellcheck",
    severity: Severity::Warning,
    severity_reason: "ShellCheck's level for each finding: its findings are likely bugs or advice, never certain build failures",
    summary: "ShellCheck reports a problem in a RUN script",
    docs: Docs {
        what_it_does:
            "With `lint --shellcheck` (or `shellcheck = true` in `.rbuild.toml`), runs ShellCheck \
over every shell-form RUN script and every RUN heredoc the shell runs, under the SHELL in force, \
with the ARG and ENV names declared before it known. Each finding names its ShellCheck code \
(`SC2086: ...`), takes its severity from ShellCheck's level, and can be silenced on the next \
instruction by `# rbuild ignore=SC2086` or `# hadolint ignore=SC2086`.",
        why_is_this_bad:
            "A RUN script is a shell script: unquoted expansions, `[[ ]]` under `/bin/sh` and \
similar mistakes break builds, or worse, build something other than intended, and only show \
when the step runs.",
        example: "FROM alpine\nRUN tar xf $1\n",
        use_instead: "FROM alpine\nRUN tar xf \"$1\"\n",
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
    check: Checker::External,
};

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::diagnostic::{Finding, Severity};
    use crate::linter::{external_diagnostics, CheckCode, ExternalFinding, RuleSettings};
    use crate::syntax::{self, Span};

    /// (line, severity) of what survives, given one SC2086 finding on each `$1`.
    fn surviving(source: &str, settings: &RuleSettings) -> Vec<(usize, Severity)> {
        let dockerfile = syntax::parse(source).unwrap();
        let findings = source
            .match_indices("$1")
            .map(|(at, _)| ExternalFinding {
                id: "SC2086".into(),
                severity: Severity::Info,
                finding: Finding::new(Span::new(at, at + 2), "SC2086: Double quote"),
            })
            .collect();
        external_diagnostics(&dockerfile, &RULE, findings, settings)
            .iter()
            .map(|d| (dockerfile.position(d.span.start).line, d.severity))
            .collect()
    }

    #[test]
    fn ignore_comments_name_the_shellcheck_code_or_the_rule() {
        let default = RuleSettings::default();
        for comment in [
            "# hadolint ignore=SC2086",
            "# rbuild ignore=SC2086",
            "# rbuild ignore=RB901",
        ] {
            let source = format!("FROM alpine\n{comment}\nRUN tar xf $1\nRUN tar xf $1\n");
            assert_eq!(
                surviving(&source, &default),
                [(4, Severity::Info)],
                "{comment}"
            );
        }
        let global = "FROM alpine\n# hadolint global ignore=SC2086\nRUN tar xf $1\nRUN tar xf $1\n";
        assert!(surviving(global, &default).is_empty());
        let other_code = "FROM alpine\n# hadolint ignore=SC2046\nRUN tar xf $1\n";
        assert_eq!(surviving(other_code, &default), [(3, Severity::Info)]);
    }

    #[test]
    fn configured_severity_replaces_shellchecks_level() {
        let mut settings = RuleSettings::default();
        settings.severities.insert(RULE.code, Severity::Error);
        assert_eq!(
            surviving("FROM alpine\nRUN tar xf $1\n", &settings),
            [(2, Severity::Error)]
        );
        settings.ignored.insert(RULE.code);
        assert!(surviving("FROM alpine\nRUN tar xf $1\n", &settings).is_empty());
    }

    #[test]
    fn settings_name_shellcheck_codes() {
        let source = "FROM alpine\nRUN tar xf $1\n";
        let code = CheckCode::find("sc2086").unwrap();
        assert_eq!(code, CheckCode::External("SC2086".to_string()));
        let mut settings = RuleSettings::default();
        settings.set_severity(&CheckCode::find("RB901").unwrap(), Severity::Warning);
        settings.set_severity(&code, Severity::Error);
        assert_eq!(surviving(source, &settings), [(2, Severity::Error)]);
        settings.ignore(&CheckCode::External("SC2046".to_string()));
        assert_eq!(surviving(source, &settings), [(2, Severity::Error)]);
        settings.ignore(&code);
        assert!(surviving(source, &settings).is_empty());
    }
}
