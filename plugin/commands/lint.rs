//! `docker rbuild lint [OPTIONS] [PATH...]`: lint Dockerfiles.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use rayon::prelude::*;
use rbuild_lints::diagnostic::Severity;
use rbuild_lints::linter::{make_diagnostic, CheckCode, RuleSettings};
use rbuild_lints::rule::{ContextListing, LintOptions};
use rbuild_lints::rules;
use rbuild_lints::syntax::Dockerfile;
use rustc_hash::FxHashMap;

use super::fix::{self, FixMode, Fixed};
use crate::argv::GlobalOptions;
use crate::config::{Flags, Resolver, Threshold, DISCOVERY_NAMES};
use crate::discover::{self, io_reason, Input, Listed};
use crate::error::input_error;
use crate::images::{self, ImageCheck};
use crate::input;
use crate::report::{self, FileReport, Format};
use crate::shellcheck::ShellCheck;
use crate::{stop, sync, terminal};

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

    /// Switch rules off, by code or name, or ShellCheck checks by code (`SC2086`);
    /// comma-separated or repeated, besides the config file's
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Switch on rules that are off by default (see `docker rbuild rules`), by code or name
    /// (comma-separated or repeated), besides the config file's `enable`
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub enable: Vec<String>,

    /// Use this configuration file (`.rbuild.toml`, or a `.hadolint.yaml`) instead of looking for
    /// one next to each Dockerfile and in its parent directories (up to the repository root)
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

    /// Also check RUN scripts with ShellCheck (the `shellcheck` program must be on PATH);
    /// findings are reported as RB901 with their SC code
    #[arg(long)]
    pub shellcheck: bool,

    /// Check every RUN script with ShellCheck again instead of reusing the results stored in
    /// the cache (`$XDG_CACHE_HOME/docker-rbuild`, else `~/.cache/docker-rbuild`)
    #[arg(long)]
    pub no_cache: bool,

    /// Apply safe fixes to the files in place (standard input: print the fixed text) and report
    /// what is left
    #[arg(long)]
    pub fix: bool,

    /// With --fix or --diff, apply unsafe fixes too (they may change the built image's behaviour)
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print the unified diff that --fix would make and change nothing; exit 1 when there is one
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,

    /// Do not fix, even when the config file says `fix = true`
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    pub no_fix: bool,
}

/// One Dockerfile to lint, with the settings in force for it.
struct Job {
    input: Input,
    settings: RuleSettings,
    /// The rule configuration of the file's config (trusted registries, label schema).
    rule_options: LintOptions,
    fail_at: Option<Severity>,
    /// `--shellcheck`, or `shellcheck = true` in the config file.
    shellcheck: bool,
    /// `--fix`/`--diff`/`--unsafe-fixes`, or `fix`/`unsafe-fixes` in the config file.
    fix: FixMode,
}

/// The names a walk watches for: the configuration files, at the indices configuration lookup
/// reads them ([`DISCOVERY_NAMES`]), then a build context's ignore file.
const WATCHED: [&str; 4] = [
    DISCOVERY_NAMES[0],
    DISCOVERY_NAMES[1],
    DISCOVERY_NAMES[2],
    ".dockerignore",
];

/// What the walk's listings tell the rules of the Dockerfiles in each directory they cover
/// (by the directory's path as walked, the parent of the Dockerfiles' paths): the directory is
/// each one's build context. The subdirectories are taken out of the listings.
fn context_listings(listed: &mut [Listed]) -> FxHashMap<OsString, Arc<ContextListing>> {
    let dockerignore = 1 << DISCOVERY_NAMES.len();
    listed
        .iter_mut()
        .filter_map(|directory| {
            let listing = ContextListing {
                subdirs: directory.subdirs.take()?,
                dockerignore: directory.files & dockerignore != 0,
            };
            Some((directory.dir.as_os_str().to_owned(), Arc::new(listing)))
        })
        .collect()
}

/// A Dockerfile's bytes, or why they cannot be read; `None`: standard input, read once for
/// all.
type Text = Option<Result<Vec<u8>, String>>;

/// What one `lint` run does, validated.
enum LintConfig {
    Lint {
        jobs: Vec<Job>,
        /// Each job's Dockerfile, read with its settings.
        texts: Vec<Text>,
        /// Paths that name nothing lintable: reported, and the run exits with 2.
        problems: Vec<String>,
        format: Format,
        output: Option<PathBuf>,
        /// Found when any job asks for ShellCheck.
        shellcheck: Option<ShellCheck>,
        /// `--diff`: print the fixes' diff instead of the report.
        diff: bool,
    },
    ShowConfig(String),
}

