//! `lint --fix`, `--unsafe-fixes` and `--diff`: the fix engine of `rbuild_lints::fix` applied to
//! the linted files, which are replaced atomically, or shown as a unified diff.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use rbuild_lints::fix::{self, AppliedFix, DroppedFix, FixOptions};
use rbuild_lints::linter::{lint, LintResult, RuleSettings};
use rbuild_lints::rule::LintOptions;

use crate::discover::{io_reason, Input};
use crate::error::input_error;
use crate::report::{FileReport, Format, Tally};

/// What `lint` does with the fixes of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Report only.
    Off,
    /// Apply the fixes: replace the file (standard input: print the fixed text).
    Write { unsafe_fixes: bool },
    /// Print the diff the fixes would make; write nothing.
    Diff { unsafe_fixes: bool },
}

impl FixMode {
    /// The mode from the flags and the file's `fix` / `unsafe-fixes` settings: `--diff` wins,
    /// then `--no-fix`, then `--fix` or `fix = true`.
    pub fn new(diff: bool, fix: bool, no_fix: bool, unsafe_fixes: bool) -> FixMode {
        if diff {
            FixMode::Diff { unsafe_fixes }
        } else if fix && !no_fix {
            FixMode::Write { unsafe_fixes }
        } else {
            FixMode::Off
        }
    }

    fn unsafe_fixes(self) -> bool {
        match self {
            FixMode::Off => false,
            FixMode::Write { unsafe_fixes } | FixMode::Diff { unsafe_fixes } => unsafe_fixes,
        }
    }
}

/// What fixing one file did.
#[derive(Debug)]
pub struct Fixed {
    pub mode: FixMode,
    /// The file as read (when it is not UTF-8, nothing is fixed).
    pub original: Vec<u8>,
    /// The fixed text, when it differs from the original.
    pub text: Option<String>,
    pub applied: Vec<AppliedFix>,
    pub dropped: Vec<DroppedFix>,
    /// The passes stopped at their bound with fixes still to apply.
    pub unfinished: bool,
}

/// Lints `bytes`, or with a fix mode fixes them and lints the result: the lint is of what is
/// left.
pub fn lint_or_fix(
    bytes: &[u8],
    options: &LintOptions,
    settings: &RuleSettings,
    mode: FixMode,
) -> (LintResult, Option<Fixed>) {
    if mode == FixMode::Off {
        return (lint(bytes, options, settings), None);
    }
    let result = fix::fix(
        bytes,
        options,
        settings,
        FixOptions {
            unsafe_fixes: mode.unsafe_fixes(),
            only: None,
        },
    );
    let changed = result.changed();
    let fixed = Fixed {
        mode,
        original: bytes.to_vec(),
        text: changed.then(|| result.source.clone()),
        applied: result.applied,
        dropped: result.dropped,
        unfinished: result.unfinished,
    };
    (result.remaining, Some(fixed))
}

/// Tells on stderr which fixes were dropped and where fixing stopped early.
pub fn warn_dropped(reports: &[FileReport], fixed: &[Option<Fixed>]) {
    for (report, fixed) in reports.iter().zip(fixed) {
        let Some(fixed) = fixed else { continue };
        for dropped in &fixed.dropped {
            eprintln!(
                "warning: {}:{}:{}: fix of {} ({}) not applied: {}",
                report.path,
                dropped.position.line,
                dropped.position.column,
                dropped.rule.code,
                dropped.rule.name,
                dropped.reason
            );
        }
        if fixed.unfinished {
            eprintln!(
                "warning: {}: fixes were still being found after {} passes; run --fix again",
                report.path,
                fix::MAX_PASSES
            );
        }
    }
}

/// `--diff`: the unified diff of every changed file. True when there is one.
pub fn write_diffs(
    reports: &[FileReport],
    fixed: &[Option<Fixed>],
    out: &mut dyn Write,
) -> std::io::Result<bool> {
    let mut changed = false;
    for (report, fixed) in reports.iter().zip(fixed) {
        let Some((fixed, text)) = fixed
            .as_ref()
            .and_then(|f| f.text.as_ref().map(|text| (f, text)))
        else {
            continue;
        };
        changed = true;
        // Only a UTF-8 file can have been fixed.
        let original = String::from_utf8_lossy(&fixed.original);
        let diff = similar::TextDiff::from_lines(original.as_ref(), text.as_str());
        write!(
            out,
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&report.path, &report.path)
        )?;
    }
    Ok(changed)
}

/// `--fix`: replaces every changed file; the fixed text of standard input goes to `stdout`
/// (unchanged or not, so that `lint --fix -` works as a filter).
pub fn write_fixed(
    inputs: &[Input],
    fixed: &[Option<Fixed>],
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    for (input, fixed) in inputs.iter().zip(fixed) {
        let Some(fixed) = fixed else { continue };
        let bytes = fixed
            .text
            .as_ref()
            .map_or(&fixed.original[..], |t| t.as_bytes());
        match input {
            Input::Stdin(_) => stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .context("cannot write the fixed text")?,
            Input::File(path) if fixed.text.is_some() => replace_file(path, bytes)?,
            Input::File(_) => {}
        }
    }
    Ok(())
}

fn replace_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::rewrite::replace_file(path, bytes).map_err(|e| {
        input_error(format!(
            "cannot write the fixed {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })
}

/// "Fixed 12 problems, 3 remaining (2 fixable with --unsafe-fixes)." after a fix, or "2 fixable
/// with --fix (1 more with --unsafe-fixes)." when there are fixes to apply; `None` otherwise.
pub fn summary(reports: &[FileReport], fixed: &[Option<Fixed>]) -> Option<String> {
    let remaining = Tally::sum(reports);
    let (safe, unsafe_only) = (remaining.safe_fixes, remaining.unsafe_fixes);
    let fixing = fixed.iter().flatten().next();
    let Some(first) = fixing else {
        return match (safe, unsafe_only) {
            (0, 0) => None,
            (0, u) => Some(format!("{u} fixable with --fix --unsafe-fixes.")),
            (s, 0) => Some(format!("{s} fixable with --fix.")),
            (s, u) => Some(format!(
                "{s} fixable with --fix ({u} more with --unsafe-fixes)."
            )),
        };
    };
    let applied: usize = fixed.iter().flatten().map(|f| f.applied.len()).sum();
    let left = remaining.total();
    let mut line = format!(
        "Fixed {applied} problem{}, {left} remaining",
        if applied == 1 { "" } else { "s" }
    );
    if !first.mode.unsafe_fixes() && unsafe_only > 0 {
        line.push_str(&format!(" ({unsafe_only} fixable with --unsafe-fixes)"));
    }
    line.push('.');
    Some(line)
}

/// Whether the fix summary belongs in the report itself (the human formats) rather than on
/// stderr (machine formats must stay parseable).
pub fn summary_in_report(format: Format) -> bool {
    matches!(format, Format::Tty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_wins_over_no_fix_which_wins_over_fix() {
        assert_eq!(
            FixMode::new(true, false, true, true),
            FixMode::Diff { unsafe_fixes: true }
        );
        assert_eq!(FixMode::new(false, true, true, false), FixMode::Off);
        assert_eq!(
            FixMode::new(false, true, false, false),
            FixMode::Write {
                unsafe_fixes: false
            }
        );
        assert_eq!(FixMode::new(false, false, false, true), FixMode::Off);
    }

    #[test]
    fn replacing_a_file_keeps_its_mode_and_follows_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile.real");
        std::fs::write(&file, "old\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("Dockerfile");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        replace_file(&link, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new\n");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}
