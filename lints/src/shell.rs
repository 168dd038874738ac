//! Shell-word expansion and word splitting, as the reference builder's lexer does it.
//!
//! Dockerfile instructions expand variables in their arguments (`FROM`, `ENV`, `COPY`...) with a
//! small subset of POSIX shell rules, implemented by the reference builder (`BuildKit`, package
//! `frontend/dockerfile/shell`). This module behaves like it, checked against its test data
//! (`envVarTest`, `wordsTest`):
//!
//! * `$NAME` and `${NAME}`; positional (`$1`, `$001`) and special (`$@ $* $# $? $- $$ $! $0`)
//!   parameters are looked up like any name (and are normally unset). A `$` not followed by a
//!   name stays as it is.
//! * `${NAME:-word}` / `${NAME-word}`: `word` when NAME is unset or empty / unset.
//!   `${NAME:+word}` / `${NAME+word}`: `word` when NAME is set and not empty / set.
//!   `${NAME:?msg}` / `${NAME?msg}`: an error carrying `msg` when NAME is unset or empty / unset.
//! * `${NAME#pat}` / `${NAME##pat}`: remove the shortest / longest prefix matching the shell
//!   pattern `pat` (`*`, `?`, `\` escapes); `${NAME%pat}` / `${NAME%%pat}` do it for suffixes;
//!   `${NAME/pat/repl}` / `${NAME//pat/repl}` replace the first / every match. The colon forms of
//!   these (`${NAME:#pat}`) are errors, as in the reference. Any other modifier (`:=`, `=`...)
//!   is an error.
//! * Single quotes keep everything literally; double quotes keep everything but `$` expansions,
//!   and there the escape character escapes only `"`, `$` and itself. Outside quotes the escape
//!   character (`\`, or the backtick that an `escape` parser directive may choose) makes the
//!   next character literal; a trailing escape character is dropped.
//! * Word splitting ([`Lexer::expand_words`]) splits on unquoted, unescaped white space, including
//!   white space that comes out of an unquoted expansion; quoted empty strings do not make words.
//!
//! Variables come from an [`Env`]. Names are compared exactly, as on Linux; use
//! [`CaseInsensitiveEnv`] for Windows images, whose variable names ignore case.

mod env;
mod go_chars;
mod pattern;

use std::borrow::Cow;
use std::fmt;

pub use env::{CaseInsensitiveEnv, Env};

/// How deep `${...}` may nest. The reference has no limit, but each level costs stack here and
/// no real Dockerfile comes close; beyond it expansion fails instead of overflowing the stack.
pub const MAX_NESTING: usize = 128;

/// Expands shell words with one escape character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexer {
    escape: char,
}

impl Default for Lexer {
    /// The lexer for Dockerfiles without an `# escape=` directive.
    fn default() -> Lexer {
        Lexer::new('\\')
    }
}

/// The result of expanding one word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded word.
    pub value: String,
    /// Every variable name the word looked up, in order of first appearance, without repeats.
    /// Positional and special parameters (`1`, `@`) count as names, as in the reference.
    pub referenced: Vec<String>,
    /// The names of `referenced` that were not set (set-but-empty ones are not listed).
    pub unset: Vec<String>,
}

/// Why a word cannot be expanded, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    /// What went wrong.
    pub kind: ExpandErrorKind,
    /// Byte offset, in the word, of the quote or `$` that starts the faulty construct.
    pub offset: usize,
}

