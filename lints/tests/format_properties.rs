//! Property tests of the formatter on generated Dockerfiles full of the hard cases (quotes
//! across continuations, words glued by a continuation, comments and empty lines inside
//! instructions, exec form over lines, heredocs, tabs, CRLF, the backtick escape): whatever
//! parses is formatted, means the same afterwards, and formatting again changes nothing.

mod common;

use proptest::prelude::*;
use rbuild_lints::format::{format, format_bytes};
use rbuild_lints::syntax::parse;

/// A word or blank of an instruction, or a line continuation with what may follow it.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "echo",
        "x=1",
        "y=\"a  b\"",
        "--mount=type=cache",
        "&&",
        ";",
        "|",
        " ",
        "  ",
        "\t",
        "\"",
        "'",
        "\"a \t b\"",
        "'c  d'",
        "\\",
        "\\ ",
        "`",
        "$(",
        ")",
        "#",
        "# c",
        "[",
        "]",
        ",",
        "\"e\"",
        "[\"f\", \"g\"]",
        "<<EOF",
        "a\\",
        "^",
        "$'",
        "\\\\",
        "\\\"",
        "\"it's\"",
        "as",
        "CMD",
        " \\\n",
        "\\\n",
        " \\\n\t",
        " \\\n\n",
        " \\\n  # inside\n  ",
        " \\\r\n ",
        " `\n  ",
        "&&\\\n",
        "\\\n\\\n",
        "\t\\\n\t\t",
        "\\\n   \n  ",
    ])
}

/// An instruction: a keyword (in any case, maybe indented) and pieces.
fn instruction() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "RUN",
            "run",
            "  RUN",
            "FROM a",
            "from a as b",
            "ENV",
            "LABEL",
            "ARG",
            "CMD",
            "COPY",
            "EXPOSE",
            "USER",
            "ONBUILD RUN",
            "onbuild cmd",
            "HEALTHCHECK CMD",
            "HEALTHCHECK --interval=1s cmd",
            "SHELL",
            "ENTRYPOINT",
            "WORKDIR",
        ]),
        prop::collection::vec(piece(), 0..12),
    )
        .prop_map(|(keyword, pieces)| format!("{keyword} {}", pieces.concat()))
}

fn dockerfile() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", "# escape=`\n", "# syntax=x\n\n", "\n# escape=`\n"]),
        prop::collection::vec(
            (
                prop_oneof![
                    instruction(),
                    Just("COPY <<EOF /x\n  body  \\\nEOF".to_string()),
                    Just("RUN <<-EOT sh\n\techo  hi\n\tEOT".to_string()),
                ],
                prop::sample::select(vec!["\n", "\n\n", "\n# c \n", "\r\n", "\n\n\n  \n"]),
            ),
            1..8,
        ),
    )
        .prop_map(|(head, lines)| {
            let body: String = lines
                .iter()
                .map(|(line, end)| format!("{line}{end}"))
                .collect();
            format!("{head}FROM base\n{body}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn formatting_keeps_the_meaning_and_is_idempotent(source in dockerfile()) {
        if let Ok(original) = parse(&source) {
            for options in &common::meaning::OPTIONS {
                let once = format(&original, options)
                    .map_err(|e| TestCaseError::fail(format!("{e}")))?;
                common::meaning::same_meaning(&original, &once).map_err(TestCaseError::fail)?;
                prop_assert_eq!(format_bytes(once.as_bytes(), options), Ok(once.clone()));
            }
        }
    }
}
