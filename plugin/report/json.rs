//! A JSON array with one object per finding (schema in README.md).
//!
//! Written straight from borrowed data in the layout of serde_json's pretty printer (keys in
//! alphabetical order, as the schema lists them): no intermediate JSON values, so a report of
//! thousands of findings costs little more than its bytes.

use std::io::{self, Write};
use std::sync::LazyLock;

use rbuild_lints::diagnostic::Diagnostic;
use rbuild_lints::rule::Rule;
use rbuild_lints::syntax::Span;

use super::FileReport;

/// The array serde_json's pretty printer would write for all the findings, byte for byte, with
/// each file's findings rendered on the thread pool (see [`super::for_each_rendered`]).
pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let mut array = Array::open(out)?;
    super::for_each_rendered(super::Format::Json, reports, render_findings, |part| {
        array.part(out, part)
    })?;
    array.close(out)
}

/// The report's array, written a part (a file's findings) at a time.
pub(super) struct Array {
    empty: bool,
}

impl Array {
    pub(super) fn open(out: &mut dyn Write) -> io::Result<Array> {
        out.write_all(b"[")?;
        Ok(Array { empty: true })
    }

    pub(super) fn part(&mut self, out: &mut dyn Write, part: &[u8]) -> io::Result<()> {
        if part.is_empty() {
            return Ok(());
        }
        out.write_all(if self.empty { b"\n" } else { b",\n" })?;
        self.empty = false;
        out.write_all(part)
    }

    pub(super) fn close(self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.empty { b"]\n" } else { b"\n]\n" })
    }
}

