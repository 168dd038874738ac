//! The lint gate against BuildKit's own Dockerfile frontend
//! (../shared/conformance/buildkit-frontend, read at test time; see its FORMAT.md): every file
//! BuildKit rejects gets an error-level finding at BuildKit's line, and no file it accepts gets
//! one, except where a rule's policy says the image certainly cannot work (listed below with
//! the reason).

mod common;

use rbuild_lints::diagnostic::{Diagnostic, Severity};
use rbuild_lints::images::{image_uses, ImageUseKind};
use rbuild_lints::linter::{lint, RuleSettings};
use rbuild_lints::rule::{ImageConfig, LintOptions};
use serde_json::Value;
use std::path::Path;

/// Error-level rules that may fire on a file BuildKit accepts, with the reason the severity
/// policy allows it: the image certainly cannot work as written.
const ALLOWED_ON_ACCEPTED: &[(&str, &str)] = &[
    (
        "RB202",
        "an exec-form CMD/ENTRYPOINT whose program has a space (`[\"echo hi\"]`): no such \
         executable, so the container cannot start",
    ),
    (
        "RB512",
        "COPY of a file the context's .dockerignore excludes: the daemon never receives it, so \
         the COPY fails (BuildKit's check only warns, CopyIgnoredFile; its build fails)",
    ),
    (
        "RB105",
        "`--from=buidler` next to a stage `builder`: a near-miss of a stage name is a typo, and \
         the build would pull an image of that name instead",
    ),
];

/// One case or corpus file with BuildKit's verdict.
struct Verdict {
    name: String,
    source: Vec<u8>,
    /// The context's `.dockerignore`, where the case has one.
    dockerignore: Option<String>,
    /// `None`: accepted. `Some(line)`: rejected at that 1-based line (`None` when BuildKit names
    /// no line). A file the check accepts but a build of it fails counts as rejected.
    rejected_at: Option<Option<usize>>,
    message: String,
    phase: String,
}

fn verdict(name: String, source: Vec<u8>, record: &Value) -> Verdict {
    let (rejected, error) = if record["verdict"] == "error" {
        (true, &record["error"])
    } else {
        (record["build_verdict"] == "error", &record["build_error"])
    };
    // BuildKit numbers the line of an invalid `# escape=` directive from 0.
    let line = |value: &Value| value.as_u64().map(|line| (line as usize).max(1));
    Verdict {
        name,
        source,
        dockerignore: record["dockerignore"].as_str().map(str::to_string),
        rejected_at: rejected.then(|| line(&error["line"])),
        message: error["message"].as_str().unwrap_or_default().to_string(),
        phase: error["phase"].as_str().unwrap_or_default().to_string(),
    }
}

fn cases() -> Vec<Verdict> {
    common::buildkit_frontend_records("cases.jsonl")
        .iter()
        .map(|case| {
            let name = case["name"].as_str().expect("name").to_string();
            let text = case["dockerfile"].as_str().expect("dockerfile");
            verdict(name, text.as_bytes().to_vec(), case)
        })
        .collect()
}

fn corpus() -> Vec<Verdict> {
    let corpus = common::shared_dir().join("corpus");
    common::buildkit_frontend_records("corpus.jsonl")
        .iter()
        .map(|record| {
            let path = record["path"].as_str().expect("path");
            let bytes = std::fs::read(corpus.join(path))
                .unwrap_or_else(|e| panic!("cannot read corpus/{path}: {e}"));
            verdict(path.to_string(), bytes, record)
        })
        .collect()
}

/// The options of the lint gate in front of the build BuildKit's verdicts come from: no build
/// args, and base images whose configuration is empty (the stub images of FORMAT.md).
fn gate_options(source: &[u8], context_dir: Option<&Path>) -> LintOptions {
    let mut options = LintOptions {
        build_args_complete: true,
        context_dir: context_dir.map(Path::to_path_buf),
        ..LintOptions::default()
    };
    if let Ok(dockerfile) = rbuild_lints::syntax::parse_bytes(source) {
        let images = image_uses(&dockerfile, &options).unwrap_or_default();
        for image in images.into_iter().filter(|i| i.kind == ImageUseKind::Base) {
            options
                .image_configs
                .insert(image.reference, ImageConfig::default());
        }
    }
    options
}

