//! rustc-style diagnostics with the source snippet, through codespan-reporting.

use std::io::{self, Write};

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label, Severity as RenderedSeverity};
use codespan_reporting::term::{self, termcolor};
use rbuild_lints::diagnostic::{Diagnostic, Safety, Severity};

use super::snippet::{display_text, Snippet};
use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write, color: bool) -> io::Result<()> {
    let config = term::Config::default();
    for report in reports {
        for diagnostic in &report.diagnostics {
            let spans: Vec<_> = std::iter::once(diagnostic.span)
                .chain(diagnostic.labels.iter().map(|label| label.span))
                .collect();
            let (file, ranges) = Snippet::new(report, &spans);
            let rendered = render(diagnostic, &ranges);
            if color {
                let mut writer = termcolor::Ansi::new(&mut *out);
                term::emit_to_write_style(&mut writer, &config, &file, &rendered)
            } else {
                let mut writer = termcolor::NoColor::new(&mut *out);
                term::emit_to_write_style(&mut writer, &config, &file, &rendered)
            }
            .map_err(io::Error::other)?;
        }
    }
    writeln!(out, "{}", super::summary(reports))
}

/// The codespan diagnostic for one finding: the message, a label on the exact span, secondary
/// labels, and notes with the help, the fix and where the rule is documented. `ranges` are the
/// primary span's and then each label's range in the rendered text.
pub fn render(diagnostic: &Diagnostic, ranges: &[Range<usize>]) -> Rendered<()> {
    let severity = match diagnostic.severity {
        Severity::Error => RenderedSeverity::Error,
        Severity::Warning => RenderedSeverity::Warning,
        Severity::Info => RenderedSeverity::Note,
        Severity::Style => RenderedSeverity::Help,
    };
    let mut labels = vec![Label::primary((), ranges[0].clone()).with_message(diagnostic.rule.name)];
    labels.extend(
        diagnostic
            .labels
            .iter()
            .zip(&ranges[1..])
            .map(|(label, range)| {
                Label::secondary((), range.clone()).with_message(display_text(&label.message))
            }),
    );
    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {}", display_text(help)));
    }
    if let Some(fix) = &diagnostic.fix {
        let safety = match fix.safety {
            Safety::Safe => "fix",
            Safety::Unsafe => "fix (unsafe)",
        };
        notes.push(format!("{safety}: {}", display_text(&fix.message)));
    }
    notes.push(format!(
        "docs: docker rbuild rules {}",
        diagnostic.rule.code
    ));
    Rendered::new(severity)
        .with_code(diagnostic.rule.code)
        .with_message(display_text(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes)
}
