//! Parser behaviour: the reference's JSON-form and word-splitting expectations (read from its Go
//! tests in ../shared at test time), directives, flags, forms, errors, spans, stages and ARG scopes.

mod common;

use common::go::{matching_brace, tokenize, Token};
use rbuild_lints::syntax::{parse, parse_bytes, Arguments, Keyword};

fn reference_go(file: &str) -> Vec<Token> {
    let path = common::shared_dir()
        .join("conformance/buildkit-parser")
        .join(file);
    tokenize(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
}

/// The composite literal opening after the identifier `name`: `Str: {Str, ...}` entries,
/// or a plain list of strings (then keys are empty).
fn literal_after(tokens: &[Token], name: &str) -> Vec<(String, Vec<String>)> {
    let at = tokens
        .iter()
        .position(|t| *t == Token::Ident(name.to_string()))
        .unwrap_or_else(|| panic!("{name} not found"));
    let open = at
        + tokens[at..]
            .iter()
            .position(|t| *t == Token::Punct('{'))
            .expect("{");
    let end = matching_brace(tokens, open) - 1;
    let mut entries = Vec::new();
    let mut i = open + 1;
    while i < end {
        match (&tokens[i], tokens.get(i + 1)) {
            (Token::Str(key), Some(Token::Punct(':'))) => {
                let close = matching_brace(tokens, i + 2);
                let values = tokens[i + 3..close - 1]
                    .iter()
                    .filter_map(|t| match t {
                        Token::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
                entries.push((key.clone(), values));
                i = close;
            }
            (Token::Str(value), _) => {
                entries.push((String::new(), vec![value.clone()]));
                i += 1;
            }
            _ => i += 1,
        }
    }
    entries
}

#[test]
fn json_arrays_of_strings_as_the_reference() {
    let tokens = reference_go("json_test.go");
    let valid = literal_after(&tokens, "validJSONArraysOfStrings");
    assert!(valid.len() >= 8);
    for (json, expected) in valid {
        let dockerfile =
            parse(&format!("FROM x\nCMD {json}\n")).unwrap_or_else(|e| panic!("{json:?}: {e}"));
        let Arguments::Exec(words) = &dockerfile.instructions[1].args else {
            panic!(
                "{json:?} is not exec form: {:?}",
                dockerfile.instructions[1].args
            );
        };
        let values: Vec<&str> = words.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(values, expected, "{json:?}");
        for word in words {
            let literal = dockerfile.text(word.span);
            assert!(
                literal.starts_with('"') && literal.ends_with('"'),
                "span of {literal:?}"
            );
        }
    }
    let invalid = literal_after(&tokens, "invalidJSONArraysOfStrings");
    assert!(invalid.len() >= 8);
    for (_, json) in invalid {
        let err = parse(&format!("FROM x\nCMD {}\n", json[0])).expect_err(&json[0]);
        assert_eq!((err.line, err.column), (2, 5), "{err}");
    }
}

#[test]
fn parse_words_as_the_reference() {
    let tokens = reference_go("parser_test.go");
    let start = tokens
        .iter()
        .position(|t| *t == Token::Ident("TestParseWords".into()))
        .expect("TestParseWords");
    let entries = literal_after(&tokens[start..], "tests");
    let mut checked = 0;
    for pair in entries.chunks(2) {
        let [(input_key, input), (expect_key, expected)] = pair else {
            panic!("input/expect pairs");
        };
        assert_eq!(
            (input_key.as_str(), expect_key.as_str()),
            ("input", "expect")
        );
        let dockerfile = parse(&format!("FROM x\nARG {}\n", input[0])).expect("parses");
        let words: Vec<&str> = dockerfile.instructions[1]
            .words()
            .iter()
            .map(|w| w.value.as_str())
            .collect();
        assert_eq!(&words, expected, "{input:?}");
        checked += 1;
    }
    assert!(checked >= 8, "too few cases: {checked}");
}

#[test]
fn directives_at_the_top_only_case_insensitive_once() {
    let d = parse("#escape=`\n# key = FOO bar\n\n# smth\nFROM x\n").expect("parses");
    assert_eq!(d.directives.len(), 1);
    assert_eq!(
        (
            d.directives[0].name.as_str(),
            d.directives[0].value.as_str()
        ),
        ("escape", "`")
    );
    assert_eq!(d.escape, '`');

    let d = parse(
        "# EScape=\\\n# Syntax = docker/dockerfile:1 \n#check=skip=all\nFROM x\n# escape=`\n",
    )
    .expect("parses");
    let names: Vec<&str> = d.directives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["escape", "syntax", "check"]);
    assert_eq!(d.directive("syntax").unwrap().value, "docker/dockerfile:1");
    assert_eq!(d.directive("check").unwrap().value, "skip=all");
    assert_eq!(
        d.escape, '\\',
        "a directive after the first instruction is a comment"
    );
    assert_eq!(d.text(d.directives[1].value_span), "docker/dockerfile:1");

    // After a blank line or a non-directive comment, directives are plain comments.
    let d = parse("# hello\n# escape=`\nFROM x\n").expect("parses");
    assert!(d.directives.is_empty());

    // After a shebang line, `syntax` and `check` are still found; `escape` is not.
    let d = parse("#!/usr/bin/env buildctl\n# escape=`\n# syntax = dockerfile:1\nFROM x\n")
        .expect("parses");
    assert_eq!(
        d.directive("syntax").map(|s| s.value.as_str()),
        Some("dockerfile:1")
    );
    assert_eq!(d.escape, '\\');

    let err = parse("# escape=`\n# escape=\\\nFROM x\n").expect_err("twice");
    // At the first directive, as the reference reports it; the message names the repeat.
    assert_eq!(
        err.message,
        "only one escape parser directive can be used: line 2 repeats this one"
    );
    assert_eq!(err.line, 1);
    let err = parse("# escape=x\nFROM x\n").expect_err("bad escape");
    assert!(err.message.contains("invalid escape token 'x'"), "{err}");
}

#[test]
fn backtick_escape_governs_continuations() {
    let d = parse("# escape=`\nFROM x\nRUN dir c:\\ `\n    && echo done\nCOPY a\\ b c\\\n")
        .expect("parses");
    assert_eq!(d.instructions.len(), 3);
    assert_eq!(
        d.instructions[1].shell_command().unwrap().value,
        "dir c:\\     && echo done"
    );
    assert_eq!(d.instructions[2].words().len(), 3);
}

#[test]
fn flags_with_values_bare_and_double_dash() {
    let source = "FROM --platform=linux/arm64 x\nRUN --mount=type=cache,target=/root/.cache --network=none --security=insecure echo hi\nCOPY --link --chmod=\"755\" -- --weird /dst\n";
    let d = parse(source).expect("parses");
    let run = &d.instructions[1];
    let names: Vec<&str> = run.flags.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["mount", "network", "security"]);
    assert_eq!(run.flag("network").unwrap().value.as_deref(), Some("none"));
    assert_eq!(
        d.text(run.flags[0].span),
        "--mount=type=cache,target=/root/.cache"
    );
    assert_eq!(run.shell_command().unwrap().value, "echo hi");
    let copy = &d.instructions[2];
    assert_eq!(copy.flag("link").unwrap().value, None);
    assert_eq!(copy.flag("chmod").unwrap().value.as_deref(), Some("755"));
    let (sources, dest) = copy.sources_and_destination().unwrap();
    assert_eq!(sources[0].value, "--weird");
    assert_eq!(dest.value, "/dst");
    assert_eq!(d.stages[0].platform.as_deref(), Some("linux/arm64"));
}

#[test]
fn exec_shell_and_error_forms() {
    let d = parse("FROM x\nCMD [\"a\", \"b\"]\nCMD ['a']\nENTRYPOINT [\"a\"\nSHELL [\"/bin/sh\", \"-c\"]\nRUN []\n").expect("parses");
    assert!(matches!(&d.instructions[1].args, Arguments::Exec(w) if w.len() == 2));
    assert!(matches!(&d.instructions[2].args, Arguments::Shell(w) if w.value == "['a']"));
    assert!(matches!(&d.instructions[3].args, Arguments::Shell(_)));
    assert!(d.instructions[4].is_exec_form());
    assert!(matches!(&d.instructions[5].args, Arguments::Exec(w) if w.is_empty()));
    let err = parse("FROM x\nCMD [\"a\", 1]\n").expect_err("not strings");
    assert_eq!(
        err.message,
        "dockerfile JSON arrays must contain only strings"
    );
}

#[test]
fn env_and_label_pairs_and_legacy_form() {
    let d =
        parse("FROM x\nENV a=1 b=\"two words\" c=x\\ y\nENV legacy some value\nLABEL \"k\"=v\n")
            .expect("parses");
    let pairs: Vec<(&str, &str, bool)> = d.instructions[1]
        .key_values()
        .iter()
        .map(|kv| (kv.key.value.as_str(), kv.value.value.as_str(), kv.legacy))
        .collect();
    assert_eq!(
        pairs,
        [
            ("a", "1", false),
            ("b", "\"two words\"", false),
            ("c", "x\\ y", false)
        ]
    );
    let legacy = &d.instructions[2].key_values()[0];
    assert_eq!(
        (
            legacy.key.value.as_str(),
            legacy.value.value.as_str(),
            legacy.legacy
        ),
        ("legacy", "some value", true)
    );
    assert_eq!(d.text(legacy.value.span), "some value");
    assert_eq!(d.instructions[3].key_values()[0].key.value, "\"k\"");

    let err = parse("FROM x\nENV PATH\n").expect_err("no value");
    assert_eq!(err.message, "ENV must have two arguments");
    let err = parse("FROM x\nLABEL a=b c\n").expect_err("missing =");
    assert!(err.message.contains("can't find = in \"c\""), "{err}");
}

#[test]
fn healthcheck_onbuild_and_simple_instructions() {
    let d = parse("FROM x\nHEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://localhost/\nHEALTHCHECK NONE\nONBUILD RUN echo hi\nUSER app:app\nWORKDIR /srv\nSTOPSIGNAL SIGTERM\nMAINTAINER me\nEXPOSE 80/tcp 443\nVOLUME [\"/data\"]\nVOLUME /a /b\n").expect("parses");
    let hc = d.instructions[1].healthcheck().unwrap();
    assert_eq!(hc.kind.value, "CMD");
    assert!(matches!(hc.command, Arguments::Shell(w) if w.value == "curl -f http://localhost/"));
    assert_eq!(
        d.instructions[1].flag("interval").unwrap().value.as_deref(),
        Some("5s")
    );
    let none = d.instructions[2].healthcheck().unwrap();
    assert_eq!(
        (none.kind.value.as_str(), none.command),
        ("NONE", &Arguments::None)
    );
    let trigger = d.instructions[3].onbuild_trigger().unwrap();
    assert_eq!(trigger.kind, Keyword::Run);
    assert_eq!(d.text(trigger.keyword_span), "RUN");
    assert!(matches!(&d.instructions[4].args, Arguments::Text(w) if w.value == "app:app"));
    assert_eq!(d.instructions[8].words().len(), 2);
    assert!(d.instructions[9].is_exec_form());
    assert_eq!(d.instructions[10].words().len(), 2);

    for bad in [
        "ONBUILD ONBUILD RUN x",
        "ONBUILD FROM x",
        "ONBUILD MAINTAINER me",
    ] {
        assert!(parse(&format!("FROM x\n{bad}\n")).is_err(), "{bad}");
    }
}

#[test]
fn unknown_instruction_suggests_the_closest_keyword() {
    let err = parse("FROM x\n  RUNN echo\n").expect_err("unknown");
    assert_eq!(err.message, "unknown instruction: RUNN (did you mean run?)");
    assert_eq!((err.line, err.column), (2, 3));
    let err = parse("FROM x\nBOGUSWORD y\n").expect_err("unknown");
    assert_eq!(err.message, "unknown instruction: BOGUSWORD");
}

#[test]
fn keywords_are_case_insensitive_and_spans_exact() {
    let source = "\u{feff}from alpine AS Build\r\nrun echo a \\\r\n  && echo b\r\n";
    let d = parse(source).expect("parses");
    assert_eq!(d.instructions[0].kind.as_str(), "FROM");
    assert_eq!(d.instructions[0].keyword_span.start, 3, "after the BOM");
    assert_eq!(d.stages[0].name.as_ref().unwrap().value, "Build");
    assert!(d.stage_named("build").is_some());
    let run = &d.instructions[1];
    assert_eq!(d.text(run.span), "run echo a \\\r\n  && echo b");
    assert_eq!(run.shell_command().unwrap().value, "echo a   && echo b");
    assert_eq!(
        d.text(run.shell_command().unwrap().span),
        "echo a \\\r\n  && echo b"
    );
    assert_eq!((run.start_line, run.end_line), (2, 3));
    assert_eq!(d.position(run.keyword_span.start).column, 1);
}

#[test]
fn stages_and_arg_scopes() {
    let d = parse("ARG BASE=alpine\nARG TAG\nFROM $BASE:$TAG AS build\nARG TAG\nRUN make\nFROM scratch\nCOPY --from=build /out /\n").expect("parses");
    let globals: Vec<(&str, Option<&str>)> = d
        .global_args
        .iter()
        .map(|a| (a.name.as_str(), a.default.as_deref()))
        .collect();
    assert_eq!(globals, [("BASE", Some("alpine")), ("TAG", None)]);
    assert_eq!(d.stages.len(), 2);
    assert_eq!(d.stages[0].base.value, "$BASE:$TAG");
    assert_eq!(d.stages[0].instructions, 2..5);
    assert_eq!(d.stages[0].args.len(), 1);
    assert_eq!(d.stages[1].instructions, 5..7);
    assert_eq!(d.stage_of(6).unwrap().index, 1);
    assert!(d.stage_of(0).is_none());

    assert!(parse("FROM a b\n").is_err());
    assert!(parse("FROM a AS 1bad\n").is_err());
}

#[test]
fn empty_and_comment_only_files_are_rejected_and_invalid_utf8_is_read_as_replacements() {
    assert_eq!(parse("").unwrap_err().message, "file with no instructions");
    assert_eq!(
        parse("# only\n\n# comments\n").unwrap_err().message,
        "file with no instructions"
    );
    // BuildKit reads bytes: an invalid sequence is U+FFFD, and spans are offsets into that text.
    let d = parse_bytes(b"FROM x\nRUN \xc3\x28 \xff\nCMD [\"\xe9\"]\n").unwrap();
    assert_eq!(
        d.source,
        "FROM x\nRUN \u{FFFD}( \u{FFFD}\nCMD [\"\u{FFFD}\"]\n"
    );
    let Arguments::Shell(script) = &d.instructions[1].args else {
        panic!("shell form: {:?}", d.instructions[1].args);
    };
    assert_eq!(script.value, "\u{FFFD}( \u{FFFD}");
    assert_eq!(d.text(script.span), script.value);
    let Arguments::Exec(words) = &d.instructions[2].args else {
        panic!("exec form: {:?}", d.instructions[2].args);
    };
    assert_eq!(words[0].value, "\u{FFFD}");
    let position = d.position(words[0].span.start);
    assert_eq!((position.line, position.column), (3, 6));
}

#[test]
fn continuation_at_end_of_file_and_escaped_escape() {
    let d = parse("FROM x\nRUN echo \\").expect("parses");
    assert_eq!(d.instructions[1].shell_command().unwrap().value, "echo");
    assert_eq!(d.text(d.instructions[1].span), "RUN echo \\");
    let d = parse("FROM x\nENV A=b\\\\\nENV C=d\n").expect("parses");
    assert_eq!(
        d.instructions.len(),
        3,
        "a trailing escaped escape does not continue"
    );
}

#[test]
fn comments_are_listed_with_spans_directives_excluded() {
    let source = "# syntax=x\n# first\nFROM x\nRUN a \\\n  # inside\n  b\n   # indented\n";
    let d = parse(source).expect("parses");
    let comments: Vec<&str> = d.comments.iter().map(|s| d.text(*s)).collect();
    assert_eq!(comments, ["# first", "# inside", "# indented"]);
}
