//! The layout of one instruction: its parts (keyword, flags, arguments) are kept as written,
//! and the gaps between them are rewritten in the canonical form.

use super::gap::{self, Gap};
use super::quotes::QuoteScanner;
use super::{Continuation, FormatOptions};
use crate::diagnostic::Edit;
use crate::syntax::{Arguments, Instruction, Span};

/// What a gap between two parts must hold, and how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GapKind {
    /// Between words: one space.
    Space,
    /// Before an exec-form array: ` [`.
    Open,
    /// Between exec-form elements: `, `.
    Comma,
    /// After the last exec-form element, to the end of the line: `]`.
    Close,
    /// An empty exec-form array after the last part: ` []`.
    EmptyArray,
    /// After the last part, to the end of the line: nothing.
    Trailing,
    /// A line continuation inside a shell-form command, outside quotes.
    ShellBreak,
}

impl GapKind {
    /// The non-blank characters the gap must hold.
    fn core(self) -> &'static str {
        match self {
            GapKind::Open => "[",
            GapKind::Comma => ",",
            GapKind::Close => "]",
            GapKind::EmptyArray => "[]",
            GapKind::Space | GapKind::Trailing | GapKind::ShellBreak => "",
        }
    }

    /// The gap on one line.
    fn inline(self) -> &'static str {
        match self {
            GapKind::Space => " ",
            GapKind::Open => " [",
            GapKind::Comma => ", ",
            GapKind::Close => "]",
            GapKind::EmptyArray => " []",
            GapKind::Trailing => "",
            GapKind::ShellBreak => unreachable!("shell breaks always cross a line"),
        }
    }

    /// Brackets go on the line of the element next to them: their line breaks are dropped
    /// unless a comment line has to stay.
    fn joins_lines(self) -> bool {
        matches!(self, GapKind::Open | GapKind::Close | GapKind::EmptyArray)
    }

    /// Written before and after the continuation when the gap keeps its line break.
    fn around_break(self) -> (&'static str, &'static str) {
        match self {
            GapKind::Open => ("", "["),
            GapKind::Comma => (",", ""),
            GapKind::Close => ("", "]"),
            _ => ("", ""),
        }
    }
}

/// A part of the instruction, kept as written unless `replacement` says otherwise.
#[derive(Debug)]
struct Part {
    span: Span,
    replacement: Option<String>,
}

/// The parts and the gaps between them: `gaps[i]` follows `parts[i]`.
#[derive(Debug, Default)]
struct Parts {
    parts: Vec<Part>,
    gaps: Vec<GapKind>,
}

impl Parts {
    fn push(&mut self, gap: Option<GapKind>, span: Span, replacement: Option<String>) {
        if let Some(gap) = gap {
            self.gaps.push(gap);
        }
        self.parts.push(Part { span, replacement });
    }

    fn word(&mut self, span: Span) {
        self.push(Some(GapKind::Space), span, None);
    }

    /// Keyword, flags and arguments of `instruction` (the first part follows `gap`).
    fn instruction(&mut self, source: &str, instruction: &Instruction, gap: Option<GapKind>) {
        let keyword = &source[instruction.keyword_span.range()];
        let upper =
            (keyword != instruction.kind.as_str()).then(|| instruction.kind.as_str().to_string());
        self.push(gap, instruction.keyword_span, upper);
        for flag in &instruction.flags {
            self.word(flag.span);
        }
        let stage_name = instruction.from().and_then(|from| from.name).is_some();
        match &instruction.args {
            Arguments::Words(words) => {
                for (i, word) in words.iter().enumerate() {
                    // `FROM image AS name`: `AS` in the keyword's case.
                    let upper = (stage_name && i == 1 && word.value != "AS").then(|| "AS".into());
                    self.push(Some(GapKind::Space), word.span, upper);
                }
            }
            Arguments::Onbuild(trigger) => self.instruction(source, trigger, Some(GapKind::Space)),
            Arguments::Healthcheck { kind, command } => {
                let upper = kind.value.to_ascii_uppercase();
                let known = matches!(upper.as_str(), "CMD" | "NONE") && kind.value != upper;
                self.push(Some(GapKind::Space), kind.span, known.then_some(upper));
                self.arguments(command);
            }
            args => self.arguments(args),
        }
    }

    fn arguments(&mut self, args: &Arguments) {
        match args {
            Arguments::None | Arguments::Exec(_) | Arguments::Shell(_) => {}
            Arguments::Words(words) => words.iter().for_each(|w| self.word(w.span)),
            Arguments::Text(text) => self.word(text.span),
            Arguments::KeyValues(pairs) => {
                for pair in pairs {
                    if pair.legacy {
                        self.word(pair.key.span);
                        self.word(pair.value.span);
                    } else {
                        self.word(pair.key.span.join(pair.value.span));
                    }
                }
            }
            // Handled by `instruction`.
            Arguments::Healthcheck { .. } | Arguments::Onbuild(_) => {}
        }
        if let Arguments::Exec(elements) = args {
            for (i, element) in elements.iter().enumerate() {
                let gap = if i == 0 {
                    GapKind::Open
                } else {
                    GapKind::Comma
                };
                self.push(Some(gap), element.span, None);
            }
        }
    }

