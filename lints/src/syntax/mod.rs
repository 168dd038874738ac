//! The Dockerfile parser: directives, instructions, flags, heredocs, with byte spans.
//!
//! It reads files the way BuildKit's Dockerfile frontend does (the reference): the same
//! continuation, comment and directive rules, the same exec/shell form decision, the same
//! heredoc detection, and it rejects what the reference's parser and instruction layer reject
//! for syntax (unknown instructions, non-string JSON arrays, ...). Unlike the reference it keeps
//! byte spans of everything, so diagnostics can point at exact characters.

mod dump;
mod heredoc;
mod model;
mod parser;
mod span;
mod words;

pub use dump::buildkit_dump;
pub use model::{
    ArgDecl, Arguments, Directive, Dockerfile, Flag, FromView, HealthcheckView, Heredoc,
    Instruction, KeyValue, Keyword, ParseWarning, Stage, WarningKind, Word,
};
pub use span::{LineIndex, Position, Span};

use std::fmt;

/// Longest line the reference accepts, in bytes (its scanner's buffer minus one).
pub const MAX_LINE_LENGTH: usize = 65_535;

/// Why a Dockerfile could not be parsed, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    /// 1-based line and character column of `span.start`.
    pub line: usize,
    pub column: usize,
}

impl SyntaxError {
    pub(crate) fn new(
        message: impl Into<String>,
        span: Span,
        source: &str,
        lines: &LineIndex,
    ) -> Self {
        let position = lines.position(source, span.start);
        SyntaxError {
            message: message.into(),
            span,
            line: position.line,
            column: position.column,
        }
    }

    pub fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// Parses Dockerfile text. Never panics.
pub fn parse(source: &str) -> Result<Dockerfile, SyntaxError> {
    parser::parse(source.to_string())
}

/// Parses raw file bytes: a UTF-8 BOM is allowed, invalid UTF-8 is an error naming the byte offset.
pub fn parse_bytes(bytes: &[u8]) -> Result<Dockerfile, SyntaxError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => {
            let offset = e.valid_up_to();
            let valid = String::from_utf8_lossy(&bytes[..offset]).into_owned();
            let lines = LineIndex::new(&valid);
            Err(SyntaxError::new(
                format!("invalid UTF-8 at byte offset {offset}"),
                Span::new(offset, offset),
                &valid,
                &lines,
            ))
        }
    }
}
