//! The steps a build runs and what each one's cache key is made of, as the builders compute it:
//! the instruction after ARG/ENV expansion, the build args in effect, the base image, and the
//! context paths a COPY or ADD takes. The build explains a cache miss with these (the plugin's
//! `build::cache_explain`); they are computed from the file alone, so this stays pure.
//!
//! Both builders number steps differently: the classic builder counts every instruction of the
//! file (`Step 3/9`), BuildKit counts per stage the FROM of an image (not of `scratch` or of a
//! stage) and the instructions that change the filesystem (`[builder 2/4]`: RUN, COPY, ADD,
//! WORKDIR). Each step carries both numbers so that either builder's progress can be matched
//! to it.

use std::collections::BTreeMap;

use crate::dockerignore::DockerIgnore;
use crate::instructions::scope::{Expanded, Scope};
use crate::rule::{Check, Checker, LintOptions};
use crate::rules::support::{
    context_sources, earlier_stage, global_arg_values_with, is_manifest_name,
};
use crate::syntax::{Arguments, Dockerfile, Instruction, Keyword, Stage};

/// One instruction of the build, with what decides whether the builder's cache has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildStep {
    /// Index into `Dockerfile::instructions`.
    pub instruction: usize,
    pub keyword: Keyword,
    /// The classic builder's step number: every instruction of the file counts.
    pub classic_number: usize,
    /// The stage's index; `None` for the ARGs before the first FROM.
    pub stage: Option<usize>,
    /// BuildKit's number within the stage, for the instructions BuildKit shows as steps.
    pub buildkit_number: Option<usize>,
    /// The instruction as the builder keys it: words expanded where the builder expands them
    /// (not in RUN, CMD and the like, which see the variables through the environment),
    /// heredoc bodies included.
    pub text: String,
    /// The instruction as written (heredoc bodies included): when it is the same and
    /// [`BuildStep::text`] is not, a variable's value changed.
    pub written: String,
    /// The ARGs declared in the stage before this step, with the values they have in this
    /// build (a RUN sees them in its environment).
    pub args: BTreeMap<String, String>,
    /// A FROM of an image (not of a stage, not `scratch`): its reference after expansion.
    pub base_image: Option<String>,
    /// A FROM of an earlier stage: that stage's index.
    pub base_stage: Option<usize>,
    /// COPY/ADD from the context: the sources after expansion.
    pub context_sources: Vec<String>,
    /// RB301 reports this COPY: it copies the whole context before a dependency install.
    pub copies_before_install: bool,
}

/// A Dockerfile's stages as BuildKit labels them in progress (`[builder 2/4]`, `[stage-1 2/3]`).
pub fn buildkit_stage_label(stage: &Stage) -> String {
    match &stage.name {
        Some(name) => name.value.to_ascii_lowercase(),
        None => format!("stage-{}", stage.index),
    }
}

/// The step BuildKit shows as `[LABEL NUMBER/TOTAL]` (`label` is `None` when the file has a
/// single stage: BuildKit labels the stages only when there are several).
pub fn buildkit_step<'a>(
    dockerfile: &Dockerfile,
    steps: &'a [BuildStep],
    label: Option<&str>,
    number: usize,
) -> Option<&'a BuildStep> {
    let stage = match label {
        Some(label) => dockerfile
            .stages
            .iter()
            .position(|stage| buildkit_stage_label(stage) == label)?,
        None => dockerfile.stages.len().checked_sub(1)?,
    };
    steps
        .iter()
        .find(|step| step.stage == Some(stage) && step.buildkit_number == Some(number))
}

