//! The images a build reads, and the stages a `--target` needs: what the daemon-aware checks
//! look up before a build starts.

use std::collections::BTreeMap;

use crate::rule::LintOptions;
use crate::rules::support::{expand_base, global_arg_values_with, stage_matches};
use crate::shell::Lexer;
use crate::syntax::{Dockerfile, Keyword, Span};

/// Where an image is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageUseKind {
    /// `FROM image`
    Base,
    /// `COPY --from=image` or `ADD --from=image`
    CopyFrom,
    /// `RUN --mount=...,from=image`
    MountFrom,
}

/// An image reference the build will resolve, after ARG expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    pub reference: String,
    pub kind: ImageUseKind,
    /// The characters that name the image (the FROM word, or the whole flag).
    pub span: Span,
    /// The stage it is used in.
    pub stage: usize,
    /// `FROM --platform=` of that stage, expanded.
    pub platform: Option<String>,
}

/// Images used by the stages the build needs (all of them without `--target`, else the
/// target and the stages it reads from). References that still contain `$` after expansion,
/// `scratch` and stage names are left out.
pub fn image_uses(dockerfile: &Dockerfile, options: &LintOptions) -> Result<Vec<ImageUse>, String> {
    let values = global_arg_values_with(dockerfile, &options.build_args);
    let lexer = Lexer::new(dockerfile.escape);
    let expand = |text: &str| lexer.expand_word(text, &values).ok().map(|e| e.value);
    let needed = needed_stages(dockerfile, options, &values)?;
    let mut uses = Vec::new();
    for stage in dockerfile.stages.iter().filter(|s| needed[s.index]) {
        let platform = stage.platform.as_deref().and_then(expand);
        let mut push = |reference: String, kind, span| {
            let is_stage = dockerfile.stages[..stage.index].iter().any(|s| {
                s.name
                    .as_ref()
                    .is_some_and(|n| n.value.eq_ignore_ascii_case(&reference))
            });
            if !reference.is_empty()
                && !reference.contains('$')
                && reference != "scratch"
                && !is_stage
            {
                uses.push(ImageUse {
                    reference,
                    kind,
                    span,
                    stage: stage.index,
                    platform: platform.clone(),
                });
            }
        };
        if let Ok(base) = expand_base(dockerfile, &values, stage) {
            push(base.value, ImageUseKind::Base, stage.base.span);
        }
        for index in stage.instructions.clone() {
            let instruction = &dockerfile.instructions[index];
            match instruction.kind {
                Keyword::Copy | Keyword::Add => {
                    if let Some(flag) = instruction.flag("from") {
                        if let Some(reference) = flag.value.as_deref().and_then(expand) {
                            if reference.parse::<usize>().is_err() {
                                push(reference, ImageUseKind::CopyFrom, flag.span);
                            }
                        }
                    }
                }
                Keyword::Run => {
                    for flag in instruction.flags_named("mount") {
                        let Some(from) = flag.value.as_deref().and_then(mount_from) else {
                            continue;
                        };
                        if let Some(reference) =
                            expand(&from).filter(|r| r.parse::<usize>().is_err())
                        {
                            push(reference, ImageUseKind::MountFrom, flag.span);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(uses)
}

/// The `from=` of a `--mount` value such as `type=bind,from=build,target=/src`.
pub fn mount_from(value: &str) -> Option<String> {
    value
        .split(',')
        .filter_map(|field| field.split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("from"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// Which stages a build of `options.target` (or of the last stage) runs.
fn needed_stages(
    dockerfile: &Dockerfile,
    options: &LintOptions,
    values: &BTreeMap<String, String>,
) -> Result<Vec<bool>, String> {
    let stages = &dockerfile.stages;
    let mut needed = vec![false; stages.len()];
    let target = match &options.target {
        None => stages.len().checked_sub(1),
        Some(name) => Some(
            stages
                .iter()
                .position(|s| {
                    s.name
                        .as_ref()
                        .is_some_and(|n| n.value.eq_ignore_ascii_case(name))
                })
                .ok_or_else(|| format!("target stage `{name}` could not be found"))?,
        ),
    };
    let mut pending: Vec<usize> = target.into_iter().collect();
    let lexer = Lexer::new(dockerfile.escape);
    while let Some(index) = pending.pop() {
        if std::mem::replace(&mut needed[index], true) {
            continue;
        }
        let stage = &stages[index];
        let mut references: Vec<String> = Vec::new();
        if let Ok(base) = expand_base(dockerfile, values, stage) {
            references.push(base.value);
        }
        for instruction in &dockerfile.instructions[stage.instructions.clone()] {
            references.extend(instruction.flag("from").and_then(|f| f.value.clone()));
            references.extend(
                instruction
                    .flags_named("mount")
                    .filter_map(|f| mount_from(f.value.as_deref()?)),
            );
        }
        for reference in references {
            let reference = lexer
                .expand_word(&reference, values)
                .map(|e| e.value)
                .unwrap_or(reference);
            if let Some(earlier) = stages[..index]
                .iter()
                .rev()
                .find(|s| stage_matches(s, &reference))
            {
                pending.push(earlier.index);
            }
        }
    }
    Ok(needed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn references(text: &str, target: Option<&str>, args: &[(&str, &str)]) -> Vec<String> {
        let dockerfile = parse(text).unwrap();
        let options = LintOptions {
            target: target.map(str::to_string),
            build_args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..LintOptions::default()
        };
        image_uses(&dockerfile, &options)
            .unwrap()
            .into_iter()
            .map(|u| u.reference)
            .collect()
    }

    const MULTI: &str = "ARG BASE=alpine:3.19\n\
FROM golang:1.22 AS build\n\
RUN --mount=type=cache,target=/root/.cache,from=cache-img:1 go build\n\
FROM ${BASE} AS runtime\n\
COPY --from=build /app /app\n\
COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n\
FROM debian:12 AS docs\n\
FROM runtime AS final\n";

    #[test]
    fn all_stages_of_the_last_stage() {
        assert_eq!(
            references(MULTI, None, &[]),
            ["golang:1.22", "cache-img:1", "alpine:3.19", "nginx:1.27"]
        );
    }

    #[test]
    fn target_limits_the_stages_and_build_args_expand() {
        assert_eq!(references(MULTI, Some("docs"), &[]), ["debian:12"]);
        assert_eq!(
            references(MULTI, Some("build"), &[]),
            ["golang:1.22", "cache-img:1"]
        );
        assert_eq!(
            references(MULTI, Some("runtime"), &[("BASE", "busybox:1")]),
            ["golang:1.22", "cache-img:1", "busybox:1", "nginx:1.27"]
        );
    }

    #[test]
    fn unknown_target_is_an_error() {
        let dockerfile = parse(MULTI).unwrap();
        let options = LintOptions {
            target: Some("nope".into()),
            ..LintOptions::default()
        };
        assert_eq!(
            image_uses(&dockerfile, &options).unwrap_err(),
            "target stage `nope` could not be found"
        );
    }
}
