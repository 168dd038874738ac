//! What the builder rejects after the parser has read the file: the instruction layer (argument
//! counts and forms, flags) and the conversion to a build graph (flag values, mount specs,
//! durations, signals, ports, platforms, variable expansion), as BuildKit's Dockerfile frontend
//! does. Each mistake is a [`Problem`] at the characters that make it; RB001 reports them.
//!
//! Values that depend on something the linter cannot know are left alone: a variable that a
//! `--build-arg` may set (when the build args are not known) or that the base image's ENV may
//! set (when its configuration is not known), a `WORKDIR` the base image may have.
//!
//! Linear in the size of the file: one pass over the instructions, with a scope of variables
//! per stage.

mod flags;
mod mount;
pub(crate) mod scope;
mod values;

use std::collections::BTreeMap;

use crate::rule::LintOptions;
use crate::syntax::{Arguments, Dockerfile, Instruction, Keyword, Span, Word};

pub use mount::{csv_fields, session_mounts, SessionMount, SessionMountKind};
use scope::{Expanded, Scope};

/// A mistake the builder rejects, at the characters that make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    fn new(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            span,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }
}

/// Every instruction-level and conversion-time mistake in `dockerfile`, in file order;
/// `global_values` are the values its FROM lines see ([`Check::global_arg_values`]).
pub fn check(
    dockerfile: &Dockerfile,
    options: &LintOptions,
    global_values: &BTreeMap<String, String>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let stable_frontend = is_stable_frontend(dockerfile);
    problems.extend(values::check_directive(dockerfile));
    for instruction in &dockerfile.instructions {
        if let Some(problem) = arguments(instruction) {
            problems.push(problem);
        } else if let Some(problem) = flags::check(instruction).filter(|_| stable_frontend) {
            problems.push(problem);
        }
    }
    let globals = Scope::global(dockerfile, options, global_values);
    let mut finished: Vec<Scope<'_>> = Vec::with_capacity(dockerfile.stages.len());
    for stage in &dockerfile.stages {
        let from = &dockerfile.instructions[stage.from];
        problems.extend(values::platform(from, &globals));
        let mut scope = Scope::stage(dockerfile, options, &globals, stage, &finished);
        for index in stage.instructions.clone().skip(1) {
            let instruction = &dockerfile.instructions[index];
            convert(
                dockerfile,
                instruction,
                &scope,
                stable_frontend,
                &mut problems,
            );
            scope.step(instruction);
        }
        finished.push(scope);
    }
    problems.sort_by_key(|p| (p.span.start, p.span.end));
    problems
}

/// A `# syntax=` directive naming another frontend (a labs or pinned older one, or a third
/// party's) reads flags we cannot know: their names and values are not checked then.
fn is_stable_frontend(dockerfile: &Dockerfile) -> bool {
    dockerfile.directive("syntax").is_none_or(|syntax| {
        let image = syntax.value.trim();
        let image = image
            .strip_prefix("docker.io/")
            .unwrap_or(image)
            .split('@')
            .next()
            .unwrap_or(image);
        matches!(
            image,
            "docker/dockerfile" | "docker/dockerfile:1" | "docker/dockerfile-upstream:1"
        )
    })
}

/// Argument counts and forms, checked before flags as the builder does.
fn arguments(instruction: &Instruction) -> Option<Problem> {
    let keyword = instruction.kind.as_str();
    let at = instruction.keyword_span;
    let at_least_one = || Problem::new(at, format!("{keyword} needs at least one argument"));
    let exactly_one = || Problem::new(at, format!("{keyword} needs exactly one argument"));
    match (&instruction.kind, &instruction.args) {
        (Keyword::Copy | Keyword::Add, _) if instruction.words().len() < 2 => Some(
            Problem::new(
                instruction.args_span(),
                format!("{keyword} needs a source and a destination"),
            )
            .help(format!("{keyword} <source>... <destination>")),
        ),
        (
            Keyword::Maintainer | Keyword::Workdir | Keyword::User | Keyword::Stopsignal,
            Arguments::None,
        ) => Some(exactly_one()),
        (
            Keyword::Env
            | Keyword::Label
            | Keyword::Arg
            | Keyword::Expose
            | Keyword::Volume
            | Keyword::Healthcheck
            | Keyword::Onbuild,
            Arguments::None,
        ) => Some(at_least_one()),
        (Keyword::Volume | Keyword::Shell, Arguments::Exec(words)) if words.is_empty() => {
            Some(at_least_one())
        }
        (Keyword::Shell, Arguments::None) => Some(at_least_one()),
        // Accepted by the instruction layer, but the build fails: nothing to run.
        (Keyword::Run, Arguments::Exec(words)) if words.is_empty() => Some(
            Problem::new(instruction.args_span(), "RUN [] has no command to run")
                .help("write the command: `RUN [\"program\", \"arg\"]`"),
        ),
        (Keyword::Shell, Arguments::Shell(word)) => Some(
            Problem::new(word.span, "SHELL takes a JSON array")
                .help("write it as `SHELL [\"/bin/sh\", \"-c\"]`, with double quotes"),
        ),
        (Keyword::Volume, Arguments::Exec(words)) => words
            .iter()
            .find(|w| w.value.trim().is_empty())
            .map(|w| Problem::new(w.span, "VOLUME names an empty path")),
        (Keyword::Env | Keyword::Label, Arguments::KeyValues(pairs)) => pairs
            .iter()
            .find(|pair| pair.key.value.is_empty())
            .map(|pair| {
                Problem::new(
                    pair.value.span,
                    format!("{keyword} has a value without a name"),
                )
            }),
        (Keyword::Arg, Arguments::Words(words)) => words
            .iter()
            .find(|w| w.value.starts_with('='))
            .map(|w| Problem::new(w.span, "ARG has a value without a name")),
        (Keyword::Healthcheck, Arguments::Healthcheck { kind, command }) => {
            values::healthcheck_form(instruction, kind, command)
        }
        _ => None,
    }
}

/// The checks the builder makes when it turns one instruction into build steps.
fn convert(
    dockerfile: &Dockerfile,
    instruction: &Instruction,
    scope: &Scope<'_>,
    stable_frontend: bool,
    problems: &mut Vec<Problem>,
) {
    let mut expand_each = |words: &[&Word], what: &str| {
        for word in words {
            if let Expanded::Error(error) = scope.expand(&word.value) {
                problems.push(Problem::new(
                    word.span,
                    format!("cannot expand {what} `{}`: {error}", word.value),
                ));
            }
        }
    };
    match instruction.kind {
        Keyword::Env | Keyword::Label => {
            let words: Vec<&Word> = instruction
                .key_values()
                .iter()
                .filter(|pair| !pair.legacy)
                .map(|pair| &pair.value)
                .collect();
            expand_each(&words, "the value");
        }
        Keyword::Arg => {
            let words: Vec<&Word> = instruction.words().iter().collect();
            expand_each(&words, "the ARG");
        }
        Keyword::Expose => problems.extend(values::expose(instruction, scope)),
        Keyword::Stopsignal => problems.extend(values::stop_signal(instruction, scope)),
        Keyword::Volume => problems.extend(values::volume(instruction, scope)),
        Keyword::Copy | Keyword::Add => problems.extend(values::copy(
            dockerfile,
            instruction,
            scope,
            stable_frontend,
        )),
        Keyword::Run => problems.extend(mount::check_run(instruction, scope, stable_frontend)),
        Keyword::Healthcheck => problems.extend(values::healthcheck_flags(instruction)),
        _ => {}
    }
}
