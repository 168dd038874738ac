//! Every Dockerfile of ../shared/corpus parses, and nothing panics.

mod common;

use rbuild_lints::syntax::{parse_bytes, Arguments, Dockerfile, Instruction};
use std::path::Path;

/// Files the reference rejects too, with the error we expect (path suffix, message start).
const EXPECTED_REJECTIONS: [(&str, &str); 1] = [(
    // A Go template (`{{ ... }}`), not a Dockerfile: the reference fails with "unknown instruction".
    "docker-library+mysql/Dockerfile.oracle",
    "1:1: unknown instruction: {{",
)];

#[test]
fn whole_corpus_parses_without_error() {
    let files = common::corpus_files(&common::shared_dir().join("corpus"));
    assert_eq!(files.len(), 1205, "expected the 1,205 corpus files");
    let mut failures = Vec::new();
    let mut instructions = 0;
    let mut rejected = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read corpus file");
        match parse_bytes(&bytes) {
            Ok(dockerfile) => {
                instructions += dockerfile.instructions.len();
                for instruction in &dockerfile.instructions {
                    check_spans(&dockerfile, instruction, path);
                }
            }
            Err(e) => {
                let expected = EXPECTED_REJECTIONS.iter().any(|(file, message)| {
                    path.ends_with(file) && e.to_string().starts_with(message)
                });
                if !expected {
                    failures.push(format!("{}:{e}", path.display()));
                }
                rejected += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} files rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        rejected,
        EXPECTED_REJECTIONS.len(),
        "an expected rejection now parses"
    );
    assert!(
        instructions > 10_000,
        "suspiciously few instructions: {instructions}"
    );
}

/// Spans point at what they describe: the keyword, `--flags`, each word (a word's span text
/// equals its value unless a line continuation was removed inside it), JSON string literals.
fn check_spans(dockerfile: &Dockerfile, instruction: &Instruction, path: &Path) {
    let at = || format!("{}:{}", path.display(), instruction.start_line);
    assert!(
        dockerfile
            .text(instruction.keyword_span)
            .eq_ignore_ascii_case(instruction.kind.as_str()),
        "{}",
        at()
    );
    assert!(
        dockerfile
            .text(instruction.span)
            .starts_with(dockerfile.text(instruction.keyword_span)),
        "{}",
        at()
    );
    for flag in &instruction.flags {
        assert!(dockerfile.text(flag.span).starts_with("--"), "{}", at());
    }
    let words: Vec<_> = match &instruction.args {
        Arguments::Words(words) => words.iter().collect(),
        Arguments::KeyValues(pairs) => pairs.iter().flat_map(|p| [&p.key, &p.value]).collect(),
        Arguments::Shell(word) | Arguments::Text(word) => vec![word],
        _ => Vec::new(),
    };
    for word in words {
        let text = dockerfile.text(word.span);
        let continued = text.contains('\n');
        assert!(
            continued || text == word.value,
            "{}: {text:?} vs {:?}",
            at(),
            word.value
        );
    }
    if let Arguments::Exec(words) = &instruction.args {
        for word in words {
            let text = dockerfile.text(word.span);
            assert!(
                text.starts_with('"') && text.ends_with('"'),
                "{}: {text:?}",
                at()
            );
        }
    }
    if let Some(trigger) = instruction.onbuild_trigger() {
        check_spans(dockerfile, trigger, path);
    }
}
