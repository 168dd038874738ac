//! The parsed Dockerfile: instructions with spans, stages, ARG scopes.

use super::span::{LineIndex, Position, Span};
use std::ops::Range;

/// A parsed Dockerfile. All spans index into `source`.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The full source text (a leading UTF-8 BOM is kept, so spans are file byte offsets).
    pub source: String,
    /// Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of the file.
    pub directives: Vec<Directive>,
    /// The escape character in force (`\` unless `# escape=` says otherwise).
    pub escape: char,
    /// Top-level instructions in file order (an ONBUILD trigger lives inside its ONBUILD).
    pub instructions: Vec<Instruction>,
    /// Build stages, one per FROM.
    pub stages: Vec<Stage>,
    /// ARGs declared before the first FROM (usable in FROM lines, and in stages that redeclare them).
    pub global_args: Vec<ArgDecl>,
    /// Comment lines (`#` to the end of the line), directives excluded, continuation-line
    /// comments included, in file order.
    pub comments: Vec<Span>,
    /// Non-fatal findings of the parser itself (empty continuation lines).
    pub warnings: Vec<ParseWarning>,
    /// Byte offset -> line/column.
    pub lines: LineIndex,
}

impl Dockerfile {
    /// 1-based line and column of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.source, offset)
    }

    /// The source text a span covers.
    pub fn text(&self, span: Span) -> &str {
        self.source.get(span.range()).unwrap_or("")
    }

    /// The directive with this (lower-case) name.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// The stage an instruction (by index into `instructions`) belongs to.
    pub fn stage_of(&self, instruction: usize) -> Option<&Stage> {
        // Stages are in file order with ascending instruction ranges: a binary search keeps
        // rules that ask for every instruction linear-logarithmic.
        let index = self
            .stages
            .partition_point(|s| s.instructions.end <= instruction);
        self.stages
            .get(index)
            .filter(|s| s.instructions.contains(&instruction))
    }

    /// The stage named `name` (case-insensitive, as the reference matches stage names).
    pub fn stage_named(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.value.eq_ignore_ascii_case(name))
        })
    }
}

/// A parser directive line such as `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-case name: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    /// The whole directive line.
    pub span: Span,
    pub value_span: Span,
}

/// Something the parser accepts but reports, like the reference's warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    pub kind: WarningKind,
    pub message: String,
    /// The instruction the warning is about.
    pub span: Span,
    /// The offending places (for empty continuation lines: each empty line).
    pub locations: Vec<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// An empty line inside a continued instruction; the reference says it will become an error.
    EmptyContinuationLine,
}

/// The instructions the reference knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// Upper-case name as written in Dockerfiles.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }

    /// Case-insensitive lookup.
    pub fn parse(word: &str) -> Option<Keyword> {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
    }

    /// Instructions whose arguments may open heredocs.
    pub fn accepts_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// One instruction, with its continuation lines and heredoc bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword, whatever case the file uses (`Keyword::as_str` spells it in upper case).
    pub kind: Keyword,
    /// The whole instruction: continuation lines and heredoc bodies included.
    pub span: Span,
    pub keyword_span: Span,
    /// Leading `--name[=value]` flags.
    pub flags: Vec<Flag>,
    pub args: Arguments,
    /// Heredocs opened on this instruction's line (for ONBUILD: by its trigger), in order.
    pub heredocs: Vec<Heredoc>,
    /// The logical line: continuations joined, comment and empty lines inside removed.
    pub line_text: String,
    /// Where the pieces of a continued logical line come from: (offset in the joined line,
    /// offset in the source) at the start of each piece, in order; empty when the line is not
    /// continued. What maps a shell-form command's bytes back to the source ([`SourceMap`]).
    ///
    /// [`SourceMap`]: super::SourceMap
    pub line_pieces: Vec<(usize, usize)>,
    /// 1-based first and last source line (the reference's StartLine/EndLine).
    pub start_line: usize,
    pub end_line: usize,
}

/// A leading `--name[=value]` word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Name without the leading `--`.
    pub name: String,
    /// After `=`, quotes and escapes removed; `None` for a bare `--name`.
    pub value: Option<String>,
    /// The whole flag word.
    pub span: Span,
}

