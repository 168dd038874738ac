//! The reference parser's own test material (../shared/conformance/buildkit-parser), read at test time.

mod common;

use rbuild_lints::syntax::{buildkit_dump, parse, parse_bytes, WarningKind};

fn parser_dir() -> std::path::PathBuf {
    common::shared_dir().join("conformance/buildkit-parser")
}

#[test]
fn testfiles_dump_equals_reference_result() {
    let cases = common::subdirs(&parser_dir().join("testfiles"));
    assert_eq!(cases.len(), 33, "expected the 33 reference test cases");
    let mut failures = Vec::new();
    for case in &cases {
        let source = std::fs::read(case.join("Dockerfile")).expect("read Dockerfile");
        let expected = std::fs::read_to_string(case.join("result")).expect("read result");
        match parse_bytes(&source) {
            Ok(dockerfile) => {
                let dump = buildkit_dump(&dockerfile);
                if dump != expected {
                    failures.push(format!(
                        "{}:\n--- expected\n{expected}--- got\n{dump}",
                        case.display()
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", case.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn negative_testfiles_are_rejected() {
    let cases = common::subdirs(&parser_dir().join("testfiles-negative"));
    assert_eq!(cases.len(), 4);
    for case in &cases {
        let source = std::fs::read(case.join("Dockerfile")).expect("read Dockerfile");
        let result = parse_bytes(&source);
        assert!(
            result.is_err(),
            "{} parsed but must be rejected",
            case.display()
        );
    }
}

#[test]
fn testfile_line_numbers_match_reference() {
    let source = std::fs::read(parser_dir().join("testfile-line/Dockerfile")).expect("read");
    let dockerfile = parse_bytes(&source).expect("parses");
    let ranges: Vec<(usize, usize)> = dockerfile
        .instructions
        .iter()
        .map(|i| (i.start_line, i.end_line))
        .collect();
    assert_eq!(ranges, [(5, 5), (11, 12), (17, 31)]);
    assert_eq!(
        dockerfile.directive("escape").map(|d| d.value.as_str()),
        Some("\\")
    );
}

#[test]
fn empty_continuation_lines_warn_but_comment_lines_do_not() {
    let source = "FROM busybox\n\nRUN first \\\n\n    second \\\n\n    third\n\nRUN lone \\\n\n  tail\n\nRUN with \\\n# a comment\n  comment\n\nRUN with \\\n   # an indented comment\n  indented\n";
    let dockerfile = parse(source).expect("parses");
    let warnings = &dockerfile.warnings;
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings
        .iter()
        .all(|w| w.kind == WarningKind::EmptyContinuationLine));
    assert!(warnings[0]
        .message
        .contains("Empty continuation line found in"));
    assert!(warnings[0]
        .message
        .contains("RUN first     second     third"));
    assert!(warnings[1].message.contains("RUN lone   tail"));
    assert_eq!(warnings[0].locations.len(), 2);
    let first_empty = warnings[0].locations[0];
    assert_eq!(dockerfile.position(first_empty.start).line, 4);
}

#[test]
fn line_longer_than_65535_bytes_is_rejected() {
    let ok = format!("FROM busybox\nLABEL a={}\n", "a".repeat(65_535 - 8));
    assert!(parse(&ok).is_ok());
    let long = format!("FROM busybox\nLABEL test={}\n", "a".repeat(65_536));
    let err = parse(&long).expect_err("too long");
    assert_eq!(
        err.message,
        "dockerfile line greater than max allowed size of 65535"
    );
    assert_eq!(err.line, 2);
}

#[test]
fn parse_words_keeps_quotes_and_escaped_spaces() {
    let dockerfile =
        parse("FROM x\nARG foo\\ bar \"quoted word\" 'single q' tail\\\n").expect("parses");
    let words: Vec<&str> = dockerfile.instructions[1]
        .words()
        .iter()
        .map(|w| w.value.as_str())
        .collect();
    assert_eq!(
        words,
        ["foo\\ bar", "\"quoted word\"", "'single q'", "tail"]
    );
}
