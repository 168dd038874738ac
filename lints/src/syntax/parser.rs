//! Lines -> logical lines -> instructions, then stages and ARG scopes.

use super::heredoc;
use super::model::*;
use super::span::{LineIndex, Span};
use super::words::{extract_flags, parse_words, split_blank, split_first_blank, trim_space};
use super::{SyntaxError, MAX_LINE_LENGTH};
use crate::suggest::edit_distance;
use std::ops::Range;

/// One physical line: `start..end` is its content without the trailing `\r`/`\n` run.
#[derive(Debug, Clone, Copy)]
struct SourceLine {
    start: usize,
    end: usize,
}

/// A logical line: continuation lines joined, with a map back to source offsets.
struct LogicalLine {
    text: String,
    /// The source offset of the text's first byte.
    first: usize,
    /// `(offset in text, offset in source)` at the start of each joined piece, the first
    /// included, once a second one is joined; empty for a line in one piece (most are), which
    /// then needs no allocation for them.
    pieces: Vec<(usize, usize)>,
}

impl LogicalLine {
    /// The line's first piece, `range` of the source; `room`: the bytes to make room for.
    fn new(source: &str, range: Range<usize>, room: usize) -> LogicalLine {
        let mut text = String::with_capacity(room.max(range.len()));
        text.push_str(&source[range.clone()]);
        LogicalLine {
            text,
            first: range.start,
            pieces: Vec::new(),
        }
    }

    /// Joins a continuation line's `range` of the source.
    fn push(&mut self, source: &str, range: Range<usize>) {
        if self.pieces.is_empty() {
            // Room for sixteen pieces at once: a long RUN has many.
            self.pieces.reserve(16);
            self.pieces.push((0, self.first));
        }
        self.pieces.push((self.text.len(), range.start));
        self.text.push_str(&source[range]);
    }

    fn source_offset(&self, offset: usize) -> usize {
        if self.pieces.is_empty() {
            return self.first + offset;
        }
        let i = self.pieces.partition_point(|p| p.0 <= offset).max(1) - 1;
        let (text_start, source_start) = self.pieces[i];
        source_start + (offset - text_start)
    }

    fn span(&self, range: &Range<usize>) -> Span {
        let start = self.source_offset(range.start);
        if range.end <= range.start {
            return Span::new(start, start);
        }
        Span::new(start, self.source_offset(range.end - 1) + 1)
    }

    fn word(&self, range: Range<usize>) -> Word {
        Word {
            value: self.text[range.clone()].to_string(),
            span: self.span(&range),
        }
    }
}

struct Parser<'a> {
    source: &'a str,
    lines: &'a LineIndex,
    escape: char,
    directives: Vec<Directive>,
    directives_done: bool,
    /// The file starts with `#!`: the reference still finds `syntax` and `check` after it,
    /// but its parser no longer reads an `escape` directive.
    after_shebang: bool,
    comments: Vec<Span>,
    warnings: Vec<ParseWarning>,
}

pub(super) fn parse(source: String) -> Result<Dockerfile, SyntaxError> {
    let physical = source_lines(&source);
    let lines = line_index(&source, &physical);
    let mut parser = Parser {
        source: &source,
        lines: &lines,
        escape: '\\',
        directives: Vec::new(),
        directives_done: false,
        after_shebang: false,
        comments: Vec::new(),
        warnings: Vec::new(),
    };
    let instructions = parser.instructions(physical)?;
    if instructions.is_empty() {
        // On the last line, as the reference reports it (not after the final newline).
        let end = source.len() - usize::from(source.ends_with('\n'));
        return Err(parser.error("file with no instructions", Span::new(end, end)));
    }
    let (stages, global_args) = parser.stages(&instructions)?;
    let Parser {
        escape,
        directives,
        comments,
        warnings,
        ..
    } = parser;
    Ok(Dockerfile {
        source,
        directives,
        escape,
        instructions,
        stages,
        global_args,
        comments,
        warnings,
        lines,
    })
}

