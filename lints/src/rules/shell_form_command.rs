//! RB201: CMD or ENTRYPOINT in shell form.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Arguments, Instruction, Keyword, Word};

use super::support::stage_instructions;

pub static RULE: Rule = Rule {
    code: "RB201",
    name: "shell-form-command",
    severity: Severity::Warning,
    severity_reason: "the container starts, but `docker stop` waits for its timeout and signals are lost: a likely bug",
    summary: "CMD or ENTRYPOINT in shell form",
    docs: Docs {
        what_it_does: "Finds CMD and ENTRYPOINT written in shell form (`CMD redis-server`), or \
with no arguments at all, rather than in exec form (`CMD [\"redis-server\"]`). A stage that \
sets SHELL explicitly has chosen the shell on purpose and is not flagged. `HEALTHCHECK CMD` is \
left alone: a health check is a short-lived command, not PID 1, and most of them use `||`, \
which only the shell form can express.",
        why_is_this_bad: "Shell form runs `/bin/sh -c \"redis-server\"`: PID 1 is the shell, not your \
program. The shell does not forward SIGTERM, so `docker stop` waits its whole timeout (10 s by default) \
and then kills the program without a chance to shut down cleanly. A shell-form ENTRYPOINT also ignores \
CMD and any arguments given to `docker run`.",
        example: "FROM redis:7\nCMD redis-server --appendonly yes\n",
        use_instead: "FROM redis:7\nCMD [\"redis-server\", \"--appendonly\", \"yes\"]\n",
    },
    equivalents: Equivalents { hadolint: &["DL3025"], buildkit: Some("JSONArgsRecommended") },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Rewrites a command without shell syntax (no variables, quotes, operators, globs or redirections) in exec form. Unsafe: the program runs as PID 1 without `/bin/sh -c`, so it now gets the signals and the environment is no longer the shell's; a shell-form ENTRYPOINT also starts taking CMD and `docker run` arguments.",
        examples: &[
            FixExample {
                before: "FROM redis:7\nCMD redis-server --appendonly yes\n",
                after: "FROM redis:7\nCMD [\"redis-server\", \"--appendonly\", \"yes\"]\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nENTRYPOINT my-program start\n",
            "FROM alpine\nCMD\n",
        ],
        pass: &[
            "FROM alpine\nRUN apk add bash\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT echo \"hello world\"\n",
            "FROM alpine\nHEALTHCHECK NONE\nCMD [\"sh\"]\n",
            "FROM alpine\nHEALTHCHECK --interval=5s CMD wget -q -O- http://localhost/ || exit 1\nCMD [\"sh\"]\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let mut shell_set = false;
        for (_, instruction) in stage_instructions(dockerfile, stage) {
            match instruction.kind {
                Keyword::Shell => shell_set = true,
                Keyword::Cmd | Keyword::Entrypoint if !shell_set => {
                    if let Some(command) = instruction.shell_command() {
                        findings.push(finding(instruction, command));
                    } else if matches!(instruction.args, Arguments::None) {
                        // The builder reads a bare `CMD` as an empty shell-form command.
                        findings.push(
                            Finding::new(
                                instruction.keyword_span,
                                format!(
                                    "{} without arguments: an empty shell-form command",
                                    instruction.kind.as_str()
                                ),
                            )
                            .with_help("give the command in exec form, or `[]` to clear it"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

fn finding(instruction: &Instruction, command: &Word) -> Finding {
    let message = match instruction.kind {
        Keyword::Entrypoint => "ENTRYPOINT in shell form: PID 1 is /bin/sh, signals are not forwarded, and CMD and `docker run` arguments are ignored",
        _ => "CMD in shell form: PID 1 is /bin/sh, which does not forward signals, so `docker stop` waits for its timeout",
    };
    let finding = Finding::new(command.span, message)
        .with_help("use the exec form: a JSON array of the program and its arguments");
    match exec_form(&command.value) {
        Some(json) => finding.with_fix(Fix {
            message: format!("rewrite as {json}"),
            safety: Safety::Unsafe,
            edits: vec![Edit {
                span: command.span,
                replacement: json,
            }],
        }),
        None => finding,
    }
}

/// The exec form of a shell command made of plain words only; `None` when it uses shell syntax
/// (quotes, variables, operators, globs), which the exec form would not interpret.
fn exec_form(command: &str) -> Option<String> {
    const SHELL_SYNTAX: &[char] = &[
        '$', '\'', '"', '\\', '`', '&', '|', ';', '<', '>', '(', ')', '*', '?', '[', '~', '#', '\n',
    ];
    if command.contains(SHELL_SYNTAX) {
        return None;
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    serde_json::to_string(&words)
        .ok()
        .map(|json| json.replace("\",\"", "\", \""))
}
