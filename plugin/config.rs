//! `.rbuild.toml`: the lint configuration of a repository, and how it combines with the
//! command line into the settings for each linted file.
//!
//! A file is found from the linted file's directory upwards, stopping at the repository root
//! (a directory containing `.git`), unless `--config` names one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rbuild_lints::diagnostic::Severity;
use rbuild_lints::format::{Continuation, FormatOptions};
use rbuild_lints::label_format::LabelFormat;
use rbuild_lints::linter::{CheckCode, RuleSettings};
use rbuild_lints::rule::LintOptions;
use rustc_hash::FxHashMap;

use crate::discover::Listed;
use crate::sync::lock;
use rbuild_lints::rules;
use rbuild_lints::syntax::LineIndex;
use serde::Deserialize;
use toml::Spanned;

use crate::build::builder::BuilderChoice;
use crate::discover::io_reason;
use crate::error::input_error;
use crate::gate::GateLevel;

pub mod hadolint;

pub const FILE_NAME: &str = ".rbuild.toml";

/// The severity at which `lint` fails, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Threshold {
    Error,
    Warning,
    Info,
    Style,
    None,
}

impl Threshold {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Threshold::Error => Some(Severity::Error),
            Threshold::Warning => Some(Severity::Warning),
            Threshold::Info => Some(Severity::Info),
            Threshold::Style => Some(Severity::Style),
            Threshold::None => None,
        }
    }

    fn as_str(self) -> &'static str {
        self.severity().map_or("none", Severity::as_str)
    }
}

/// The file as written; validated into [`ConfigFile`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    enable: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    failure_threshold: Option<Threshold>,
    build_lint: Option<GateLevel>,
    builder: Option<BuilderChoice>,
    #[serde(default)]
    per_path: Vec<RawPerPath>,
    #[serde(default)]
    trusted_registries: Vec<String>,
    /// Label name -> format name.
    #[serde(default)]
    labels: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    strict_labels: bool,
    shellcheck: Option<bool>,
    fix: Option<bool>,
    unsafe_fixes: Option<bool>,
    format: Option<RawFormat>,
}

/// `[format]`: the layout choices of `docker rbuild fmt`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFormat {
    indent_width: Option<Spanned<i64>>,
    continuation: Option<ContinuationStyle>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum ContinuationStyle {
    Space,
    Aligned,
}

/// Widest continuation indentation `indent-width` allows.
const MAX_INDENT_WIDTH: i64 = 16;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerPath {
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// A validated `.rbuild.toml` (or `.hadolint.yaml`).
#[derive(Debug, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    ignore: Vec<CheckCode>,
    /// `enable`: off-by-default rules to switch on.
    enable: Vec<&'static str>,
    severities: Vec<(CheckCode, Severity)>,
    failure_threshold: Option<Threshold>,
    /// `build-lint`: the lint gate of `docker rbuild` when `--lint` is not given.
    pub build_lint: Option<GateLevel>,
    /// `builder`: the builder of `docker rbuild` when `--builder` is not given.
    pub builder: Option<BuilderChoice>,
    /// `shellcheck`: run ShellCheck over RUN scripts when linting.
    pub shellcheck: bool,
    /// `fix`: `lint` applies safe fixes, as `--fix` does.
    pub fix: bool,
    /// `unsafe-fixes`: fixing applies unsafe fixes too, as `--unsafe-fixes` does.
    pub unsafe_fixes: bool,
    /// `[format]`: the layout of `docker rbuild fmt`.
    pub format: FormatOptions,
    per_path: Vec<PerPath>,
    trusted_registries: Vec<String>,
    label_schema: BTreeMap<String, LabelFormat>,
    strict_labels: bool,
}

/// Overrides for the files whose path (relative to the config file's directory) matches.
#[derive(Debug)]
struct PerPath {
    patterns: Vec<String>,
    matcher: GlobSet,
    ignore: Vec<CheckCode>,
    severities: Vec<(CheckCode, Severity)>,
}