/// What a flag names (`resolve` looks each name up; one name may stand for several rules); an
/// unknown name is an input error.
fn named<T>(
    flag: &str,
    names: &[String],
    resolve: impl Fn(&str) -> Result<Vec<T>, String>,
) -> anyhow::Result<Vec<T>> {
    let mut found = Vec::new();
    for name in names
        .iter()
        .map(|name| name.trim())
        .filter(|n| !n.is_empty())
    {
        found.extend(resolve(name).map_err(|message| input_error(format!("{flag}: {message}")))?);
    }
    Ok(found)
}

impl LintConfig {
    fn from_args(args: LintArgs) -> anyhow::Result<LintConfig> {
        let mut resolver = Resolver::new(Flags {
            config: args.config,
            // `--ignore` may name ShellCheck codes too; only rules can be enabled.
            ignore: named("--ignore", &args.ignore, CheckCode::resolve)?,
            enable: named("--enable", &args.enable, |name| {
                Ok(rules::resolve(name)?.iter().map(|rule| rule.code).collect())
            })?,
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
        // Counted on the command line: the inputs found are without repeats.
        if args
            .paths
            .iter()
            .filter(|path| path.as_os_str() == "-")
            .count()
            > 1
        {
            return Err(input_error("standard input (`-`) can be linted only once"));
        }
        let discover::Found {
            inputs,
            problems,
            mut listed,
        } = discover::inputs(&args.paths, &args.stdin_filename, &WATCHED);
        let contexts = context_listings(&mut listed);
        resolver.know_listed(listed);
        // Each file's settings are looked up and the file is read, in parallel (a tree of many
        // directories costs a few file-system questions per directory); the first failure to
        // look up settings, in input order, is the one reported, as when they were looked up one
        // by one. Reading here keeps the system calls of the run together, before linting:
        // linting with them in between took a few percent more time.
        let jobs: Vec<anyhow::Result<(Job, Text)>> = inputs
            .into_par_iter()
            .with_max_len(1)
            .map(|input| {
                let effective = resolver.resolve_file(input.display_path())?;
                let text = match &input {
                    Input::File(path) => Some(
                        input::read_input(path)
                            .map_err(|reason| format!("{}: {reason}", path.display())),
                    ),
                    Input::Stdin(_) => None,
                };
                let context_listing = match &input {
                    Input::File(path) => path
                        .parent()
                        .and_then(|dir| contexts.get(dir.as_os_str()))
                        .cloned(),
                    Input::Stdin(_) => None,
                };
                let job = Job {
                    input,
                    rule_options: LintOptions {
                        context_listing,
                        ..effective.lint_options()
                    },
                    settings: effective.settings,
                    fail_at: effective.fail_at,
                    shellcheck: args.shellcheck
                        || effective.file.as_ref().is_some_and(|file| file.shellcheck),
                    fix: FixMode::new(
                        args.diff,
                        args.fix || effective.file.as_ref().is_some_and(|file| file.fix),
                        args.no_fix,
                        args.unsafe_fixes
                            || effective
                                .file
                                .as_ref()
                                .is_some_and(|file| file.unsafe_fixes),
                    ),
                };
                Ok((job, text))
            })
            .collect();
        let (jobs, texts): (Vec<Job>, Vec<Text>) = jobs
            .into_iter()
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let shellcheck = if jobs.iter().any(|job| job.shellcheck) {
            Some(ShellCheck::find()?.with_cache(!args.no_cache))
        } else {
            None
        };
        Ok(LintConfig::Lint {
            jobs,
            texts,
            problems,
            format: args.format,
            output: args.output,
            shellcheck,
            diff: args.diff,
        })
    }
}

pub fn run(globals: &GlobalOptions, args: LintArgs) -> anyhow::Result<ExitCode> {
    let daemon = args.daemon;
    let (jobs, texts, mut problems, format, output, shellcheck, diff) =
        match LintConfig::from_args(args)? {
            LintConfig::ShowConfig(text) => {
                print!("{text}");
                return Ok(ExitCode::SUCCESS);
            }
            LintConfig::Lint {
                jobs,
                texts,
                problems,
                format,
                output,
                shellcheck,
                diff,
            } => (jobs, texts, problems, format, output, shellcheck, diff),
        };
    let output_file = output.as_deref().map(OutputFile::create).transpose()?;
    let stdin = read_stdin_if_named(&jobs)?;
    // Each file's part of the report is rendered in parallel, unless the report is not written
    // file by file: by the thread that linted it, or once later steps have added their
    // findings. One file gains nothing from it: its part is rendered when written, a few
    // findings at a time.
    let render_ahead = !diff && jobs.len() > 1;
    let later_steps = shellcheck.is_some() || daemon;
    if render_ahead && !later_steps && jobs.iter().all(|job| job.fix == FixMode::Off) {
        if let Some(stream) = report::Stream::new(format) {
            return lint_streamed(
                &jobs,
                texts,
                stdin.as_deref(),
                problems,
                stream,
                output_file,
            );
        }
    }
    // A file that cannot be read is reported, and the others are still linted. One file at a
    // time: rayon's default cuts the list into a few runs that are not shared once started,
    // which can leave one thread linting alone at the end.
    let linted: Vec<Result<LintedFile, String>> = jobs
        .par_iter()
        .zip(texts)
        .with_max_len(1)
        .map(|(job, text)| {
            let keep_dockerfile = job.shellcheck || daemon;
            let mut linted = lint_input(job, text, stdin.as_deref(), keep_dockerfile)?;
            if render_ahead && !later_steps {
                linted.report.render_ahead(format);
            }
            Ok(linted)
        })
        .collect();
    // Taken apart in one pass on this thread, while the others wait: each file's result is
    // moved once, into the vectors the steps below use.
    let mut linted_jobs: Vec<&Job> = Vec::with_capacity(linted.len());
    let mut reports = Vec::with_capacity(linted.len());
    let mut fixed = Vec::with_capacity(linted.len());
    let mut dockerfiles = Vec::with_capacity(linted.len());
    for (job, linted) in jobs.iter().zip(linted) {
        match linted {
            Ok(linted) => {
                linted_jobs.push(job);
                reports.push(linted.report);
                fixed.push(linted.fixed);
                dockerfiles.push(linted.dockerfile);
            }
            Err(problem) => problems.push(problem),
        }
    }
    let jobs = linted_jobs;
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if reports.is_empty() && !problems.is_empty() {
        return Ok(ExitCode::from(crate::error::EXIT_INPUT));
    }
    fix::warn_dropped(&reports, &fixed);
    let inputs: Vec<Input> = jobs.iter().map(|job| job.input.clone()).collect();
    if diff {
        let mut changed = false;
        let mut write_diffs = |out: &mut dyn Write| {
            changed = fix::write_diffs(&reports, &fixed, out)?;
            Ok(())
        };
        match output_file {
            Some(file) => file.commit(write_diffs)?,
            None => write_diffs(&mut std::io::stdout().lock()).context("cannot write the diff")?,
        }
        return Ok(exit_code(&problems, changed));
    }
    fix::write_fixed(&inputs, &fixed, &mut std::io::stdout().lock())?;
    // With `--fix -` the fixed text is on stdout: the report goes to stderr.
    let stdout_taken = inputs
        .iter()
        .zip(&fixed)
        .any(|(input, fixed)| matches!(input, Input::Stdin(_)) && fixed.is_some());
    if let Some(shellcheck) = shellcheck {
        // A file that did not parse has its syntax error reported, and nothing to check.
        let (targets, checked): (Vec<_>, Vec<usize>) = jobs
            .iter()
            .zip(&dockerfiles)
            .enumerate()
            .filter(|(_, (job, _))| job.shellcheck)
            .filter_map(|(index, (job, dockerfile))| {
                Some(((dockerfile.as_ref()?, &job.settings), index))
            })
            .unzip();
        for (index, found) in checked.into_iter().zip(shellcheck.findings(&targets)?) {
            reports[index].add(found);
        }
    }
    if daemon {
        add_daemon_findings(globals, &jobs, &dockerfiles, &mut reports)?;
    }
    drop(dockerfiles);
    if render_ahead && later_steps {
        reports
            .par_iter_mut()
            .with_max_len(1)
            .for_each(|report| report.render_ahead(format));
    }

    let fix_summary = fix::summary(&reports, &fixed);
    let summary_in_report = fix::summary_in_report(format);
    let write_report = |out: &mut dyn Write, color: bool| {
        report::write(format, &reports, out, color)?;
        match &fix_summary {
            Some(line) if summary_in_report => writeln!(out, "{line}"),
            _ => Ok(()),
        }
    };
    // Buffered: a report is written in a few large writes, not one per token.
    match output_file {
        Some(file) => file.commit(|out| write_report(out, false))?,
        None if stdout_taken => {
            let stderr = std::io::stderr();
            let color = terminal::colors_enabled(stderr.is_terminal());
            let mut out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, stderr.lock());
            write_report(&mut out, color)
                .and_then(|()| out.flush())
                .context("cannot write the report")?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = terminal::colors_enabled(stdout.is_terminal());
            let mut out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, stdout.lock());
            write_report(&mut out, color)
                .and_then(|()| out.flush())
                .context("cannot write the report")?;
        }
    }
    if let Some(line) =
        fix_summary.filter(|_| !summary_in_report && fixed.iter().any(Option::is_some))
    {
        eprintln!("{line}");
    }