fn source_lines(source: &str) -> Vec<SourceLine> {
    let bytes = source.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 40 + 1);
    let mut start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    while start < bytes.len() {
        let newline = memchr::memchr(b'\n', &bytes[start..]);
        let next = newline.map_or(bytes.len(), |n| start + n + 1);
        let mut end = newline.map_or(bytes.len(), |n| start + n);
        while end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        lines.push(SourceLine { start, end });
        start = next;
    }
    lines
}

/// The line index of `source` from its physical lines: each line after the first starts just
/// after a newline, and a final newline starts one more (empty) line. One scan of the text
/// for its newlines serves both.
fn line_index(source: &str, lines: &[SourceLine]) -> LineIndex {
    let mut starts = Vec::with_capacity(lines.len() + 1);
    starts.push(0);
    starts.extend(lines.iter().skip(1).map(|line| line.start));
    if source.ends_with('\n') {
        starts.push(source.len());
    }
    LineIndex::from_line_starts(starts)
}

fn is_comment(text: &str) -> bool {
    trim_start(text).starts_with('#')
}

fn leading_space(text: &str) -> usize {
    text.len() - trim_start(text).len()
}

/// `str::trim_start` (Unicode white space, as BuildKit trims), answered without decoding a
/// character when the ASCII white space it starts with (continuation lines' indentation) is
/// followed by an ASCII byte or nothing: most lines.
fn trim_start(text: &str) -> &str {
    let bytes = text.as_bytes();
    let blanks = bytes
        .iter()
        .take_while(|&&byte| byte.is_ascii() && char::from(byte).is_whitespace())
        .count();
    match bytes.get(blanks) {
        Some(byte) if !byte.is_ascii() => text[blanks..].trim_start(),
        _ => &text[blanks..],
    }
}

/// The physical lines and a cursor over them.
struct Cursor {
    lines: Vec<SourceLine>,
    next: usize,
}

impl Cursor {
    fn take(&mut self) -> Option<SourceLine> {
        let line = *self.lines.get(self.next)?;
        self.next += 1;
        Some(line)
    }

    /// 1-based number of the line last taken.
    fn line_number(&self) -> usize {
        self.next
    }
}

