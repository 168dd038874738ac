//! Docker's build-check warnings, as BuildKit's frontend gives them for every file of
//! ../shared/corpus (`conformance/buildkit-frontend/corpus.jsonl`) and for the small cases of
//! `cases.jsonl`: our rules that declare a BuildKit equivalent find the same warnings on the
//! same lines (F1 at least 0.98 on each set), and every difference left is one of the
//! deliberate differences listed below, each written in its rule's docs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::Context;

use rbuild_lints::diagnostic::Severity;
use rbuild_lints::linter::{lint, RuleSettings};
use rbuild_lints::rule::LintOptions;
use rbuild_lints::rules::differences::{self, Tool};
use rbuild_lints::rules::RULES;
use serde_json::Value;

/// One warning: BuildKit's check name and the 1-based line.
type Warning = (String, usize);

/// Our warnings, and the lines where we report an error.
struct Ours {
    warnings: Vec<Warning>,
    error_lines: Vec<usize>,
}

/// What we report as BuildKit warnings: the findings of rules with a BuildKit equivalent, under
/// the default settings. BuildKit reports at an instruction's first line, so a finding counts at
/// the first line of the instruction it is in (a continuation line of ours points at the exact
/// word); NoEmptyContinuation is the exception: BuildKit and we both report the last line.
fn our_warnings(text: &[u8], context_dir: Option<&Path>) -> Ours {
    our_warnings_with(text, context_dir, &RuleSettings::default())
}

fn our_warnings_with(text: &[u8], context_dir: Option<&Path>, settings: &RuleSettings) -> Ours {
    let options = LintOptions {
        context_dir: context_dir.map(Path::to_path_buf),
        ..LintOptions::default()
    };
    let result = lint(text, &options, settings);
    let error_lines = result
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| line_of(text, d.span.start))
        .collect();
    let Some(dockerfile) = result.dockerfile else {
        return Ours {
            warnings: Vec::new(),
            error_lines,
        };
    };
    let warnings = result
        .diagnostics
        .iter()
        .filter_map(|d| {
            let check = d.rule.equivalents.buildkit?;
            let line = dockerfile.position(d.span.start).line;
            // A finding on a comment (InvalidDefinitionDescription) is about the instruction
            // after it.
            let instruction = dockerfile.instructions.iter().find(|i| line <= i.end_line);
            let line = match instruction {
                Some(i) if check != "NoEmptyContinuation" => i.start_line,
                _ => line,
            };
            Some((check.to_string(), line))
        })
        .collect();
    Ours {
        warnings,
        error_lines,
    }
}

