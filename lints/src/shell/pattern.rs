//! Shell patterns (`*`, `?`, `\x`) for `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`.
//!
//! The reference builder turns a pattern into a regular expression (`*` -> `.*` or `.*?`,
//! `?` -> `.`) and takes the regex engine's leftmost-first match. This module gets the same
//! matches without a regex: a depth-first search over (pattern position, text position) that
//! tries alternatives in the regex engine's order of preference and remembers dead states, so a
//! search is linear in (pattern length x text length) at worst.

use std::fmt;

use super::go_chars::is_name_char;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`: any one character but a newline (as the regex `.`).
    AnyChar,
    /// `*`: any run of characters without a newline (as the regex `.*`).
    AnyRun,
}

/// The most (pattern position, text position) states one search may need to remember: 8 MiB of
/// bits. Real patterns and values are far below it; past it a search fails rather than
/// allocating without bound.
const MAX_SEARCH_STATES: usize = 1 << 26;

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PatternError {
    /// `\` followed by the character (or by nothing) that it may not escape.
    InvalidEscape(Option<char>),
    /// Pattern length times value length exceeds [`MAX_SEARCH_STATES`].
    TooLarge,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::InvalidEscape(Some(escaped)) => {
                write!(f, "invalid escape '\\{escaped}'")
            }
            PatternError::InvalidEscape(None) => f.write_str("invalid escape at end of pattern"),
            PatternError::TooLarge => f.write_str("pattern and value too long to match"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    /// `\` escapes only `*`, `?` and `\`; before `}` or `/` it is dropped (it kept the character
    /// from closing the `${...}`), and any other escape is an error, as in the reference.
    fn parse(text: &str) -> Result<Pattern, PatternError> {
        let mut tokens = Vec::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let token = match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyChar,
                '\\' => {
                    if matches!(chars.peek(), Some('}' | '/')) {
                        continue;
                    }
                    match chars.next() {
                        Some(escaped @ ('*' | '?' | '\\')) => Token::Literal(escaped),
                        other => return Err(PatternError::InvalidEscape(other)),
                    }
                }
                _ => Token::Literal(c),
            };
            tokens.push(token);
        }
        Ok(Pattern { tokens })
    }

    /// The pattern read backwards, so that a suffix search becomes a prefix search over the
    /// reversed text (escapes stay attached to their character since tokens are reversed whole).
    fn reversed(mut self) -> Pattern {
        self.tokens.reverse();
        self
    }
}

/// One search of a pattern over one text, with the memory of dead states shared by every start
/// position tried.
struct Search<'p> {
    tokens: &'p [Token],
    text: Vec<char>,
    /// `*` prefers the longest run (greedy) or the shortest.
    greedy: bool,
    /// Bit `token_index * (text.len() + 1) + text_index` is set once that state is known to fail.
    dead: Vec<u64>,
}

impl<'p> Search<'p> {
    fn new(
        pattern: &'p Pattern,
        text: Vec<char>,
        greedy: bool,
    ) -> Result<Search<'p>, PatternError> {
        let states = (pattern.tokens.len() + 1).saturating_mul(text.len() + 1);
        if states > MAX_SEARCH_STATES {
            return Err(PatternError::TooLarge);
        }
        Ok(Search {
            tokens: &pattern.tokens,
            text,
            greedy,
            dead: vec![0; states.div_ceil(64)],
        })
    }

    fn state_index(&self, token: usize, at: usize) -> usize {
        token * (self.text.len() + 1) + at
    }

    fn is_dead(&self, token: usize, at: usize) -> bool {
        let index = self.state_index(token, at);
        self.dead[index / 64] & (1 << (index % 64)) != 0
    }

    fn mark_dead(&mut self, token: usize, at: usize) {
        let index = self.state_index(token, at);
        self.dead[index / 64] |= 1 << (index % 64);
    }

    /// The states reachable from `(token, at)` in one step, most preferred first.
    fn steps(&self, token: usize, at: usize) -> [Option<(usize, usize)>; 2] {
        let next_char = self.text.get(at).copied();
        let wildcard_char = next_char.filter(|&c| c != '\n');
        match self.tokens[token] {
            Token::Literal(expected) => [
                (next_char == Some(expected)).then_some((token + 1, at + 1)),
                None,
            ],
            Token::AnyChar => [wildcard_char.map(|_| (token + 1, at + 1)), None],
            Token::AnyRun => {
                let extend = wildcard_char.map(|_| (token, at + 1));
                let stop = Some((token + 1, at));
                if self.greedy {
                    [extend, stop]
                } else {
                    [stop, extend]
                }
            }
        }
    }

    /// Where the preferred match starting exactly at `start` ends, if any.
    fn match_end(&mut self, start: usize) -> Option<usize> {
        // Each frame is a state and how many of its steps have been tried.
        let mut stack = vec![(0, start, 0)];
        while let Some(&(token, at, tried)) = stack.last() {
            if token == self.tokens.len() {
                return Some(at);
            }
            let steps = self.steps(token, at);
            let Some(&step) = steps.get(tried) else {
                self.mark_dead(token, at);
                stack.pop();
                continue;
            };
            if let Some(frame) = stack.last_mut() {
                frame.2 += 1;
            }
            if let Some((next_token, next_at)) = step {
                if !self.is_dead(next_token, next_at) {
                    stack.push((next_token, next_at, 0));
                }
            }
        }
        None
    }

    /// The leftmost match starting at or after `from`, as (start, end).
    fn find_from(&mut self, from: usize) -> Option<(usize, usize)> {
        (from..=self.text.len()).find_map(|start| self.match_end(start).map(|end| (start, end)))
    }
}

/// `${VAR#pat}` (shortest) and `${VAR##pat}` (longest): `value` without the prefix that the
/// pattern matches, or unchanged when it matches none.
pub(super) fn remove_prefix(
    value: &str,
    pattern: &str,
    longest: bool,
) -> Result<String, PatternError> {
    let pattern = Pattern::parse(pattern)?;
    let mut search = Search::new(&pattern, value.chars().collect(), longest)?;
    Ok(match search.match_end(0) {
        Some(end) => search.text[end..].iter().collect(),
        None => value.to_owned(),
    })
}

/// `${VAR%pat}` (shortest) and `${VAR%%pat}` (longest): `value` without the suffix that the
/// pattern matches, or unchanged when it matches none.
pub(super) fn remove_suffix(
    value: &str,
    pattern: &str,
    longest: bool,
) -> Result<String, PatternError> {
    let pattern = Pattern::parse(pattern)?.reversed();
    let mut search = Search::new(&pattern, value.chars().rev().collect(), longest)?;
    Ok(match search.match_end(0) {
        Some(end) => search.text[end..].iter().rev().collect(),
        None => value.to_owned(),
    })
}

/// `${VAR/pat/repl}` (first match) and `${VAR//pat/repl}` (every match), with `*` greedy.
pub(super) fn replace(
    value: &str,
    pattern: &str,
    replacement: &str,
    every: bool,
) -> Result<String, PatternError> {
    let pattern = Pattern::parse(pattern)?;
    let mut search = Search::new(&pattern, value.chars().collect(), true)?;
    if !every {
        return Ok(match search.find_from(0) {
            Some((start, end)) => {
                let mut out: String = search.text[..start].iter().collect();
                out.push_str(replacement);
                out.extend(&search.text[end..]);
                out
            }
            None => value.to_owned(),
        });
    }
    // The loop of the reference's regex "replace all": an empty match right after the previous
    // match is not replaced, and the search always moves on by at least one character.
    let mut out = String::with_capacity(value.len());
    let mut copied_to = 0;
    let mut from = 0;
    while from <= search.text.len() {
        let Some((start, end)) = search.find_from(from) else {
            break;
        };
        out.extend(&search.text[copied_to..start]);
        if end > copied_to || start == 0 {
            let matched: String = search.text[start..end].iter().collect();
            expand_template(replacement, &matched, &mut out);
        }
        copied_to = end;
        from = if end > from { end } else { from + 1 };
    }
    out.extend(&search.text[copied_to..]);
    Ok(out)
}

/// The reference replaces every match through its regex library's template expansion, so `$`
/// in the replacement is special there: `$$` is a `$`, `$0` or `${0}` is the matched text, any
/// other `$name` or `${name}` is empty (the pattern has no groups), and a `$` not followed by a
/// name stays as it is.
fn expand_template(template: &str, matched: &str, out: &mut String) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match template_reference(rest) {
            Some((name, after)) => {
                if name == "0" {
                    out.push_str(matched);
                }
                rest = after;
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
}

/// Splits `name...` or `{name}...` off the start of `text`, where a name is a non-empty run of
/// letters, digits and underscores.
fn template_reference(text: &str) -> Option<(&str, &str)> {
    let (braced, body) = match text.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, text),
    };
    let name_len = body
        .char_indices()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(body.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, after) = body.split_at(name_len);
    if braced {
        after.strip_prefix('}').map(|after| (name, after))
    } else {
        Some((name, after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_checked_and_closing_characters_lose_their_escape() {
        assert!(Pattern::parse("\\").is_err());
        assert!(Pattern::parse("\\q").is_err());
        assert!(Pattern::parse("a\\\\\\").is_err());
        let pattern = Pattern::parse("\\*\\?\\\\\\}\\/").unwrap();
        let literals: Vec<Token> = "*?\\}/".chars().map(Token::Literal).collect();
        assert_eq!(pattern.tokens, literals);
    }

    #[test]
    fn prefix_removal_takes_the_shortest_or_longest_match() {
        assert_eq!(remove_prefix("a.b.c", "*.", false).unwrap(), "b.c");
        assert_eq!(remove_prefix("a.b.c", "*.", true).unwrap(), "c");
        assert_eq!(remove_prefix("a.b.c", "*", false).unwrap(), "a.b.c");
        assert_eq!(remove_prefix("a.b.c", "*", true).unwrap(), "");
        assert_eq!(remove_prefix("a.b.c", "x", true).unwrap(), "a.b.c");
        assert_eq!(remove_prefix("a.b.c", "", false).unwrap(), "a.b.c");
        assert_eq!(remove_prefix("**z", "\\*?", false).unwrap(), "z");
    }

    #[test]
    fn suffix_removal_takes_the_shortest_or_longest_match() {
        assert_eq!(remove_suffix("lib.tar.gz", ".*", false).unwrap(), "lib.tar");
        assert_eq!(remove_suffix("lib.tar.gz", ".*", true).unwrap(), "lib");
        assert_eq!(remove_suffix("v1-rc*", "\\*", false).unwrap(), "v1-rc");
        assert_eq!(remove_suffix("한국어", "?", false).unwrap(), "한국");
    }

    #[test]
    fn searches_too_large_to_remember_fail_instead_of_allocating() {
        let value = "x".repeat(1 << 14);
        let pattern = "*".repeat(1 << 13);
        assert_eq!(
            remove_prefix(&value, &pattern, true),
            Err(PatternError::TooLarge)
        );
        assert_eq!(remove_prefix(&value, "*x", true).unwrap(), "");
    }

    #[test]
    fn wildcards_do_not_cross_newlines() {
        assert_eq!(remove_prefix("ab\ncd", "*", true).unwrap(), "\ncd");
        assert_eq!(remove_prefix("\nx", "?", false).unwrap(), "\nx");
    }

    #[test]
    fn replace_changes_the_first_or_every_match() {
        assert_eq!(replace("a-b-c", "-", "+", false).unwrap(), "a+b-c");
        assert_eq!(replace("a-b-c", "-", "+", true).unwrap(), "a+b+c");
        assert_eq!(replace("a-b-c", "-*", "", false).unwrap(), "a");
        assert_eq!(replace("abc", "x", "y", true).unwrap(), "abc");
    }

    #[test]
    fn replacing_every_empty_match_follows_the_regex_library() {
        assert_eq!(replace("ab", "", "-", true).unwrap(), "-a-b-");
        assert_eq!(replace("ab", "", "-", false).unwrap(), "-ab");
        assert_eq!(replace("ab", "*", "-", true).unwrap(), "-");
    }

    #[test]
    fn replacing_every_match_expands_dollar_templates() {
        assert_eq!(replace("ab", "b", "[$0]", true).unwrap(), "a[b]");
        assert_eq!(replace("ab", "b", "[${0}]", true).unwrap(), "a[b]");
        assert_eq!(replace("ab", "b", "$$x", true).unwrap(), "a$x");
        assert_eq!(replace("ab", "b", "$name-", true).unwrap(), "a-");
        assert_eq!(replace("ab", "b", "$-${x", true).unwrap(), "a$-${x");
        assert_eq!(replace("ab", "b", "$0", false).unwrap(), "a$0");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Whether `tokens` match all of `text` (plain dynamic programming, the obvious definition).
    fn matches_whole(tokens: &[Token], text: &[char]) -> bool {
        // reachable[i]: the tokens so far can match exactly text[..i].
        let mut reachable = vec![false; text.len() + 1];
        reachable[0] = true;
        for token in tokens {
            let mut next = vec![false; text.len() + 1];
            for at in 0..=text.len() {
                let previous = at.checked_sub(1).map(|before| text[before]);
                next[at] = match token {
                    Token::Literal(c) => previous == Some(*c) && reachable[at - 1],
                    Token::AnyChar => previous.is_some_and(|p| p != '\n') && reachable[at - 1],
                    Token::AnyRun => {
                        reachable[at] || (previous.is_some_and(|p| p != '\n') && next[at - 1])
                    }
                };
            }
            reachable = next;
        }
        reachable[text.len()]
    }

    /// POSIX semantics: the shortest or longest prefix that the pattern matches whole.
    fn oracle_remove_prefix(value: &str, pattern: &str, longest: bool) -> String {
        let tokens = Pattern::parse(pattern).unwrap().tokens;
        let text: Vec<char> = value.chars().collect();
        let mut lengths = (0..=text.len()).filter(|&len| matches_whole(&tokens, &text[..len]));
        let cut = if longest {
            lengths.next_back()
        } else {
            lengths.next()
        };
        text[cut.unwrap_or(0)..].iter().collect()
    }

    /// POSIX semantics: the shortest or longest suffix that the pattern matches whole.
    fn oracle_remove_suffix(value: &str, pattern: &str, longest: bool) -> String {
        let tokens = Pattern::parse(pattern).unwrap().tokens;
        let text: Vec<char> = value.chars().collect();
        let mut starts = (0..=text.len())
            .rev()
            .filter(|&start| matches_whole(&tokens, &text[start..]));
        let cut = if longest {
            starts.next_back()
        } else {
            starts.next()
        };
        text[..cut.unwrap_or(text.len())].iter().collect()
    }

    /// The leftmost match, longest at its start, replaced by `-`.
    fn oracle_replace_first(value: &str, pattern: &str) -> String {
        let tokens = Pattern::parse(pattern).unwrap().tokens;
        let text: Vec<char> = value.chars().collect();
        let found = (0..=text.len()).find_map(|start| {
            (start..=text.len())
                .rev()
                .find(|&end| matches_whole(&tokens, &text[start..end]))
                .map(|end| (start, end))
        });
        match found {
            Some((start, end)) => {
                let before: String = text[..start].iter().collect();
                let after: String = text[end..].iter().collect();
                format!("{before}-{after}")
            }
            None => value.to_owned(),
        }
    }

    proptest! {
        // The search takes the regex engine's preferred match; this checks that it is the
        // shortest or longest (leftmost-longest for replacement) match that shells define.
        #[test]
        fn matches_agree_with_shell_semantics(
            value in "[ab\n*]{0,12}",
            pattern in r"(a|b|\*|\?|\\\*|\n){0,6}",
            longest in any::<bool>(),
        ) {
            prop_assert_eq!(
                remove_prefix(&value, &pattern, longest).unwrap(),
                oracle_remove_prefix(&value, &pattern, longest)
            );
            prop_assert_eq!(
                remove_suffix(&value, &pattern, longest).unwrap(),
                oracle_remove_suffix(&value, &pattern, longest)
            );
            prop_assert_eq!(
                replace(&value, &pattern, "-", false).unwrap(),
                oracle_replace_first(&value, &pattern)
            );
        }
    }
}
