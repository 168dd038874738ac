//! The lint gate of `docker rbuild`: lint the Dockerfile about to be built and check its images
//! against the daemon, before any context is sent. Findings at or above the gate stop the build.

use std::io::{IsTerminal, Write};

use anyhow::Context as _;
use bollard::Docker;
use clap::ValueEnum;
use rbuild_lints::diagnostic::{Diagnostic, Severity};
use rbuild_lints::instructions::{session_mounts, SessionMountKind};
use rbuild_lints::linter::{lint, make_diagnostic, RuleSettings};
use rbuild_lints::rule::{BuildSession, LintOptions};
use rbuild_lints::syntax::Keyword;

use crate::images::{self, ImageCheck};
use crate::report::{self, FileReport, Format};
use crate::shellcheck::ShellCheck;
use crate::terminal;

/// What the lint gate does before a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateLevel {
    /// Do not lint and do not check images
    Off,
    /// Report every finding, never stop the build
    Warn,
    /// Stop the build on error-level findings (the default)
    #[default]
    Error,
}

/// Everything the gate looks at.
pub struct GateInput<'a> {
    /// The Dockerfile's bytes (not necessarily UTF-8: see `rbuild_lints::syntax::parse_bytes`).
    pub dockerfile: &'a [u8],
    pub dockerfile_display: &'a str,
    pub options: LintOptions,
    pub settings: RuleSettings,
    pub pull: bool,
    pub platform: Option<&'a str>,
    pub config_dir: Option<std::path::PathBuf>,
    /// Set when the gate also runs ShellCheck over the RUN scripts.
    pub shellcheck: Option<ShellCheck>,
}

/// The lint gate stopped the build: exit 1, after the diagnostics were printed.
#[derive(Debug)]
pub struct GateStopped {
    pub errors: usize,
}

impl std::fmt::Display for GateStopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = if self.errors == 1 { "" } else { "s" };
        write!(
            f,
            "not building: the Dockerfile has {} error{s} (nothing was sent to the daemon; `--lint=warn` builds anyway)",
            self.errors
        )
    }
}

impl std::error::Error for GateStopped {}

/// Lints and checks images; prints what it found on stderr. Blocking findings print in full
/// and return [`GateStopped`]; the others print one line each and the build goes on.
pub async fn run(level: GateLevel, docker: &Docker, input: GateInput<'_>) -> anyhow::Result<()> {
    if level == GateLevel::Off {
        return Ok(());
    }
    let diagnostics = diagnostics(docker, &input).await?;
    for id in unused_secrets(input.dockerfile, input.options.build_session.as_ref()) {
        eprintln!(
            "{}: warning: --secret id={id} is used by no RUN --mount=type=secret (a misspelt ID?)",
            input.dockerfile_display
        );
    }
    let blocking_severity = (level == GateLevel::Error).then_some(Severity::Error);
    let (blocking, others): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| blocking_severity.is_some_and(|s| d.severity.at_least(s)));

    let stderr = std::io::stderr();
    let color = terminal::colors_enabled(stderr.is_terminal());
    let mut out = stderr.lock();
    // The text the diagnostics' spans refer to.
    let text = String::from_utf8_lossy(input.dockerfile);
    let file = |diagnostics| {
        FileReport::new(
            input.dockerfile_display.to_string(),
            text.to_string(),
            diagnostics,
        )
    };
    if !others.is_empty() {
        report::write(Format::Concise, &[file(others)], &mut out, color)?;
    }
    if blocking.is_empty() {
        return Ok(());
    }
    let errors = blocking.len();
    report::write(Format::Tty, &[file(blocking)], &mut out, color)?;
    out.flush()?;
    Err(GateStopped { errors }.into())
}

/// The `--secret` IDs that no secret mount of the Dockerfile asks for. Nothing when a mount's
/// ID depends on a variable (it may be any of them) or the file does not parse.
fn unused_secrets(dockerfile: &[u8], given: Option<&BuildSession>) -> Vec<String> {
    let Some(given) = given.filter(|given| !given.secrets.is_empty()) else {
        return Vec::new();
    };
    let Ok(parsed) = rbuild_lints::syntax::parse_bytes(dockerfile) else {
        return Vec::new();
    };
    let mut used = std::collections::BTreeSet::new();
    let secret_mounts = parsed
        .instructions
        .iter()
        .filter(|instruction| instruction.kind == Keyword::Run)
        .flat_map(session_mounts)
        .filter(|mount| mount.kind == SessionMountKind::Secret);
    for mount in secret_mounts {
        match mount.id {
            Some(id) => used.insert(id),
            None => return Vec::new(),
        };
    }
    given.secrets.difference(&used).cloned().collect()
}

/// The linter's findings, ShellCheck's when asked for, and the daemon rules' findings, under
/// the run's rule settings.
pub async fn diagnostics(
    docker: &Docker,
    input: &GateInput<'_>,
) -> anyhow::Result<Vec<Diagnostic>> {
    let mut options = input.options.clone();
    if let Ok(parsed) = rbuild_lints::syntax::parse_bytes(input.dockerfile) {
        options.image_configs =
            images::base_image_configs(docker, &parsed, &options, input.pull).await;
    }
    let result = lint(input.dockerfile, &options, &input.settings);
    let mut diagnostics = result.diagnostics;
    let Some(dockerfile) = result.dockerfile else {
        return Ok(diagnostics);
    };
    let check = ImageCheck {
        docker,
        options: &input.options,
        pull: input.pull,
        platform: input.platform,
        config_dir: input.config_dir.clone(),
    };
    for (rule, finding) in images::check(&dockerfile, &check).await? {
        if images::explained_by_stage_check(&diagnostics, finding.span) {
            continue;
        }
        diagnostics.extend(make_diagnostic(rule, finding, &input.settings));
    }
    if let Some(shellcheck) = input.shellcheck.clone() {
        let settings = input.settings.clone();
        // ShellCheck runs as child processes: off the async threads, so a stop signal is heard.
        let found =
            tokio::task::spawn_blocking(move || shellcheck.findings(&[(&dockerfile, &settings)]))
                .await
                .context("ShellCheck stopped unexpectedly")??;
        diagnostics.extend(found.into_iter().flatten());
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.rule.code));
    Ok(diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_no_mount_uses_are_named() {
        let given = BuildSession {
            secrets: ["npmrc".to_owned(), "token".to_owned(), "aws".to_owned()].into(),
            ssh: Default::default(),
        };
        let dockerfile = b"FROM alpine\nRUN --mount=type=secret,id=npmrc true\nRUN --mount=type=secret,target=/run/secrets/aws true\n";
        assert_eq!(unused_secrets(dockerfile, Some(&given)), ["token"]);
        let variable = b"FROM alpine\nARG ID\nRUN --mount=type=secret,id=$ID true\n";
        assert!(unused_secrets(variable, Some(&given)).is_empty());
        assert!(unused_secrets(dockerfile, None).is_empty());
    }
}
