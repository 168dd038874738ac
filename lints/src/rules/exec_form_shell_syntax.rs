//! RB203: exec form that relies on the shell (`$VAR`, `&&`, `|`, redirections).

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Arguments, Keyword, Word};

use super::support::with_triggers;

pub static RULE: Rule = Rule {
    code: "RB203",
    name: "exec-form-shell-syntax",
    severity: Severity::Warning,
    severity_reason: "the command runs, but not as written: a likely bug",
    summary: "Exec form uses shell syntax that no shell will interpret",
    docs: Docs {
        what_it_does: "Finds exec-form RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD whose elements contain \
variables (`$HOME`, `${PORT}`), command substitution, or shell operators (`&&`, `||`, `|`, `;`, `>`), \
unless the program is itself a shell (`[\"sh\", \"-c\", \"...\"]`).",
        why_is_this_bad: "Exec form runs the program directly, without a shell: `$PORT` reaches the \
program as the literal text `$PORT`, and `&&` is passed as an argument instead of chaining commands.",
        example: "FROM python:3.12\nCMD [\"gunicorn\", \"--bind\", \"0.0.0.0:$PORT\", \"app:app\"]\n",
        use_instead: "FROM python:3.12\nCMD [\"sh\", \"-c\", \"exec gunicorn --bind 0.0.0.0:$PORT app:app\"]\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nRUN [\"make\", \"&&\", \"make\", \"install\"]\n",
            "FROM alpine\nONBUILD RUN [\"make\", \"&&\", \"make\", \"install\"]\n",
            "FROM alpine\nENTRYPOINT [\"app\", \"--home=${HOME}\"]\n",
            "FROM alpine\nCMD [\"app\", \">\", \"/var/log/app.log\"]\n",
        ],
        pass: &[
            "FROM alpine\nCMD [\"/bin/bash\", \"-c\", \"echo $HOME && ls | wc -l\"]\n",
            "FROM alpine\nCMD [\"echo\", \"costs 5$\", \"a-b\"]\n",
        ],
    },
    check: Checker::Static(check),
};

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "zsh",
    "ksh",
    "busybox",
    "pwsh",
    "powershell",
    "cmd",
    "cmd.exe",
];

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in with_triggers(check.dockerfile) {
        let elements = match (&instruction.kind, &instruction.args) {
            (Keyword::Run | Keyword::Cmd | Keyword::Entrypoint, Arguments::Exec(words)) => words,
            (Keyword::Healthcheck, Arguments::Healthcheck { command, .. }) => match &**command {
                Arguments::Exec(words) => words,
                _ => continue,
            },
            _ => continue,
        };
        let Some(first) = elements.first() else {
            continue;
        };
        let program = first.value.rsplit('/').next().unwrap_or("");
        if SHELLS.contains(&program) || first.value.trim().contains(char::is_whitespace) {
            continue; // a shell interprets it, or exec-form-single-string reports it
        }
        if let Some((element, what)) = elements
            .iter()
            .find_map(|e| shell_syntax(e).map(|what| (e, what)))
        {
            findings.push(
                Finding::new(
                    element.span,
                    format!("exec form does not run a shell: {what} in `{}` is passed on literally", element.value),
                )
                .with_help("use [\"sh\", \"-c\", \"...\"] when you need the shell, or pass the values explicitly"),
            );
        }
    }
}

fn shell_syntax(element: &Word) -> Option<&'static str> {
    let value = element.value.as_str();
    if matches!(
        value,
        "&&" | "||" | "|" | ";" | ">" | ">>" | "<" | "2>&1" | "&"
    ) {
        return Some("the operator");
    }
    let bytes = value.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        if b == b'$'
            && next.is_some_and(|n| n == b'{' || n == b'(' || n == b'_' || n.is_ascii_alphabetic())
        {
            return Some(if next == Some(b'(') {
                "the command substitution"
            } else {
                "the variable"
            });
        }
        if b == b'`' {
            return Some("the command substitution");
        }
    }
    if value.contains("&&") || value.contains("||") {
        return Some("the operator");
    }
    None
}