    /// The gap after the last part.
    fn tail(instruction: &Instruction) -> GapKind {
        let mut args = &instruction.args;
        loop {
            args = match args {
                Arguments::Onbuild(trigger) => &trigger.args,
                Arguments::Healthcheck { command, .. } => command,
                Arguments::Exec(elements) if elements.is_empty() => return GapKind::EmptyArray,
                Arguments::Exec(_) => return GapKind::Close,
                _ => return GapKind::Trailing,
            };
        }
    }
}

/// The shell-form command of the instruction (or of its ONBUILD trigger or HEALTHCHECK CMD).
fn shell_command(instruction: &Instruction) -> Option<Span> {
    instruction
        .onbuild_trigger()
        .unwrap_or(instruction)
        .shell_command()
        .map(|word| word.span)
}

/// Splits a shell-form command at its line continuations into pieces with `ShellBreak` gaps
/// between them (the first piece follows a space). Returns, for each break, whether it may be
/// laid out: not inside quotes, and not gluing two pieces into one word.
fn push_shell_command(
    parts: &mut Parts,
    source: &str,
    command: Span,
    escape: char,
) -> Option<Vec<bool>> {
    let mut outside = Vec::new();
    let mut scanner = QuoteScanner::new();
    let mut start = command.start;
    let mut first = true;
    loop {
        let Some(newline) = source[start..command.end].find('\n').map(|i| start + i) else {
            parts.push(Some(piece_gap(first)), Span::new(start, command.end), None);
            return Some(outside);
        };
        let line = source[start..newline].trim_end_matches('\r');
        let before = line.trim_end_matches([' ', '\t']).strip_suffix(escape)?;
        let piece_end = start + before.trim_end_matches([' ', '\t']).len();
        // The next line that carries more of the command.
        let mut next = newline + 1;
        let resume = loop {
            let end = source[next..].find('\n').map_or(source.len(), |i| next + i);
            let text = source[next..end].trim_end_matches('\r');
            let content = text.trim_start();
            let escape_only = text.trim_matches([' ', '\t']).strip_prefix(escape) == Some("");
            if !(content.is_empty() || content.starts_with('#') || escape_only) {
                break next + (text.len() - text.trim_start_matches([' ', '\t']).len());
            }
            if end >= command.end {
                return None;
            }
            next = end + 1;
        };
        if resume > command.end {
            return None;
        }
        parts.push(Some(piece_gap(first)), Span::new(start, piece_end), None);
        scanner.read(&source[start..piece_end]);
        let gap = gap::parse(&source[piece_end..resume], escape, 1)?;
        outside.push(scanner.outside_quotes() && gap.logical_blanks > 0);
        if gap.logical_blanks > 0 {
            scanner.read(" ");
        }
        first = false;
        start = resume;
    }
}

/// The first piece of a command follows the keyword (or a flag); the others a line break.
fn piece_gap(first: bool) -> GapKind {
    if first {
        GapKind::Space
    } else {
        GapKind::ShellBreak
    }
}

/// A gap to rewrite; `prefix` and `rest` surround the padding before the continuation escape.
#[derive(Debug)]
struct Broken {
    span: Span,
    prefix: &'static str,
    rest: String,
}

#[derive(Debug)]
enum Rewrite {
    Replace(Edit),
    Break(Broken),
}

impl Rewrite {
    fn span(&self) -> Span {
        match self {
            Rewrite::Replace(edit) => edit.span,
            Rewrite::Break(broken) => broken.span,
        }
    }
}

/// What the formatter needs to know about the file to lay out one instruction.
pub(super) struct Context<'a> {
    pub source: &'a str,
    pub escape: char,
    pub options: &'a FormatOptions,
    pub newline: &'static str,
}

