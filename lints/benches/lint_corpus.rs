//! Times linting the whole ../shared/corpus in one thread (files read first): the whole `lint`,
//! parsing alone (target: under 100 ms per pass), splitting RUN scripts, and each rule, slowest
//! first, to show where the time goes.
//! Run: `cargo bench -p rbuild-lints --bench lint_corpus [-- FILE...]` (files instead of the
//! corpus, e.g. a generated worst case).

// The tests' helpers locate ../shared and list the corpus the same way.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use rbuild_lints::linter::{lint, RuleSettings};
use rbuild_lints::rule::{Check, Checker, LintOptions};
use rbuild_lints::rules::RULES;

const PASSES: usize = 5;

fn main() {
    // Files named after `--` instead of the corpus (`cargo bench --bench lint_corpus -- FILE`).
    let named: Vec<std::path::PathBuf> = std::env::args_os()
        .skip(1)
        .filter(|arg| arg != "--bench")
        .map(Into::into)
        .collect();
    let paths = if named.is_empty() {
        common::corpus_files(&common::shared_dir().join("corpus"))
    } else {
        named
    };
    let files: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| std::fs::read(p).expect("read corpus file"))
        .collect();
    let options = LintOptions::default();
    let settings = RuleSettings::default();

    let whole = best_of(|| {
        for file in &files {
            std::hint::black_box(lint(file, &options, &settings));
        }
    });
    let parsed: Vec<_> = files
        .iter()
        .filter_map(|file| rbuild_lints::syntax::parse_bytes(file).ok())
        .collect();
    let parse = best_of(|| {
        for file in &files {
            std::hint::black_box(rbuild_lints::syntax::parse_bytes(file).ok());
        }
    });
    let split = best_of(|| {
        for dockerfile in &parsed {
            let check = Check::new(dockerfile, &options);
            for index in 0..dockerfile.instructions.len() {
                std::hint::black_box(check.run_commands(index));
            }
        }
    });
    let mut per_rule: Vec<(&str, Duration)> = RULES
        .iter()
        .filter_map(|rule| match rule.check {
            Checker::Static(check_fn) | Checker::Context(check_fn) => Some((rule, check_fn)),
            _ => None,
        })
        .map(|(rule, check_fn)| {
            // The commands are split before the clock starts: that cost is shown on its own.
            let checks: Vec<Check> = parsed
                .iter()
                .map(|dockerfile| {
                    let check = Check::new(dockerfile, &options);
                    check.run_commands(0);
                    check
                })
                .collect();
            let time = best_of(|| {
                let mut findings = Vec::new();
                for check in &checks {
                    check_fn(check, &mut findings);
                    findings.clear();
                }
            });
            (rule.code, time)
        })
        .collect();
    per_rule.sort_by_key(|(_, time)| std::cmp::Reverse(*time));
    let rules_total: Duration = per_rule.iter().map(|(_, time)| *time).sum();
    println!(
        "lint_corpus: {} files; best of {PASSES} passes: lint {:.1} ms = parse {:.1} ms + split RUN {:.1} ms + rules {:.1} ms (+ the rest)",
        files.len(),
        ms(whole),
        ms(parse),
        ms(split),
        ms(rules_total)
    );
    for (code, time) in per_rule.iter().take(20) {
        println!("  {code}  {:.2} ms", ms(*time));
    }
}

fn best_of(mut pass: impl FnMut()) -> Duration {
    (0..PASSES)
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed()
        })
        .min()
        .expect("at least one pass")
}

fn ms(time: Duration) -> f64 {
    time.as_secs_f64() * 1e3
}
