//! Splitting a logical line into command, flags and argument words, as the reference does.
//! Every function works on byte offsets into the logical line so callers can map them to spans.

use std::ops::Range;

/// The reference's `strings.TrimSpace`: Unicode whitespace at both ends.
pub(super) fn trim_space(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.start + slice.trim_end().len();
    start..end.max(start)
}

/// The reference separates the keyword and whitespace-delimited words with `[\t\v\f\r ]+`.
pub(super) fn is_ascii_blank(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Words separated by runs of `[\t\v\f\r ]` inside an already trimmed range.
pub(super) fn split_blank(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut start = None;
    for i in range.clone() {
        match (is_ascii_blank(bytes[i]), start) {
            (true, Some(s)) => {
                words.push(s..i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push(s..range.end);
    }
    words
}

/// First blank-separated word and where the rest starts (after the blank run).
pub(super) fn split_first_blank(text: &str, range: Range<usize>) -> (Range<usize>, usize) {
    let bytes = text.as_bytes();
    let cmd_end = (range.start..range.end)
        .find(|&i| is_ascii_blank(bytes[i]))
        .unwrap_or(range.end);
    let rest = (cmd_end..range.end)
        .find(|&i| !is_ascii_blank(bytes[i]))
        .unwrap_or(range.end);
    (range.start..cmd_end, rest)
}

/// A leading `--flag` word: its range and its text with quotes and backslashes processed.
pub(super) struct FlagWord {
    pub range: Range<usize>,
    pub text: String,
}

/// Leading `--name[=value]` words (the reference's extractBuilderFlags). Returns the flags and
/// the offset where the arguments start. A bare `--` ends the flags and is dropped.
pub(super) fn extract_flags(text: &str, range: Range<usize>) -> (Vec<FlagWord>, usize) {
    let bytes = &text.as_bytes()[..range.end];
    let mut flags = Vec::new();
    let mut pos = range.start;
    loop {
        // Skip whitespace; stop unless the next word starts with "--".
        while pos < bytes.len() {
            let c = text[pos..].chars().next().unwrap_or(' ');
            if !c.is_whitespace() {
                break;
            }
            pos += c.len_utf8();
        }
        if pos >= bytes.len() || !text[pos..range.end].starts_with("--") {
            return (flags, pos);
        }
        let start = pos;
        let mut word = String::new();
        let mut blank_ok = false;
        let mut quote: Option<u8> = None;
        while pos < bytes.len() {
            let b = bytes[pos];
            match quote {
                None if b.is_ascii_whitespace() || b == 0x0b => break,
                None if b == b'\'' || b == b'"' => {
                    quote = Some(b);
                    blank_ok = true;
                    pos += 1;
                }
                Some(q) if b == q => {
                    quote = None;
                    pos += 1;
                }
                _ if b == b'\\' => {
                    pos += 1;
                    if pos == bytes.len() {
                        quote = None;
                    } else {
                        let c = next_char(text, pos);
                        word.push(c);
                        pos += c.len_utf8();
                    }
                }
                _ => {
                    let c = next_char(text, pos);
                    word.push(c);
                    pos += c.len_utf8();
                }
            }
        }
        if word == "--" {
            // `--` ends the flags; the arguments start after it.
            return (flags, pos);
        }
        if blank_ok || !word.is_empty() {
            flags.push(FlagWord {
                range: start..pos,
                text: word,
            });
        }
    }
}

fn next_char(text: &str, pos: usize) -> char {
    text[pos..].chars().next().unwrap_or('\u{FFFD}')
}

/// Words separated by whitespace with quotes and escapes kept (the reference's parseWords,
/// used by ARG, ENV and LABEL). A lone escape at the very end is dropped.
pub(super) fn parse_words(text: &str, range: Range<usize>, escape: char) -> Vec<Range<usize>> {
    let end = range.end;
    let mut chars = text[range.clone()]
        .char_indices()
        .map(move |(i, c)| (range.start + i, c));
    let mut words = Vec::new();
    while let Some((start, first)) = chars.find(|(_, c)| !c.is_whitespace()) {
        let mut quote: Option<char> = None;
        // A word with quotes counts even when empty (`''`).
        let mut quoted = false;
        let mut word_end = end;
        let mut current = Some((start, first));
        while let Some((pos, c)) = current {
            if quote.is_none() && c.is_whitespace() {
                word_end = pos;
                break;
            }
            match quote {
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    quoted = true;
                }
                Some(q) if c == q => quote = None,
                // Nothing escapes inside single quotes.
                Some('\'') => {}
                _ if c == escape => {
                    if pos + c.len_utf8() == end {
                        word_end = pos;
                    } else {
                        chars.next();
                    }
                }
                _ => {}
            }
            current = chars.next();
        }
        if quoted || word_end > start {
            words.push(start..word_end);
        }
    }
    words
}
