//! The Dockerfile formatter: one canonical layout, produced as byte-range edits over the
//! original text (the same [`Edit`]s fixes make, applied by [`crate::edits::apply`]), so that
//! `lint --fix` and a language server can use them too.
//!
//! The layout (documented in the README, "docker rbuild fmt"):
//! - instructions start in column 0, keywords in upper case (`AS` of FROM, `CMD`/`NONE` of
//!   HEALTHCHECK too), one space between the keyword, each flag and each argument word; flags
//!   and words are kept as written, in their order;
//! - exec form as `["a", "b"]`, its strings byte for byte;
//! - a continued line ends with one space and the escape character (or, with
//!   `Continuation::Aligned`, the escapes of an instruction line up one column after its
//!   longest line); continuation lines are indented by `indent_width` spaces, keeping any
//!   deeper indentation relative to the least indented one; empty lines inside are dropped,
//!   comment lines inside take the indentation of the line after them;
//! - comments start in column 0 and stay attached to the instruction after them; one empty
//!   line before each stage after the first, at most one anywhere else, none at the start or
//!   the end; one final newline; no trailing blanks;
//! - parser directives, heredoc bodies and terminators, and anything inside quotes are kept
//!   byte for byte. A continuation the layout cannot move without changing what the command
//!   says (inside quotes, or in the middle of a word) stays as it is.
//!
//! After formatting, the result is parsed again and compared with the original (see
//! [`same_meaning`]): if the two ever differed, the file is refused rather than changed.

mod gap;
mod layout;
mod quotes;

use std::fmt;

use crate::diagnostic::Edit;
use crate::syntax::{self, Arguments, Dockerfile, Instruction, Keyword, Span, SyntaxError};

/// Where continuation escapes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Continuation {
    /// One space before the escape.
    #[default]
    Space,
    /// The escapes of one instruction in one column, one space after its longest line.
    Aligned,
}

/// The few choices the layout leaves open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatOptions {
    /// Spaces before a continuation line (deeper lines keep their extra indentation).
    pub indent_width: usize,
    pub continuation: Continuation,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions {
            indent_width: 4,
            continuation: Continuation::Space,
        }
    }
}

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The file does not parse.
    Syntax(SyntaxError),
    /// The layout would have changed what the instruction at this 1-based line means (a bug:
    /// the file is left alone).
    MeaningChanged { line: usize },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(error) => error.fmt(f),
            FormatError::MeaningChanged { line } => write!(
                f,
                "{line}:1: formatting would change what this instruction means, so the file is left as it is (please report this)"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats raw file bytes (a UTF-8 BOM is kept, invalid UTF-8 is a syntax error).
pub fn format_bytes(bytes: &[u8], options: &FormatOptions) -> Result<String, FormatError> {
    // The parser reads invalid bytes as U+FFFD: formatting that text would replace the file's
    // own bytes, so such a file is left alone.
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let valid = String::from_utf8_lossy(&bytes[..error.valid_up_to()]).into_owned();
        let lines = syntax::LineIndex::new(&valid);
        let at = syntax::Span::new(valid.len(), valid.len());
        FormatError::Syntax(syntax::SyntaxError::new(
            format!(
                "the byte {:02X} is not UTF-8: fmt formats UTF-8 files only and leaves this one as it is",
                bytes[error.valid_up_to()]
            ),
            at,
            &valid,
            &lines,
        ))
    })?;
    let dockerfile = syntax::parse(text).map_err(FormatError::Syntax)?;
    format(&dockerfile, options)
}

/// The formatted text of a parsed Dockerfile, checked to mean what the original means.
pub fn format(dockerfile: &Dockerfile, options: &FormatOptions) -> Result<String, FormatError> {
    checked_edits(dockerfile, &edits(dockerfile, options))
}

/// The text `edits` (the layout's edits of `dockerfile`, or some of them) make, checked to mean
/// what the original means: the language server formats a range with some of the edits.
pub fn checked_edits(dockerfile: &Dockerfile, edits: &[Edit]) -> Result<String, FormatError> {
    let first_line = |edits: &[Edit]| {
        let offset = edits.first().map_or(0, |e| e.span.start);
        dockerfile.position(offset).line
    };
    let text = crate::edits::apply(&dockerfile.source, edits).map_err(|overlap| {
        FormatError::MeaningChanged {
            line: first_line(std::slice::from_ref(&overlap.second)),
        }
    })?;
    if edits.is_empty() {
        return Ok(text);
    }
    match syntax::parse(&text) {
        Ok(formatted) => match same_meaning(dockerfile, &formatted) {
            Ok(()) => Ok(text),
            Err(line) => Err(FormatError::MeaningChanged { line }),
        },
        Err(_) => Err(FormatError::MeaningChanged {
            line: first_line(edits),
        }),
    }
}

