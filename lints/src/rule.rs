//! A rule is data (code, name, severity, docs, equivalents, fixtures) plus a check.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use crate::diagnostic::{Finding, Severity};
use crate::label_format::LabelFormat;
use crate::script::{self, Command};
use crate::syntax::Dockerfile;

/// One lint rule. Every rule is a `static` in its own file under `rules/`, listed once in
/// [`crate::rules::RULES`].
#[derive(Debug, Serialize)]
pub struct Rule {
    /// Stable code, e.g. `RB101`.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `undefined-stage`.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Why the rule has that severity, under the policy in README: `error` only when the
    /// builder rejects the file, a step is certain to fail, or the image cannot start.
    pub severity_reason: &'static str,
    /// One line: what is wrong when it fires.
    pub summary: &'static str,
    pub docs: Docs,
    /// The same check in other tools.
    pub equivalents: Equivalents,
    pub fix: FixAvailability,
    /// Dockerfiles the rule must fire on (besides `docs.example`) and must stay quiet on
    /// (besides `docs.use_instead`): the registry test runs them all.
    pub fixtures: Fixtures,
    /// Who finds what the rule reports.
    #[serde(skip)]
    pub check: Checker,
}

/// Where a rule's findings come from.
#[derive(Debug)]
pub enum Checker {
    /// A check of the parsed file (and the build context, when known).
    Static(CheckFn),
    /// A check that reads the build context (its `.dockerignore`); it reports nothing when the
    /// context is unknown, so its fixtures run where a context is made for them.
    Context(CheckFn),
    /// The lint engine itself: syntax errors, ignore comments.
    Engine,
    /// The plugin, by asking the Docker daemon (images, registries, platforms); these rules
    /// report nothing when linting without a daemon.
    Daemon,
    /// A program the plugin runs (ShellCheck); its findings go through
    /// [`crate::linter::external_diagnostics`].
    External,
}

/// A rule's check: reads the parsed file (and the options) and pushes findings.
pub type CheckFn = fn(&Check<'_>, &mut Vec<Finding>);

/// The rule's documentation, in four parts.
#[derive(Debug, Serialize)]
pub struct Docs {
    pub what_it_does: &'static str,
    pub why_is_this_bad: &'static str,
    /// A Dockerfile the rule fires on.
    pub example: &'static str,
    /// The same Dockerfile written so that the rule stays quiet.
    pub use_instead: &'static str,
}

/// Ids of the same check in hadolint and in Docker's build checks.
#[derive(Debug, Default, Serialize)]
pub struct Equivalents {
    pub hadolint: &'static [&'static str],
    pub buildkit: Option<&'static str>,
}

/// Whether the rule's findings carry a fix (`lint --fix` applies it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    /// Some findings carry a fix; the others say why not in their help.
    Sometimes(FixDocs),
    /// Every finding carries a fix.
    Always(FixDocs),
}

impl FixAvailability {
    /// `none`, `sometimes` or `always`.
    pub fn as_str(&self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes(_) => "sometimes",
            FixAvailability::Always(_) => "always",
        }
    }

    pub fn docs(&self) -> Option<&FixDocs> {
        match self {
            FixAvailability::None => None,
            FixAvailability::Sometimes(docs) | FixAvailability::Always(docs) => Some(docs),
        }
    }
}

impl Serialize for FixAvailability {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What a rule's fix does and how safe it is, with examples that the registry tests apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FixDocs {
    pub safety: FixSafety,
    /// What the fix changes, and when it is unsafe, what behaviour may change.
    pub description: &'static str,
    /// Dockerfiles and what `lint --fix` (with `--unsafe-fixes` for unsafe fixes) makes of them
    /// with only this rule's fixes; the registry test checks each, and that a second pass
    /// changes nothing.
    pub examples: &'static [FixExample],
}

