//! A JSON array with one object per finding (schema in README.md).
//!
//! Written straight from borrowed data with serde's derive (keys in alphabetical order, as
//! the schema lists them): no intermediate JSON values, so a report of thousands of findings
//! costs little more than its bytes.

use std::io::{self, Write};

use rbuild_lints::diagnostic::{Diagnostic, Safety, Severity};
use rbuild_lints::syntax::Span;
use serde::Serialize;

use super::FileReport;

/// The array serde_json's pretty printer would write for all the findings, byte for byte, with
/// each file's findings rendered on the thread pool (see [`super::for_each_rendered`]).
pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let mut empty = true;
    out.write_all(b"[")?;
    super::for_each_rendered(super::Format::Json, reports, render_file, |part| {
        if part.is_empty() {
            return Ok(());
        }
        out.write_all(if empty {
            b"
"
        } else {
            b",
"
        })?;
        empty = false;
        out.write_all(part)
    })?;
    out.write_all(if empty {
        b"]
"
    } else {
        b"
]
"
    })
}

/// One file's findings as elements of the report's array: each indented one level and
/// separated by `,\n`, which is what the pretty printer writes between the brackets of an
/// array of just these findings.
pub(super) fn render_file(report: &FileReport) -> Vec<u8> {
    if report.diagnostics.is_empty() {
        return Vec::new();
    }
    let findings: Vec<JsonFinding> = report
        .diagnostics
        .iter()
        .map(|diagnostic| finding(report, diagnostic))
        .collect();
    let mut array = serde_json::to_vec_pretty(&findings).expect("findings serialize to memory");
    // `[\n` ... `\n]` around the elements.
    array.truncate(array.len() - 2);
    array.drain(..2);
    array
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

#[cfg(test)]
mod tests {
    use super::*;
    use rbuild_lints::linter::{lint, RuleSettings};
    use rbuild_lints::rule::LintOptions;

    fn report(path: &str, text: &str) -> FileReport {
        let result = lint(
            text.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        FileReport::new(path.to_string(), text.to_string(), result.diagnostics)
    }

    fn written(reports: &[FileReport]) -> String {
        let mut out = Vec::new();
        write(reports, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Files rendered apart (on the thread pool, or ahead by the threads that linted them)
    /// make the array serde_json writes for all the findings at once.
    #[test]
    fn parts_make_the_pretty_array_of_all_findings() {
        let mut reports = vec![
            report(
                "a/Dockerfile",
                "FROM ubuntu\nRUN apt-get update\nCMD echo \"a\\tb\"\n",
            ),
            report("clean/Dockerfile", "FROM scratch\n"),
            report(
                "b/Dockerfile",
                "FROM node\nCOPY . .\nRUN npm ci | tee log\n",
            ),
        ];
        assert!(reports[0].diagnostics.len() > 1 && reports[2].diagnostics.len() > 1);
        let all: Vec<JsonFinding> = reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(move |d| finding(r, d)))
            .collect();
        let expected = serde_json::to_string_pretty(&all).unwrap() + "\n";
        assert_eq!(written(&reports), expected);
        reports[0].render_ahead(super::super::Format::Json);
        reports[2].render_ahead(super::super::Format::Concise);
        assert_eq!(written(&reports), expected);
        assert_eq!(written(&reports[1..2]), "[]\n");
    }
}
