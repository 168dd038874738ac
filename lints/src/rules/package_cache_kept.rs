//! RB405: a package manager's download cache or index is left in the image.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::script::Command;
use crate::syntax::{Dockerfile, Keyword};

use super::fix_support::{append_to_run, insert_option};
use super::run_support::{
    cache_mount_covers, cache_mount_targets, in_shipped_stage, is_pip_install, runs,
    shipped_stages, written_words, Run,
};

pub static RULE: Rule = Rule {
    code: "RB405",
    name: "package-cache-kept",
    severity: Severity::Info,
    severity_reason: "advice: a smaller image, the build works either way",
    summary: "Package manager cache or index left in the image",
    docs: Docs {
        what_it_does: "Finds RUN instructions whose package manager leaves its cache in the layer:
- `apt-get update` without `rm -rf /var/lib/apt/lists/*` (or `apt-get dist-clean`) in the same RUN;
- `apk add` without `--no-cache` (or `--no-network`, which downloads nothing);
- `yum`, `dnf`, `microdnf` or `zypper` installs without `yum clean all`, `dnf clean all`, \
`microdnf clean all`, `zypper clean` (or removing their cache directory) in the same RUN;
- `pip install` without `--no-cache-dir` (or `PIP_NO_CACHE_DIR` set by ENV, ARG or on the command);
- `yarn install` without `yarn cache clean`.

Not reported when the RUN mounts a cache or tmpfs on the directory (`RUN --mount=type=cache,\
target=/var/lib/apt/lists` or `/var/cache/apt`, `/var/cache/apk`, `/var/cache/dnf`, `/root/.cache/pip`, \
a yarn cache directory): the cache then never reaches the image, and keeping it between builds is the \
point. Not reported either in stages whose files do not end up in the image (a builder stage read only \
by `COPY --from`): their layers are thrown away.",
        why_is_this_bad: "Package indexes and downloaded archives are only needed while installing, yet \
they stay in the layer: tens to hundreds of megabytes in every image pulled and stored. Removing them \
in a later RUN does not help, since the earlier layer still holds them.",
        example: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n",
        use_instead: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3009", "DL3019", "DL3032", "DL3036", "DL3040", "DL3042", "DL3060"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Mixed,
        description: "Adds `--no-cache` to `apk add` and `--no-cache-dir` to `pip install`; ends a shell-form RUN with `&& rm -rf /var/lib/apt/lists/*`, `&& yum clean all`, `&& dnf clean all`, `&& zypper clean -a` or `&& yarn cache clean` (not offered when the script ends in a comment, `;`, `&` or `)`, or is a heredoc). Safe: the same packages, a smaller layer. Removing the apt lists is unsafe when a later RUN installs with apt without its own `apt-get update`: that install would then fail.",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n",
                after: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 && rm -rf /var/lib/apt/lists/*\n",
            },
            FixExample {
                before: "FROM alpine:3.19\nRUN apk add curl=8.5.0-r0\n",
                after: "FROM alpine:3.19\nRUN apk add --no-cache curl=8.5.0-r0\n",
            },
            FixExample {
                before: "FROM python:3.12\nRUN pip install flask==3.0.3\n",
                after: "FROM python:3.12\nRUN pip install --no-cache-dir flask==3.0.3\n",
            },
            FixExample {
                before: "FROM centos:7\nRUN yum install -y \\\n    httpd-2.4.6\n",
                after: "FROM centos:7\nRUN yum install -y \\\n    httpd-2.4.6 \\\n    && yum clean all\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nRUN apk add curl=8.5.0-r0\n",
            "FROM centos:7\nRUN yum install -y httpd-2.4.6\n",
            "FROM fedora:40\nRUN microdnf install -y nginx-1.24.0\n",
            "FROM opensuse/leap:15\nRUN zypper -n install git=2.35.3\n",
            "FROM python:3.12\nRUN pip install flask==3.0.3\n",
            "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/go-build pip install flask==3.0.3\n",
            "FROM node:22\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n",
            "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\nFROM base\nCMD [\"curl\"]\n",
        ],
        pass: &[
            "FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n    apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n",
            "FROM alpine:3.19\nRUN --mount=type=cache,target=/var/cache/apk apk add curl=8.5.0-r0\nRUN apk add --no-cache git=2.43.0-r0\n",
            "FROM python:3.12\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.3\n",
            "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.0.3\n",
            "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache pip install flask==3.0.3\n",
            "FROM python:3.12\nRUN PIP_NO_CACHE_DIR=off pip install flask==3.0.3\n",
            "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
            "FROM debian:13\nRUN apt-get update && apt-get install -y --no-install-recommends gnupg=2.4.7-21 && apt-get dist-clean\n",
            "FROM node:22-alpine\nRUN apk add --no-network --virtual .rundeps $runDeps && yarn --version\n",
            "FROM fedora:40\nRUN dnf install -y nginx-1.24.0 && rm -rf /var/cache/dnf\n",
            "FROM node:22 AS build\nCOPY . .\nRUN yarn install --frozen-lockfile && yarn build\nFROM nginx:1.27\nCOPY --from=build /dist /usr/share/nginx/html\n",
            "FROM node:22\nCOPY . .\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let shipped = shipped_stages(check);
    for run in runs(check) {
        if !in_shipped_stage(check, &shipped, run.index) {
            continue;
        }
        for cache in CACHES {
            let Some(trigger) = run.commands.iter().find(|c| (cache.fills)(c)) else {
                continue;
            };
            let mounted = cache
                .directories
                .iter()
                .any(|d| cache_mount_covers(run.instruction, d))
                || cache_mount_targets(run.instruction)
                    .iter()
                    .any(|t| cache.mount_hint.is_some_and(|hint| t.contains(hint)));
            let cleaned = run
                .commands
                .iter()
                .any(|c| (cache.cleans)(c) || removes_any(c, cache.directories));
            if mounted || cleaned || (cache.kept_off)(dockerfile, run.index, trigger) {
                continue;
            }
            let message = cache.message.replace("{program}", trigger.program());
            findings.push(
                Finding::new(trigger.span, message)
                    .with_help(cache.help)
                    .with_fix_option(cache_fix(check, &run, cache, trigger)),
            );
        }
    }
}

/// One package manager's cache and the ways to keep it out of the layer.
struct Cache {
    /// The command that fills the cache.
    fills: fn(&Command) -> bool,
    /// A command of the same RUN that empties it.
    cleans: fn(&Command) -> bool,
    /// Other ways the cache is never written (an option, an environment variable).
    kept_off: fn(&Dockerfile, usize, &Command) -> bool,
    /// Where the cache lives; removing or cache-mounting any of them is enough.
    directories: &'static [&'static str],
    /// A cache mount whose target contains this also holds it (per-user cache homes).
    mount_hint: Option<&'static str>,
    /// `{program}` stands for the program as written (`apt` or `apt-get`).
    message: &'static str,
    help: &'static str,
}

const CACHES: &[Cache] = &[
    Cache {
        fills: |c| c.is("apt-get", &["update"]) || c.is("apt", &["update"]),
        cleans: |c| c.is("apt-get", &["dist-clean"]) || c.is("apt", &["dist-clean"]),
        kept_off: |_, _, _| false,
        directories: &["/var/lib/apt/lists", "/var/cache/apt"],
        mount_hint: None,
        message: "`{program} update` leaves the package lists of /var/lib/apt/lists in the layer",
        help: "end the RUN with `&& rm -rf /var/lib/apt/lists/*`, or mount a cache: `RUN --mount=type=cache,target=/var/lib/apt/lists ...`",
    },
    Cache {
        fills: |c| c.is("apk", &["add"]),
        cleans: |_| false,
        // `--no-network` installs from what is already there and downloads nothing.
        kept_off: |_, _, c| c.has_word("--no-cache") || c.has_word("--no-network"),
        directories: &["/var/cache/apk", "/etc/apk/cache"],
        mount_hint: None,
        message: "`apk add` without `--no-cache` keeps the package index in /var/cache/apk",
        help: "use `apk add --no-cache ...`, or mount a cache: `RUN --mount=type=cache,target=/var/cache/apk ...`",
    },
    Cache {
        fills: |c| c.is("yum", &["install", "groupinstall", "localinstall", "update", "upgrade"]),
        cleans: |c| c.is("yum", &["clean"]),
        kept_off: |_, _, _| false,
        directories: &["/var/cache/yum"],
        mount_hint: None,
        message: "yum leaves its cache in /var/cache/yum",
        help: "end the RUN with `&& yum clean all`, or mount a cache: `RUN --mount=type=cache,target=/var/cache/yum ...`",
    },
    Cache {
        fills: |c| {
            ["dnf", "microdnf"]
                .iter()
                .any(|p| c.is(p, &["install", "groupinstall", "update", "upgrade", "reinstall"]))
        },
        cleans: |c| c.is("dnf", &["clean"]) || c.is("microdnf", &["clean"]),
        kept_off: |_, _, _| false,
        directories: &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"],
        mount_hint: None,
        message: "dnf leaves its cache in /var/cache/dnf",
        help: "end the RUN with `&& dnf clean all` (`microdnf clean all`), or mount a cache: `RUN --mount=type=cache,target=/var/cache/dnf ...`",
    },
    Cache {
        fills: |c| c.is("zypper", &["install", "in", "update", "up", "dist-upgrade", "dup"]),
        cleans: |c| c.is("zypper", &["clean", "cc"]),
        kept_off: |_, _, _| false,
        directories: &["/var/cache/zypp"],
        mount_hint: None,
        message: "zypper leaves its cache in /var/cache/zypp",
        help: "end the RUN with `&& zypper clean -a`, or mount a cache: `RUN --mount=type=cache,target=/var/cache/zypp ...`",
    },
    Cache {
        fills: is_pip_install,
        cleans: |_| false,
        kept_off: |dockerfile, index, c| {
            c.has_word("--no-cache-dir")
                || environment_sets(dockerfile, index, c, "PIP_NO_CACHE_DIR")
        },
        directories: &["/root/.cache/pip"],
        // Other users' pip caches (`/home/app/.cache/pip`) or `PIP_CACHE_DIR` locations.
        mount_hint: Some("pip"),
        message: "`pip install` keeps downloaded packages in pip's cache (~/.cache/pip)",
        help: "add `--no-cache-dir` (or `ENV PIP_NO_CACHE_DIR=1`), or mount a cache: `RUN --mount=type=cache,target=/root/.cache/pip ...`",
    },
    Cache {
        fills: |c| {
            // A bare `yarn` installs too; `yarn --version` does not.
            c.program() == "yarn"
                && match c.operands().next() {
                    Some(sub) => sub == "install",
                    None => !["--version", "-v", "--help", "-h"].iter().any(|o| c.has_word(o)),
                }
        },
        cleans: |c| c.is("yarn", &["cache"]) && c.has_word("clean"),
        kept_off: |_, _, _| false,
        directories: &["/usr/local/share/.cache/yarn"],
        mount_hint: Some("yarn"),
        message: "`yarn install` keeps every downloaded package in yarn's cache",
        help: "end the RUN with `&& yarn cache clean`, or mount a cache: `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn ...`",
    },
];

/// True when `command` deletes one of `directories` or its contents (`rm -rf /var/cache/apk/*`).
/// The fix of a cache's finding: the option that keeps the cache out (`apk add --no-cache`,
/// `pip install --no-cache-dir`), or the cleaning command appended to the RUN. Removing the apt
/// lists is unsafe when a later RUN installs with apt without updating the lists itself.
fn cache_fix(check: &Check<'_>, run: &Run<'_>, cache: &Cache, trigger: &Command) -> Option<Fix> {
    let dockerfile = check.dockerfile;
    let append = |command: &str, safety: Safety| {
        let edit = append_to_run(dockerfile, run.instruction, run.commands, command)?;
        Some(Fix {
            message: format!("end the RUN with `&& {command}`"),
            safety,
            edits: vec![edit],
        })
    };
    match cache.directories.first().copied()? {
        "/var/lib/apt/lists" => {
            let later_install_needs_lists =
                runs(check).skip_while(|r| r.index <= run.index).any(|r| {
                    let apt = |c: &&Command| c.program() == "apt-get" || c.program() == "apt";
                    r.commands.iter().filter(apt).any(|c| {
                        c.is(
                            c.program(),
                            &["install", "upgrade", "dist-upgrade", "build-dep", "source"],
                        )
                    }) && !r
                        .commands
                        .iter()
                        .filter(apt)
                        .any(|c| c.is(c.program(), &["update"]))
                });
            let safety = if later_install_needs_lists {
                Safety::Unsafe
            } else {
                Safety::Safe
            };
            append("rm -rf /var/lib/apt/lists/*", safety)
        }
        "/var/cache/apk" => insert_option(dockerfile, trigger, true, "--no-cache", Safety::Safe),
        "/var/cache/yum" => append("yum clean all", Safety::Safe),
        "/var/cache/dnf" => append(&format!("{} clean all", trigger.program()), Safety::Safe),
        "/var/cache/zypp" => append("zypper clean -a", Safety::Safe),
        "/root/.cache/pip" => {
            let install = super::fix_support::word_after_program(dockerfile, trigger, "install")?;
            Some(Fix {
                message: "add `--no-cache-dir`".to_string(),
                safety: Safety::Safe,
                edits: vec![Edit {
                    span: crate::syntax::Span::new(install.end, install.end),
                    replacement: " --no-cache-dir".to_string(),
                }],
            })
        }
        "/usr/local/share/.cache/yarn" => append("yarn cache clean", Safety::Safe),
        _ => None,
    }
}

fn removes_any(command: &Command, directories: &[&str]) -> bool {
    command.program() == "rm"
        && command.operands().any(|operand| {
            directories.iter().any(|d| {
                operand
                    .strip_prefix(d)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        })
}

/// True when `variable` is set for the command: on the command line (`NAME=x pip ...`,
/// which [`Command::words`] leaves out), or by an ENV or ARG earlier in the file.
fn environment_sets(
    dockerfile: &Dockerfile,
    index: usize,
    command: &Command,
    variable: &str,
) -> bool {
    let prefix = format!("{variable}=");
    written_words(dockerfile, command)
        .take_while(|w| w.contains('='))
        .any(|w| w.starts_with(&prefix))
        || dockerfile.instructions[..index]
            .iter()
            .any(|i| match i.kind {
                Keyword::Env => i.key_values().iter().any(|kv| kv.key.value == variable),
                Keyword::Arg => i
                    .words()
                    .iter()
                    .any(|w| w.value == variable || w.value.starts_with(&prefix)),
                _ => false,
            })
}
