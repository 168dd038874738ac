//! The language server's "ignore RBxxx for this instruction" edits, applied to every finding of
//! every corpus file: each silences exactly its finding's rule at its instruction, and none makes
//! a new finding (an unknown code, a broken file).

mod common;

use std::collections::BTreeSet;

use rbuild_lints::diagnostic::Edit;
use rbuild_lints::edits;
use rbuild_lints::linter::{ignore_edit, instruction_at, lint, LintResult, RuleSettings};
use rbuild_lints::rule::{Checker, LintOptions};

/// (rule code, index of the instruction) of each finding the ignore edits can silence.
fn ignorable(result: &LintResult) -> BTreeSet<(&'static str, usize)> {
    let Some(dockerfile) = &result.dockerfile else {
        return BTreeSet::new();
    };
    result
        .diagnostics
        .iter()
        .filter(|d| !matches!(d.rule.check, Checker::Engine))
        .filter_map(|d| {
            let instruction = instruction_at(dockerfile, d.span.start)?;
            let index = dockerfile
                .instructions
                .iter()
                .position(|i| std::ptr::eq(i, instruction))?;
            Some((d.rule.code, index))
        })
        .collect()
}

#[test]
fn ignore_edits_silence_their_findings_in_every_corpus_file() {
    let (options, settings) = (LintOptions::default(), RuleSettings::default());
    let mut silenced = 0;
    let mut problems = Vec::new();
    for path in common::corpus_files(&common::shared_dir().join("corpus")) {
        let Ok(text) = String::from_utf8(std::fs::read(&path).expect("read a corpus file")) else {
            continue;
        };
        let before = lint(text.as_bytes(), &options, &settings);
        let Some(dockerfile) = &before.dockerfile else {
            continue;
        };
        let findings = ignorable(&before);
        let edits: Vec<Edit> = findings
            .iter()
            .map(|&(code, index)| ignore_edit(dockerfile, &dockerfile.instructions[index], code))
            .collect();
        let ignored = edits::apply(&text, &edits).expect("insertions never overlap");
        let after = lint(ignored.as_bytes(), &options, &settings);
        let left: Vec<String> = after
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.rule.code, d.message))
            .collect();
        if !left.is_empty() {
            problems.push(format!("{}: {left:?}", path.display()));
        }
        silenced += findings.len();
    }
    assert!(silenced > 1000, "only {silenced} findings in the corpus");
    assert!(
        problems.is_empty(),
        "{} files:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
