//! What the rules' fixes share: where a RUN command's words stand in the source, and edits
//! that insert an option, remove words, or append a command to a RUN.

use crate::diagnostic::{Edit, Fix, Safety};
use crate::script::Command;
use crate::syntax::{Dockerfile, Instruction, Keyword, Span};

/// The words of `command` as written, with their spans: split at blanks, quotes and line
/// continuations not interpreted (enough to find literal words such as subcommands and
/// options). The escape character standing alone (a line continuation) is left out.
pub fn source_words<'a>(dockerfile: &'a Dockerfile, command: &Command) -> Vec<(Span, &'a str)> {
    let text = dockerfile.text(command.span);
    let escape = dockerfile.escape.to_string();
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                if text[s..i] != escape {
                    let span = Span::new(command.span.start + s, command.span.start + i);
                    words.push((span, &text[s..i]));
                }
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    words
}

/// Where the command's program name is written (`/usr/bin/apt-get`, after `sudo` or
/// `DEBIAN_FRONTEND=noninteractive`), and the words after it.
fn after_program<'a>(dockerfile: &'a Dockerfile, command: &Command) -> Vec<(Span, &'a str)> {
    let mut words = source_words(dockerfile, command);
    let program = command.program();
    let Some(at) = words
        .iter()
        .position(|(_, w)| w.rsplit('/').next() == Some(program))
    else {
        return Vec::new();
    };
    words.drain(..=at);
    words
}

/// The span of the first word written exactly `word` after the program name (a subcommand
/// such as `install`, or an option).
pub fn word_after_program(dockerfile: &Dockerfile, command: &Command, word: &str) -> Option<Span> {
    after_program(dockerfile, command)
        .into_iter()
        .find(|(_, w)| *w == word)
        .map(|(span, _)| span)
}

/// The span of the program name as written.
pub fn program_span(dockerfile: &Dockerfile, command: &Command) -> Option<Span> {
    let program = command.program();
    source_words(dockerfile, command)
        .into_iter()
        .find(|(_, w)| w.rsplit('/').next() == Some(program))
        .map(|(span, _)| span)
}

/// Inserts ` option` after the command's first operand (its subcommand, `install`), or after
/// the program name when `after_subcommand` is false.
pub fn insert_option(
    dockerfile: &Dockerfile,
    command: &Command,
    after_subcommand: bool,
    option: &str,
    safety: Safety,
) -> Option<Fix> {
    let at = if after_subcommand {
        word_after_program(dockerfile, command, command.operands().next()?)?
    } else {
        program_span(dockerfile, command)?
    };
    Some(Fix {
        message: format!("add `{option}`"),
        safety,
        edits: vec![Edit {
            span: Span::new(at.end, at.end),
            replacement: format!(" {option}"),
        }],
    })
}

/// Removes the words of the command written as one of `words` (with the blank before each).
pub fn remove_words(dockerfile: &Dockerfile, command: &Command, words: &[&str]) -> Vec<Edit> {
    after_program(dockerfile, command)
        .into_iter()
        .filter(|(_, w)| words.contains(w))
        .map(|(span, _)| {
            let before = &dockerfile.source[..span.start];
            let blank = before.len() - before.trim_end_matches([' ', '\t']).len();
            Edit {
                span: Span::new(span.start - blank, span.end),
                replacement: String::new(),
            }
        })
        .collect()
}

/// Appends `&& command` to a shell-form RUN's script, on a continuation line when the script
/// already spans several lines. `None` when the script does not end with a command (a
/// trailing comment, `;`, `&` or `)` would swallow or reject what is added) or the RUN is not
/// in shell form.
pub fn append_to_run(
    dockerfile: &Dockerfile,
    run: &Instruction,
    commands: &[Command],
    command: &str,
) -> Option<Edit> {
    let script = run.shell_command()?;
    if !run.heredocs.is_empty() {
        return None;
    }
    let last = commands.last()?;
    let tail = dockerfile.text(Span::new(last.span.end, script.span.end));
    if !tail.trim().is_empty() || last.span.end > script.span.end {
        return None;
    }
    let multi_line = dockerfile.text(script.span).contains('\n');
    let replacement = if multi_line {
        format!(" {}\n    && {command}", dockerfile.escape)
    } else {
        format!(" && {command}")
    };
    Some(Edit {
        span: Span::new(last.span.end, last.span.end),
        replacement,
    })
}

/// `keyword` written like `instruction`'s keyword: lower case when that one is, else upper case.
pub fn keyword_like(
    dockerfile: &Dockerfile,
    instruction: &Instruction,
    keyword: Keyword,
) -> String {
    let written = dockerfile.text(instruction.keyword_span);
    if written == written.to_ascii_lowercase() {
        keyword.as_str().to_ascii_lowercase()
    } else {
        keyword.as_str().to_string()
    }
}

