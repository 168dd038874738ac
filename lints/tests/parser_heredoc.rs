//! Heredoc expectations of the reference, read at test time from its Go tests in ../shared:
//! `buildkit-parser/parser_heredoc_test.go` and
//! `buildkit-heredoc-and-instructions/instructions/parse_heredoc_test.go`.

mod common;

use common::go::{elements, fields, function_tokens, Token};
use rbuild_lints::syntax::{parse, Arguments, Heredoc};

#[derive(Debug, Default, PartialEq)]
struct Expected {
    name: String,
    content: String,
    expand: bool,
    chomp: bool,
    file_descriptor: u32,
}

fn expected_heredoc(fields: &[(String, Token)]) -> Expected {
    let mut e = Expected::default();
    for (field, value) in fields {
        match (field.as_str(), value) {
            ("Name", Token::Str(s)) => e.name = s.clone(),
            ("Content", Token::Str(s)) => e.content = s.clone(),
            ("Expand", Token::Ident(b)) => e.expand = b == "true",
            ("Chomp", Token::Ident(b)) => e.chomp = b == "true",
            ("FileDescriptor", Token::Ident(n)) => e.file_descriptor = n.parse().expect("number"),
            other => panic!("unexpected field {other:?}"),
        }
    }
    e
}

fn actual(heredoc: &Heredoc) -> Expected {
    Expected {
        name: heredoc.name.clone(),
        content: heredoc.content.clone(),
        expand: heredoc.expand,
        chomp: heredoc.chomp,
        file_descriptor: heredoc.file_descriptor,
    }
}