/// What went wrong while expanding a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandErrorKind {
    /// A `'` without its closing `'`.
    UnterminatedSingleQuote,
    /// A `"` without its closing `"`.
    UnterminatedDoubleQuote,
    /// A `${` without its closing `}`.
    MissingClosingBrace,
    /// A `${NAME/pat` without the `/` that ends the pattern.
    MissingSlash,
    /// `${}`, `${{...}` or `${:...}`.
    BadSubstitution,
    /// `${NAME` followed by something other than `}` or a supported modifier.
    UnsupportedModifier(String),
    /// A `#`, `%` or `/` pattern with a bad escape.
    InvalidPattern {
        /// The pattern, after expansion.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `${...}` inside `${...}` deeper than [`MAX_NESTING`] levels.
    TooDeeplyNested,
    /// `${NAME:?message}` or `${NAME?message}` found NAME unset (or empty, with the colon).
    Required {
        /// The variable.
        name: String,
        /// The expanded message, or a default one.
        message: String,
    },
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExpandErrorKind::UnterminatedSingleQuote => {
                f.write_str("unexpected end of statement while looking for matching single-quote")
            }
            ExpandErrorKind::UnterminatedDoubleQuote => {
                f.write_str("unexpected end of statement while looking for matching double-quote")
            }
            ExpandErrorKind::MissingClosingBrace => f.write_str("syntax error: missing '}'"),
            ExpandErrorKind::MissingSlash => f.write_str("syntax error: missing '/' in ${}"),
            ExpandErrorKind::BadSubstitution => f.write_str("syntax error: bad substitution"),
            ExpandErrorKind::UnsupportedModifier(modifier) => {
                write!(f, "unsupported modifier ({modifier}) in substitution")
            }
            ExpandErrorKind::InvalidPattern { pattern, reason } => {
                write!(f, "invalid pattern ({pattern}) in substitution: {reason}")
            }
            ExpandErrorKind::TooDeeplyNested => {
                write!(
                    f,
                    "substitutions nested more than {MAX_NESTING} levels deep"
                )
            }
            ExpandErrorKind::Required { name, message } => write!(f, "{name}: {message}"),
        }
    }
}

impl std::error::Error for ExpandError {}

impl ExpandError {
    fn new(kind: ExpandErrorKind, offset: usize) -> ExpandError {
        ExpandError { kind, offset }
    }
}

impl Lexer {
    /// A lexer whose escape character is `escape`: `\` by default, or the backtick that an
    /// `escape` parser directive may choose.
    #[must_use]
    pub fn new(escape: char) -> Lexer {
        Lexer { escape }
    }

    /// The escape character.
    #[must_use]
    pub fn escape(&self) -> char {
        self.escape
    }

    /// Expands one word without splitting it (quotes are removed, white space is kept), as the
    /// reference's `ProcessWord`. The result also tells which variables the word referenced and
    /// which of them were unset.
    ///
    /// # Errors
    ///
    /// Unterminated quotes or `${`, malformed or unsupported substitutions, bad patterns, and
    /// `${NAME?message}` on an unset NAME; see [`ExpandErrorKind`].
    pub fn expand_word(&self, word: &str, env: &dyn Env) -> Result<Expansion, ExpandError> {
        // Without a `$`, a quote or the escape character (most words), a word is its own
        // expansion; the checks ask for thousands of them a file.
        let escape = ascii_byte(self.escape);
        if !word
            .bytes()
            .any(|b| matches!(b, b'$' | b'\'' | b'"') || Some(b) == escape)
        {
            return Ok(Expansion {
                value: word.to_string(),
                referenced: Vec::new(),
                unset: Vec::new(),
            });
        }
        let mut expander = Expander::new(self.escape, word, env);
        let mut value = String::with_capacity(word.len());
        expander.process_until(None, false, &mut value)?;
        Ok(Expansion {
            value,
            referenced: expander.referenced,
            unset: expander.unset,
        })
    }

    /// Expands `words` and splits the result into words, as the reference's `ProcessWords`.
    ///
    /// # Errors
    ///
    /// As [`Lexer::expand_word`].
    pub fn expand_words(&self, words: &str, env: &dyn Env) -> Result<Vec<String>, ExpandError> {
        let mut expander = Expander::new(self.escape, words, env);
        let mut splitter = WordSplitter::default();
        expander.process_until(None, false, &mut splitter)?;
        Ok(splitter.finish())
    }
}

