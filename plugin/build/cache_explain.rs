//! Saying why the build cache missed. After every successful build, what each step's cache key
//! is made of (the instruction after ARG/ENV expansion, the build args in effect, the base
//! image's ID, the digests of the context files a COPY/ADD takes) is recorded in the `builds`
//! area of [`crate::store`], keyed by daemon endpoint, builder, context, Dockerfile and target.
//! The next build of the same key finds the first step the builder did not take from its
//! cache, compares it with the record and says what changed and what it cost: one `cache:`
//! line on stderr (tty and plain progress), one JSON object on stdout (rawjson), nothing with
//! quiet progress. A store that cannot be used never fails the build.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::Duration;

use rbuild_lints::build_steps::{
    build_steps, buildkit_step, copy_before_install_rule, is_dependency_manifest, BuildStep,
    SourceMatcher,
};
use rbuild_lints::rule::LintOptions;
use rbuild_lints::syntax::{Dockerfile, Keyword};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::builder::Builder;
use super::progress::{ProgressMode, Step, StepScope};
use super::request::BuildConfig;
use crate::context::{BuildContext, FileDigests};
use crate::endpoint::Endpoint;
use crate::store::Store;

/// The size limit of all records together.
const STORE_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// A context with more copied files than this is recorded without its files (a record stays
/// a few megabytes at most).
const MAX_RECORDED_FILES: usize = 50_000;
/// How many changed paths the text names before `and N more`.
const NAMED_FILES: usize = 5;
/// How many changed paths of each kind the JSON object lists.
const LISTED_FILES: usize = 100;
/// Bumped when the record's meaning changes: older records are then ignored.
const RECORD_VERSION: u32 = 1;

/// What one build's steps were made of, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    version: u32,
    steps: Vec<StepRecord>,
    /// Digests of the context files some step copies; `None` when they were not recorded.
    files: Option<BTreeMap<String, String>>,
}

/// One step of a recorded build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Which step this is, the same from one build to the next: `7` (the classic builder's
    /// number) or `builder 4` (BuildKit's stage and number).
    key: String,
    /// How progress shows it: `7/11`, `[builder 4/4]`.
    label: String,
    /// Its place in the file, for ordering.
    order: usize,
    /// A FROM (or a global ARG): never taken from the cache, nothing to explain.
    from: bool,
    /// The instruction as the builder keys it.
    instruction: String,
    /// The instruction as written.
    written: String,
    /// The instruction as the progress showed it.
    shown: String,
    args: BTreeMap<String, String>,
    base: Option<Base>,
    /// COPY/ADD sources from the context.
    sources: Vec<String>,
    /// RB301 reports this COPY.
    copies_before_install: bool,
    cached: bool,
    seconds: f64,
}

/// The image a stage is built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    name: String,
    /// The image ID the daemon had under that name after the build, when it has it.
    id: Option<String>,
}

/// What a build of the same key can be told.
#[derive(Debug, Clone, PartialEq)]
pub enum Explanation {
    /// No record to compare with.
    FirstBuild,
    /// `--no-cache`: nothing was taken from the cache on purpose.
    NoCache,
    /// Every step came from the cache.
    AllCached { steps: usize },
    /// The first step that re-ran, why, and what re-ran after it.
    Missed {
        step: Box<StepRecord>,
        change: Change,
        /// The changed files are no dependency manifests and RB301 reports the COPY.
        rb301: bool,
        after: Vec<StepRecord>,
    },
}

/// What changed for the first step that re-ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The step was not in the last build.
    NewStep,
    Instruction {
        old: String,
    },
    BaseImage {
        old: Base,
        new: Base,
    },
    /// Build args: name, old value, new value (`None`: not set).
    BuildArgs(Vec<(String, Option<String>, Option<String>)>),
    Files {
        added: Vec<String>,
        removed: Vec<String>,
        modified: Vec<String>,
    },
    /// An earlier step changed but was taken from the cache all the same (the cache held
    /// its new result from another build).
    Earlier {
        label: String,
        shown: String,
        change: Box<Change>,
    },
    /// Nothing recorded changed.
    Unknown,
}

