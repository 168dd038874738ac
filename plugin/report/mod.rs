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

use rbuild_lints::diagnostic::{Diagnostic, Safety, Severity};
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
    /// What the run still needs of the findings once they are rendered ahead and let go.
    tally: Option<Tally>,
}

/// What a run needs of a file's findings besides its part of the report: how many there are
/// of each severity, and how many have a fix of each safety.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// By severity, in the order of [`Severity::ALL`].
    by_severity: [usize; Severity::ALL.len()],
    pub safe_fixes: usize,
    pub unsafe_fixes: usize,
}

impl Tally {
    pub fn of(diagnostics: &[Diagnostic]) -> Tally {
        let mut tally = Tally::default();
        for diagnostic in diagnostics {
            tally.by_severity[diagnostic.severity as usize] += 1;
            match diagnostic.fix.as_ref().map(|fix| fix.safety) {
                Some(Safety::Safe) => tally.safe_fixes += 1,
                Some(Safety::Unsafe) => tally.unsafe_fixes += 1,
                None => {}
            }
        }
        tally
    }

    pub fn total(&self) -> usize {
        self.by_severity.iter().sum()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.by_severity[severity as usize]
    }

    /// Whether a finding is at least as serious as `threshold`.
    pub fn any_at_least(&self, threshold: Severity) -> bool {
        Severity::ALL
            .iter()
            .any(|severity| severity.at_least(threshold) && self.count(*severity) > 0)
    }

    fn add(mut self, other: Tally) -> Tally {
        for (sum, count) in self.by_severity.iter_mut().zip(other.by_severity) {
            *sum += count;
        }
        self.safe_fixes += other.safe_fixes;
        self.unsafe_fixes += other.unsafe_fixes;
        self
    }