/// Receives the pieces of an expanded word, telling apart the ones that word splitting may split.
trait Sink {
    /// Unquoted, unescaped source text, or the value of an unquoted expansion.
    fn splittable(&mut self, text: &str);
    /// Quoted text, or an escaped character.
    fn kept_whole(&mut self, text: &str);

    fn kept_whole_char(&mut self, c: char) {
        self.kept_whole(c.encode_utf8(&mut [0; 4]));
    }
}

impl Sink for String {
    fn splittable(&mut self, text: &str) {
        self.push_str(text);
    }
    fn kept_whole(&mut self, text: &str) {
        self.push_str(text);
    }
}

/// Splits on splittable white space.
#[derive(Default)]
struct WordSplitter {
    words: Vec<String>,
    current: String,
}

impl WordSplitter {
    fn finish(mut self) -> Vec<String> {
        self.end_word();
        self.words
    }

    /// Ends the current word; an empty one (even from `""`) is dropped, as in the reference.
    fn end_word(&mut self) {
        if !self.current.is_empty() {
            self.words.push(std::mem::take(&mut self.current));
        }
    }
}

impl Sink for WordSplitter {
    fn splittable(&mut self, text: &str) {
        let mut rest = text;
        while let Some(space) = rest.find(char::is_whitespace) {
            self.current.push_str(&rest[..space]);
            self.end_word();
            let space_len = rest[space..].chars().next().map_or(1, char::len_utf8);
            rest = &rest[space + space_len..];
        }
        self.current.push_str(rest);
    }
    fn kept_whole(&mut self, text: &str) {
        self.current.push_str(text);
    }
}

/// `c` as a byte when it is ASCII.
fn ascii_byte(c: char) -> Option<u8> {
    c.is_ascii().then_some(c as u8)
}

/// The special parameters of POSIX shells, which are one-character names.
fn is_special_parameter(c: char) -> bool {
    matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

/// The state of one expansion: a cursor over the word, and the variables looked up so far.
struct Expander<'a> {
    source: &'a str,
    position: usize,
    escape: char,
    /// Keep escape characters in the output: set while reading a pattern or a replacement, whose
    /// own escapes the pattern reader interprets.
    raw_escapes: bool,
    env: &'a dyn Env,
    /// How many `${` are open around the cursor.
    nesting: usize,
    referenced: Vec<String>,
    unset: Vec<String>,
}

impl<'a> Expander<'a> {
    fn new(escape: char, source: &'a str, env: &'a dyn Env) -> Expander<'a> {
        // The reference reads words with a scanner that skips a leading byte-order mark.
        let position = if source.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        Expander {
            source,
            position,
            escape,
            raw_escapes: false,
            env,
            nesting: 0,
            referenced: Vec::new(),
            unset: Vec::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.source[self.position..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.position += c.len_utf8();
        Some(c)
    }

    fn at_end(&self) -> bool {
        self.position == self.source.len()
    }

    fn lookup(&mut self, name: &str) -> Option<&'a str> {
        let env: &'a dyn Env = self.env;
        let value = env.get(name);
        if !self.referenced.iter().any(|seen| seen == name) {
            self.referenced.push(name.to_owned());
            if value.is_none() {
                self.unset.push(name.to_owned());
            }
        }
        value
    }

    /// Expands up to `stop` (consumed) or, without one, to the end of the word.
    fn process_until<S: Sink>(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
        sink: &mut S,
    ) -> Result<(), ExpandError> {
        let outer_raw_escapes = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let result = self.process_until_inner(stop, sink);
        self.raw_escapes = outer_raw_escapes;
        result
    }

