//! `docker rbuild fmt [--check | --diff] [PATH...]`: lay out Dockerfiles in the canonical
//! format (see `rbuild_lints::format` and the README), in place, or only report what changes.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use rayon::prelude::*;
use rbuild_lints::format::{self, FormatOptions};

use crate::config::{Flags, Resolver, DISCOVERY_NAMES};
use crate::discover::{self, io_reason, Input};
use crate::error::{input_error, EXIT_FAILURE, EXIT_INPUT};

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Dockerfiles or directories to format (directories are searched as `lint` searches them);
    /// `-` reads standard input and writes the result to standard output. Default: ./Dockerfile
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write nothing: list the files that are not formatted, and exit with 1 when there are any
    #[arg(long)]
    pub check: bool,

    /// Write nothing: print the changes as a unified diff, and exit with 1 when there are any
    #[arg(long)]
    pub diff: bool,

    /// The name standard input (`-`) is shown under; its `.rbuild.toml` is looked up from there
    #[arg(long, value_name = "PATH", default_value = "-")]
    pub stdin_filename: PathBuf,

    /// Use this configuration file (its `[format]` table) instead of looking for `.rbuild.toml`
    /// next to each Dockerfile and in its parent directories (up to the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// What happens to a file that is not formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Replace it (standard input: print the result).
    Write,
    /// Name it.
    Check,
    /// Print the unified diff.
    Diff,
}

/// One Dockerfile to format, with the layout options in force for it.
struct Job {
    input: Input,
    options: FormatOptions,
}

/// The validated command line.
struct FmtConfig {
    mode: Mode,
    jobs: Vec<Job>,
    /// Paths that name nothing to format: reported, and the run exits with 2.
    problems: Vec<String>,
}

impl FmtConfig {
    fn from_args(args: FmtArgs) -> anyhow::Result<FmtConfig> {
        let mode = match (args.check, args.diff) {
            (_, true) => Mode::Diff,
            (true, false) => Mode::Check,
            (false, false) => Mode::Write,
        };
        let discover::Found {
            inputs,
            problems,
            listed,
        } = discover::inputs(&args.paths, &args.stdin_filename, &DISCOVERY_NAMES);
        let mut resolver = Resolver::new(Flags {
            config: args.config,
            ..Flags::default()
        })?;
        resolver.know_listed(listed);
        let jobs = inputs
            .into_iter()
            .map(|input| {
                let effective = resolver.resolve_file(input.display_path())?;
                Ok(Job {
                    options: effective
                        .file
                        .map_or_else(FormatOptions::default, |f| f.format),
                    input,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(FmtConfig {
            mode,
            jobs,
            problems,
        })
    }
}

/// What became of one file.
enum Outcome {
    Unchanged(String),
    /// Not formatted (in `Write` mode: it is now).
    Changed {
        original: String,
        formatted: String,
    },
    /// Unreadable, unparsable or unwritable: the one-line reason.
    Failed(String),
}

pub fn run(args: FmtArgs) -> anyhow::Result<ExitCode> {
    let config = FmtConfig::from_args(args)?;
    let stdin = if config
        .jobs
        .iter()
        .any(|job| matches!(job.input, Input::Stdin(_)))
    {
        let bytes = crate::input::read_stream(std::io::stdin().lock())
            .map_err(|reason| input_error(format!("cannot read standard input: {reason}")))?;
        Some(bytes)
    } else {
        None
    };
    let outcomes: Vec<Outcome> = config
        .jobs
        .par_iter()
        .map(|job| format_job(job, config.mode, stdin.as_deref()))
        .collect();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for problem in &config.problems {
        eprintln!("error: {problem}");
    }
    let (mut changed, mut unchanged, mut failed) = (0, 0, config.problems.len());
    for (job, outcome) in config.jobs.iter().zip(&outcomes) {
        let name = job.input.display_path().display().to_string();
        let is_stdin = matches!(job.input, Input::Stdin(_));
        match outcome {
            Outcome::Failed(reason) => {
                failed += 1;
                eprintln!("error: {reason}");
            }
            Outcome::Unchanged(text) => {
                unchanged += 1;
                if is_stdin && config.mode == Mode::Write {
                    out.write_all(text.as_bytes())?;
                }
            }
            Outcome::Changed {
                original,
                formatted,
            } => {
                changed += 1;
                match config.mode {
                    Mode::Write if is_stdin => out.write_all(formatted.as_bytes())?,
                    Mode::Write => {}
                    Mode::Check => writeln!(out, "{name}")?,
                    Mode::Diff => write!(
                        out,
                        "{}",
                        similar::TextDiff::from_lines(original, formatted)
                            .unified_diff()
                            .header(&name, &name)
                    )?,
                }
            }
        }
    }
    out.flush().context("cannot write to standard output")?;
    let files = config
        .jobs
        .iter()
        .filter(|job| matches!(job.input, Input::File(_)))
        .count();
    if config.mode == Mode::Write && files > 0 {
        eprintln!(
            "{} reformatted, {} already formatted{}",
            count(changed, "file"),
            count(unchanged, "file"),
            if failed > 0 {
                format!(", {} not formatted (errors above)", count(failed, "file"))
            } else {
                String::new()
            }
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(EXIT_INPUT)
    } else if changed > 0 && config.mode != Mode::Write {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn format_job(job: &Job, mode: Mode, stdin: Option<&[u8]>) -> Outcome {
    let name = job.input.display_path().display();
    let bytes = match &job.input {
        Input::Stdin(_) => stdin.unwrap_or_default().to_vec(),
        Input::File(path) => match crate::input::read_input(path) {
            Ok(bytes) => bytes,
            Err(reason) => return Outcome::Failed(format!("{name}: {reason}")),
        },
    };
    let formatted = match format::format_bytes(&bytes, &job.options) {
        Ok(formatted) => formatted,
        Err(e) => return Outcome::Failed(format!("{name}:{e}")),
    };
    if formatted.as_bytes() == bytes {
        return Outcome::Unchanged(formatted);
    }
    if let (Mode::Write, Input::File(path)) = (mode, &job.input) {
        if let Err(e) = crate::rewrite::replace_file(path, formatted.as_bytes()) {
            return Outcome::Failed(format!("cannot write {name}: {}", io_reason(&e)));
        }
    }
    Outcome::Changed {
        // The formatter accepted the bytes, so they are UTF-8.
        original: String::from_utf8_lossy(&bytes).into_owned(),
        formatted,
    }
}