impl ConfigFile {
    /// Reads and validates a config file; every mistake is an input error with file:line:column.
    pub fn load(path: &Path) -> anyhow::Result<ConfigFile> {
        if hadolint::is_hadolint_file(path) {
            return hadolint::load(path);
        }
        let text = crate::input::read_text(path)
            .map_err(|reason| input_error(format!("{}: {reason}", path.display())))?;
        let at = |offset: usize| {
            let position = LineIndex::new(&text).position(&text, offset);
            format!("{}:{}:{}", path.display(), position.line, position.column)
        };
        let raw: RawConfig = toml::from_str(&text).map_err(|e| {
            let start = e.span().map_or(0, |span| span.start);
            input_error(format!("{}: {}", at(start), e.message().trim_end()))
        })?;
        let unknown = |name: &Spanned<String>, message: String| {
            input_error(format!("{}: {message}", at(name.span().start)))
        };
        // Rules by code or name, or by hadolint id or build-check name (maybe several rules).
        let rules = |name: &Spanned<String>| -> anyhow::Result<Vec<&'static str>> {
            rules::resolve(name.get_ref().trim())
                .map(|found| found.iter().map(|rule| rule.code).collect())
                .map_err(|message| unknown(name, message))
        };
        // `ignore` and `severity` may also name ShellCheck codes (RB901's findings).
        let check_codes = |name: &Spanned<String>| -> anyhow::Result<Vec<CheckCode>> {
            CheckCode::resolve(name.get_ref().trim()).map_err(|message| unknown(name, message))
        };
        let all_check_codes = |names: &[Spanned<String>]| -> anyhow::Result<Vec<CheckCode>> {
            let mut codes = Vec::new();
            for name in names {
                codes.extend(check_codes(name)?);
            }
            Ok(codes)
        };
        let rule_severities = |table: &BTreeMap<Spanned<String>, Spanned<String>>| {
            let mut severities = Vec::new();
            for (name, level) in table {
                let severity = level.get_ref().parse::<Severity>().map_err(|message| {
                    input_error(format!("{}: {message}", at(level.span().start)))
                })?;
                severities.extend(check_codes(name)?.into_iter().map(|code| (code, severity)));
            }
            anyhow::Ok(severities)
        };
        let mut per_path = Vec::new();
        for raw_override in &raw.per_path {
            let mut builder = GlobSetBuilder::new();
            for pattern in &raw_override.paths {
                let glob = Glob::new(pattern.get_ref()).map_err(|e| {
                    input_error(format!(
                        "{}: bad glob: {}",
                        at(pattern.span().start),
                        e.kind()
                    ))
                })?;
                builder.add(glob);
            }
            per_path.push(PerPath {
                patterns: raw_override
                    .paths
                    .iter()
                    .map(|p| p.get_ref().clone())
                    .collect(),
                matcher: builder
                    .build()
                    .map_err(|e| input_error(format!("{}: {e}", path.display())))?,
                ignore: all_check_codes(&raw_override.ignore)?,
                severities: rule_severities(&raw_override.severity)?,
            });
        }
        let mut format = FormatOptions::default();
        if let Some(raw_format) = &raw.format {
            if let Some(width) = &raw_format.indent_width {
                format.indent_width = usize::try_from(*width.get_ref())
                    .ok()
                    .filter(|w| (1..=MAX_INDENT_WIDTH as usize).contains(w))
                    .ok_or_else(|| {
                        input_error(format!(
                            "{}: indent-width must be from 1 to {MAX_INDENT_WIDTH}",
                            at(width.span().start)
                        ))
                    })?;
            }
            format.continuation = match raw_format.continuation {
                Some(ContinuationStyle::Aligned) => Continuation::Aligned,
                Some(ContinuationStyle::Space) | None => Continuation::Space,
            };
        }
        Ok(ConfigFile {
            path: path.to_path_buf(),
            format,
            ignore: all_check_codes(&raw.ignore)?,
            enable: raw
                .enable
                .iter()
                .map(rules)
                .collect::<anyhow::Result<Vec<_>>>()?
                .concat(),
            severities: rule_severities(&raw.severity)?,
            failure_threshold: raw.failure_threshold,
            build_lint: raw.build_lint,
            builder: raw.builder,
            shellcheck: raw.shellcheck.unwrap_or(false),
            fix: raw.fix.unwrap_or(false),
            unsafe_fixes: raw.unsafe_fixes.unwrap_or(false),
            per_path,
            trusted_registries: raw.trusted_registries,
            label_schema: raw
                .labels
                .iter()
                .map(|(name, format)| {
                    let format = format.get_ref().parse::<LabelFormat>().map_err(|message| {
                        input_error(format!("{}: {message}", at(format.span().start)))
                    })?;
                    Ok((name.clone(), format))
                })
                .collect::<anyhow::Result<_>>()?,
            strict_labels: raw.strict_labels,
        })
    }

    /// The directory the `per-path` globs are relative to.
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }
}

