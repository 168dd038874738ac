//! LABEL pairs as the label rules read them, and the configuration their fixtures run under.

use std::collections::BTreeMap;

use crate::shell::Lexer;
use crate::syntax::{Dockerfile, KeyValue, Keyword, Stage};

use super::support::earlier_stage;

/// One `key=value` of a LABEL, unquoted.
pub struct Label<'a> {
    /// `None` when the key uses a variable: its final text is unknown here.
    pub key: Option<String>,
    /// `None` when the value uses a variable.
    pub value: Option<String>,
    pub pair: &'a KeyValue,
}

/// The word with quotes and escapes removed, unless it expands a variable.
fn literal(dockerfile: &Dockerfile, raw: &str) -> Option<String> {
    if raw.contains('$') {
        return None;
    }
    let no_variables: BTreeMap<String, String> = BTreeMap::new();
    Lexer::new(dockerfile.escape)
        .expand_word(raw, &no_variables)
        .ok()
        .map(|expansion| expansion.value)
}

/// Every LABEL pair of the file, in order (ONBUILD triggers excluded: they label other images).
pub fn labels(dockerfile: &Dockerfile) -> Vec<Label<'_>> {
    labels_in(dockerfile, 0..dockerfile.instructions.len())
}

fn labels_in(dockerfile: &Dockerfile, range: std::ops::Range<usize>) -> Vec<Label<'_>> {
    dockerfile.instructions[range.clone()]
        .iter()
        .zip(range)
        .filter(|(instruction, _)| instruction.kind == Keyword::Label)
        .flat_map(|(instruction, _)| {
            instruction.key_values().iter().map(move |pair| Label {
                key: literal(dockerfile, &pair.key.value),
                value: literal(dockerfile, &pair.value.value),
                pair,
            })
        })
        .collect()
}

/// The labels an image built from `stage` carries from this file: its own, and those of the
/// earlier stages it is built on.
pub fn stage_labels<'a>(dockerfile: &'a Dockerfile, stage: &'a Stage) -> Vec<Label<'a>> {
    let mut labels = Vec::new();
    let mut current = Some(stage);
    while let Some(stage) = current {
        labels.extend(labels_in(dockerfile, stage.instructions.clone()));
        current = earlier_stage(dockerfile, &stage.base.value, stage.index);
    }
    labels
}

/// The configuration every rule's fixtures are linted with: rules that need configuration
/// (trusted registries, a label schema, strict labels) are quiet without it, so their fixtures
/// are written against this one.
#[cfg(test)]
pub fn fixture_options() -> crate::rule::LintOptions {
    use crate::label_format::LabelFormat;
    crate::rule::LintOptions {
        trusted_registries: vec!["docker.io".into(), "*.example.com".into()],
        label_schema: [
            ("org.opencontainers.image.source", LabelFormat::Url),
            ("org.opencontainers.image.created", LabelFormat::Rfc3339),
            ("org.opencontainers.image.licenses", LabelFormat::Spdx),
            ("org.opencontainers.image.revision", LabelFormat::Hash),
            ("org.opencontainers.image.version", LabelFormat::Semver),
            ("maintainer", LabelFormat::Email),
            ("org.opencontainers.image.title", LabelFormat::Text),
        ]
        .into_iter()
        .map(|(name, format)| (name.to_string(), format))
        .collect(),
        strict_labels: true,
        // A build that gives no secrets and no SSH agent.
        build_session: Some(crate::rule::BuildSession::default()),
        ..crate::rule::LintOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use crate::linter::{lint, RuleSettings};
    use crate::rule::LintOptions;
    use crate::rules::{
        empty_label_value, label_format, label_not_in_schema, required_label_missing,
        untrusted_registry,
    };

    /// Without configuration the rules that need it are quiet, even on their own examples.
    #[test]
    fn configured_rules_are_quiet_by_default() {
        for rule in [
            &untrusted_registry::RULE,
            &required_label_missing::RULE,
            &label_not_in_schema::RULE,
            &empty_label_value::RULE,
            &label_format::RULE,
        ] {
            for dockerfile in
                std::iter::once(rule.docs.example).chain(rule.fixtures.fail.iter().copied())
            {
                let result = lint(
                    dockerfile.as_bytes(),
                    &LintOptions::default(),
                    &RuleSettings::default(),
                );
                assert!(
                    result.diagnostics.iter().all(|d| d.rule.code != rule.code),
                    "{} fires without configuration on:\n{dockerfile}",
                    rule.code
                );
            }
        }
    }

    #[test]
    fn the_target_stage_is_checked_for_required_labels() {
        let options = LintOptions {
            target: Some("build".into()),
            ..super::fixture_options()
        };
        let dockerfile =
            "FROM alpine AS build\nFROM alpine\nLABEL org.opencontainers.image.title=app\n";
        let missing = |options: &LintOptions| {
            lint(dockerfile.as_bytes(), options, &RuleSettings::default())
                .diagnostics
                .iter()
                .filter(|d| d.rule.code == required_label_missing::RULE.code)
                .count()
        };
        assert_eq!(missing(&options), 7);
        assert_eq!(missing(&super::fixture_options()), 6);
    }
}
