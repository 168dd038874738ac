//! rustc-style diagnostics with the source snippet, through codespan-reporting.

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label, Severity as RenderedSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};
use rbuild_lints::diagnostic::{Diagnostic, Safety, Severity};

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write, color: bool) -> io::Result<()> {
    let config = term::Config::default();
    for report in reports {
        let file = SimpleFile::new(report.path.as_str(), report.source.as_str());
        for diagnostic in &report.diagnostics {
            let rendered = render(diagnostic);
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
/// labels, and notes with the help, the fix and where the rule is documented.
pub fn render(diagnostic: &Diagnostic) -> Rendered<()> {
    let severity = match diagnostic.severity {
        Severity::Error => RenderedSeverity::Error,
        Severity::Warning => RenderedSeverity::Warning,
        Severity::Info => RenderedSeverity::Note,
        Severity::Style => RenderedSeverity::Help,
    };
    let mut labels =
        vec![Label::primary((), diagnostic.span.range()).with_message(diagnostic.rule.name)];
    labels.extend(
        diagnostic
            .labels
            .iter()
            .map(|label| Label::secondary((), label.span.range()).with_message(&label.message)),
    );
    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    if let Some(fix) = &diagnostic.fix {
        let safety = match fix.safety {
            Safety::Safe => "fix",
            Safety::Unsafe => "fix (unsafe)",
        };
        notes.push(format!("{safety}: {}", fix.message));
    }
    notes.push(format!(
        "docs: docker rbuild rules {}",
        diagnostic.rule.code
    ));
    Rendered::new(severity)
        .with_code(diagnostic.rule.code)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}
