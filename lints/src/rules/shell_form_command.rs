//! RB201: CMD, ENTRYPOINT or HEALTHCHECK CMD in shell form.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Instruction, Keyword, Word};

use super::support::stage_instructions;

pub static RULE: Rule = Rule {
    code: "RB201",
    name: "shell-form-command",
    severity: Severity::Warning,
    summary: "CMD, ENTRYPOINT or HEALTHCHECK CMD in shell form",
    docs: Docs {
        what_it_does: "Finds CMD and ENTRYPOINT (and HEALTHCHECK CMD) written in shell form \
(`CMD redis-server`) rather than exec form (`CMD [\"redis-server\"]`). A stage that sets SHELL \
explicitly has chosen the shell on purpose and is not flagged for CMD and ENTRYPOINT.",
        why_is_this_bad: "Shell form runs `/bin/sh -c \"redis-server\"`: PID 1 is the shell, not your \
program. The shell does not forward SIGTERM, so `docker stop` waits its whole timeout (10 s by default) \
and then kills the program without a chance to shut down cleanly. A shell-form ENTRYPOINT also ignores \
CMD and any arguments given to `docker run`. A shell-form HEALTHCHECK needs a shell in the image \
(distroless and scratch images have none).",
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
            "FROM alpine\nHEALTHCHECK --interval=5s CMD wget -q -O- http://localhost/ || exit 1\n",
        ],
        pass: &[
            "FROM alpine\nRUN apk add bash\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT echo \"hello world\"\n",
            "FROM alpine\nHEALTHCHECK NONE\nCMD [\"sh\"]\n",
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
                    }
                }
                Keyword::Healthcheck => {
                    if let Some(command) = instruction.shell_command() {
                        findings.push(finding(instruction, command));
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
        Keyword::Healthcheck => "HEALTHCHECK CMD in shell form: it needs /bin/sh in the image",
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