/// Finds `.rbuild.toml` in a directory or above, not beyond the first directory containing
/// `.git`; when there is none, hadolint's `.hadolint.yaml` (or `.yml`) the same way. Every
/// directory's answer is kept, so the Dockerfiles of one tree cost one look per directory,
/// not one per file and parent. Shared by the threads that resolve files in parallel: the
/// lock is held for lookups only, not while the file system is asked (two threads may then
/// look at one directory at once, and find the same).
#[derive(Debug, Default)]
pub struct Discovery {
    /// By directory: the `.rbuild.toml` and the hadolint file in force there.
    /// Keyed by the path's bytes: hashing a `Path` walks its components.
    found: Mutex<FxHashMap<std::ffi::OsString, [Option<PathBuf>; 2]>>,
    /// Directories a walk listed whole (absolute, by their bytes), with which of
    /// [`DISCOVERY_NAMES`] each holds: answered without asking the file system again.
    listed: FxHashMap<std::ffi::OsString, Listed>,
}

/// The files discovery looks for in a directory, in order of preference, as the walk's
/// listings given to [`Resolver::know_listed`] hold them (by index).
pub const DISCOVERY_NAMES: [&str; 3] =
    [FILE_NAME, hadolint::FILE_NAMES[0], hadolint::FILE_NAMES[1]];

impl Discovery {
    pub fn find(&self, dir: &Path) -> Option<PathBuf> {
        let [rbuild, hadolint] = self.in_force(dir);
        rbuild.or(hadolint)
    }

    fn in_force(&self, dir: &Path) -> [Option<PathBuf>; 2] {
        if let Some(found) = lock(&self.found).get(dir.as_os_str()) {
            return found.clone();
        }
        let listed = self.listed.get(dir.as_os_str());
        let is_file = |name: &str| match listed {
            Some(listed) => DISCOVERY_NAMES
                .iter()
                .position(|n| *n == name)
                .is_some_and(|at| listed.files & 1 << at != 0),
            None => dir.join(name).is_file(),
        };
        let here = |names: &[&str]| {
            names
                .iter()
                .find(|name| is_file(name))
                .map(|name| dir.join(name))
        };
        let mut found = [here(&[FILE_NAME]), here(&hadolint::FILE_NAMES)];
        if let Some(parent) = dir.parent().filter(|_| found.iter().any(Option::is_none)) {
            let above = self.in_force(parent);
            // Whether this is a repository's root (whose parents' files do not apply) is
            // asked only when a file above would apply: most trees have none at all.
            let fills = found
                .iter()
                .zip(&above)
                .any(|(here, above)| here.is_none() && above.is_some());
            let repository_root = match listed {
                Some(listed) => listed.git,
                None => dir.join(".git").exists(),
            };
            if fills && !repository_root {
                for (here, above) in found.iter_mut().zip(above) {
                    if here.is_none() {
                        *here = above;
                    }
                }
            }
        }
        lock(&self.found).insert(dir.as_os_str().to_owned(), found.clone());
        found
    }
}

