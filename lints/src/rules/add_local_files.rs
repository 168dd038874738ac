//! RB518: ADD of plain local files, where COPY does the same with fewer surprises.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Instruction, Keyword};

use super::fix_support::keyword_like;
use super::support::{context_sources, is_tar_archive};

pub static RULE: Rule = Rule {
    code: "RB518",
    name: "add-local-files",
    severity: Severity::Warning,
    severity_reason: "the build works; ADD also unpacks archives and fetches URLs, so a plain COPY says what is meant",
    summary: "ADD of local files or folders instead of COPY",
    docs: Docs {
        what_it_does: "Finds ADD instructions that take plain files or folders from the build \
context. ADD of URLs, git repositories and tar archives (which ADD unpacks) is left alone, as is \
a source given through a variable. A `.zip` is reported: ADD does not unpack it.",
        why_is_this_bad: "ADD also fetches URLs and unpacks tar archives, so a reader cannot tell \
what it will do without knowing the file; COPY only copies. Using COPY for plain files keeps ADD \
as a signal that something more happens. ADD recognises a local archive by its content, not its \
name: a file that happens to be a tar archive is unpacked instead of copied. That surprise makes \
this a warning, not an error: the builder accepts ADD of local files and, for a file that is not \
an archive, does exactly what COPY does, so the build does not fail (hadolint reports DL3020 as \
an error).",
        example: "FROM python:3.12-slim\nADD requirements.txt /app/\nADD src /app/src\n",
        use_instead: "FROM python:3.12-slim\nCOPY requirements.txt /app/\nCOPY src /app/src\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3020"],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Replaces ADD with COPY when every source is a plain local file or directory and no flag is ADD's own (`--checksum`, `--keep-git-dir`, `--unpack`). Unsafe: ADD unpacks a local tar archive whatever its name, COPY copies it as it is.",
        examples: &[
            FixExample {
                before: "FROM python:3.12-slim\nADD requirements.txt /app/\nADD src /app/src\n",
                after: "FROM python:3.12-slim\nCOPY requirements.txt /app/\nCOPY src /app/src\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nADD --chown=app [\"config.yml\", \"/etc/app/\"]\n"],
        pass: &[
            "FROM alpine:3.19\nADD rootfs.tar.xz /\n",
            "FROM alpine:3.19\nADD https://example.com/tool.tar.gz /opt/\n",
            "FROM alpine:3.19\nADD git@github.com:moby/buildkit.git /src\n",
            "FROM alpine:3.19 AS build\nFROM alpine:3.19\nADD --from=build /out /out\n",
            "FROM alpine:3.19\nARG ARCHIVE\nADD ${ARCHIVE} /opt/\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        if instruction.kind != Keyword::Add {
            continue;
        }
        let plain: Vec<_> = context_sources(instruction)
            .into_iter()
            .filter(|source| !source.value.contains('$') && !is_tar_archive(&source.value))
            .collect();
        if let Some(first) = plain.first() {
            findings.push(
                Finding::new(
                    instruction.keyword_span,
                    format!("ADD of local `{}`: COPY copies it plainly", first.value),
                )
                .with_label(first.span, "a plain local source")
                .with_help("use COPY; keep ADD for URLs and tar archives to unpack")
                .with_fix_option(copy_fix(check, instruction, plain.len())),
            );
        }
    }
}

/// ADD -> COPY when every source is a plain local one and no flag is ADD's own (`--checksum`,
/// `--keep-git-dir`, `--unpack`). Unsafe: ADD unpacks a local tar archive whatever its name.
fn copy_fix(check: &Check<'_>, instruction: &Instruction, plain: usize) -> Option<Fix> {
    let (sources, _) = instruction.sources_and_destination()?;
    let add_only = ["checksum", "keep-git-dir", "unpack"];
    if plain != sources.len()
        || instruction
            .flags
            .iter()
            .any(|f| add_only.contains(&f.name.as_str()))
    {
        return None;
    }
    Some(Fix {
        message: "use COPY".to_string(),
        safety: Safety::Unsafe,
        edits: vec![Edit {
            span: instruction.keyword_span,
            replacement: keyword_like(check.dockerfile, instruction, Keyword::Copy),
        }],
    })
}