/// One physical line: `start..content_end` without its line terminator, `end` after it.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

fn physical_lines(source: &str) -> Vec<Line> {
    let mut lines = Vec::with_capacity(source.len() / 32 + 1);
    let mut start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    while start < source.len() {
        let newline = source[start..].find('\n').map(|i| start + i);
        let end = newline.map_or(source.len(), |n| n + 1);
        let content_end = start
            + source[start..newline.unwrap_or(source.len())]
                .trim_end_matches('\r')
                .len();
        lines.push(Line {
            start,
            content_end,
            end,
        });
        start = end;
    }
    lines
}

/// What a physical line is, outside the instructions' own lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    /// A line of the instruction with this index.
    Instruction(usize),
    Directive,
    Comment,
    Blank,
    /// Anything else (only escapes: the parser skips such a logical line); kept as it is.
    Other,
}

/// The edits that bring `dockerfile` into the canonical layout: non-overlapping, in order, and
/// none when it already is.
pub fn edits(dockerfile: &Dockerfile, options: &FormatOptions) -> Vec<Edit> {
    let source = dockerfile.source.as_str();
    let lines = physical_lines(source);
    let line_of = |offset: usize| lines.partition_point(|l| l.start <= offset).max(1) - 1;
    let newline = match lines.first() {
        Some(line) if source[line.content_end..line.end].starts_with('\r') => "\r\n",
        _ => "\n",
    };
    let cx = layout::Context {
        source,
        escape: dockerfile.escape,
        options,
        newline,
    };

    let mut kinds: Vec<Option<LineKind>> = vec![None; lines.len()];
    let mut edits = Vec::new();
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        let first = line_of(instruction.span.start);
        // The span ends at the end of its last line's content (the start of that line when
        // it is an empty continuation line).
        let last = line_of(instruction.span.end);
        for kind in &mut kinds[first..=last] {
            *kind = Some(LineKind::Instruction(index));
        }
        let lines_end = match instruction.heredocs.first() {
            Some(heredoc) => lines[line_of(heredoc.body_span.start).max(first + 1) - 1].content_end,
            None => instruction.span.end,
        };
        edits.extend(layout::edits(
            &cx,
            instruction,
            lines[first].start,
            lines_end,
        ));
    }
    for directive in &dockerfile.directives {
        kinds[line_of(directive.span.start)] = Some(LineKind::Directive);
    }
    let kinds: Vec<LineKind> = kinds
        .into_iter()
        .zip(&lines)
        .map(|(kind, line)| {
            kind.unwrap_or_else(|| {
                let content = source[line.start..line.content_end].trim_start();
                if content.is_empty() {
                    LineKind::Blank
                } else if content.starts_with('#') {
                    LineKind::Comment
                } else {
                    LineKind::Other
                }
            })
        })
        .collect();

    for (line, kind) in lines.iter().zip(&kinds) {
        if *kind == LineKind::Comment {
            let text = &source[line.start..line.content_end];
            let trimmed = text.trim_matches([' ', '\t']);
            if trimmed.len() != text.len() {
                edits.push(Edit {
                    span: Span::new(line.start, line.content_end),
                    replacement: trimmed.to_string(),
                });
            }
        }
    }
    blank_line_edits(dockerfile, &lines, &kinds, newline, &mut edits);
    if let Some(last) = lines.last() {
        if last.end == last.content_end && kinds.last() != Some(&LineKind::Blank) {
            edits.push(Edit {
                span: Span::new(source.len(), source.len()),
                replacement: newline.to_string(),
            });
        }
    }
    edits.sort_by_key(|edit| (edit.span.start, edit.span.end));
    edits
}

