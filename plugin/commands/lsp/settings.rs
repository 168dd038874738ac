//! The configuration in force for each open Dockerfile: found and combined as `lint` and `fmt`
//! find it (`.rbuild.toml`, else `.hadolint.yaml`, from the file's directory up), and read
//! again when a configuration file changes.

use std::path::{Path, PathBuf};

use rbuild_lints::format::FormatOptions;
use rbuild_lints::linter::RuleSettings;
use rbuild_lints::rule::LintOptions;

use crate::commands::lint::options_for;
use crate::config::{Flags, Resolver};
use crate::shellcheck::ShellCheck;

/// What one Dockerfile is linted and formatted with.
pub struct FileSettings {
    /// The name its findings are reported under (its path, or its URI).
    pub name: PathBuf,
    /// The rules' options, with the file's directory as the build context.
    pub options: LintOptions,
    pub rules: RuleSettings,
    pub format: FormatOptions,
    /// Found when the configuration asks for ShellCheck (`shellcheck = true`).
    pub shellcheck: Option<ShellCheck>,
}

/// Resolves the settings of the open files; [`Settings::reload`] forgets what was read.
pub struct Settings {
    config: Option<PathBuf>,
    resolver: Resolver,
    /// Where the settings of a document that is not a file (`untitled:`) are looked up.
    root: PathBuf,
}

impl Settings {
    /// `config`: the file `--config` names, used for every document instead of discovery.
    pub fn new(config: Option<PathBuf>) -> anyhow::Result<Settings> {
        Ok(Settings {
            resolver: Self::resolver(config.clone())?,
            config,
            root: PathBuf::from("/"),
        })
    }

    /// Where the settings of documents that are not files are looked up: the workspace.
    pub fn set_root(&mut self, root: PathBuf) {
        self.root = root;
    }

    fn resolver(config: Option<PathBuf>) -> anyhow::Result<Resolver> {
        Resolver::new(Flags {
            config,
            ..Flags::default()
        })
    }

    /// Reads the configuration files again (one of them changed). When the `--config` file has
    /// become unusable, the files next to the documents apply until it is fixed.
    pub fn reload(&mut self) -> anyhow::Result<()> {
        match Self::resolver(self.config.clone()) {
            Ok(resolver) => {
                self.resolver = resolver;
                Ok(())
            }
            Err(error) => {
                self.resolver = Self::resolver(None)?;
                Err(error)
            }
        }
    }

    /// The settings of the document at `path` (`None`: not a file; `name` is its URI). A
    /// configuration that cannot be used gives the defaults and the reason, for the editor to
    /// show.
    pub fn for_file(&mut self, path: Option<&Path>, name: &str) -> (FileSettings, Option<String>) {
        let lookup = path.map_or_else(|| self.root.join("Dockerfile"), Path::to_path_buf);
        let (effective, mut problem) = match self.resolver.resolve(&lookup) {
            Ok(effective) => (Some(effective), None),
            Err(error) => (None, Some(format!("{error:#}"))),
        };
        let file = effective.as_ref().and_then(|e| e.file.clone());
        let rule_options = effective
            .as_ref()
            .map_or_else(LintOptions::default, |e| e.lint_options());
        let shellcheck = if file.as_ref().is_some_and(|f| f.shellcheck) {
            match ShellCheck::find() {
                Ok(found) => Some(found),
                Err(error) => {
                    problem = Some(format!("{error:#}"));
                    None
                }
            }
        } else {
            None
        };
        let settings = FileSettings {
            name: path.map_or_else(|| PathBuf::from(name), Path::to_path_buf),
            options: match path {
                Some(path) => options_for(path, false, &rule_options),
                None => rule_options,
            },
            rules: effective.map_or_else(RuleSettings::default, |e| e.settings),
            format: file.map_or_else(FormatOptions::default, |f| f.format),
            shellcheck,
        };
        (settings, problem)
    }
}

/// The names of the files the settings and the findings come from: the configuration files,
/// and a build context's `.dockerignore`; the editor is asked to watch them.
pub fn watched_names() -> impl Iterator<Item = &'static str> {
    [crate::config::FILE_NAME, ".dockerignore"]
        .into_iter()
        .chain(crate::config::hadolint::FILE_NAMES)
}
