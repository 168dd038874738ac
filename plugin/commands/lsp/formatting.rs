//! Formatting a document or a range with `fmt`'s layout: its byte-range edits, checked to keep
//! the file's meaning as `fmt` checks them.

use lsp_types::TextEdit;
use rbuild_lints::format::{self, FormatOptions};
use rbuild_lints::syntax::{self, Span};

use super::actions::text_edits;
use super::position::Lines;

/// The edits that format `text` (within `range`: the instructions it touches), or why there
/// are none (the text does not parse, or the layout would change its meaning).
pub fn format_edits(
    text: &str,
    lines: &Lines<'_>,
    options: &FormatOptions,
    range: Option<Span>,
) -> Result<Vec<TextEdit>, String> {
    let dockerfile = syntax::parse(text).map_err(|e| format!("cannot format: {e}"))?;
    let mut edits = format::edits(&dockerfile, options);
    if let Some(range) = range {
        // Whole instructions: a continuation or a keyword is never half laid out.
        let touched = || {
            dockerfile
                .instructions
                .iter()
                .filter(|i| i.span.start <= range.end && range.start <= i.span.end)
        };
        let start = touched().map(|i| i.span.start).min().unwrap_or(range.start);
        let end = touched().map(|i| i.span.end).max().unwrap_or(range.end);
        let (start, end) = (start.min(range.start), end.max(range.end));
        // An edit that only touches the range (the blank lines before it) is outside.
        edits.retain(|e| {
            if e.span.is_empty() {
                start <= e.span.start && e.span.start <= end
            } else {
                e.span.start < end && start < e.span.end
            }
        });
    }
    format::checked_edits(&dockerfile, &edits).map_err(|e| format!("cannot format: {e}"))?;
    Ok(text_edits(lines, edits))
}
