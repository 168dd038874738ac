//! The source text a `tty` diagnostic shows, made safe and short: only the lines the labels
//! touch (and the context lines codespan shows around multi-line labels), each long line cut to
//! a window around the labels with `…` where text is left out, and control characters escaped
//! (`\x1b`, `\u{85}`) so that nothing from the file reaches the terminal as a command. Labels
//! are mapped into that text, so the carets stand under their spans; line numbers and the
//! header's `line:column` stay the file's own.
//!
//! Cost: the lines shown and the labels' windows, never the whole file, so one diagnostic on a
//! huge file or line costs what a small one does.

use std::collections::BTreeSet;
use std::ops::Range;

use codespan_reporting::files::{Error, Files, Location};
use rbuild_lints::syntax::Span;

use super::FileReport;

/// Lines longer than this (in bytes) are cut to a window around the labels.
const LONG_LINE: usize = 160;
/// The bytes shown before the first label of a cut line.
const WINDOW_BEFORE: usize = 40;
/// The bytes shown of a cut line in all.
const WINDOW: usize = 120;
/// Lines shown after the start and before the end of a multi-line label (codespan's defaults).
const START_CONTEXT: usize = 3;
const END_CONTEXT: usize = 1;

/// The text codespan renders for one diagnostic.
pub struct Snippet<'a> {
    name: &'a str,
    text: String,
    /// The shown lines: their range in `text` (with the newline) and 1-based number in the file.
    lines: Vec<(Range<usize>, usize)>,
    /// Where each label boundary of `text` is in the file (line, column), for the header.
    locations: Vec<(usize, Location)>,
}

impl<'a> Snippet<'a> {
    /// The snippet for `spans` (byte spans of `report.source`), and each span's range in it.
    pub fn new(report: &'a FileReport, spans: &[Span]) -> (Snippet<'a>, Vec<Range<usize>>) {
        let source = report.source.as_str();
        let spans: Vec<Range<usize>> = spans
            .iter()
            .map(|span| {
                let start = floor_char(source, span.start.min(source.len()));
                let end = ceil_char(source, span.end.clamp(start, source.len()));
                start..end
            })
            .collect();
        let line_of = |offset: usize| report.lines.line(offset) - 1;
        let mut shown = BTreeSet::new();
        for span in &spans {
            let (first, last) = (line_of(span.start), line_of(span.end));
            shown.insert(first);
            shown.insert(last);
            if last > first {
                shown.extend(first + 1..=(first + START_CONTEXT).min(last));
                shown.insert(last - END_CONTEXT.min(last - first));
            }
        }
        let mut snippet = Snippet {
            name: report.path.as_str(),
            text: String::new(),
            lines: Vec::new(),
            locations: Vec::new(),
        };
        let mut mapped = vec![0..0; spans.len()];
        let mut previous: Option<usize> = None;
        for line in shown {
            match previous.map(|previous| line - previous) {
                // One line between two shown ones: codespan shows it.
                Some(2) => snippet.push_line(report, line - 1, &[], &mut []),
                // More: two empty lines make codespan print its `·` break.
                Some(gap) if gap > 2 => {
                    snippet.push_placeholder(line - 1);
                    snippet.push_placeholder(line);
                }
                _ => {}
            }
            let mut boundaries: Vec<(usize, &mut usize)> = Vec::new();
            for (span, range) in spans.iter().zip(mapped.iter_mut()) {
                if line_of(span.start) == line {
                    boundaries.push((span.start, &mut range.start));
                }
                if line_of(span.end) == line {
                    boundaries.push((span.end, &mut range.end));
                }
            }
            let offsets: Vec<usize> = boundaries.iter().map(|(offset, _)| *offset).collect();
            let mut virtual_offsets = vec![0; offsets.len()];
            snippet.push_line(report, line, &offsets, &mut virtual_offsets);
            for ((offset, target), at) in boundaries.into_iter().zip(virtual_offsets) {
                *target = at;
                let position = report.position(offset);
                snippet.locations.push((
                    at,
                    Location {
                        line_number: position.line,
                        column_number: position.column,
                    },
                ));
            }
            previous = Some(line);
        }
        (snippet, mapped)
    }

