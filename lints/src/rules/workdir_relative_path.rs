//! RB507: a relative WORKDIR before any absolute one in the stage.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::shell::Lexer;
use crate::syntax::{Arguments, Keyword, Span};

use super::support::{base_stages, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB507",
    name: "workdir-relative-path",
    severity: Severity::Warning,
    severity_reason: "the build works, but the directory depends on the base image: a likely bug",
    summary: "Relative WORKDIR that depends on the base image's working directory",
    docs: Docs {
        what_it_does:
            "Finds a WORKDIR with a relative path when the stage (or the stage it is built \
on) has not set an absolute WORKDIR before it. A path starting with a variable is judged by its \
value when the stage's ARG defaults and ENVs give it one (`ARG DIR=app` then `WORKDIR $DIR` is \
relative), and left alone otherwise, as it then usually comes from the base image.",
        why_is_this_bad:
            "A relative WORKDIR is resolved against the base image's working directory, \
which the image's maintainers may change at any time: the files then land elsewhere and later \
instructions break.",
        example: "FROM nginx AS web\nWORKDIR usr/share/nginx/html\nCOPY public .\n",
        use_instead: "FROM nginx AS web\nWORKDIR /usr/share/nginx/html\nCOPY public .\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3000"],
        buildkit: Some("WorkdirRelativePath"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Puts `/` before the path (in place of a leading `./`). Unsafe: the path was relative to the base image's working directory, which may not be `/`.",
        examples: &[
            FixExample {
                before: "FROM nginx:1.27 AS web\nWORKDIR usr/share/nginx/html\nCOPY public .\n",
                after: "FROM nginx:1.27 AS web\nWORKDIR /usr/share/nginx/html\nCOPY public .\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nWORKDIR app\n",
            "FROM alpine\nARG DISTRO_NAME=zookeeper-3.4\nWORKDIR $DISTRO_NAME\n",
        ],
        pass: &[
            "FROM alpine\nWORKDIR /src\nWORKDIR app\n",
            "FROM alpine AS base\nWORKDIR /src\nFROM base\nWORKDIR app\n",
            "FROM alpine\nWORKDIR $HOME/app\n",
            "FROM alpine\nENV APP=/srv/app\nWORKDIR $APP\n",
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\\\app\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let lexer = Lexer::new(dockerfile.escape);
    // Per stage, in order: whether an absolute WORKDIR is in force at its end (set there, or
    // inherited from its base, an earlier stage).
    let mut absolute_at_end: Vec<bool> = Vec::with_capacity(dockerfile.stages.len());
    for (stage, base) in dockerfile.stages.iter().zip(base_stages(dockerfile)) {
        let mut absolute_set = base.is_some_and(|base| absolute_at_end[base]);
        // Values the stage's own ARG defaults and ENVs give: only a WORKDIR that starts with a
        // variable reads them, and most stages have none.
        let reads_values = stage_instructions(dockerfile, stage).any(|(_, instruction)| {
            matches!(&instruction.args, Arguments::Text(path)
                if instruction.kind == Keyword::Workdir && path.value.starts_with('$'))
        });
        let mut values: Vec<(String, String)> = Vec::new();
        for (_, instruction) in stage_instructions(dockerfile, stage) {
            match instruction.kind {
                _ if !reads_values => {}
                Keyword::Arg => {
                    for arg in instruction.arg_decls(0) {
                        let Some(default) = arg.default else { continue };
                        if let Ok(value) = lexer.expand_word(&default, &values) {
                            values.push((arg.name, value.value));
                        }
                    }
                }
                Keyword::Env => {
                    // One ENV expands every value before setting any.
                    let set: Vec<(String, String)> = instruction
                        .key_values()
                        .iter()
                        .filter_map(|pair| {
                            let value = lexer.expand_word(&pair.value.value, &values).ok()?;
                            Some((pair.key.value.clone(), value.value))
                        })
                        .collect();
                    values.extend(set);
                }
                _ => {}
            }
            if instruction.kind != Keyword::Workdir {
                continue;
            }
            let Arguments::Text(path) = &instruction.args else {
                continue;
            };
            // A variable's value when the stage gives it; the base image's otherwise.
            let expanded = path
                .value
                .starts_with('$')
                .then(|| lexer.expand_word(&path.value, &values));
            let value = match expanded {
                Some(Ok(expansion)) if expansion.unset.is_empty() => expansion.value,
                _ => path.value.clone(),
            };
            if is_absolute_or_variable(&value) {
                absolute_set = true;
            } else if !absolute_set {
                let shown = if value == path.value {
                    format!("`{value}`")
                } else {
                    format!("`{}` (`{value}`)", path.value)
                };
                findings.push(
                    Finding::new(
                        path.span,
                        format!("relative WORKDIR {shown} depends on the base image's working directory"),
                    )
                    .with_help(format!("use an absolute path: `WORKDIR /{value}`"))
                    .with_fix(absolute(dockerfile.text(path.span), path.span)),
                );
            }
        }
        absolute_at_end.push(absolute_set);
    }
}

fn is_absolute_or_variable(path: &str) -> bool {
    let path = path.trim_matches(|c| c == '"' || c == '\'');
    let bytes = path.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    path.starts_with('/') || path.starts_with('$') || path.starts_with('\\') || windows_drive
}

/// `/` put before the path (inside its quotes; in place of a leading `./`).
fn absolute(written: &str, span: Span) -> Fix {
    let quote = usize::from(written.starts_with(['"', '\'']));
    let dot = if written[quote..].starts_with("./") {
        2
    } else {
        0
    };
    Fix {
        message: "make the path absolute".to_string(),
        safety: Safety::Unsafe,
        edits: vec![Edit {
            span: Span::new(span.start + quote, span.start + quote + dot),
            replacement: "/".to_string(),
        }],
    }
}
