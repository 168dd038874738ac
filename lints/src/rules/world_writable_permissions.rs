//! RB604: `chmod` making files writable by every user.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB604",
    name: "world-writable-permissions",
    severity: Severity::Warning,
    severity_reason: "the build works, but any user can change those files: a security problem",
    summary: "`chmod` makes files writable by every user (`chmod 777`)",
    docs: Docs {
        what_it_does: "Finds `chmod` with a mode that gives write permission to all users: numeric \
modes whose last digit has the write bit (`777`, `666`, `0757`), and symbolic modes such as \
`a+w`, `o+rwx`, `ugo=rwx`. Modes with the sticky bit (`1777`, `+t`), as for shared temporary \
directories, are not reported.",
        why_is_this_bad: "Any process in the container, whatever user it runs as, can then replace \
the files: an exploited low-privilege service can rewrite the application's code or configuration \
and gain the rights of whoever runs it next. Give the files to the user that needs them \
(`chown`, `COPY --chown`) with a narrow mode instead.",
        example: "FROM node:22\nCOPY . /app\nRUN chmod -R 777 /app\n",
        use_instead: "FROM node:22\nCOPY --chown=node:node . /app\nRUN chmod -R u+rwX,go+rX,go-w /app\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM debian:12\nRUN mkdir /data && chmod a+rwx /data\n",
            "FROM debian:12\nRUN chmod 0666 /etc/app.conf\n",
        ],
        pass: &[
            "FROM debian:12\nRUN mkdir -p /tmp/shared /run/app && chmod ugo+rwx,o+t /run/app && chmod 1777 /tmp/shared && chmod 755 /usr/local/bin/app && chmod g=u /etc/passwd && chmod +x run.sh\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for command in run.commands.iter().filter(|c| c.program() == "chmod") {
            let Some(mode) = command.operands().next() else {
                continue;
            };
            if is_world_writable(mode) {
                findings.push(
                    Finding::new(command.span, format!("`chmod {mode}` lets every user write these files"))
                        .with_help("give the files to the user that needs them (`chown`, `COPY --chown`) and drop write access for others"),
                );
            }
        }
    }
}

fn is_world_writable(mode: &str) -> bool {
    if mode.bytes().all(|b| b.is_ascii_digit()) && (3..=4).contains(&mode.len()) {
        let digits = mode.as_bytes();
        let sticky = digits.len() == 4 && (digits[0] - b'0') & 1 == 1;
        let others = digits[digits.len() - 1] - b'0';
        return !sticky && others & 2 == 2;
    }
    // Symbolic: `[ugoa]*[+=][rwxXst]*`, comma-separated clauses; `t` anywhere is the sticky bit.
    !mode.contains('t')
        && mode.split(',').any(|clause| {
            let Some(op) = clause.find(['+', '=']) else {
                return false;
            };
            let (who, permissions) = clause.split_at(op);
            let for_others = who.contains(['o', 'a']);
            for_others && permissions.contains('w')
        })
}