    /// Appends the file's line `index` (0-based), cut around `offsets` when long and escaped;
    /// `at[i]` receives where `offsets[i]` (a byte offset of the file on that line) lands.
    fn push_line(
        &mut self,
        report: &FileReport,
        index: usize,
        offsets: &[usize],
        at: &mut [usize],
    ) {
        let source = report.source.as_str();
        let start = report.lines.line_start(index + 1).unwrap_or(source.len());
        let end = source[start..]
            .find('\n')
            .map_or(source.len(), |n| start + n);
        let end = if source[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        let (from, to) = if end - start <= LONG_LINE {
            (start, end)
        } else {
            let first = offsets
                .iter()
                .copied()
                .min()
                .unwrap_or(start)
                .clamp(start, end);
            let from = floor_char(source, first.saturating_sub(WINDOW_BEFORE).max(start));
            (from, ceil_char(source, (from + WINDOW).min(end)))
        };
        let text_start = self.text.len();
        if from > start {
            self.text.push('…');
        }
        for (offset, target) in offsets.iter().zip(at.iter_mut()) {
            if *offset <= from {
                *target = self.text.len();
            }
        }
        for (offset, c) in source[from..to].char_indices() {
            push_escaped(&mut self.text, c);
            let next = from + offset + c.len_utf8();
            for (offset, target) in offsets.iter().zip(at.iter_mut()) {
                if *offset == next || (*offset > next && next == to) {
                    *target = self.text.len();
                }
            }
        }
        if to < end {
            self.text.push('…');
        }
        self.text.push('\n');
        self.lines.push((text_start..self.text.len(), index + 1));
    }

    fn push_placeholder(&mut self, index: usize) {
        let start = self.text.len();
        self.text.push('\n');
        self.lines.push((start..self.text.len(), index + 1));
    }
}

/// The longest message text shown (in characters); longer ones are cut in the middle.
const LONG_MESSAGE: usize = 240;

/// A message or note for a terminal: control characters but line breaks escaped, and cut in
/// the middle with `…` when it quotes a huge piece of the file.
pub fn display_text(message: &str) -> std::borrow::Cow<'_, str> {
    let clean = message
        .chars()
        .all(|c| matches!(c, '\t' | '\n') || !c.is_control());
    let long = message.len() > LONG_MESSAGE && message.chars().count() > LONG_MESSAGE;
    if clean && !long {
        return message.into();
    }
    let mut text = String::new();
    let count = message.chars().count();
    let half = LONG_MESSAGE / 2;
    for (index, c) in message.chars().enumerate() {
        if long && index == half {
            text.push('…');
        }
        if !long || index < half || index >= count - half {
            match c {
                '\n' => text.push('\n'),
                c => push_escaped(&mut text, c),
            }
        }
    }
    text.into()
}

/// Control characters (but tab) as escapes; everything else as it is.
fn push_escaped(text: &mut String, c: char) {
    use std::fmt::Write as _;
    match c {
        '\t' => text.push('\t'),
        c if (c as u32) < 0x20 || c == '\x7f' => {
            let _ = write!(text, "\\x{:02x}", c as u32);
        }
        c if c.is_control() => {
            let _ = write!(text, "\\u{{{:x}}}", c as u32);
        }
        c => text.push(c),
    }
}

fn floor_char(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_char(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

impl<'b> Files<'b> for Snippet<'_> {
    type FileId = ();
    type Name = &'b str;
    type Source = &'b str;

    fn name(&'b self, (): ()) -> Result<&'b str, Error> {
        Ok(self.name)
    }

    fn source(&'b self, (): ()) -> Result<&'b str, Error> {
        Ok(&self.text)
    }

    fn line_index(&'b self, (): (), byte_index: usize) -> Result<usize, Error> {
        Ok(self
            .lines
            .partition_point(|(range, _)| range.end <= byte_index)
            .min(self.lines.len().saturating_sub(1)))
    }

    fn line_number(&'b self, (): (), line_index: usize) -> Result<usize, Error> {
        self.lines
            .get(line_index)
            .map(|(_, number)| *number)
            .ok_or(Error::LineTooLarge {
                given: line_index,
                max: self.lines.len(),
            })
    }

    fn line_range(&'b self, (): (), line_index: usize) -> Result<Range<usize>, Error> {
        self.lines
            .get(line_index)
            .map(|(range, _)| range.clone())
            .ok_or(Error::LineTooLarge {
                given: line_index,
                max: self.lines.len(),
            })
    }

    /// The file's own line and column for a label boundary (the header), not the snippet's.
    fn location(&'b self, (): (), byte_index: usize) -> Result<Location, Error> {
        if let Some((_, location)) = self.locations.iter().find(|(at, _)| *at == byte_index) {
            return Ok(*location);
        }
        let line_index = self.line_index((), byte_index)?;
        Ok(Location {
            line_number: self.line_number((), line_index)?,
            column_number: self.column_number((), line_index, byte_index)?,
        })
    }
}
