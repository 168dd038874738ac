//! Lint reports in every output format. Each format is a module with a `write` function.

mod checkstyle;
mod concise;
mod github;
mod gitlab;
mod json;
mod sarif;
mod snippet;
mod tty;

use std::io::{self, Write};

use rbuild_lints::diagnostic::{Diagnostic, Severity};
use rbuild_lints::syntax::{LineIndex, Position, Span};

/// The findings of one linted file, with its text so that reports can quote it.
pub struct FileReport {
    /// The path as the user named it (or the `--stdin-filename`).
    pub path: String,
    pub source: String,
    pub lines: LineIndex,
    pub diagnostics: Vec<Diagnostic>,
    /// This file's part of the report, rendered ahead by [`FileReport::render_ahead`].
    rendered: Option<(Format, Vec<u8>)>,
}

impl FileReport {
    pub fn new(path: String, source: String, diagnostics: Vec<Diagnostic>) -> FileReport {
        let lines = LineIndex::new(&source);
        FileReport::with_lines(path, source, lines, diagnostics)
    }

    /// A report on text whose line index is at hand (the parser made one).
    pub fn with_lines(
        path: String,
        source: String,
        lines: LineIndex,
        diagnostics: Vec<Diagnostic>,
    ) -> FileReport {
        FileReport {
            path,
            source,
            lines,
            diagnostics,
            rendered: None,
        }
    }

    /// Renders this file's part of a `format` report now (on the thread that linted it, while
    /// its data is at hand), for formats written file by file. The findings must not change
    /// afterwards, and the report is written in `format` only: the text and its line index are
    /// let go, which on a large tree keeps a few megabytes of memory from being touched.
    pub fn render_ahead(&mut self, format: Format) {
        let render = match format {
            Format::Json => json::render_file,
            Format::Concise => concise::render_file,
            _ => return,
        };
        self.rendered = Some((format, render(self)));
        self.source = String::new();
        self.lines = LineIndex::default();
    }

    /// 1-based line and column of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.source, offset)
    }

    /// Start and end positions of a span.
    pub fn range(&self, span: Span) -> (Position, Position) {
        (self.position(span.start), self.position(span.end))
    }
}

/// A JSON array of the items of an iterator, serialized as they come (once): memory stays that
/// of one item, whatever their number.
pub struct Streamed<I>(std::cell::Cell<Option<I>>);

impl<I> Streamed<I> {
    pub fn new(items: I) -> Streamed<I> {
        Streamed(std::cell::Cell::new(Some(items)))
    }
}

impl<T: serde::Serialize, I: Iterator<Item = T>> serde::Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.take().into_iter().flatten())
    }
}

/// Renders each file's part of a report on the thread pool, a batch of files at a time, and
/// hands the parts to `write` in order: the output is that of rendering them one after the
/// other, and memory holds one batch's parts, however many files there are.
fn for_each_rendered(
    format: Format,
    reports: &[FileReport],
    render: impl Fn(&FileReport) -> Vec<u8> + Sync,
    mut write: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    use rayon::prelude::*;
    const BATCH: usize = 256;
    for batch in reports.chunks(BATCH) {
        let parts: Vec<std::borrow::Cow<[u8]>> = batch
            .par_iter()
            .map(|report| match &report.rendered {
                Some((rendered_as, part)) => {
                    debug_assert_eq!(*rendered_as, format, "rendered ahead in another format");
                    part.into()
                }
                None => render(report).into(),
            })
            .collect();
        for part in &parts {
            write(part)?;
        }
    }
    Ok(())
}

/// The output formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with the source snippet, like rustc (colours on a terminal)
    Tty,
    /// One line per finding: `path:line:col: severity[CODE] message`
    Concise,
    /// A JSON array of findings with exact spans
    Json,
    /// SARIF 2.1.0, for code-scanning tools
    Sarif,
    /// Checkstyle XML, for CI servers
    Checkstyle,
    /// GitLab Code Quality JSON
    Gitlab,
    /// GitHub Actions workflow commands (annotations)
    Github,
}

/// Writes the reports in `format`; `color` applies to `tty` only.
pub fn write(
    format: Format,
    reports: &[FileReport],
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    match format {
        Format::Tty => tty::write(reports, out, color),
        Format::Concise => concise::write(reports, out),
        Format::Json => json::write(reports, out),
        Format::Sarif => sarif::write(reports, out),
        Format::Checkstyle => checkstyle::write(reports, out),
        Format::Gitlab => gitlab::write(reports, out),
        Format::Github => github::write(reports, out),
    }
}

/// "Found 3 problems (1 error, 2 warnings)." or "No problems found."
pub fn summary(reports: &[FileReport]) -> String {
    let diagnostics: Vec<&Diagnostic> = reports.iter().flat_map(|r| &r.diagnostics).collect();
    if diagnostics.is_empty() {
        let files = reports.len();
        return format!("No problems found in {files} file{}.", plural(files));
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|severity| {
            let count = diagnostics
                .iter()
                .filter(|d| d.severity == *severity)
                .count();
            (count > 0).then(|| format!("{count} {severity}{}", if count == 1 { "" } else { "s" }))
        })
        .collect();
    let total = diagnostics.len();
    format!(
        "Found {total} problem{} ({}).",
        plural(total),
        counts.join(", ")
    )
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
