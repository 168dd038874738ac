//! A JSON array with one object per finding (schema in README.md).

use std::io::{self, Write};

use rbuild_lints::syntax::Position;
use serde_json::{json, Value};

use super::FileReport;

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    // Made and written one at a time: memory stays that of one finding, whatever their number.
    let findings = reports
        .iter()
        .flat_map(|report| report.diagnostics.iter().map(move |d| (report, d)))
        .map(|(report, diagnostic)| {
            let location = |span: rbuild_lints::syntax::Span| {
                let (start, end) = report.range(span);
                json!({
                    "start": position(start, span.start),
                    "end": position(end, span.end),
                })
            };
            json!({
                "path": report.path,
                "code": diagnostic.rule.code,
                "rule": diagnostic.rule.name,
                "severity": diagnostic.severity,
                "message": diagnostic.message,
                "location": location(diagnostic.span),
                "labels": diagnostic.labels.iter().map(|label| json!({
                    "message": label.message,
                    "location": location(label.span),
                })).collect::<Vec<_>>(),
                "help": diagnostic.help,
                "fix": diagnostic.fix.as_ref().map(|fix| json!({
                    "message": fix.message,
                    "safety": fix.safety,
                    "edits": fix.edits.iter().map(|edit| json!({
                        "location": location(edit.span),
                        "replacement": edit.replacement,
                    })).collect::<Vec<_>>(),
                })),
                "equivalents": {
                    "hadolint": diagnostic.rule.equivalents.hadolint,
                    "buildkit": diagnostic.rule.equivalents.buildkit,
                },
            })
        });
    serde_json::to_writer_pretty(&mut *out, &Streamed(std::cell::Cell::new(Some(findings))))?;
    writeln!(out)
}

/// A JSON array of the items of an iterator, serialized as they come (once).
struct Streamed<I>(std::cell::Cell<Option<I>>);

impl<I: Iterator<Item = Value>> serde::Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.take().into_iter().flatten())
    }
}

fn position(position: Position, offset: usize) -> Value {
    json!({ "line": position.line, "column": position.column, "offset": offset })
}
