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
mod source_map;
mod span;
mod words;

pub use dump::buildkit_dump;
pub use model::{
    ArgDecl, Arguments, Directive, Dockerfile, Flag, FromView, HealthcheckView, Heredoc,
    Instruction, KeyValue, Keyword, ParseWarning, Stage, WarningKind, Word,
};
pub use source_map::SourceMap;
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

/// Parses raw file bytes as BuildKit reads them: a UTF-8 BOM is allowed, and bytes that are not
/// UTF-8 are no error (BuildKit's parser works on bytes and never checks the encoding). Each
/// invalid sequence is read as U+FFFD, as [`String::from_utf8_lossy`] replaces it, so the model's
/// spans are byte offsets into that text: the same as the file's up to the first invalid byte
/// (which [`crate::rules::first_invalid_utf8`] finds); after it, each replaced sequence of n
/// bytes shifts them by 3 - n. Lines are never shifted; columns count characters, a replaced
/// sequence as one.
pub fn parse_bytes(bytes: &[u8]) -> Result<Dockerfile, SyntaxError> {
    // Valid UTF-8 (nearly every file) is checked by the fast validator, not decoded piecewise.
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(_) => parse(&String::from_utf8_lossy(bytes)),
    }
}
