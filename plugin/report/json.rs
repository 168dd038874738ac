//! A JSON array with one object per finding (schema in README.md).
//!
//! Written straight from borrowed data with serde's derive (keys in alphabetical order, as
//! the schema lists them): no intermediate JSON values, so a report of thousands of findings
//! costs little more than its bytes.

use std::io::{self, Write};

use rbuild_lints::diagnostic::{Diagnostic, Safety, Severity};
use rbuild_lints::syntax::Span;
use serde::Serialize;

use super::{FileReport, Streamed};

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    // Made and written one at a time: memory stays that of one finding, whatever their number.
    let findings = reports
        .iter()
        .flat_map(|report| report.diagnostics.iter().map(move |d| finding(report, d)));
    serde_json::to_writer_pretty(&mut *out, &Streamed::new(findings))?;
    writeln!(out)
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'static str,
    equivalents: JsonEquivalents,
    fix: Option<JsonFix<'a>>,
    help: &'a Option<String>,
    labels: Vec<JsonLabel<'a>>,
    location: JsonLocation,
    message: &'a str,
    path: &'a str,
    rule: &'static str,
    severity: Severity,
}

#[derive(Serialize)]
struct JsonEquivalents {
    buildkit: Option<&'static str>,
    hadolint: &'static [&'static str],
}

#[derive(Serialize)]
struct JsonFix<'a> {
    edits: Vec<JsonEdit<'a>>,
    message: &'a str,
    safety: Safety,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    location: JsonLocation,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    location: JsonLocation,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonLocation {
    end: JsonPosition,
    start: JsonPosition,
}

#[derive(Serialize)]
struct JsonPosition {
    column: usize,
    line: usize,
    offset: usize,
}

fn finding<'a>(report: &'a FileReport, diagnostic: &'a Diagnostic) -> JsonFinding<'a> {
    let location = |span: Span| {
        let (start, end) = report.range(span);
        JsonLocation {
            end: JsonPosition {
                column: end.column,
                line: end.line,
                offset: span.end,
            },
            start: JsonPosition {
                column: start.column,
                line: start.line,
                offset: span.start,
            },
        }
    };
    JsonFinding {
        code: diagnostic.rule.code,
        equivalents: JsonEquivalents {
            buildkit: diagnostic.rule.equivalents.buildkit,
            hadolint: diagnostic.rule.equivalents.hadolint,
        },
        fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    location: location(edit.span),
                    replacement: &edit.replacement,
                })
                .collect(),
            message: &fix.message,
            safety: fix.safety,
        }),
        help: &diagnostic.help,
        labels: diagnostic
            .labels
            .iter()
            .map(|label| JsonLabel {
                location: location(label.span),
                message: &label.message,
            })
            .collect(),
        location: location(diagnostic.span),
        message: &diagnostic.message,
        path: &report.path,
        rule: diagnostic.rule.name,
        severity: diagnostic.severity,
    }
}
