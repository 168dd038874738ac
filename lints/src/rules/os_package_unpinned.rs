//! RB401: a system package installed without a version.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;

use super::run_support::{arguments, has_option, is_dynamic, is_local_package, runs};

pub static RULE: Rule = Rule {
    code: "RB401",
    name: "os-package-unpinned",
    severity: Severity::Warning,
    severity_reason: "the build works, but what it installs changes over time: a reproducibility problem",
    summary: "System package installed without a version",
    docs: Docs {
        what_it_does: "Finds packages named without a version in `apt-get install` and `apt \
install` (`pkg=1.2-3`), `apk add` (`pkg=1.2.3-r0`, `pkg~1.2`), `yum`/`dnf`/`microdnf install` \
and `dnf in` (`pkg-1.2.3`), `yum`/`dnf module install` (a stream: `nodejs:20`) and \
`zypper install`/`in` (`pkg=1.2`, `pkg>=1.2`), in RUN and in ONBUILD RUN. Not reported: versions given by a variable \
(`curl=$CURL_VERSION`), package lists in a variable (`$PACKAGES`), local package files and paths \
(`./pkg.deb`, `/tmp/x.rpm`), and apt installs from a chosen release (`-t bookworm-backports`, \
`--target-release`), where the release is the pin.",
        why_is_this_bad: "Without a version, the package installed depends on the day the image is \
built: a rebuild of the same Dockerfile can bring a new major version that breaks the application, \
and two builds of one commit can differ. A pinned version makes the build repeatable and turns an \
unwanted change into a visible edit.",
        example: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3008", "DL3018", "DL3033", "DL3037", "DL3041"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nRUN apk add --no-cache --virtual .build-deps gcc=13.2.1_git20231014-r0 musl-dev\n",
            "FROM centos:7\nRUN yum install -y httpd && yum clean all\n",
            "FROM fedora:40\nRUN dnf install -y nginx && dnf clean all\n",
            "FROM opensuse/leap:15\nRUN zypper install -y git && zypper clean\n",
            "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u1 make\nEOF\n",
            "FROM debian:12\nRUN apt update && apt install -y --no-install-recommends curl\n",
            "FROM fedora:40\nRUN dnf in -y nginx && dnf clean all\n",
            "FROM rockylinux:9\nRUN yum module install -y nodejs && yum clean all\n",
            "FROM debian:12\nONBUILD RUN apt-get install -y --no-install-recommends curl\n",
        ],
        pass: &[
            "FROM debian:12\nARG CURL_VERSION\nRUN apt-get update && apt-get install -y --no-install-recommends curl=${CURL_VERSION} \\\n    && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian:12\nCOPY tool.deb /tmp/\nRUN apt-get install -y ./tool.deb /tmp/tool.deb\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -y -t bookworm-backports --no-install-recommends golang \\\n    && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian:12\nARG PACKAGES=\"curl git\"\nRUN apt-get update && apt-get install -y --no-install-recommends $PACKAGES\n",
            "FROM alpine:3.19\nRUN apk add --no-cache --virtual .build-deps gcc~13.2 musl-dev=1.2.4-r2\n",
            "FROM fedora:40\nRUN dnf install -y nginx-1.24.0 /tmp/local.rpm && dnf clean all\n",
            "FROM opensuse/leap:15\nRUN zypper install -y 'git>=2.35' && zypper clean\n",
            "FROM rockylinux:9\nRUN dnf module install -y nodejs:20/common && dnf module enable -y php && dnf clean all\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for command in run.commands.iter() {
            let Some(manager) = manager_of(command) else {
                continue;
            };
            let unpinned: Vec<&str> = arguments(command, manager.value_options)
                .into_iter()
                .skip(manager.more_subcommand_words)
                .filter(|p| !is_dynamic(p) && !is_local_package(p) && !(manager.pinned)(p))
                .collect();
            if unpinned.is_empty() {
                continue;
            }
            findings.push(
                Finding::new(command.span, message(command, &unpinned)).with_help(manager.help),
            );
        }
    }
}

