//! LSP positions (line, and a column in the negotiated code units) to byte offsets and back.

use lsp_types::{Position, PositionEncodingKind, Range};
use rbuild_lints::syntax::{LineIndex, Span};

/// What an LSP column counts: UTF-16 code units unless the client offers UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion), else the protocol's default UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        if offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8)) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// One text's lines, to convert between byte offsets and LSP positions.
pub struct Lines<'a> {
    text: &'a str,
    index: LineIndex,
    encoding: Encoding,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str, encoding: Encoding) -> Lines<'a> {
        Lines {
            text,
            index: LineIndex::new(text),
            encoding,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.index.line(offset);
        let start = self.index.line_start(line).unwrap_or(0);
        let column: usize = self.text[start..offset]
            .chars()
            .map(|c| self.encoding.width(c))
            .sum();
        Position::new(to_u32(line - 1), to_u32(column))
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of `position`: a line past the end is the end of the text, a column past
    /// the end of its line (or inside a character) the end of the line (that character), as
    /// the protocol asks.
    pub fn offset(&self, position: Position) -> usize {
        let Some(start) = self.index.line_start(position.line as usize + 1) else {
            return self.text.len();
        };
        let line = &self.text[start..];
        let content = line.find('\n').map_or(line, |end| &line[..end]);
        let content = content.strip_suffix('\r').unwrap_or(content);
        let wanted = position.character as usize;
        let mut counted = 0;
        for (at, c) in content.char_indices() {
            if counted >= wanted {
                return start + at;
            }
            counted += self.encoding.width(c);
        }
        start + content.len()
    }

    pub fn span(&self, range: Range) -> Span {
        let start = self.offset(range.start);
        Span::new(start, self.offset(range.end).max(start))
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// LSP numbers are u32; a Dockerfile is far smaller than 4 GiB (input reading is bounded).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units_or_bytes() {
        // `é` is 2 bytes and 1 UTF-16 unit; `𝄞` is 4 bytes and 2 units.
        let text = "FROM a\nRUN echo é𝄞x\r\nCMD y";
        let x = text.find('x').unwrap();
        let utf16 = Lines::new(text, Encoding::Utf16);
        assert_eq!(utf16.position(x), Position::new(1, 12));
        assert_eq!(utf16.offset(Position::new(1, 12)), x);
        let utf8 = Lines::new(text, Encoding::Utf8);
        assert_eq!(utf8.position(x), Position::new(1, 15));
        assert_eq!(utf8.offset(Position::new(1, 15)), x);
        // Past the end of a line: its end, before the CRLF; past the last line: the end.
        assert_eq!(utf16.offset(Position::new(1, 99)), text.find('\r').unwrap());
        assert_eq!(utf16.offset(Position::new(9, 0)), text.len());
        assert_eq!(utf16.position(text.len()), Position::new(2, 5));
    }
}