    let failed = jobs.iter().zip(&reports).any(|(job, report)| {
        job.fail_at
            .is_some_and(|threshold| report.tally().any_at_least(threshold))
    });
    // The process ends now and the system takes the memory back at once: freeing every
    // report's text and findings first takes a few milliseconds on a large tree.
    std::mem::forget(reports);
    Ok(exit_code(&problems, failed))
}

/// 2 when a path named nothing lintable or a file could not be read, else 1 when `failed`.
fn exit_code(problems: &[String], failed: bool) -> ExitCode {
    if !problems.is_empty() {
        ExitCode::from(crate::error::EXIT_INPUT)
    } else if failed {
        ExitCode::from(crate::error::EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

/// The size of the report's write buffer.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// The plain run: a report written file by file, and nothing to do once the files are linted
/// (no fixes, ShellCheck or daemon). Each file's part is written as soon as it and the files
/// before it are linted, by the thread that linted the last of them, and let go: writing
/// overlaps linting, and the parts never pile up in memory.
fn lint_streamed(
    jobs: &[Job],
    texts: Vec<Text>,
    stdin: Option<&[u8]>,
    mut problems: Vec<String>,
    stream: report::Stream,
    mut output_file: Option<OutputFile>,
) -> anyhow::Result<ExitCode> {
    let out: Box<dyn Write + Send + '_> = match &mut output_file {
        Some(file) => Box::new(std::io::BufWriter::with_capacity(
            OUTPUT_BUFFER,
            &mut file.file,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(
            OUTPUT_BUFFER,
            std::io::stdout(),
        )),
    };
    let format = stream.format();
    let in_order = std::sync::Mutex::new(InOrder {
        next: 0,
        waiting: (0..jobs.len()).map(|_| None).collect(),
        stream,
        out,
        written: Ok(()),
        linted: 0,
        failed: false,
        unreadable: Vec::new(),
    });
    // One file at a time, as in `run`.
    jobs.par_iter()
        .zip(texts)
        .enumerate()
        .with_max_len(1)
        .for_each(|(index, (job, text))| {
            let linted = lint_input(job, text, stdin, false).map(|mut linted| {
                linted.report.render_ahead(format);
                (linted.report, job.fail_at)
            });
            sync::lock(&in_order).deliver(index, linted);
        });
    let InOrder {
        stream,
        mut out,
        written,
        linted,
        failed,
        unreadable,
        ..
    } = sync::into_inner(in_order);
    problems.extend(unreadable);
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if linted == 0 {
        // Nothing was written, and no output file is made.
        return Ok(ExitCode::from(crate::error::EXIT_INPUT));
    }
    let written = written
        .and_then(|()| stream.finish(&mut out))
        .and_then(|()| out.flush());
    drop(out);
    match output_file {
        Some(file) => {
            written.map_err(|e| OutputFile::failed(file.path, &e))?;
            file.persist()?;
        }
        None => written.context("cannot write the report")?,
    }
    Ok(exit_code(&problems, failed))
}

/// A file of a streamed run: its report (rendered ahead) and the severity its run fails at, or
/// why it could not be read.
type StreamedFile = Result<(FileReport, Option<Severity>), String>;

/// The files of a streamed run as they come back from the threads, written in input order.
struct InOrder<'w> {
    /// The next file to write.
    next: usize,
    /// Files linted before one ahead of them.
    waiting: Vec<Option<StreamedFile>>,
    stream: report::Stream,
    out: Box<dyn Write + Send + 'w>,
    /// The first write error: the files after it are still linted, and not written.
    written: std::io::Result<()>,
    /// How many files were linted (read, parsed or not).
    linted: usize,
    /// A file has a finding at or above the severity its run fails at.
    failed: bool,
    /// Why files could not be read, in input order.
    unreadable: Vec<String>,
}

impl InOrder<'_> {
    /// Takes the file at `index`, and writes it with the waiting files after it, as far as
    /// the files are all there.
    fn deliver(&mut self, index: usize, file: StreamedFile) {
        self.waiting[index] = Some(file);
        while let Some(file) = self.waiting.get_mut(self.next).and_then(Option::take) {
            self.next += 1;
            match file {
                Ok((mut report, fail_at)) => {
                    self.linted += 1;
                    if self.written.is_ok() {
                        self.written = self.stream.file(&mut report, &mut self.out);
                    }
                    self.failed |= fail_at.is_some_and(|at| report.tally().any_at_least(at));
                }
                Err(problem) => self.unreadable.push(problem),
            }
        }
    }
}

/// `--daemon`: the daemon rules' findings (images that do not exist, platform mismatches) for
/// every file that parsed, under that file's rule settings.
fn add_daemon_findings(
    globals: &GlobalOptions,
    jobs: &[&Job],
    dockerfiles: &[Option<Dockerfile>],
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
        for ((job, dockerfile), report) in jobs.iter().zip(dockerfiles).zip(reports.iter_mut()) {
            let Some(dockerfile) = dockerfile else {
                continue; // the syntax error is already reported
            };
            let options = LintOptions {
                context_dir: context_dir(
                    job.input.display_path(),
                    matches!(job.input, Input::File(_)),
                ),
                ..LintOptions::default()
            };
            let check = ImageCheck {
                docker: &daemon.docker,
                options: &options,
                pull: false,
                platform: None,
                config_dir: config_dir.clone(),
            };
            let mut found = Vec::new();
            for (rule, finding) in images::check(dockerfile, &check).await? {
                if images::explained_by_stage_check(&report.diagnostics, finding.span) {
                    continue;
                }
                found.extend(make_diagnostic(rule, finding, &job.settings));
            }
            report.add(found);
        }
        anyhow::Ok(())
    })
}

