//! `.hadolint.yaml`: hadolint's configuration, read when a repository has no `.rbuild.toml`,
//! so that a project can switch without rewriting it. hadolint's ids are mapped to our rules
//! through their recorded equivalents.

use std::collections::BTreeMap;
use std::path::Path;

use rbuild_lints::diagnostic::Severity;
use rbuild_lints::label_format::LabelFormat;
use rbuild_lints::linter::CheckCode;
use rbuild_lints::rule::Rule;
use rbuild_lints::rules::RULES;
use rbuild_lints::syntax::LineIndex;
use serde::Deserialize;

use super::{ConfigFile, Threshold};
use crate::error::input_error;

/// The names hadolint looks for, in its order of preference.
pub const FILE_NAMES: [&str; 2] = [".hadolint.yaml", ".hadolint.yml"];

/// Whether `path` names a hadolint configuration rather than a `.rbuild.toml`.
pub fn is_hadolint_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "yaml" || ext == "yml")
}

/// The keys we use; hadolint's others (`format`, `no-color`, ...) are about its own output and
/// are left alone.
#[derive(Deserialize)]
struct RawHadolint {
    #[serde(default)]
    ignored: Vec<String>,
    #[serde(default, rename = "override")]
    overrides: RawOverrides,
    #[serde(default, rename = "trustedRegistries")]
    trusted_registries: Vec<String>,
    #[serde(default, rename = "label-schema")]
    label_schema: BTreeMap<String, String>,
    #[serde(default, rename = "strict-labels")]
    strict_labels: bool,
    #[serde(rename = "failure-threshold")]
    failure_threshold: Option<String>,
    #[serde(default, rename = "no-fail")]
    no_fail: bool,
}

#[derive(Deserialize, Default)]
struct RawOverrides {
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    warning: Vec<String>,
    #[serde(default)]
    info: Vec<String>,
    #[serde(default)]
    style: Vec<String>,
}

/// Our rules that carry hadolint's `id`.
fn rules_for(id: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    RULES.iter().copied().filter(move |rule| {
        rule.equivalents
            .hadolint
            .iter()
            .any(|known| known.eq_ignore_ascii_case(id.trim()))
    })
}