/// `path` made absolute (a relative one is below `cwd`, itself absolute) with empty names, `.`
/// and each `..` with the name before it taken out, as the user reads it (what a symbolic link
/// before a `..` points to is not asked). Over the path's bytes: file names need not be UTF-8
/// (not `dockerignore::clean_path`'s text), and `Path` components cost more than the rest of
/// looking up a file's settings.
fn absolute_without_parent_dirs(cwd: &Path, path: &Path) -> PathBuf {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let path = path.as_os_str().as_bytes();
    let cwd = cwd.as_os_str().as_bytes();
    let mut absolute = Vec::with_capacity(cwd.len() + 1 + path.len());
    let base = if path.starts_with(b"/") {
        &b""[..]
    } else {
        cwd
    };
    for name in base.split(|&b| b == b'/').chain(path.split(|&b| b == b'/')) {
        match name {
            b"" | b"." => {}
            b".." => {
                let parent = absolute.iter().rposition(|&b| b == b'/').unwrap_or(0);
                absolute.truncate(parent);
            }
            name => {
                absolute.push(b'/');
                absolute.extend_from_slice(name);
            }
        }
    }
    if absolute.is_empty() {
        absolute.push(b'/');
    }
    PathBuf::from(std::ffi::OsString::from_vec(absolute))
}

/// Where a part of the effective configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    Flag(&'static str),
    File(PathBuf),
    /// A `[[per-path]]` entry of a file, by its patterns.
    PerPath(PathBuf, String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::Flag(flag) => f.write_str(flag),
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::PerPath(path, patterns) => {
                write!(f, "{} [[per-path]] {patterns}", path.display())
            }
        }
    }
}

/// What the command line says, which wins over any file.
#[derive(Debug, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub ignore: Vec<CheckCode>,
    /// `--enable`: off-by-default rules to switch on.
    pub enable: Vec<&'static str>,
    pub failure_threshold: Option<Threshold>,
    pub no_fail: bool,
}

/// The settings in force for one linted file, and where each came from.
#[derive(Debug)]
pub struct Effective {
    pub settings: RuleSettings,
    /// `None`: never fail on findings.
    pub fail_at: Option<Severity>,
    pub file: Option<Arc<ConfigFile>>,
    ignored: Vec<(CheckCode, Origin)>,
    severities: Vec<(CheckCode, Severity, Origin)>,
    threshold: (Threshold, Origin),
}

impl Effective {
    /// Prints the effective configuration as TOML, each part with its origin as a comment.
    pub fn show(&self, target: &Path) -> String {
        let mut text = format!("# effective configuration for {}\n", target.display());
        let file = self
            .file
            .as_ref()
            .map_or("none".to_string(), |f| f.path.display().to_string());
        text.push_str(&format!("# config file: {file}\n"));
        if self
            .file
            .as_ref()
            .is_some_and(|f| hadolint::is_hadolint_file(&f.path))
        {
            text.push_str(
                "# settings read from hadolint's .hadolint.yaml, its ids mapped to our rules\n",
            );
        }
        text.push_str("ignore = [\n");
        for (code, origin) in &self.ignored {
            text.push_str(&format!("  \"{}\",  # {origin}\n", code.as_str()));
        }
        text.push_str("]\n");
        let (threshold, origin) = &self.threshold;
        text.push_str(&format!(
            "failure-threshold = \"{}\"  # {origin}\n",
            threshold.as_str()
        ));
        let registries = self
            .file
            .as_ref()
            .map_or(&[][..], |f| &f.trusted_registries[..]);
        let registries: Vec<String> = registries.iter().map(|r| format!("{r:?}")).collect();
        text.push_str(&format!(
            "trusted-registries = [{}]  # {}\n",
            registries.join(", "),
            self.file_origin()
        ));
        // The label settings are shown when set: most projects have none.
        let rule_options = self.lint_options();
        if rule_options.strict_labels {
            text.push_str(&format!("strict-labels = true  # {}\n", self.file_origin()));
        }
        for (key, set) in [
            (
                "shellcheck",
                self.file.as_ref().is_some_and(|f| f.shellcheck),
            ),
            ("fix", self.file.as_ref().is_some_and(|f| f.fix)),
            (
                "unsafe-fixes",
                self.file.as_ref().is_some_and(|f| f.unsafe_fixes),
            ),
        ] {
            if set {
                text.push_str(&format!("{key} = true  # {}\n", self.file_origin()));
            }
        }
        text.push_str("\n[severity]\n");
        for (code, severity, origin) in &self.severities {
            text.push_str(&format!("{} = \"{severity}\"  # {origin}\n", code.as_str()));
        }
        if !rule_options.label_schema.is_empty() {
            text.push_str(&format!("\n[labels]  # {}\n", self.file_origin()));
        }
        for (name, format) in &rule_options.label_schema {
            text.push_str(&format!("{name:?} = \"{format}\"\n"));
        }
        text
    }