/// The edits that lay out `instruction`, whose logical line (heredoc bodies excluded) runs
/// from `line_start` (the start of its first line) to `lines_end`.
pub(super) fn edits(
    cx: &Context,
    instruction: &Instruction,
    line_start: usize,
    lines_end: usize,
) -> Vec<Edit> {
    let source = cx.source;
    let mut parts = Parts::default();
    parts.instruction(source, instruction, None);
    let mut shell_breaks = Vec::new();
    if let Some(command) = shell_command(instruction) {
        match push_shell_command(&mut parts, source, command, cx.escape) {
            Some(outside) => shell_breaks = outside,
            // A command the layout cannot follow: the instruction stays as it is.
            None => return Vec::new(),
        }
    }
    let Some(last) = parts.parts.last() else {
        return Vec::new();
    };
    let ordered = parts
        .parts
        .windows(2)
        .all(|w| w[0].span.end <= w[1].span.start);
    if !ordered || last.span.end > lines_end {
        return Vec::new();
    }

    let mut rewrites = Vec::new();
    if instruction.span.start > line_start {
        rewrites.push(Rewrite::Replace(Edit {
            span: Span::new(line_start, instruction.span.start),
            replacement: String::new(),
        }));
    }
    // The gap after each part (after the last one: to the end of the logical line).
    let mut shell_breaks = shell_breaks.into_iter();
    let mut gaps = Vec::new();
    for (i, part) in parts.parts.iter().enumerate() {
        if let Some(replacement) = &part.replacement {
            rewrites.push(Rewrite::Replace(Edit {
                span: part.span,
                replacement: replacement.clone(),
            }));
        }
        let (kind, end) = match parts.parts.get(i + 1) {
            Some(next) => (parts.gaps[i], next.span.start),
            None => (Parts::tail(instruction), lines_end),
        };
        if kind == GapKind::ShellBreak && shell_breaks.next() != Some(true) {
            continue;
        }
        // After an escape the first blank is part of the word (`ENV a\  b=1`): leave it.
        if source[..part.span.end].ends_with([cx.escape, '\\']) {
            continue;
        }
        let span = Span::new(part.span.end, end);
        let Some(gap) = gap::parse(&source[span.range()], cx.escape, cx.options.indent_width)
        else {
            continue;
        };
        let keeps_no_break = matches!(kind, GapKind::Trailing | GapKind::EmptyArray);
        if gap.core != kind.core() || (keeps_no_break && gap.breaks) {
            continue;
        }
        gaps.push((kind, span, gap));
    }

    // Continuation lines keep their indentation relative to the least indented one, which
    // moves to the configured width.
    let keeps_break =
        |kind: GapKind, gap: &Gap| gap.breaks && !(kind.joins_lines() && gap.comments.is_empty());
    let least = gaps
        .iter()
        .filter(|(kind, _, gap)| keeps_break(*kind, gap))
        .map(|(_, _, gap)| gap.indentation)
        .min()
        .unwrap_or(0);
    for (kind, span, gap) in gaps {
        if !keeps_break(kind, &gap) {
            rewrites.push(Rewrite::Replace(Edit {
                span,
                replacement: kind.inline().to_string(),
            }));
            continue;
        }
        let indent = " ".repeat(cx.options.indent_width + gap.indentation - least);
        let (prefix, suffix) = kind.around_break();
        let mut rest = format!("{}{}", cx.escape, cx.newline);
        for comment in &gap.comments {
            rest.push_str(&indent);
            rest.push_str(comment);
            rest.push_str(cx.newline);
        }
        rest.push_str(&indent);
        rest.push_str(suffix);
        rewrites.push(Rewrite::Break(Broken { span, prefix, rest }));
    }
    rewrites.sort_by_key(|r| (r.span().start, r.span().end));
    finish(cx, rewrites, line_start)
}

/// Pads the continuation escapes (one space, or aligned one column after the longest line)
/// and drops the edits that change nothing.
fn finish(cx: &Context, rewrites: Vec<Rewrite>, line_start: usize) -> Vec<Edit> {
    let source = cx.source;
    let pads: Vec<usize> = match cx.options.continuation {
        Continuation::Space => vec![1; rewrites.len()],
        Continuation::Aligned => {
            // The column where each escape's padding starts, in the formatted text.
            let mut columns = Vec::with_capacity(rewrites.len());
            let mut column = 0;
            let mut copied = line_start;
            let advance = |column: &mut usize, text: &str| match text.rfind('\n') {
                Some(i) => *column = text[i + 1..].chars().count(),
                None => *column += text.chars().count(),
            };
            for rewrite in &rewrites {
                advance(&mut column, &source[copied..rewrite.span().start]);
                match rewrite {
                    Rewrite::Replace(edit) => {
                        advance(&mut column, &edit.replacement);
                        columns.push(None);
                    }
                    Rewrite::Break(broken) => {
                        advance(&mut column, broken.prefix);
                        columns.push(Some(column));
                        advance(&mut column, &broken.rest);
                    }
                }
                copied = rewrite.span().end;
            }
            let widest = columns.iter().flatten().max().copied().unwrap_or(0);
            columns
                .iter()
                .map(|c| c.map_or(1, |c| widest - c + 1))
                .collect()
        }
    };
    rewrites
        .into_iter()
        .zip(pads)
        .map(|(rewrite, pad)| match rewrite {
            Rewrite::Replace(edit) => edit,
            Rewrite::Break(broken) => Edit {
                span: broken.span,
                replacement: format!("{}{}{}", broken.prefix, " ".repeat(pad), broken.rest),
            },
        })
        .filter(|edit| source[edit.span.range()] != edit.replacement)
        .collect()
}