    fn process_until_inner<S: Sink>(
        &mut self,
        stop: Option<char>,
        sink: &mut S,
    ) -> Result<(), ExpandError> {
        let escape = self.escape_byte();
        let stop_byte = stop.and_then(ascii_byte);
        loop {
            let run = self.take_run(|b| {
                matches!(b, b'$' | b'\'' | b'"') || Some(b) == escape || Some(b) == stop_byte
            });
            if !run.is_empty() {
                sink.splittable(run);
            }
            let Some(c) = self.peek() else {
                break;
            };
            if Some(c) == stop {
                self.bump();
                return Ok(());
            }
            match c {
                '$' => sink.splittable(&self.dollar()?),
                '\'' => self.single_quoted(sink)?,
                '"' => self.double_quoted(sink)?,
                _ => {
                    self.bump();
                    if self.raw_escapes {
                        sink.kept_whole_char(c);
                    }
                    match self.bump() {
                        Some(escaped) => sink.kept_whole_char(escaped),
                        None => break,
                    }
                }
            }
        }
        match stop {
            Some('}') => Err(ExpandError::new(
                ExpandErrorKind::MissingClosingBrace,
                self.position,
            )),
            Some(_) => Err(ExpandError::new(
                ExpandErrorKind::MissingSlash,
                self.position,
            )),
            None => Ok(()),
        }
    }

