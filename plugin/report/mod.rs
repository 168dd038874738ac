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
}

impl FileReport {
    pub fn new(path: String, source: String, diagnostics: Vec<Diagnostic>) -> FileReport {
        let lines = LineIndex::new(&source);
        FileReport {
            path,
            source,
            lines,
            diagnostics,
        }
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