/// What the continuation lines of one instruction consumed.
struct Continued {
    /// End of the last consumed line.
    end: usize,
    empty_lines: Vec<Span>,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>, span: Span) -> SyntaxError {
        SyntaxError::new(message, span, self.source, self.lines)
    }

    /// The reference continues a line ending in `escape` plus blanks, unless that escape is
    /// itself escaped (`\\\\` at the end is a literal backslash); returns where the escape is.
    fn continuation_at(&self, text: &str) -> Option<usize> {
        let trimmed = text.trim_end_matches([' ', '\t']);
        let before = trimmed.strip_suffix(self.escape)?;
        (!before.ends_with(self.escape)).then_some(before.len())
    }

    fn instructions(&mut self, lines: Vec<SourceLine>) -> Result<Vec<Instruction>, SyntaxError> {
        let source = self.source;
        let mut cursor = Cursor { lines, next: 0 };
        if let Some(long) = cursor
            .lines
            .iter()
            .find(|l| l.end - l.start > MAX_LINE_LENGTH)
        {
            return Err(self.error(
                format!("dockerfile line greater than max allowed size of {MAX_LINE_LENGTH}"),
                Span::new(long.start + MAX_LINE_LENGTH, long.end),
            ));
        }
        // Room for the instructions of most Dockerfiles (eleven on average in the shared corpus).
        let mut instructions = Vec::with_capacity(16);
        while let Some(first) = cursor.take() {
            let start = first.start + leading_space(&source[first.start..first.end]);
            let content = &source[start..first.end];
            if cursor.line_number() == 1 && content.starts_with("#!") {
                self.after_shebang = true;
            } else if !self.directives_done {
                self.directive(content, Span::new(start, first.end))?;
            }
            if content.starts_with('#') {
                if self.directives.last().is_none_or(|d| d.span.start != start) {
                    self.comments.push(Span::new(start, first.end));
                }
                continue;
            }
            let continues = self.continuation_at(content);
            if continues.is_none() && content.is_empty() {
                continue;
            }
            // A continued line (most RUNs) gets room for a long instruction at once, instead of
            // growing with every line joined onto it: up to the end of the source or 4 KiB.
            let room = match continues {
                Some(_) => (source.len() - start).min(4096),
                None => content.len(),
            };
            let mut line = LogicalLine::new(
                source,
                start..start + continues.unwrap_or(content.len()),
                room,
            );
            let continued = match continues {
                Some(_) => self.continuation_lines(&mut cursor, &mut line, first.end),
                None => Continued {
                    end: first.end,
                    empty_lines: Vec::new(),
                },
            };
            if line.text.trim().is_empty() {
                // Only escapes and blank lines: nothing to run.
                continue;
            }
            let start_line = self.lines.line(start);
            let mut instruction = self.instruction(&line, 0..line.text.len(), false)?;
            if !continued.empty_lines.is_empty() {
                self.warnings.push(ParseWarning {
                    kind: WarningKind::EmptyContinuationLine,
                    message: format!("Empty continuation line found in: {}", line.text),
                    span: Span::new(start, continued.end),
                    locations: continued.empty_lines,
                });
            }
            let mut end = continued.end;
            if accepts_heredocs(&instruction) && line.text.contains("<<") {
                instruction.heredocs = self.heredoc_bodies(&mut cursor, &line)?;
                if let Some(last) = instruction.heredocs.last() {
                    end = last.terminator_span.end;
                }
                self.check_heredoc_destination(&instruction)?;
            }
            instruction.span = Span::new(start, end);
            instruction.start_line = start_line;
            instruction.end_line = cursor.line_number();
            if let Arguments::Onbuild(trigger) = &mut instruction.args {
                trigger.start_line = start_line;
                trigger.end_line = instruction.end_line;
            }
            // The logical line's own buffers, not copies: one allocation less per instruction
            // that is not continued. A continued line's buffers were made roomy, and are cut
            // to size so that what a file holds stays in proportion to it.
            let trimmed = trim_space(&line.text, 0..line.text.len());
            line.text.truncate(trimmed.end);
            line.text.drain(..trimmed.start);
            if continues.is_some() {
                line.text.shrink_to_fit();
                line.pieces.shrink_to_fit();
            }
            instruction.line_text = line.text;
            if line.pieces.len() > 1 {
                instruction.line_pieces = line.pieces;
            }
            instructions.push(instruction);
        }
        Ok(instructions)
    }

    /// Joins continuation lines onto `line` as the reference does: comment lines are skipped,
    /// empty lines skipped and remembered, each line's leading whitespace kept.
    fn continuation_lines(
        &mut self,
        cursor: &mut Cursor,
        line: &mut LogicalLine,
        first_end: usize,
    ) -> Continued {
        let source = self.source;
        let mut continued = Continued {
            end: first_end,
            empty_lines: Vec::new(),
        };
        while let Some(l) = cursor.take() {
            continued.end = l.end;
            let text = &source[l.start..l.end];
            if is_comment(text) {
                self.comments
                    .push(Span::new(l.start + leading_space(text), l.end));
                continue;
            }
            if trim_start(text).is_empty() {
                continued.empty_lines.push(Span::new(l.start, l.end));
                continue;
            }
            let continues = self.continuation_at(text);
            line.push(source, l.start..l.start + continues.unwrap_or(text.len()));
            if continues.is_none() {
                break;
            }
        }
        continued
    }

    /// Reads the body of each heredoc opened on `line`, one after the other, up to its terminator.
    fn heredoc_bodies(
        &self,
        cursor: &mut Cursor,
        line: &LogicalLine,
    ) -> Result<Vec<Heredoc>, SyntaxError> {
        let source = self.source;
        let mut heredocs = Vec::new();
        for opener in heredoc::openers(&line.text) {
            let body_start = cursor
                .lines
                .get(cursor.next)
                .map_or(source.len(), |l| l.start);
            let terminator = loop {
                let Some(l) = cursor.take() else {
                    return Err(self.error(
                        format!("unterminated heredoc {}", opener.name),
                        line.span(&opener.range),
                    ));
                };
                let text = &source[l.start..l.end];
                let candidate = if opener.chomp {
                    text.trim_start_matches('\t')
                } else {
                    text
                };
                if candidate == opener.name {
                    break l;
                }
            };
            heredocs.push(Heredoc {
                name: opener.name,
                file_descriptor: opener.file_descriptor,
                expand: opener.expand,
                chomp: opener.chomp,
                content: source[body_start..terminator.start].to_string(),
                word_span: line.span(&opener.range),
                body_span: Span::new(body_start, terminator.start),
                terminator_span: Span::new(terminator.start, terminator.end),
            });
        }
        Ok(heredocs)
    }

    /// COPY and ADD take heredocs as sources only.
    fn check_heredoc_destination(&self, instruction: &Instruction) -> Result<(), SyntaxError> {
        let Some((_, destination)) = instruction.sources_and_destination() else {
            return Ok(());
        };
        if instruction
            .heredocs
            .iter()
            .any(|h| h.word_span == destination.span)
        {
            return Err(self.error(
                format!(
                    "{} cannot accept a heredoc as a destination",
                    instruction.kind.as_str()
                ),
                destination.span,
            ));
        }
        Ok(())
    }

    /// Directive lines are `#key=value` with a known key, before anything else.
    fn directive(&mut self, content: &str, span: Span) -> Result<(), SyntaxError> {
        let Some((name, value_range)) = directive_parts(content) else {
            self.directives_done = true;
            return Ok(());
        };
        if self.after_shebang && name == "escape" {
            return Ok(());
        }
        if let Some(first) = self.directives.iter().find(|d| d.name == name) {
            // At the first one, as the reference reports it; the message names the repeat.
            let line = self.lines.line(span.start);
            return Err(self.error(
                format!(
                    "only one {name} parser directive can be used: line {line} repeats this one"
                ),
                first.span,
            ));
        }
        let value = content[value_range.clone()].to_string();
        let value_span = Span::new(span.start + value_range.start, span.start + value_range.end);
        if name == "escape" {
            self.escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(self.error(
                        format!("invalid escape token '{value}' does not match ` or \\"),
                        value_span,
                    ))
                }
            };
        }
        self.directives.push(Directive {
            name,
            value,
            span,
            value_span,
        });
        Ok(())
    }

    /// Builds one instruction from `range` of a logical line (ONBUILD recurses on its trigger).
    fn instruction(
        &self,
        line: &LogicalLine,
        range: Range<usize>,
        is_trigger: bool,
    ) -> Result<Instruction, SyntaxError> {
        let text = &line.text;
        let trimmed = trim_space(text, range);
        let (cmd, rest) = split_first_blank(text, trimmed.clone());
        let keyword_span = line.span(&cmd);
        let keyword_text = &text[cmd.clone()];
        let Some(kind) = Keyword::parse(keyword_text) else {
            return Err(self.error(unknown_instruction(keyword_text), keyword_span));
        };
        if is_trigger && matches!(kind, Keyword::Onbuild | Keyword::From | Keyword::Maintainer) {
            let message = match kind {
                Keyword::Onbuild => {
                    "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string()
                }
                _ => format!("{} isn't allowed as an ONBUILD trigger", kind.as_str()),
            };
            return Err(self.error(message, keyword_span));
        }
        let (flag_words, args_start) = extract_flags(text, rest..trimmed.end);
        let flags = flag_words
            .into_iter()
            .map(|f| {
                let body = f.text.strip_prefix("--").unwrap_or(&f.text);
                let (name, value) = match body.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (body.to_string(), None),
                };
                Flag {
                    name,
                    value,
                    span: line.span(&f.range),
                }
            })
            .collect();
        let args_range = trim_space(text, args_start.min(trimmed.end)..trimmed.end);
        let args = self.arguments(line, kind, args_range)?;
        Ok(Instruction {
            kind,
            span: line.span(&trimmed),
            keyword_span,
            flags,
            args,
            heredocs: Vec::new(),
            // A trigger's own part of the line; a whole line's text and pieces are moved in
            // by `instructions` once it is done with them.
            line_text: if is_trigger {
                text[trimmed].to_string()
            } else {
                String::new()
            },
            line_pieces: if is_trigger && line.pieces.len() > 1 {
                line.pieces.clone()
            } else {
                Vec::new()
            },
            start_line: 0,
            end_line: 0,
        })
    }

    fn arguments(
        &self,
        line: &LogicalLine,
        kind: Keyword,
        range: Range<usize>,
    ) -> Result<Arguments, SyntaxError> {
        use Keyword as K;
        let text = &line.text;
        let words = |ranges: Vec<Range<usize>>| -> Vec<Word> {
            ranges.into_iter().map(|r| line.word(r)).collect()
        };
        let args = match kind {
            K::Add | K::Copy | K::Volume => match self.json_array(line, range.clone())? {
                Some(exec) => Arguments::Exec(exec),
                None if range.is_empty() => Arguments::None,
                None => Arguments::Words(words(split_blank(text, range))),
            },
            K::Run | K::Cmd | K::Entrypoint | K::Shell => self.maybe_json(line, range)?,
            K::From | K::Expose if range.is_empty() => Arguments::None,
            K::From | K::Expose => Arguments::Words(words(split_blank(text, range))),
            K::Arg => match parse_words(text, range, self.escape) {
                w if w.is_empty() => Arguments::None,
                w => Arguments::Words(words(w)),
            },
            K::Env | K::Label => self.key_values(line, kind, range)?,
            K::Maintainer | K::User | K::Workdir | K::Stopsignal if range.is_empty() => {
                Arguments::None
            }
            K::Maintainer | K::User | K::Workdir | K::Stopsignal => {
                Arguments::Text(line.word(range))
            }
            K::Healthcheck => {
                if range.is_empty() {
                    Arguments::None
                } else {
                    let bytes = text.as_bytes();
                    let kind_end = (range.start..range.end)
                        .find(|&i| bytes[i].is_ascii_whitespace() || bytes[i] == 0x0b)
                        .unwrap_or(range.end);
                    let command_start = text[kind_end..range.end]
                        .find(|c: char| !c.is_whitespace())
                        .map_or(range.end, |i| kind_end + i);
                    Arguments::Healthcheck {
                        kind: line.word(range.start..kind_end),
                        command: Box::new(self.maybe_json(line, command_start..range.end)?),
                    }
                }
            }
            K::Onbuild if range.is_empty() => Arguments::None,
            K::Onbuild => {
                // The builder reads a trigger only when an image built FROM this one runs it:
                // an unknown trigger instruction is kept as text, as the reference keeps it.
                let (trigger, _) = split_first_blank(text, range.clone());
                if Keyword::parse(&text[trigger]).is_some() {
                    Arguments::Onbuild(Box::new(self.instruction(line, range, true)?))
                } else {
                    Arguments::Text(line.word(range))
                }
            }
        };
        Ok(args)
    }

    /// RUN/CMD/ENTRYPOINT/SHELL: a JSON string array, else the text as one shell string.
    fn maybe_json(
        &self,
        line: &LogicalLine,
        range: Range<usize>,
    ) -> Result<Arguments, SyntaxError> {
        if range.is_empty() {
            return Ok(Arguments::None);
        }
        Ok(match self.json_array(line, range.clone())? {
            Some(exec) => Arguments::Exec(exec),
            None => Arguments::Shell(line.word(range)),
        })
    }

    /// `Some` for a valid JSON array of strings, `None` for anything that is not valid JSON,
    /// an error for valid JSON that is not an array of strings (as the reference decides).
    fn json_array(
        &self,
        line: &LogicalLine,
        range: Range<usize>,
    ) -> Result<Option<Vec<Word>>, SyntaxError> {
        let text = &line.text[range.clone()];
        if !text.starts_with('[') {
            return Ok(None);
        }
        let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(text) else {
            return Ok(None);
        };
        let literals = string_literal_ranges(text);
        let mut words = Vec::with_capacity(values.len());
        for (i, value) in values.into_iter().enumerate() {
            let serde_json::Value::String(value) = value else {
                return Err(self.error(
                    "dockerfile JSON arrays must contain only strings",
                    line.span(&range),
                ));
            };
            let span = literals.get(i).map_or_else(
                || line.span(&range),
                |r| line.span(&(range.start + r.start..range.start + r.end)),
            );
            words.push(Word { value, span });
        }
        Ok(Some(words))
    }

    /// ENV/LABEL: `k=v k2=v2` pairs, or the legacy `k v` form (the value is the rest of the line).
    fn key_values(
        &self,
        line: &LogicalLine,
        kind: Keyword,
        range: Range<usize>,
    ) -> Result<Arguments, SyntaxError> {
        let text = &line.text;
        let words = parse_words(text, range.clone(), self.escape);
        let Some(first) = words.first() else {
            return Ok(Arguments::None);
        };
        if !text[first.clone()].contains('=') {
            let (key, value_start) = split_first_blank(text, range.clone());
            if value_start >= range.end {
                return Err(self.error(
                    format!("{} must have two arguments", kind.as_str()),
                    line.span(&range),
                ));
            }
            return Ok(Arguments::KeyValues(vec![KeyValue {
                key: line.word(key),
                value: line.word(value_start..range.end),
                legacy: true,
            }]));
        }
        let mut pairs = Vec::with_capacity(words.len());
        for word in words {
            let Some(eq) = text[word.clone()].find('=') else {
                return Err(self.error(
                    format!(
                        "Syntax error - can't find = in {:?}. Must be of the form: name=value",
                        &text[word.clone()]
                    ),
                    line.span(&word),
                ));
            };
            let eq = word.start + eq;
            pairs.push(KeyValue {
                key: line.word(word.start..eq),
                value: line.word(eq + 1..word.end),
                legacy: false,
            });
        }
        Ok(Arguments::KeyValues(pairs))
    }

    fn stages(
        &self,
        instructions: &[Instruction],
    ) -> Result<(Vec<Stage>, Vec<ArgDecl>), SyntaxError> {
        let mut stages: Vec<Stage> = Vec::new();
        let mut global_args = Vec::new();
        for (index, instruction) in instructions.iter().enumerate() {
            match instruction.kind {
                Keyword::From => {
                    let words = instruction.words();
                    let (base, name) = match words {
                        [image] => (image, None),
                        [image, as_kw, name] if as_kw.value.eq_ignore_ascii_case("as") => {
                            (image, Some(name))
                        }
                        _ => return Err(self.error(
                            "FROM requires either one argument, or three: FROM <image> [AS <name>]",
                            instruction.args_span(),
                        )),
                    };
                    if let Some(name) = name {
                        if !valid_stage_name(&name.value) {
                            return Err(self.error(
                                format!(
                                    "invalid name for build stage: {:?}, name can't start with a number or contain symbols",
                                    name.value
                                ),
                                name.span,
                            ));
                        }
                    }
                    if let Some(last) = stages.last_mut() {
                        last.instructions.end = index;
                    }
                    stages.push(Stage {
                        index: stages.len(),
                        name: name.cloned(),
                        base: base.clone(),
                        platform: instruction.flag("platform").and_then(|f| f.value.clone()),
                        from: index,
                        instructions: index..instructions.len(),
                        args: Vec::new(),
                    });
                }
                Keyword::Arg => match stages.last_mut() {
                    Some(stage) => stage.args.extend(instruction.arg_decls(index)),
                    None => global_args.extend(instruction.arg_decls(index)),
                },
                _ => {}
            }
        }
        Ok((stages, global_args))
    }
}

