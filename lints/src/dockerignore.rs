//! `.dockerignore` files with the docker CLI's semantics.
//!
//! Reading: `#` starts a comment only in column 1, lines are trimmed, `!` marks an exception,
//! patterns are cleaned like Go's `filepath.Clean` and a leading `/` is dropped. Matching: the
//! last matching line wins, and a pattern that matched a directory also matches everything
//! below it; the matcher mirrors the docker CLI's walk exactly (including which patterns it
//! skips evaluating), so the files we send are the files `docker build` sends, and the lint
//! rules see the context the build will see. Reading the file from disk is the caller's job.

use std::fmt;

use regex::Regex;

/// A pattern docker would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPattern {
    pub pattern: String,
    pub reason: String,
}

impl fmt::Display for InvalidPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid pattern `{}`: {}", self.pattern, self.reason)
    }
}

impl std::error::Error for InvalidPattern {}

/// An invalid pattern in an ignore file, with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub pattern: InvalidPattern,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.pattern)
    }
}

impl std::error::Error for ParseError {}

/// The compiled patterns of one ignore file.
#[derive(Debug, Clone)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern without its `!`.
    text: String,
    exception: bool,
    matcher: Matcher,
}

/// How a pattern is tested; the non-regex kinds are the shortcuts docker takes, and they
/// define the behaviour (`**foo` is a plain suffix test, so it matches `barfoo`).
#[derive(Debug, Clone)]
enum Matcher {
    Exact,
    Prefix(String),
    Suffix(String),
    Regex(Regex),
}

/// Which patterns matched a directory; its entries inherit those matches.
#[derive(Debug, Clone, Default)]
pub struct ParentMatches(Vec<bool>);

impl DockerIgnore {
    /// Parses the text of an ignore file.
    pub fn parse(text: &str) -> Result<DockerIgnore, ParseError> {
        let mut patterns = Vec::new();
        for (index, raw_line) in text.lines().enumerate() {
            let line = if index == 0 {
                raw_line.strip_prefix('\u{feff}').unwrap_or(raw_line)
            } else {
                raw_line
            };
            let Some(pattern) = normalize_line(line) else {
                continue;
            };
            let column = line.find(|c: char| !c.is_whitespace()).unwrap_or(0) + 1;
            let compiled = Pattern::new(&pattern).map_err(|reason| ParseError {
                line: index + 1,
                column,
                pattern: InvalidPattern { pattern, reason },
            })?;
            patterns.push(compiled);
        }
        Ok(DockerIgnore { patterns })
    }

    /// A matcher that excludes nothing.
    pub fn empty() -> DockerIgnore {
        DockerIgnore {
            patterns: Vec::new(),
        }
    }

    /// Whether `path` (relative to the context root, `/`-separated) stays out of the context.
    pub fn is_excluded(&self, path: &str) -> bool {
        let cleaned = clean_path(path.trim_start_matches('/'));
        if cleaned == "." || cleaned.starts_with("../") || cleaned == ".." {
            return false;
        }
        let mut parent: Option<ParentMatches> = None;
        let mut end = 0;
        // Evaluate each ancestor in turn, as the walk over the context does.
        loop {
            end = cleaned[end..]
                .find('/')
                .map_or(cleaned.len(), |offset| end + offset);
            let (excluded, matches) = self.matches(&cleaned[..end], parent.as_ref());
            if end == cleaned.len() {
                return excluded;
            }
            parent = Some(matches);
            end += 1;
        }
    }

    /// Whether `path` matches, given the matches of its parent directory (`None` at the top).
    pub fn matches(&self, path: &str, parent: Option<&ParentMatches>) -> (bool, ParentMatches) {
        let mut matched = false;
        let mut info = vec![false; self.patterns.len()];
        for (index, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.is_some_and(|p| p.0[index]);
            if !hit {
                // docker skips patterns that cannot change the outcome; the skipped ones are
                // not recorded as parent matches, which its children can observe.
                if pattern.exception != matched {
                    continue;
                }
                hit = pattern.matches(path);
                if !hit && parent.is_none() {
                    hit = ancestors(path).any(|ancestor| pattern.matches(ancestor));
                }
            }
            info[index] = hit;
            if hit {
                matched = !pattern.exception;
            }
        }
        (matched, ParentMatches(info))
    }

