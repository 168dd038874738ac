//! `docker rbuild rules [CODE|NAME] [--format text|json]`: the rules and their documentation.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use rbuild_lints::rule::{FixAvailability, FixSafety, Rule};
use rbuild_lints::rules::{self, differences, RULES};
use serde_json::json;

use crate::error::input_error;

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Show the documentation of this rule (code such as RB301, or name)
    #[arg(value_name = "CODE|NAME")]
    pub rule: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table, or the rule's documentation
    Text,
    /// JSON for tools, with the equivalent ids as fields
    Json,
    /// A Markdown table (the one in README.md)
    Markdown,
}

pub fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    // A hadolint id or build-check name may stand for several rules: each is shown.
    let selected: Vec<&'static Rule> = match &args.rule {
        None => RULES.to_vec(),
        Some(wanted) => rules::resolve(wanted.trim()).map_err(input_error)?,
    };
    let mut out = std::io::stdout().lock();
    match (args.format, &args.rule) {
        (RulesFormat::Json, None) => serde_json::to_writer_pretty(
            &mut out,
            &selected.iter().map(|r| rule_json(r)).collect::<Vec<_>>(),
        )?,
        (RulesFormat::Json, Some(_)) if selected.len() == 1 => {
            serde_json::to_writer_pretty(&mut out, &rule_json(selected[0]))?
        }
        (RulesFormat::Json, Some(_)) => serde_json::to_writer_pretty(
            &mut out,
            &selected.iter().map(|r| rule_json(r)).collect::<Vec<_>>(),
        )?,
        (RulesFormat::Text, None) => write_table(&mut out, &selected)?,
        (RulesFormat::Markdown, _) => write_markdown(&mut out, &selected)?,
        (RulesFormat::Text, Some(_)) => {
            for (i, rule) in selected.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write_docs(&mut out, rule)?;
            }
        }
    }
    if args.format == RulesFormat::Json {
        writeln!(out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `no`, or whether every finding has a fix and how safe: `yes`, `sometimes (unsafe)`, ...
fn fixable(rule: &Rule) -> String {
    let (when, docs) = match &rule.fix {
        FixAvailability::None => return "no".to_string(),
        FixAvailability::Sometimes(docs) => ("sometimes", docs),
        FixAvailability::Always(docs) => ("yes", docs),
    };
    match docs.safety {
        FixSafety::Safe => when.to_string(),
        safety => format!("{when} ({})", safety.as_str()),
    }
}

fn write_table(out: &mut dyn Write, rules: &[&Rule]) -> std::io::Result<()> {
    let name_width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0).max(4);
    let equivalents_width = rules
        .iter()
        .map(|r| equivalents(r).len())
        .max()
        .unwrap_or(0)
        .max(11);
    writeln!(
        out,
        "{:<6} {:<name_width$} {:<8} {:<18} {:<equivalents_width$} SUMMARY",
        "CODE", "NAME", "SEVERITY", "FIXABLE", "EQUIVALENTS"
    )?;
    for rule in rules {
        writeln!(
            out,
            "{:<6} {:<name_width$} {:<8} {:<18} {:<equivalents_width$} {}",
            rule.code,
            rule.name,
            rule.severity,
            fixable(rule),
            equivalents(rule),
            rule.summary
        )?;
    }
    Ok(())
}

fn write_markdown(out: &mut dyn Write, rules: &[&Rule]) -> std::io::Result<()> {
    writeln!(
        out,
        "| code | name | severity | fixable | hadolint | Docker build check | summary |"
    )?;
    writeln!(
        out,
        "|------|------|----------|---------|----------|--------------------|---------|"
    )?;
    for rule in rules {
        writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} |",
            rule.code,
            rule.name,
            rule.severity,
            fixable(rule),
            or_dash(&rule.equivalents.hadolint.join(", ")),
            or_dash(rule.equivalents.buildkit.unwrap_or("")),
            rule.summary.replace('|', "\\|"),
        )?;
    }
    Ok(())
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}

fn equivalents(rule: &Rule) -> String {
    let mut ids: Vec<&str> = rule.equivalents.hadolint.to_vec();
    ids.extend(rule.equivalents.buildkit);
    if ids.is_empty() {
        "-".into()
    } else {
        ids.join(",")
    }
}

/// The rule's documentation as `rules CODE` prints it (Markdown: the language server's hover
/// shows it).
pub fn docs(rule: &Rule) -> String {
    let mut text = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_docs(&mut text, rule);
    String::from_utf8_lossy(&text).into_owned()
}

fn write_docs(out: &mut dyn Write, rule: &Rule) -> std::io::Result<()> {
    writeln!(out, "{} {}: {}", rule.code, rule.name, rule.summary)?;
    writeln!(out)?;
    writeln!(
        out,
        "Severity: {}    Fixable: {}    Equivalents: {}",
        rule.severity,
        fixable(rule),
        equivalents(rule)
    )?;
    writeln!(out, "Why {}: {}.", rule.severity, rule.severity_reason)?;
    for (heading, text) in [
        ("What it does", rule.docs.what_it_does),
        ("Why is this bad", rule.docs.why_is_this_bad),
    ] {
        writeln!(out, "\n## {heading}\n{text}")?;
    }
    for (heading, dockerfile) in [
        ("Example", rule.docs.example),
        ("Use instead", rule.docs.use_instead),
    ] {
        writeln!(out, "\n## {heading}\n```dockerfile\n{}```", dockerfile)?;
    }
    for difference in differences::of(rule.code) {
        writeln!(
            out,
            "\n## Differs from {}\n{}",
            difference.tool.as_str(),
            difference.text
        )?;
    }
    if let Some(fix) = rule.fix.docs() {
        let how = match fix.safety {
            FixSafety::Safe => "safe, applied by `lint --fix`",
            FixSafety::Unsafe => "unsafe, applied by `lint --fix --unsafe-fixes`",
            FixSafety::Mixed => "safe or unsafe (below); unsafe ones need `--unsafe-fixes`",
        };
        writeln!(out, "\n## Fix ({how})\n{}", fix.description)?;
        for example in fix.examples {
            writeln!(
                out,
                "\n```dockerfile\n{}```\nbecomes\n```dockerfile\n{}```",
                example.before, example.after
            )?;
        }
    }
    Ok(())
}

fn rule_json(rule: &Rule) -> serde_json::Value {
    json!({
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "severity_reason": rule.severity_reason,
        "summary": rule.summary,
        "fixable": rule.fix,
        "fix": rule.fix.docs(),
        "hadolint": rule.equivalents.hadolint,
        "buildkit": rule.equivalents.buildkit,
        "docs": rule.docs,
        "differences": differences::of(rule.code).collect::<Vec<_>>(),
    })
}
