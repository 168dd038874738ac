//! A light reading of shell scripts (shell-form RUN and RUN heredocs): the simple commands
//! they run, with their words unquoted, and where each command stands in the source.
//!
//! This is not a shell parser: it splits on the control operators (`&&`, `||`, `;`, `|`, `&`,
//! newlines, parentheses and braces) outside quotes, which is what rules about package managers
//! and installers need.

use std::borrow::Cow;

use crate::syntax::{Instruction, Keyword, SourceMap, Span, Word};

/// One simple command: `apt-get install -y curl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    /// The words with quotes and escapes removed; variables are left as written. A word
    /// written without quotes or escapes (most are) borrows the script's text.
    pub words: Vec<Cow<'a, str>>,
    /// Where the command stands in the Dockerfile source.
    pub span: Span,
    /// Where the program name starts in the first word (after its directory): every rule asks
    /// for the program of every command, often against a table of names, so it is found once.
    program_start: usize,
    /// [`name_head`] of the program name: most of those questions are answered "no" by
    /// comparing it, without comparing the names.
    program_head: (usize, u8),
    /// The command as written has an `=`: only then can one of its words (or an assignment
    /// before it) set something, which several rules look for in every word of every command.
    has_equals_sign: bool,
}

/// A name's length and first byte (0 for an empty name): two names with different heads
/// differ. Two loads, where a key built from more of the name costs a loop at every question.
#[inline]
fn name_head(name: &str) -> (usize, u8) {
    (name.len(), name.as_bytes().first().copied().unwrap_or(0))
}

impl<'a> Command<'a> {
    fn new(words: Vec<Cow<'a, str>>, span: Span, has_equals_sign: bool) -> Command<'a> {
        let program_start = words
            .first()
            .and_then(|first| first.bytes().rposition(|b| b == b'/'))
            .map_or(0, |slash| slash + 1);
        let program_head = name_head(words.first().map_or("", |first| &first[program_start..]));
        Command {
            words,
            span,
            program_start,
            program_head,
            has_equals_sign,
        }
    }

    /// Whether the command as written (with the assignments before it, which [`Command::words`]
    /// leaves out) has an `=`: when not, none of its words sets anything.
    pub fn has_equals_sign(&self) -> bool {
        self.has_equals_sign
    }

    /// The program name without its directory (`/usr/bin/apt-get` -> `apt-get`).
    pub fn program(&self) -> &str {
        self.words
            .first()
            .map_or("", |first| &first[self.program_start..])
    }

    /// The words after the program that are not options (`-y`, `--no-cache`).
    pub fn operands(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .skip(1)
            .map(|w| &**w)
            .filter(|w| !w.starts_with('-'))
    }

    /// True when the program is `program` and its first operand is one of `subcommands`, or an
    /// alias the program documents for one of them (`dnf in` for `dnf install`).
    #[inline]
    pub fn is(&self, program: &str, subcommands: &[&str]) -> bool {
        self.program_head == name_head(program) && self.is_named(program, subcommands)
    }

    /// [`Command::is`] once the program heads are equal (kept out of line: `is` is inlined into
    /// every rule's loops over tables of names, where most heads differ).
    fn is_named(&self, program: &str, subcommands: &[&str]) -> bool {
        self.program() == program
            && (subcommands.is_empty()
                || self.operands().next().is_some_and(|sub| {
                    subcommands.contains(&sub)
                        || subcommands.contains(&canonical_subcommand(program, sub))
                }))
    }

    pub fn has_word(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }
}

/// Subcommand aliases, from each tool's own documentation: (programs, alias, subcommand).
const SUBCOMMAND_ALIASES: &[(&[&str], &str, &str)] = &[
    // dnf(8) and dnf5: `in`, `rm`, `up`, `mc`; yum is dnf on the distributions that have it.
    (&["dnf", "yum"], "in", "install"),
    (&["dnf", "yum"], "rm", "remove"),
    (&["dnf", "yum"], "up", "upgrade"),
    (&["dnf", "yum"], "mc", "makecache"),
    // zypper(8): the short forms of its commands.
    (&["zypper"], "in", "install"),
    (&["zypper"], "rm", "remove"),
    (&["zypper"], "up", "update"),
    (&["zypper"], "dup", "dist-upgrade"),
    (&["zypper"], "ref", "refresh"),
    (&["zypper"], "cc", "clean"),
    // npm install's documented aliases.
    (&["npm"], "add", "install"),
    (&["npm"], "i", "install"),
    (&["npm"], "in", "install"),
    (&["npm"], "ins", "install"),
    (&["npm"], "inst", "install"),
    (&["npm"], "insta", "install"),
    (&["npm"], "instal", "install"),
    (&["npm"], "isnt", "install"),
    (&["npm"], "isnta", "install"),
    (&["npm"], "isntal", "install"),
    (&["npm"], "isntall", "install"),
    (&["npm"], "clean-install", "ci"),
    (&["npm"], "ic", "ci"),
    (&["npm"], "install-clean", "ci"),
    (&["npm"], "isntall-clean", "ci"),
    // pnpm and RubyGems.
    (&["pnpm"], "i", "install"),
    (&["gem"], "i", "install"),
];

/// The subcommand `alias` stands for in `program`, or `alias` itself.
pub fn canonical_subcommand<'a>(program: &str, alias: &'a str) -> &'a str {
    SUBCOMMAND_ALIASES
        .iter()
        .find(|(programs, a, _)| *a == alias && programs.contains(&program))
        .map_or(alias, |(_, _, subcommand)| subcommand)
}