    /// The rule configuration of the file (trusted registries, label schema), for
    /// [`LintOptions`]; the rest of the options stays at its default.
    pub fn lint_options(&self) -> LintOptions {
        let Some(file) = &self.file else {
            return LintOptions::default();
        };
        LintOptions {
            trusted_registries: file.trusted_registries.clone(),
            label_schema: file.label_schema.clone(),
            strict_labels: file.strict_labels,
            ..LintOptions::default()
        }
    }

    fn file_origin(&self) -> Origin {
        self.file
            .as_ref()
            .map_or(Origin::Default, |f| Origin::File(f.path.clone()))
    }
}

/// Resolves the settings for linted files, reading each config file once.
pub struct Resolver {
    flags: Flags,
    explicit: Option<Arc<ConfigFile>>,
    by_path: Mutex<FxHashMap<PathBuf, Arc<ConfigFile>>>,
    discovery: Discovery,
    working_dir: Option<PathBuf>,
}

impl Resolver {
    pub fn new(flags: Flags) -> anyhow::Result<Resolver> {
        let explicit = match &flags.config {
            Some(path) => Some(Arc::new(ConfigFile::load(path)?)),
            None => None,
        };
        Ok(Resolver {
            flags,
            explicit,
            by_path: Mutex::new(FxHashMap::default()),
            discovery: Discovery::default(),
            working_dir: std::env::current_dir().ok(),
        })
    }

    /// Directories a walk listed whole, with which of [`DISCOVERY_NAMES`] they hold: the
    /// configuration of the files found there is looked up without asking again.
    pub fn know_listed(&mut self, listed: Vec<Listed>) {
        for directory in listed {
            if let Ok(absolute) = self.absolute(&directory.dir) {
                self.discovery
                    .listed
                    .insert(absolute.into_os_string(), directory);
            }
        }
    }

    /// The effective settings for `path` as named on the command line: a Dockerfile, or a
    /// directory (its own config is looked up).
    pub fn resolve(&self, path: &Path) -> anyhow::Result<Effective> {
        let absolute = self.absolute(path)?;
        let is_dir = absolute.is_dir();
        self.resolve_absolute(&absolute, is_dir)
    }

    /// The effective settings for the Dockerfile `path` names (a file, or the name standard
    /// input is linted under): those of its directory, found without asking what `path` is.
    pub fn resolve_file(&self, path: &Path) -> anyhow::Result<Effective> {
        self.resolve_absolute(&self.absolute(path)?, false)
    }