    /// Whether the file has any `!` exception.
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether an exception could re-include something under the excluded directory `dir`;
    /// like docker, only exceptions whose text starts with `dir/` count.
    pub fn may_reinclude_under(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.patterns
            .iter()
            .any(|p| p.exception && format!("{}/", p.text).starts_with(&prefix))
    }

    /// Appends `!path` when `path` is excluded, so a file that must reach the daemon (the
    /// Dockerfile, the ignore file) is sent anyway.
    pub fn keep(&mut self, path: &str) -> Result<(), InvalidPattern> {
        if self.is_excluded(path) {
            // Like docker, the path goes in as a pattern; a name with glob syntax may not parse.
            let text = format!("!{}", clean_path(path));
            let pattern = Pattern::new(&text).map_err(|reason| InvalidPattern {
                pattern: text,
                reason,
            })?;
            self.patterns.push(pattern);
        }
        Ok(())
    }
}

/// One line of the file as docker reads it: `None` for comments and blank lines.
fn normalize_line(line: &str) -> Option<String> {
    if line.starts_with('#') {
        return None;
    }
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return None;
    }
    let (exception, body) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut pattern = if body.is_empty() {
        String::new()
    } else {
        clean_path(body)
    };
    if pattern.len() > 1 && pattern.starts_with('/') {
        pattern.remove(0);
    }
    Some(if exception {
        format!("!{pattern}")
    } else {
        pattern
    })
}

impl Pattern {
    /// The compiled pattern, or why docker would refuse it.
    fn new(line: &str) -> Result<Pattern, String> {
        let cleaned = clean_path(line.trim());
        let (exception, text) = match cleaned.strip_prefix('!') {
            Some("") => return Err("illegal exclusion pattern: \"!\"".to_string()),
            Some(rest) => (true, rest.to_string()),
            None => (false, cleaned),
        };
        validate_glob(&text)?;
        let matcher = compile(&text)?;
        Ok(Pattern {
            text,
            exception,
            matcher,
        })
    }

    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact => path == self.text,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Matcher::Regex(regex) => regex.is_match(path),
        }
    }
}

/// The proper ancestors of a relative path, shortest first: `a/b/c` gives `a`, `a/b`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(index, _)| &path[..index])
}

/// Translates a cleaned glob into docker's matcher: `*` and `?` stay within one path segment,
/// `**` spans segments, `\` escapes the next character, `[...]` is a character class.
fn compile(pattern: &str) -> Result<Matcher, String> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut regex = String::from("^");
    let mut kind = Kind::Exact;
    let mut in_class = false;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let first = i == 0;
        i += 1;
        match c {
            '*' if in_class => regex.push_str("\\*"),
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i == chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        regex.push_str(".*");
                        kind = Kind::Regex;
                    }
                } else {
                    regex.push_str("(.*/)?");
                    kind = Kind::Regex;
                }
                if first {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                regex.push_str("[^/]*");
                kind = Kind::Regex;
            }
            '?' if !in_class => {
                regex.push_str("[^/]");
                kind = Kind::Regex;
            }
            '\\' => match chars.get(i) {
                Some(&next) => {
                    i += 1;
                    push_literal(&mut regex, next);
                    kind = Kind::Regex;
                }
                None => push_literal(&mut regex, '\\'),
            },
            '[' if !in_class => {
                in_class = true;
                regex.push('[');
                if chars.get(i) == Some(&'^') {
                    i += 1;
                    regex.push('^');
                }
                kind = Kind::Regex;
            }
            ']' if in_class => {
                in_class = false;
                regex.push(']');
            }
            '-' if in_class => regex.push('-'),
            _ => push_literal(&mut regex, c),
        }
    }
    Ok(match kind {
        Kind::Exact => Matcher::Exact,
        Kind::Prefix => Matcher::Prefix(pattern[..pattern.len() - 2].to_string()),
        Kind::Suffix => Matcher::Suffix(pattern[2..].to_string()),
        Kind::Regex => {
            regex.push('$');
            Matcher::Regex(
                Regex::new(&regex).map_err(|err| format!("cannot compile the pattern: {err}"))?,
            )
        }
    })
}