/// Inserts the line `line` before `instruction`, indented like it, and above the comment lines
/// right before it: an ignore comment (`# hadolint ignore=...`) keeps applying to the
/// instruction, and a comment describing it stays with it.
pub fn insert_line_before(dockerfile: &Dockerfile, instruction: &Instruction, line: &str) -> Edit {
    let source = &dockerfile.source;
    let line_start = |offset: usize| source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut at = line_start(instruction.span.start);
    let indent = &source[at..instruction.span.start];
    let indent = if indent.trim().is_empty() { indent } else { "" };
    while at > 0 {
        let previous = line_start(at - 1);
        if !source[previous..at].trim_start().starts_with('#') {
            break;
        }
        at = previous;
    }
    Edit {
        span: Span::new(at, at),
        replacement: format!("{indent}{line}\n"),
    }
}

/// Deletes an instruction's lines, and the ignore comments right before it, which would
/// otherwise apply to the next instruction.
pub fn delete_instruction(dockerfile: &Dockerfile, instruction: &Instruction) -> Edit {
    let mut edit = delete_lines(dockerfile, instruction.span);
    let source = &dockerfile.source;
    while edit.span.start > 0 {
        let previous = source[..edit.span.start - 1]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = &source[previous..edit.span.start];
        // `# rbuild global ignore=...` is about the whole file.
        if !crate::linter::is_ignore_comment(line) || line.split_whitespace().any(|w| w == "global")
        {
            break;
        }
        edit.span.start = previous;
    }
    edit
}

/// Deletes the lines `span` stands on, their line breaks included.
pub fn delete_lines(dockerfile: &Dockerfile, span: Span) -> Edit {
    let source = &dockerfile.source;
    let start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = source[span.end..]
        .find('\n')
        .map_or(source.len(), |i| span.end + i + 1);
    Edit {
        span: Span::new(start, end),
        replacement: String::new(),
    }
}

/// Removes command `index` of a shell-form RUN script with the `&&` or `;` that joins it to the
/// next command (for the last command: to the previous one), and the blanks and line
/// continuations in between. `None` when the command is joined otherwise (a pipe, `||`, a
/// subshell, `if ... then`, a comment between), does not start with its program name, stands
/// alone, or the RUN has heredocs.
pub fn remove_command(
    dockerfile: &Dockerfile,
    run: &Instruction,
    commands: &[Command],
    index: usize,
) -> Option<Edit> {
    let script = run.shell_command()?;
    let command = commands.get(index)?;
    let first_word = dockerfile.text(command.span).split_whitespace().next()?;
    if !run.heredocs.is_empty() || first_word.rsplit('/').next() != Some(command.program()) {
        return None;
    }
    let gap = |start: usize, end: usize| {
        let text = dockerfile.text(Span::new(start, end));
        let joined = text
            .replace(&format!("{}\r\n", dockerfile.escape), "")
            .replace(&format!("{}\n", dockerfile.escape), "");
        joined.trim().to_string()
    };
    let joiner = |text: &str| text == "&&" || text == ";";
    let before = match index.checked_sub(1) {
        Some(previous) => gap(commands[previous].span.end, command.span.start),
        None => gap(script.span.start, command.span.start),
    };
    match commands.get(index + 1) {
        Some(next)
            if (before.is_empty() || joiner(&before))
                && joiner(&gap(command.span.end, next.span.start)) =>
        {
            Some(Span::new(command.span.start, next.span.start))
        }
        None if index > 0
            && joiner(&before)
            && gap(command.span.end, script.span.end).is_empty() =>
        {
            Some(Span::new(commands[index - 1].span.end, command.span.end))
        }
        _ => None,
    }
    .map(|span| Edit {
        span,
        replacement: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edits;

    /// The RUN (second line) of `FROM alpine\nRUN script` without command `index`.
    fn without(script: &str, index: usize) -> Option<String> {
        let source = format!("FROM alpine\nRUN {script}\n");
        let dockerfile = crate::syntax::parse(&source).unwrap();
        let run = &dockerfile.instructions[1];
        let commands = crate::script::run_commands(run);
        let edit = remove_command(&dockerfile, run, &commands, index)?;
        let fixed = edits::apply(&source, &[edit]).unwrap();
        Some(fixed["FROM alpine\nRUN ".len()..].trim_end().to_string())
    }

    #[test]
    fn commands_are_removed_with_their_joiner() {
        assert_eq!(without("a && b && c", 1).as_deref(), Some("a && c"));
        assert_eq!(without("a; b", 0).as_deref(), Some("b"));
        assert_eq!(without("a && \\\n    b", 1).as_deref(), Some("a"));
        assert_eq!(
            without("a; \\\n    b; \\\n    c", 1).as_deref(),
            Some("a; \\\n    c")
        );
    }

    #[test]
    fn commands_joined_otherwise_stay() {
        assert_eq!(without("a | b && c", 1), None, "piped into");
        assert_eq!(without("a && b | c", 1), None, "piping");
        assert_eq!(without("a || b", 1), None);
        assert_eq!(without("(a; b); c", 1), None, "in a subshell");
        assert_eq!(without("if a; then b; fi", 1), None);
        assert_eq!(without("a", 0), None, "the only command");
        assert_eq!(without("a # note\n", 0), None);
    }
}
