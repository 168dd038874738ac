//! `lint --shellcheck`: ShellCheck over the scripts of RUN instructions, in a few batched
//! processes, with every finding mapped back to its Dockerfile line and column.
//!
//! Each script goes to its own temporary file, preceded by `export NAME=x` lines for the ARG and
//! ENV names declared before it (so ShellCheck knows they are set, and does not report them as
//! unused either); findings on those lines are dropped. Excluding SC2154 instead would also
//! hide real typos in variable names.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use rayon::prelude::*;
use rbuild_lints::diagnostic::{Diagnostic, Finding, Severity};
use rbuild_lints::linter::{external_diagnostics, ExternalFinding, RuleSettings};
use rbuild_lints::rules::{AUTOMATIC_PLATFORM_ARGS, PROXY_ARGS, SHELLCHECK};
use rbuild_lints::syntax::{Dockerfile, Instruction, Keyword, SourceMap, Span};
use serde::Deserialize;

use crate::error::input_error;

mod cache;

use cache::Cache;

/// Codes that mean nothing in a build, off by default: sourced files live in the image, not
/// next to the Dockerfile (SC1090, SC1091); `ash` scripts are checked as `dash` (SC2187).
pub const OFF_BY_DEFAULT: &[&str] = &["SC1090", "SC1091", "SC2187"];

/// A build argument every build defines besides the platform and proxy ones.
const TARGET_STAGE_ARG: &str = "TARGETSTAGE";

/// Scripts per ShellCheck process at most (keeps the command line short).
const MAX_BATCH: usize = 400;

/// The `shellcheck` program found on PATH.
#[derive(Debug, Clone)]
pub struct ShellCheck {
    program: PathBuf,
    /// Whether results are looked up in and stored to the user's cache (see [`cache`]).
    cache: bool,
}

impl ShellCheck {
    /// Finds `shellcheck` on PATH; its absence is an input error (exit 2).
    pub fn find() -> anyhow::Result<ShellCheck> {
        let program = which::which("shellcheck").map_err(|_| {
            input_error(
                "ShellCheck was requested (--shellcheck or `shellcheck = true`) but the \
                 `shellcheck` program is not on PATH (install it, e.g. `apt-get install shellcheck`)",
            )
        })?;
        Ok(ShellCheck {
            program,
            cache: true,
        })
    }

    /// `--no-cache`: every script is checked, and nothing is stored.
    pub fn with_cache(self, cache: bool) -> ShellCheck {
        ShellCheck { cache, ..self }
    }

    /// The options every ShellCheck process gets (besides `--shell`).
    fn options() -> Vec<String> {
        vec![
            "--format=json1".to_string(),
            format!("--exclude={}", OFF_BY_DEFAULT.join(",")),
        ]
    }

    /// The cache for this program's version, when caching is on and the cache can be used.
    fn open_cache(&self) -> Option<Cache> {
        if !self.cache {
            return None;
        }
        let output = Command::new(&self.program).arg("--version").output().ok()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let version = text
            .lines()
            .find_map(|line| line.strip_prefix("version:"))?;
        Cache::open(version.trim(), &Self::options())
    }

    /// ShellCheck's findings for each Dockerfile, under its rule settings, in the order given.
    /// The Dockerfiles are the ones linted: parsing them again cost a warm-cache run over the
    /// shared corpus 79 million instructions of its 866 million.
    pub fn findings(
        &self,
        targets: &[(&Dockerfile, &RuleSettings)],
    ) -> anyhow::Result<Vec<Vec<Diagnostic>>> {
        // Collected and mapped back in parallel, as the files were linted.
        let scripts: Vec<Vec<Script>> = targets
            .par_iter()
            .map(|(dockerfile, _)| collect_scripts(dockerfile))
            .collect();
        let comments = self.run(&scripts.iter().flatten().collect::<Vec<_>>())?;
        let mut comments = comments.into_iter();
        let by_target: Vec<Vec<Vec<Comment>>> = scripts
            .iter()
            .map(|scripts| comments.by_ref().take(scripts.len()).collect())
            .collect();
        Ok(targets
            .par_iter()
            .zip(&scripts)
            .zip(by_target)
            .map(|(((dockerfile, settings), scripts), comments)| {
                let findings = scripts
                    .iter()
                    .zip(&comments)
                    .filter(|(_, comments)| !comments.is_empty())
                    .flat_map(|(script, comments)| {
                        let line_starts = script.body_line_starts();
                        comments
                            .iter()
                            .filter_map(move |c| script.finding(c, &line_starts))
                    })
                    .collect();
                external_diagnostics(dockerfile, &SHELLCHECK, findings, settings)
            })
            .collect())
    }