fn read_stdin_if_named(jobs: &[Job]) -> anyhow::Result<Option<Vec<u8>>> {
    if !jobs.iter().any(|job| matches!(job.input, Input::Stdin(_))) {
        return Ok(None);
    }
    let bytes = input::read_stream(std::io::stdin().lock())
        .map_err(|reason| input_error(format!("cannot read standard input: {reason}")))?;
    Ok(Some(bytes))
}

/// Lints (and fixes, when asked) one input; a file that could not be read gives the message
/// that says why.
fn lint_input(
    job: &Job,
    text: Text,
    stdin: Option<&[u8]>,
    keep_dockerfile: bool,
) -> Result<LintedFile, String> {
    let input = &job.input;
    let path = input.display_path();
    let read;
    let bytes = match text {
        None => stdin.unwrap_or_default(),
        Some(text) => {
            read = text?;
            &read[..]
        }
    };
    Ok(lint_bytes(
        path,
        bytes,
        &options_for(path, matches!(input, Input::File(_)), &job.rule_options),
        &job.settings,
        job.fix,
        keep_dockerfile,
    ))
}

/// One file linted: its report, its fixed text in a fix mode, and the Dockerfile as parsed
/// when later steps (ShellCheck, the daemon rules) add findings from it.
pub struct LintedFile {
    pub report: FileReport,
    pub fixed: Option<Fixed>,
    pub dockerfile: Option<Dockerfile>,
}

