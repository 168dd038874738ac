//! GitHub Actions workflow commands: `::error file=...,line=...::message`, one per finding,
//! which the runner turns into annotations on the pull request.

use std::io::{self, Write};

use rbuild_lints::diagnostic::Severity;

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    for report in reports {
        for diagnostic in &report.diagnostics {
            let (start, end) = report.range(diagnostic.span);
            let mut message = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            writeln!(
                out,
                "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                command(diagnostic.severity),
                escape_property(&report.path),
                start.line,
                start.column,
                end.line,
                end.column,
                escape_property(&format!(
                    "{} ({})",
                    diagnostic.rule.code, diagnostic.rule.name
                )),
                escape_data(&message),
            )?;
        }
    }
    Ok(())
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "notice",
    }
}

/// The message part: `%`, CR and LF are percent-encoded.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_values() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
        assert_eq!(
            escape_property("dir:a,b/Dockerfile%"),
            "dir%3Aa%2Cb/Dockerfile%25"
        );
    }
}
