//! A JSON array with one object per finding (schema in README.md).
//!
//! Written straight from borrowed data in the layout of serde_json's pretty printer (keys in
//! alphabetical order, as the schema lists them): no intermediate JSON values, so a report of
//! thousands of findings costs little more than its bytes.

use std::io::{self, Write};

use rbuild_lints::diagnostic::Diagnostic;
use rbuild_lints::rule::Rule;
use rbuild_lints::syntax::Span;

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
        out.write_all(if empty { b"\n" } else { b",\n" })?;
        empty = false;
        out.write_all(part)
    })?;
    out.write_all(if empty { b"]\n" } else { b"\n]\n" })
}

/// One file's findings as elements of the report's array: each indented one level and
/// separated by `,\n`, which is what serde_json's pretty printer writes between the brackets
/// of an array of just these findings.
pub(super) fn render_file(report: &FileReport) -> Vec<u8> {
    let mut out = Vec::with_capacity(report.diagnostics.len() * BYTES_PER_FINDING);
    if report.diagnostics.is_empty() {
        return out;
    }
    let mut path = Vec::with_capacity(report.path.len() + 2);
    string(&mut path, &report.path);
    for (index, diagnostic) in report.diagnostics.iter().enumerate() {
        if index > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(b"  ");
        write_finding(&mut out, report, &path, diagnostic);
    }
    out
}

/// About what a finding takes (a warning with a help, a fix and one edit: ~1 KB), so that a
/// file's part is not copied as it grows.
const BYTES_PER_FINDING: usize = 1024;

/// One finding, laid out as serde_json's pretty printer lays out the schema in README.md (keys
/// in alphabetical order, two spaces a level): written straight, it costs a third of going
/// through serde's derive, whose every key and bracket is a formatter call. The strings are
/// escaped by serde_json; a test holds the bytes to the pretty printer's.
fn write_finding(out: &mut Vec<u8>, report: &FileReport, path: &[u8], diagnostic: &Diagnostic) {
    let rule = diagnostic.rule;
    // At depth 1: an element of the report's array. It opens with the rule's own keys, the
    // same bytes in each of its findings.
    RULE_HEADS.with_borrow_mut(|heads| {
        let head = match heads.iter().find(|(of, _)| std::ptr::eq(*of, rule)) {
            Some((_, head)) => head,
            None => {
                heads.push((rule, rule_head(rule)));
                &heads[heads.len() - 1].1
            }
        };
        out.extend_from_slice(head);
    });
    let mut finding = Object::written_up_to(out, 1);
    finding.key("fix");
    match &diagnostic.fix {
        None => finding.out.extend_from_slice(b"null"),
        Some(fix) => {
            let mut object = Object::open(finding.out, finding.depth + 1);
            object.key("edits");
            array(
                object.out,
                object.depth + 1,
                &fix.edits,
                |out, depth, edit| {
                    located(
                        out,
                        depth,
                        report,
                        edit.span,
                        ("replacement", &edit.replacement),
                    );
                },
            );
            object.key("message");
            string(object.out, &fix.message);
            object.key("safety");
            string(object.out, fix.safety.as_str());
            object.close();
        }
    }
    finding.key("help");
    optional_string(finding.out, diagnostic.help.as_deref());
    finding.key("labels");
    array(
        finding.out,
        finding.depth + 1,
        &diagnostic.labels,
        |out, depth, label| {
            located(out, depth, report, label.span, ("message", &label.message));
        },
    );
    finding.key("location");
    location(finding.out, finding.depth + 1, report, diagnostic.span);
    finding.key("message");
    string(finding.out, &diagnostic.message);
    finding.key("path");
    finding.out.extend_from_slice(path);
    finding.key("rule");
    string(finding.out, rule.name);
    finding.key("severity");
    string(finding.out, diagnostic.severity.as_str());
    finding.close();
}