impl Flag {
    /// The flag as the reference prints it: `--name=value` or `--name`.
    pub fn text(&self) -> String {
        match &self.value {
            Some(v) => format!("--{}={}", self.name, v),
            None => format!("--{}", self.name),
        }
    }
}

/// A word of an instruction with its place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// For exec-form elements, the decoded JSON string; otherwise the raw text
    /// (quotes and escapes kept; continuation breaks removed).
    pub value: String,
    pub span: Span,
}

/// `key=value` (or legacy `key value`) of ENV and LABEL; values are raw, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Word,
    pub value: Word,
    /// `KEY value` rather than `KEY=value`.
    pub legacy: bool,
}

/// The arguments after the flags, shaped as the reference shapes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arguments {
    /// Nothing after the keyword and flags.
    None,
    /// A JSON array of strings (exec form): RUN, CMD, ENTRYPOINT, SHELL, ADD, COPY, VOLUME.
    Exec(Vec<Word>),
    /// Shell form of RUN, CMD, ENTRYPOINT, SHELL: the rest of the line as one string.
    Shell(Word),
    /// Whitespace-separated words: FROM, EXPOSE, ARG, and non-JSON ADD, COPY, VOLUME.
    Words(Vec<Word>),
    /// One string: MAINTAINER, USER, WORKDIR, STOPSIGNAL.
    Text(Word),
    /// ENV and LABEL pairs.
    KeyValues(Vec<KeyValue>),
    /// HEALTHCHECK `NONE` or `CMD ...` (the type word, then the command).
    Healthcheck { kind: Word, command: Box<Arguments> },
    /// ONBUILD's trigger instruction.
    Onbuild(Box<Instruction>),
}

/// A here-document opened by `<<NAME` on a RUN, COPY or ADD line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter with quotes removed.
    pub name: String,
    /// `3<<EOF` -> 3; 0 when absent.
    pub file_descriptor: u32,
    /// False when any part of the delimiter was quoted: the body is not expanded.
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from the body lines (see `chomped_content`).
    pub chomp: bool,
    /// The body exactly as written, each line with its newline.
    pub content: String,
    /// The `<<NAME` word on the instruction line.
    pub word_span: Span,
    /// The body lines (empty span at the body start when there are none).
    pub body_span: Span,
    /// The terminator line.
    pub terminator_span: Span,
}

impl Heredoc {
    /// The body as it is used: with `<<-`, leading tabs removed from every line.
    pub fn chomped_content(&self) -> String {
        if !self.chomp {
            return self.content.clone();
        }
        self.content
            .split_inclusive('\n')
            .map(|line| line.trim_start_matches('\t'))
            .collect()
    }
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// 0-based position among the stages.
    pub index: usize,
    /// `AS name`, as written.
    pub name: Option<Word>,
    /// The base image text (may reference ARGs or an earlier stage).
    pub base: Word,
    /// `--platform` value.
    pub platform: Option<String>,
    /// Index of the FROM in `Dockerfile::instructions`.
    pub from: usize,
    /// Indexes of the stage's instructions, the FROM included.
    pub instructions: Range<usize>,
    /// ARGs declared inside the stage, in order.
    pub args: Vec<ArgDecl>,
}

/// One `name[=default]` of an ARG instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: String,
    /// Raw default value (quotes kept), if any.
    pub default: Option<String>,
    /// Index of the ARG in `Dockerfile::instructions`.
    pub instruction: usize,
    pub span: Span,
}

/// Typed view of a FROM instruction.
#[derive(Debug, Clone, Copy)]
pub struct FromView<'a> {
    pub image: &'a Word,
    pub platform: Option<&'a Flag>,
    pub name: Option<&'a Word>,
}

/// Typed view of a HEALTHCHECK instruction.
#[derive(Debug, Clone, Copy)]
pub struct HealthcheckView<'a> {
    /// `NONE`, `CMD` or whatever word comes first.
    pub kind: &'a Word,
    pub command: &'a Arguments,
}