/// The commands a RUN instruction runs: its shell-form script and its heredoc bodies.
/// Exec-form RUN gives one command made of its elements.
pub fn run_commands(instruction: &Instruction) -> Vec<Command<'_>> {
    if instruction.kind != Keyword::Run {
        return Vec::new();
    }
    let mut commands = Vec::new();
    if let Some(script) = instruction.shell_command() {
        commands.extend(split_word(instruction, script));
    } else if instruction.is_exec_form() {
        let words = instruction.words();
        if let (Some(first), Some(last)) = (words.first(), words.last()) {
            commands.push(Command::new(
                words
                    .iter()
                    .map(|w| Cow::Borrowed(w.value.as_str()))
                    .collect(),
                first.span.join(last.span),
                words.iter().any(|w| w.value.contains('=')),
            ));
        }
    }
    for heredoc in &instruction.heredocs {
        commands.extend(split(&heredoc.content, |offset| {
            heredoc.body_span.start + offset
        }));
    }
    commands
}

/// Splits a shell-form word of `instruction`, mapping offsets in its value back to the source.
fn split_word<'a>(instruction: &Instruction, word: &'a Word) -> Vec<Command<'a>> {
    if instruction.line_pieces.is_empty() {
        return split(&word.value, |offset| word.span.start + offset);
    }
    let map = SourceMap::of_word(instruction, word);
    split(&word.value, |offset| map.offset(offset))
}

/// Room for a command's words at once: most commands have fewer, and growing a vector of
/// them from nothing reallocates it twice on the way to eight.
const WORDS_PER_COMMAND: usize = 8;

/// Room for a script's commands at once: a shell-form RUN of the shared corpus runs twelve on
/// average.
const COMMANDS_PER_SCRIPT: usize = 16;

