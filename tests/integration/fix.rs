//! `docker rbuild lint --fix`, `--unsafe-fixes` and `--diff` end to end: files replaced in place
//! with their mode, line endings, BOM and escape character kept; standard input; the
//! configuration keys; and the whole shared corpus fixed on a copy.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::harness::{self, run, Output, Sandbox};

/// Findings of safe fixes (casing, `apk add --no-cache`), of unsafe ones (shell-form CMD,
/// MAINTAINER) and one without a fix (the unpinned package).
const BEFORE: &str = "from alpine:3.20\nRUN apk add curl\nrun echo hi\nCMD redis-server\nMAINTAINER ops@example.com\n";

const AFTER_SAFE: &str = "FROM alpine:3.20\nRUN apk add --no-cache curl\nRUN echo hi\nCMD redis-server\nMAINTAINER ops@example.com\n";

const AFTER_UNSAFE: &str = "FROM alpine:3.20\nRUN apk add --no-cache curl\nRUN echo hi\nCMD [\"redis-server\"]\nLABEL org.opencontainers.image.authors=\"ops@example.com\"\n";

fn lint(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox.rbuild().arg("lint").args(args))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn fix_applies_safe_fixes_in_place_and_reports_what_is_left() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("Dockerfile", BEFORE);
    let out = lint(&sandbox, &["--fix", "--format", "concise", "Dockerfile"]);
    assert_eq!(read(&path), AFTER_SAFE);
    assert_eq!(out.code, 1, "findings are left: {out:?}");
    insta::assert_snapshot!("fix_concise", super::lint::transcript(&out));
    // The left findings' exit code follows the threshold.
    let out = lint(
        &sandbox,
        &["--fix", "--failure-threshold", "error", "Dockerfile"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .ends_with("Fixed 0 problems, 3 remaining (2 fixable with --unsafe-fixes).\n"),
        "{}",
        out.stdout
    );
    let out = lint(&sandbox, &["--fix", "--unsafe-fixes", "Dockerfile"]);
    assert_eq!(read(&path), AFTER_UNSAFE);
    insta::assert_snapshot!("fix_tty_unsafe", super::lint::transcript(&out));
    let again = lint(&sandbox, &["--fix", "--unsafe-fixes", "Dockerfile"]);
    assert_eq!(read(&path), AFTER_UNSAFE, "a second --fix changes nothing");
    assert!(
        again.stdout.contains("Fixed 0 problems, 1 remaining."),
        "{again:?}"
    );
}

#[test]
fn without_fix_the_report_says_what_is_fixable() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("Dockerfile", BEFORE);
    let out = lint(&sandbox, &["Dockerfile"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .ends_with("3 fixable with --fix (2 more with --unsafe-fixes).\n"),
        "{}",
        out.stdout
    );
    assert_eq!(read(&path), BEFORE, "linting alone writes nothing");
}

#[test]
fn fixed_files_keep_mode_line_endings_bom_escape_and_missing_final_newline() {
    let sandbox = Sandbox::new();
    let before =
        "\u{feff}# escape=`\r\nfrom alpine:3.20\r\nRUN apk add `\r\n    curl\r\nrun echo hi";
    let path = sandbox.write("Dockerfile", before);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o604)).unwrap();
    let out = lint(&sandbox, &["--fix", "Dockerfile"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        read(&path),
        "\u{feff}# escape=`\r\nfrom alpine:3.20\r\nrun apk add --no-cache `\r\n    curl\r\nrun echo hi"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o604);
    // A fix that adds a line (SHELL before a piped RUN) adds it with the file's CRLF.
    let piped = sandbox.write(
        "piped.Dockerfile",
        "FROM debian:12\r\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\r\n",
    );
    lint(&sandbox, &["--fix", "--unsafe-fixes", "piped.Dockerfile"]);
    assert_eq!(
        read(&piped),
        "FROM debian:12\r\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\r\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\r\n"
    );
}

