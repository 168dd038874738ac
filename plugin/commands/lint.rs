//! `docker rbuild lint [OPTIONS] [PATH...]`: lint Dockerfiles.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use rayon::prelude::*;
use rbuild_lints::diagnostic::Severity;
use rbuild_lints::linter::{lint, make_diagnostic, RuleSettings};
use rbuild_lints::rule::LintOptions;
use rbuild_lints::rules;

use crate::argv::GlobalOptions;
use crate::config::{Flags, Resolver, Threshold};
use crate::discover::{self, io_reason, Input};
use crate::error::input_error;
use crate::images::{self, ImageCheck};
use crate::report::{self, FileReport, Format};
use crate::terminal;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Dockerfiles or directories to lint (directories are searched for Dockerfile, Containerfile,
    /// *.Dockerfile, Dockerfile.* and Dockerfile-*, skipping what .gitignore ignores); `-` reads
    /// standard input. Default: ./Dockerfile
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Tty)]
    pub format: Format,

    /// Write the report to FILE instead of standard output (replaced only when complete)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a finding is at least this severe [default: warning, or the config file's]
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub failure_threshold: Option<Threshold>,

    /// Exit with 0 even when there are findings (input errors still exit with 2)
    #[arg(long)]
    pub no_fail: bool,

    /// The name to report standard input (`-`) under; also its directory is the build context
    #[arg(long, value_name = "PATH", default_value = "-")]
    pub stdin_filename: PathBuf,

    /// Switch rules off, by code or name (comma-separated or repeated), besides the config file's
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Use this configuration file instead of looking for .rbuild.toml next to each Dockerfile
    /// and in its parent directories (up to the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print the effective configuration for the first PATH (and where each part comes from)
    /// instead of linting
    #[arg(long)]
    pub show_config: bool,

    /// Also check, through the Docker daemon, that every image the Dockerfiles use exists
    /// (locally or in its registry) and matches the requested platform
    #[arg(long)]
    pub daemon: bool,
}

/// One Dockerfile to lint, with the settings in force for it.
struct Job {
    input: Input,
    settings: RuleSettings,
    fail_at: Option<Severity>,
}

/// What one `lint` run does, validated.
enum LintConfig {
    Lint {
        jobs: Vec<Job>,
        format: Format,
        output: Option<PathBuf>,
    },
    ShowConfig(String),
}

impl LintConfig {
    fn from_args(args: LintArgs) -> anyhow::Result<LintConfig> {
        let mut ignore = Vec::new();
        for name in args
            .ignore
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
        {
            let rule = rules::find(name).ok_or_else(|| {
                input_error(format!(
                    "--ignore: unknown rule `{name}` (see `docker rbuild rules`)"
                ))
            })?;
            ignore.push(rule.code);
        }
        let mut resolver = Resolver::new(Flags {
            config: args.config,
            ignore,
            failure_threshold: args.failure_threshold,
            no_fail: args.no_fail,
        })?;
        if args.show_config {
            let target = args
                .paths
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from("Dockerfile"));
            let target = if target.as_os_str() == "-" {
                args.stdin_filename.clone()
            } else {
                target
            };
            return Ok(LintConfig::ShowConfig(
                resolver.resolve(&target)?.show(&target),
            ));
        }
        let inputs = discover::inputs(&args.paths, &args.stdin_filename)?;
        if inputs
            .iter()
            .filter(|i| matches!(i, Input::Stdin(_)))
            .count()
            > 1
        {
            return Err(input_error("standard input (`-`) can be linted only once"));
        }
        let jobs = inputs
            .into_iter()
            .map(|input| {
                let effective = resolver.resolve(input.display_path())?;
                Ok(Job {
                    input,
                    settings: effective.settings,
                    fail_at: effective.fail_at,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(LintConfig::Lint {
            jobs,
            format: args.format,
            output: args.output,
        })
    }
}

pub fn run(globals: &GlobalOptions, args: LintArgs) -> anyhow::Result<ExitCode> {
    let daemon = args.daemon;
    let (jobs, format, output) = match LintConfig::from_args(args)? {
        LintConfig::ShowConfig(text) => {
            print!("{text}");
            return Ok(ExitCode::SUCCESS);
        }
        LintConfig::Lint {
            jobs,
            format,
            output,
        } => (jobs, format, output),
    };
    let inputs: Vec<Input> = jobs.iter().map(|job| job.input.clone()).collect();
    let stdin = read_stdin_if_named(&inputs)?;
    let reports: Vec<FileReport> = jobs
        .par_iter()
        .map(|job| lint_input(&job.input, stdin.as_deref(), &job.settings))
        .collect::<anyhow::Result<_>>()?;
    let mut reports = reports;
    if daemon {
        add_daemon_findings(globals, &jobs, &mut reports)?;
    }

    match &output {
        Some(path) => write_atomically(path, |out| report::write(format, &reports, out, false))?,
        None => {
            let stdout = std::io::stdout();
            let color = terminal::colors_enabled(stdout.is_terminal());
            let mut out = stdout.lock();
            report::write(format, &reports, &mut out, color)
                .and_then(|()| out.flush())
                .context("cannot write the report")?;
        }
    }

    let failed = jobs.iter().zip(&reports).any(|(job, report)| {
        job.fail_at.is_some_and(|threshold| {
            report
                .diagnostics
                .iter()
                .any(|d| d.severity.at_least(threshold))
        })
    });
    Ok(if failed {
        ExitCode::from(crate::error::EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--daemon`: the daemon rules' findings (images that do not exist, platform mismatches) for
/// every file that parsed, under that file's rule settings.
fn add_daemon_findings(
    globals: &GlobalOptions,
    jobs: &[Job],
    reports: &mut [FileReport],
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let daemon = crate::daemon::connect(globals).await?;
        let config_dir =
            crate::endpoint::config_dir(globals, &|name| std::env::var(name).ok()).ok();
        for (job, report) in jobs.iter().zip(reports.iter_mut()) {
            let Ok(dockerfile) = rbuild_lints::syntax::parse(&report.source) else {
                continue; // the syntax error is already reported
            };
            let options = LintOptions {
                context_dir: context_dir(job.input.display_path()),
                ..LintOptions::default()
            };
            let check = ImageCheck {
                docker: &daemon.docker,
                options: &options,
                pull: false,
                platform: None,
                config_dir: config_dir.clone(),
            };
            for (rule, finding) in images::check(&dockerfile, &check).await? {
                report
                    .diagnostics
                    .extend(make_diagnostic(rule, finding, &job.settings));
            }
            report
                .diagnostics
                .sort_by_key(|d| (d.span.start, d.rule.code));
        }
        anyhow::Ok(())
    })
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

fn lint_input(
    input: &Input,
    stdin: Option<&[u8]>,
    settings: &RuleSettings,
) -> anyhow::Result<FileReport> {
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
    Ok(FileReport::new(
        path.display().to_string(),
        source,
        result.diagnostics,
    ))
}

/// The directory a Dockerfile's rules look at: its own (the usual build context).
fn context_dir(path: &Path) -> Option<PathBuf> {
    if path.as_os_str() == "-" {
        return None;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.is_dir().then(|| parent.to_path_buf())
}

/// Writes to a temporary file beside `path` and renames it over `path` only when complete.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| {
        input_error(format!(
            "cannot write {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    write(&mut file).and_then(|()| file.flush()).map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