/// Findings of one file as elements of the report's array: each indented one level and
/// separated by `,\n`, which is what serde_json's pretty printer writes between the brackets
/// of an array of just these findings.
pub(super) fn render_findings(report: &FileReport, findings: &[Diagnostic]) -> Vec<u8> {
    let mut out = Vec::with_capacity(findings.len() * BYTES_PER_FINDING);
    if findings.is_empty() {
        return out;
    }
    let mut path = Vec::with_capacity(report.path.len() + 2);
    string(&mut path, &report.path);
    for (index, diagnostic) in findings.iter().enumerate() {
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
/// in alphabetical order, two spaces a level). Every key of the schema stands at a known depth,
/// so the text between the values is written in a few pieces prepared once: rendering the
/// shared corpus takes half the instructions of writing each key and indentation apart (24 vs
/// 46 million, callgrind), which took a third of serde's derive. Strings that need escapes are
/// escaped by serde_json; a test holds the bytes to the pretty printer's.
fn write_finding(out: &mut Vec<u8>, report: &FileReport, path: &[u8], diagnostic: &Diagnostic) {
    let rule = diagnostic.rule;
    // It opens with the rule's own keys, the same bytes in each of its findings.
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
    out.extend_from_slice(b",\n    \"fix\": ");
    match &diagnostic.fix {
        None => out.extend_from_slice(b"null"),
        Some(fix) => {
            out.extend_from_slice(b"{\n      \"edits\": ");
            EDITS.write(
                out,
                report,
                fix.edits.iter().map(|edit| (edit.span, &*edit.replacement)),
            );
            out.extend_from_slice(b",\n      \"message\": ");
            string(out, &fix.message);
            out.extend_from_slice(b",\n      \"safety\": ");
            string(out, fix.safety.as_str());
            out.extend_from_slice(b"\n    }");
        }
    }
    out.extend_from_slice(b",\n    \"help\": ");
    optional_string(out, diagnostic.help.as_deref());
    out.extend_from_slice(b",\n    \"labels\": ");
    LABELS.write(
        out,
        report,
        diagnostic
            .labels
            .iter()
            .map(|label| (label.span, &*label.message)),
    );
    out.extend_from_slice(b",\n    \"location\": ");
    FINDING_LOCATION.write(out, report, diagnostic.span);
    out.extend_from_slice(b",\n    \"message\": ");
    string(out, &diagnostic.message);
    out.extend_from_slice(b",\n    \"path\": ");
    out.extend_from_slice(path);
    out.extend_from_slice(b",\n    \"rule\": ");
    string(out, rule.name);
    out.extend_from_slice(b",\n    \"severity\": ");
    string(out, diagnostic.severity.as_str());
    out.extend_from_slice(b"\n  }");
}

thread_local! {
    /// [`rule_head`] of each rule met by this thread: a report names few rules, many times.
    static RULE_HEADS: std::cell::RefCell<Vec<(&'static Rule, Vec<u8>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The start of a finding of `rule`, up to the value of its last key of the rule's own: `{`,
/// `"code"` and `"equivalents"`.
fn rule_head(rule: &Rule) -> Vec<u8> {
    let mut out = b"{\n    \"code\": ".to_vec();
    string(&mut out, rule.code);
    out.extend_from_slice(b",\n    \"equivalents\": {\n      \"buildkit\": ");
    optional_string(&mut out, rule.equivalents.buildkit);
    out.extend_from_slice(b",\n      \"hadolint\": ");
    array(
        &mut out,
        rule.equivalents.hadolint,
        b",\n        ",
        b"\n      ]",
        |out, code| string(out, code),
    );
    out.extend_from_slice(b"\n    }");
    out
}

/// An array of `items`, each written by `item`: `[]` when there are none, else `[`, each item
/// after `item_break` (`,`, a line break and the items' indentation; the first without the
/// comma), and `close` (a line break, the array's indentation and `]`).
fn array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    item_break: &[u8],
    close: &[u8],
    mut item: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    let mut empty = true;
    for value in items {
        out.extend_from_slice(&item_break[usize::from(empty)..]);
        empty = false;
        item(out, value);
    }
    if empty {
        out.push(b']');
    } else {
        out.extend_from_slice(close);
    }
}

/// The text of a location object (`{"end": {...}, "start": {...}}`: line and column, 1-based,
/// and byte offset of each end of a span) at one depth, around its six numbers.
struct LocationLayout {
    /// Up to the end's column.
    open: Vec<u8>,
    /// Before a line number.
    line: Vec<u8>,
    /// Before an offset.
    offset: Vec<u8>,
    /// From the end's offset to the start's column.
    start: Vec<u8>,
    /// After the start's offset.
    close: Vec<u8>,
}

impl LocationLayout {
    /// The layout of a location object that is the value of a key at `depth` (indented by two
    /// spaces a level, as the rest of the finding).
    fn at(depth: usize) -> LocationLayout {
        let indent = |depth: usize| " ".repeat(2 * depth);
        let (object, key, field) = (indent(depth), indent(depth + 1), indent(depth + 2));
        LocationLayout {
            open: format!("{{\n{key}\"end\": {{\n{field}\"column\": ").into_bytes(),
            line: format!(",\n{field}\"line\": ").into_bytes(),
            offset: format!(",\n{field}\"offset\": ").into_bytes(),
            start: format!("\n{key}}},\n{key}\"start\": {{\n{field}\"column\": ").into_bytes(),
            close: format!("\n{key}}}\n{object}}}").into_bytes(),
        }
    }

    fn write(&self, out: &mut Vec<u8>, report: &FileReport, span: Span) {
        let (start, end) = report.range(span);
        let number = |out: &mut Vec<u8>, value: usize| {
            out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        };
        out.extend_from_slice(&self.open);
        for (position, offset, next) in [
            (end, span.end, &self.start),
            (start, span.start, &self.close),
        ] {
            number(out, position.column);
            out.extend_from_slice(&self.line);
            number(out, position.line);
            out.extend_from_slice(&self.offset);
            number(out, offset);
            out.extend_from_slice(next);
        }
    }
}

/// A finding's own location (a key of the finding, at depth 2).
static FINDING_LOCATION: LazyLock<LocationLayout> = LazyLock::new(|| LocationLayout::at(2));
/// A fix's edits (finding, fix, edits: depth 3).
static EDITS: LazyLock<LocatedArray> = LazyLock::new(|| LocatedArray::at(3, "replacement"));
/// A finding's labels (depth 2).
static LABELS: LazyLock<LocatedArray> = LazyLock::new(|| LocatedArray::at(2, "message"));

/// The text of an array of edits or labels at one depth: objects of a location and one string
/// (`{"location": ..., "replacement" or "message": "..."}`).
struct LocatedArray {
    /// Before an object: `,`, a line break and the objects' indentation (the first without
    /// the comma).
    item_break: Vec<u8>,
    /// From an object's `{` to its location.
    open: Vec<u8>,
    location: LocationLayout,
    /// From the location to the string.
    key: Vec<u8>,
    /// After the string, to the object's `}`.
    close: Vec<u8>,
    /// After the last object, to the array's `]`.
    array_close: Vec<u8>,
}

impl LocatedArray {
    fn at(depth: usize, key: &str) -> LocatedArray {
        let indent = |depth: usize| " ".repeat(2 * depth);
        let (array, object, field) = (indent(depth), indent(depth + 1), indent(depth + 2));
        LocatedArray {
            item_break: format!(",\n{object}").into_bytes(),
            open: format!("{{\n{field}\"location\": ").into_bytes(),
            location: LocationLayout::at(depth + 2),
            key: format!(",\n{field}\"{key}\": ").into_bytes(),
            close: format!("\n{object}}}").into_bytes(),
            array_close: format!("\n{array}]").into_bytes(),
        }
    }

    fn write<'a>(
        &self,
        out: &mut Vec<u8>,
        report: &FileReport,
        items: impl Iterator<Item = (Span, &'a str)>,
    ) {
        array(
            out,
            items,
            &self.item_break,
            &self.array_close,
            |out, (span, text)| {
                out.extend_from_slice(&self.open);
                self.location.write(out, report, span);
                out.extend_from_slice(&self.key);
                string(out, text);
                out.extend_from_slice(&self.close);
            },
        );
    }
}

/// A JSON string. Most need no escape (no control character, quote or backslash): those are
/// written as they are, found so by a scan without early exit that compiles to vector compares;
/// the others are escaped by serde_json.
fn string(out: &mut Vec<u8>, value: &str) {
    let escapes = value.bytes().fold(false, |escapes, b| {
        escapes | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if escapes {
        serde_json::to_writer(out, value).expect("strings serialize to memory");
    } else {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    }
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
