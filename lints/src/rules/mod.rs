//! The rule registry: one file per rule, one table.

mod add_local_files;
mod apt_in_scripts;
mod apt_install_recommends;
mod apt_update_alone;
mod base_image_not_found;
mod cd_in_run;
mod consecutive_run;
mod consistent_instruction_casing;
mod copy_archive_then_unpack;
mod copy_before_dependency_install;
mod copy_ignored_file;
mod copy_multiple_sources_to_file;
mod copy_relative_without_workdir;
mod copy_whole_stage;
pub mod differences;
mod download_piped_to_shell;
mod duplicate_stage_name;
mod empty_continuation_line;
mod empty_label_value;
mod env_self_reference;
mod exec_form_shell_syntax;
mod exec_form_single_string;
mod expose_invalid_format;
mod expose_port_range;
mod expose_proto_casing;
mod expose_ssh_port;
mod final_user_root;
mod fix_support;
mod from_arg_without_default;
mod from_as_casing;
mod from_latest_tag;
mod from_platform_flag;
mod from_platform_flag_const;
mod from_stage_order;
mod from_untagged;
mod ignore_comment;
mod image_not_verified;
mod image_platform_mismatch;
mod inline_ignore_comment;
mod invalid_base_image;
mod invalid_definition_description;
mod invalid_label_key;
mod invalid_utf8;
mod label_format;
mod label_not_in_schema;
pub(crate) mod labels;
mod language_package_unpinned;
mod legacy_key_value_format;
mod ln_bin_sh;
mod maintainer_deprecated;
mod missing_from;
mod missing_healthcheck;
mod multiple_instructions;
mod npm_install_with_lockfile;
mod os_package_unpinned;
mod package_cache_kept;
mod package_install_after_copy;
mod package_install_prompts;
mod pipe_without_pipefail;
mod pointless_command;
mod redundant_target_platform;
mod required_label_missing;
mod required_mount_not_given;
mod reserved_stage_name;
mod run_support;
mod secrets_in_arg_or_env;
mod shell_form_command;
mod shellcheck;
mod signature_verification_disabled;
mod stage_name_casing;
mod sudo_in_run;
pub(crate) mod support;
mod syntax_error;
mod system_upgrade;
mod tls_verification_disabled;
mod undefined_arg_in_from;
mod undefined_var;
mod unknown_stage_reference;
mod untrusted_registry;
mod user_by_name;
mod useradd_high_uid;
mod volatile_arg_before_run;
mod wget_and_curl;
mod wget_progress;
mod workdir_relative_path;
mod workdir_system_directory;
mod world_writable_permissions;

use crate::rule::Rule;

pub use base_image_not_found::RULE as IMAGE_NOT_FOUND;
pub(crate) use copy_before_dependency_install::RULE as COPY_BEFORE_DEPENDENCY_INSTALL;
pub(crate) use ignore_comment::RULE as IGNORE_COMMENT;
pub use image_not_verified::RULE as IMAGE_NOT_VERIFIED;
pub use image_platform_mismatch::RULE as IMAGE_PLATFORM_MISMATCH;
pub use invalid_utf8::first_invalid_utf8;
pub(crate) use invalid_utf8::RULE as INVALID_UTF8;
pub use shellcheck::RULE as SHELLCHECK;
pub use support::{AUTOMATIC_PLATFORM_ARGS, PROXY_ARGS};
pub(crate) use syntax_error::RULE as SYNTAX_ERROR;
pub use unknown_stage_reference::RULE as UNKNOWN_STAGE_REFERENCE;

