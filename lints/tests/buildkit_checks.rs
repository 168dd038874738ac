//! Docker's build checks: every Bad/Good example of their documentation
//! (../shared/conformance/buildkit-checks/doc-examples.json, read at test time) gives the
//! documented result through the rule of ours that records the check as its equivalent.

mod common;

use std::path::Path;

use common::Context;

use rbuild_lints::dockerignore::DockerIgnore;
use rbuild_lints::linter::{lint, RuleSettings};
use rbuild_lints::rule::{FixAvailability, LintOptions, Rule};
use rbuild_lints::rules::RULES;
use rbuild_lints::syntax::{Dockerfile, Keyword};
use serde_json::Value;

struct Example {
    check: String,
    expect_fail: bool,
    caption: String,
    dockerfile: String,
}

fn examples() -> Vec<Example> {
    let path = common::shared_dir().join("conformance/buildkit-checks/doc-examples.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).expect("doc-examples.json is JSON");
    let field = |case: &Value, name: &str| {
        case[name]
            .as_str()
            .unwrap_or_else(|| panic!("case without `{name}`: {case}"))
            .to_string()
    };
    json["cases"]
        .as_array()
        .expect("a `cases` array")
        .iter()
        .map(|case| Example {
            check: field(case, "rule"),
            expect_fail: match field(case, "expect").as_str() {
                "fail" => true,
                "pass" => false,
                other => panic!("unknown expectation {other:?}"),
            },
            caption: field(case, "caption"),
            dockerfile: field(case, "dockerfile"),
        })
        .collect()
}

/// The rules that record `check` as their equivalent (InvalidDefaultArgInFrom has two: one for
/// what is invalid for certain, one for what only a `--build-arg` can make valid).
fn equivalent_rules(check: &str) -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|rule| rule.equivalents.buildkit == Some(check))
        .collect()
}

fn fires(rules: &[&Rule], dockerfile: &str, context_dir: Option<&Path>) -> bool {
    let options = LintOptions {
        context_dir: context_dir.map(Path::to_path_buf),
        ..LintOptions::default()
    };
    // Every rule on: the documentation shows the experimental checks too.
    let all_rules = RuleSettings {
        ignored: Default::default(),
        ..RuleSettings::default()
    };
    lint(dockerfile.as_bytes(), &options, &all_rules)
        .diagnostics
        .iter()
        .any(|d| rules.iter().any(|rule| d.rule.code == rule.code))
}

/// The `.dockerignore` the CopyIgnoredFile examples run with. Its documentation shows
/// `*/tmp/*`, but under docker's matching rules (which the build uses, and which
/// `documented_copy_ignored_file_pattern_does_not_match_its_example` checks) that pattern only
/// excludes `tmp` directories one level down, not the `./tmp/helloworld.txt` of its Bad
/// example; `tmp/*` is the file the example means.
const COPY_IGNORED_FILE_IGNORE: &str = "tmp/*\n";

