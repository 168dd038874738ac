//! Every Dockerfile of ../shared/corpus parses, and nothing panics.

mod common;

use rbuild_lints::syntax::parse_bytes;

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
            Ok(dockerfile) => instructions += dockerfile.instructions.len(),
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