    /// The tally of several files.
    pub fn sum<'a>(reports: impl IntoIterator<Item = &'a FileReport>) -> Tally {
        reports
            .into_iter()
            .map(FileReport::tally)
            .fold(Tally::default(), Tally::add)
    }
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
            tally: None,
        }
    }

    /// Adds findings of a later step (ShellCheck, the daemon), kept in source order.
    pub fn add(&mut self, diagnostics: Vec<Diagnostic>) {
        self.diagnostics.extend(diagnostics);
        self.diagnostics
            .sort_by_key(|d| (d.span.start, d.rule.code));
    }

    /// Renders this file's part of a `format` report now (on the thread that linted it, while
    /// its data is at hand), for formats written file by file. The report is then written in
    /// `format` only, and its findings are known by their [`Tally`]: the text, its line index
    /// and the findings are let go, which on a large tree keeps megabytes of memory from being
    /// touched.
    pub fn render_ahead(&mut self, format: Format) {
        let render = match format {
            Format::Json => json::render_findings,
            Format::Concise => concise::render_findings,
            _ => return,
        };
        self.rendered = Some((format, render(self, &self.diagnostics)));
        self.tally = Some(Tally::of(&self.diagnostics));
        self.source = String::new();
        self.lines = LineIndex::default();
        self.diagnostics = Vec::new();
    }

    /// How many findings of each severity and fix safety the file has.
    pub fn tally(&self) -> Tally {
        self.tally.unwrap_or_else(|| Tally::of(&self.diagnostics))
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

/// How many findings of a file make one part of a report written file by file: enough that a
/// part is worth a job on the thread pool (~64 KB of JSON), few enough that a batch of parts is
/// small.
const FINDINGS_PER_PART: usize = 64;

/// A part of a report written file by file: a file's part rendered ahead, or findings of one
/// file to render.
enum Part<'a> {
    Rendered(&'a [u8]),
    Findings(&'a FileReport, &'a [Diagnostic]),
}

/// Renders the parts of a report on the thread pool, a batch at a time, and hands them to
/// `write` in order: the output is that of rendering them one after the other. A file's
/// findings are rendered [`FINDINGS_PER_PART`] at a time, so that memory holds one batch's
/// parts however many files and findings there are (100,000 findings are ~100 MB of JSON).
fn for_each_rendered(
    format: Format,
    reports: &[FileReport],
    render: impl Fn(&FileReport, &[Diagnostic]) -> Vec<u8> + Sync,
    mut write: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    use rayon::prelude::*;
    const BATCH: usize = 256;
    let parts: Vec<Part> = reports
        .iter()
        .flat_map(|report| {
            let rendered = report.rendered.as_ref().map(|(rendered_as, part)| {
                debug_assert_eq!(*rendered_as, format, "rendered ahead in another format");
                Part::Rendered(part)
            });
            let findings = report.diagnostics.chunks(FINDINGS_PER_PART);
            rendered
                .into_iter()
                .chain(findings.map(move |findings| Part::Findings(report, findings)))
        })
        .collect();
    for batch in parts.chunks(BATCH) {
        let parts: Vec<std::borrow::Cow<[u8]>> = batch
            .par_iter()
            .map(|part| match part {
                Part::Rendered(part) => (*part).into(),
                Part::Findings(report, findings) => render(report, findings).into(),
            })
            .collect();
        for part in &parts {
            write(part)?;
        }
    }
    Ok(())
}

/// A report in a format written file by file (JSON, concise), given the files one at a time
/// in order as they are linted: each file's part, rendered ahead, is written at once and let go,
/// so the report of a large tree is never whole in memory (for the shared corpus, the ~1,000
/// fresh pages of its 6 MB of JSON). The bytes are those of [`write`] for the same files.
pub struct Stream {
    format: Format,
    /// The JSON array, opened with the first file.
    array: Option<json::Array>,
}

impl Stream {
    /// `None` for a format that is not written file by file.
    pub fn new(format: Format) -> Option<Stream> {
        matches!(format, Format::Json | Format::Concise).then_some(Stream {
            format,
            array: None,
        })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes the part of `report` (rendered ahead, or now) and lets it go; the report keeps
    /// its tally.
    pub fn file(&mut self, report: &mut FileReport, out: &mut dyn Write) -> io::Result<()> {
        if !matches!(&report.rendered, Some((format, _)) if *format == self.format) {
            report.render_ahead(self.format);
        }
        let part = report
            .rendered
            .take()
            .map(|(_, part)| part)
            .unwrap_or_default();
        match self.format {
            Format::Json => {
                let array = match &mut self.array {
                    Some(array) => array,
                    None => self.array.insert(json::Array::open(out)?),
                };
                array.part(out, &part)
            }
            _ => out.write_all(&part),
        }
    }

    /// Ends the report (after at least one file).
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        match self.array {
            Some(array) => array.close(out),
            None => Ok(()),
        }
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
    let tally = Tally::sum(reports);
    let total = tally.total();
    if total == 0 {
        let files = reports.len();
        return format!("No problems found in {files} file{}.", plural(files));
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|severity| {
            let count = tally.count(*severity);
            (count > 0).then(|| format!("{count} {severity}{}", if count == 1 { "" } else { "s" }))
        })
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use rbuild_lints::linter::{lint, RuleSettings};
    use rbuild_lints::rule::LintOptions;

    /// A file's findings written a part at a time make the text rendering them at once makes.
    #[test]
    fn a_file_of_many_findings_is_written_as_rendered_whole() {
        let text = format!(
            "FROM alpine:3.19\n{}",
            "RUN echo hi\n".repeat(3 * FINDINGS_PER_PART)
        );
        let result = lint(
            text.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        let report = FileReport::new("Dockerfile".into(), text, result.diagnostics);
        assert!(report.diagnostics.len() > 2 * FINDINGS_PER_PART);
        let whole = |render: fn(&FileReport, &[Diagnostic]) -> Vec<u8>| {
            String::from_utf8(render(&report, &report.diagnostics)).unwrap()
        };
        let written = |format| {
            let mut out = Vec::new();
            write(format, std::slice::from_ref(&report), &mut out, false).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            written(Format::Json),
            format!("[\n{}\n]\n", whole(json::render_findings))
        );
        assert_eq!(written(Format::Concise), whole(concise::render_findings));
    }

    /// A streamed report is byte for byte the report written at once, whether its files were
    /// rendered ahead or not, with and without findings in the first and last files.
    #[test]
    fn a_streamed_report_is_the_report_written_at_once() {
        let texts = [
            "FROM scratch\nCOPY a /a\n",
            "FROM ubuntu\nRUN apt-get install curl\nCMD echo hi\n",
            "FROM alpine:3.19\nMAINTAINER me\n",
            "FROM scratch\nCOPY b /b\n",
        ];
        let reports = || {
            texts.iter().enumerate().map(|(index, text)| {
                let result = lint(
                    text.as_bytes(),
                    &LintOptions::default(),
                    &RuleSettings::default(),
                );
                FileReport::new(
                    format!("{index}/Dockerfile"),
                    text.to_string(),
                    result.diagnostics,
                )
            })
        };
        for format in [Format::Json, Format::Concise] {
            for files in [&[0, 1, 2, 3][..], &[0, 3], &[1, 2]] {
                let picked: Vec<FileReport> = reports()
                    .enumerate()
                    .filter(|(i, _)| files.contains(i))
                    .map(|(_, r)| r)
                    .collect();
                let mut whole = Vec::new();
                write(format, &picked, &mut whole, false).unwrap();
                let mut streamed = Vec::new();
                let mut stream = Stream::new(format).unwrap();
                for (index, mut report) in picked.into_iter().enumerate() {
                    if index % 2 == 0 {
                        report.render_ahead(format);
                    }
                    stream.file(&mut report, &mut streamed).unwrap();
                }
                stream.finish(&mut streamed).unwrap();
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    String::from_utf8(whole).unwrap(),
                    "{format:?} {files:?}"
                );
            }
        }
        assert!(Stream::new(Format::Sarif).is_none());
    }

    /// A report rendered ahead lets its findings go and still tells the run what it needs of
    /// them: the summary, the fixable counts and the failure threshold are those of the
    /// findings.
    #[test]
    fn a_report_rendered_ahead_keeps_the_tally_of_its_findings() {
        let text = "FROM ubuntu\nRUN apt-get install curl\nCMD echo hi\nMAINTAINER me\n";
        let result = lint(
            text.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        let report =
            || FileReport::new("Dockerfile".into(), text.into(), result.diagnostics.clone());
        let kept = report();
        let mut rendered = report();
        rendered.render_ahead(Format::Json);
        assert!(rendered.diagnostics.is_empty() && rendered.source.is_empty());

        let tally = kept.tally();
        assert_eq!(rendered.tally(), tally);
        assert_eq!(tally.total(), result.diagnostics.len());
        for severity in Severity::ALL {
            let count = result
                .diagnostics
                .iter()
                .filter(|d| d.severity == severity)
                .count();
            assert_eq!(tally.count(severity), count, "{severity}");
            let any = result
                .diagnostics
                .iter()
                .any(|d| d.severity.at_least(severity));
            assert_eq!(tally.any_at_least(severity), any, "{severity}");
        }
        let fixable = |safety| {
            (result.diagnostics.iter())
                .filter(|d| d.fix.as_ref().is_some_and(|fix| fix.safety == safety))
                .count()
        };
        assert!(fixable(Safety::Safe) > 0, "the text has a safe fix");
        assert_eq!(tally.safe_fixes, fixable(Safety::Safe));
        assert_eq!(tally.unsafe_fixes, fixable(Safety::Unsafe));
        assert_eq!(
            summary(std::slice::from_ref(&rendered)),
            summary(std::slice::from_ref(&kept))
        );
    }
}