/// How safe a rule's fixes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixSafety {
    /// Every fix keeps the built image (or only makes it smaller or cleaner as intended).
    Safe,
    /// Every fix may change behaviour: applied only with `--unsafe-fixes`.
    Unsafe,
    /// Safe or unsafe depending on the finding (the description says when).
    Mixed,
}

impl FixSafety {
    pub fn as_str(self) -> &'static str {
        match self {
            FixSafety::Safe => "safe",
            FixSafety::Unsafe => "unsafe",
            FixSafety::Mixed => "mixed",
        }
    }
}

/// A Dockerfile before and after the rule's fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FixExample {
    pub before: &'static str,
    pub after: &'static str,
}

#[derive(Debug, Default, Serialize)]
pub struct Fixtures {
    pub fail: &'static [&'static str],
    pub pass: &'static [&'static str],
}

/// What a check can see besides the Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// The build context directory when known (the Dockerfile's directory for `lint`).
    pub context_dir: Option<PathBuf>,
    /// What a listing of `context_dir` made before linting saw there, when it saw all of it
    /// (`lint`'s walk of a tree): checks take their answers from it instead of asking the file
    /// system, a question per COPY source of every Dockerfile.
    pub context_listing: Option<std::sync::Arc<ContextListing>>,
    /// `--build-arg` values of the build about to run.
    pub build_args: BTreeMap<String, String>,
    /// Set by the build's lint gate: `build_args` are all the build args there are, so an ARG
    /// without a default that they do not set is empty. Unset (`lint`), such an ARG may be set
    /// by a build, and what depends on it is not judged.
    pub build_args_complete: bool,
    /// The configuration (ENV, WORKDIR) of base images, by reference as the FROM line names
    /// it after expansion, where the caller knows it. Variables and working directories of a
    /// stage built on an image not listed here are not judged.
    pub image_configs: BTreeMap<String, ImageConfig>,
    /// `--target` of the build about to run.
    pub target: Option<String>,
    /// Registries FROM images may come from; empty: not configured, anything goes.
    pub trusted_registries: Vec<String>,
    /// Required labels and the format of each value; empty: no schema.
    pub label_schema: BTreeMap<String, LabelFormat>,
    /// Labels outside `label_schema` are reported.
    pub strict_labels: bool,
    /// Set by the build's lint gate: the secrets and SSH agents the build gives. Unset (`lint`),
    /// a mount that requires one is not judged.
    pub build_session: Option<BuildSession>,
}

/// The entries of the build context's directory that checks ask about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextListing {
    /// The names of its subdirectories, sorted; a symbolic link is not listed as one, so a
    /// directory holding one has no listing.
    pub subdirs: Vec<String>,
    /// It holds a `.dockerignore` that is a regular file.
    pub dockerignore: bool,
}

impl ContextListing {
    /// Whether `name` is a subdirectory, when `name` is one plain name (no `/`, not `.` or
    /// `..`), the only names the listing answers for.
    pub fn is_dir(&self, name: &str) -> Option<bool> {
        let plain = !name.is_empty() && name != "." && name != ".." && !name.contains('/');
        plain.then(|| {
            self.subdirs
                .binary_search_by(|dir| dir.as_str().cmp(name))
                .is_ok()
        })
    }
}

/// The `--secret` and `--ssh` IDs of the build about to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildSession {
    pub secrets: std::collections::BTreeSet<String>,
    pub ssh: std::collections::BTreeSet<String>,
}

/// What a base image gives the stages built on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// Its ENV, in order.
    pub env: Vec<(String, String)>,
    /// Its WORKDIR; `None` is `/`.
    pub working_dir: Option<String>,
}

/// The input of one rule's check.
pub struct Check<'a> {
    pub dockerfile: &'a Dockerfile,
    pub options: &'a LintOptions,
    /// The simple commands of every RUN (by instruction index), split once for all rules.
    run_commands: OnceCell<Vec<Vec<Command<'a>>>>,
    /// The answers of [`Check::context_is_dir`] so far: several rules ask about the same
    /// COPY sources, and each question is a system call.
    context_dirs: RefCell<HashMap<String, bool>>,
    /// What [`Check::global_arg_values`] answers, worked out once for the rules that ask.
    global_arg_values: OnceCell<BTreeMap<String, String>>,
}