impl Instruction {
    /// The flag named `name` (the last one when repeated, as the reference keeps the last).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// All flags named `name` (for repeatable flags such as `--mount`).
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }

    pub fn is_exec_form(&self) -> bool {
        match &self.args {
            Arguments::Exec(_) => true,
            Arguments::Healthcheck { command, .. } => matches!(**command, Arguments::Exec(_)),
            _ => false,
        }
    }

    /// The argument words of a word-list instruction (exec elements or split words).
    pub fn words(&self) -> &[Word] {
        match &self.args {
            Arguments::Exec(w) | Arguments::Words(w) => w,
            _ => &[],
        }
    }

    /// FROM: image, `--platform`, `AS name`.
    pub fn from(&self) -> Option<FromView<'_>> {
        if self.kind != Keyword::From {
            return None;
        }
        let words = self.words();
        let image = words.first()?;
        let name = match words {
            [_, as_kw, name] if as_kw.value.eq_ignore_ascii_case("as") => Some(name),
            _ => None,
        };
        Some(FromView {
            image,
            platform: self.flag("platform"),
            name,
        })
    }

    /// ENV and LABEL pairs.
    pub fn key_values(&self) -> &[KeyValue] {
        match &self.args {
            Arguments::KeyValues(kv) => kv,
            _ => &[],
        }
    }

    /// ARG declarations (`name` or `name=default`); `instruction` is this ARG's index.
    pub fn arg_decls(&self, instruction: usize) -> Vec<ArgDecl> {
        if self.kind != Keyword::Arg {
            return Vec::new();
        }
        self.words()
            .iter()
            .map(|w| {
                let (name, default) = match w.value.split_once('=') {
                    Some((n, d)) => (n.to_string(), Some(d.to_string())),
                    None => (w.value.clone(), None),
                };
                ArgDecl {
                    name,
                    default,
                    instruction,
                    span: w.span,
                }
            })
            .collect()
    }

    /// COPY/ADD: the sources (heredoc words included) and the destination.
    pub fn sources_and_destination(&self) -> Option<(&[Word], &Word)> {
        if !matches!(self.kind, Keyword::Copy | Keyword::Add) {
            return None;
        }
        let (dest, sources) = self.words().split_last()?;
        Some((sources, dest))
    }

    /// ONBUILD's trigger instruction.
    pub fn onbuild_trigger(&self) -> Option<&Instruction> {
        match &self.args {
            Arguments::Onbuild(inner) => Some(inner),
            _ => None,
        }
    }

    /// HEALTHCHECK's type word and command.
    pub fn healthcheck(&self) -> Option<HealthcheckView<'_>> {
        match &self.args {
            Arguments::Healthcheck { kind, command } => Some(HealthcheckView { kind, command }),
            _ => None,
        }
    }

    /// The shell-form command string of RUN/CMD/ENTRYPOINT/SHELL (or a HEALTHCHECK CMD).
    pub fn shell_command(&self) -> Option<&Word> {
        match &self.args {
            Arguments::Shell(w) => Some(w),
            Arguments::Healthcheck { command, .. } => match &**command {
                Arguments::Shell(w) => Some(w),
                _ => None,
            },
            _ => None,
        }
    }

    /// Span of the arguments after keyword and flags (empty span after the keyword when there are none).
    pub fn args_span(&self) -> Span {
        let start = self
            .flags
            .last()
            .map_or(self.keyword_span.end, |f| f.span.end);
        match arguments_span(&self.args) {
            Some(s) => s,
            None => Span::new(start, start),
        }
    }
}

fn arguments_span(args: &Arguments) -> Option<Span> {
    match args {
        Arguments::None => None,
        Arguments::Exec(w) | Arguments::Words(w) => Some(w.first()?.span.join(w.last()?.span)),
        Arguments::Shell(w) | Arguments::Text(w) => Some(w.span),
        Arguments::KeyValues(kv) => Some(kv.first()?.key.span.join(kv.last()?.value.span)),
        Arguments::Healthcheck { kind, command } => {
            Some(arguments_span(command).map_or(kind.span, |c| kind.span.join(c)))
        }
        Arguments::Onbuild(inner) => Some(inner.span),
    }
}