fn accepts_heredocs(instruction: &Instruction) -> bool {
    let target = instruction.onbuild_trigger().unwrap_or(instruction);
    target.kind.accepts_heredocs() && !target.is_exec_form()
}

/// `#[ \t]*name[ \t]*=[ \t]*value[ \t]*` with a known name (lower-cased).
fn directive_parts(content: &str) -> Option<(String, Range<usize>)> {
    let blank = |c: char| c == ' ' || c == '\t';
    let after_hash = content.strip_prefix('#')?;
    let key_start = content.len() - after_hash.trim_start_matches(blank).len();
    let bytes = content.as_bytes();
    if !bytes.get(key_start)?.is_ascii_alphabetic() {
        return None;
    }
    let key_end = (key_start..content.len())
        .find(|&i| !bytes[i].is_ascii_alphanumeric())
        .unwrap_or(content.len());
    let name = content[key_start..key_end].to_ascii_lowercase();
    let after_key = content[key_end..].trim_start_matches(blank);
    let after_eq = after_key.strip_prefix('=')?;
    let value_start = content.len() - after_eq.trim_start_matches(blank).len();
    let value_end = content.trim_end_matches(blank).len();
    if value_end <= value_start || !matches!(name.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((name, value_start..value_end))
}

/// Byte ranges of the top-level string literals of a valid JSON array of strings.
fn string_literal_ranges(json: &str) -> Vec<Range<usize>> {
    let bytes = json.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            ranges.push(start..(i + 1).min(bytes.len()));
        }
        i += 1;
    }
    ranges
}

