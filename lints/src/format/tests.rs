use super::*;
use crate::syntax::parse;

/// Formats `text` with `options`, checking that formatting again changes nothing.
fn format_with(text: &str, options: &FormatOptions) -> String {
    let once = format_bytes(text.as_bytes(), options).unwrap();
    let twice = format_bytes(once.as_bytes(), options).unwrap();
    assert_eq!(once, twice, "not idempotent");
    assert!(edits(&parse(&once).unwrap(), options).is_empty());
    once
}

fn fmt(text: &str) -> String {
    format_with(text, &FormatOptions::default())
}

#[test]
fn keywords_words_flags_and_exec_form() {
    let before = "from  alpine:3.19   as   build\n  run   apk add  curl   \n\
                  copy   --chown=app  --from=build   /src   /dst\n\
                  cmd [ \"sh\" ,\"-c\",  \"echo  a\" ]\nentrypoint []\n";
    let after = "FROM alpine:3.19 AS build\nRUN apk add  curl\n\
                 COPY --chown=app --from=build /src /dst\n\
                 CMD [\"sh\", \"-c\", \"echo  a\"]\nENTRYPOINT []\n";
    assert_eq!(fmt(before), after);
}

#[test]
fn key_values_onbuild_and_healthcheck() {
    let before = "FROM a\nenv  A=1   B=\"x  y\"\nENV  LEGACY   some  value\n\
                  label a=b\tc=d\nonbuild   run  make\n\
                  healthcheck  --interval=5s   cmd  [\"true\"]\nhealthcheck none\n";
    let after = "FROM a\nENV A=1 B=\"x  y\"\nENV LEGACY some  value\n\
                 LABEL a=b c=d\nONBUILD RUN make\n\
                 HEALTHCHECK --interval=5s CMD [\"true\"]\nHEALTHCHECK NONE\n";
    assert_eq!(fmt(before), after);
}

#[test]
fn continuation_lines_keep_their_relative_indentation() {
    let before = "FROM a\nRUN set -eux;\\\n\tapt-get update; \\\n\n# install\n\
                  \tapt-get install -y \\\n\t\tcurl \\\n\t; \\\n\trm -rf /var/lib/apt/lists/*\n";
    let after = "FROM a\nRUN set -eux; \\\n    apt-get update; \\\n    # install\n\
                 \x20   apt-get install -y \\\n        curl \\\n    ; \\\n    rm -rf /var/lib/apt/lists/*\n";
    assert_eq!(fmt(before), after);
}

#[test]
fn continuations_inside_quotes_or_words_stay() {
    let before = "FROM a\nRUN echo \"hello \\\n      world\" && \\\n  echo ab\\\ncd && \\\n  echo 'x   \\\n  y'\n";
    let after = "FROM a\nRUN echo \"hello \\\n      world\" && \\\n    echo ab\\\ncd && \\\n    echo 'x   \\\n  y'\n";
    assert_eq!(fmt(before), after);
    let env = "FROM a\nENV A=\"1 \\\n   2\"   B=3\n";
    assert_eq!(fmt(env), "FROM a\nENV A=\"1 \\\n   2\" B=3\n");
}

#[test]
fn a_blank_after_an_escape_stays() {
    // `a\ ` is one word: the first blank after the escape belongs to it.
    let text = "FROM a\nENV a\\  b=1 c=2\n";
    assert_eq!(fmt(text), text);
}

#[test]
fn exec_form_across_lines() {
    let before = "FROM a\nCMD [   \\\n      \"--a\",      \\\n      \"--b\"   \\\n    ]\n";
    assert_eq!(fmt(before), "FROM a\nCMD [\"--a\", \\\n    \"--b\"]\n");
}

#[test]
fn heredocs_directives_and_escape_are_kept() {
    let before = "# syntax=docker/dockerfile:1\n#  escape=`\n\nfrom a\n\
                  run  <<EOF   cat >  /x\n  keep   this  \n\nEOF\n\
                  RUN powershell -Command `\n  Write-Host   hi\n";
    let after = "# syntax=docker/dockerfile:1\n#  escape=`\n\nFROM a\n\
                 RUN <<EOF   cat >  /x\n  keep   this  \n\nEOF\n\
                 RUN powershell -Command `\n    Write-Host   hi\n";
    assert_eq!(fmt(before), after);
}

#[test]
fn blank_lines_stages_and_final_newline() {
    let before = "\n\nARG V=1\n\n\n# base image\nFROM a:$V\nRUN true\n# second stage\n\
                  FROM b AS two\n\n\n\nRUN false\n  # trailing comment  \n\n\n";
    let after = "ARG V=1\n\n# base image\nFROM a:$V\nRUN true\n\n# second stage\n\
                 FROM b AS two\n\nRUN false\n# trailing comment\n";
    assert_eq!(fmt(before), after);
    assert_eq!(fmt("FROM a\nRUN x"), "FROM a\nRUN x\n");
}

#[test]
fn an_empty_line_that_ends_the_directives_stays() {
    let text = "\n# escape=`\nFROM a\n";
    assert_eq!(fmt(text), text);
    assert_eq!(parse(&fmt(text)).unwrap().escape, '\\');
}

#[test]
fn windows_line_endings_stay() {
    let before = "from a\r\nrun  a && \\\r\n\t b\r\n\r\n\r\nCMD x\r\n";
    assert_eq!(
        fmt(before),
        "FROM a\r\nRUN a && \\\r\n    b\r\n\r\nCMD x\r\n"
    );
}

#[test]
fn options_indent_width_and_aligned_continuations() {
    let options = FormatOptions {
        indent_width: 2,
        continuation: Continuation::Aligned,
    };
    let before =
        "FROM a\nRUN apt-get update && \\\n    apt-get install -y \\\n      curl \\\n    && true\n";
    let after = "FROM a\nRUN apt-get update && \\\n  apt-get install -y  \\\n    curl              \\\n  && true\n";
    assert_eq!(format_with(before, &options), after);
}

#[test]
fn edits_touch_only_what_changes() {
    let dockerfile = parse("FROM a\nrun  x\n").unwrap();
    let edits = edits(&dockerfile, &FormatOptions::default());
    let replaced: Vec<(&str, &str)> = edits
        .iter()
        .map(|e| (dockerfile.text(e.span), e.replacement.as_str()))
        .collect();
    assert_eq!(replaced, [("run", "RUN"), ("  ", " ")]);
}

#[test]
fn syntax_errors_are_reported() {
    let error = format_bytes(b"FROM a\nFORM b\n", &FormatOptions::default()).unwrap_err();
    assert!(matches!(error, FormatError::Syntax(_)));
    assert_eq!(
        error.to_string(),
        "2:1: unknown instruction: FORM (did you mean from?)"
    );
}

#[test]
fn the_meaning_check_sees_blanks_inside_quotes() {
    let same = |a: &str, b: &str| same_meaning(&parse(a).unwrap(), &parse(b).unwrap());
    assert_eq!(same("RUN echo a  b\n", "RUN echo a b\n"), Ok(()));
    assert_eq!(same("RUN echo \"a  b\"\n", "RUN echo \"a b\"\n"), Err(1));
    assert_eq!(same("FROM a as b\n", "FROM a AS b\n"), Ok(()));
    assert_eq!(same("ENV A=1\n", "ENV A=2\n"), Err(1));
}
