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
    let mut array = Vec::new();
    findings
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut array,
            Pretty::default(),
        ))
        .expect("findings serialize to memory");
    // `[\n` ... `\n]` around the elements.
    array.truncate(array.len() - 2);
    array.drain(..2);
    array
}

/// The layout of serde_json's pretty printer (two spaces a level), with each line break and
/// its indentation written at once: the pretty printer writes the indentation a level at a
/// time, a fifth of the work of rendering a report. The same state as its: a depth, and
/// whether the innermost array or object has a value yet.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// `,` (after a value), a line break and the indentation of the current depth.
    fn line_break(&self, out: &mut (impl ?Sized + Write), comma: bool) -> io::Result<()> {
        const BREAKS: &[u8; 2 + 2 * 16] = b",\n                                ";
        let end = 2 + 2 * self.depth;
        let start = usize::from(!comma);
        match BREAKS.get(start..end) {
            Some(text) => out.write_all(text),
            // Deeper than any report goes.
            None => {
                out.write_all(&BREAKS[start..2])?;
                (0..self.depth).try_for_each(|_| out.write_all(b"  "))
            }
        }
    }

    /// `[` or `{`.
    fn open(&mut self, out: &mut (impl ?Sized + Write), bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    /// `]` or `}`, on a line of its own after values.
    fn close(&mut self, out: &mut (impl ?Sized + Write), bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line_break(out, false)?;
        }
        out.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line_break(out, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line_break(out, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

    /// The layout is the pretty printer's at any depth, for empty and nested containers too.
    #[test]
    fn pretty_layout_is_serde_jsons() {
        let mut nested = serde_json::json!({"a": [], "b": {}, "c": [1, {"d": "e"}]});
        for level in 0..20 {
            nested = serde_json::json!({ "level": level, "inner": [nested, []] });
        }
        let mut written = Vec::new();
        nested
            .serialize(&mut serde_json::Serializer::with_formatter(
                &mut written,
                Pretty::default(),
            ))
            .unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            serde_json::to_string_pretty(&nested).unwrap()
        );
    }
}