fn read(relative: &str) -> String {
    let path = common::shared_dir().join("conformance").join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn parse_extracts_heredocs_as_the_reference() {
    let go = read("buildkit-parser/parser_heredoc_test.go");
    let tokens = function_tokens(&go, "TestParseExtractsHeredoc");
    let Some(Token::Str(dockerfile)) = tokens.iter().find(|t| matches!(t, Token::Str(_))) else {
        panic!("no Dockerfile literal");
    };
    let open = tokens
        .windows(2)
        .position(|w| w == [Token::Ident("Heredoc".into()), Token::Punct('{')])
        .expect("tests := [][]Heredoc{")
        + 1;
    let expected = elements(&tokens, open);
    assert!(
        expected.len() > 20,
        "too few expectations read: {}",
        expected.len()
    );

    // The reference's AST parser ignores the unknown instruction `INVALID` on its own line;
    // like the reference's instruction layer we reject it, so it is commented out here and its
    // (empty) expectation skipped.
    let invalid_line = dockerfile
        .lines()
        .position(|l| l == "INVALID")
        .expect("the INVALID line");
    let patched: String = dockerfile
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == invalid_line {
                format!("# {l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let parsed = parse(&patched).unwrap_or_else(|e| panic!("parse failed: {e}"));
    let instructions = &parsed.instructions[1..];
    let expected: Vec<_> = expected
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| i != 3) // nil // INVALID
        .map(|(_, e)| e)
        .collect();
    assert_eq!(instructions.len(), expected.len());
    for (instruction, group) in instructions.iter().zip(expected) {
        let want: Vec<Expected> = group
            .map(|g| {
                elements(g, 0)
                    .into_iter()
                    .flatten()
                    .map(|h| expected_heredoc(&fields(h)))
                    .collect()
            })
            .unwrap_or_default();
        let got: Vec<Expected> = instruction.heredocs.iter().map(actual).collect();
        assert_eq!(got, want, "{}", instruction.line_text);
    }
}

#[test]
fn heredoc_names_from_line_as_the_reference() {
    let go = read("buildkit-parser/parser_heredoc_test.go");
    let tokens = function_tokens(&go, "TestHeredocsFromLine");
    let pairs = fields(&tokens);
    let mut checked = 0;
    let mut i = 0;
    while i < pairs.len() {
        let (field, Token::Str(line)) = &pairs[i] else {
            i += 1;
            continue;
        };
        assert_eq!(field, "line");
        // The names follow as the string tokens of `heredocNames: []string{...}` (or nil).
        let start = tokens
            .iter()
            .position(|t| *t == Token::Str(line.clone()))
            .expect("line literal");
        let names: Vec<String> = tokens[start + 1..]
            .iter()
            .skip_while(|t| **t != Token::Ident("heredocNames".into()))
            .take_while(|t| **t != Token::Punct('}'))
            .filter_map(|t| match t {
                Token::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let mut dockerfile = format!("FROM busybox\n{line}\n");
        for name in &names {
            dockerfile.push_str(name);
            dockerfile.push('\n');
        }
        let parsed = parse(&dockerfile).unwrap_or_else(|e| panic!("{line}: {e}"));
        let got: Vec<&str> = parsed.instructions[1]
            .heredocs
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(got, names, "{line}");
        checked += 1;
        i += 1;
    }
    assert!(checked >= 10, "too few lines read: {checked}");
}

#[test]
fn json_form_never_opens_heredocs() {
    let parsed = parse("FROM alpine\nRUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n")
        .expect("parses");
    assert!(parsed.instructions.iter().all(|i| i.heredocs.is_empty()));
}

#[test]
fn copy_and_run_heredocs_as_the_instruction_layer() {
    let go = read("buildkit-heredoc-and-instructions/instructions/parse_heredoc_test.go");
    let mut cases = 0;
    for function in ["TestCopyHeredoc", "TestRunHeredoc"] {
        let pairs = fields(&function_tokens(&go, function));
        let starts: Vec<usize> = pairs
            .iter()
            .enumerate()
            .filter(|(_, (f, _))| f == "dockerfile")
            .map(|(i, _)| i)
            .collect();
        for (n, &start) in starts.iter().enumerate() {
            let case = &pairs[start..starts.get(n + 1).copied().unwrap_or(pairs.len())];
            let Token::Str(dockerfile) = &case[0].1 else {
                panic!("dockerfile literal")
            };
            let parsed = parse(dockerfile).unwrap_or_else(|e| panic!("{dockerfile}: {e}"));
            let instruction = &parsed.instructions[0];
            // Heredoc bodies as the instruction layer sees them: (name, data after chomping, expand?).
            let got: Vec<(String, String)> = instruction
                .heredocs
                .iter()
                .map(|h| (h.name.clone(), h.chomped_content()))
                .collect();
            let names = case.iter().filter(|(f, _)| f == "Path" || f == "Name");
            let datas = case.iter().filter(|(f, _)| f == "Data");
            let want: Vec<(String, String)> = names
                .zip(datas)
                .map(|((_, n), (_, d))| match (n, d) {
                    (Token::Str(n), Token::Str(d)) => (n.clone(), d.clone()),
                    other => panic!("unexpected {other:?}"),
                })
                .collect();
            if function == "TestRunHeredoc" {
                // RUN keeps the raw body (the chomping happens when the file is written).
                let raw: Vec<(String, String)> = instruction
                    .heredocs
                    .iter()
                    .map(|h| (h.name.clone(), h.content.clone()))
                    .collect();
                assert_eq!(raw, want, "{dockerfile}");
                let shell = case
                    .iter()
                    .any(|(f, v)| f == "shell" && *v == Token::Ident("true".into()));
                assert_eq!(
                    matches!(instruction.args, Arguments::Shell(_)),
                    shell,
                    "{dockerfile}"
                );
            } else {
                assert_eq!(got, want, "{dockerfile}");
                let dest = case
                    .iter()
                    .find(|(f, _)| f == "DestPath")
                    .map(|(_, v)| v.clone());
                let (_, destination) = instruction.sources_and_destination().expect("COPY");
                assert_eq!(
                    dest,
                    Some(Token::Str(destination.value.clone())),
                    "{dockerfile}"
                );
                for (_, value) in case.iter().filter(|(f, _)| f == "Expand") {
                    let expand = *value == Token::Ident("true".into());
                    assert!(
                        instruction.heredocs.iter().any(|h| h.expand == expand),
                        "{dockerfile}"
                    );
                }
            }
            cases += 1;
        }
    }
    assert!(cases >= 10, "too few cases read: {cases}");
}

#[test]
fn heredoc_as_copy_destination_is_rejected() {
    let err = parse("COPY /foo <<EOF\nEOF").expect_err("rejected");
    assert!(
        err.message
            .contains("COPY cannot accept a heredoc as a destination"),
        "{err}"
    );
}

#[test]
fn heredoc_directly_followed_by_next_instruction() {
    let parsed = parse("FROM alpine\nRUN <<EOF\necho hi\nEOF\nRUN echo next\nCOPY <<A <<B /dst\na\nA\nb\nB\nCMD [\"x\"]\n")
        .expect("parses");
    let keywords: Vec<&str> = parsed
        .instructions
        .iter()
        .map(|i| i.kind.as_str())
        .collect();
    assert_eq!(keywords, ["FROM", "RUN", "RUN", "COPY", "CMD"]);
    let copy = &parsed.instructions[3];
    assert_eq!((copy.start_line, copy.end_line), (6, 10));
    assert_eq!(parsed.text(copy.heredocs[1].body_span), "b\n");
    assert_eq!(parsed.text(copy.heredocs[1].terminator_span), "B");
    assert_eq!(parsed.text(copy.heredocs[0].word_span), "<<A");
}

#[test]
fn unterminated_heredoc_is_an_error_with_location() {
    let err = parse("FROM alpine\nRUN <<EOF\necho hi\n").expect_err("rejected");
    assert!(err.message.contains("unterminated heredoc"), "{err}");
    assert_eq!((err.line, err.column), (2, 5));
}