fn line_of(text: &[u8], offset: usize) -> usize {
    1 + text[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

fn warnings_of(value: &Value) -> Vec<Warning> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .map(|w| {
                    (
                        w["rule"].as_str().expect("a rule name").to_string(),
                        w["line"].as_u64().expect("a line") as usize,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One Dockerfile's expected and found warnings.
#[derive(Debug)]
struct Compared {
    name: String,
    /// The line BuildKit rejects the file at: it reports nothing after its first error.
    error_line: Option<usize>,
    /// Lines where we report an error.
    our_error_lines: Vec<usize>,
    /// The context's `.dockerignore`, when the case has one.
    dockerignore: Option<String>,
    text: String,
    expected: Vec<Warning>,
    found: Vec<Warning>,
}

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    both: usize,
    buildkit_only: usize,
    ours_only: usize,
}

impl Counts {
    fn f1(&self) -> f64 {
        let denominator = 2 * self.both + self.buildkit_only + self.ours_only;
        if denominator == 0 {
            1.0
        } else {
            2.0 * self.both as f64 / denominator as f64
        }
    }
}

/// A mismatch: a warning only BuildKit gives, or only we give.
#[derive(Debug)]
struct Mismatch<'a> {
    file: &'a Compared,
    warning: Warning,
    ours: bool,
}

fn mismatches(files: &[Compared]) -> (BTreeMap<String, Counts>, Vec<Mismatch<'_>>) {
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let mut list = Vec::new();
    for file in files {
        let mut expected = file.expected.clone();
        for warning in &file.found {
            let entry = counts.entry(warning.0.clone()).or_default();
            if let Some(at) = expected.iter().position(|w| w == warning) {
                expected.swap_remove(at);
                entry.both += 1;
            } else if file.error_line.is_some_and(|stop| warning.1 >= stop) {
                // BuildKit stopped before it could report this: not a difference.
            } else {
                entry.ours_only += 1;
                list.push(Mismatch {
                    file,
                    warning: warning.clone(),
                    ours: true,
                });
            }
        }
        for warning in expected {
            // A rejected file: where both reject the same line, its warnings there are moot.
            if file.error_line == Some(warning.1) && file.our_error_lines.contains(&warning.1) {
                continue;
            }
            counts.entry(warning.0.clone()).or_default().buildkit_only += 1;
            list.push(Mismatch {
                file,
                warning,
                ours: false,
            });
        }
    }
    (counts, list)
}

fn total(counts: &BTreeMap<String, Counts>) -> Counts {
    counts.values().fold(Counts::default(), |sum, c| Counts {
        both: sum.both + c.both,
        buildkit_only: sum.buildkit_only + c.buildkit_only,
        ours_only: sum.ours_only + c.ours_only,
    })
}

/// Where BuildKit stops on a rejected file (its first line when the error has no line).
fn error_line(entry: &Value) -> Option<usize> {
    (entry["verdict"] == "error").then(|| entry["error"]["line"].as_u64().unwrap_or(1) as usize)
}

fn corpus() -> Vec<Compared> {
    let corpus = common::shared_dir().join("corpus");
    common::buildkit_frontend_records("corpus.jsonl")
        .iter()
        .map(|entry| {
            let name = entry["path"].as_str().expect("a path").to_string();
            let bytes = std::fs::read(corpus.join(&name))
                .unwrap_or_else(|e| panic!("cannot read corpus file {name}: {e}"));
            let ours = our_warnings(&bytes, None);
            Compared {
                error_line: error_line(entry),
                found: ours.warnings,
                our_error_lines: ours.error_lines,
                expected: warnings_of(&entry["warnings"]),
                dockerignore: None,
                text: String::from_utf8_lossy(&bytes).into_owned(),
                name,
            }
        })
        .collect()
}

fn cases() -> Vec<Compared> {
    common::buildkit_frontend_records("cases.jsonl")
        .iter()
        .map(|case| {
            let name = case["name"].as_str().expect("a name").to_string();
            let text = case["dockerfile"]
                .as_str()
                .expect("a dockerfile")
                .to_string();
            let context = case["dockerignore"]
                .as_str()
                .map(|ignore| Context::new(&name, ignore));
            let ours = our_warnings(text.as_bytes(), context.as_ref().map(|c| c.0.as_path()));
            Compared {
                error_line: error_line(case),
                found: ours.warnings,
                our_error_lines: ours.error_lines,
                expected: warnings_of(&case["warnings"]),
                dockerignore: case["dockerignore"].as_str().map(str::to_string),
                text,
                name,
            }
        })
        .collect()
}

fn report(set: &str, counts: &BTreeMap<String, Counts>) -> String {
    let mut out = format!("{set}: F1 {:.4}\n", total(counts).f1());
    for (check, c) in counts {
        out += &format!(
            "  {check:<32} both {:>5}  buildkit only {:>4}  ours only {:>4}  F1 {:.3}\n",
            c.both,
            c.buildkit_only,
            c.ours_only,
            c.f1()
        );
    }
    out
}

fn describe(mismatch: &Mismatch<'_>) -> String {
    let line = mismatch
        .file
        .text
        .lines()
        .nth(mismatch.warning.1.saturating_sub(1))
        .unwrap_or("");
    format!(
        "{} {}:{} {}: {}",
        if mismatch.ours {
            "ours only"
        } else {
            "buildkit only"
        },
        mismatch.file.name,
        mismatch.warning.1,
        mismatch.warning.0,
        line.trim()
    )
}

/// A deliberate difference: the rule, the check, which side reports it, and how to recognise
/// it. Each is written in the rule's docs (`rbuild_lints::rules::differences`).
struct Deliberate {
    code: &'static str,
    check: &'static str,
    ours: bool,
    applies: fn(&Mismatch<'_>) -> bool,
}

/// The source line a mismatch is on.
fn line_text<'a>(mismatch: &Mismatch<'a>) -> &'a str {
    mismatch
        .file
        .text
        .lines()
        .nth(mismatch.warning.1.saturating_sub(1))
        .unwrap_or("")
}

/// The variables a line uses that no ARG or ENV of the file sets: they can only come from the
/// base image.
fn from_base_image(mismatch: &Mismatch<'_>) -> bool {
    let text = &mismatch.file.text;
    let line = line_text(mismatch);
    line.split('$')
        .skip(1)
        .map(|rest| {
            rest.trim_start_matches('{')
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
        })
        .any(|name| {
            !name.is_empty()
                && !text.lines().any(|l| {
                    let l = l.trim_start();
                    let keyword = l.get(..4).unwrap_or("").to_ascii_uppercase();
                    (keyword == "ARG " || keyword == "ENV ")
                        && (l.contains(&format!(" {name}=")) || l.contains(&format!(" {name} ")))
                })
        })
}

static DELIBERATE: &[Deliberate] = &[
    Deliberate {
        code: "RB507",
        check: "WorkdirRelativePath",
        ours: false,
        // A Windows path (`ENV GOPATH C:\\go`, then `WORKDIR $GOPATH`), or a base image's.
        applies: |m| {
            let text = &m.file.text;
            from_base_image(m) || text.contains(" C:\\") || text.contains("=C:\\")
        },
    },
    Deliberate {
        code: "RB510",
        check: "UndefinedVar",
        ours: false,
        applies: from_base_image,
    },
    Deliberate {
        code: "RB511",
        check: "SecretsUsedInArgOrEnv",
        ours: false,
        applies: |m| {
            let line = line_text(m).to_ascii_uppercase();
            ["GPG", "PGP", "PUBLIC"].iter().any(|p| line.contains(p))
                || [".KEY", ".PEM", ".CRT"]
                    .iter()
                    .any(|e| line.trim_end().ends_with(e))
        },
    },
    Deliberate {
        code: "RB512",
        check: "CopyIgnoredFile",
        ours: true,
        applies: |m| {
            m.file
                .dockerignore
                .as_deref()
                .is_some_and(|ignore| ignore.lines().any(|l| l.starts_with('!')))
        },
    },
    Deliberate {
        code: "RB509",
        check: "LegacyKeyValueFormat",
        ours: true,
        applies: |m| {
            let words: Vec<&str> = line_text(m).split_whitespace().collect();
            words.len() == 3 && words[0].eq_ignore_ascii_case("ARG") && !words[1].contains('=')
        },
    },
];

fn check_set(set: &str, files: &[Compared]) {
    let (counts, list) = mismatches(files);
    println!("{}", report(set, &counts));
    let mut unexplained = Vec::new();
    let mut used = vec![0; DELIBERATE.len()];
    for mismatch in &list {
        println!("{}", describe(mismatch));
        match DELIBERATE.iter().position(|d| {
            d.check == mismatch.warning.0 && d.ours == mismatch.ours && (d.applies)(mismatch)
        }) {
            Some(at) => used[at] += 1,
            None => unexplained.push(describe(mismatch)),
        }
    }
    assert!(
        unexplained.is_empty(),
        "{set}: differences that are not deliberate:\n{}",
        unexplained.join("\n")
    );
    let f1 = total(&counts).f1();
    println!("{set}: F1 {f1:.4}");
    assert!(f1 >= 0.98, "{set}: F1 {f1:.4} below 0.98");
    for (deliberate, count) in DELIBERATE.iter().zip(used) {
        println!(
            "{set}: {count} deliberate {} differences ({})",
            deliberate.check, deliberate.code
        );
    }
}

#[test]
fn corpus_warnings_match_buildkit() {
    check_set("corpus.jsonl", &corpus());
}

#[test]
fn case_warnings_match_buildkit() {
    check_set("cases.jsonl", &cases());
}

/// Every deliberate difference is written in its rule's docs, and is seen in the reference data.
#[test]
fn deliberate_differences_are_documented_and_real() {
    for deliberate in DELIBERATE {
        assert!(
            differences::of(deliberate.code).any(|d| d.tool == Tool::Buildkit),
            "{} has no \"Differs from BuildKit\" docs",
            deliberate.code
        );
        let rule = RULES
            .iter()
            .find(|r| r.code == deliberate.code)
            .expect("a rule");
        assert_eq!(rule.equivalents.buildkit, Some(deliberate.check));
    }
    let corpus = corpus();
    let cases = cases();
    let (_, corpus_list) = mismatches(&corpus);
    let (_, case_list) = mismatches(&cases);
    for deliberate in DELIBERATE {
        assert!(
            corpus_list.iter().chain(&case_list).any(|m| {
                deliberate.check == m.warning.0
                    && deliberate.ours == m.ours
                    && (deliberate.applies)(m)
            }),
            "the deliberate {} difference no longer occurs: remove it",
            deliberate.check
        );
    }
}

/// With the experimental checks on, InvalidDefinitionDescription (RB513) finds what BuildKit's
/// `warnings_all_rules` has for it on every corpus file.
#[test]
fn experimental_description_check_matches_buildkit() {
    let corpus_dir = common::shared_dir().join("corpus");
    let all_rules = RuleSettings {
        ignored: Default::default(),
        ..RuleSettings::default()
    };
    let check = "InvalidDefinitionDescription";
    let only = |warnings: Vec<Warning>| -> Vec<Warning> {
        warnings.into_iter().filter(|w| w.0 == check).collect()
    };
    let files: Vec<Compared> = common::buildkit_frontend_records("corpus.jsonl")
        .iter()
        .map(|entry| {
            let name = entry["path"].as_str().expect("a path").to_string();
            let bytes = std::fs::read(corpus_dir.join(&name)).expect("a corpus file");
            let ours = our_warnings_with(&bytes, None, &all_rules);
            Compared {
                error_line: error_line(entry),
                found: only(ours.warnings),
                our_error_lines: ours.error_lines,
                expected: only(warnings_of(&entry["warnings_all_rules"])),
                dockerignore: None,
                text: String::from_utf8_lossy(&bytes).into_owned(),
                name,
            }
        })
        .collect();
    let (counts, list) = mismatches(&files);
    for mismatch in &list {
        println!("{}", describe(mismatch));
    }
    let f1 = total(&counts).f1();
    assert!(
        f1 >= 0.98,
        "{}",
        report("corpus.jsonl, experimental", &counts)
    );
}

/// The experimental checks are off by default, as in BuildKit: `warnings` of the reference data
/// has none, and we report none without `# check=experimental=`.
#[test]
fn experimental_checks_are_off_by_default() {
    let text = "# version of the base\nARG ALPINE_VERSION=3.20\nFROM alpine:${ALPINE_VERSION}\n";
    assert!(our_warnings(text.as_bytes(), None).warnings.is_empty());
    let enabled = format!("# check=experimental=InvalidDefinitionDescription\n{text}");
    assert_eq!(
        our_warnings(enabled.as_bytes(), None).warnings,
        [("InvalidDefinitionDescription".to_string(), 3)]
    );
}

/// A `# check=skip=` comment right before an instruction silences it there only.
#[test]
fn check_comment_before_an_instruction_skips_it() {
    let text =
        "FROM alpine:3.20\n# check=skip=JSONArgsRecommended\nCMD echo hi\nENTRYPOINT echo hi\n";
    assert_eq!(
        our_warnings(text.as_bytes(), None).warnings,
        [("JSONArgsRecommended".to_string(), 4)]
    );
    let all = "FROM alpine:3.20\n# check=skip=all\nCMD echo hi\nENTRYPOINT echo hi\n";
    assert_eq!(
        our_warnings(all.as_bytes(), None).warnings,
        [("JSONArgsRecommended".to_string(), 4)]
    );
}