/// Splits `script` into simple commands; `to_source` maps an offset in `script` to the source.
pub fn split<'s>(script: &'s str, to_source: impl Fn(usize) -> usize) -> Vec<Command<'s>> {
    let bytes = script.as_bytes();
    let mut commands = Vec::with_capacity(COMMANDS_PER_SCRIPT);
    let mut words: Vec<Cow<'s, str>> = Vec::with_capacity(WORDS_PER_COMMAND);
    let mut word = WordText::default();
    let mut in_word = false;
    let mut command_start = None;
    let mut command_end = 0;
    let mut i = 0;

    let finish_word = |words: &mut Vec<Cow<'s, str>>, word: &mut WordText, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word).into_text(script));
            *in_word = false;
        }
    };
    // A command is made as soon as it ends (no list of raw commands kept for a second pass).
    let mut finish_command = |words: Vec<Cow<'s, str>>, range: std::ops::Range<usize>| {
        if let Some(command) = command(bytes, words, range, &to_source) {
            commands.push(command);
        }
    };

    while i < bytes.len() {
        let b = bytes[i];
        match b {
            // A line continuation joins the lines: it neither ends nor starts a word.
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 2;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                finish_word(&mut words, &mut word, &mut in_word);
                i += 1;
                continue;
            }
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'{' | b'}'
                if is_operator(bytes, i, in_word) =>
            {
                finish_word(&mut words, &mut word, &mut in_word);
                if let Some(start) = command_start.take() {
                    let next = Vec::with_capacity(WORDS_PER_COMMAND);
                    finish_command(std::mem::replace(&mut words, next), start..command_end);
                }
                words.clear();
                i += 1;
                continue;
            }
            b'#' if !in_word => {
                // A comment runs to the end of the line.
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |at| i + at);
                continue;
            }
            _ => {}
        }
        command_start.get_or_insert(i);
        in_word = true;
        match b {
            b'\'' => {
                let end = memchr::memchr(b'\'', &bytes[i + 1..]).map_or(bytes.len(), |e| i + 1 + e);
                word.push(script, i + 1..end);
                i = (end + 1).min(bytes.len());
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() && b"\"\\$`".contains(&bytes[i + 1])
                    {
                        i += 1;
                    }
                    // The escaped character, then the plain run after it, in one push.
                    let from = (i + utf8_len(bytes[i])).min(bytes.len());
                    let end = memchr::memchr2(b'"', b'\\', &bytes[from..])
                        .map_or(bytes.len(), |at| from + at);
                    word.push(script, i..end);
                    i = end;
                }
                i = (i + 1).min(bytes.len());
            }
            b'\\' => {
                if i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    let ch_len = utf8_len(bytes[i + 1]);
                    word.push(script, i + 1..(i + 1 + ch_len).min(bytes.len()));
                    i += 1 + ch_len;
                } else {
                    i += 2;
                }
            }
            _ => {
                // This character, then the run of characters that cannot end the word.
                let end = plain_run(bytes, i + utf8_len(b));
                word.push(script, i..end);
                i = end;
            }
        }
        command_end = i.min(bytes.len());
    }
    finish_word(&mut words, &mut word, &mut in_word);
    if let Some(start) = command_start {
        finish_command(words, start..command_end);
    }
    commands
}

/// The command of `words`, read from `range` of the script: leading environment assignments
/// (`DEBIAN_FRONTEND=noninteractive apt-get ...`), reserved words and wrappers that run the
/// rest (`sudo -E`, `env`, `xargs -r`) do not change which program runs; redirections are
/// not arguments. None when nothing is left.
fn command<'s>(
    bytes: &[u8],
    mut words: Vec<Cow<'s, str>>,
    range: std::ops::Range<usize>,
    to_source: &impl Fn(usize) -> usize,
) -> Option<Command<'s>> {
    // Without an `=` in the command's text, none of its words is an assignment.
    let written = &bytes[range.clone()];
    let has_equals_sign = memchr::memchr(b'=', written).is_some();
    let mut skip = 0;
    while let Some(word) = words.get(skip) {
        if (has_equals_sign && is_assignment(word)) || is_shell_keyword(word) {
            skip += 1;
        } else if is_wrapper(word) {
            skip += 1;
            while words.get(skip).is_some_and(|w| w.starts_with('-')) {
                skip += 1;
            }
        } else {
            break;
        }
    }
    if skip < words.len() {
        words.drain(..skip);
    }
    // Every redirection operator has a `<` or a `>`, and a word's bytes come from its
    // command's text: one search of that text spares most commands looking at each word.
    if memchr::memchr2(b'<', b'>', written).is_some() {
        drop_redirections(&mut words);
    }
    if words.is_empty() {
        return None;
    }
    let span = Span::new(to_source(range.start), to_source(range.end));
    Some(Command::new(words, span, has_equals_sign))
}