/// Reads a hadolint configuration into the settings it means for us. Ids we have no rule for
/// are reported as warnings on standard error (hadolint's users may list ShellCheck codes or
/// checks we do not have); everything else that is wrong is an input error at file:line:column.
pub fn load(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = crate::input::read_text(path)
        .map_err(|reason| input_error(format!("{}: {reason}", path.display())))?;
    let lines = LineIndex::new(&text);
    let at = |offset: usize| {
        let position = lines.position(&text, offset);
        format!("{}:{}:{}", path.display(), position.line, position.column)
    };
    // serde_norway has no spans for values: a value is located by its first occurrence.
    let at_text = |needle: &str| at(text.find(needle).unwrap_or(0));
    // An empty file is an empty configuration, as for hadolint.
    let raw: RawHadolint = if text.trim().is_empty() {
        serde_norway::from_str("{}")
    } else {
        serde_norway::from_str(&text)
    }
    .map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        match e.location() {
            Some(place) => input_error(format!(
                "{}:{}:{}: {message}",
                path.display(),
                place.line(),
                place.column()
            )),
            None => input_error(format!("{}: {message}", path.display())),
        }
    })?;
    // hadolint's ids map to the rules that carry them; ShellCheck codes stay as they are, as
    // `--shellcheck` reports ShellCheck's own codes.
    let mapped = |id: &str| -> Vec<CheckCode> {
        let codes: Vec<_> = rules_for(id)
            .map(|rule| CheckCode::Rule(rule.code))
            .chain(CheckCode::find(id.trim()).filter(|code| matches!(code, CheckCode::External(_))))
            .collect();
        if codes.is_empty() {
            eprintln!(
                "warning: {}: `{id}` has no equivalent rule in docker rbuild; it is not applied",
                at_text(id)
            );
        }
        codes
    };
    let ignore = raw.ignored.iter().flat_map(|id| mapped(id)).collect();
    let mut severities = Vec::new();
    for (severity, ids) in [
        (Severity::Error, &raw.overrides.error),
        (Severity::Warning, &raw.overrides.warning),
        (Severity::Info, &raw.overrides.info),
        (Severity::Style, &raw.overrides.style),
    ] {
        for id in ids {
            severities.extend(mapped(id).into_iter().map(|code| (code, severity)));
        }
    }
    let failure_threshold = match raw.failure_threshold.as_deref().map(str::trim) {
        _ if raw.no_fail => Some(Threshold::None),
        None => None,
        Some("none" | "ignore") => Some(Threshold::None),
        Some(level) => Some(match level.parse::<Severity>() {
            Ok(Severity::Error) => Threshold::Error,
            Ok(Severity::Warning) => Threshold::Warning,
            Ok(Severity::Info) => Threshold::Info,
            Ok(Severity::Style) => Threshold::Style,
            Err(message) => {
                return Err(input_error(format!(
                    "{}: failure-threshold: {message}",
                    at_text("failure-threshold")
                )))
            }
        }),
    };
    let label_schema = raw
        .label_schema
        .iter()
        .map(|(name, format)| {
            let format = format.parse::<LabelFormat>().map_err(|message| {
                input_error(format!("{}: {message}", at_text(&format!("{name}:"))))
            })?;
            Ok((name.clone(), format))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(ConfigFile {
        path: path.to_path_buf(),
        ignore,
        severities,
        failure_threshold,
        trusted_registries: raw.trusted_registries,
        label_schema,
        strict_labels: raw.strict_labels,
        ..ConfigFile::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> anyhow::Result<ConfigFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAMES[0]);
        std::fs::write(&path, text).unwrap();
        load(&path).map_err(|e| {
            anyhow::anyhow!(e
                .to_string()
                .replace(&dir.path().display().to_string(), "DIR"))
        })
    }

    #[test]
    fn maps_hadolint_keys_through_the_equivalents() {
        let file = load_text(
            "ignored:\n  - DL3006\n  - DL9999\n  - SC2086\noverride:\n  error:\n    - DL3008\n  \
             style:\n    - DL3053\ntrustedRegistries:\n  - docker.io\n  - my.registry:5000\n\
             label-schema:\n  author: text\n  created: rfc3339\nstrict-labels: true\n\
             failure-threshold: error\nformat: json\n",
        )
        .unwrap();
        let code = |id| CheckCode::Rule(rules_for(id).next().unwrap().code);
        assert_eq!(
            file.ignore,
            [code("DL3006"), CheckCode::External("SC2086".to_string())]
        );
        assert_eq!(
            file.severities,
            [
                (code("DL3008"), Severity::Error),
                (code("DL3053"), Severity::Style)
            ]
        );
        assert_eq!(file.trusted_registries, ["docker.io", "my.registry:5000"]);
        assert_eq!(file.label_schema["created"], LabelFormat::Rfc3339);
        assert!(file.strict_labels);
        assert_eq!(file.failure_threshold, Some(Threshold::Error));
    }

    #[test]
    fn no_fail_wins_and_empty_files_are_empty_configs() {
        let file = load_text("failure-threshold: style\nno-fail: true\n").unwrap();
        assert_eq!(file.failure_threshold, Some(Threshold::None));
        let empty = load_text("").unwrap();
        assert!(empty.ignore.is_empty() && empty.failure_threshold.is_none());
    }

    #[test]
    fn mistakes_name_the_place() {
        let bad_yaml = load_text("ignored: [DL3006\n").unwrap_err().to_string();
        assert!(
            bad_yaml.starts_with("DIR/.hadolint.yaml:2:1: "),
            "{bad_yaml}"
        );
        let bad_type = load_text("ignored: DL3006\n").unwrap_err().to_string();
        assert!(
            bad_type.starts_with("DIR/.hadolint.yaml:1:10: "),
            "{bad_type}"
        );
        let bad_format = load_text("label-schema:\n  created: date\n")
            .unwrap_err()
            .to_string();
        assert!(
            bad_format.starts_with("DIR/.hadolint.yaml:2:3: unknown label format `date`"),
            "{bad_format}"
        );
        let bad_threshold = load_text("failure-threshold: loud\n")
            .unwrap_err()
            .to_string();
        assert!(
            bad_threshold.starts_with("DIR/.hadolint.yaml:1:1: failure-threshold: "),
            "{bad_threshold}"
        );
    }
}
