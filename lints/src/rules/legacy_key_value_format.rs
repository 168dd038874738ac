//! RB509: `ENV key value` / `LABEL key value` (and `ARG key value`) without `=`.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Instruction, KeyValue, Keyword, Span};

pub static RULE: Rule = Rule {
    code: "RB509",
    name: "legacy-key-value-format",
    severity: Severity::Warning,
    severity_reason: "the build works; the legacy form is ambiguous",
    summary: "Key and value separated by a space instead of `=`",
    docs: Docs {
        what_it_does:
            "Finds ENV and LABEL written in the old `KEY value` form, and ARG lines of two \
bare names (`ARG foo bar`), which look like a key and a value but declare two ARGs.",
        why_is_this_bad:
            "In the old form the value is the whole rest of the line, so one instruction \
can set only one variable and `ENV A 1 B 2` sets `A` to `1 B 2`. The form is deprecated in \
favour of `KEY=value`, which is explicit and allows several pairs per line. `ARG foo bar` \
declares `foo` and `bar` without defaults, never `foo=bar`.",
        example: "FROM alpine\nENV DEPS curl git make\n",
        use_instead: "FROM alpine\nENV DEPS=\"curl git make\"\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("LegacyKeyValueFormat"),
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Safe,
        description: "Writes `KEY=value`, double-quoting a value with blanks; the value is the same. Not offered when the value has quotes, backslashes or backticks, whose meaning would change inside the added quotes, nor for `ARG a b` (two ARGs, or a default?).",
        examples: &[
            FixExample {
                before: "FROM alpine:3.19\nENV DEPS curl git  make\nLABEL version \"1.0\"\nENV MULTI \\\n    a \\\n    b\n",
                after: "FROM alpine:3.19\nENV DEPS=\"curl git  make\"\nLABEL version=\"1.0\"\nENV MULTI=\"a     b\"\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nARG foo bar\n",
            "FROM alpine\nLABEL maintainer ops@example.com\n",
            "ENV DEPS \\\n    curl \\\n    git\n",
        ],
        pass: &[
            "FROM alpine\nARG foo=bar\nARG A B=1\nENV A=1 B=\"two words\"\nLABEL a=b\n",
            "ENV DEPS=\"\\\n    curl \\\n    git\"\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let instructions = dockerfile
        .instructions
        .iter()
        .flat_map(|instruction| std::iter::once(instruction).chain(instruction.onbuild_trigger()));
    for instruction in instructions {
        match instruction.kind {
            Keyword::Env | Keyword::Label => {
                for pair in instruction.key_values().iter().filter(|p| p.legacy) {
                    findings.push(legacy_pair(instruction, pair));
                }
            }
            Keyword::Arg => {
                if let [name, value] = instruction.words() {
                    if !name.value.contains('=') && !value.value.contains('=') {
                        findings.push(
                            Finding::new(
                                name.span.join(value.span),
                                format!(
                                    "`ARG {} {}` declares two ARGs, not `{}` with the default `{}`",
                                    name.value, value.value, name.value, value.value
                                ),
                            )
                            .with_help(format!(
                                "write `ARG {}={}` for a default, or one ARG per line",
                                name.value, value.value
                            )),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn legacy_pair(instruction: &Instruction, pair: &KeyValue) -> Finding {
    let keyword = instruction.kind.as_str();
    let finding = Finding::new(
        pair.key.span.join(pair.value.span),
        format!("`{keyword} key value` is deprecated: separate key and value with `=`"),
    )
    .with_help(format!("write `{keyword} {}=...`", pair.key.value));
    match key_equals_value(pair) {
        Some(replacement) => finding.with_fix(Fix {
            message: format!("rewrite as `{replacement}`"),
            safety: Safety::Safe,
            edits: vec![Edit {
                span: Span::new(pair.key.span.start, pair.value.span.end),
                replacement,
            }],
        }),
        None => finding,
    }
}

/// `key=value`, with the value quoted when it has blanks. `None` when the value uses quotes or
/// escapes, whose meaning would change inside the added double quotes.
fn key_equals_value(pair: &KeyValue) -> Option<String> {
    let value = &pair.value.value;
    if !value.contains(char::is_whitespace) {
        return Some(format!("{}={value}", pair.key.value));
    }
    if value.contains(['"', '\'', '\\', '`']) {
        return None;
    }
    Some(format!("{}=\"{value}\"", pair.key.value))
}

#[cfg(test)]
mod tests {
    use crate::linter::{lint, RuleSettings};
    use crate::rule::LintOptions;

    use super::RULE;

    #[test]
    fn legacy_values_with_quotes_and_blanks_are_not_rewritten() {
        // Inside added double quotes, the inner quotes would change meaning.
        let source = "FROM alpine\nLABEL maintainer \"Jane\" <j@example.com>\n";
        let result = lint(
            source.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        let finding = result
            .diagnostics
            .iter()
            .find(|d| d.rule.code == RULE.code)
            .expect("the legacy form is reported");
        assert!(finding.fix.is_none());
    }
}