/// Everything needed after the build, taken before the context is sent.
pub struct Explainer {
    key: Vec<String>,
    dockerfile: Dockerfile,
    steps: Vec<BuildStep>,
    digests: FileDigests,
    no_cache: bool,
    mode: ProgressMode,
}

impl Explainer {
    /// `None` when the build is not to be recorded (`--no-explain-cache`) or cannot be: a
    /// context read from stdin, or a Dockerfile the parser rejects (the builder will say why).
    pub fn prepare(
        endpoint: &Endpoint,
        builder: Builder,
        config: &BuildConfig,
        context: &BuildContext,
    ) -> Option<Explainer> {
        if !config.explain_cache {
            return None;
        }
        let context_dir = context.context_dir.clone()?;
        // A git context is checked out afresh each time: it is known by its URL.
        let location = match std::path::Path::new(&config.context).is_dir() {
            true => context_dir.display().to_string(),
            false => config.context.clone(),
        };
        let dockerfile = rbuild_lints::syntax::parse_bytes(&context.dockerfile).ok()?;
        let options = LintOptions {
            context_dir: Some(context_dir),
            build_args: config.build_args.iter().cloned().collect(),
            build_args_complete: true,
            target: config.target.clone(),
            ..LintOptions::default()
        };
        Some(Explainer {
            key: vec![
                endpoint.address.to_string(),
                format!("{builder:?}"),
                location,
                context.dockerfile_display.clone(),
                config.target.clone().unwrap_or_default(),
            ],
            steps: build_steps(&dockerfile, &options),
            dockerfile,
            digests: context.file_digests(),
            no_cache: config.no_cache,
            mode: config.progress,
        })
    }

    /// Records this build and says what the record of the previous one explains. Never fails:
    /// an unusable store is a warning.
    pub async fn finish(self, docker: &bollard::Docker, seen: &[(Step, Duration)]) {
        let mut base_ids: BTreeMap<String, Option<String>> = BTreeMap::new();
        for name in self.steps.iter().filter_map(|step| step.base_image.clone()) {
            if base_ids.contains_key(&name) {
                continue;
            }
            let id = docker
                .inspect_image(&name)
                .await
                .ok()
                .and_then(|image| image.id);
            base_ids.insert(name, id);
        }
        let current = self.record(seen, &base_ids);
        let Some(store) = Store::open(
            "builds",
            "the build record store",
            "cache misses are not explained",
            STORE_MAX_BYTES,
        ) else {
            return;
        };
        let key: Vec<&str> = self.key.iter().map(String::as_str).collect();
        let previous = store
            .get(&key)
            .and_then(|bytes| serde_json::from_slice::<Record>(&bytes).ok())
            .filter(|record| record.version == RECORD_VERSION);
        let explanation = explain(previous.as_ref(), &current, self.no_cache);
        if let Ok(bytes) = serde_json::to_vec(&current) {
            store.put(&key, &bytes);
            store.prune();
        }
        // The explanation is extra: a closed stdout or stderr does not fail the build.
        let _ = match self.mode {
            ProgressMode::Quiet => Ok(()),
            ProgressMode::RawJson => writeln!(
                std::io::stdout().lock(),
                "{}",
                json!({"id": "rbuild.cache", "aux": explanation.json()})
            ),
            ProgressMode::Plain | ProgressMode::Live => {
                writeln!(std::io::stderr().lock(), "{}", explanation.text())
            }
        };
    }

    /// The Dockerfile step a step of the progress is.
    fn matching_step(&self, seen: &Step) -> Option<&BuildStep> {
        match &seen.scope {
            StepScope::File => self
                .steps
                .iter()
                .find(|step| step.classic_number == seen.number),
            StepScope::Stage(label) => {
                buildkit_step(&self.dockerfile, &self.steps, label.as_deref(), seen.number)
            }
        }
    }