    /// `path` made absolute, with `..` taken out: a file's settings are looked up in its
    /// directory's ancestors, and `/repo/../other/Dockerfile` is not below `/repo`.
    fn absolute(&self, path: &Path) -> anyhow::Result<PathBuf> {
        // The working directory is read once, not once per file.
        match &self.working_dir {
            Some(cwd) if !path.as_os_str().is_empty() => {
                Ok(absolute_without_parent_dirs(cwd, path))
            }
            // Without a working directory (or a path), std says why.
            _ => std::path::absolute(path)
                .map(|absolute| absolute_without_parent_dirs(Path::new("/"), &absolute))
                .map_err(|e| input_error(format!("{}: {}", path.display(), io_reason(&e)))),
        }
    }

    fn resolve_absolute(&self, absolute: &Path, is_dir: bool) -> anyhow::Result<Effective> {
        let file = match &self.explicit {
            Some(file) => Some(file.clone()),
            None => {
                let dir = if is_dir {
                    absolute
                } else {
                    absolute.parent().unwrap_or(Path::new("/"))
                };
                match self.discovery.find(dir) {
                    Some(found) => {
                        let loaded = lock(&self.by_path).get(&found).cloned();
                        Some(match loaded {
                            Some(file) => file,
                            None => {
                                // Read without the lock; a file two threads read at once is
                                // kept once.
                                let file = Arc::new(ConfigFile::load(&found)?);
                                lock(&self.by_path).entry(found).or_insert(file).clone()
                            }
                        })
                    }
                    None => None,
                }
            }
        };
        Ok(self.combine(file, absolute))
    }