/// With labels outside the schema made errors, rewriting MAINTAINER as a LABEL would add an
/// error: that fix is dropped and said, and the file stays as it was.
#[test]
fn a_fix_that_would_add_an_error_is_dropped_and_said() {
    let sandbox = Sandbox::new();
    let before = "FROM alpine:3.20\nMAINTAINER ops@example.com\nCMD [\"true\"]\n";
    let path = sandbox.write("Dockerfile", before);
    sandbox.write(
        ".rbuild.toml",
        "strict-labels = true\n[labels]\n\"org.opencontainers.image.source\" = \"url\"\n[severity]\nRB804 = \"error\"\n",
    );
    let out = lint(
        &sandbox,
        &[
            "--fix",
            "--unsafe-fixes",
            "--format",
            "concise",
            "Dockerfile",
        ],
    );
    assert_eq!(read(&path), before);
    assert_eq!(
        out.stderr,
        "warning: Dockerfile:2:1: fix of RB506 (maintainer-deprecated) not applied: it would add an error (RB804)\nFixed 0 problems, 2 remaining.\n"
    );
    assert!(out.stdout.contains("warning[RB506]"), "{out:?}");
}

#[test]
fn diff_prints_the_changes_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("Dockerfile", BEFORE);
    let out = lint(&sandbox, &["--diff", "Dockerfile"]);
    assert_eq!(read(&path), BEFORE);
    assert_eq!(out.code, 1, "{out:?}");
    insta::assert_snapshot!("fix_diff", super::lint::transcript(&out));
    sandbox.write("clean.Dockerfile", "FROM alpine:3.20\nCMD [\"true\"]\n");
    let out = lint(&sandbox, &["--diff", "clean.Dockerfile"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    let out = lint(&sandbox, &["--diff", "--fix", "Dockerfile"]);
    assert_eq!(out.code, 2, "--diff and --fix conflict: {out:?}");
}

#[test]
fn fix_of_standard_input_prints_the_fixed_text() {
    let sandbox = Sandbox::new();
    let out = harness::run_with_stdin(
        sandbox
            .rbuild()
            .args(["lint", "--fix", "--format", "json", "-"]),
        BEFORE.as_bytes(),
    );
    assert_eq!(out.stdout, AFTER_SAFE);
    let stderr = out.stderr;
    let (report, summary) = stderr.rsplit_once("]\n").unwrap();
    let findings: serde_json::Value = serde_json::from_str(&format!("{report}]")).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 3, "{stderr}");
    assert_eq!(
        summary,
        "Fixed 3 problems, 3 remaining (2 fixable with --unsafe-fixes).\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn standard_input_that_is_not_utf8_comes_back_unchanged() {
    let sandbox = Sandbox::new();
    let input = b"FROM alpine:3.20\nRUN echo \xff\n";
    let output = harness::run_with_stdin_raw(sandbox.rbuild().args(["lint", "--fix", "-"]), input);
    assert_eq!(output.stdout, input, "the bytes are passed through");
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("warning[RB004]: the byte FF is not UTF-8"));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn config_file_turns_fixing_on_and_no_fix_turns_it_off() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("Dockerfile", BEFORE);
    sandbox.write(".rbuild.toml", "fix = true\nunsafe-fixes = true\n");
    let out = lint(&sandbox, &["--no-fix", "Dockerfile"]);
    assert_eq!(read(&path), BEFORE, "{out:?}");
    lint(&sandbox, &["Dockerfile"]);
    assert_eq!(read(&path), AFTER_UNSAFE);
    let shown = lint(&sandbox, &["--show-config"]);
    assert!(
        shown.stdout.contains("\nfix = true  # "),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("\nunsafe-fixes = true  # "));
}