    /// Moves the cursor over the longest run of characters that are not `special`, returning it.
    /// The special characters (quotes, `$`, braces, `/`, the escape character) are ASCII: the
    /// run is found byte by byte, without decoding characters (a byte of a longer character
    /// is never ASCII, so the run ends on a character boundary).
    fn take_run(&mut self, special: impl Fn(u8) -> bool) -> &'a str {
        let source: &'a str = self.source;
        let rest = &source.as_bytes()[self.position..];
        let end = rest.iter().position(|&b| special(b)).unwrap_or(rest.len());
        let run = &source[self.position..self.position + end];
        self.position += end;
        run
    }

    /// The escape character as the byte [`Expander::take_run`] looks for: the parser only
    /// ever chooses `\` or a backtick.
    fn escape_byte(&self) -> Option<u8> {
        ascii_byte(self.escape)
    }

    fn single_quoted<S: Sink>(&mut self, sink: &mut S) -> Result<(), ExpandError> {
        let open = self.position;
        self.bump();
        sink.kept_whole(self.take_run(|b| b == b'\''));
        if self.bump().is_none() {
            return Err(ExpandError::new(
                ExpandErrorKind::UnterminatedSingleQuote,
                open,
            ));
        }
        Ok(())
    }

    fn double_quoted<S: Sink>(&mut self, sink: &mut S) -> Result<(), ExpandError> {
        let open = self.position;
        self.bump();
        let (escape, escape_byte) = (self.escape, self.escape_byte());
        loop {
            sink.kept_whole(self.take_run(|b| b == b'"' || b == b'$' || Some(b) == escape_byte));
            match self.peek() {
                None => {
                    return Err(ExpandError::new(
                        ExpandErrorKind::UnterminatedDoubleQuote,
                        open,
                    ))
                }
                Some('"') => {
                    self.bump();
                    return Ok(());
                }
                Some('$') => sink.kept_whole(&self.dollar()?),
                Some(_) => {
                    self.bump();
                    if self.raw_escapes {
                        sink.kept_whole_char(escape);
                    }
                    match self.peek() {
                        // The loop then reports the missing closing quote.
                        None => {}
                        Some(next) if next == '"' || next == '$' || next == escape => {
                            self.bump();
                            sink.kept_whole_char(next);
                        }
                        // Other escapes are literal inside double quotes.
                        Some(_) => sink.kept_whole_char(escape),
                    }
                }
            }
        }
    }

    /// A name after `$` or `${`: a run of digits (positional), one special parameter character,
    /// or a letter or `_` followed by letters, digits and `_`. Empty when none of these follows.
    fn name(&mut self) -> &'a str {
        let start = self.position;
        match self.peek() {
            Some(c) if go_chars::is_digit(c) => {
                while self.peek().is_some_and(go_chars::is_digit) {
                    self.bump();
                }
            }
            Some(c) if is_special_parameter(c) => {
                self.bump();
            }
            _ => {
                while self.peek().is_some_and(go_chars::is_name_char) {
                    self.bump();
                }
            }
        }
        let source: &'a str = self.source;
        &source[start..self.position]
    }

    /// Expands the `$...` at the cursor.
    fn dollar(&mut self) -> Result<Cow<'a, str>, ExpandError> {
        let start = self.position;
        self.bump();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok(Cow::Borrowed("$"));
            }
            return Ok(Cow::Borrowed(self.lookup(name).unwrap_or("")));
        }
        self.bump();
        match self.peek() {
            None => {
                return Err(ExpandError::new(
                    ExpandErrorKind::MissingClosingBrace,
                    start,
                ))
            }
            Some('{' | '}' | ':') => {
                return Err(ExpandError::new(ExpandErrorKind::BadSubstitution, start))
            }
            Some(_) => {}
        }
        if self.nesting == MAX_NESTING {
            return Err(ExpandError::new(ExpandErrorKind::TooDeeplyNested, start));
        }
        let name = self.name();
        // Looked up before any nested word so that `referenced` follows the order of the text.
        let value = self.lookup(name);
        self.nesting += 1;
        let expanded = match self.bump() {
            Some('}') => Ok(Cow::Borrowed(value.unwrap_or(""))),
            Some(':') => {
                let operator = self.bump();
                self.modifier(start, name, value, operator, true)
            }
            Some('/') => self.substitution(start, value),
            operator => self.modifier(start, name, value, operator, false),
        };
        self.nesting -= 1;
        expanded
    }

    /// `${NAME` + operator + `word}`, the cursor just after the operator. `null_is_unset` is
    /// the colon form, where an empty value counts as unset.
    fn modifier(
        &mut self,
        start: usize,
        name: &'a str,
        value: Option<&'a str>,
        operator: Option<char>,
        null_is_unset: bool,
    ) -> Result<Cow<'a, str>, ExpandError> {
        let unsupported = || {
            let colon = if null_is_unset { ":" } else { "" };
            let operator = operator.map(String::from).unwrap_or_default();
            ExpandError::new(
                ExpandErrorKind::UnsupportedModifier(format!("{colon}{operator}")),
                start,
            )
        };
        let is_pattern = matches!(operator, Some('#' | '%'));
        if is_pattern && null_is_unset {
            return Err(unsupported());
        }
        if operator.is_none() {
            return Err(ExpandError::new(
                ExpandErrorKind::MissingClosingBrace,
                start,
            ));
        }
        // Without a colon an unknown operator fails at once; with one the reference reads the
        // word first, so a missing `}` is reported before the operator.
        if !null_is_unset && !matches!(operator, Some('+' | '-' | '?' | '#' | '%')) {
            return Err(unsupported());
        }
        let mut word = String::new();
        self.process_until(Some('}'), is_pattern, &mut word)
            .map_err(|error| self.missing_brace_at_end(error, start))?;
        let unset_or_null = value.is_none_or(|value| null_is_unset && value.is_empty());
        match operator {
            Some('-') => Ok(match value {
                Some(value) if !unset_or_null => Cow::Borrowed(value),
                _ => Cow::Owned(word),
            }),
            Some('+') if unset_or_null => Ok(Cow::Borrowed("")),
            Some('+') => Ok(Cow::Owned(word)),
            Some('?') => match value {
                Some(value) if !unset_or_null => Ok(Cow::Borrowed(value)),
                _ => {
                    let message = if !word.is_empty() {
                        word
                    } else if value.is_none() {
                        "is not allowed to be unset".to_owned()
                    } else {
                        "is not allowed to be empty".to_owned()
                    };
                    Err(ExpandError::new(
                        ExpandErrorKind::Required {
                            name: name.to_owned(),
                            message,
                        },
                        start,
                    ))
                }
            },
            Some(operator @ ('#' | '%')) => {
                // A doubled operator (`##`, `%%`) asks for the longest match.
                let (longest, pattern) = match word.strip_prefix(operator) {
                    Some(pattern) => (true, pattern),
                    None => (false, word.as_str()),
                };
                let value = value.unwrap_or("");
                let trimmed = if operator == '#' {
                    pattern::remove_prefix(value, pattern, longest)
                } else {
                    pattern::remove_suffix(value, pattern, longest)
                };
                trimmed
                    .map(Cow::Owned)
                    .map_err(|error| invalid_pattern(pattern, &error, start))
            }
            _ => Err(unsupported()),
        }
    }

    /// `${NAME/pattern/replacement}` or `${NAME//pattern/replacement}`, the cursor just after
    /// the first `/`.
    fn substitution(
        &mut self,
        start: usize,
        value: Option<&'a str>,
    ) -> Result<Cow<'a, str>, ExpandError> {
        let every = self.peek() == Some('/');
        if every {
            self.bump();
        }
        let mut pattern = String::new();
        self.process_until(Some('/'), true, &mut pattern)
            .map_err(|error| {
                if self.at_end() {
                    ExpandError::new(ExpandErrorKind::MissingSlash, start)
                } else {
                    error
                }
            })?;
        let mut replacement = String::new();
        self.process_until(Some('}'), true, &mut replacement)
            .map_err(|error| self.missing_brace_at_end(error, start))?;
        pattern::replace(value.unwrap_or(""), &pattern, &replacement, every)
            .map(Cow::Owned)
            .map_err(|error| invalid_pattern(&pattern, &error, start))
    }

    /// The reference reports any failure inside `${...}` that ran into the end of the word as
    /// the missing `}`.
    fn missing_brace_at_end(&self, error: ExpandError, start: usize) -> ExpandError {
        if self.at_end() {
            ExpandError::new(ExpandErrorKind::MissingClosingBrace, start)
        } else {
            error
        }
    }
}

