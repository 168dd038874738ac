//! RB411: one stage downloads with both wget and curl.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB411",
    name: "wget-and-curl",
    severity: Severity::Warning,
    severity_reason: "the build works; two download tools make the image larger",
    summary: "Both wget and curl are used in one stage",
    docs: Docs {
        what_it_does: "Finds stages whose RUN instructions call both `wget` and `curl`; the finding \
stands at the first call of the second tool. Different stages may use different tools.",
        why_is_this_bad: "Two programs that do the same job both have to be installed (or kept) in the \
image, and their options, retries and error handling differ: one tool makes the downloads of a stage \
behave alike and the image smaller.",
        example: "FROM debian:12\nRUN curl -fsSLo /tmp/a.tgz https://example.com/a.tgz\nRUN wget -q https://example.com/b.tgz\n",
        use_instead: "FROM debian:12\nRUN curl -fsSLo /tmp/a.tgz https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL4001"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nRUN wget -qO- https://example.com/a | sh && curl -fsS https://example.com/health\n"],
        pass: &["FROM alpine:3.19 AS fetch\nRUN wget -q https://example.com/a.tgz\nFROM debian:12\nCOPY --from=fetch /a.tgz /\nRUN curl -fsSL https://example.com/b\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let mut first_tool: Option<String> = None;
        // The stage's own instructions (ONBUILD triggers' commands included), not every RUN
        // of the file for every stage.
        let calls = stage
            .instructions
            .clone()
            .flat_map(|index| check.run_commands(index))
            .filter(|c| matches!(c.program(), "wget" | "curl"));
        for call in calls {
            let tool = call.program().to_string();
            match &first_tool {
                None => first_tool = Some(tool),
                Some(first) if *first != tool => {
                    findings.push(
                        Finding::new(
                            call.span,
                            format!(
                                "`{tool}` is used in a stage that already downloads with `{first}`"
                            ),
                        )
                        .with_help(format!("use `{first}` for every download of the stage")),
                    );
                    break;
                }
                Some(_) => {}
            }
        }
    }
}