/// Every instruction of the file up to the end of the stage the build produces (`--target` in
/// `options`, else the last one), as the classic builder runs them.
pub fn build_steps(dockerfile: &Dockerfile, options: &LintOptions) -> Vec<BuildStep> {
    let produced = options
        .target
        .as_deref()
        .and_then(|target| dockerfile.stage_named(target))
        .or(dockerfile.stages.last());
    let end = produced.map_or(dockerfile.instructions.len(), |stage| {
        stage.instructions.end
    });
    let rb301 = rb301_copies(dockerfile, options);
    let global_values = global_arg_values_with(dockerfile, &options.build_args);
    let globals = Scope::global(dockerfile, options, &global_values);
    let mut steps = Vec::with_capacity(end);
    let first_from = dockerfile
        .stages
        .first()
        .map_or(end, |stage| stage.instructions.start);
    for (index, instruction) in dockerfile.instructions[..first_from.min(end)]
        .iter()
        .enumerate()
    {
        steps.push(BuildStep {
            instruction: index,
            keyword: instruction.kind,
            classic_number: index + 1,
            stage: None,
            buildkit_number: None,
            text: expanded_text(instruction, &globals),
            written: with_heredocs(instruction, instruction.line_text.clone()),
            args: BTreeMap::new(),
            base_image: None,
            base_stage: None,
            context_sources: Vec::new(),
            copies_before_install: false,
        });
    }
    let mut finished: Vec<Scope<'_>> = Vec::with_capacity(dockerfile.stages.len());
    for stage in &dockerfile.stages {
        if stage.instructions.start >= end {
            break;
        }
        let mut scope = Scope::stage(dockerfile, options, &globals, stage, &finished);
        let mut buildkit_number = 0;
        let mut declared: Vec<String> = Vec::new();
        for index in stage.instructions.clone() {
            let instruction = &dockerfile.instructions[index];
            let (base_image, base_stage) = match instruction.kind {
                Keyword::From => base_of(dockerfile, stage, &globals),
                _ => (None, None),
            };
            // A FROM counts when it loads an image; one of `scratch` or of a stage does not.
            let counted = match instruction.kind {
                Keyword::From => base_image.is_some(),
                kind => matches!(
                    kind,
                    Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Workdir
                ),
            };
            buildkit_number += usize::from(counted);
            let text_scope = if instruction.kind == Keyword::From {
                &globals
            } else {
                &scope
            };
            let args = declared
                .iter()
                .map(|name| {
                    let value = crate::shell::Env::get(&scope, name).unwrap_or_default();
                    (name.clone(), value.to_owned())
                })
                .collect();
            steps.push(BuildStep {
                instruction: index,
                keyword: instruction.kind,
                classic_number: index + 1,
                stage: Some(stage.index),
                buildkit_number: counted.then_some(buildkit_number),
                text: expanded_text(instruction, text_scope),
                written: with_heredocs(instruction, instruction.line_text.clone()),
                args,
                base_image,
                base_stage,
                context_sources: context_sources(instruction)
                    .into_iter()
                    .map(|source| match scope.expand(&source.value) {
                        Expanded::Value(value) => value,
                        _ => source.value.clone(),
                    })
                    .collect(),
                copies_before_install: rb301.contains(&index),
            });
            if instruction.kind == Keyword::Arg {
                for decl in instruction.arg_decls(index) {
                    if !declared.contains(&decl.name) {
                        declared.push(decl.name);
                    }
                }
            }
            scope.step(instruction);
        }
        finished.push(scope);
    }
    steps
}

/// What a FROM builds on: an image reference, or an earlier stage.
fn base_of(
    dockerfile: &Dockerfile,
    stage: &Stage,
    globals: &Scope<'_>,
) -> (Option<String>, Option<usize>) {
    let base = match globals.expand(&stage.base.value) {
        Expanded::Value(value) => value,
        _ => stage.base.value.clone(),
    };
    if let Some(parent) = earlier_stage(dockerfile, &base, stage.index) {
        return (None, Some(parent.index));
    }
    if base.eq_ignore_ascii_case("scratch") {
        return (None, None);
    }
    (Some(base), None)
}

/// The instruction's text with its words expanded where the builder expands them.
fn expanded_text(instruction: &Instruction, scope: &Scope<'_>) -> String {
    let expand = |raw: &str| match scope.expand(raw) {
        Expanded::Value(value) => value,
        _ => raw.to_owned(),
    };
    let mut parts = vec![instruction.kind.as_str().to_string()];
    let expands = !matches!(
        instruction.kind,
        Keyword::Run
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Shell
            | Keyword::Healthcheck
            | Keyword::Onbuild
    );
    match (&instruction.args, expands) {
        (_, false) | (Arguments::None | Arguments::Healthcheck { .. }, _) => {
            return with_heredocs(instruction, instruction.line_text.clone());
        }
        (Arguments::Exec(words) | Arguments::Words(words), true) => {
            parts.extend(instruction.flags.iter().map(|flag| expand(&flag.text())));
            parts.extend(words.iter().map(|word| expand(&word.value)));
        }
        (Arguments::Shell(word) | Arguments::Text(word), true) => {
            parts.extend(instruction.flags.iter().map(|flag| expand(&flag.text())));
            parts.push(expand(&word.value));
        }
        (Arguments::KeyValues(pairs), true) => parts.extend(
            pairs
                .iter()
                .map(|pair| format!("{}={}", pair.key.value, expand(&pair.value.value))),
        ),
        (Arguments::Onbuild(_), true) => {}
    }
    with_heredocs(instruction, parts.join(" "))
}