fn invalid_pattern(pattern: &str, error: &pattern::PatternError, start: usize) -> ExpandError {
    ExpandError::new(
        ExpandErrorKind::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: error.to_string(),
        },
        start,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Vec<(&'static str, &'static str)> {
        vec![
            ("IMAGE", "alpine"),
            ("TAG", "3.20"),
            ("EMPTY", ""),
            ("FILE", "app.tar.gz"),
            ("PATHS", "/usr/local/bin:/usr/bin"),
            ("TWO_WORDS", " one  two "),
        ]
    }

    fn expand(word: &str) -> Result<String, ExpandError> {
        Lexer::default()
            .expand_word(word, &env())
            .map(|expansion| expansion.value)
    }

    fn error_kind(word: &str) -> ExpandErrorKind {
        expand(word).expect_err(word).kind
    }

    #[test]
    fn plain_and_braced_variables_expand() {
        assert_eq!(expand("$IMAGE:$TAG").unwrap(), "alpine:3.20");
        assert_eq!(expand("${IMAGE}_x").unwrap(), "alpine_x");
        assert_eq!(expand("$IMAGE_x").unwrap(), "");
        assert_eq!(expand("$MISSING-$").unwrap(), "-$");
        assert_eq!(expand("cost: $5.00 $@x").unwrap(), "cost: .00 x");
    }

    #[test]
    fn defaults_alternatives_and_requirements_tell_empty_from_unset() {
        assert_eq!(expand("${EMPTY:-d}|${EMPTY-d}|${NONE-d}").unwrap(), "d||d");
        assert_eq!(expand("${EMPTY:+a}|${EMPTY+a}|${NONE+a}").unwrap(), "|a|");
        assert_eq!(expand("${EMPTY?}|${TAG:?}").unwrap(), "|3.20");
        assert_eq!(expand("${NONE:-${EMPTY:-${TAG}}}").unwrap(), "3.20");
        assert_eq!(
            error_kind("${EMPTY:?set it to $IMAGE}"),
            ExpandErrorKind::Required {
                name: "EMPTY".into(),
                message: "set it to alpine".into()
            }
        );
        let unset = expand("${NONE?}").unwrap_err();
        assert_eq!(unset.to_string(), "NONE: is not allowed to be unset");
        let empty = expand("${EMPTY:?}").unwrap_err();
        assert_eq!(empty.to_string(), "EMPTY: is not allowed to be empty");
    }

    #[test]
    fn prefix_and_suffix_removal() {
        assert_eq!(expand("${FILE%.*}|${FILE%%.*}").unwrap(), "app.tar|app");
        assert_eq!(expand("${FILE#*.}|${FILE##*.}").unwrap(), "tar.gz|gz");
        assert_eq!(expand("${PATHS%%:*}").unwrap(), "/usr/local/bin");
        assert_eq!(expand("${NONE#x}").unwrap(), "");
        assert_eq!(
            error_kind("${FILE:#app}"),
            ExpandErrorKind::UnsupportedModifier(":#".into())
        );
        assert!(matches!(
            error_kind("${FILE#a\\pp}"),
            ExpandErrorKind::InvalidPattern { .. }
        ));
    }

    #[test]
    fn substitution_of_first_and_every_match() {
        assert_eq!(expand("${PATHS/:/ }").unwrap(), "/usr/local/bin /usr/bin");
        assert_eq!(
            expand("${PATHS//\\//_}").unwrap(),
            "_usr_local_bin:_usr_bin"
        );
        assert_eq!(expand("${FILE/.*/}").unwrap(), "app");
        assert_eq!(error_kind("${FILE/x"), ExpandErrorKind::MissingSlash);
        assert_eq!(
            error_kind("${FILE/x/y"),
            ExpandErrorKind::MissingClosingBrace
        );
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            expand(r#"'$IMAGE'"$IMAGE"\$IMAGE"#).unwrap(),
            "$IMAGEalpine$IMAGE"
        );
        assert_eq!(expand(r#""a\b\"c\\d\$e""#).unwrap(), r#"a\b"c\d$e"#);
        assert_eq!(expand(r"a\ b\\c\").unwrap(), r"a b\c");
        assert_eq!(expand(r"${NONE:-a\}b}").unwrap(), "a}b");
    }

    #[test]
    fn backtick_escape_leaves_backslashes_alone() {
        let lexer = Lexer::new('`');
        let expand = |word| lexer.expand_word(word, &env()).unwrap().value;
        assert_eq!(expand(r"C:\dir\$IMAGE"), r"C:\dir\alpine");
        assert_eq!(expand("`$IMAGE `\""), "$IMAGE \"");
        assert_eq!(expand(r#""C:\x`"`$IMAGE""#), r#"C:\x"$IMAGE"#);
    }

    #[test]
    fn errors_carry_the_offset_of_the_faulty_construct() {
        let error = expand("ok 'open").unwrap_err();
        assert_eq!(
            (error.kind, error.offset),
            (ExpandErrorKind::UnterminatedSingleQuote, 3)
        );
        let error = expand("x \"open").unwrap_err();
        assert_eq!(
            (error.kind, error.offset),
            (ExpandErrorKind::UnterminatedDoubleQuote, 2)
        );
        let error = expand("ab${TAG").unwrap_err();
        assert_eq!(
            (error.kind, error.offset),
            (ExpandErrorKind::MissingClosingBrace, 2)
        );
        let error = expand("a${}").unwrap_err();
        assert_eq!(
            (error.kind, error.offset),
            (ExpandErrorKind::BadSubstitution, 1)
        );
        assert_eq!(
            error_kind("${TAG:=1}"),
            ExpandErrorKind::UnsupportedModifier(":=".into())
        );
        assert_eq!(
            error_kind("${TAG=1}"),
            ExpandErrorKind::UnsupportedModifier("=".into())
        );
    }

    #[test]
    fn referenced_and_unset_names_in_order_of_appearance() {
        let expansion = Lexer::default()
            .expand_word("${IMAGE}:${NONE:-$TAG}-$EMPTY$NONE$1", &env())
            .unwrap();
        assert_eq!(expansion.value, "alpine:3.20-");
        assert_eq!(expansion.referenced, ["IMAGE", "NONE", "TAG", "EMPTY", "1"]);
        assert_eq!(expansion.unset, ["NONE", "1"]);
    }

    #[test]
    fn word_splitting_respects_quotes_escapes_and_expansions() {
        let lexer = Lexer::default();
        let split = |words| lexer.expand_words(words, &env()).unwrap();
        assert_eq!(split("  a\tb  "), ["a", "b"]);
        assert_eq!(split("x${TWO_WORDS}y"), ["x", "one", "two", "y"]);
        assert_eq!(split("x\"${TWO_WORDS}\"y"), ["x one  two y"]);
        assert_eq!(split(r"a\ b '' c"), ["a b", "c"]);
        assert_eq!(split("$EMPTY"), Vec::<String>::new());
        assert!(lexer.expand_words("a 'b", &env()).is_err());
    }

    #[test]
    fn nesting_is_limited_instead_of_overflowing_the_stack() {
        let nested = |depth: usize| "\"${NONE:-".repeat(depth) + "x" + &"}\"".repeat(depth);
        assert_eq!(expand(&nested(MAX_NESTING)).unwrap(), "x");
        let error = expand(&nested(MAX_NESTING + 1)).unwrap_err();
        assert_eq!(error.kind, ExpandErrorKind::TooDeeplyNested);
        assert_eq!(error.offset, MAX_NESTING * 9 + 1);
        assert!(expand(&nested(100_000)).is_err());
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        assert_eq!(expand("\u{feff}$TAG").unwrap(), "3.20");
    }

    #[test]
    fn windows_names_ignore_case() {
        let env = CaseInsensitiveEnv::new([("ProgramFiles", "C:\\Program Files")]);
        let expansion = Lexer::new('`')
            .expand_word("$programfiles\\app", &env)
            .unwrap();
        assert_eq!(expansion.value, "C:\\Program Files\\app");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Words drawn mostly from the characters the lexer treats specially.
    fn shell_word() -> impl Strategy<Value = String> {
        proptest::string::string_regex(r#"[${}:\-+?#%/'"\\` \t\nab_X019@*!.é한\u{feff}]{0,48}"#)
            .expect("valid strategy regex")
    }

    fn env() -> Vec<(&'static str, &'static str)> {
        vec![("a", "x y*z"), ("X", ""), ("b", "$a\\*}/"), ("_", "é\n한")]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn no_input_panics_and_both_entry_points_agree(
            word in shell_word(),
            backtick in any::<bool>(),
        ) {
            let lexer = Lexer::new(if backtick { '`' } else { '\\' });
            let env = env();
            let single = lexer.expand_word(&word, &env);
            let split = lexer.expand_words(&word, &env);
            prop_assert_eq!(single.is_ok(), split.is_ok());
            match single {
                Ok(expansion) => {
                    let Expansion { referenced, unset, .. } = expansion;
                    prop_assert!(unset.iter().all(|name| referenced.contains(name)));
                }
                Err(error) => {
                    prop_assert!(error.offset <= word.len());
                    prop_assert!(word.is_char_boundary(error.offset));
                    prop_assert!(!error.to_string().is_empty());
                }
            }
            if let Ok(words) = split {
                prop_assert!(words.iter().all(|word| !word.is_empty()));
            }
        }

        #[test]
        fn words_without_special_characters_stay_as_they_are(word in "[a-zA-Z0-9_.,:=/@-]{0,32}") {
            let expansion = Lexer::default().expand_word(&word, &env()).unwrap();
            prop_assert_eq!(expansion.value, word);
            prop_assert!(expansion.referenced.is_empty());
        }
    }
}
