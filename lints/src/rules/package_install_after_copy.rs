//! RB302: OS packages are installed after the build context is copied.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;
use crate::syntax::{Instruction, Keyword};

use super::support::{is_broad_copy, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB302",
    name: "package-install-after-copy",
    severity: Severity::Warning,
    severity_reason: "the build works; every source change re-runs the package install, a cache problem",
    summary: "OS packages are installed after a broad COPY of the build context",
    docs: Docs {
        what_it_does: "In each stage, finds system package installs (`apt-get install`, `apt install`, \
`apk add`, `yum`/`dnf`/`microdnf install`, `zypper install`) that come after a COPY or ADD of the whole \
build context or a source directory. Installs of package files that come from the context \
(`apt-get install ./pkg.deb`) are not reported.",
        why_is_this_bad: "System packages do not depend on your source code, but a layer is rebuilt when \
anything copied before it changes: every code change reinstalls the packages. Installed before the \
COPY, they stay cached.",
        example: "FROM debian:12\nCOPY . /app\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nCOPY . /app\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nWORKDIR /src\nCOPY . .\nRUN apk add --no-cache git make\n"],
        pass: &[
            "FROM debian:12\nCOPY . /src\nRUN apt-get install -y /src/dist/tool.deb\n",
            "FROM alpine:3.19\nCOPY --from=golang:1.22 /usr/local/go /usr/local/go\nRUN apk add git\n",
            "FROM alpine:3.19\nCOPY config.yml /etc/app/\nRUN apk add git\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let mut broad_copy: Option<&Instruction> = None;
        for (index, instruction) in stage_instructions(dockerfile, stage) {
            if broad_copy.is_none() && is_broad_copy(check, instruction) {
                broad_copy = Some(instruction);
                continue;
            }
            let Some(copy) = broad_copy else { continue };
            if instruction.kind != Keyword::Run {
                continue;
            }
            if let Some(install) = check
                .run_commands(index)
                .iter()
                .find(|command| is_repository_install(command))
            {
                findings.push(
                    Finding::new(
                        install.span,
                        format!(
                            "`{}` runs after the build context is copied: every source change reinstalls the packages",
                            install.words.join(" ")
                        ),
                    )
                    .with_label(copy.span, "the context is copied here")
                    .with_help("install system packages before copying the build context"),
                );
            }
        }
    }
}

/// An install of packages from the distribution's repositories (not of local package files).
fn is_repository_install(command: &Command) -> bool {
    let installs = command.is("apt-get", &["install"])
        || command.is("apt", &["install"])
        || command.is("apk", &["add"])
        || command.is("yum", &["install"])
        || command.is("dnf", &["install"])
        || command.is("microdnf", &["install"])
        || command.is("zypper", &["install", "in"]);
    installs
        && !command.operands().skip(1).any(|p| {
            p.starts_with('/')
                || p.starts_with("./")
                || [".deb", ".rpm", ".apk"].iter().any(|e| p.ends_with(e))
        })
}
