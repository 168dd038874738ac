//! RB402: a language package (pip, npm, gem, go) installed by name without a version.

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
        what_it_does: "Finds packages named without a version in `pip install` (`flask==3.0.3`, or any \
specifier such as `>=`, `~=`), `npm install` (`express@4.19.2`), `gem install` (`-v 7.1.3` or \
`rails:7.1.3`) and `go install`/`go get`/`go run` of a remote package (`@v1.2.3`). Installs from \
manifests (`pip install -r requirements.txt`, a bare `npm install`), from local paths and package \
files, and names held in variables are not reported; neither is upgrading pip's own tools \
(`pip install --upgrade pip setuptools wheel`).",
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
        ],
        pass: &[
            "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt -c constraints.txt\n",
            "FROM python:3.12\nRUN pip install --no-cache-dir --upgrade pip setuptools wheel\n",
            "FROM python:3.12\nCOPY . /src\nRUN pip install --no-cache-dir /src ./dist/app-1.0-py3-none-any.whl \"requests>=2.31\" -e .\n",
            "FROM node:22\nCOPY package*.json ./\nRUN npm install && npm install -g pnpm@9.1.0 @scope/tool@1.2.3\n",
            "FROM ruby:3.3\nRUN gem install bundler -v 2.5.11 && gem install rails:7.1.3 --no-document\n",
            "FROM golang:1.22\nCOPY . .\nRUN go install ./cmd/... && go install golang.org/x/tools/gopls@v0.15.3\n",
            "FROM python:3.12\nARG TOOL_SPEC\nRUN pip install --no-cache-dir \"$TOOL_SPEC\"\n",
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
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_help(help(tool)),
            );
        }
    }
}

fn help(tool: &str) -> &'static str {
    match tool {
        "pip install" => "pin the version: `pip install flask==3.0.3`, or list pinned versions in a requirements file",
        "npm install" => "pin the version: `npm install express@4.19.2`, or install from package.json and its lockfile",
        "gem install" => "pin the version: `gem install rails -v 7.1.3`",
        _ => "pin the version: `go install golang.org/x/tools/gopls@v0.15.3`",
    }
}

/// The install tool and the packages it installs by bare name.
fn unpinned_packages(command: &Command) -> Option<(&'static str, Vec<&str>)> {
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
    if command.is("npm", &["install", "i", "add"]) {
        let unpinned = arguments(command, NPM_VALUE_OPTIONS)
            .into_iter()
            .filter(literal)
            .filter(|p| !p.contains(':') && !p.trim_start_matches('@').contains('@'))
            .collect();
        return Some(("npm install", unpinned));
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
        .filter(|p| !is_dynamic(p) && is_remote_go_package(p) && !p.contains('@'))
        .collect();
        return Some(("go install", unpinned));
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
