//! `docker rbuild lint [OPTIONS] [PATH...]`: lint Dockerfiles.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use rbuild_lints::diagnostic::Severity;
use rbuild_lints::linter::{lint, RuleSettings};
use rbuild_lints::rule::LintOptions;
use rbuild_lints::rules;

use crate::discover::{self, io_reason, Input};
use crate::error::input_error;
use crate::report::{self, FileReport, Format};
use crate::terminal;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Dockerfiles or directories to lint (directories are searched for Dockerfile, Containerfile,
    /// *.Dockerfile and Dockerfile.*, skipping what .gitignore ignores); `-` reads standard input.
    /// Default: ./Dockerfile
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Tty)]
    pub format: Format,

    /// Write the report to FILE instead of standard output (replaced only when complete)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a finding is at least this severe
    #[arg(long, value_enum, default_value_t = Threshold::Warning)]
    pub failure_threshold: Threshold,

    /// Exit with 0 even when there are findings (input errors still exit with 2)
    #[arg(long)]
    pub no_fail: bool,

    /// The name to report standard input (`-`) under; also its directory is the build context
    #[arg(long, value_name = "PATH", default_value = "-")]
    pub stdin_filename: PathBuf,

    /// Switch rules off, by code or name (comma-separated or repeated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

/// The severity at which `lint` fails, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Threshold {
    Error,
    Warning,
    Info,
    Style,
    None,
}

impl Threshold {
    fn severity(self) -> Option<Severity> {
        match self {
            Threshold::Error => Some(Severity::Error),
            Threshold::Warning => Some(Severity::Warning),
            Threshold::Info => Some(Severity::Info),
            Threshold::Style => Some(Severity::Style),
            Threshold::None => None,
        }
    }
}

/// The validated configuration of one `lint` run.
struct LintConfig {
    inputs: Vec<Input>,
    format: Format,
    output: Option<PathBuf>,
    fail_at: Option<Severity>,
    settings: RuleSettings,
}

impl LintConfig {
    fn from_args(args: LintArgs) -> anyhow::Result<LintConfig> {
        let mut settings = RuleSettings::default();
        for name in args.ignore.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let rule = rules::find(name)
                .ok_or_else(|| input_error(format!("--ignore: unknown rule `{name}` (see `docker rbuild rules`)")))?;
            settings.ignored.insert(rule.code);
        }
        let inputs = discover::inputs(&args.paths, &args.stdin_filename)?;
        if inputs.iter().filter(|i| matches!(i, Input::Stdin(_))).count() > 1 {
            return Err(input_error("standard input (`-`) can be linted only once"));
        }
        Ok(LintConfig {
            inputs,
            format: args.format,
            output: args.output,
            fail_at: if args.no_fail { None } else { args.failure_threshold.severity() },
            settings,
        })
    }
}

pub fn run(args: LintArgs) -> anyhow::Result<ExitCode> {
    let config = LintConfig::from_args(args)?;
    let stdin = read_stdin_if_named(&config.inputs)?;
    let reports: Vec<FileReport> = config
        .inputs
        .par_iter()
        .map(|input| lint_input(input, stdin.as_deref(), &config.settings))
        .collect::<anyhow::Result<_>>()?;

    match &config.output {
        Some(path) => write_atomically(path, |out| report::write(config.format, &reports, out, false))?,
        None => {
            let stdout = std::io::stdout();
            let color = terminal::colors_enabled(stdout.is_terminal());
            let mut out = stdout.lock();
            report::write(config.format, &reports, &mut out, color)
                .and_then(|()| out.flush())
                .context("cannot write the report")?;
        }
    }

    let failed = config.fail_at.is_some_and(|threshold| {
        reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .any(|d| d.severity.at_least(threshold))
    });
    Ok(if failed { ExitCode::from(crate::error::EXIT_FAILURE) } else { ExitCode::SUCCESS })
}

fn read_stdin_if_named(inputs: &[Input]) -> anyhow::Result<Option<Vec<u8>>> {
    if !inputs.iter().any(|i| matches!(i, Input::Stdin(_))) {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| input_error(format!("cannot read standard input: {}", io_reason(&e))))?;
    Ok(Some(bytes))
}

fn lint_input(input: &Input, stdin: Option<&[u8]>, settings: &RuleSettings) -> anyhow::Result<FileReport> {
    let path = input.display_path();
    let bytes = match input {
        Input::Stdin(_) => stdin.unwrap_or_default().to_vec(),
        Input::File(path) => std::fs::read(path)
            .map_err(|e| input_error(format!("{}: {}", path.display(), io_reason(&e))))?,
    };
    let options = LintOptions {
        context_dir: context_dir(path),
        ..LintOptions::default()
    };
    let result = lint(&bytes, &options, settings);
    let source = match result.dockerfile {
        Some(dockerfile) => dockerfile.source,
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    Ok(FileReport::new(path.display().to_string(), source, result.diagnostics))
}

/// The directory a Dockerfile's rules look at: its own (the usual build context).
fn context_dir(path: &Path) -> Option<PathBuf> {
    if path.as_os_str() == "-" {
        return None;
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.is_dir().then(|| parent.to_path_buf())
}

/// Writes to a temporary file beside `path` and renames it over `path` only when complete.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| input_error(format!("cannot write {}: {}", path.display(), io_reason(&e)));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    write(&mut file).and_then(|()| file.flush()).map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
