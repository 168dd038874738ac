//! Where a shell-form command is outside all quotes, conservatively.
//!
//! Re-indenting a continuation line changes the white space at the join. That white space is
//! part of the command: outside quotes it only separates words, inside quotes it is data. The
//! shell that runs the command is not known for sure (`SHELL` may name any program, Windows
//! images run `cmd` or PowerShell), so the command is read with the quoting rules of POSIX sh,
//! cmd and PowerShell at once, and a place counts as outside quotes only when all three agree.
//! Command substitutions (`"$(cmd 'x')"`) nest; anything a reader cannot follow (backticks in
//! sh, `$'...'`, quotes inside `${...}`, `case` inside a substitution, comments) makes it give
//! up for the rest of the command.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Posix,
    Cmd,
    PowerShell,
}

/// What the reader is inside of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Single,
    Double,
    /// `$(...)`, with the depth of plain parentheses inside.
    Substitution(u32),
    /// `${...}`.
    Braces,
}

#[derive(Debug, Clone)]
struct Reader {
    dialect: Dialect,
    /// Innermost last; empty at the top level, outside quotes.
    stack: Vec<Context>,
    /// Lost track: nothing is outside quotes from here on.
    lost: bool,
    /// The previous character escapes the next one.
    escaped: bool,
    /// The unquoted word read so far (to see `case` and where `#` starts a comment).
    word: String,
    previous: char,
}

impl Reader {
    fn new(dialect: Dialect) -> Reader {
        Reader {
            dialect,
            stack: Vec::new(),
            lost: false,
            escaped: false,
            word: String::new(),
            previous: ' ',
        }
    }

    fn is_escape(&self, c: char, top: Option<Context>) -> bool {
        match self.dialect {
            Dialect::Posix => c == '\\' && top != Some(Context::Single),
            Dialect::Cmd => c == '^' && top.is_none(),
            Dialect::PowerShell => c == '`' && top != Some(Context::Single),
        }
    }

    fn read(&mut self, c: char) {
        let previous = std::mem::replace(&mut self.previous, c);
        if self.lost {
            return;
        }
        if self.escaped {
            self.escaped = false;
            self.word.push(c);
            return;
        }
        let top = self.stack.last().copied();
        if self.is_escape(c, top) {
            self.escaped = true;
            return;
        }
        let posix = self.dialect == Dialect::Posix;
        let nests = self.dialect != Dialect::Cmd;
        let opens_substitution = nests && previous == '$' && c == '(';
        let opens_braces = nests && previous == '$' && c == '{';
        match top {
            Some(Context::Single) => {
                if c == '\'' {
                    self.stack.pop();
                }
            }
            Some(Context::Double) => match c {
                '"' => {
                    self.stack.pop();
                }
                '`' if posix => self.lost = true,
                _ if opens_substitution => {
                    self.word.clear();
                    self.stack.push(Context::Substitution(0));
                }
                _ if opens_braces => self.stack.push(Context::Braces),
                _ => {}
            },
            Some(Context::Braces) => match c {
                '}' => {
                    self.stack.pop();
                }
                '\'' | '"' | '`' | '(' | '{' => self.lost = true,
                _ => {}
            },
            None | Some(Context::Substitution(_)) => self.read_unquoted(c, previous),
        }
    }

    /// A character outside quotes (at the top level or inside `$(...)`).
    fn read_unquoted(&mut self, c: char, previous: char) {
        let nests = self.dialect != Dialect::Cmd;
        let separator = c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')');
        let in_substitution = self
            .stack
            .iter()
            .any(|c| matches!(c, Context::Substitution(_)));
        if separator {
            if in_substitution && self.word == "case" {
                self.lost = true;
                return;
            }
            self.word.clear();
        }
        match c {
            '\'' if self.dialect == Dialect::Posix && previous == '$' => self.lost = true,
            '\'' if self.dialect != Dialect::Cmd => self.stack.push(Context::Single),
            '"' => self.stack.push(Context::Double),
            '`' if self.dialect == Dialect::Posix => self.lost = true,
            '#' if self.word.is_empty() && self.dialect != Dialect::Cmd => self.lost = true,
            '(' if nests && previous == '$' => {
                self.word.clear();
                self.stack.push(Context::Substitution(0));
            }
            '{' if nests && previous == '$' => self.stack.push(Context::Braces),
            '(' => {
                if let Some(Context::Substitution(depth)) = self.stack.last_mut() {
                    *depth += 1;
                }
            }
            ')' => match self.stack.last_mut() {
                Some(Context::Substitution(0)) => {
                    self.stack.pop();
                }
                Some(Context::Substitution(depth)) => *depth -= 1,
                _ => {}
            },
            _ if !separator => self.word.push(c),
            _ => {}
        }
    }

    fn outside_quotes(&self) -> bool {
        !self.lost && !self.escaped && self.stack.is_empty()
    }
}

/// Reads a shell-form command piece by piece and tells whether the place reached is outside
/// quotes and escapes for every shell it might run in.
#[derive(Debug, Clone)]
pub(super) struct QuoteScanner {
    readers: [Reader; 3],
}

impl QuoteScanner {
    pub(super) fn new() -> QuoteScanner {
        QuoteScanner {
            readers: [
                Reader::new(Dialect::Posix),
                Reader::new(Dialect::Cmd),
                Reader::new(Dialect::PowerShell),
            ],
        }
    }

    pub(super) fn read(&mut self, text: &str) {
        for c in text.chars() {
            for reader in &mut self.readers {
                reader.read(c);
            }
        }
    }

    pub(super) fn outside_quotes(&self) -> bool {
        self.readers.iter().all(Reader::outside_quotes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outside_after(text: &str) -> bool {
        let mut scanner = QuoteScanner::new();
        scanner.read(text);
        scanner.outside_quotes()
    }

    #[test]
    fn quotes_and_escapes() {
        assert!(outside_after("apt-get install -y curl "));
        assert!(outside_after("sed -i 's/a/b/' file && "));
        assert!(outside_after("echo \"it's\" && "));
        assert!(!outside_after("echo \"hello "));
        assert!(!outside_after("echo 'hello "));
        assert!(!outside_after("echo a\\"));
        // cmd reads `'` literally, so the double quote is open for it.
        assert!(!outside_after("echo 'a \"b' && "));
        // PowerShell's escape is the backtick.
        assert!(!outside_after("Write-Host `"));
    }

    #[test]
    fn command_substitutions_nest() {
        assert!(outside_after(
            "arch=\"$(rpm --query --queryformat='%{ARCH}' rpm)\"; "
        ));
        assert!(outside_after("x=\"$(echo \"$(date \"+%s\")\")\" "));
        assert!(outside_after("n=\"$((1 + (2 * 3)))\" "));
        assert!(!outside_after("x=\"$(echo \"a "));
        assert!(outside_after("echo \"${HOME}\" ${PATH} "));
    }

    #[test]
    fn gives_up_where_reading_is_unsure() {
        assert!(!outside_after("echo `date` "));
        assert!(!outside_after("echo $'a\\'b' "));
        assert!(!outside_after("true # don't "));
        assert!(!outside_after("x=\"${a:-\"b c\"}\" "));
        assert!(!outside_after("x=\"$(case $a in b) echo ;; esac)\" "));
        assert!(outside_after("echo a#b "));
    }
}
