//! RB402: a language package (pip, npm, yarn, pnpm, gem, go, cargo, composer) installed by name
//! without a version.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;

use super::run_support::{
    arguments, has_option, is_dynamic, is_local_package, is_pip_install, runs,
};

pub static RULE: Rule = Rule {
    code: "RB402",
    name: "language-package-unpinned",
    severity: Severity::Warning,
    severity_reason: "the build works, but what it installs changes over time: a reproducibility problem",
    summary: "Language package installed by name without a version",
    docs: Docs {
        what_it_does: "Finds packages named without a version in `pip install` (also `pip2`, \
`pip3.12` and `python -m pip`; `flask==3.0.3`, or any specifier such as `>=`, `~=`), `npm \
install` and its aliases (`npm i`, `npm add`...), `yarn add` and `pnpm add` \
(`express@4.19.2`), `gem install`/`gem i` (`-v 7.1.3` or `rails:7.1.3`), `go install`/`go \
get`/`go run` of a remote package (`@v1.2.3`), `cargo install` (`--version 14.1.0` or \
`ripgrep@14.1.0`) and `composer require` (`vendor/pkg:^1.2`), in RUN and in ONBUILD RUN. A tag \
or branch (`@latest`, `@next`, `@main`) is not a version. Installs from manifests (`pip install \
-r requirements.txt`, a bare `npm install`), from local paths and package files, and names held \
in variables are not reported; neither is upgrading pip's own tools (`pip install --upgrade pip \
setuptools wheel`).",
        why_is_this_bad: "An unpinned package resolves to whatever is newest when the image is built: the \
same Dockerfile builds different images from one day to the next, and a new major release can break \
the build or the application with no change on your side.",
        example: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask gunicorn==22.0.0\n",
        use_instead: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3 gunicorn==22.0.0\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3013", "DL3016", "DL3028", "DL3062"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM node:22\nRUN npm install -g typescript @angular/cli@17.3.0\n",
            "FROM ruby:3.3\nRUN gem install bundler\n",
            "FROM golang:1.22\nRUN go install golang.org/x/tools/gopls\n",
            "FROM python:3.12\nRUN python -m pip install --no-cache-dir -r requirements.txt requests\n",
            "FROM python:2.7\nRUN pip2 install flask\n",
            "FROM python:3.12\nRUN python3.12 -m pip install flask\n",
            "FROM python:3.12\nONBUILD RUN pip install flask\n",
            "FROM node:22\nRUN npm i -g typescript\n",
            "FROM node:22\nRUN yarn global add typescript\n",
            "FROM node:22\nRUN pnpm add -g typescript@latest\n",
            "FROM ruby:3.3\nRUN gem i bundler\n",
            "FROM golang:1.22\nRUN go install example.com/pkg@latest\n",
            "FROM rust:1.79\nRUN cargo install ripgrep\n",
            "FROM composer:2\nRUN composer require monolog/monolog\n",
        ],
        pass: &[
            "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt -c constraints.txt\n",
            "FROM python:3.12\nRUN pip install --no-cache-dir --upgrade pip setuptools wheel\n",
            "FROM python:3.12\nCOPY . /src\nRUN pip install --no-cache-dir /src ./dist/app-1.0-py3-none-any.whl \"requests>=2.31\" -e .\n",
            "FROM node:22\nCOPY package*.json ./\nRUN npm install && npm install -g pnpm@9.1.0 @scope/tool@1.2.3\n",
            "FROM ruby:3.3\nRUN gem install bundler -v 2.5.11 && gem install rails:7.1.3 --no-document\n",
            "FROM golang:1.22\nCOPY . .\nRUN go install ./cmd/... && go install golang.org/x/tools/gopls@v0.15.3\n",
            "FROM python:3.12\nARG TOOL_SPEC\nRUN pip install --no-cache-dir \"$TOOL_SPEC\"\n",
            "FROM node:22\nRUN yarn add express@4.19.2 && pnpm add -D @types/node@20.14.2\n",
            "FROM rust:1.79\nRUN cargo install ripgrep --version 14.1.0 && cargo install fd-find@10.1.0 && cargo install --path .\n",
            "FROM composer:2\nRUN composer require monolog/monolog:^3.6 \"symfony/yaml:7.1.*\"\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for run in runs(check) {
        for command in run.commands.iter() {
            let Some((tool, unpinned)) = unpinned_packages(command) else {
                continue;
            };
            if unpinned.is_empty() {
                continue;
            }
            findings.push(
                Finding::new(
                    command.span,
                    format!(
                        "`{tool}` installs {} without a version",
                        unpinned
                            .iter()
                            .map(|p| if is_moving_reference(p) {
                                format!("`{p}` (a tag, not a version)")
                            } else {
                                format!("`{p}`")
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_help(help(tool, unpinned[0])),
            );
        }
    }
}

/// How to pin `package` with `tool`.
fn help(tool: &str, package: &str) -> String {
    let example = match tool {
        "pip install" => format!("`pip install {package}==<version>`, or list pinned versions in a requirements file"),
        "npm install" | "yarn add" | "pnpm add" => format!("`{tool} {package}@<version>`, or install from package.json and its lockfile"),
        "gem install" => format!("`gem install {package} -v <version>`"),
        "cargo install" => format!("`cargo install {package}@<version>`"),
        "composer require" => format!("`composer require {package}:<version>`, or install from composer.json and composer.lock"),
        _ => format!("`go install {}@<version>`", package.split('@').next().unwrap_or(package)),
    };
    format!("pin the version: {example}")
}

/// A version spec after `@` that is a tag or branch, not a version.
fn is_moving_reference(package: &str) -> bool {
    const MOVING: &[&str] = &[
        "latest", "next", "upgrade", "patch", "master", "main", "head", "canary",
    ];
    package
        .trim_start_matches('@')
        .rsplit_once('@')
        .is_some_and(|(_, version)| MOVING.contains(&version.to_ascii_lowercase().as_str()))
}

/// The install tool and the packages it installs by bare name.
fn unpinned_packages<'c>(command: &'c Command<'_>) -> Option<(&'static str, Vec<&'c str>)> {
    let literal = |p: &&str| !is_dynamic(p) && !is_local_package(p);
    if is_pip_install(command) {
        let upgrade = has_option(command, &["--upgrade"], &['U'], &[]);
        // `-m` takes `pip` in `python -m pip install`, so `install` is the first operand.
        let unpinned = arguments(command, PIP_VALUE_OPTIONS)
            .into_iter()
            .filter(literal)
            .filter(|p| !p.contains(['=', '<', '>', '~', '@']))
            .filter(|p| !(upgrade && PIP_OWN_TOOLS.contains(p)))
            .collect();
        return Some(("pip install", unpinned));
    }
    // `yarn global add` and `pnpm add -g` install tools; `yarn add` and `pnpm add` add to
    // package.json.
    let javascript = if command.is("npm", &["install"]) {
        Some(("npm install", 0))
    } else if command.is("yarn", &["add"]) || command.is("pnpm", &["add"]) {
        Some((
            if command.program() == "yarn" {
                "yarn add"
            } else {
                "pnpm add"
            },
            0,
        ))
    } else if command.is("yarn", &["global"]) && command.operands().nth(1) == Some("add") {
        Some(("yarn add", 1))
    } else {
        None
    };
    if let Some((tool, skip)) = javascript {
        let unpinned = arguments(command, NPM_VALUE_OPTIONS)
            .into_iter()
            .skip(skip)
            .filter(literal)
            .filter(|p| {
                !p.contains(':')
                    && (!p.trim_start_matches('@').contains('@') || is_moving_reference(p))
            })
            .collect();
        return Some((tool, unpinned));
    }
    if command.is("gem", &["install"]) {
        if has_option(command, &["--version"], &['v'], &[]) {
            return Some(("gem install", Vec::new()));
        }
        let unpinned = arguments(command, GEM_VALUE_OPTIONS)
            .into_iter()
            .filter(literal)
            .filter(|p| !p.contains(':'))
            .collect();
        return Some(("gem install", unpinned));
    }
    if command.is("go", &["install", "get", "run"]) {
        let unpinned = arguments(
            command,
            &["-o", "-C", "-tags", "-ldflags", "-gcflags", "-mod"],
        )
        .into_iter()
        .filter(|p| !is_dynamic(p) && is_remote_go_package(p))
        .filter(|p| !p.contains('@') || is_moving_reference(p))
        .collect();
        return Some(("go install", unpinned));
    }
    if command.is("cargo", &["install"]) {
        let local = has_option(command, &["--path", "--git"], &[], &[]);
        if local || has_option(command, &["--version", "--vers"], &[], &[]) {
            return Some(("cargo install", Vec::new()));
        }
        let unpinned = arguments(command, CARGO_VALUE_OPTIONS)
            .into_iter()
            .filter(literal)
            .filter(|p| !p.contains('@'))
            .collect();
        return Some(("cargo install", unpinned));
    }
    if command.is("composer", &["require"])
        || (command.is("composer", &["global"]) && command.operands().nth(1) == Some("require"))
    {
        let skip = usize::from(command.operands().next() == Some("global"));
        let operands: Vec<&str> = arguments(command, &["--working-dir", "-d"])
            .into_iter()
            .skip(skip)
            .collect();
        // A package is pinned by `:constraint`, or by a constraint as the next word.
        let unpinned = operands
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.contains('/')
                    && !is_dynamic(p)
                    && !p.contains(':')
                    && operands.get(i + 1).is_none_or(|next| next.contains('/'))
            })
            .map(|(_, p)| *p)
            .collect();
        return Some(("composer require", unpinned));
    }
    None
}

/// A module path on the network (`github.com/x/y`), not a local package (`./cmd/...`) or a
/// Go file.
fn is_remote_go_package(path: &str) -> bool {
    path.split('/')
        .next()
        .is_some_and(|host| host.contains('.') && !host.starts_with('.'))
        && !path.ends_with(".go")
}

/// pip's tools themselves, which everyone upgrades unpinned.
const PIP_OWN_TOOLS: &[&str] = &["pip", "setuptools", "wheel"];

const PIP_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--upgrade-strategy",
    "--progress-bar",
    "--cache-dir",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--cert",
    "--client-cert",
    "--no-binary",
    "--only-binary",
    "-C",
    "--config-settings",
    "--global-option",
    // Of `python -m pip`.
    "-m",
];

const NPM_VALUE_OPTIONS: &[&str] = &[
    "--prefix",
    "--registry",
    "--cache",
    "--loglevel",
    "-w",
    "--workspace",
    "--omit",
    "--include",
    "--userconfig",
];

const CARGO_VALUE_OPTIONS: &[&str] = &[
    "--root",
    "--index",
    "--registry",
    "--target",
    "--target-dir",
    "-j",
    "--jobs",
    "-F",
    "--features",
    "--profile",
    "--bin",
    "--example",
];

const GEM_VALUE_OPTIONS: &[&str] = &[
    "-i",
    "--install-dir",
    "-n",
    "--bindir",
    "-s",
    "--source",
    "--platform",
    "-P",
    "--trust-policy",
];
