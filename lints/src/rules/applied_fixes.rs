//! The fixes of the build-check rules, applied: each gives the expected text, which parses and
//! no longer triggers the rule.

use crate::diagnostic::{Edit, Safety};
use crate::linter::{lint, RuleSettings};
use crate::rule::{LintOptions, Rule};
use crate::syntax;

use super::{
    consistent_instruction_casing, expose_proto_casing, from_as_casing, legacy_key_value_format,
    redundant_target_platform,
};

fn codes_firing(rule: &Rule, source: &str) -> usize {
    lint(
        source.as_bytes(),
        &LintOptions::default(),
        &RuleSettings::default(),
    )
    .diagnostics
    .iter()
    .filter(|d| d.rule.code == rule.code)
    .count()
}

/// Applies every safe fix `rule` offers on `source` and checks the result.
fn assert_fixes(rule: &Rule, source: &str, expected: &str) {
    let result = lint(
        source.as_bytes(),
        &LintOptions::default(),
        &RuleSettings::default(),
    );
    let mut edits: Vec<Edit> = result
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == rule.code)
        .filter_map(|d| d.fix.as_ref())
        .filter(|fix| fix.safety == Safety::Safe)
        .flat_map(|fix| fix.edits.clone())
        .collect();
    assert!(
        !edits.is_empty(),
        "{} offers no fix for:\n{source}",
        rule.code
    );
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.span.start));
    let mut fixed = source.to_string();
    let mut limit = usize::MAX;
    for edit in edits {
        assert!(edit.span.end <= limit, "overlapping edits in {source}");
        fixed.replace_range(edit.span.range(), &edit.replacement);
        limit = edit.span.start;
    }
    assert_eq!(fixed, expected);
    if let Err(error) = syntax::parse(&fixed) {
        panic!("the fixed file does not parse: {}\n{fixed}", error.message);
    }
    assert_eq!(
        codes_firing(rule, &fixed),
        0,
        "still fires after the fix:\n{fixed}"
    );
}

#[test]
fn instruction_casing_follows_the_majority() {
    assert_fixes(
        &consistent_instruction_casing::RULE,
        "from alpine\nRun echo hi\nrun true\nonbuild COPY . /x\n",
        "from alpine\nrun echo hi\nrun true\nonbuild COPY . /x\n",
    );
    assert_fixes(
        &consistent_instruction_casing::RULE,
        "From alpine\nRun echo hello > /greeting.txt\nEntRYpOiNT [\"cat\", \"/greeting.txt\"]\n",
        "FROM alpine\nRUN echo hello > /greeting.txt\nENTRYPOINT [\"cat\", \"/greeting.txt\"]\n",
    );
}

#[test]
fn as_takes_the_case_of_from() {
    assert_fixes(
        &from_as_casing::RULE,
        "FROM debian:12 as builder\nfrom builder As final\n",
        "FROM debian:12 AS builder\nfrom builder as final\n",
    );
}

#[test]
fn expose_protocols_are_lower_cased() {
    assert_fixes(
        &expose_proto_casing::RULE,
        "FROM alpine\nEXPOSE 80/TcP 53/UDP \\\n  443/Tcp\n",
        "FROM alpine\nEXPOSE 80/tcp 53/udp \\\n  443/tcp\n",
    );
}

#[test]
fn redundant_platform_flags_are_removed() {
    assert_fixes(
        &redundant_target_platform::RULE,
        "FROM --platform=$TARGETPLATFORM alpine AS a\nFROM --platform=${TARGETPLATFORM} \\\n  alpine\n",
        "FROM alpine AS a\nFROM \\\n  alpine\n",
    );
}

#[test]
fn legacy_pairs_get_an_equals_sign() {
    assert_fixes(
        &legacy_key_value_format::RULE,
        "FROM alpine\nENV DEPS curl git  make\nLABEL version \"1.0\"\nENV MULTI \\\n    a \\\n    b\n",
        "FROM alpine\nENV DEPS=\"curl git  make\"\nLABEL version=\"1.0\"\nENV MULTI=\"a     b\"\n",
    );
}

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
        .find(|d| d.rule.code == legacy_key_value_format::RULE.code)
        .expect("the legacy form is reported");
    assert!(finding.fix.is_none());
}