/// Stage names: a letter, then letters, digits, `-`, `_` or `.` (case-insensitive).
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn unknown_instruction(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let best = Keyword::ALL
        .into_iter()
        .map(|k| (edit_distance(&lower, &k.as_str().to_ascii_lowercase()), k))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((distance, keyword)) if distance <= 2 && distance < lower.len() => format!(
            "unknown instruction: {word} (did you mean {}?)",
            keyword.as_str().to_ascii_lowercase()
        ),
        _ => format!("unknown instruction: {word}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{line_index, source_lines, trim_start, LineIndex};
    use crate::syntax::{parse, Arguments};

    /// Each instruction keeps its logical line (continuations joined, comment lines taken out,
    /// blanks around it cut), and a continued one where its pieces come from; an ONBUILD
    /// trigger keeps its own part.
    #[test]
    fn an_instruction_keeps_its_logical_line_and_pieces() {
        let source = "FROM alpine  \n  RUN a \\\n# note\n   b  \t\nONBUILD RUN c \\\n d\nENV A=1\n";
        let dockerfile = parse(source).unwrap();
        let lines: Vec<&str> = dockerfile
            .instructions
            .iter()
            .map(|i| i.line_text.as_str())
            .collect();
        assert_eq!(
            lines,
            ["FROM alpine", "RUN a    b", "ONBUILD RUN c  d", "ENV A=1"]
        );
        let run = &dockerfile.instructions[1];
        let run_at = source.find("RUN").unwrap();
        assert_eq!(
            run.line_pieces,
            [(0, run_at), (6, source.find("   b").unwrap())]
        );
        assert!(dockerfile.instructions[0].line_pieces.is_empty());
        let Arguments::Onbuild(trigger) = &dockerfile.instructions[2].args else {
            panic!("an ONBUILD trigger");
        };
        assert_eq!(trigger.line_text, "RUN c  d");
        assert_eq!(trigger.line_pieces, dockerfile.instructions[2].line_pieces);
    }

    #[test]
    fn the_line_index_from_the_lines_is_the_texts() {
        for text in [
            "",
            "\n",
            "\n\n",
            "FROM a",
            "FROM a\n",
            "FROM a\r\nRUN b\r\n",
            "\u{feff}FROM a\nRUN b",
            "\u{feff}\n",
            "FROM a\n\n\nRUN b \\\n  c\n",
        ] {
            assert_eq!(
                line_index(text, &source_lines(text)),
                LineIndex::new(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn trim_start_is_strs_on_ascii_and_unicode_blanks() {
        for text in [
            "",
            "RUN x",
            "   && apt-get",
            "\t\t# comment",
            " \u{b}\u{c}\r x",
            "    ",
            "  \u{a0}x",
            "\u{3000} x",
            "  é",
            "  \u{3000}",
        ] {
            assert_eq!(trim_start(text), text.trim_start(), "{text:?}");
        }
    }
}