thread_local! {
    /// [`rule_head`] of each rule met by this thread: a report names few rules, many times.
    static RULE_HEADS: std::cell::RefCell<Vec<(&'static Rule, Vec<u8>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The start of a finding of `rule` at depth 1, up to the value of its last key of the rule's
/// own: `{`, `"code"` and `"equivalents"`.
fn rule_head(rule: &Rule) -> Vec<u8> {
    let mut out = Vec::new();
    let mut finding = Object::open(&mut out, 1);
    finding.key("code");
    string(finding.out, rule.code);
    finding.key("equivalents");
    let mut equivalents = Object::open(finding.out, finding.depth + 1);
    equivalents.key("buildkit");
    optional_string(equivalents.out, rule.equivalents.buildkit);
    equivalents.key("hadolint");
    array(
        equivalents.out,
        equivalents.depth + 1,
        rule.equivalents.hadolint,
        |out, _, code| string(out, code),
    );
    equivalents.close();
    out
}

/// An object being written at `depth` (its keys one level deeper).
struct Object<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    empty: bool,
}

impl<'a> Object<'a> {
    fn open(out: &'a mut Vec<u8>, depth: usize) -> Object<'a> {
        out.push(b'{');
        Object {
            out,
            depth,
            empty: true,
        }
    }

    /// An object at `depth` whose opening and first keys `out` already ends with (a
    /// [`rule_head`]).
    fn written_up_to(out: &'a mut Vec<u8>, depth: usize) -> Object<'a> {
        Object {
            out,
            depth,
            empty: false,
        }
    }

    /// `"name": ` on a line of its own (after a `,` unless it is the first).
    fn key(&mut self, name: &str) {
        line_break(self.out, !self.empty, self.depth + 1);
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    fn close(self) {
        if !self.empty {
            line_break(self.out, false, self.depth);
        }
        self.out.push(b'}');
    }
}

/// An array at `depth` of `items`, each written by `item` (given the items' depth): `[]` when
/// there are none.
fn array<T>(
    out: &mut Vec<u8>,
    depth: usize,
    items: &[T],
    mut item: impl FnMut(&mut Vec<u8>, usize, &T),
) {
    out.push(b'[');
    for (index, value) in items.iter().enumerate() {
        line_break(out, index > 0, depth + 1);
        item(out, depth + 1, value);
    }
    if !items.is_empty() {
        line_break(out, false, depth);
    }
    out.push(b']');
}

/// An edit or a label: `{"location": ..., "replacement" or "message": "..."}`.
fn located(
    out: &mut Vec<u8>,
    depth: usize,
    report: &FileReport,
    span: Span,
    (key, text): (&str, &str),
) {
    let mut object = Object::open(out, depth);
    object.key("location");
    location(object.out, depth + 1, report, span);
    object.key(key);
    string(object.out, text);
    object.close();
}

/// `{"end": {...}, "start": {...}}` of a span: line and column (1-based) and byte offset.
fn location(out: &mut Vec<u8>, depth: usize, report: &FileReport, span: Span) {
    let (start, end) = report.range(span);
    let mut object = Object::open(out, depth);
    for (name, position, offset) in [("end", end, span.end), ("start", start, span.start)] {
        object.key(name);
        let mut fields = Object::open(object.out, depth + 1);
        for (name, value) in [
            ("column", position.column),
            ("line", position.line),
            ("offset", offset),
        ] {
            fields.key(name);
            fields
                .out
                .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        }
        fields.close();
    }
    object.close();
}

/// `,` (after a value), a line break and the indentation of `depth`, written at once.
fn line_break(out: &mut Vec<u8>, comma: bool, depth: usize) {
    const BREAKS: &[u8; 2 + 2 * 16] = b",\n                                ";
    let start = usize::from(!comma);
    match BREAKS.get(start..2 + 2 * depth) {
        Some(text) => out.extend_from_slice(text),
        // Deeper than any finding goes.
        None => {
            out.extend_from_slice(&BREAKS[start..2]);
            out.resize(out.len() + 2 * depth, b' ');
        }
    }
}

/// A JSON string, escaped by serde_json.
fn string(out: &mut Vec<u8>, value: &str) {
    serde_json::to_writer(out, value).expect("strings serialize to memory");
}

fn optional_string(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => string(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rbuild_lints::diagnostic::{Safety, Severity};
    use rbuild_lints::linter::{lint, RuleSettings};
    use rbuild_lints::rule::LintOptions;
    use serde::Serialize;

    // The schema as serde's derive writes it: what the findings written straight must equal.

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

    /// Every kind of finding (labels, fixes of several edits, hadolint and BuildKit
    /// equivalents, text to escape) is written as serde_json's pretty printer writes it.
    #[test]
    fn every_rules_findings_are_the_pretty_printers() {
        let mut reports: Vec<FileReport> = rbuild_lints::rules::RULES
            .iter()
            .flat_map(|rule| rule.fixtures.fail.iter())
            .enumerate()
            .map(|(index, text)| report(&format!("r\u{1}/\"{index}\"/Dockerfile"), text))
            .collect();
        reports.push(report(
            "tab\there/Dockerfile",
            "FROM ubuntu\nRUN echo \"\u{7}\u{1b}[31mé\\u0000\" | tee log\nCMD echo ☃\n",
        ));
        let all: Vec<JsonFinding> = reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(move |d| finding(r, d)))
            .collect();
        assert!(all
            .iter()
            .any(|f| f.fix.as_ref().is_some_and(|fix| fix.edits.len() > 1)));
        assert!(all.iter().any(|f| !f.labels.is_empty()));
        assert!(all.iter().any(|f| f.equivalents.hadolint.len() > 1));
        let expected = serde_json::to_string_pretty(&all).unwrap() + "\n";
        assert_eq!(written(&reports), expected);
    }
}
