//! RB003: an empty line inside a continued instruction.

use crate::diagnostic::{Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Span, WarningKind};

use super::fix_support::delete_lines;

pub static RULE: Rule = Rule {
    code: "RB003",
    name: "empty-continuation-line",
    severity: Severity::Warning,
    severity_reason: "the builder accepts it today and says it will become an error",
    summary: "Empty line inside a continued instruction",
    docs: Docs {
        what_it_does:
            "Finds empty lines between the lines of an instruction that is continued with the \
escape character (`\\`). It reports each instruction once, at its last line as the builder \
does, and labels every empty line in it.",
        why_is_this_bad:
            "The builder skips them today but warns that they will become an error. They also \
make the instruction look like it ends where it does not.",
        example: "FROM alpine\nRUN apk add \\\n\n    curl\n",
        use_instead: "FROM alpine\nRUN apk add \\\n    curl\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("NoEmptyContinuation"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description:
            "Removes the empty line. Safe: the builder skips it today; it is only a future error.",
        examples: &[FixExample {
            before: "FROM alpine:3.19\nRUN apk add \\\n\n    curl\n",
            after: "FROM alpine:3.19\nRUN apk add \\\n    curl\n",
        }],
    }),
    fixtures: Fixtures {
        fail: &["FROM alpine\nRUN echo a \\\n\n  && echo b \\\n\n  && echo c\n"],
        pass: &["FROM alpine\nRUN echo a \\\n# a comment line is fine\n  && echo b\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for warning in &dockerfile.warnings {
        if warning.kind != WarningKind::EmptyContinuationLine {
            continue;
        }
        let text = dockerfile.text(warning.span);
        let end = warning.span.start + text.trim_end().len();
        let last_line = dockerfile.lines.line(end.saturating_sub(1));
        let line_start = dockerfile
            .lines
            .line_start(last_line)
            .unwrap_or(warning.span.start)
            .max(warning.span.start);
        let indent = dockerfile.text(Span::new(line_start, end)).len()
            - dockerfile
                .text(Span::new(line_start, end))
                .trim_start()
                .len();
        let count = warning.locations.len();
        let mut finding = Finding::new(
            Span::new(line_start + indent, end),
            format!(
                "this instruction has {count} empty continuation line{}",
                if count == 1 { "" } else { "s" }
            ),
        )
        .with_help("remove the empty lines, or end the instruction before them");
        for location in &warning.locations {
            finding = finding.with_label(*location, "empty line");
        }
        let edits = warning
            .locations
            .iter()
            .map(|location| delete_lines(dockerfile, *location))
            .collect();
        findings.push(finding.with_fix(Fix {
            message: "remove the empty lines".to_string(),
            safety: Safety::Safe,
            edits,
        }));
    }
}
