//! Where a shell-form command is outside all quotes, conservatively.
//!
//! Re-indenting a continuation line changes the white space at the join. That white space is
//! part of the command: outside quotes it only separates words, inside quotes it is data. The
//! shell that runs the command is not known for sure (`SHELL` may name any program, Windows
//! images run `cmd` or PowerShell), so the command is read with the quoting rules of POSIX sh,
//! cmd and PowerShell at once, and a place counts as outside quotes only when all three agree.
//! Anything a reader cannot follow (command substitution inside double quotes, backticks in sh,
//! `$'...'`, comments) makes it give up for the rest of the command.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Posix,
    Cmd,
    PowerShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Plain,
    Single,
    Double,
    /// Lost track: nothing is outside quotes from here on.
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Reader {
    dialect: Dialect,
    state: State,
    /// The previous character escapes the next one.
    escaped: bool,
    /// The next character starts a word (where `#` starts a comment).
    word_start: bool,
    previous: char,
}

impl Reader {
    fn new(dialect: Dialect) -> Reader {
        Reader {
            dialect,
            state: State::Plain,
            escaped: false,
            word_start: true,
            previous: ' ',
        }
    }

    fn is_escape(&self, c: char) -> bool {
        match self.dialect {
            Dialect::Posix => c == '\\',
            Dialect::Cmd => c == '^' && self.state == State::Plain,
            Dialect::PowerShell => c == '`',
        }
    }

    fn read(&mut self, c: char) {
        let previous = std::mem::replace(&mut self.previous, c);
        if self.escaped {
            self.escaped = false;
            self.word_start = false;
            return;
        }
        let single_quotes = self.dialect != Dialect::Cmd;
        self.state = match self.state {
            State::Unknown => State::Unknown,
            _ if self.is_escape(c) && self.state != State::Single => {
                self.escaped = true;
                self.state
            }
            State::Plain => match c {
                '\'' if single_quotes && previous == '$' && self.dialect == Dialect::Posix => {
                    State::Unknown
                }
                '\'' if single_quotes => State::Single,
                '"' => State::Double,
                '`' if self.dialect == Dialect::Posix => State::Unknown,
                '#' if self.word_start && self.dialect != Dialect::Cmd => State::Unknown,
                _ => State::Plain,
            },
            State::Single => match c {
                '\'' => State::Plain,
                _ => State::Single,
            },
            State::Double => match c {
                '"' => State::Plain,
                '`' if self.dialect == Dialect::Posix => State::Unknown,
                '(' if previous == '$' && self.dialect != Dialect::Cmd => State::Unknown,
                _ => State::Double,
            },
        };
        self.word_start = c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')');
    }

    fn outside_quotes(&self) -> bool {
        self.state == State::Plain && !self.escaped
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
    fn gives_up_where_quoting_nests_or_a_comment_starts() {
        assert!(!outside_after("echo \"$(date \"+%s\") \" x "));
        assert!(!outside_after("echo `date` "));
        assert!(!outside_after("echo $'a\\'b' "));
        assert!(!outside_after("true # don't "));
        assert!(outside_after("echo a#b "));
    }
}
