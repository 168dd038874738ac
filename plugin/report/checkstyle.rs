//! Checkstyle XML: one `<file>` per linted file, one `<error>` per finding.

use std::io::{self, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::Writer;
use rbuild_lints::diagnostic::Severity;

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let mut xml = Writer::new_with_indent(&mut *out, b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    xml.write_event(Event::Start(
        BytesStart::new("checkstyle").with_attributes([("version", "4.3")]),
    ))?;
    for report in reports {
        xml.write_event(Event::Start(
            BytesStart::new("file").with_attributes([("name", report.path.as_str())]),
        ))?;
        for diagnostic in &report.diagnostics {
            let start = report.position(diagnostic.span.start);
            let (line, column) = (start.line.to_string(), start.column.to_string());
            let source = format!("docker-rbuild.{}", diagnostic.rule.code);
            let error = BytesStart::new("error").with_attributes([
                ("line", line.as_str()),
                ("column", column.as_str()),
                ("severity", severity(diagnostic.severity)),
                ("message", diagnostic.message.as_str()),
                ("source", source.as_str()),
            ]);
            xml.write_event(Event::Empty(error))?;
        }
        xml.write_event(Event::End(BytesEnd::new("file")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("checkstyle")))?;
    writeln!(out)
}

/// Checkstyle knows error, warning and info.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "info",
    }
}
