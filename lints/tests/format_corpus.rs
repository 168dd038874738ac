//! The formatter over every Dockerfile of ../shared/corpus: the formatted file parses to the
//! same instructions as the original, and formatting it again changes nothing.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use rbuild_lints::format::{self, collapse_blanks, Continuation, FormatOptions};
use rbuild_lints::shell::Lexer;
use rbuild_lints::syntax::{self, buildkit_dump, Arguments, Dockerfile, Instruction};

/// The default layout, and the other choices `[format]` offers.
const OPTIONS: [FormatOptions; 2] = [
    FormatOptions {
        indent_width: 4,
        continuation: Continuation::Space,
    },
    FormatOptions {
        indent_width: 2,
        continuation: Continuation::Aligned,
    },
];

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

/// The parts of an instruction the layout may change, made canonical: runs of blanks inside a
/// shell-form command, the case of `AS` and of HEALTHCHECK's `CMD`.
fn normalize(instruction: &mut Instruction) {
    let mut args = &mut instruction.args;
    loop {
        match args {
            Arguments::Shell(command) => command.value = collapse_blanks(&command.value),
            Arguments::Words(words) if instruction.kind == syntax::Keyword::From => {
                if let [_, as_word, _] = &mut words[..] {
                    as_word.value = as_word.value.to_ascii_uppercase();
                }
            }
            Arguments::Healthcheck { kind, command } => {
                kind.value = kind.value.to_ascii_uppercase();
                args = command;
                continue;
            }
            Arguments::Onbuild(trigger) => normalize(trigger),
            _ => {}
        }
        break;
    }
}

/// `parse --format buildkit` of the file, with blanks in commands collapsed.
fn normalized_dump(dockerfile: &Dockerfile) -> String {
    let mut dockerfile = dockerfile.clone();
    dockerfile.instructions.iter_mut().for_each(normalize);
    buildkit_dump(&dockerfile)
}

/// The shell words of each shell-form command, quotes removed: white space inside quotes
/// stays, runs of it outside quotes split words.
fn shell_words(dockerfile: &Dockerfile) -> Vec<Option<Vec<String>>> {
    let lexer = Lexer::new('\\');
    let env: HashMap<String, String> = HashMap::new();
    dockerfile
        .instructions
        .iter()
        .map(|i| i.onbuild_trigger().unwrap_or(i))
        .filter_map(Instruction::shell_command)
        .map(|command| lexer.expand_words(&command.value, &env).ok())
        .collect()
}

fn heredocs_and_directives(dockerfile: &Dockerfile) -> (Vec<String>, Vec<String>) {
    let heredocs = dockerfile
        .instructions
        .iter()
        .flat_map(|i| &i.heredocs)
        .map(|h| {
            dockerfile
                .text(h.body_span.join(h.terminator_span))
                .to_string()
        })
        .collect();
    let directives = dockerfile
        .directives
        .iter()
        .map(|d| dockerfile.text(d.span).to_string())
        .collect();
    (heredocs, directives)
}

#[test]
fn formatted_corpus_files_parse_to_the_same_instructions() {
    let mut failures = Vec::new();
    let mut changed = 0;
    for (path, original) in corpus() {
        for options in &OPTIONS {
            let at = format!("{} ({options:?})", path.display());
            let text = match format::format(&original, options) {
                Ok(text) => text,
                Err(e) => {
                    failures.push(format!("{at}: {e}"));
                    continue;
                }
            };
            changed += usize::from(text != original.source);
            let formatted = match syntax::parse(&text) {
                Ok(formatted) => formatted,
                Err(e) => {
                    failures.push(format!("{at}: the formatted file does not parse: {e}"));
                    continue;
                }
            };
            if normalized_dump(&formatted) != normalized_dump(&original) {
                failures.push(format!("{at}: the instructions differ"));
            }
            if heredocs_and_directives(&formatted) != heredocs_and_directives(&original) {
                failures.push(format!("{at}: heredocs or directives differ"));
            }
            let words_before = shell_words(&original);
            let words_after = shell_words(&formatted);
            for (before, after) in words_before.iter().zip(&words_after) {
                if before.is_some() && before != after {
                    failures.push(format!("{at}: shell words differ: {before:?} -> {after:?}"));
                }
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
        for options in &OPTIONS {
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
