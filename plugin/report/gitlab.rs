//! GitLab Code Quality JSON: an array of issues with a fingerprint that stays the same across
//! runs and when the flagged text moves to another line.

use std::collections::HashMap;
use std::io::{self, Write};

use rbuild_lints::diagnostic::{Diagnostic, Severity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let mut issues = Vec::new();
    for report in reports {
        // Identical findings on identical text are told apart by their order in the file.
        let mut occurrences: HashMap<(&str, &str), usize> = HashMap::new();
        for diagnostic in &report.diagnostics {
            let flagged = report.source.get(diagnostic.span.range()).unwrap_or("");
            let occurrence = occurrences
                .entry((diagnostic.rule.code, flagged))
                .or_insert(0);
            issues.push(issue(
                report,
                diagnostic,
                fingerprint(&report.path, diagnostic, flagged, *occurrence),
            ));
            *occurrence += 1;
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

fn issue(report: &FileReport, diagnostic: &Diagnostic, fingerprint: String) -> Value {
    let (start, end) = report.range(diagnostic.span);
    json!({
        "description": format!("{} ({})", diagnostic.message, diagnostic.rule.name),
        "check_name": diagnostic.rule.code,
        "fingerprint": fingerprint,
        "severity": severity(diagnostic.severity),
        "location": {
            "path": report.path,
            "lines": { "begin": start.line, "end": end.line },
        },
    })
}

/// sha256 of the path, the rule code, the flagged text and the occurrence index, NUL-separated.
fn fingerprint(path: &str, diagnostic: &Diagnostic, flagged: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    for part in [path, diagnostic.rule.code, flagged, &occurrence.to_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// GitLab's scale: info, minor, major, critical, blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "minor",
        Severity::Style => "info",
    }
}
