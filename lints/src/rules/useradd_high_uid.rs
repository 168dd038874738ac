//! RB408: `useradd` with a very large UID and without `--no-log-init`.

use std::borrow::Cow;

use crate::diagnostic::{Finding, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};

use super::fix_support::insert_option;
use super::run_support::{has_option, runs};

pub static RULE: Rule = Rule {
    code: "RB408",
    name: "useradd-high-uid",
    severity: Severity::Warning,
    severity_reason: "the build works, but the image grows by gigabytes: a size problem",
    summary: "`useradd` with a large UID and without `-l` makes a huge log file",
    docs: Docs {
        what_it_does: "Finds `useradd` given a UID of six digits or more (`-u 100000`) without \
`-l`/`--no-log-init`. UIDs given by a variable are not reported.",
        why_is_this_bad: "`useradd` reserves a record for the new user in /var/log/lastlog and \
/var/log/faillog at an offset proportional to the UID. The files are sparse on disk, but image layers \
store them in full: a UID of a few million adds gigabytes to the layer, and builds may fail running \
out of space.",
        example: "FROM debian:12\nRUN useradd -u 1000000 -m app\n",
        use_instead: "FROM debian:12\nRUN useradd --no-log-init -u 1000000 -m app\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3046"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Safe,
        description: "Adds `--no-log-init` after `useradd`. Safe: the same user, without the huge sparse lastlog and faillog records.",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN useradd -u 1000000 -m app\n",
                after: "FROM debian:12\nRUN useradd --no-log-init -u 1000000 -m app\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["FROM debian:12\nRUN groupadd -g 123456 app && useradd --uid=123456 -g app app\n"],
        pass: &[
            "FROM debian:12\nRUN useradd -u 10001 -m app\n",
            "FROM debian:12\nARG UID=1000000\nRUN useradd -l -u $UID app\n",
            "FROM debian:12\nRUN useradd -lu 200000 app\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for command in run.commands.iter().filter(|c| c.program() == "useradd") {
            let Some(uid) = uid_of(&command.words) else {
                continue;
            };
            if uid.len() < 6
                || !uid.bytes().all(|b| b.is_ascii_digit())
                || has_option(command, &["--no-log-init"], &['l'], &['u'])
            {
                continue;
            }
            findings.push(
                Finding::new(
                    command.span,
                    format!("`useradd` with UID {uid} writes a lastlog record at a huge offset"),
                )
                .with_help("add `--no-log-init` (`-l`)")
                .with_fix_option(insert_option(
                    check.dockerfile,
                    command,
                    false,
                    "--no-log-init",
                    Safety::Safe,
                )),
            );
        }
    }
}

/// The value of `-u`/`--uid` (`-u 1000`, `--uid=1000`, `-u1000`).
fn uid_of<'w>(words: &'w [Cow<'_, str>]) -> Option<&'w str> {
    words.iter().enumerate().find_map(|(i, word)| {
        if word == "-u" || word == "--uid" {
            words.get(i + 1).map(|w| &**w)
        } else if let Some(value) = word.strip_prefix("--uid=") {
            Some(value)
        } else {
            word.strip_prefix("-u")
                .filter(|v| !v.is_empty() && !v.starts_with('-'))
        }
    })
}