/// A word being read: the pieces of the script it is made of (quotes and escapes left out).
/// While they follow each other in the script, it is a range of it (no copy).
#[derive(Default)]
enum WordText {
    #[default]
    Empty,
    Range(std::ops::Range<usize>),
    Owned(String),
}

impl WordText {
    fn push(&mut self, script: &str, piece: std::ops::Range<usize>) {
        match self {
            WordText::Empty => *self = WordText::Range(piece),
            WordText::Range(range) if range.end == piece.start => range.end = piece.end,
            WordText::Range(range) => {
                let mut text = String::with_capacity(range.len() + piece.len());
                text.push_str(&script[range.clone()]);
                text.push_str(&script[piece]);
                *self = WordText::Owned(text);
            }
            WordText::Owned(text) => text.push_str(&script[piece]),
        }
    }

    fn into_text(self, script: &str) -> Cow<'_, str> {
        match self {
            WordText::Empty => Cow::Borrowed(""),
            WordText::Range(range) => Cow::Borrowed(&script[range]),
            WordText::Owned(text) => Cow::Owned(text),
        }
    }
}

/// Reserved words that may stand before a command (`then apt-get install ...`).
fn is_shell_keyword(word: &str) -> bool {
    matches!(
        word,
        "do" | "then" | "else" | "elif" | "if" | "while" | "until" | "!"
    )
}

/// Programs that run the command that follows them.
fn is_wrapper(word: &str) -> bool {
    matches!(
        word,
        "sudo" | "env" | "exec" | "time" | "nice" | "nohup" | "command" | "xargs"
    )
}

/// Removes redirections (`> /dev/null`, `2>&1`, `< deps.txt`, `<<EOF`) and their targets:
/// they are not arguments of the program.
fn drop_redirections(words: &mut Vec<Cow<'_, str>>) {
    // In place: the target after a detached operator goes without being looked at.
    let mut target_next = false;
    words.retain(|word| {
        if std::mem::take(&mut target_next) {
            return false;
        }
        let operator = word.trim_start_matches(|c: char| c.is_ascii_digit());
        let is_redirection = [
            "<<<", "<<-", "<<", ">>", "&>>", "&>", ">&", "<&", ">|", "<>", ">", "<",
        ]
        .iter()
        .find(|op| operator.starts_with(*op));
        match is_redirection {
            // The target is the next word unless it is attached (`>/dev/null`, `2>&1`).
            Some(op) => {
                target_next = operator.len() == op.len();
                false
            }
            None => true,
        }
    });
}

/// Whether the byte at `i` ends a command: braces only outside words (`${VAR}` stays a word),
/// and `&`/`|` after a redirection (`2>&1`, `>|`) belong to it.
fn is_operator(bytes: &[u8], i: usize, in_word: bool) -> bool {
    let previous = i.checked_sub(1).map(|p| bytes[p]);
    match bytes[i] {
        // A group `{ ...; }` needs blanks around its braces; `{}` (as in `find -exec`) is a word.
        b'{' | b'}' => {
            let blank =
                |b: Option<&u8>| b.is_none_or(|b| b.is_ascii_whitespace() || b";&|()".contains(b));
            !in_word && blank(bytes.get(i + 1)) && blank(i.checked_sub(1).map(|p| &bytes[p]))
        }
        b'&' | b'|' => !matches!(previous, Some(b'>' | b'<')),
        _ => true,
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit()
    })
}

/// Where the run of bytes from `from` that cannot end an unquoted word ends (at most the end).
/// The stops are ASCII, so the run ends on a character boundary.
fn plain_run(bytes: &[u8], from: usize) -> usize {
    let from = from.min(bytes.len());
    bytes[from..]
        .iter()
        .position(|&b| WORD_STOPS[usize::from(b)])
        .map_or(bytes.len(), |at| from + at)
}

