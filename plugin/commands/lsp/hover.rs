//! Hover: a rule's documentation on its findings and on its code in an ignore comment, and a
//! reminder of what an instruction does on its keyword.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};
use rbuild_lints::rule::Rule;
use rbuild_lints::rules;
use rbuild_lints::syntax::{self, Dockerfile, Keyword, Span};

use super::position::Lines;
use crate::commands::rules::docs;
use crate::report::FileReport;

/// What to show at `offset` of the linted text, if anything.
pub fn hover(report: &FileReport, lines: &Lines<'_>, offset: usize) -> Option<Hover> {
    let mut parts = Vec::new();
    let dockerfile = syntax::parse(&report.source).ok();
    if let Some(dockerfile) = &dockerfile {
        if let Some((span, keyword)) = keyword_at(dockerfile, offset) {
            parts.push((
                span,
                format!("**{}**: {}", keyword.as_str(), reminder(keyword)),
            ));
        }
        if let Some((span, found)) = named_rules_at(dockerfile, offset) {
            parts.extend(found.into_iter().map(|rule| (span, docs(rule))));
        }
    }
    let mut shown: Vec<&str> = Vec::new();
    for diagnostic in report
        .diagnostics
        .iter()
        .filter(|d| d.span.start <= offset && offset <= d.span.end)
    {
        if !shown.contains(&diagnostic.rule.code) {
            shown.push(diagnostic.rule.code);
            parts.push((diagnostic.span, docs(diagnostic.rule)));
        }
    }
    let range = parts.iter().map(|(span, _)| *span).reduce(|a, b| {
        // The narrowest part's range: the word the pointer is on.
        if b.len() < a.len() {
            b
        } else {
            a
        }
    })?;
    let texts: Vec<String> = parts.into_iter().map(|(_, text)| text).collect();
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: texts.join("\n\n---\n\n"),
        }),
        range: Some(lines.range(range)),
    })
}

/// The instruction keyword at `offset` (an ONBUILD trigger's too).
fn keyword_at(dockerfile: &Dockerfile, offset: usize) -> Option<(Span, Keyword)> {
    let instruction = rbuild_lints::linter::instruction_at(dockerfile, offset)?;
    [Some(instruction), instruction.onbuild_trigger()]
        .into_iter()
        .flatten()
        .find(|i| i.keyword_span.start <= offset && offset <= i.keyword_span.end)
        .map(|i| (i.keyword_span, i.kind))
}

/// The rules named by the word at `offset` when it is in the list of an ignore comment
/// (`# rbuild ignore=`, `# hadolint ignore=`) or a `# check=skip=` comment or directive.
fn named_rules_at(dockerfile: &Dockerfile, offset: usize) -> Option<(Span, Vec<&'static Rule>)> {
    let line = dockerfile
        .comments
        .iter()
        .copied()
        .chain(dockerfile.directives.iter().map(|d| d.span))
        .find(|span| span.start <= offset && offset <= span.end)?;
    let text = dockerfile.text(line);
    let at = offset - line.start;
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let start = text[..at].rfind(|c: char| !is_id(c)).map_or(0, |i| i + 1);
    let end = text[at..]
        .find(|c: char| !is_id(c))
        .map_or(text.len(), |i| at + i);
    let list_start = ["ignore=", "skip=", "experimental="]
        .iter()
        .filter_map(|key| text.find(key).map(|i| i + key.len()))
        .min()?;
    if start < list_start || start == end {
        return None;
    }
    let found = rules::resolve(&text[start..end]).ok()?;
    Some((Span::new(line.start + start, line.start + end), found))
}

/// One paragraph on what an instruction does.
fn reminder(keyword: Keyword) -> &'static str {
    match keyword {
        Keyword::From => "starts a build stage from a base image (`FROM image[:tag|@digest] [AS name]`), or from an earlier stage by its name; `--platform` picks the image's platform. Every instruction up to the next FROM belongs to this stage.",
        Keyword::Run => "runs a command in a new layer on top of the image so far and keeps what it changed in the file system. Shell form runs through the stage's SHELL (`/bin/sh -c`); exec form (`[\"cmd\", \"arg\"]`) runs the program directly. `--mount` gives the command caches, secrets, SSH agents or other stages' files for its duration only.",
        Keyword::Cmd => "sets the default command of a container (or the default arguments of ENTRYPOINT); `docker run IMAGE ARGS` replaces it. Only the last CMD of the stage counts. Exec form (`[\"prog\", \"arg\"]`) makes the program PID 1 and lets it receive signals.",
        Keyword::Label => "adds key=value metadata to the image (maintainer, source, version...), shown by `docker inspect` and usable in filters.",
        Keyword::Maintainer => "sets the image's author field; deprecated: a `LABEL org.opencontainers.image.authors=...` says the same and can be read like any label.",
        Keyword::Expose => "documents the ports the container listens on (`80`, `53/udp`); it publishes nothing by itself: `docker run -p` or `-P` does.",
        Keyword::Env => "sets environment variables for the following instructions of the stage and for containers started from the image.",
        Keyword::Add => "copies files from the build context into the image, and can also fetch URLs and Git repositories and unpack local tar archives. COPY is clearer when none of that is wanted.",
        Keyword::Copy => "copies files and directories from the build context (or with `--from` from another stage or image) into the image; `--chown`, `--chmod` and `--link` set owner, mode and layering.",
        Keyword::Entrypoint => "sets the program a container runs; CMD or the `docker run` arguments are passed to it. Exec form keeps the program as PID 1 so that it gets signals; shell form wraps it in `/bin/sh -c`.",
        Keyword::Volume => "declares mount points whose contents live outside the container's layer; later instructions' changes to those paths are lost during the build.",
        Keyword::User => "sets the user (and group) that the following RUN, CMD and ENTRYPOINT run as, and that containers start as.",
        Keyword::Workdir => "sets the working directory of the following RUN, CMD, ENTRYPOINT, COPY and ADD instructions, creating it when missing; a relative path is taken from the previous WORKDIR.",
        Keyword::Arg => "declares a build argument that `--build-arg` can set, with an optional default. Before the first FROM it can only be used in FROM lines; inside a stage it is visible to the following instructions but not kept in the image.",
        Keyword::Onbuild => "records an instruction that runs later, when another Dockerfile builds FROM this image; nothing runs in this build.",
        Keyword::Stopsignal => "sets the signal `docker stop` sends to the container's main process (SIGTERM by default).",
        Keyword::Healthcheck => "tells the engine how to check that a running container still works (`HEALTHCHECK [--interval ...] CMD command`), or `NONE` to switch off the base image's check.",
        Keyword::Shell => "sets the shell (exec form, such as `[\"/bin/bash\", \"-c\"]`) that the shell forms of the following RUN, CMD and ENTRYPOINT run through.",
    }
}
