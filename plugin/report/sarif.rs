//! SARIF 2.1.0: one run whose driver lists every rule (with its documentation as help text)
//! and one result per finding, with the region it covers.

use std::io::{self, Write};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rbuild_lints::diagnostic::{Diagnostic, Severity};
use rbuild_lints::rule::Rule;
use rbuild_lints::rules::RULES;
use rbuild_lints::syntax::Span;
use serde_json::{json, Value};

use super::FileReport;

/// Characters kept as they are in an artifact URI: the unreserved ones and the path separator.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

pub fn write(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let results: Vec<Value> = reports
        .iter()
        .flat_map(|report| report.diagnostics.iter().map(move |d| result(report, d)))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "docker-rbuild",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": RULES.iter().map(|rule| descriptor(rule)).collect::<Vec<_>>(),
                }
            },
            // Our columns count characters, not UTF-16 code units (SARIF's default).
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn descriptor(rule: &Rule) -> Value {
    let docs = &rule.docs;
    let text = format!(
        "{}\n\nWhy is this bad? {}\n\nExample:\n{}\nUse instead:\n{}",
        docs.what_it_does, docs.why_is_this_bad, docs.example, docs.use_instead
    );
    let markdown = format!(
        "{}\n\n**Why is this bad?** {}\n\n**Example**\n```dockerfile\n{}```\n\n**Use instead**\n```dockerfile\n{}```\n",
        docs.what_it_does, docs.why_is_this_bad, docs.example, docs.use_instead
    );
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": docs.what_it_does },
        "help": { "text": text, "markdown": markdown },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "severity": rule.severity,
            "hadolint": rule.equivalents.hadolint,
            "buildkit": rule.equivalents.buildkit,
            "fixable": rule.fix,
            "fixSafety": rule.fix.docs().map(|fix| fix.safety),
        },
    })
}

fn result(report: &FileReport, diagnostic: &Diagnostic) -> Value {
    let rule_index = RULES
        .iter()
        .position(|rule| rule.code == diagnostic.rule.code);
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<Value> = diagnostic
        .labels
        .iter()
        .enumerate()
        .map(|(id, label)| {
            let mut location = location(report, label.span);
            location["id"] = json!(id);
            location["message"] = json!({ "text": label.message });
            location
        })
        .collect();
    let mut result = json!({
        "ruleId": diagnostic.rule.code,
        "ruleIndex": rule_index,
        "level": level(diagnostic.severity),
        "message": { "text": message },
        "locations": [location(report, diagnostic.span)],
    });
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    if let Some(fix) = &diagnostic.fix {
        // An empty deleted region (end = start) is an insertion point.
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|edit| {
                json!({
                    "deletedRegion": region(report, edit.span),
                    "insertedContent": { "text": edit.replacement },
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": { "text": fix.message },
            "artifactChanges": [{
                "artifactLocation": { "uri": artifact_uri(&report.path) },
                "replacements": replacements,
            }],
            "properties": { "safety": fix.safety },
        }]);
    }
    result
}

fn region(report: &FileReport, span: Span) -> Value {
    let (start, end) = report.range(span);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

fn location(report: &FileReport, span: Span) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": artifact_uri(&report.path) },
            "region": region(report, span),
        }
    })
}

/// A relative path stays a relative reference; an absolute one becomes a `file://` URI.
fn artifact_uri(path: &str) -> String {
    let encoded = utf8_percent_encode(path, URI_PATH).to_string();
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// SARIF has no "style": the two lowest severities are both notes.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}
