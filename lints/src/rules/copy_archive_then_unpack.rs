//! RB519: COPY of a tar archive that a later RUN unpacks.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;
use crate::syntax::Keyword;

use super::support::{context_sources, is_tar_archive, stage_instructions};

pub static RULE: Rule = Rule {
    code: "RB519",
    name: "copy-archive-then-unpack",
    severity: Severity::Info,
    severity_reason: "advice: ADD unpacks the archive in one layer",
    summary: "COPY of a tar archive that a later RUN unpacks with tar",
    docs: Docs {
        what_it_does: "Finds a COPY of a tar archive from the build context when a later RUN of \
the same stage runs `tar` on a file of the same name.",
        why_is_this_bad: "The archive stays in the image's COPY layer even if the RUN deletes it \
afterwards, so the image carries both the archive and its contents. ADD unpacks a local tar \
archive in one step and keeps only the contents.",
        example: "FROM debian:bookworm-slim\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz\n",
        use_instead: "FROM debian:bookworm-slim\nADD app.tar.gz /opt/\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3010"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nCOPY dist/site.tar /srv/\nWORKDIR /srv\nRUN tar xf site.tar\n",
            "FROM alpine:3.19\nCOPY src.tar.gz /tmp\nRUN tar --strip=1 -xzf /tmp/src.tar.gz -C /build\n",
        ],
        pass: &[
            "FROM alpine:3.19\nCOPY site.tar /srv/\n",
            "FROM alpine:3.19\nCOPY site.tar /srv/\nFROM alpine:3.19\nRUN tar xf /srv/site.tar\n",
            "FROM alpine:3.19\nCOPY backup.tar.gz /srv/\nRUN tar czf /srv/backup.tar.gz /etc\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        for (index, instruction) in stage_instructions(dockerfile, stage) {
            if instruction.kind != Keyword::Copy {
                continue;
            }
            for source in context_sources(instruction) {
                if !is_tar_archive(&source.value) {
                    continue;
                }
                let name = file_name(&source.value);
                let unpacked_by = stage_instructions(dockerfile, stage)
                    .skip_while(|&(later, _)| later <= index)
                    .flat_map(|(later, _)| check.run_commands(later))
                    .find(|command| {
                        is_tar_extract(command)
                            && command.operands().any(|operand| file_name(operand) == name)
                    });
                if let Some(command) = unpacked_by {
                    findings.push(
                        Finding::new(
                            source.span,
                            format!("`{name}` is copied whole and then unpacked by a later RUN"),
                        )
                        .with_label(command.span, "unpacked here")
                        .with_help(
                            "`ADD` unpacks a local tar archive without keeping it in the image",
                        ),
                    );
                }
            }
        }
    }
}

/// `tar` with the extract mode: `tar xf`, `tar -xzf`, `tar --strip=1 -xf`, `tar --extract`.
fn is_tar_extract(command: &Command) -> bool {
    let mode = command.words.get(1).map(|w| &**w).unwrap_or_default();
    let bare_mode = !mode.starts_with('-') && mode.contains('x');
    let option_mode = command.words.iter().skip(1).any(|word| {
        word == "--extract"
            || (!word.starts_with("--") && word.starts_with('-') && word.contains('x'))
    });
    command.program() == "tar" && (bare_mode || option_mode)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