    /// The stage's image, following stages built on stages.
    fn stage_base(&self, stage: usize) -> Option<String> {
        let mut stage = stage;
        // A chain of stages is at most as long as the file: bounded even if malformed.
        for _ in 0..=self.dockerfile.stages.len() {
            let from = self
                .steps
                .iter()
                .find(|step| step.stage == Some(stage) && step.keyword == Keyword::From)?;
            match (&from.base_image, from.base_stage) {
                (Some(image), _) => return Some(image.clone()),
                (None, Some(parent)) => stage = parent,
                (None, None) => return None,
            }
        }
        None
    }

    fn record(
        &self,
        seen: &[(Step, Duration)],
        base_ids: &BTreeMap<String, Option<String>>,
    ) -> Record {
        let mut steps: Vec<StepRecord> = seen
            .iter()
            .map(|(step, duration)| {
                let known = self.matching_step(step);
                let (key, label) = match &step.scope {
                    StepScope::File => (
                        step.number.to_string(),
                        format!("{}/{}", step.number, step.total),
                    ),
                    StepScope::Stage(Some(stage)) => (
                        format!("{stage} {}", step.number),
                        format!("[{stage} {}/{}]", step.number, step.total),
                    ),
                    StepScope::Stage(None) => (
                        step.number.to_string(),
                        format!("[{}/{}]", step.number, step.total),
                    ),
                };
                let base = known
                    .and_then(|known| self.stage_base(known.stage?))
                    .map(|name| Base {
                        id: base_ids.get(&name).cloned().flatten(),
                        name,
                    });
                StepRecord {
                    key,
                    label,
                    order: known.map_or(usize::MAX, |known| known.classic_number),
                    from: known.map_or(step.instruction.starts_with("FROM "), |known| {
                        known.keyword == Keyword::From || known.stage.is_none()
                    }),
                    instruction: known.map_or_else(|| step.instruction.clone(), |k| k.text.clone()),
                    written: known.map_or_else(|| step.instruction.clone(), |k| k.written.clone()),
                    shown: step.instruction.clone(),
                    args: known.map(|k| k.args.clone()).unwrap_or_default(),
                    base,
                    sources: known.map(|k| k.context_sources.clone()).unwrap_or_default(),
                    copies_before_install: known.is_some_and(|k| k.copies_before_install),
                    cached: step.cached,
                    seconds: duration.as_secs_f64(),
                }
            })
            .collect();
        steps.sort_by_key(|step| step.order);
        let files = self.digests.get().and_then(|all| {
            let matchers: Vec<SourceMatcher> = steps
                .iter()
                .filter(|step| !step.sources.is_empty())
                .map(|step| SourceMatcher::new(&step.sources))
                .collect();
            let copied: BTreeMap<String, String> = all
                .iter()
                .filter(|(path, _)| matchers.iter().any(|m| m.takes(path)))
                .map(|(path, digest)| (path.clone(), digest.clone()))
                .collect();
            (copied.len() <= MAX_RECORDED_FILES).then_some(copied)
        });
        Record {
            version: RECORD_VERSION,
            steps,
            files,
        }
    }
}