    /// Runs ShellCheck over `scripts`: one temporary file per distinct script (templated
    /// Dockerfiles repeat many) that the cache does not answer, a few processes per shell
    /// dialect, in parallel. Returns each script's comments.
    fn run(&self, scripts: &[&Script]) -> anyhow::Result<Vec<Vec<Comment>>> {
        let cache = self.open_cache();
        let mut index_of: HashMap<(&str, String), usize> = HashMap::with_capacity(scripts.len());
        let mut file_of_script = Vec::with_capacity(scripts.len());
        for script in scripts {
            let next = index_of.len();
            let index = *index_of
                .entry((script.shell, script.text()))
                .or_insert(next);
            file_of_script.push(index);
        }
        // The distinct scripts, (shell, text), in the order they came.
        let mut distinct: Vec<((&str, String), usize)> = index_of.into_iter().collect();
        distinct.sort_unstable_by_key(|(_, index)| *index);
        // Looked up in parallel: a file read for each script.
        let cached: Vec<Option<Vec<Comment>>> = distinct
            .par_iter()
            .map(|((shell, text), _)| cache.as_ref().and_then(|cache| cache.get(shell, text)))
            .collect();
        let mut comments: Vec<Vec<Comment>> = Vec::with_capacity(distinct.len());
        // The scripts ShellCheck must see: (distinct index, shell, text).
        let mut missed: Vec<(usize, &str, String)> = Vec::new();
        for (((shell, text), index), cached) in distinct.into_iter().zip(cached) {
            match cached {
                Some(cached) => comments.push(cached),
                None => {
                    comments.push(Vec::new());
                    missed.push((index, shell, text));
                }
            }
        }
        if !missed.is_empty() {
            for (index, found) in self.check(&missed)? {
                comments[index].push(found);
            }
            if let Some(cache) = &cache {
                for (index, shell, text) in &missed {
                    cache.put(shell, text, &comments[*index]);
                }
                cache.prune();
            }
        }
        Ok(file_of_script
            .into_iter()
            .map(|index| comments[index].clone())
            .collect())
    }

    /// Checks `scripts` ((index, shell, text)) and returns (index, comment) pairs.
    fn check(&self, scripts: &[(usize, &str, String)]) -> anyhow::Result<Vec<(usize, Comment)>> {
        let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
        let mut by_shell: HashMap<&str, Vec<(usize, PathBuf)>> = HashMap::new();
        for (index, shell, text) in scripts {
            let path = dir.path().join(format!("{index}.sh"));
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            by_shell.entry(shell).or_default().push((*index, path));
        }
        let threads = rayon::current_num_threads().max(1);
        let batches: Vec<(&str, &[(usize, PathBuf)])> = by_shell
            .iter()
            .flat_map(|(shell, files)| {
                let size = files.len().div_ceil(threads).clamp(1, MAX_BATCH);
                files.chunks(size).map(move |chunk| (*shell, chunk))
            })
            .collect();
        let outputs = batches
            .par_iter()
            .map(|(shell, files)| self.run_batch(shell, files))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let index_of: HashMap<&Path, usize> = by_shell
            .values()
            .flatten()
            .map(|(index, path)| (path.as_path(), *index))
            .collect();
        Ok(outputs
            .into_iter()
            .flatten()
            .filter_map(|comment| Some((*index_of.get(comment.file.as_path())?, comment)))
            .collect())
    }

