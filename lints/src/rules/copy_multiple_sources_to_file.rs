//! RB517: COPY or ADD of several sources to a destination without a trailing `/`.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Keyword, Span};

use super::support::with_triggers;

pub static RULE: Rule = Rule {
    code: "RB517",
    name: "copy-multiple-sources-to-file",
    severity: Severity::Warning,
    severity_reason: "the classic builder fails the build, BuildKit creates the directory; which builder runs it is not always known",
    summary: "COPY of several sources to a destination that does not end in `/`",
    docs: Docs {
        what_it_does:
            "Finds COPY and ADD instructions with more than one source whose destination \
does not end with `/`.",
        why_is_this_bad:
            "With several sources the destination must be a directory, and the builder \
only accepts it when it ends with `/`: the classic builder fails the build. A warning, not an error: \
BuildKit creates the directory and builds, and the gate cannot know which builder a daemon will use \
for every file it sees.",
        example: "FROM node:20\nCOPY package.json package-lock.json /app\n",
        use_instead: "FROM node:20\nCOPY package.json package-lock.json /app/\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3021"],
        buildkit: None,
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description: "Adds `/` to the destination. Safe: the builder rejects several sources copied to a file, so the step could not run as written.",
        examples: &[
            FixExample {
                before: "FROM node:20\nCOPY package.json package-lock.json /app\n",
                after: "FROM node:20\nCOPY package.json package-lock.json /app/\n",
            },
            FixExample {
                before: "FROM alpine:3.19\nADD [\"a.conf\", \"b.conf\", \"/etc/app\"]\n",
                after: "FROM alpine:3.19\nADD [\"a.conf\", \"b.conf\", \"/etc/app/\"]\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nADD [\"a.conf\", \"b.conf\", \"/etc/app\"]\n",
            "FROM alpine:3.19\nONBUILD COPY a.conf b.conf /etc/app\n",
        ],
        pass: &[
            "FROM alpine:3.19\nCOPY app.conf /etc/app.conf\n",
            "FROM alpine:3.19\nCOPY --chown=app a b ./\n",
            "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY a.dll b.dll C:\\Windows\\System32\\\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in with_triggers(check.dockerfile) {
        if !matches!(instruction.kind, Keyword::Copy | Keyword::Add) {
            continue;
        }
        let Some((sources, destination)) = instruction.sources_and_destination() else {
            continue;
        };
        // Windows images end directories with `\\`.
        if sources.len() > 1 && !destination.value.ends_with(['/', '\\']) {
            findings.push(
                Finding::new(
                    destination.span,
                    format!(
                        "{} sources need a directory destination, and `{}` does not end with `/`",
                        sources.len(),
                        destination.value
                    ),
                )
                .with_help(format!("write `{}/`", destination.value))
                .with_fix({
                    // Inside the closing quote of a JSON (or quoted) destination.
                    let written = check.dockerfile.text(destination.span);
                    let at = destination.span.end - usize::from(written.ends_with(['"', '\'']));
                    Fix {
                        message: format!("write `{}/`", destination.value),
                        safety: Safety::Safe,
                        edits: vec![Edit {
                            span: Span::new(at, at),
                            replacement: "/".to_string(),
                        }],
                    }
                }),
            );
        }
    }
}