/// Every rule, ordered by code.
pub static RULES: &[&Rule] = &[
    &syntax_error::RULE,
    &ignore_comment::RULE,
    &empty_continuation_line::RULE,
    &invalid_utf8::RULE,
    &missing_from::RULE,
    &undefined_arg_in_from::RULE,
    &invalid_base_image::RULE,
    &from_stage_order::RULE,
    &unknown_stage_reference::RULE,
    &base_image_not_found::RULE,
    &image_not_verified::RULE,
    &image_platform_mismatch::RULE,
    &from_arg_without_default::RULE,
    &shell_form_command::RULE,
    &exec_form_single_string::RULE,
    &exec_form_shell_syntax::RULE,
    &copy_before_dependency_install::RULE,
    &package_install_after_copy::RULE,
    &apt_update_alone::RULE,
    &volatile_arg_before_run::RULE,
    &os_package_unpinned::RULE,
    &language_package_unpinned::RULE,
    &package_install_prompts::RULE,
    &apt_install_recommends::RULE,
    &package_cache_kept::RULE,
    &apt_in_scripts::RULE,
    &system_upgrade::RULE,
    &useradd_high_uid::RULE,
    &wget_progress::RULE,
    &consecutive_run::RULE,
    &wget_and_curl::RULE,
    &ln_bin_sh::RULE,
    &pipe_without_pipefail::RULE,
    &cd_in_run::RULE,
    &sudo_in_run::RULE,
    &pointless_command::RULE,
    &required_mount_not_given::RULE,
    &duplicate_stage_name::RULE,
    &reserved_stage_name::RULE,
    &from_platform_flag_const::RULE,
    &redundant_target_platform::RULE,
    &multiple_instructions::RULE,
    &maintainer_deprecated::RULE,
    &workdir_relative_path::RULE,
    &expose_invalid_format::RULE,
    &legacy_key_value_format::RULE,
    &undefined_var::RULE,
    &secrets_in_arg_or_env::RULE,
    &copy_ignored_file::RULE,
    &invalid_definition_description::RULE,
    &from_untagged::RULE,
    &from_latest_tag::RULE,
    &expose_port_range::RULE,
    &copy_multiple_sources_to_file::RULE,
    &add_local_files::RULE,
    &copy_archive_then_unpack::RULE,
    &env_self_reference::RULE,
    &copy_relative_without_workdir::RULE,
    &copy_whole_stage::RULE,
    &workdir_system_directory::RULE,
    &from_platform_flag::RULE,
    &missing_healthcheck::RULE,
    &inline_ignore_comment::RULE,
    &tls_verification_disabled::RULE,
    &signature_verification_disabled::RULE,
    &download_piped_to_shell::RULE,
    &world_writable_permissions::RULE,
    &npm_install_with_lockfile::RULE,
    &expose_ssh_port::RULE,
    &final_user_root::RULE,
    &user_by_name::RULE,
    &consistent_instruction_casing::RULE,
    &from_as_casing::RULE,
    &stage_name_casing::RULE,
    &expose_proto_casing::RULE,
    &untrusted_registry::RULE,
    &invalid_label_key::RULE,
    &required_label_missing::RULE,
    &label_not_in_schema::RULE,
    &empty_label_value::RULE,
    &label_format::RULE,
    &shellcheck::RULE,
];

/// Rules that run only when switched on (`enable` in `.rbuild.toml`, `--enable`): checks that
/// suit some teams' policies but would be noise for most, and the checks BuildKit keeps
/// experimental (a file's `# check=experimental=` switches those on too).
pub static OFF_BY_DEFAULT: &[&str] = &["RB513", "RB525", "RB526"];

/// Where the rule with this exact code stands in [`RULES`] (ordered by code).
pub fn index_of(code: &str) -> Option<usize> {
    RULES.binary_search_by(|rule| rule.code.cmp(code)).ok()
}

/// The rule with this code or name (case-insensitive).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| {
        rule.code.eq_ignore_ascii_case(code_or_name) || rule.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The rules an id names (case-insensitive): our code or name, or a hadolint id (`DL3025`) or