    fn combine(&self, file: Option<Arc<ConfigFile>>, absolute: &Path) -> Effective {
        let enabled: Vec<&str> = file
            .iter()
            .flat_map(|file| &file.enable)
            .chain(&self.flags.enable)
            .copied()
            .collect();
        let mut ignored: Vec<(CheckCode, Origin)> = Vec::new();
        let mut severities: Vec<(CheckCode, Severity, Origin)> = Vec::new();
        let mut threshold = (Threshold::Warning, Origin::Default);
        if let Some(file) = &file {
            let origin = Origin::File(file.path.clone());
            ignored.extend(
                file.ignore
                    .iter()
                    .map(|code| (code.clone(), origin.clone())),
            );
            severities.extend(
                file.severities
                    .iter()
                    .map(|(code, severity)| (code.clone(), *severity, origin.clone())),
            );
            if let Some(value) = file.failure_threshold {
                threshold = (value, origin);
            }
            let relative = absolute.strip_prefix(file.dir()).unwrap_or(absolute);
            for entry in file
                .per_path
                .iter()
                .filter(|entry| entry.matcher.is_match(relative))
            {
                let origin = Origin::PerPath(file.path.clone(), entry.patterns.join(", "));
                ignored.extend(
                    entry
                        .ignore
                        .iter()
                        .map(|code| (code.clone(), origin.clone())),
                );
                severities.extend(
                    entry
                        .severities
                        .iter()
                        .map(|(code, severity)| (code.clone(), *severity, origin.clone())),
                );
            }
        }
        ignored.extend(
            self.flags
                .ignore
                .iter()
                .map(|code| (code.clone(), Origin::Flag("--ignore"))),
        );
        if let Some(value) = self.flags.failure_threshold {
            threshold = (value, Origin::Flag("--failure-threshold"));
        }
        if self.flags.no_fail {
            threshold = (Threshold::None, Origin::Flag("--no-fail"));
        }
        // Later entries (per-path, then flags) override earlier ones for the same rule.
        // Off-by-default rules start switched off; `enable` switches them on.
        let mut settings = RuleSettings::default();
        settings.ignored.retain(|code| !enabled.contains(code));
        for (code, _) in &ignored {
            settings.ignore(code);
        }
        for (code, severity, _) in &severities {
            settings.set_severity(code, *severity);
        }
        Effective {
            settings,
            fail_at: threshold.0.severity(),
            file,
            ignored,
            severities,
            threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> anyhow::Result<ConfigFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        ConfigFile::load(&path).map_err(|e| {
            anyhow::anyhow!(e
                .to_string()
                .replace(&dir.path().display().to_string(), "DIR"))
        })
    }

    #[test]
    fn reads_every_key() {
        let file = load(
            "ignore = [\"RB201\", \"empty-continuation-line\", \"sc2086\"]\nfailure-threshold = \"error\"\n\
             trusted-registries = [\"registry.example.com\"]\nbuild-lint = \"warn\"\nbuilder = \"classic\"\n\
             fix = true\nunsafe-fixes = true\n\
             [severity]\nRB301 = \"error\"\nSC2046 = \"info\"\n\
             [[per-path]]\npaths = [\"legacy/**\"]\nignore = [\"RB302\"]\n",
        )
        .unwrap();
        assert!(file.fix && file.unsafe_fixes);
        let rule = CheckCode::Rule;
        let shellcheck = |id: &str| CheckCode::External(id.to_string());
        assert_eq!(
            file.ignore,
            [rule("RB201"), rule("RB003"), shellcheck("SC2086")]
        );
        assert_eq!(
            file.severities,
            [
                (rule("RB301"), Severity::Error),
                (shellcheck("SC2046"), Severity::Info)
            ]
        );
        assert_eq!(file.failure_threshold, Some(Threshold::Error));
        assert_eq!(file.per_path[0].ignore, [rule("RB302")]);
        assert_eq!(file.trusted_registries, ["registry.example.com"]);
        assert_eq!(file.build_lint, Some(GateLevel::Warn));
        assert_eq!(file.builder, Some(BuilderChoice::Classic));
    }

    #[test]
    fn mistakes_name_the_place() {
        let unknown_rule = load("ignore = [\"RB201\", \"RB999\"]\n").unwrap_err();
        assert_eq!(
            unknown_rule.to_string(),
            "DIR/.rbuild.toml:1:20: unknown rule `RB999` (see `docker rbuild rules`)"
        );
        let unknown_key = load("ignore = []\nfail = 1\n").unwrap_err().to_string();
        assert!(
            unknown_key.starts_with("DIR/.rbuild.toml:2:1: unknown field `fail`"),
            "{unknown_key}"
        );
        let bad_level = load("[severity]\nRB201 = \"loud\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            bad_level.starts_with("DIR/.rbuild.toml:2:9: unknown severity"),
            "{bad_level}"
        );
    }

    #[test]
    fn flags_override_the_file_and_per_path_applies_by_glob() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "failure-threshold = \"error\"\n[[per-path]]\npaths = [\"legacy/**\"]\nignore = [\"RB201\"]\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("legacy/app")).unwrap();
        let flags = Flags {
            failure_threshold: Some(Threshold::Info),
            ..Flags::default()
        };
        let resolver = Resolver::new(flags).unwrap();
        let legacy = resolver
            .resolve(&dir.path().join("legacy/app/Dockerfile"))
            .unwrap();
        assert!(legacy.settings.ignored.contains("RB201"));
        assert_eq!(legacy.fail_at, Some(Severity::Info));
        let other = resolver.resolve(&dir.path().join("Dockerfile")).unwrap();
        assert!(!other.settings.ignored.contains("RB201"));
    }