/// The bytes that end an unquoted word's plain run: blanks, operators, quotes and the backslash
/// (a table: one load a byte, where a list costs a comparison per stop).
const WORD_STOPS: [bool; 256] = {
    let mut set = [false; 256];
    let stops = b" \t\r\n;&|()'\"\\";
    let mut i = 0;
    while i < stops.len() {
        set[stops[i] as usize] = true;
        i += 1;
    }
    set
};

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<Cow<'_, str>>> {
        split(script, |o| o).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn splits_on_operators_and_unquotes() {
        assert_eq!(
            words("apt-get update && apt-get install -y 'curl' \"git\"; echo a|wc -l"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl", "git"],
                vec!["echo", "a"],
                vec!["wc", "-l"],
            ]
        );
    }

    #[test]
    fn skips_assignments_wrappers_and_comments() {
        assert_eq!(
            words("DEBIAN_FRONTEND=noninteractive sudo -E apt-get install x # not: this\nnpm ci"),
            vec![vec!["apt-get", "install", "x"], vec!["npm", "ci"]]
        );
        assert_eq!(
            words("xargs -rt apt-get install -y < deps.txt"),
            vec![vec!["apt-get", "install", "-y"]]
        );
        assert_eq!(
            words("for m in $M; do apt-get install $m; done; if true; then npm ci; fi"),
            vec![
                vec!["for", "m", "in", "$M"],
                vec!["apt-get", "install", "$m"],
                vec!["done"],
                vec!["true"],
                vec!["npm", "ci"],
                vec!["fi"],
            ]
        );
    }

    #[test]
    fn spans_cover_the_command() {
        let script = "set -e; pip install -r requirements.txt";
        let commands = split(script, |o| o + 10);
        let span = commands[1].span;
        assert_eq!(
            &script[span.start - 10..span.end - 10],
            "pip install -r requirements.txt"
        );
    }

    #[test]
    fn redirections_continuations_and_find_braces() {
        assert_eq!(
            words("apt-get install -s x > /dev/null 2>&1 && xargs -r apt-get install y <deps"),
            vec![
                vec!["apt-get", "install", "-s", "x"],
                vec!["apt-get", "install", "y"],
            ]
        );
        assert_eq!(
            words("apt-get install \\\n  curl"),
            vec![vec!["apt-get", "install", "curl"]]
        );
        assert_eq!(
            words("find / -name x -exec rm {} \\; ; { echo a; }"),
            vec![
                vec!["find", "/", "-name", "x", "-exec", "rm", "{}", ";"],
                vec!["echo", "a"]
            ]
        );
    }

    /// The source text of each command of the RUN on the file's second line, and the commands.
    fn command_texts(source: &str) -> (Vec<&str>, Vec<Vec<String>>) {
        let dockerfile = crate::syntax::parse(source).unwrap();
        let commands = run_commands(&dockerfile.instructions[1]);
        let texts = commands
            .iter()
            .map(|c| &source[c.span.start..c.span.end])
            .collect();
        let words = commands
            .iter()
            .map(|c| c.words.iter().map(|w| w.to_string()).collect())
            .collect();
        (texts, words)
    }

    #[test]
    fn spans_of_commands_across_continuation_lines() {
        let (texts, words) =
            command_texts("FROM alpine\nRUN apk add \\\n      curl && \\\n    echo 'done'\n");
        assert_eq!(texts, ["apk add \\\n      curl", "echo 'done'"]);
        assert_eq!(words[1], ["echo", "done"]);
    }

    #[test]
    fn a_comment_line_in_a_continuation_never_holds_a_command() {
        let (texts, _) = command_texts("FROM alpine\nRUN echo a &&\\\n#sudo\nsudo ls\n");
        assert_eq!(texts, ["echo a", "sudo ls"]);
    }

    #[test]
    fn program_and_subcommand() {
        let commands = split("/usr/bin/apt-get -q install -y x", |o| o);
        assert!(commands[0].is("apt-get", &["install"]));
        assert!(!commands[0].is("apt-get", &["update"]));
    }
}