/// Lints (and fixes, in a fix mode) the text of the Dockerfile at `path`: what `lint` reports
/// for a file, and the language server for an editor's text. The Dockerfile is kept when
/// `keep_dockerfile` (and it parsed).
pub fn lint_bytes(
    path: &Path,
    bytes: &[u8],
    options: &LintOptions,
    settings: &RuleSettings,
    fix: FixMode,
    keep_dockerfile: bool,
) -> LintedFile {
    let (result, fixed) = fix::lint_or_fix(bytes, options, settings, fix);
    let path = path.display().to_string();
    let (report, dockerfile) = match result.dockerfile {
        Some(mut dockerfile) => {
            // The report owns the text and its line index; a kept Dockerfile keeps its own.
            let (source, lines) = if keep_dockerfile {
                (dockerfile.source.clone(), dockerfile.lines.clone())
            } else {
                (
                    std::mem::take(&mut dockerfile.source),
                    std::mem::take(&mut dockerfile.lines),
                )
            };
            let report = FileReport::with_lines(path, source, lines, result.diagnostics);
            (report, keep_dockerfile.then_some(dockerfile))
        }
        None => (
            FileReport::new(
                path,
                String::from_utf8_lossy(bytes).into_owned(),
                result.diagnostics,
            ),
            None,
        ),
    };
    LintedFile {
        report,
        fixed,
        dockerfile,
    }
}