/// "`apt-get install` installs `curl`, `git` without a version": the program and its
/// subcommands as written (`dnf module install`), then the packages. Built in one string:
/// a quarter of the findings over a corpus are this rule's.
fn message(command: &Command, unpinned: &[&str]) -> String {
    let mut message = String::with_capacity(64);
    message.push('`');
    message.push_str(command.program());
    for operand in command.operands() {
        message.push(' ');
        message.push_str(operand);
        if operand != "module" {
            break;
        }
    }
    message.push_str("` installs ");
    for (index, package) in unpinned.iter().enumerate() {
        if index > 0 {
            message.push_str(", ");
        }
        message.push('`');
        message.push_str(package);
        message.push('`');
    }
    message.push_str(" without a version");
    message
}

/// How one package manager's install names versions.
struct Manager {
    /// Words of the subcommand after the first (`module install`: 1).
    more_subcommand_words: usize,
    /// Options whose value is the next word.
    value_options: &'static [&'static str],
    pinned: fn(&str) -> bool,
    help: &'static str,
}

const APT: Manager = Manager {
    more_subcommand_words: 0,
    value_options: &["-o", "-c", "-t", "--option", "--config-file"],
    pinned: |p| p.contains('='),
    help: "pin the version: `apt-get install curl=7.88.1-10+deb12u8` (`apt-cache policy curl` lists them)",
};

const APK: Manager = Manager {
    more_subcommand_words: 0,
    value_options: &[
        "-t",
        "--virtual",
        "-X",
        "--repository",
        "-p",
        "--root",
        "--repositories-file",
        "--keys-dir",
        "--arch",
        "--cache-dir",
    ],
    pinned: |p| p.contains(['=', '~', '<', '>']),
    help: "pin the version: `apk add curl=8.5.0-r0` or a range `curl~8.5`",
};

const RPM: Manager = Manager {
    more_subcommand_words: 0,
    value_options: RPM_VALUE_OPTIONS,
    // `name-version`: a dash followed by a digit.
    pinned: |p| {
        p.contains(['=', '<', '>'])
            || p.split('-')
                .skip(1)
                .any(|part| part.starts_with(|c: char| c.is_ascii_digit()))
    },
    help:
        "pin the version: `dnf install nginx-1.24.0` (`dnf list --showduplicates nginx` lists them)",
};

/// `dnf module install nodejs:20`: a module is pinned by its stream.
const RPM_MODULE: Manager = Manager {
    more_subcommand_words: 1,
    value_options: RPM_VALUE_OPTIONS,
    pinned: |p| p.contains(':'),
    help: "name the stream: `dnf module install nodejs:20` (`dnf module list nodejs` lists them)",
};

const RPM_VALUE_OPTIONS: &[&str] = &[
    "-x",
    "--exclude",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--setopt",
    "--installroot",
    "--releasever",
    "-c",
    "--config",
];

const ZYPPER: Manager = Manager {
    more_subcommand_words: 0,
    value_options: &["-r", "--repo", "-t", "--type", "--from"],
    pinned: |p| p.contains(['=', '<', '>']),
    help: "pin the version: `zypper install 'git=2.35.3'` or a range `'git>=2.35'`",
};

fn manager_of(command: &Command) -> Option<&'static Manager> {
    if command.is("apt-get", &["install"]) || command.is("apt", &["install"]) {
        // Installing from a chosen release pins the source; the catalog's users ask for this.
        let from_release = has_option(
            command,
            &["--target-release", "--default-release"],
            &['t'],
            &['o', 'c'],
        );
        // A simulation (`-s`) installs nothing.
        let simulated = has_option(
            command,
            &[
                "--simulate",
                "--just-print",
                "--dry-run",
                "--recon",
                "--no-act",
            ],
            &['s'],
            &['o', 'c', 't'],
        );
        return (!from_release && !simulated).then_some(&APT);
    }
    if command.is("apk", &["add"]) {
        return Some(&APK);
    }
    for program in ["yum", "dnf", "microdnf"] {
        if command.is(program, &["install"]) {
            return Some(&RPM);
        }
        if command.is(program, &["module"]) && command.operands().nth(1) == Some("install") {
            return Some(&RPM_MODULE);
        }
    }
    if command.is("zypper", &["install"]) {
        return Some(&ZYPPER);
    }
    None
}
