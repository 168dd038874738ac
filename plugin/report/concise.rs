//! `path:line:col: severity[CODE] message`, one line per finding.

use std::io::{self, Write};

use rbuild_lints::diagnostic::Diagnostic;

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    super::for_each_rendered(super::Format::Concise, reports, render_findings, |part| {
        out.write_all(part)
    })
}

/// Findings of one file, a line each.
pub(super) fn render_findings(report: &FileReport, findings: &[Diagnostic]) -> Vec<u8> {
    let mut part = Vec::new();
    for diagnostic in findings {
        let start = report.position(diagnostic.span.start);
        writeln!(
            part,
            "{}:{}:{}: {}[{}] {}",
            report.path,
            start.line,
            start.column,
            diagnostic.severity,
            diagnostic.rule.code,
            super::snippet::display_text(&diagnostic.message)
        )
        .expect("lines are written to memory");
    }
    part
}