    #[test]
    fn enable_switches_on_off_by_default_rules_from_the_file_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "enable = [\"missing-healthcheck\"]\n",
        )
        .unwrap();
        let dockerfile = dir.path().join("Dockerfile");
        let from_file = Resolver::new(Flags::default())
            .unwrap()
            .resolve(&dockerfile)
            .unwrap();
        assert!(!from_file.settings.ignored.contains("RB525"));
        assert!(from_file.settings.ignored.contains("RB526"));
        let flags = Flags {
            enable: vec!["RB526"],
            ..Flags::default()
        };
        let with_flag = Resolver::new(flags).unwrap().resolve(&dockerfile).unwrap();
        let ignored = &with_flag.settings.ignored;
        assert!(!ignored.contains("RB525") && !ignored.contains("RB526"));
        let unknown = load("enable = [\"RB999\"]\n").unwrap_err().to_string();
        assert!(unknown.contains("1:11: unknown rule `RB999`"), "{unknown}");
    }

    #[test]
    fn reads_the_format_table() {
        let file = load("[format]\nindent-width = 2\ncontinuation = \"aligned\"\n").unwrap();
        assert_eq!(
            file.format,
            FormatOptions {
                indent_width: 2,
                continuation: Continuation::Aligned
            }
        );
        assert_eq!(load("").unwrap().format, FormatOptions::default());
        let zero = load("[format]\nindent-width = 0\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            zero,
            "DIR/.rbuild.toml:2:16: indent-width must be from 1 to 16"
        );
        let style = load("[format]\ncontinuation = \"tabs\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            style.starts_with("DIR/.rbuild.toml:2:16: unknown variant `tabs`"),
            "{style}"
        );
    }

    #[test]
    fn reads_the_label_schema() {
        let file = load(
            "strict-labels = true\n[labels]\n\"org.opencontainers.image.created\" = \"rfc3339\"\n",
        )
        .unwrap();
        assert!(file.strict_labels);
        assert_eq!(
            file.label_schema["org.opencontainers.image.created"],
            LabelFormat::Rfc3339
        );
        let bad = load("[labels]\nauthor = \"name\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            bad.starts_with("DIR/.rbuild.toml:2:10: unknown label format `name`"),
            "{bad}"
        );
    }

    #[test]
    fn hadolint_config_is_found_only_without_rbuild_toml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join(".hadolint.yml"), "").unwrap();
        let app = dir.path().join("app");
        assert_eq!(
            Discovery::default().find(&app),
            Some(dir.path().join(".hadolint.yml"))
        );
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        assert_eq!(
            Discovery::default().find(&app),
            Some(dir.path().join(FILE_NAME))
        );
    }

    #[test]
    fn a_path_out_of_the_working_directory_takes_its_own_ancestors_settings() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::write(repo.join(FILE_NAME), "ignore = [\"RB514\"]\n").unwrap();
        std::fs::create_dir_all(dir.path().join("other")).unwrap();
        let mut resolver = Resolver::new(Flags::default()).unwrap();
        resolver.working_dir = Some(repo.clone());
        let outside = resolver
            .resolve_file(Path::new("../other/Dockerfile"))
            .unwrap();
        assert!(outside.file.is_none());
        assert!(!outside.settings.ignored.contains("RB514"));
        let inside = resolver
            .resolve_file(Path::new("sub/../Dockerfile"))
            .unwrap();
        assert_eq!(
            inside.file.map(|file| file.path.clone()),
            Some(repo.join(FILE_NAME))
        );
        let absolute =
            |cwd: &str, path: &str| absolute_without_parent_dirs(Path::new(cwd), Path::new(path));
        assert_eq!(absolute("/w", "/a/b/../../c/./d/.."), PathBuf::from("/c"));
        assert_eq!(absolute("/w", "/.."), PathBuf::from("/"));
        assert_eq!(
            absolute("/w/repo", "../other//./Dockerfile"),
            PathBuf::from("/w/other/Dockerfile")
        );
        assert_eq!(absolute("/w/repo", "./"), PathBuf::from("/w/repo"));
        assert_eq!(absolute("/", "../../x/"), PathBuf::from("/x"));
        // Names that are not UTF-8 are kept as they are.
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9");
        assert_eq!(
            absolute_without_parent_dirs(Path::new("/w"), Path::new(name)),
            Path::new("/w").join(name)
        );
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("repo/sub")).unwrap();
        assert_eq!(
            Discovery::default().find(&dir.path().join("repo/sub")),
            None
        );
        assert_eq!(
            Discovery::default().find(dir.path()),
            Some(dir.path().join(FILE_NAME))
        );
    }
}