/// Compares this build with the previous one of the same key.
pub fn explain(previous: Option<&Record>, current: &Record, no_cache: bool) -> Explanation {
    if no_cache {
        return Explanation::NoCache;
    }
    let Some(previous) = previous else {
        return Explanation::FirstBuild;
    };
    let mut reran = current
        .steps
        .iter()
        .filter(|step| !step.from && !step.cached);
    let Some(first) = reran.next() else {
        return Explanation::AllCached {
            steps: current.steps.len(),
        };
    };
    let after: Vec<StepRecord> = reran.cloned().collect();
    let change_at = |step: &StepRecord| match previous.steps.iter().find(|old| old.key == step.key)
    {
        None => Change::NewStep,
        Some(old) => change_of(old, step, previous, current),
    };
    let mut change = change_at(first);
    let mut copying = first;
    if change == Change::Unknown {
        // An earlier step can bring a change and still be taken from the cache: the cache
        // had its new result from another build (a file changed back, another branch).
        let earlier = current
            .steps
            .iter()
            .filter(|step| !step.from && step.order < first.order)
            .rev()
            .map(|step| (step, change_at(step)))
            .find(|(_, change)| !matches!(change, Change::Unknown | Change::NewStep));
        if let Some((step, inner)) = earlier {
            copying = step;
            change = Change::Earlier {
                label: step.label.clone(),
                shown: step.shown.clone(),
                change: Box::new(inner),
            };
        }
    }
    let files = match &change {
        Change::Earlier { change, .. } => change.as_ref(),
        change => change,
    };
    let rb301 = match files {
        Change::Files {
            added,
            removed,
            modified,
        } => {
            copying.copies_before_install
                && !added
                    .iter()
                    .chain(removed)
                    .chain(modified)
                    .any(|path| is_dependency_manifest(path))
        }
        _ => false,
    };
    Explanation::Missed {
        step: Box::new(first.clone()),
        change,
        rb301,
        after,
    }
}

fn change_of(old: &StepRecord, new: &StepRecord, previous: &Record, current: &Record) -> Change {
    let names: BTreeSet<&String> = old.args.keys().chain(new.args.keys()).collect();
    let args: Vec<(String, Option<String>, Option<String>)> = names
        .into_iter()
        .filter(|name| old.args.get(*name) != new.args.get(*name))
        .map(|name| {
            (
                name.clone(),
                old.args.get(name).cloned(),
                new.args.get(name).cloned(),
            )
        })
        .collect();
    if old.instruction != new.instruction {
        // Written the same, expanded differently: a build arg's new value is the cause.
        if old.written == new.written && !args.is_empty() {
            return Change::BuildArgs(args);
        }
        return Change::Instruction {
            old: old.instruction.clone(),
        };
    }
    if let (Some(old_base), Some(new_base)) = (&old.base, &new.base) {
        // An ID the daemon could not give (an image BuildKit keeps to itself) is no change.
        let both_ids = old_base.id.is_some() && new_base.id.is_some();
        if old_base != new_base && (old_base.name != new_base.name || both_ids) {
            return Change::BaseImage {
                old: old_base.clone(),
                new: new_base.clone(),
            };
        }
    }
    if !args.is_empty() {
        return Change::BuildArgs(args);
    }
    if let (false, Some(old_files), Some(new_files)) =
        (new.sources.is_empty(), &previous.files, &current.files)
    {
        let matcher = SourceMatcher::new(&new.sources);
        let taken = |files: &BTreeMap<String, String>| -> BTreeMap<String, String> {
            files
                .iter()
                .filter(|(path, _)| matcher.takes(path))
                .map(|(path, digest)| (path.clone(), digest.clone()))
                .collect()
        };
        let (old_files, new_files) = (taken(old_files), taken(new_files));
        let added: Vec<String> = new_files
            .keys()
            .filter(|path| !old_files.contains_key(*path))
            .cloned()
            .collect();
        let removed: Vec<String> = old_files
            .keys()
            .filter(|path| !new_files.contains_key(*path))
            .cloned()
            .collect();
        let modified: Vec<String> = new_files
            .iter()
            .filter(|(path, digest)| old_files.get(*path).is_some_and(|old| old != *digest))
            .map(|(path, _)| path.clone())
            .collect();
        if !(added.is_empty() && removed.is_empty() && modified.is_empty()) {
            return Change::Files {
                added,
                removed,
                modified,
            };
        }
    }
    Change::Unknown
}

