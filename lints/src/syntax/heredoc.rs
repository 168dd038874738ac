//! Finding `<<NAME` heredoc openers in a RUN/COPY/ADD line, as the reference does: the line is
//! split into shell words (quotes and escapes kept, `$` left alone), and each word that reads
//! `[fd]<<[-][blanks]NAME` opens a heredoc. Heredoc words always use `\` as escape.

use std::ops::Range;

/// A heredoc opener found on an instruction line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Opener {
    /// The `<<NAME` word in the logical line.
    pub range: Range<usize>,
    pub name: String,
    pub file_descriptor: u32,
    pub chomp: bool,
    pub expand: bool,
}

/// Heredoc openers of a line, in order. A line with an unterminated quote has none
/// (the reference ignores the lexer's error there).
pub(super) fn openers(line: &str) -> Vec<Opener> {
    let Some(words) = shell_words(line) else {
        return Vec::new();
    };
    words
        .into_iter()
        .filter_map(|range| opener(&line[range.clone()], range))
        .collect()
}

/// Word ranges split on blanks; `None` on an unterminated quote.
fn shell_words(line: &str) -> Option<Vec<Range<usize>>> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos].is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        let start = pos;
        while pos < bytes.len() && !bytes[pos].is_ascii_whitespace() {
            match bytes[pos] {
                b'\'' => pos += 1 + memchr::memchr(b'\'', &bytes[pos + 1..])? + 1,
                b'"' => pos += 1 + closing_double_quote(&bytes[pos + 1..])? + 1,
                b'\\' => pos = (pos + 2).min(bytes.len()),
                b'<' if bytes.get(pos + 1) == Some(&b'<') => {
                    // `<< EOF` is one word: the blanks after `<<` or `<<-` belong to it.
                    pos += 2;
                    if bytes.get(pos) == Some(&b'-') {
                        pos += 1;
                    }
                    while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t') {
                        pos += 1;
                    }
                }
                _ => pos += 1,
            }
        }
        words.push(start..pos);
    }
    Some(words)
}

/// Offset of the `"` closing a double-quoted string (backslash escapes the next byte).
fn closing_double_quote(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// `[digits]<<[-][whitespace]REST` where REST has no `<` and is one shell word.
fn opener(word: &str, range: Range<usize>) -> Option<Opener> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let after = word[digits..].strip_prefix("<<")?;
    let (chomp, after) = match after.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, after),
    };
    let rest = after.trim_start();
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let (name, quoted) = unquote_single_word(rest)?;
    Some(Opener {
        range,
        name,
        file_descriptor: word[..digits].parse().unwrap_or(0),
        chomp,
        expand: !quoted,
    })
}

/// Removes quotes and escapes from a heredoc delimiter; `None` unless it is exactly one word.
/// The flag tells whether any part was quoted (then the body is not expanded).
fn unquote_single_word(rest: &str) -> Option<(String, bool)> {
    let mut name = String::with_capacity(rest.len());
    let mut quoted = false;
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => name.push(c),
                    }
                }
            }
            '"' => {
                quoted = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$') => name.push(c),
                            c => {
                                name.push('\\');
                                name.push(c);
                            }
                        },
                        c => name.push(c),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => name.push(c),
                None => name.push('\\'),
            },
            c if c.is_ascii_whitespace() => return None,
            c => name.push(c),
        }
    }
    Some((name, quoted))
}