    fn run_batch(&self, shell: &str, files: &[(usize, PathBuf)]) -> anyhow::Result<Vec<Comment>> {
        let output = ends_with_us(&self.program)
            .args(Self::options())
            .arg(format!("--shell={shell}"))
            .args(files.iter().map(|(_, path)| path))
            .output()
            .with_context(|| format!("cannot run {}", self.program.display()))?;
        // 0: no findings, 1: findings; anything else is ShellCheck failing.
        if !matches!(output.status.code(), Some(0 | 1)) {
            let stderr = String::from_utf8_lossy(&output.stderr);
            anyhow::bail!(
                "shellcheck failed ({}): {}",
                output.status,
                stderr.lines().next().unwrap_or("no message")
            );
        }
        let report: Json1 =
            serde_json::from_slice(&output.stdout).context("cannot read shellcheck's output")?;
        Ok(report.comments)
    }
}

/// A command running `program` that the system kills when this process ends: a `lint` stopped
/// by a signal or by the docker CLI going away leaves no ShellCheck running on.
fn ends_with_us(program: &Path) -> Command {
    let parent = std::process::id();
    let mut command = Command::new(program);
    // SAFETY: between fork and exec only prctl and getppid run, both async-signal-safe, and
    // the error made allocates nothing.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // This process may have ended before the request was made.
            if u32::try_from(libc::getppid()) != Ok(parent) {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    command
}

/// ShellCheck's `--format=json1` output (columns count characters, a tab as one).
#[derive(Deserialize)]
struct Json1 {
    comments: Vec<Comment>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Comment {
    /// The checked file; not stored in the cache, whose entries are per script.
    #[serde(default, skip_serializing)]
    file: PathBuf,
    line: usize,
    end_line: usize,
    column: usize,
    end_column: usize,
    level: String,
    code: u32,
    message: String,
}

/// One script for ShellCheck, and how its bytes map back to the Dockerfile.
#[derive(Debug)]
struct Script {
    /// ShellCheck's `--shell=` dialect.
    shell: &'static str,
    /// `export NAME=x` lines for the names the build defines.
    header: String,
    header_lines: usize,
    body: String,
    /// Where the bytes of `body` stand in the Dockerfile.
    source_map: SourceMap,
}

impl Script {
    fn text(&self) -> String {
        format!("{}{}", self.header, self.body)
    }

    /// The finding for ShellCheck's comment, at its place in the Dockerfile; `None` for a
    /// comment about the header.
    /// `line_starts`: [`Script::body_line_starts`].
    fn finding(&self, comment: &Comment, line_starts: &[usize]) -> Option<ExternalFinding> {
        let start = self.body_offset(line_starts, comment.line, comment.column)?;
        let end = self
            .body_offset(line_starts, comment.end_line, comment.end_column)
            .unwrap_or(start)
            .max(start);
        let source_start = self.source_map.offset(start);
        let source_end = if end > start {
            self.source_map.offset(end - 1) + 1
        } else {
            source_start
        };
        let severity = match comment.level.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" => Severity::Info,
            _ => Severity::Style,
        };
        let id = format!("SC{:04}", comment.code);
        Some(ExternalFinding {
            finding: Finding::new(
                Span::new(source_start, source_end),
                format!("{id}: {}", comment.message),
            )
            .with_help(format!("see https://www.shellcheck.net/wiki/{id}")),
            id,
            severity,
        })
    }

    /// Where each line of `body` starts (a final newline starts one more, empty, line): found
    /// once for all of a script's comments, where looking for each comment's line from the
    /// start took time quadratic in a long script's lines.
    fn body_line_starts(&self) -> Vec<usize> {
        std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', self.body.as_bytes()).map(|at| at + 1))
            .collect()
    }

    /// The byte offset in `body` of ShellCheck's 1-based line and character column.
    fn body_offset(&self, line_starts: &[usize], line: usize, column: usize) -> Option<usize> {
        let body_line = line.checked_sub(self.header_lines + 1)?;
        let line_start = *line_starts.get(body_line)?;
        let line_text = self.body[line_start..].split('\n').next().unwrap_or("");
        // Columns count characters: in ASCII text (most scripts, whose continued lines are one
        // long line to ShellCheck) they are bytes, without decoding the line up to the column.
        let wanted = column.saturating_sub(1);
        let in_line = match line_text.as_bytes().get(..wanted) {
            Some(before) if before.is_ascii() => wanted,
            _ => line_text
                .char_indices()
                .nth(wanted)
                .map_or(line_text.len(), |(i, _)| i),
        };
        Some(line_start + in_line)
    }
}

/// The scripts of a Dockerfile's RUN instructions that a POSIX-like shell runs.
fn collect_scripts(dockerfile: &Dockerfile) -> Vec<Script> {
    let mut scripts = Vec::new();
    let mut shell = Some("sh");
    // The shell at the end of each named stage, which a stage built FROM it inherits.
    let mut stage_shells: HashMap<String, Option<&'static str>> = HashMap::new();
    let mut stage_name: Option<String> = None;
    // The `export` lines of the names declared so far, made again only after an ARG or ENV.
    let mut header: Option<(String, usize)> = None;
    let mut names: BTreeSet<&str> = AUTOMATIC_PLATFORM_ARGS
        .iter()
        .chain(PROXY_ARGS)
        .chain([&TARGET_STAGE_ARG])
        .copied()
        .collect();
    for instruction in &dockerfile.instructions {
        match instruction.kind {
            Keyword::From => {
                let Some(from) = instruction.from() else {
                    continue;
                };
                if let Some(name) = stage_name.take() {
                    stage_shells.insert(name, shell);
                }
                let base = from.image.value.to_ascii_lowercase();
                shell = match stage_shells.get(&base) {
                    Some(inherited) => *inherited,
                    None if is_windows_image(&base) => None,
                    None => Some("sh"),
                };
                stage_name = from.name.map(|name| name.value.to_ascii_lowercase());
            }
            Keyword::Shell => {
                shell = instruction.words().first().and_then(|w| dialect(&w.value));
            }
            Keyword::Arg => {
                header = None;
                names.extend(
                    instruction
                        .words()
                        .iter()
                        .map(|w| w.value.split('=').next().unwrap_or_default()),
                );
            }
            Keyword::Env => {
                header = None;
                names.extend(
                    instruction
                        .key_values()
                        .iter()
                        .map(|kv| kv.key.value.as_str()),
                );
            }
            Keyword::Run => {
                if let Some((shell, body, source_map)) =
                    shell.and_then(|shell| run_script(instruction, shell))
                {
                    let (header, header_lines) =
                        header.get_or_insert_with(|| export_lines(&names)).clone();
                    scripts.push(Script {
                        shell,
                        header_lines,
                        header,
                        body,
                        source_map,
                    });
                }
            }
            _ => {}
        }
    }
    scripts
}

/// `export NAME=x` lines for the `names` that are shell identifiers, and how many there are.
fn export_lines(names: &BTreeSet<&str>) -> (String, usize) {
    let mut lines = String::new();
    let mut count = 0;
    for name in names.iter().filter(|name| is_identifier(name)) {
        lines.push_str("export ");
        lines.push_str(name);
        lines.push_str("=x\n");
        count += 1;
    }
    (lines, count)
}

/// The script a RUN gives the shell, its dialect, and its bytes' source offsets: the shell-form
/// command, or the heredoc body of `RUN <<EOF` / `RUN bash <<EOF` (other commands read their
/// heredocs as data, and are skipped).
fn run_script(
    instruction: &Instruction,
    shell: &'static str,
) -> Option<(&'static str, String, SourceMap)> {
    let command = instruction.shell_command()?;
    let heredoc = match instruction.heredocs.as_slice() {
        [] => {
            return Some((
                shell,
                command.value.clone(),
                SourceMap::of_word(instruction, command),
            ))
        }
        [heredoc] => heredoc,
        _ => return None,
    };
    let words: Vec<&str> = command
        .value
        .split_whitespace()
        .filter(|word| {
            !word
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with("<<")
        })
        .collect();
    let shell = match words.as_slice() {
        // The body is run as a script: its shebang, if any, names the interpreter.
        [] => match heredoc.content.strip_prefix("#!") {
            Some(shebang) => interpreter(shebang.lines().next().unwrap_or(""))?,
            None => shell,
        },
        [program, options @ ..] if options.iter().all(|o| o.starts_with('-')) => dialect(program)?,
        _ => return None,
    };
    let map = SourceMap::contiguous(heredoc.body_span.start, heredoc.content.len());
    Some((shell, heredoc.content.clone(), map))
}

/// The ShellCheck dialect of a shell program (`/bin/bash` -> `bash`); `None` for shells it does
/// not know (pwsh, cmd, python...).
fn dialect(program: &str) -> Option<&'static str> {
    match program.rsplit(['/', '\\']).next()? {
        "sh" | "ash" => Some("sh"),
        "bash" => Some("bash"),
        "dash" => Some("dash"),
        "ksh" | "mksh" | "ksh93" => Some("ksh"),
        _ => None,
    }
}