/// The options the rules check the Dockerfile at `path` with: its configuration's, and its
/// directory as the build context (whose `.dockerignore` they read).
pub fn options_for(path: &Path, on_disk: bool, rule_options: &LintOptions) -> LintOptions {
    LintOptions {
        context_dir: context_dir(path, on_disk),
        ..rule_options.clone()
    }
}

/// The directory a Dockerfile's rules look at: its own (the usual build context). `on_disk`:
/// the file was found or read there, so its directory exists without asking the file system;
/// otherwise (`--stdin-filename`, an editor's unsaved file) it may name a place that does not.
fn context_dir(path: &Path, on_disk: bool) -> Option<PathBuf> {
    if path.as_os_str() == "-" {
        return None;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    (on_disk || parent.is_dir()).then(|| parent.to_path_buf())
}

/// `--output FILE`: a temporary file beside FILE, made before linting (so an unwritable place
/// fails at once), renamed over FILE only once the report is complete, and removed when the
/// run fails or is stopped.
struct OutputFile<'a> {
    path: &'a Path,
    file: tempfile::NamedTempFile,
    registered: stop::Registered,
}

impl<'a> OutputFile<'a> {
    fn create(path: &'a Path) -> anyhow::Result<OutputFile<'a>> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file = tempfile::NamedTempFile::new_in(dir).map_err(|e| Self::failed(path, &e))?;
        let registered = stop::Registered::new(file.path());
        Ok(OutputFile {
            path,
            file,
            registered,
        })
    }

    fn commit(
        mut self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        let mut out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, &mut self.file);
        let written = write(&mut out).and_then(|()| out.flush());
        drop(out);
        written.map_err(|e| Self::failed(self.path, &e))?;
        self.persist()
    }

    /// Renames the complete report over FILE.
    fn persist(self) -> anyhow::Result<()> {
        let OutputFile {
            path,
            file,
            registered,
        } = self;
        registered
            .finish(|| file.persist(path))
            .map_err(|e| Self::failed(path, &e.error))?;
        Ok(())
    }

    fn failed(path: &Path, error: &std::io::Error) -> anyhow::Error {
        input_error(format!(
            "cannot write {}: {}",
            path.display(),
            io_reason(error)
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn settings_for(flags: &[&str]) -> anyhow::Result<RuleSettings> {
        let dir = tempfile::tempdir().unwrap();
        let dockerfile = dir.path().join("Dockerfile");
        std::fs::write(&dockerfile, "FROM alpine:3.19\n").unwrap();
        let mut argv = vec!["docker-rbuild", "lint"];
        argv.extend(flags);
        argv.push(dockerfile.to_str().unwrap());
        let Some(Command::Lint(args)) = Cli::try_parse_from(argv).unwrap().command else {
            panic!("not a lint command");
        };
        match LintConfig::from_args(args)? {
            LintConfig::Lint { mut jobs, .. } => Ok(jobs.remove(0).settings),
            LintConfig::ShowConfig(_) => panic!("not a lint run"),
        }
    }

    #[test]
    fn enable_flag_switches_on_off_by_default_rules() {
        let default = settings_for(&[]).unwrap();
        assert!(default.ignored.contains("RB525") && default.ignored.contains("RB526"));
        let enabled = settings_for(&["--enable", "missing-healthcheck"]).unwrap();
        assert!(!enabled.ignored.contains("RB525") && enabled.ignored.contains("RB526"));
        let unknown = settings_for(&["--enable", "RB999"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            unknown,
            "--enable: unknown rule `RB999` (see `docker rbuild rules`)"
        );
    }
}
