//! RB410: cheap RUN instructions in a row that could be one.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;
use crate::syntax::Instruction;

use super::run_support::{is_pip_install, runs};
use super::support::DEPENDENCY_MANAGERS;

pub static RULE: Rule = Rule {
    code: "RB410",
    name: "consecutive-run",
    severity: Severity::Info,
    severity_reason: "advice: fewer layers, the build works either way",
    summary: "Cheap RUN instructions in a row with the same options: they could be one",
    docs: Docs {
        what_it_does: "Finds a RUN that directly follows another RUN of the same stage (comments \
between them do not count) with the same flags (`--mount`, `--network`, `--security`), when both \
are small, cheap steps: at most three commands, none of which installs packages, resolves \
dependencies, downloads, clones or compiles. Splitting around an expensive step is how its layer \
stays cached while the steps next to it change, and a long script is a unit its author chose: both \
are left alone, which keeps the check to the merges that cost nothing.",
        why_is_this_bad: "Every RUN makes a layer and a cache entry, and adds a step to the build output. \
Small steps in a row (`mkdir`, `chown`, `ln`, `useradd`) are cheaper and clearer as one RUN.",
        example: "FROM debian:12\nRUN groupadd -r app\nRUN useradd -r -g app app\n",
        use_instead: "FROM debian:12\nRUN groupadd -r app && useradd -r -g app app\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3059"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nRUN mkdir -p /app/data\n# then the owner\nRUN chown -R nobody /app\n"],
        pass: &[
            "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends make=4.3-4.1 \\\n    && rm -rf /var/lib/apt/lists/*\nRUN mkdir /src\n",
            "FROM python:3.12\nRUN mkdir /wheels\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.0.3\n",
            "FROM alpine:3.19\nRUN mkdir /a\nENV X=1\nRUN mkdir /b\n",
            "FROM alpine:3.19\nRUN mkdir /a\nRUN set -eux; a=1; b=2; echo $a; echo $b\n",
            "FROM debian:12\nRUN sed -i 's/main/main contrib/' /etc/apt/sources.list.d/debian.sources\nRUN apt-get update && apt-get install -y --no-install-recommends make=4.3-4.1\n",
            "FROM alpine:3.19 AS one\nRUN mkdir /a\nFROM alpine:3.19\nRUN mkdir /b\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let mut previous: Option<(usize, &Instruction, bool)> = None;
    // ONBUILD triggers run in another build: they are not steps of this one.
    for run in runs(check).filter(|run| !run.onbuild) {
        let cheap = is_small_and_cheap(run.commands);
        if let Some((index, first, first_cheap)) = previous {
            let same_stage = dockerfile.stage_of(index).map(|s| s.index)
                == dockerfile.stage_of(run.index).map(|s| s.index);
            if index + 1 == run.index
                && same_stage
                && first_cheap
                && cheap
                && flags(first) == flags(run.instruction)
                && !first.is_exec_form()
                && !run.instruction.is_exec_form()
            {
                findings.push(
                    Finding::new(
                        run.instruction.span,
                        "this RUN and the one before it are cheap steps with the same options: they could be one",
                    )
                    .with_label(first.span, "the previous RUN")
                    .with_help("join the commands with `&&` in one RUN (or one RUN heredoc)"),
                );
            }
        }
        previous = Some((run.index, run.instruction, cheap));
    }
}

fn flags(instruction: &Instruction) -> Vec<String> {
    let mut flags: Vec<String> = instruction.flags.iter().map(|f| f.text()).collect();
    flags.sort();
    flags
}

/// Most commands a RUN may hold to count as a small step.
const SMALL_STEP: usize = 3;

/// A RUN of a few cheap commands (`set -e` not counted): merging it costs nothing. Long
/// scripts are units their authors chose.
fn is_small_and_cheap(commands: &[Command]) -> bool {
    commands.iter().filter(|c| c.program() != "set").count() <= SMALL_STEP
        && !commands.iter().any(is_expensive)
}

/// Steps worth their own cached layer: installs, dependency resolution, downloads, builds.
fn is_expensive(command: &Command) -> bool {
    const PROGRAMS: &[&str] = &[
        "curl",
        "wget",
        "git",
        "make",
        "cmake",
        "ninja",
        "configure",
        "gcc",
        "cc",
        "apk",
        "yum",
        "dnf",
        "microdnf",
        "zypper",
        "rpm",
        "dpkg",
        "conda",
        "mamba",
        "gem",
        "rustup",
        "sdkmanager",
    ];
    command.is("apt-get", &[])
        || command.is("apt", &[])
        || PROGRAMS.contains(&command.program())
        || is_pip_install(command)
        || DEPENDENCY_MANAGERS
            .iter()
            .any(|m| command.is(m.program, m.subcommands))
        || matches!(command.program(), "npm" | "yarn" | "pnpm")
}
