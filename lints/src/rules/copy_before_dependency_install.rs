//! RB301: the whole context is copied before a dependency install that only needs the manifests.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;
use crate::syntax::{Instruction, Keyword};

use super::run_support::FirstBytes;
use super::support::{
    glob_match, is_broad_copy, stage_instructions, DependencyManager, DEPENDENCY_MANAGERS,
};

pub static RULE: Rule = Rule {
    code: "RB301",
    name: "copy-before-dependency-install",
    severity: Severity::Warning,
    severity_reason: "the build works; every source change re-runs the install, a cache problem",
    summary: "The whole context is copied before a dependency install that needs only the manifests",
    docs: Docs {
        what_it_does: "In each stage, finds a broad COPY or ADD of the build context (`.`, `./`, `*`, a \
source directory) followed by a dependency install that reads manifest files: `npm ci`/`npm install`, \
`yarn install`, `pnpm install`, `pip install -r requirements.txt` or `pip install .`, `poetry install`, \
`pipenv install`, `uv sync`, `bundle install`, `composer install`, `go mod download`/`go build`, \
`cargo build`/`cargo fetch`, `mvn`, `gradle`, `dotnet restore`/`build`/`publish`, `mix deps.get`. It is \
not reported when the same package manager already installed the dependencies before the broad copy \
(the manifests were copied on their own first), or when the RUN bind-mounts a manifest \
(`RUN --mount=type=bind,source=package.json,...`). With the build context known, the message names the \
manifests that exist in it.",
        why_is_this_bad: "Every layer after a COPY is rebuilt when any copied file changes. With the whole \
source tree copied first, editing one source file throws away the cached dependency install, and every \
build downloads and installs all dependencies again: minutes instead of seconds.",
        example: "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
        use_instead: "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM python:3.12\nCOPY . /src\nRUN pip install --no-cache-dir -r /src/requirements.txt\n",
            "FROM golang:1.22\nWORKDIR /src\nCOPY ./ ./\nRUN go build -o /app .\n",
            "FROM ruby:3.3\nCOPY app /app\nRUN cd /app && bundle install\n",
        ],
        pass: &[
            "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n",
            "FROM node:22\nCOPY . .\nRUN npm run build\n",
            "FROM node:22\nRUN --mount=type=bind,source=package.json,target=package.json --mount=type=bind,source=package-lock.json,target=package-lock.json npm ci\nCOPY . .\n",
            "FROM python:3.12\nCOPY . .\nRUN pip install flask\n",
            "FROM scratch\nCOPY . /\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        let mut broad_copy: Option<&Instruction> = None;
        let mut installed_before_copy: Vec<&'static str> = Vec::new();
        let mut reported: Vec<&'static str> = Vec::new();
        for (index, instruction) in stage_instructions(dockerfile, stage) {
            if broad_copy.is_none() && is_broad_copy(check, instruction) {
                broad_copy = Some(instruction);
                continue;
            }
            if instruction.kind != Keyword::Run {
                continue;
            }
            for command in check.run_commands(index) {
                let Some(manager) = dependency_install(command) else {
                    continue;
                };
                match broad_copy {
                    None => installed_before_copy.push(manager.program),
                    Some(copy) => {
                        if installed_before_copy.contains(&manager.program)
                            || reported.contains(&manager.program)
                            || bind_mounts_manifest(instruction, manager)
                        {
                            continue;
                        }
                        reported.push(manager.program);
                        findings.push(finding(check, copy, command, manager));
                    }
                }
            }
        }
    }
}

/// The package manager this command installs dependencies with, when it reads manifests.
fn dependency_install(command: &Command) -> Option<&'static DependencyManager> {
    // Most commands run none of the managers: the program's first byte tells, before the table
    // is looked through.
    if !MANAGER_FIRST_BYTES.may_start(command.program()) {
        return None;
    }
    let manager = DEPENDENCY_MANAGERS
        .iter()
        .find(|m| command.is(m.program, m.subcommands))?;
    let reads_manifests = match manager.program {
        "pip" | "pip3" => command.words.iter().any(|w| {
            w == "-r"
                || w.starts_with("--requirement")
                || w.starts_with("-r")
                || w == "."
                || w.starts_with("./")
                || w == "-e"
        }),
        "uv" => !command.is("uv", &["pip"]) || command.has_word("-r"),
        "npm" | "pnpm" | "yarn" => !command.has_word("-g") && !command.has_word("--global"),
        "go" => !command.is("go", &["mod"]) || command.has_word("download"),
        "cargo" => !command.is("cargo", &["install"]) || command.has_word("--path"),
        _ => true,
    };
    reads_manifests.then_some(manager)
}

/// The bytes the managers' program names start with.
const MANAGER_FIRST_BYTES: FirstBytes = {
    let mut set = FirstBytes::NONE;
    let mut i = 0;
    while i < DEPENDENCY_MANAGERS.len() {
        set = set.with(DEPENDENCY_MANAGERS[i].program);
        i += 1;
    }
    set
};

fn bind_mounts_manifest(instruction: &Instruction, manager: &DependencyManager) -> bool {
    instruction.flags_named("mount").any(|flag| {
        let value = flag.value.as_deref().unwrap_or("");
        let is_bind = value.split(',').any(|f| f.trim() == "type=bind");
        let source = value
            .split(',')
            .filter_map(|f| f.split_once('='))
            .find(|(k, _)| matches!(k.trim(), "source" | "src"))
            .map(|(_, v)| v.trim());
        is_bind
            && source.is_some_and(|s| {
                let name = s.rsplit('/').next().unwrap_or(s);
                manager.manifests.iter().any(|m| glob_match(m, name))
            })
    })
}

fn finding(
    check: &Check<'_>,
    copy: &Instruction,
    install: &Command,
    manager: &DependencyManager,
) -> Finding {
    let present = present_manifests(check, manager);
    let manifests = if present.is_empty() {
        manager.manifests.join(", ")
    } else {
        present.join(" ")
    };
    let copy_text = check
        .dockerfile
        .text(copy.span)
        .lines()
        .next()
        .unwrap_or("COPY")
        .trim()
        .to_string();
    let install_text = install.words.join(" ");
    let copy_line = if present.is_empty() {
        format!("COPY <{}> ./", manager.manifests[0])
    } else {
        format!("COPY {} ./", present.join(" "))
    };
    Finding::new(
        copy.span,
        format!(
            "`{copy_text}` copies the whole context before `{install_text}` installs dependencies: any source change re-runs the install"
        ),
    )
    .with_label(install.span, "this install only needs the manifests")
    .with_help(format!(
        "copy the manifests ({manifests}) first and install before copying the rest:\n    {copy_line}\n    RUN {install_text}\n    {copy_text}"
    ))
}

/// The manifests of `manager` that exist at the root of the build context, when it is known.
fn present_manifests(check: &Check<'_>, manager: &DependencyManager) -> Vec<String> {
    let Some(dir) = &check.options.context_dir else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut present: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| manager.manifests.iter().any(|m| glob_match(m, name)))
        .collect();
    present.sort();
    present
}
