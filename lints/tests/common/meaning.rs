//! What the formatter must keep: the tests' own check that a formatted Dockerfile means what
//! the original means, independent of the formatter's internal check.

use std::collections::HashMap;

use rbuild_lints::format::{collapse_blanks, Continuation, FormatOptions};
use rbuild_lints::shell::Lexer;
use rbuild_lints::syntax::{self, buildkit_dump, Arguments, Dockerfile, Instruction};

/// The default layout, and the other choices `[format]` offers.
pub const OPTIONS: [FormatOptions; 2] = [
    FormatOptions {
        indent_width: 4,
        continuation: Continuation::Space,
    },
    FormatOptions {
        indent_width: 2,
        continuation: Continuation::Aligned,
    },
];

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

/// `Ok` when `formatted` parses to the same instructions as `original` (`parse --format
/// buildkit` with blanks in commands collapsed), with the same heredocs and directives byte for
/// byte, and the same shell words (quotes removed) in every shell-form command.
pub fn same_meaning(original: &Dockerfile, formatted: &str) -> Result<(), String> {
    let formatted =
        syntax::parse(formatted).map_err(|e| format!("the formatted file does not parse: {e}"))?;
    if normalized_dump(&formatted) != normalized_dump(original) {
        return Err("the instructions differ".into());
    }
    if heredocs_and_directives(&formatted) != heredocs_and_directives(original) {
        return Err("heredocs or directives differ".into());
    }
    for (before, after) in shell_words(original).iter().zip(&shell_words(&formatted)) {
        if before.is_some() && before != after {
            return Err(format!("shell words differ: {before:?} -> {after:?}"));
        }
    }
    Ok(())
}