#[test]
fn every_documented_example_gives_the_documented_result() {
    let examples = examples();
    assert_eq!(examples.len(), 58, "expected the 58 documented examples");
    let context = Context::new("copy-ignored-file", COPY_IGNORED_FILE_IGNORE);
    let mut wrong = Vec::new();
    for example in &examples {
        let rules = equivalent_rules(&example.check);
        assert!(
            !rules.is_empty(),
            "no rule records {} as its equivalent",
            example.check
        );
        let context_dir = (example.check == "CopyIgnoredFile").then_some(context.0.as_path());
        if fires(&rules, &example.dockerfile, context_dir) != example.expect_fail {
            let codes: Vec<&str> = rules.iter().map(|rule| rule.code).collect();
            wrong.push(format!(
                "{} ({}) {}: {}\n{}",
                example.check,
                codes.join(", "),
                if example.expect_fail {
                    "should fire"
                } else {
                    "should stay quiet"
                },
                example.caption,
                example.dockerfile
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_documented_check_has_an_equivalent_rule() {
    let docs = common::shared_dir().join("conformance/buildkit-checks/docs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&docs).expect("read the docs directory") {
        let name = entry.expect("a docs entry").file_name();
        let Some(check) = name.to_str().and_then(|n| n.strip_suffix(".md")) else {
            continue;
        };
        if check != "_index" && equivalent_rules(check).is_empty() {
            missing.push(check.to_string());
        }
    }
    assert!(missing.is_empty(), "no rule for {missing:?}");
}

#[test]
fn documented_copy_ignored_file_pattern_does_not_match_its_example() {
    let documented = DockerIgnore::parse("*/tmp/*\n").expect("valid pattern");
    assert!(!documented.is_excluded("tmp/helloworld.txt"));
    assert!(documented.is_excluded("app/tmp/helloworld.txt"));
    let meant = DockerIgnore::parse(COPY_IGNORED_FILE_IGNORE).expect("valid pattern");
    assert!(meant.is_excluded("tmp/helloworld.txt"));
    assert!(!meant.is_excluded("forever/helloworld.txt"));
}

/// What a fix must keep: each instruction's kind, its flags (the redundant `--platform` aside)
/// and its words, with ENV and LABEL values as the builder reads them (expanded, unquoted).
/// Image names are compared case-blind too, which is harmless: the fixes never touch them.
fn meaning(dockerfile: &Dockerfile) -> Vec<String> {
    let lexer = rbuild_lints::shell::Lexer::new(dockerfile.escape);
    let empty: Vec<(String, String)> = Vec::new();
    dockerfile
        .instructions
        .iter()
        .map(|instruction| {
            let flags: Vec<String> = instruction
                .flags
                .iter()
                .map(|f| f.text())
                .filter(|f| {
                    f != "--platform=$TARGETPLATFORM" && f != "--platform=${TARGETPLATFORM}"
                })
                .collect();
            let words: Vec<String> = if instruction.key_values().is_empty() {
                // `AS` and EXPOSE protocols are read without regard to case.
                let case_blind = matches!(instruction.kind, Keyword::From | Keyword::Expose);
                instruction
                    .words()
                    .iter()
                    .map(|w| {
                        if case_blind {
                            w.value.to_ascii_lowercase()
                        } else {
                            w.value.clone()
                        }
                    })
                    .collect()
            } else {
                instruction
                    .key_values()
                    .iter()
                    .map(|pair| {
                        let value = lexer
                            .expand_word(&pair.value.value, &empty)
                            .map(|e| e.value)
                            .map_err(|e| e.to_string());
                        format!("{}={value:?}", pair.key.value)
                    })
                    .collect()
            };
            format!(
                "{:?} {flags:?} {words:?} {:?}",
                instruction.kind,
                instruction.shell_command().map(|w| &w.value)
            )
        })
        .collect()
}

/// Every safe fix of the build-check rules, applied to every corpus file: the result parses,
/// means the same to the builder, and the fixed rules no longer fire.
#[test]
fn safe_fixes_keep_corpus_files_meaning() {
    use rbuild_lints::diagnostic::{Edit, Safety};
    let fixable: Vec<&Rule> = RULES
        .iter()
        .copied()
        .filter(|rule| rule.equivalents.buildkit.is_some() && rule.fix != FixAvailability::None)
        .collect();
    let mut fixed_files = 0;
    let mut problems = Vec::new();
    for path in common::corpus_files(&common::shared_dir().join("corpus")) {
        let source = std::fs::read(&path).expect("read a corpus file");
        let Ok(text) = String::from_utf8(source) else {
            continue;
        };
        let result = lint(
            text.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        let Some(original) = result.dockerfile else {
            continue;
        };
        let mut edits: Vec<Edit> = result
            .diagnostics
            .iter()
            .filter(|d| fixable.iter().any(|rule| rule.code == d.rule.code))
            .filter_map(|d| d.fix.as_ref())
            .filter(|fix| fix.safety == Safety::Safe)
            .flat_map(|fix| fix.edits.clone())
            .collect();
        if edits.is_empty() {
            continue;
        }
        fixed_files += 1;
        edits.sort_by_key(|edit| std::cmp::Reverse(edit.span.start));
        let mut fixed = text.clone();
        for edit in edits {
            fixed.replace_range(edit.span.range(), &edit.replacement);
        }
        let after = lint(
            fixed.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        let Some(reparsed) = after.dockerfile else {
            problems.push(format!("{}: the fixed file does not parse", path.display()));
            continue;
        };
        if meaning(&original) != meaning(&reparsed) {
            problems.push(format!("{}: the fix changes the meaning", path.display()));
        }
        let still: Vec<&str> = after
            .diagnostics
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(|fix| fix.safety == Safety::Safe))
            .filter(|d| fixable.iter().any(|rule| rule.code == d.rule.code))
            .map(|d| d.rule.code)
            .collect();
        if !still.is_empty() {
            problems.push(format!(
                "{}: still fixable after fixing: {still:?}",
                path.display()
            ));
        }
    }
    assert!(
        fixed_files > 100,
        "only {fixed_files} corpus files had fixes"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