/// Docker build-check name (`JSONArgsRecommended`) through the rules' equivalents, which may
/// name several rules. Empty when nothing matches.
pub fn find_all(id: &str) -> Vec<&'static Rule> {
    if let Some(rule) = find(id) {
        return vec![rule];
    }
    RULES
        .iter()
        .copied()
        .filter(|rule| {
            rule.equivalents
                .hadolint
                .iter()
                .any(|known| known.eq_ignore_ascii_case(id))
                || rule
                    .equivalents
                    .buildkit
                    .is_some_and(|known| known.eq_ignore_ascii_case(id))
        })
        .collect()
}

/// Like [`find_all`], but an id that names no rule is an error message with a suggestion.
pub fn resolve(id: &str) -> Result<Vec<&'static Rule>, String> {
    let found = find_all(id);
    if !found.is_empty() {
        return Ok(found);
    }
    Err(unknown_rule_message(id))
}

/// "unknown rule `X`", with the closest code, name or equivalent id when there is one.
pub fn unknown_rule_message(id: &str) -> String {
    let known = RULES.iter().flat_map(|rule| {
        [rule.code, rule.name]
            .into_iter()
            .chain(rule.equivalents.hadolint.iter().copied())
            .chain(rule.equivalents.buildkit)
    });
    match crate::suggest::closest(id, known) {
        Some(close) => format!("unknown rule `{id}`; did you mean `{close}`?"),
        None => format!("unknown rule `{id}` (see `docker rbuild rules`)"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::linter::{lint, RuleSettings};
    use crate::rule::Checker;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for rule in RULES {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(
                rule.code.len() == 5
                    && rule.code.starts_with("RB")
                    && rule.code[2..].bytes().all(|b| b.is_ascii_digit()),
                "bad code {}",
                rule.code
            );
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "name {} is not kebab-case",
                rule.name
            );
        }
        let mut sorted: Vec<_> = RULES.iter().map(|r| r.code).collect();
        sorted.sort();
        assert_eq!(sorted, RULES.iter().map(|r| r.code).collect::<Vec<_>>());
    }

    #[test]
    fn ids_of_other_tools_name_their_rules() {
        let codes = |id: &str| find_all(id).iter().map(|r| r.code).collect::<Vec<_>>();
        assert_eq!(codes("RB201"), ["RB201"]);
        assert_eq!(codes("shell-form-command"), ["RB201"]);
        assert_eq!(codes("dl3025"), ["RB201"]);
        assert_eq!(codes("JSONArgsRecommended"), ["RB201"]);
        let several: Vec<&str> = RULES
            .iter()
            .filter(|r| r.equivalents.hadolint.contains(&"DL3029"))
            .map(|r| r.code)
            .collect();
        assert_eq!(several.len(), 2);
        assert_eq!(codes("dl3029"), several);
        assert!(codes("DL9999").is_empty());
        assert_eq!(
            resolve("JSONArgsRecomended").unwrap_err(),
            "unknown rule `JSONArgsRecomended`; did you mean `JSONArgsRecommended`?"
        );
        assert_eq!(
            resolve("RB2O1").unwrap_err(),
            "unknown rule `RB2O1`; did you mean `RB201`?"
        );
        assert_eq!(
            resolve("no-such-thing-at-all").unwrap_err(),
            "unknown rule `no-such-thing-at-all` (see `docker rbuild rules`)"
        );
    }

    #[test]
    fn off_by_default_rules_exist() {
        for code in OFF_BY_DEFAULT {
            assert!(find(code).is_some_and(|rule| rule.code == *code), "{code}");
        }
    }

    #[test]
    fn every_rule_has_docs() {
        for rule in RULES {
            for (part, text) in [
                ("summary", rule.summary),
                ("severity reason", rule.severity_reason),
                ("what it does", rule.docs.what_it_does),
                ("why is this bad", rule.docs.why_is_this_bad),
                ("example", rule.docs.example),
                ("use instead", rule.docs.use_instead),
            ] {
                assert!(!text.trim().is_empty(), "{} has no {part}", rule.code);
            }
        }
    }

    fn codes_for(dockerfile: &str) -> Vec<&'static str> {
        lint(
            dockerfile.as_bytes(),
            &labels::fixture_options(),
            // Off-by-default rules are switched on: their fixtures are checked too.
            &RuleSettings {
                ignored: Default::default(),
                ..RuleSettings::default()
            },
        )
        .diagnostics
        .iter()
        .map(|d| d.rule.code)
        .collect()
    }

    /// The docs' example and the `fail` fixtures fire the rule; `use_instead` and the `pass`
    /// fixtures do not.
    #[test]
    fn every_rule_fires_on_its_failing_fixtures_only() {
        // Daemon and external rules need a daemon or a program: the integration tests run
        // their fixtures; context rules need a context directory: their own tests make one.
        // RB004's example stands for bytes that a `&str` cannot hold: its own test lints them.
        for rule in RULES.iter().filter(|r| {
            !matches!(
                r.check,
                Checker::Daemon | Checker::External | Checker::Context(_)
            ) && r.code != INVALID_UTF8.code
        }) {
            let failing =
                std::iter::once(rule.docs.example).chain(rule.fixtures.fail.iter().copied());
            for (i, dockerfile) in failing.enumerate() {
                assert!(
                    codes_for(dockerfile).contains(&rule.code),
                    "{} does not fire on failing fixture {i}:\n{dockerfile}",
                    rule.code
                );
            }
            let passing =
                std::iter::once(rule.docs.use_instead).chain(rule.fixtures.pass.iter().copied());
            for (i, dockerfile) in passing.enumerate() {
                let codes = codes_for(dockerfile);
                assert!(
                    !codes.contains(&rule.code),
                    "{} fires on passing fixture {i}:\n{dockerfile}",
                    rule.code
                );
            }
            assert!(
                !rule.fixtures.fail.is_empty() || matches!(rule.check, Checker::Engine),
                "{} needs failing fixtures beyond its doc example",
                rule.code
            );
        }
    }

    /// Every fixable rule: each fix example, fixed with only the rule's fixes (unsafe ones too
    /// unless the rule's fixes are all safe), gives its `after` text, which parses, no longer
    /// fires the rule, and stays as it is under a second `--fix`.
    #[test]
    fn every_fix_example_gives_its_after_text_once() {
        use crate::fix::{fix, FixOptions};
        use crate::rule::FixSafety;
        let fixable: Vec<&Rule> = RULES
            .iter()
            .copied()
            .filter(|r| r.fix.docs().is_some())
            .collect();
        for rule in &fixable {
            let docs = rule.fix.docs().unwrap();
            assert!(
                !docs.examples.is_empty(),
                "{} has no fix example",
                rule.code
            );
            assert!(
                !docs.description.trim().is_empty(),
                "{} does not describe its fix",
                rule.code
            );
            let only = [rule.code];
            let options = FixOptions {
                unsafe_fixes: docs.safety != FixSafety::Safe,
                only: Some(&only),
            };
            let fixed = |source: &str| {
                fix(
                    source.as_bytes(),
                    &labels::fixture_options(),
                    &RuleSettings::default(),
                    options,
                )
            };
            for (i, example) in docs.examples.iter().enumerate() {
                let first = fixed(example.before);
                assert!(
                    first.dropped.is_empty(),
                    "{} example {i}: dropped {:?}",
                    rule.code,
                    first.dropped
                );
                assert_eq!(first.source, example.after, "{} example {i}", rule.code);
                assert!(
                    first.remaining.dockerfile.is_some(),
                    "{} example {i} does not parse",
                    rule.code
                );
                assert!(
                    first
                        .remaining
                        .diagnostics
                        .iter()
                        .all(|d| d.rule.code != rule.code),
                    "{} still fires after its fix, example {i}:\n{}",
                    rule.code,
                    first.source
                );
                let second = fixed(&first.source);
                assert!(
                    !second.changed(),
                    "{} example {i}: a second --fix changes it",
                    rule.code
                );
            }
        }
        assert!(
            fixable.len() >= 25,
            "only {} rules are fixable",
            fixable.len()
        );
    }
}