#[test]
fn sarif_and_json_carry_the_fixes() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        "FROM alpine:3.20\nRUN apk add curl=8.5.0-r0\n",
    );
    let sarif = lint(&sandbox, &["--format", "sarif", "Dockerfile"]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "RB405");
    let fix = &result["fixes"][0];
    assert_eq!(fix["description"]["text"], "add `--no-cache`");
    assert_eq!(fix["properties"]["safety"], "safe");
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "Dockerfile");
    assert_eq!(
        change["replacements"][0],
        serde_json::json!({
            "deletedRegion": {"startLine": 2, "startColumn": 12, "endLine": 2, "endColumn": 12},
            "insertedContent": {"text": " --no-cache"},
        })
    );
    let json = lint(&sandbox, &["--format", "json", "Dockerfile"]);
    let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(findings[0]["fix"]["safety"], "safe");
    assert_eq!(findings[0]["fix"]["edits"][0]["replacement"], " --no-cache");
}

#[test]
fn rules_say_which_are_fixable_and_how_safely() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.rbuild().args(["rules", "--format", "json"]));
    let rules: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let fixable: Vec<&serde_json::Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| rule["fixable"] != "none")
        .collect();
    assert!(fixable.len() >= 25, "{} fixable rules", fixable.len());
    for rule in &fixable {
        let safety = rule["fix"]["safety"].as_str().unwrap();
        assert!(["safe", "unsafe", "mixed"].contains(&safety), "{rule}");
        assert!(!rule["fix"]["examples"].as_array().unwrap().is_empty());
    }
    // The README's table of fixes lists exactly the fixable rules, with their safety.
    let readme = std::fs::read_to_string(harness::workspace_root().join("README.md")).unwrap();
    let table: Vec<(String, String)> = readme
        .lines()
        .skip_while(|line| !line.starts_with("| rule | fix | safety |"))
        .skip(2)
        .take_while(|line| line.starts_with("| RB"))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let safety = cells[2].split(':').next().unwrap().trim_end_matches(" |");
            (
                cells[0].trim_start_matches("| ").to_string(),
                safety.to_string(),
            )
        })
        .collect();
    let registry: Vec<(String, String)> = fixable
        .iter()
        .map(|rule| {
            let field = |value: &serde_json::Value| value.as_str().unwrap().to_string();
            (field(&rule["code"]), field(&rule["fix"]["safety"]))
        })
        .collect();
    assert_eq!(table, registry);
    let docs = run(sandbox.rbuild().args(["rules", "RB405"]));
    assert!(
        docs.stdout.contains("\n## Fix (safe or unsafe"),
        "{}",
        docs.stdout
    );
    assert!(docs
        .stdout
        .contains("RUN apk add --no-cache curl=8.5.0-r0\n"));
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its contents.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The findings of `lint --format json` over `dir`, as (path, code) pairs.
fn findings(sandbox: &Sandbox, dir: &Path) -> Vec<(String, String)> {
    let out = lint(
        sandbox,
        &["--format", "json", "--no-fail", dir.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let findings: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let field = |name: &str| f[name].as_str().unwrap().to_string();
            (field("path"), field("code"))
        })
        .collect()
}