/// Empty lines: one before each stage after the first (above the comments attached to its
/// FROM), runs of them cut to one, none at the start or the end of the file.
fn blank_line_edits(
    dockerfile: &Dockerfile,
    lines: &[Line],
    kinds: &[LineKind],
    newline: &str,
    edits: &mut Vec<Edit>,
) {
    let mut i = 0;
    while i < lines.len() {
        if kinds[i] != LineKind::Blank {
            i += 1;
            continue;
        }
        let run = i..kinds[i..]
            .iter()
            .position(|k| *k != LineKind::Blank)
            .map_or(lines.len(), |n| i + n);
        let before = run.start.checked_sub(1).map(|b| kinds[b]);
        let after = kinds.get(run.end).copied();
        i = run.end;
        let keep = match (before, after) {
            // Lines the parser skips may swallow what follows: leave them be.
            (Some(LineKind::Other), _) | (_, Some(LineKind::Other)) => continue,
            (_, None) => 0,
            // At the start, an empty line before a comment decides that the comment is no
            // parser directive: it stays.
            (None, Some(LineKind::Comment)) => 1,
            (None, _) => 0,
            _ => 1,
        };
        for (n, line) in lines[run].iter().enumerate() {
            if n < keep {
                if line.content_end > line.start {
                    edits.push(Edit {
                        span: Span::new(line.start, line.content_end),
                        replacement: String::new(),
                    });
                }
            } else {
                edits.push(Edit {
                    span: Span::new(line.start, line.end),
                    replacement: String::new(),
                });
            }
        }
    }
    // Stages after the first start after an empty line.
    for stage in dockerfile.stages.iter().skip(1) {
        let from = &dockerfile.instructions[stage.from];
        let mut first = lines.partition_point(|l| l.start <= from.span.start) - 1;
        while first > 0 && kinds[first - 1] == LineKind::Comment {
            first -= 1;
        }
        if first > 0
            && matches!(
                kinds[first - 1],
                LineKind::Instruction(_) | LineKind::Comment
            )
        {
            edits.push(Edit {
                span: Span::new(lines[first].start, lines[first].start),
                replacement: newline.to_string(),
            });
        }
    }
}

/// Whether `after` says what `before` says: the same directives, instructions, flags,
/// arguments and heredoc bodies, where shell-form commands may differ only in runs of blanks
/// (their quoted parts are left alone by the layout) and `AS` and HEALTHCHECK's `CMD` in case.
/// `Err` holds the 1-based line of the first instruction that differs.
pub fn same_meaning(before: &Dockerfile, after: &Dockerfile) -> Result<(), usize> {
    let directives = |d: &Dockerfile| -> Vec<(String, String)> {
        d.directives
            .iter()
            .map(|d| (d.name.clone(), d.value.clone()))
            .collect()
    };
    if directives(before) != directives(after) || before.escape != after.escape {
        return Err(1);
    }
    for (i, instruction) in before.instructions.iter().enumerate() {
        let same = after
            .instructions
            .get(i)
            .is_some_and(|other| meaning(instruction) == meaning(other));
        if !same {
            return Err(instruction.start_line);
        }
    }
    match after.instructions.get(before.instructions.len()) {
        Some(extra) => Err(extra.start_line),
        None => Ok(()),
    }
}

/// What an instruction says, with the freedoms of the layout taken out.
fn meaning(instruction: &Instruction) -> Vec<String> {
    let mut out = vec![instruction.kind.as_str().to_string()];
    out.extend(instruction.flags.iter().map(|f| f.text()));
    let mut args = &instruction.args;
    loop {
        match args {
            Arguments::None => {}
            Arguments::Exec(words) => {
                out.push("[exec]".into());
                out.extend(words.iter().map(|w| w.value.clone()));
            }
            Arguments::Shell(word) => {
                out.push(collapse_blanks(&word.value));
                out.push(quoted_parts(&word.value));
            }
            Arguments::Words(words) => {
                let stage_name = instruction.kind == Keyword::From && words.len() == 3;
                out.extend(words.iter().enumerate().map(|(i, w)| match i {
                    1 if stage_name => w.value.to_ascii_uppercase(),
                    _ => w.value.clone(),
                }));
            }
            Arguments::Text(word) => out.push(word.value.clone()),
            Arguments::KeyValues(pairs) => {
                for pair in pairs {
                    out.extend([pair.key.value.clone(), pair.value.value.clone()]);
                    out.push(if pair.legacy { " " } else { "=" }.into());
                }
            }
            Arguments::Healthcheck { kind, command } => {
                out.push(kind.value.to_ascii_uppercase());
                args = command;
                continue;
            }
            Arguments::Onbuild(trigger) => out.extend(meaning(trigger)),
        }
        break;
    }
    for heredoc in &instruction.heredocs {
        out.push(heredoc.content.clone());
    }
    out
}

/// The command's words as the reference's word splitting sees them (quotes removed, white
/// space inside quotes kept), so that a change of quoted white space shows even where
/// [`collapse_blanks`] hides it. Commands it cannot read are compared by their blanks alone.
fn quoted_parts(command: &str) -> String {
    if !command.contains(['\'', '"', '\\']) {
        return String::new();
    }
    let env: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    match crate::shell::Lexer::default().expand_words(command, &env) {
        Ok(words) => words.join("\0"),
        Err(_) => "(unreadable)".to_string(),
    }
}

/// Runs of spaces and tabs as one space.
pub fn collapse_blanks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            if !blank {
                out.push(' ');
            }
            blank = true;
        } else {
            out.push(c);
            blank = false;
        }
    }
    out
}

#[cfg(test)]
mod tests;