impl<'a> Check<'a> {
    pub fn new(dockerfile: &'a Dockerfile, options: &'a LintOptions) -> Check<'a> {
        Check {
            dockerfile,
            options,
            run_commands: OnceCell::new(),
            context_dirs: RefCell::new(HashMap::new()),
            global_arg_values: OnceCell::new(),
        }
    }

    /// Whether `name` (relative to the build context) is a directory there; `None` when the
    /// context is not known.
    pub fn context_is_dir(&self, name: &str) -> Option<bool> {
        let dir = self.options.context_dir.as_ref()?;
        let listed =
            (self.options.context_listing.as_ref()).and_then(|listing| listing.is_dir(name));
        if listed.is_some() {
            return listed;
        }
        if let Some(is_dir) = self.context_dirs.borrow().get(name) {
            return Some(*is_dir);
        }
        let is_dir = dir.join(name).is_dir();
        self.context_dirs
            .borrow_mut()
            .insert(name.to_string(), is_dir);
        Some(is_dir)
    }

    /// The simple commands the instruction at `index` runs (none unless it is a RUN, or an
    /// ONBUILD holding one).
    pub fn run_commands(&self, index: usize) -> &[Command<'a>] {
        let all = self.run_commands.get_or_init(|| {
            self.dockerfile
                .instructions
                .iter()
                .map(|instruction| {
                    let run = instruction.onbuild_trigger().unwrap_or(instruction);
                    script::run_commands(run)
                })
                .collect()
        });
        all.get(index).map_or(&[], Vec::as_slice)
    }

    /// The values FROM lines see: global ARG defaults (expanded in order), overridden by the
    /// build args. Declared ARGs without a default and without a build arg are absent.
    pub fn global_arg_values(&self) -> &BTreeMap<String, String> {
        self.global_arg_values.get_or_init(|| {
            crate::rules::support::global_arg_values_with(self.dockerfile, &self.options.build_args)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_listing_answers_for_plain_names_only() {
        let listing = ContextListing {
            subdirs: vec!["app".into(), "src.d".into()],
            dockerignore: false,
        };
        assert_eq!(listing.is_dir("src.d"), Some(true));
        assert_eq!(listing.is_dir("app"), Some(true));
        assert_eq!(listing.is_dir("main.go"), Some(false));
        for not_plain in ["", ".", "..", "app/lib", "app/"] {
            assert_eq!(listing.is_dir(not_plain), None, "{not_plain:?}");
        }
    }

    /// With a listing, its answer stands (the file system is not asked); without one, or for a
    /// name it does not answer for, the file system is.
    #[test]
    fn context_questions_go_to_the_listing_first() {
        let dir =
            std::env::temp_dir().join(format!("rbuild-context-listing-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("on-disk/lib")).unwrap();
        let dockerfile = crate::syntax::parse("FROM scratch\n").unwrap();
        let mut options = LintOptions {
            context_dir: Some(dir.clone()),
            ..LintOptions::default()
        };
        let check = Check::new(&dockerfile, &options);
        assert_eq!(check.context_is_dir("on-disk"), Some(true));
        assert_eq!(check.context_is_dir("listed"), Some(false));
        options.context_listing = Some(std::sync::Arc::new(ContextListing {
            subdirs: vec!["listed".into()],
            dockerignore: false,
        }));
        let check = Check::new(&dockerfile, &options);
        assert_eq!(check.context_is_dir("listed"), Some(true));
        assert_eq!(check.context_is_dir("on-disk"), Some(false));
        assert_eq!(check.context_is_dir("on-disk/lib"), Some(true));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
