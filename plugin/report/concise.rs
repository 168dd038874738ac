//! `path:line:col: severity[CODE] message`, one line per finding.

use std::io::{self, Write};

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    for report in reports {
        for diagnostic in &report.diagnostics {
            let start = report.position(diagnostic.span.start);
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                report.path,
                start.line,
                start.column,
                diagnostic.severity,
                diagnostic.rule.code,
                super::snippet::display_text(&diagnostic.message)
            )?;
        }
    }
    Ok(())
}
