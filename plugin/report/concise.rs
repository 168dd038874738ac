//! `path:line:col: severity[CODE] message`, one line per finding.

use std::io::{self, Write};

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    super::for_each_rendered(super::Format::Concise, reports, render_file, |part| {
        out.write_all(part)
    })
}

pub(super) fn render_file(report: &FileReport) -> Vec<u8> {
    let mut part = Vec::new();
    for diagnostic in &report.diagnostics {
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
