//! RB605: `npm install` where the lockfile is there and `npm ci` fits.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::Keyword;

use super::fix_support::word_after_program;
use super::run_support::{arguments, has_option, runs};
use super::support::{context_sources, glob_match};

pub static RULE: Rule = Rule {
    code: "RB605",
    name: "npm-install-with-lockfile",
    severity: Severity::Info,
    severity_reason: "advice: `npm ci` is faster and installs exactly the lockfile",
    summary: "`npm install` from a copied lockfile, where `npm ci` fits",
    docs: Docs {
        what_it_does: "Finds `npm install` (or `npm i`) without package names, in a stage where an \
earlier COPY or ADD brought `package-lock.json` or `npm-shrinkwrap.json` (named, or matched by a \
pattern such as `package*.json`), or where the RUN bind-mounts it.",
        why_is_this_bad: "`npm install` treats the lockfile as a starting point: when it and \
package.json disagree, it resolves new versions and rewrites the lockfile inside the image, so the \
image can contain dependencies nobody reviewed. `npm ci` installs exactly what the lockfile lists, \
fails when it is out of date, and starts from a clean node_modules.",
        example: "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm install\n",
        use_instead: "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Replaces `npm install` with `npm ci`. Unsafe: `npm ci` removes an existing node_modules and fails when package.json and the lockfile disagree, where `npm install` would update the lockfile.",
        examples: &[
            FixExample {
                before: "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm install\n",
                after: "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM node:22\nCOPY package*.json ./\nRUN npm i --omit=dev\n",
            "FROM node:22\nRUN --mount=type=bind,source=package-lock.json,target=package-lock.json --mount=type=bind,source=package.json,target=package.json npm install\n",
        ],
        pass: &[
            "FROM node:22\nCOPY package.json ./\nRUN npm install\n",
            "FROM node:22\nCOPY package*.json ./\nRUN npm ci && npm install -g pm2@5.4.0\n",
        ],
    },
    check: Checker::Static(check),
};

const LOCKFILES: &[&str] = &["package-lock.json", "npm-shrinkwrap.json"];

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    // Whether the stage has copied a lockfile yet, followed through the file once (RUNs come
    // in file order): linear in the number of instructions, however many RUNs there are.
    let mut copied_before = false;
    let mut scanned = 0;
    for run in runs(check) {
        for instruction in &dockerfile.instructions[scanned..run.index] {
            if instruction.kind == Keyword::From {
                copied_before = false;
            }
            copied_before |= context_sources(instruction)
                .iter()
                .any(|source| names_lockfile(&source.value));
        }
        scanned = run.index;
        let mounted = run.instruction.flags_named("mount").any(|flag| {
            flag.value.as_deref().is_some_and(|value| {
                value
                    .split(',')
                    .filter_map(|f| f.split_once('='))
                    .any(|(k, v)| matches!(k, "source" | "src") && names_lockfile(v))
            })
        });
        if !copied_before && !mounted {
            continue;
        }
        for command in run.commands.iter() {
            let from_lockfile = command.is("npm", &["install", "i"])
                && arguments(
                    command,
                    &["--prefix", "--registry", "--cache", "--omit", "--include"],
                )
                .is_empty()
                && !has_option(command, &["--global"], &['g'], &[]);
            if from_lockfile {
                findings.push(
                    Finding::new(
                        command.span,
                        "`npm install` may re-resolve and rewrite the lockfile the build copied",
                    )
                    .with_help("use `npm ci` to install exactly what package-lock.json lists")
                    .with_fix_option(
                        command
                            .operands()
                            .next()
                            .and_then(|sub| word_after_program(dockerfile, command, sub))
                            .map(|span| Fix {
                                message: "use `npm ci`".to_string(),
                                safety: Safety::Unsafe,
                                edits: vec![Edit {
                                    span,
                                    replacement: "ci".to_string(),
                                }],
                            }),
                    ),
                );
            }
        }
    }
}

fn names_lockfile(source: &str) -> bool {
    let name = source.rsplit('/').next().unwrap_or(source);
    LOCKFILES.iter().any(|lockfile| glob_match(name, lockfile))
}