/// The dialect of a shebang line (after `#!`), `/usr/bin/env bash` included.
fn interpreter(shebang: &str) -> Option<&'static str> {
    let mut words = shebang.split_whitespace();
    let program = words.next()?;
    if program.ends_with("/env") {
        dialect(words.find(|w| !w.starts_with('-'))?)
    } else {
        dialect(program)
    }
}

/// Windows base images run `cmd` unless a SHELL says otherwise.
fn is_windows_image(reference: &str) -> bool {
    ["windows/", "nanoserver", "servercore"]
        .iter()
        .any(|marker| reference.contains(marker))
}

fn is_identifier(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts_of(source: &str) -> (Dockerfile, Vec<Script>) {
        let dockerfile = rbuild_lints::syntax::parse(source).expect("parses");
        let scripts = collect_scripts(&dockerfile);
        (dockerfile, scripts)
    }

    /// A ShellCheck finding two characters wide at (line, column) of a script.
    fn comment_at(line: usize, column: usize) -> Comment {
        Comment {
            file: PathBuf::new(),
            line,
            end_line: line,
            column,
            end_column: column + 2,
            level: "info".into(),
            code: 2086,
            message: "Double quote".into(),
        }
    }

    /// The source text at the place ShellCheck's (line, column) of `script` maps to.
    fn source_at(dockerfile: &Dockerfile, script: &Script, line: usize, column: usize) -> String {
        let finding = script
            .finding(&comment_at(line, column), &script.body_line_starts())
            .expect("maps")
            .finding;
        dockerfile.text(finding.span).to_string()
    }

    #[test]
    fn comments_on_later_lines_of_a_heredoc_map_to_them() {
        let source = "FROM alpine\nRUN <<EOF\nset -e\ncd /tmp\ntar xf $1\nEOF\n";
        let (dockerfile, scripts) = scripts_of(source);
        let script = &scripts[0];
        let line = script.header_lines + 3;
        assert_eq!(source_at(&dockerfile, script, line, 8), "$1");
        assert_eq!(source_at(&dockerfile, script, line - 1, 4), "/t");
        // Past the body's last (empty) line: no place in it.
        let line_starts = script.body_line_starts();
        assert!(script
            .finding(&comment_at(line + 2, 1), &line_starts)
            .is_none());
    }

    #[test]
    fn continued_lines_map_back_to_their_source_lines() {
        let source = "FROM alpine\nRUN echo a \\\n  # a comment with $1\n\n  && tar xf $1\n";
        let (dockerfile, scripts) = scripts_of(source);
        let script = &scripts[0];
        let column = script.body.find("$1").unwrap() + 1;
        let line = script.header_lines + 1;
        let found = script
            .finding(&comment_at(line, column), &script.body_line_starts())
            .unwrap();
        let position = dockerfile.position(found.finding.span.start);
        assert_eq!((position.line, position.column), (5, 13));
        assert_eq!(dockerfile.text(found.finding.span), "$1");
        assert_eq!(found.id, "SC2086");
        assert_eq!(found.severity, Severity::Info);
    }

    #[test]
    fn every_byte_of_a_continued_script_maps_to_the_same_byte_of_the_source() {
        let source = "FROM alpine\nRUN a \\\n  # note\n  b \\\n\n c\n";
        let (_, scripts) = scripts_of(source);
        let script = &scripts[0];
        let offsets: Vec<usize> = (0..script.body.len())
            .map(|at| script.source_map.offset(at))
            .collect();
        let bytes: Vec<u8> = offsets.iter().map(|&o| source.as_bytes()[o]).collect();
        assert_eq!(bytes, script.body.as_bytes());
        assert!(offsets.windows(2).all(|pair| pair[0] < pair[1]));
        let end = source.rfind('c').unwrap() + 1;
        assert_eq!(script.source_map.offset(script.body.len()), end);
    }

    #[test]
    fn backtick_escape_continuations_are_skipped() {
        let source = "# escape=`\nFROM alpine\nRUN echo \\ `\n  $1\n";
        let (dockerfile, scripts) = scripts_of(source);
        let script = &scripts[0];
        let column = script.body.find("$1").unwrap() + 1;
        assert_eq!(
            source_at(&dockerfile, script, script.header_lines + 1, column),
            "$1"
        );
        let position = dockerfile.position(dockerfile.source.rfind("$1").unwrap());
        assert_eq!(position.line, 4);
    }

    #[test]
    fn heredoc_lines_and_tab_columns_map_into_the_body() {
        let source = "FROM alpine\nRUN <<EOF\nset -e\n\techo $x\nEOF\n";
        let (dockerfile, scripts) = scripts_of(source);
        let script = &scripts[0];
        assert_eq!(script.shell, "sh");
        // ShellCheck counts a tab as one column: `$x` is at column 7 of body line 2.
        assert_eq!(
            source_at(&dockerfile, script, script.header_lines + 2, 7),
            "$x"
        );
    }

    #[test]
    fn heredocs_fed_to_other_programs_are_skipped() {
        let (_, scripts) = scripts_of("FROM alpine\nRUN python3 <<EOF\nprint($1)\nEOF\n");
        assert!(scripts.is_empty());
        let (_, scripts) = scripts_of("FROM alpine\nRUN bash -e <<EOF\necho $1\nEOF\n");
        assert_eq!(scripts[0].shell, "bash");
        let (_, scripts) = scripts_of("FROM alpine\nRUN <<EOF\n#!/usr/bin/env python3\nx\nEOF\n");
        assert!(scripts.is_empty());
    }

    #[test]
    fn the_shell_in_force_decides_the_dialect() {
        let source = "FROM alpine AS Base\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo 1\n\
FROM base\nRUN echo 2\nSHELL [\"pwsh\", \"-Command\"]\nRUN Write-Host 3\nFROM alpine\nRUN echo 4\n\
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN mkdir c:\\data\n";
        let (_, scripts) = scripts_of(source);
        let shells: Vec<_> = scripts.iter().map(|s| (s.shell, s.body.as_str())).collect();
        assert_eq!(
            shells,
            [("bash", "echo 1"), ("bash", "echo 2"), ("sh", "echo 4")]
        );
    }

    #[test]
    fn declared_names_are_exported_in_the_header_only() {
        let source = "ARG base\nFROM alpine\nARG version=1\nENV app.name=x HOME_DIR=/h\nRUN echo \"$version\"\n";
        let (_, scripts) = scripts_of(source);
        let header = &scripts[0].header;
        assert!(header.contains("export version=x\n"));
        assert!(header.contains("export base=x\n"));
        assert!(header.contains("export HOME_DIR=x\n"));
        assert!(!header.contains("app.name"));
        let line_starts = scripts[0].body_line_starts();
        assert!(scripts[0]
            .finding(&comment_at(1, 1), &line_starts)
            .is_none());
    }
}
