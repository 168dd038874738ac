//! RB602: package signature checks switched off.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;

use super::run_support::runs;

pub static RULE: Rule = Rule {
    code: "RB602",
    name: "signature-verification-disabled",
    severity: Severity::Warning,
    summary: "Package signature verification switched off",
    docs: Docs {
        what_it_does: "Finds package installs told to skip signature checks: `apk --allow-untrusted`, \
`apt-get --allow-unauthenticated`/`--force-yes`/`--allow-insecure-repositories` (or the matching \
`-o APT::...=true`), apt sources marked `[trusted=yes]`, `rpm --nosignature`/`--nodigest`, \
`yum`/`dnf`/`microdnf`/`tdnf --nogpgcheck`, `zypper --no-gpg-checks`, and repository settings \
`gpgcheck=0`.",
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
    fix: FixAvailability::None,
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
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check.dockerfile) {
        for command in &run.commands {
            if let Some(what) = unverified(command) {
                findings.push(
                    Finding::new(command.span, format!("{what} installs packages without checking their signatures"))
                        .with_help("import the repository's signing key (`signed-by=`, `rpm --import`, `/etc/apk/keys`) and keep the checks on"),
                );
            }
        }
    }
}

/// What in `command` switches signature checks off, as the message names it.
fn unverified(command: &Command) -> Option<String> {
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
    let program = command.program();
    if let Some((_, option)) = OPTIONS
        .iter()
        .find(|(programs, option)| programs.contains(&program) && command.has_word(option))
    {
        return Some(format!("`{program} {option}`"));
    }
    command.words.iter().find_map(|word| {
        let lower = word.to_ascii_lowercase();
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