/// An image ID as docker shows it: 12 hex digits.
fn short_id(id: &Option<String>) -> String {
    match id {
        Some(id) => {
            let hex = id.strip_prefix("sha256:").unwrap_or(id);
            hex[..hex.len().min(12)].to_owned()
        }
        None => "unknown".to_owned(),
    }
}

/// The first line of an instruction, cut to a readable length.
fn brief(instruction: &str) -> String {
    const LONGEST: usize = 60;
    let line = instruction.lines().next().unwrap_or_default();
    if line.chars().count() <= LONGEST && !instruction.contains('\n') {
        return line.to_owned();
    }
    let cut: String = line.chars().take(LONGEST - 1).collect();
    format!("{cut}…")
}

/// The steps' total time (`0.0` for none: an empty `f64` sum is `-0.0`).
fn total_seconds(steps: &[StepRecord]) -> f64 {
    steps.iter().fold(0.0, |total, step| total + step.seconds)
}

fn plural(count: usize, one: &str, many: &str) -> String {
    match count {
        1 => format!("1 {one}"),
        _ => format!("{count} {many}"),
    }
}

/// `4-7`, `2, 5-6`; BuildKit steps of several stages grouped by stage: `[builder 3-4],
/// [stage-1 2]`.
fn step_ranges(steps: &[StepRecord]) -> String {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for step in steps {
        let (scope, number) = match step.key.rsplit_once(' ') {
            Some((stage, number)) => (stage.to_owned(), number),
            None => (String::new(), step.key.as_str()),
        };
        let Ok(number) = number.parse::<usize>() else {
            continue;
        };
        match groups.iter_mut().find(|(name, _)| *name == scope) {
            Some((_, numbers)) => numbers.push(number),
            None => groups.push((scope, vec![number])),
        }
    }
    let bracketed = steps.iter().any(|step| step.label.starts_with('['));
    groups
        .into_iter()
        .map(|(scope, mut numbers)| {
            numbers.sort_unstable();
            let mut ranges: Vec<(usize, usize)> = Vec::new();
            for number in numbers {
                match ranges.last_mut() {
                    Some((_, end)) if *end + 1 == number => *end = number,
                    _ => ranges.push((number, number)),
                }
            }
            let text = ranges
                .iter()
                .map(|(start, end)| match start == end {
                    true => start.to_string(),
                    false => format!("{start}-{end}"),
                })
                .collect::<Vec<_>>()
                .join(", ");
            match bracketed && !scope.is_empty() {
                false => text,
                true => format!("[{scope} {text}]"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `modified: src/app.js; added: README.md, and 3 more`
fn named_files(added: &[String], removed: &[String], modified: &[String]) -> String {
    let mut left = NAMED_FILES;
    let mut groups = Vec::new();
    for (kind, paths) in [
        ("modified", modified),
        ("added", added),
        ("removed", removed),
    ] {
        let named = &paths[..paths.len().min(left)];
        left -= named.len();
        if !named.is_empty() {
            groups.push(format!("{kind}: {}", named.join(", ")));
        }
    }
    let text = groups.join("; ");
    match (added.len() + removed.len() + modified.len()).saturating_sub(NAMED_FILES) {
        0 => text,
        more => format!("{text}, and {more} more"),
    }
}

impl Change {
    fn text(&self) -> String {
        match self {
            Change::NewStep => "it is not in the last build".to_owned(),
            Change::Instruction { old } => format!("its instruction changed (was: {})", brief(old)),
            Change::BaseImage { old, new } if old.name == new.name => format!(
                "the base image {} changed ({} -> {})",
                new.name,
                short_id(&old.id),
                short_id(&new.id)
            ),
            Change::BaseImage { old, new } => format!(
                "the base image changed ({} {} -> {} {})",
                old.name,
                short_id(&old.id),
                new.name,
                short_id(&new.id)
            ),
            Change::BuildArgs(args) => {
                let each: Vec<String> = args
                    .iter()
                    .map(|(name, old, new)| {
                        let shown = |value: &Option<String>| match value {
                            Some(value) => format!("{value:?}"),
                            None => "unset".to_owned(),
                        };
                        format!("{name} {} -> {}", shown(old), shown(new))
                    })
                    .collect();
                format!(
                    "build {} changed: {}",
                    if args.len() == 1 { "arg" } else { "args" },
                    each.join(", ")
                )
            }
            Change::Files {
                added,
                removed,
                modified,
            } => format!(
                "{} changed ({})",
                plural(
                    added.len() + removed.len() + modified.len(),
                    "file",
                    "files"
                ),
                named_files(added, removed, modified)
            ),
            Change::Earlier {
                label,
                shown,
                change,
            } => format!(
                "step {label} {} before it was taken from the cache of another build but changed: \
                 {}",
                brief(shown),
                change.text()
            ),
            Change::Unknown => "nothing recorded changed since the last build (the builder's \
                                cache may have been pruned)"
                .to_owned(),
        }
    }

    fn json(&self) -> Value {
        let listed = |paths: &[String]| paths[..paths.len().min(LISTED_FILES)].to_vec();
        match self {
            Change::NewStep => json!({"kind": "new-step"}),
            Change::Instruction { old } => json!({"kind": "instruction", "old": old}),
            Change::BaseImage { old, new } => json!({
                "kind": "base-image",
                "old": {"name": old.name, "id": old.id},
                "new": {"name": new.name, "id": new.id},
            }),
            Change::BuildArgs(args) => json!({
                "kind": "build-args",
                "args": args.iter().map(|(name, old, new)| json!({
                    "name": name, "old": old, "new": new,
                })).collect::<Vec<_>>(),
            }),
            Change::Files {
                added,
                removed,
                modified,
            } => json!({
                "kind": "files",
                "count": added.len() + removed.len() + modified.len(),
                "added": listed(added),
                "removed": listed(removed),
                "modified": listed(modified),
            }),
            Change::Earlier {
                label,
                shown,
                change,
            } => json!({
                "kind": "earlier-step",
                "step": {"label": label, "instruction": shown},
                "change": change.json(),
            }),
            Change::Unknown => json!({"kind": "unknown"}),
        }
    }
}

impl Explanation {
    /// The `cache:` line (two with the RB301 advice).
    pub fn text(&self) -> String {
        match self {
            Explanation::FirstBuild => "cache: no earlier build of this context, Dockerfile and \
                                        target on this daemon is recorded: nothing to compare \
                                        with yet"
                .to_owned(),
            Explanation::NoCache => {
                "cache: --no-cache: every step ran without the cache, nothing to explain".to_owned()
            }
            Explanation::AllCached { steps } => {
                format!("cache: all {steps} steps were taken from the cache or need none")
            }
            Explanation::Missed {
                step,
                change,
                rb301,
                after,
            } => {
                let cost = match after.as_slice() {
                    [] => "no step re-ran after it".to_owned(),
                    [one] => format!(
                        "step {} re-ran after it ({:.1} s)",
                        step_ranges(std::slice::from_ref(one)),
                        one.seconds
                    ),
                    many => format!(
                        "steps {} re-ran after it ({:.1} s)",
                        step_ranges(many),
                        total_seconds(many)
                    ),
                };
                let mut text = format!(
                    "cache: step {} {} re-ran ({:.1} s): {}; {cost}",
                    step.label,
                    brief(&step.shown),
                    step.seconds,
                    change.text()
                );
                if *rb301 {
                    text.push_str(&format!(
                        "\ncache: none of these files is a dependency manifest: copying the \
                         manifests before the install and the rest after it keeps the install \
                         cached ({}, see `docker rbuild lint`)",
                        copy_before_install_rule()
                    ));
                }
                text
            }
        }
    }

    /// The rawjson object.
    pub fn json(&self) -> Value {
        let message = self.text();
        match self {
            Explanation::FirstBuild => json!({"status": "first-build", "message": message}),
            Explanation::NoCache => json!({"status": "no-cache", "message": message}),
            Explanation::AllCached { steps } => {
                json!({"status": "all-cached", "steps": steps, "message": message})
            }
            Explanation::Missed {
                step,
                change,
                rb301,
                after,
            } => json!({
                "status": "missed",
                "step": {
                    "label": step.label,
                    "instruction": step.shown,
                    "seconds": step.seconds,
                },
                "change": change.json(),
                "rule": rb301.then(copy_before_install_rule),
                "after": {
                    "steps": after.iter().map(|s| &s.label).collect::<Vec<_>>(),
                    "seconds": total_seconds(after),
                },
                "message": message,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(key: &str, instruction: &str, cached: bool) -> StepRecord {
        StepRecord {
            key: key.into(),
            label: format!("{key}/4"),
            order: key.parse().unwrap_or(0),
            from: instruction.starts_with("FROM "),
            instruction: instruction.into(),
            written: instruction.into(),
            shown: instruction.into(),
            args: BTreeMap::new(),
            base: Some(Base {
                name: "alpine".into(),
                id: Some("sha256:aaaaaaaaaaaaaaaa".into()),
            }),
            sources: Vec::new(),
            copies_before_install: false,
            cached,
            seconds: 1.5,
        }
    }

    fn build(cached: bool) -> Record {
        let mut copy = step("2", "COPY . /app", cached);
        copy.sources = vec![".".into()];
        copy.copies_before_install = true;
        let mut run = step("3", "RUN npm ci", cached);
        run.args = BTreeMap::from([("MODE".to_string(), "dev".to_string())]);
        Record {
            version: RECORD_VERSION,
            steps: vec![
                step("1", "FROM alpine", false),
                copy,
                run,
                step("4", "CMD [\"npm\", \"start\"]", cached),
            ],
            files: Some(BTreeMap::from([
                ("package.json".to_string(), "p1:644".to_string()),
                ("src/app.js".to_string(), "a1:644".to_string()),
            ])),
        }
    }

    #[test]
    fn first_build_no_cache_and_all_cached() {
        let current = build(true);
        assert_eq!(explain(None, &current, false), Explanation::FirstBuild);
        assert_eq!(
            explain(Some(&current), &current, true),
            Explanation::NoCache
        );
        let all = explain(Some(&current), &current, false);
        assert_eq!(all, Explanation::AllCached { steps: 4 });
        assert_eq!(
            all.text(),
            "cache: all 4 steps were taken from the cache or need none"
        );
    }

    #[test]
    fn changed_files_are_named_with_the_cost_and_rb301() {
        let previous = build(true);
        let mut current = build(false);
        let files = current.files.as_mut().unwrap();
        files.insert("src/app.js".into(), "a2:644".into());
        files.insert("README.md".into(), "r1:644".into());
        let explanation = explain(Some(&previous), &current, false);
        let Explanation::Missed { change, rb301, .. } = &explanation else {
            panic!("{explanation:?}")
        };
        assert_eq!(
            *change,
            Change::Files {
                added: vec!["README.md".into()],
                removed: vec![],
                modified: vec!["src/app.js".into()],
            }
        );
        assert!(rb301);
        assert_eq!(
            explanation.text(),
            "cache: step 2/4 COPY . /app re-ran (1.5 s): 2 files changed (modified: \
             src/app.js; added: README.md); steps 3-4 re-ran after it (3.0 s)\n\
             cache: none of these files is a dependency manifest: copying the manifests before \
             the install and the rest after it keeps the install cached (RB301, see `docker \
             rbuild lint`)"
        );
        let json = explanation.json();
        assert_eq!(json["change"]["modified"][0], "src/app.js");
        assert_eq!(json["rule"], "RB301");
        assert_eq!(json["after"]["steps"], json!(["3/4", "4/4"]));

        // A manifest changed: the install had to run again, RB301 does not apply.
        current
            .files
            .as_mut()
            .unwrap()
            .insert("package.json".into(), "p2:644".into());
        let Explanation::Missed { rb301, .. } = explain(Some(&previous), &current, false) else {
            panic!()
        };
        assert!(!rb301);
    }

    #[test]
    fn many_files_are_cut_after_five() {
        let paths: Vec<String> = (0..8).map(|i| format!("f{i}")).collect();
        assert_eq!(
            named_files(&paths, &[], &[]),
            "added: f0, f1, f2, f3, f4, and 3 more"
        );
    }

    #[test]
    fn a_build_arg_names_both_values() {
        let previous = build(true);
        let mut current = build(true);
        current.steps[2].cached = false;
        current.steps[2]
            .args
            .insert("MODE".to_string(), "prod".to_string());
        let explanation = explain(Some(&previous), &current, false);
        let Explanation::Missed { change, after, .. } = &explanation else {
            panic!("{explanation:?}")
        };
        assert_eq!(
            *change,
            Change::BuildArgs(vec![(
                "MODE".into(),
                Some("dev".into()),
                Some("prod".into())
            )])
        );
        assert!(after.is_empty());
        assert!(
            explanation
                .text()
                .contains("build arg changed: MODE \"dev\" -> \"prod\"; no step re-ran after it"),
            "{}",
            explanation.text()
        );
    }

    #[test]
    fn a_base_image_and_an_instruction_change() {
        let previous = build(true);
        let mut current = build(false);
        current.files = previous.files.clone();
        for step in &mut current.steps {
            step.base.as_mut().unwrap().id = Some("sha256:bbbbbbbbbbbbbbbbbbbb".into());
        }
        let explanation = explain(Some(&previous), &current, false);
        assert!(
            explanation
                .text()
                .contains("the base image alpine changed (aaaaaaaaaaaa -> bbbbbbbbbbbb)"),
            "{}",
            explanation.text()
        );
        let mut edited = build(false);
        edited.steps[1].instruction = "COPY . /srv".into();
        let Explanation::Missed { change, .. } = explain(Some(&previous), &edited, false) else {
            panic!()
        };
        assert_eq!(
            change,
            Change::Instruction {
                old: "COPY . /app".into()
            }
        );
        // The COPY came from the cache (another build had these files) but its files changed.
        let mut reverted = build(false);
        reverted.steps[1].cached = true;
        reverted
            .files
            .as_mut()
            .unwrap()
            .insert("src/app.js".into(), "a0:644".into());
        let explanation = explain(Some(&previous), &reverted, false);
        assert!(
            explanation.text().contains(
                "re-ran (1.5 s): step 2/4 COPY . /app before it was taken from the cache of \
                 another build but changed: 1 file changed (modified: src/app.js); "
            ),
            "{}",
            explanation.text()
        );
        let mut unexplained = build(false);
        unexplained.files = previous.files.clone();
        let Explanation::Missed { change, .. } = explain(Some(&previous), &unexplained, false)
        else {
            panic!()
        };
        assert_eq!(change, Change::Unknown);
    }

    #[test]
    fn buildkit_steps_are_grouped_by_stage() {
        let mut steps = Vec::new();
        for (key, label) in [
            ("builder 3", "[builder 3/4]"),
            ("builder 4", "[builder 4/4]"),
            ("stage-1 2", "[stage-1 2/3]"),
        ] {
            let mut step = step(key, "RUN x", false);
            step.label = label.into();
            steps.push(step);
        }
        assert_eq!(step_ranges(&steps), "[builder 3-4], [stage-1 2]");
        let classic: Vec<StepRecord> = ["2", "4", "5", "6"]
            .iter()
            .map(|key| step(key, "RUN x", false))
            .collect();
        assert_eq!(step_ranges(&classic), "2, 4-6");
    }
}
