//! The formatter over every Dockerfile of ../shared/corpus: the formatted file parses to the
//! same instructions as the original, and formatting it again changes nothing.

mod common;

use std::path::PathBuf;

use rbuild_lints::format;
use rbuild_lints::syntax::{self, Dockerfile};

/// Each corpus file that parses, with its parse (the one file the reference rejects too is
/// left out: the formatter refuses it as `parse` does).
fn corpus() -> Vec<(PathBuf, Dockerfile)> {
    let files = common::corpus_files(&common::shared_dir().join("corpus"));
    assert_eq!(files.len(), 1205, "expected the 1,205 corpus files");
    let parsed: Vec<_> = files
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).expect("read corpus file");
            syntax::parse_bytes(&bytes).ok().map(|d| (path, d))
        })
        .collect();
    assert_eq!(parsed.len(), 1204);
    parsed
}

#[test]
fn formatted_corpus_files_parse_to_the_same_instructions() {
    let mut failures = Vec::new();
    let mut changed = 0;
    for (path, original) in corpus() {
        for options in &common::meaning::OPTIONS {
            let at = format!("{} ({options:?})", path.display());
            let text = match format::format(&original, options) {
                Ok(text) => text,
                Err(e) => {
                    failures.push(format!("{at}: {e}"));
                    continue;
                }
            };
            changed += usize::from(text != original.source);
            if let Err(difference) = common::meaning::same_meaning(&original, &text) {
                failures.push(format!("{at}: {difference}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The corpus is not all in the canonical layout already.
    assert!(changed > 500, "only {changed} formatted files differ");
}

#[test]
fn formatting_the_corpus_twice_changes_nothing() {
    let mut failures = Vec::new();
    for (path, original) in corpus() {
        for options in &common::meaning::OPTIONS {
            let Ok(once) = format::format(&original, options) else {
                continue; // reported by the test above
            };
            let twice = format::format_bytes(once.as_bytes(), options);
            if twice.as_ref() != Ok(&once) {
                failures.push(format!("{} ({options:?})", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} files change again:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