/// Appends `c` so that the regex matches it literally (inside or outside a class).
fn push_literal(regex: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        regex.push('\\');
    }
    regex.push(c);
}

/// Rejects what Go's `filepath.Match` calls a bad pattern (docker refuses those): an
/// unterminated or empty `[...]`, a class range missing an end, a trailing `\`.
fn validate_glob(pattern: &str) -> Result<(), String> {
    let bad = || "syntax error in pattern".to_string();
    let mut chars = pattern.chars().peekable();
    // One class character, possibly escaped; `-` and `]` may not appear unescaped here.
    fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
        match chars.next()? {
            '-' | ']' => None,
            '\\' => chars.next(),
            c => Some(c),
        }
    }
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next().ok_or_else(bad)?;
            }
            '[' => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                let mut ranges = 0;
                loop {
                    if ranges > 0 && chars.peek() == Some(&']') {
                        chars.next();
                        break;
                    }
                    class_char(&mut chars).ok_or_else(bad)?;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        class_char(&mut chars).ok_or_else(bad)?;
                    }
                    if chars.peek().is_none() {
                        return Err(bad());
                    }
                    ranges += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Go's `filepath.Clean` for `/`-separated paths: collapses `//`, drops `.` segments, resolves
/// `..` where it can, removes trailing slashes; an empty result is `.`.
pub fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).expect("valid ignore file")
    }

    #[test]
    fn comments_only_in_column_one_and_lines_trimmed() {
        let m = ignore("# comment\n  #notcomment\n  spaced.txt  \n\n");
        assert!(!m.is_excluded("comment"));
        assert!(m.is_excluded("#notcomment"));
        assert!(m.is_excluded("spaced.txt"));
    }

    #[test]
    fn leading_slash_and_unclean_paths_are_normalized() {
        let m = ignore("/abs.txt\n./dot/./x\na//b/../c\n");
        assert!(m.is_excluded("abs.txt"));
        assert!(m.is_excluded("dot/x"));
        assert!(m.is_excluded("a/c"));
        assert!(!m.is_excluded("a/b"));
    }

    #[test]
    fn star_and_question_mark_stay_in_one_segment() {
        let m = ignore("*.log\nfile?.txt\n");
        assert!(m.is_excluded("a.log"));
        assert!(!m.is_excluded("dir/a.log"), "`*` does not cross `/`");
        assert!(m.is_excluded("file1.txt"));
        assert!(!m.is_excluded("file12.txt"));
    }

    #[test]
    fn double_star_spans_directories() {
        let m = ignore("**/*.tmp\nbuild/**\n");
        assert!(m.is_excluded("x.tmp"));
        assert!(m.is_excluded("a/b/c/x.tmp"));
        assert!(m.is_excluded("build/out/bin"));
        assert!(
            !m.is_excluded("build"),
            "`build/**` matches what is inside, not the directory"
        );
        let middle = ignore("a/**/z\n");
        assert!(middle.is_excluded("a/z"));
        assert!(middle.is_excluded("a/b/c/z"));
        assert!(!middle.is_excluded("b/z"));
    }

    #[test]
    fn leading_double_star_without_slash_is_a_plain_suffix() {
        // docker's shortcut: `**foo` tests the suffix only.
        let m = ignore("**foo\n");
        assert!(m.is_excluded("barfoo"));
        assert!(m.is_excluded("a/foo"));
    }

    #[test]
    fn character_classes_and_escapes() {
        let m = ignore("[abc].txt\n[^x]y\n[0-9]*.bin\nstar\\*\n");
        assert!(m.is_excluded("a.txt"));
        assert!(!m.is_excluded("d.txt"));
        assert!(m.is_excluded("zy"));
        assert!(!m.is_excluded("xy"));
        assert!(m.is_excluded("7up.bin"));
        assert!(m.is_excluded("star*"));
        assert!(!m.is_excluded("stars"));
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        let m = ignore("a.b\n(x)+{y}|$\n");
        assert!(m.is_excluded("a.b"));
        assert!(!m.is_excluded("axb"));
        assert!(m.is_excluded("(x)+{y}|$"));
    }

    #[test]
    fn last_matching_line_wins() {
        let m = ignore("*.md\n!README.md\n");
        assert!(m.is_excluded("CHANGES.md"));
        assert!(!m.is_excluded("README.md"));
        let again = ignore("*.md\n!README.md\nREADME.md\n");
        assert!(again.is_excluded("README.md"));
    }

    #[test]
    fn a_matching_parent_directory_excludes_its_contents() {
        let m = ignore("node_modules\nsecret/\n");
        assert!(m.is_excluded("node_modules"));
        assert!(m.is_excluded("node_modules/a/b/c.js"));
        assert!(m.is_excluded("secret/key"));
        assert!(!m.is_excluded("src/node_modules_not"));
    }

    #[test]
    fn exceptions_reinclude_below_an_excluded_directory() {
        let m = ignore("docs\n!docs/keep.md\n");
        assert!(m.is_excluded("docs/other.md"));
        assert!(!m.is_excluded("docs/keep.md"));
        assert!(m.may_reinclude_under("docs"));
        assert!(!m.may_reinclude_under("src"));
    }

    #[test]
    fn wildcard_exceptions_do_not_open_excluded_directories() {
        // Only an exception that names the directory literally makes docker walk into it.
        let m = ignore("vendor\n!**/keep.txt\n");
        assert!(!m.may_reinclude_under("vendor"));
        assert!(m.has_exceptions());
    }

    #[test]
    fn skipped_patterns_are_not_inherited_like_docker() {
        // docker never evaluates `x` for the directory `x` (it is already excluded by `*`),
        // so after `!x/keep` re-includes the file nothing excludes it again.
        let m = ignore("*\n!x/keep\nx\n");
        assert!(!m.is_excluded("x/keep"));
        assert!(m.is_excluded("x/other"));
    }

    #[test]
    fn keep_forces_a_file_back_in() {
        let mut m = ignore("*\n");
        m.keep("Dockerfile").unwrap();
        m.keep(".dockerignore").unwrap();
        assert!(!m.is_excluded("Dockerfile"));
        assert!(!m.is_excluded(".dockerignore"));
        assert!(m.is_excluded("other"));
    }

    #[test]
    fn bad_patterns_are_reported_with_their_position() {
        let err = DockerIgnore::parse("ok\n  [abc\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "2:3: invalid pattern `[abc`: syntax error in pattern"
        );
        assert!(DockerIgnore::parse("!\n").is_err());
        assert!(DockerIgnore::parse("[]a]\n").is_err());
        assert!(DockerIgnore::parse("trailing\\\n").is_err());
    }

    #[test]
    fn byte_order_mark_and_crlf_are_ignored() {
        let m = ignore("\u{feff}first\r\nsecond\r\n");
        assert!(m.is_excluded("first"));
        assert!(m.is_excluded("second"));
    }

    #[test]
    fn clean_path_follows_go() {
        assert_eq!(clean_path("a//b/./c/.."), "a/b");
        assert_eq!(clean_path("./"), ".");
        assert_eq!(clean_path("../x"), "../x");
        assert_eq!(clean_path("/../x/"), "/x");
        assert_eq!(clean_path("/"), "/");
    }
}