fn with_heredocs(instruction: &Instruction, mut text: String) -> String {
    for heredoc in &instruction.heredocs {
        text.push('\n');
        text.push_str(&heredoc.chomped_content());
    }
    text
}

/// The instructions (by index) RB301 reports: a broad COPY before a dependency install.
fn rb301_copies(dockerfile: &Dockerfile, options: &LintOptions) -> Vec<usize> {
    let rule = &crate::rules::COPY_BEFORE_DEPENDENCY_INSTALL;
    let Checker::Static(check) = rule.check else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    check(&Check::new(dockerfile, options), &mut findings);
    findings
        .iter()
        .filter_map(|finding| {
            dockerfile
                .instructions
                .iter()
                .position(|i| i.span.start <= finding.span.start && finding.span.end <= i.span.end)
        })
        .collect()
}

/// The code of the rule about copying the whole context before installing dependencies.
pub fn copy_before_install_rule() -> &'static str {
    crate::rules::COPY_BEFORE_DEPENDENCY_INSTALL.code
}

/// Whether a package manager reads this file to know what to install (`package.json`,
/// `requirements.txt`, `go.sum`...).
pub fn is_dependency_manifest(path: &str) -> bool {
    is_manifest_name(path)
}

/// Which context paths COPY/ADD sources take: a source names a file or a directory (all that
/// is under it) and may be a pattern (`src/*.js`), matched per path component as the builders
/// match them.
#[derive(Debug, Clone)]
pub struct SourceMatcher {
    /// `None`: the whole context (`.`).
    patterns: Option<DockerIgnore>,
}

impl SourceMatcher {
    pub fn new<S: AsRef<str>>(sources: &[S]) -> SourceMatcher {
        let mut lines = Vec::new();
        for source in sources {
            let cleaned = crate::dockerignore::clean_path(source.as_ref().trim_start_matches('/'));
            if cleaned == "." || cleaned.is_empty() {
                return SourceMatcher { patterns: None };
            }
            // A leading `!` or `#` would mean something else in an ignore file.
            lines.push(cleaned.replace('!', "\\!").replace('#', "\\#"));
        }
        SourceMatcher {
            // A pattern the builder rejects fails the build anyway: it takes nothing here.
            patterns: Some(
                DockerIgnore::parse(&lines.join("\n")).unwrap_or_else(|_| DockerIgnore::empty()),
            ),
        }
    }

