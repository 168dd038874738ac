//! Property tests: no input makes the parser panic, and every span it returns is a valid,
//! ordered range of the source on character boundaries.

use proptest::prelude::*;
use rbuild_lints::syntax::{parse, parse_bytes, Arguments, Dockerfile, Instruction, Span};

fn check_span(dockerfile: &Dockerfile, span: Span) {
    assert!(span.start <= span.end, "{span:?} reversed");
    assert!(span.end <= dockerfile.source.len(), "{span:?} past the end");
    assert!(
        dockerfile.source.is_char_boundary(span.start),
        "{span:?} start inside a character"
    );
    assert!(
        dockerfile.source.is_char_boundary(span.end),
        "{span:?} end inside a character"
    );
}

fn check_instruction(dockerfile: &Dockerfile, instruction: &Instruction) {
    check_span(dockerfile, instruction.span);
    check_span(dockerfile, instruction.keyword_span);
    assert!(instruction.span.start <= instruction.keyword_span.start);
    assert!(instruction.keyword_span.end <= instruction.span.end);
    for flag in &instruction.flags {
        check_span(dockerfile, flag.span);
    }
    for heredoc in &instruction.heredocs {
        check_span(dockerfile, heredoc.word_span);
        check_span(dockerfile, heredoc.body_span);
        check_span(dockerfile, heredoc.terminator_span);
    }
    check_span(dockerfile, instruction.args_span());
    if let Arguments::Onbuild(trigger) = &instruction.args {
        check_instruction(dockerfile, trigger);
    }
    assert!(instruction.start_line <= instruction.end_line);
}

fn check(source: &str) {
    if let Ok(dockerfile) = parse(source) {
        let mut previous_end = 0;
        for instruction in &dockerfile.instructions {
            check_instruction(&dockerfile, instruction);
            assert!(
                instruction.span.start >= previous_end,
                "instructions overlap"
            );
            previous_end = instruction.span.end;
        }
        let _ = rbuild_lints::syntax::buildkit_dump(&dockerfile);
    }
}

/// Lines that look like Dockerfile syntax, so the generator reaches deep parser paths.
fn dockerfile_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM busybox AS build".to_string()),
        Just("FROM --platform=$X img".to_string()),
        Just("# escape=`".to_string()),
        Just("# syntax=x".to_string()),
        Just("RUN <<EOF".to_string()),
        Just("RUN <<-'E F' cat".to_string()),
        Just("COPY <<A <<B /d".to_string()),
        Just("EOF".to_string()),
        Just("\tEOF".to_string()),
        Just("ONBUILD RUN [\"a\", \"b\"]".to_string()),
        Just("HEALTHCHECK --interval=5s CMD [\"x\"]".to_string()),
        Just("ENV a=\"b c\" d=e\\ f".to_string()),
        Just("LABEL k v w".to_string()),
        Just("ARG a=1 b".to_string()),
        Just("CMD [ \"a\", [ \"b\" ] ]".to_string()),
        Just("RUN --mount=type=cache,target=/x -- echo \\".to_string()),
        Just("`".to_string()),
        Just("\\".to_string()),
        Just("".to_string()),
        "[ -~\t]{0,40}",
        "\\PC{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(source in "\\PC*") {
        check(&source);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_bytes(&bytes);
    }

    #[test]
    fn dockerfile_like_text_never_panics_and_spans_are_valid(
        lines in proptest::collection::vec(dockerfile_line(), 0..30),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut source = if bom { "\u{feff}".to_string() } else { String::new() };
        source.push_str(&lines.join(newline));
        check(&source);
    }
}