/// The error-level findings of the default rules on `source`, as (line, code, message and help).
fn errors(source: &[u8], context_dir: Option<&Path>) -> Vec<(usize, &'static str, String)> {
    let result = lint(
        source,
        &gate_options(source, context_dir),
        &RuleSettings::default(),
    );
    let position = |d: &Diagnostic| match &result.dockerfile {
        Some(dockerfile) => dockerfile.position(d.span.start).line,
        None => {
            1 + source[..d.span.start.min(source.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
        }
    };
    result
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let text = format!("{} ({})", d.message, d.help.as_deref().unwrap_or_default());
            (position(d), d.rule.code, text)
        })
        .collect()
}

/// Checks every verdict; returns the disagreements, one line each.
fn disagreements(verdicts: &[Verdict]) -> Vec<String> {
    let mut out = Vec::new();
    let mut allowed = Vec::new();
    // One context per call: the tests run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let context =
        std::env::temp_dir().join(format!("rbuild-frontend-{}-{call}", std::process::id()));
    for v in verdicts {
        let context_dir = v.dockerignore.as_ref().map(|ignore| {
            std::fs::create_dir_all(&context).expect("create the context");
            std::fs::write(context.join(".dockerignore"), ignore).expect("write .dockerignore");
            context.as_path()
        });
        let errors = errors(&v.source, context_dir);
        match v.rejected_at {
            Some(line) => {
                let at_line: Vec<_> = errors
                    .iter()
                    .filter(|e| line.is_none_or(|line| e.0 == line))
                    .collect();
                // Where BuildKit suggests a spelling, so do we.
                let suggestion = v
                    .message
                    .split_once("did you mean ")
                    .map(|(_, rest)| rest.trim_end_matches(['?', ')']).to_string());
                let caught = !at_line.is_empty()
                    && suggestion.as_ref().is_none_or(|s| {
                        at_line
                            .iter()
                            .any(|e| e.2.to_lowercase().contains(&s.to_lowercase()))
                    });
                if !caught {
                    out.push(format!(
                        "MISSED {} ({}) line {line:?}: {}; ours: {errors:?}",
                        v.name, v.phase, v.message
                    ));
                }
            }
            None => {
                let blocking: Vec<_> = errors
                    .iter()
                    .filter(|e| !ALLOWED_ON_ACCEPTED.iter().any(|(code, _)| *code == e.1))
                    .collect();
                if !blocking.is_empty() {
                    out.push(format!("BLOCKED {}: {blocking:?}", v.name));
                } else if !errors.is_empty() {
                    allowed.push(format!(
                        "{}: {:?}",
                        v.name,
                        errors.iter().map(|e| e.1).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&context);
    // The agreement, for the record (`cargo test --test buildkit_frontend -- --nocapture`).
    let rejected = verdicts.iter().filter(|v| v.rejected_at.is_some()).count();
    let missed = out.iter().filter(|line| line.starts_with("MISSED")).count();
    let blocked = out.len() - missed;
    eprintln!(
        "{} of {rejected} rejections caught at BuildKit's line; {} of {} accepted files without an \
         error-level finding, {} with an allowed one ({}), {blocked} blocked",
        rejected - missed,
        verdicts.len() - rejected - blocked - allowed.len(),
        verdicts.len() - rejected,
        allowed.len(),
        allowed.join("; ")
    );
    out
}

/// Asserts that `verdicts` (`count` of them, from `file`) all agree with BuildKit.
fn assert_agreement(file: &str, verdicts: &[Verdict], count: usize) {
    assert_eq!(verdicts.len(), count, "{file} has {count} records");
    let wrong = disagreements(verdicts);
    assert!(
        wrong.is_empty(),
        "{} of {count} records of {file} disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_case_gets_buildkits_verdict() {
    assert_agreement("cases.jsonl", &cases(), 492);
}

#[test]
fn every_corpus_file_gets_buildkits_verdict() {
    assert_agreement("corpus.jsonl", &corpus(), 1205);
}