    /// Whether the step copies the context path `path` (`/`-separated, relative).
    pub fn takes(&self, path: &str) -> bool {
        match &self.patterns {
            None => true,
            Some(patterns) => patterns.is_excluded(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn steps(text: &str, build_args: &[(&str, &str)], target: Option<&str>) -> Vec<BuildStep> {
        let dockerfile = parse(text).unwrap();
        let options = LintOptions {
            build_args: build_args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            build_args_complete: true,
            target: target.map(str::to_owned),
            ..LintOptions::default()
        };
        build_steps(&dockerfile, &options)
    }

    const MULTI: &str =
        "ARG BASE=alpine:3.19\nFROM $BASE AS Builder\nARG GREETING=hi\nWORKDIR /w\n\
ENV X=$GREETING\nCOPY --chown=$GREETING a.txt /a/\nRUN echo $GREETING > /g\nFROM busybox\n\
COPY --from=builder /g /g\nCOPY . /app\nRUN npm ci\nCMD [\"cat\", \"/g\"]\n";

    #[test]
    fn steps_carry_both_builders_numbers() {
        let all = steps(MULTI, &[], None);
        let numbers: Vec<(usize, Option<usize>, Option<usize>)> = all
            .iter()
            .map(|s| (s.classic_number, s.stage, s.buildkit_number))
            .collect();
        assert_eq!(
            numbers,
            [
                (1, None, None),
                (2, Some(0), Some(1)),
                (3, Some(0), None),
                (4, Some(0), Some(2)),
                (5, Some(0), None),
                (6, Some(0), Some(3)),
                (7, Some(0), Some(4)),
                (8, Some(1), Some(1)),
                (9, Some(1), Some(2)),
                (10, Some(1), Some(3)),
                (11, Some(1), Some(4)),
                (12, Some(1), None),
            ]
        );
        let dockerfile = parse(MULTI).unwrap();
        let labels: Vec<String> = dockerfile.stages.iter().map(buildkit_stage_label).collect();
        assert_eq!(labels, ["builder", "stage-1"]);
        let found = buildkit_step(&dockerfile, &all, Some("stage-1"), 3).unwrap();
        assert_eq!(found.classic_number, 10);
        assert!(buildkit_step(&dockerfile, &all, Some("nope"), 1).is_none());
        assert_eq!(steps(MULTI, &[], Some("builder")).len(), 7);
    }

    #[test]
    fn instructions_are_expanded_and_args_in_effect_known() {
        let all = steps(MULTI, &[("GREETING", "hello"), ("BASE", "debian")], None);
        assert_eq!(all[1].text, "FROM debian AS Builder");
        assert_eq!(all[1].base_image.as_deref(), Some("debian"));
        assert_eq!(all[4].text, "ENV X=hello");
        assert_eq!(all[4].written, "ENV X=$GREETING");
        assert_eq!(all[5].text, "COPY --chown=hello a.txt /a/");
        assert_eq!(all[5].context_sources, ["a.txt"]);
        // RUN is not expanded by the builder: the ARG reaches it through the environment.
        assert_eq!(all[6].text, "RUN echo $GREETING > /g");
        assert_eq!(
            all[6].args,
            BTreeMap::from([("GREETING".to_string(), "hello".to_string())])
        );
        assert!(all[2].args.is_empty(), "an ARG is in effect after it");
        assert_eq!(all[7].base_image.as_deref(), Some("busybox"));
        assert!(
            all[8].context_sources.is_empty(),
            "--from is not the context"
        );
        assert!(all[8].args.is_empty(), "ARGs end with their stage");
        let default = steps(MULTI, &[], None);
        assert_eq!(default[6].args["GREETING"], "hi");
    }

    #[test]
    fn a_stage_base_and_rb301_are_known() {
        let all = steps(
            "FROM alpine AS base\nFROM base\nCOPY . /app\nRUN npm ci\n",
            &[],
            None,
        );
        assert_eq!(all[1].base_stage, Some(0));
        assert_eq!(all[1].base_image, None);
        let numbers: Vec<Option<usize>> = all.iter().map(|s| s.buildkit_number).collect();
        assert_eq!(numbers, [Some(1), None, Some(1), Some(2)]);
        let scratch = steps("FROM scratch\nCOPY a /a\n", &[], None);
        assert_eq!(scratch[0].buildkit_number, None);
        assert_eq!(scratch[1].buildkit_number, Some(1));
        assert!(all[2].copies_before_install);
        assert!(!all[3].copies_before_install);
        assert_eq!(copy_before_install_rule(), "RB301");
        assert!(is_dependency_manifest("web/package.json"));
        assert!(!is_dependency_manifest("src/app.js"));
    }

    #[test]
    fn sources_take_files_directories_and_patterns() {
        let whole = SourceMatcher::new(&["./"]);
        assert!(whole.takes("anything/at/all"));
        let some = SourceMatcher::new(&["src", "*.json", "/docs/a?.md"]);
        assert!(some.takes("src/app.js"));
        assert!(some.takes("src/deep/er.js"));
        assert!(some.takes("package.json"));
        assert!(!some.takes("sub/package.json"));
        assert!(some.takes("docs/ab.md"));
        assert!(!some.takes("docs/abc.md"));
        assert!(!some.takes("srcx"));
        assert!(SourceMatcher::new(&["!odd"]).takes("!odd"));
    }
}
