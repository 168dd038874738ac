//! RB602: package signature checks switched off.

use crate::diagnostic::{Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::script::Command;
use crate::syntax::Instruction;

use super::fix_support::remove_words;
use super::run_support::{runs, FirstBytes};

pub static RULE: Rule = Rule {
    code: "RB602",
    name: "signature-verification-disabled",
    severity: Severity::Warning,
    severity_reason: "the build works, but packages can be tampered with: a security problem",
    summary: "Package signature verification switched off",
    docs: Docs {
        what_it_does: "Finds package installs told to skip signature checks: `apk --allow-untrusted`, \
`apt-get --allow-unauthenticated`/`--force-yes`/`--allow-insecure-repositories` (or the matching \
`-o APT::...=true`), apt sources marked `[trusted=yes]`, `rpm --nosignature`/`--nodigest`, \
`yum`/`dnf`/`microdnf`/`tdnf --nogpgcheck`, `zypper --no-gpg-checks`, and repository settings \
`gpgcheck=0`. Not reported: repositories in a local directory (`file:`) and packages mounted from \
another stage of the build (`RUN --mount=from=builder,target=/pkgs apk add --allow-untrusted /pkgs/x.apk`), \
which were built here and never crossed a network.",
        why_is_this_bad: "Package signatures are what proves a package comes from the distribution or \
vendor and was not altered on a mirror, a proxy or the network. Without them, a tampered package is \
installed as root into the image without any warning.",
        example: "FROM centos:7\nRUN yum install -y --nogpgcheck httpd-2.4.6 && yum clean all\n",
        use_instead: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Removes the option that switches signature checks off (`--nogpgcheck`, `--allow-unauthenticated`, `--allow-untrusted`, ...); repository settings such as `[trusted=yes]` are left to you. Unsafe: unsigned packages now fail the step.",
        examples: &[
            FixExample {
                before: "FROM centos:7\nRUN yum install -y --nogpgcheck httpd-2.4.6 && yum clean all\n",
                after: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nRUN apk add --no-cache --allow-untrusted /tmp/glibc.apk\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -y --force-yes --no-install-recommends curl=7.88.1-10+deb12u8\n",
            "FROM debian:12\nRUN echo 'deb [trusted=yes] http://repo.example.com/ stable main' > /etc/apt/sources.list.d/x.list\n",
            "FROM fedora:40\nRUN rpm -i --nosignature /tmp/x.rpm\n",
            "FROM fedora:40\nRUN printf '[x]\\nbaseurl=http://r.example.com\\ngpgcheck=0\\n' > /etc/yum.repos.d/x.repo\n",
        ],
        pass: &[
            "FROM fedora:40\nRUN rpm --import https://example.com/key.asc && dnf install -y x-1.0 && dnf clean all\n",
            "FROM debian:12\nRUN echo 'deb [signed-by=/usr/share/keyrings/x.gpg] https://repo.example.com/ stable main' > /etc/apt/sources.list.d/x.list\n",
            "FROM debian:12\nRUN echo \"deb [ trusted=yes ] file://$tempDir ./\" > /etc/apt/sources.list.d/temp.list\n",
            "FROM alpine:3.19\nRUN --mount=type=bind,from=builder,source=/out,target=/tmp/packages apk add --no-cache --allow-untrusted /tmp/packages/mod.apk\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        let built_here = mounts_from_stages(run.instruction);
        for command in run.commands.iter() {
            // Packages built by another stage of this build and mounted in are unsigned by
            // nature; they never crossed a network.
            let from_this_build = !built_here.is_empty()
                && command
                    .operands()
                    .skip(1)
                    .all(|p| built_here.iter().any(|target| p.starts_with(target)));
            if from_this_build {
                continue;
            }
            if let Some(what) = unverified(command) {
                findings.push(
                    Finding::new(
                        command.span,
                        format!("{what} installs packages without checking their signatures"),
                    )
                    .with_help("import the repository's signing key (`signed-by=`, `rpm --import`, `/etc/apk/keys`) and keep the checks on")
                    .with_fix_option(checks_back_on(check, command)),
                );
            }
        }
    }
}

/// Targets of the RUN's mounts that take files from a stage or image (`--mount=...,from=`).
fn mounts_from_stages(instruction: &Instruction) -> Vec<&str> {
    instruction
        .flags_named("mount")
        .filter_map(|flag| {
            let fields: Vec<(&str, &str)> = flag
                .value
                .as_deref()?
                .split(',')
                .filter_map(|f| f.split_once('='))
                .collect();
            fields.iter().any(|(k, _)| *k == "from").then_some(())?;
            fields
                .iter()
                .find(|(k, _)| matches!(*k, "target" | "dst" | "destination"))
                .map(|(_, v)| *v)
        })
        .collect()
}

/// Removes the options of `command` that switch signature checks off, when the finding is
/// about them (not about a repository setting). Unsafe: unsigned packages now fail the step.
fn checks_back_on(check: &Check<'_>, command: &Command) -> Option<Fix> {
    let program = command.program();
    let options: Vec<&str> = OPTIONS
        .iter()
        .filter(|(programs, _)| programs.contains(&program))
        .map(|(_, option)| *option)
        .collect();
    let edits = remove_words(check.dockerfile, command, &options);
    (!edits.is_empty()).then(|| Fix {
        message: "switch the signature checks back on".to_string(),
        safety: Safety::Unsafe,
        edits,
    })
}

/// Options that switch signature checks off, by the programs that take them.
const OPTIONS: &[(&[&str], &str)] = &[
    (&["apk"], "--allow-untrusted"),
    (&["apt-get", "apt", "aptitude"], "--allow-unauthenticated"),
    (&["apt-get", "apt"], "--force-yes"),
    (&["apt-get", "apt"], "--allow-insecure-repositories"),
    (&["rpm"], "--nosignature"),
    (&["rpm"], "--nodigest"),
    (&["yum", "dnf", "microdnf", "tdnf"], "--nogpgcheck"),
    (&["zypper"], "--no-gpg-checks"),
];

/// The bytes the names of the programs in [`OPTIONS`] start with.
const OPTION_PROGRAM_FIRST_BYTES: FirstBytes = {
    let mut set = FirstBytes::NONE;
    let mut i = 0;
    while i < OPTIONS.len() {
        let mut j = 0;
        while j < OPTIONS[i].0.len() {
            set = set.with(OPTIONS[i].0[j]);
            j += 1;
        }
        i += 1;
    }
    set
};

/// Whether `word` sets something to `yes`, `0` or `true` (in any case): every setting
/// [`unverified`] looks for does, and most words do not, so they are left without a copy.
/// Only what follows each `=` is compared; the `=`s are found byte by byte, which costs less
/// than a vectorized search's setup on words this short.
fn sets_yes_zero_or_true(word: &str) -> bool {
    let word = word.as_bytes();
    (0..word.len()).filter(|&at| word[at] == b'=').any(|at| {
        let value = &word[at + 1..];
        ["yes", "0", "true"].iter().any(|setting| {
            value
                .get(..setting.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(setting.as_bytes()))
        })
    })
}

/// What in `command` switches signature checks off, as the message names it.
fn unverified(command: &Command) -> Option<String> {
    let program = command.program();
    // Most commands run none of the programs: their first byte tells, before the table is
    // looked through.
    let switched_off = OPTION_PROGRAM_FIRST_BYTES
        .may_start(program)
        .then(|| {
            OPTIONS
                .iter()
                .find(|(programs, option)| programs.contains(&program) && command.has_word(option))
        })
        .flatten();
    if let Some((_, option)) = switched_off {
        return Some(format!("`{program} {option}`"));
    }
    if !command.has_equals_sign() {
        return None;
    }
    command.words.iter().find_map(|word| {
        if !sets_yes_zero_or_true(word) {
            return None;
        }
        let lower = word.to_ascii_lowercase();
        // A repository in a local directory (`deb [trusted=yes] file:///tmp/debs ./`) holds
        // packages this build made.
        if lower.contains("file:") {
            return None;
        }
        [
            "[trusted=yes]",
            "trusted=yes",
            "gpgcheck=0",
            "allowunauthenticated=true",
            "allowinsecurerepositories=true",
        ]
        .iter()
        .find(|setting| lower.contains(*setting))
        .map(|setting| format!("`{setting}`"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_to_yes_zero_or_true_in_any_case() {
        for yes in [
            "[trusted=yes]",
            "gpgcheck=0",
            "GPGCHECK=0",
            "a=1,b=True",
            "x=Yesterday",
        ] {
            assert!(sets_yes_zero_or_true(yes), "{yes}");
        }
        for no in ["gpgcheck=1", "trusted", "=", "yes", "a=no,b=1", "a=tru"] {
            assert!(!sets_yes_zero_or_true(no), "{no}");
        }
    }
}