/// On a copy of the shared corpus: `--diff` writes nothing; `--fix --unsafe-fixes` leaves every
/// file that parsed parseable, no finding of a rule whose findings always have a fix, and a
/// second run changes nothing. Prints how many files and findings (per rule) it changed; run
/// with `--nocapture` to read them.
#[test]
fn whole_corpus_fixes_to_a_fixpoint() {
    let sandbox = Sandbox::new();
    let corpus = sandbox.work().join("corpus");
    copy_tree(&harness::shared_dir().join("corpus"), &corpus);
    let original = contents(&corpus);
    let before = findings(&sandbox, &corpus);

    let diff = lint(
        &sandbox,
        &["--diff", "--unsafe-fixes", corpus.to_str().unwrap()],
    );
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert!(contents(&corpus) == original, "--diff wrote files");

    let fix_all = || {
        lint(
            &sandbox,
            &[
                "--fix",
                "--unsafe-fixes",
                "--no-fail",
                "--format",
                "concise",
                corpus.to_str().unwrap(),
            ],
        )
    };
    let fix = fix_all();
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    let fixed = contents(&corpus);
    let changed = fixed
        .iter()
        .filter(|(path, text)| original.get(*path) != Some(*text))
        .count();
    let diffed = diff
        .stdout
        .lines()
        .filter(|l| l.starts_with("+++ "))
        .count();
    assert_eq!(changed, diffed, "--diff shows every file --fix changes");
    assert!(changed > 300, "only {changed} files changed");

    let after = findings(&sandbox, &corpus);
    let syntax_errors =
        |findings: &[(String, String)]| findings.iter().filter(|(_, code)| code == "RB001").count();
    assert_eq!(
        syntax_errors(&after),
        syntax_errors(&before),
        "a fix broke a file"
    );
    let rules = run(sandbox.rbuild().args(["rules", "--format", "json"]));
    let rules: serde_json::Value = serde_json::from_str(&rules.stdout).unwrap();
    let always: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| rule["fixable"] == "always")
        .map(|rule| rule["code"].as_str().unwrap())
        .collect();
    let left: Vec<&(String, String)> = after
        .iter()
        .filter(|(_, code)| always.contains(&code.as_str()))
        .collect();
    assert!(left.is_empty(), "always-fixable findings left: {left:?}");

    let again = fix_all();
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(contents(&corpus) == fixed, "a second --fix changed files");

    let count = |findings: &[(String, String)]| {
        let mut per_rule: BTreeMap<String, i64> = BTreeMap::new();
        for (_, code) in findings {
            *per_rule.entry(code.clone()).or_default() += 1;
        }
        per_rule
    };
    let (before, after) = (count(&before), count(&after));
    println!(
        "--fix --unsafe-fixes changed {changed} of {} corpus files",
        original.len()
    );
    println!("{}", fix.stderr.lines().last().unwrap_or(""));
    println!("findings before -> after, per rule whose count changed:");
    for (code, count) in &before {
        let left = after.get(code).copied().unwrap_or(0);
        if left != *count {
            println!("  {code}  {count} -> {left}");
        }
    }
    for (code, count) in after.iter().filter(|(code, _)| !before.contains_key(*code)) {
        println!("  {code}  0 -> {count}");
    }
}

/// The documented pre-commit set-up for fixing (`args: [--fix, --unsafe-fixes]` on the system
/// hook): the hook fixes the staged Dockerfile, pre-commit refuses the commit because the hook
/// changed a file, and once the fixed file is staged the commit goes through.
#[test]
fn pre_commit_hook_with_fix_changes_the_file_and_refuses_the_commit() {
    use super::lint::{commit, git, nothing_committed, pre_commit_project};
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    let config = sandbox.docker_config();
    let configure = |command: &mut std::process::Command| {
        command.env("DOCKER_CONFIG", &config);
    };
    let project = pre_commit_project(&sandbox, "rbuild-lint-system", &["--fix", "--unsafe-fixes"]);
    let refused = commit(&sandbox, &project, "bad Dockerfile", &configure);
    assert_ne!(refused.code, 0, "the commit must be refused: {refused:?}");
    let shown = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        shown.contains("files were modified by this hook"),
        "{shown}"
    );
    assert!(shown.contains("Fixed 1 problem, 0 remaining."), "{shown}");
    assert!(nothing_committed(&sandbox, &project));
    assert_eq!(
        read(&project.join("Dockerfile")),
        "FROM alpine:3.20\nCMD [\"echo\", \"hello\"]\n"
    );
    assert_eq!(git(&sandbox, &project, &["add", "-A"]).code, 0);
    let accepted = commit(&sandbox, &project, "fixed Dockerfile", &configure);
    assert_eq!(accepted.code, 0, "{accepted:?}");
}
