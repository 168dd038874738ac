//! `docker rbuild lint --shellcheck` with the real `shellcheck` program (installed by
//! `tests/engine/ensure.sh`): positions, declared names, ignore comments, SHELL dialects, the
//! configuration key, a missing program, several files in one run, and the number of processes
//! over the shared corpus.

use std::path::Path;
use std::time::Instant;

use crate::harness::{self, run, Output, Sandbox};

/// `lint --shellcheck --format concise` of `dockerfile` with only RB901 reported.
fn shellcheck_lint(dockerfile: &str) -> Output {
    harness::engine(); // installs shellcheck where it is missing
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", dockerfile);
    run(sandbox.rbuild().args([
        "lint",
        "--shellcheck",
        "--format",
        "concise",
        "--no-fail",
        "--ignore",
        &other_rules(),
        "Dockerfile",
    ]))
}

/// Every rule code but RB901, for `--ignore`.
fn other_rules() -> String {
    let out = run(Sandbox::new().rbuild().args(["rules", "--format", "json"]));
    assert_eq!(out.code, 0, "{out:?}");
    let rules: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    rules
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["code"].as_str().unwrap())
        .filter(|code| *code != "RB901")
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn unquoted_argument_in_a_continued_run_is_reported_at_its_line_and_column() {
    let out = shellcheck_lint(
        "FROM alpine:3.20\nRUN echo start \\\n    # unpacking\n    && tar xf $1 \\\n    && echo finished\n",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "Dockerfile:4:15: info[RB901] SC2086: Double quote to prevent globbing and word splitting.\n",
        "{out:?}"
    );
}

#[test]
fn heredoc_findings_point_into_the_body() {
    let out = shellcheck_lint("FROM alpine:3.20\nRUN <<EOF\nset -e\necho $1\nEOF\n");
    assert_eq!(
        out.stdout,
        "Dockerfile:4:6: info[RB901] SC2086: Double quote to prevent globbing and word splitting.\n",
        "{out:?}"
    );
}

#[test]
fn arg_and_env_names_are_known_to_shellcheck() {
    let out = shellcheck_lint(
        "FROM alpine:3.20\nARG version\nENV prefix=/opt\nRUN echo \"$version\" \"$prefix\" \"$TARGETARCH\" \"$undeclared\"\n",
    );
    assert!(!out.stdout.contains("version"), "{out:?}");
    assert!(!out.stdout.contains("prefix"), "{out:?}");
    assert!(!out.stdout.contains("TARGETARCH"), "{out:?}");
    assert!(
        out.stdout
            .contains("warning[RB901] SC2154: undeclared is referenced but not assigned."),
        "{out:?}"
    );
}

#[test]
fn ignore_comments_silence_a_shellcheck_code_on_the_next_instruction() {
    for tool in ["hadolint", "rbuild"] {
        let out = shellcheck_lint(&format!(
            "FROM alpine:3.20\n# {tool} ignore=SC2086\nRUN tar xf $1\nRUN tar xf $2\n"
        ));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(
            out.stdout,
            "Dockerfile:4:12: info[RB901] SC2086: Double quote to prevent globbing and word splitting.\n",
            "{tool}: {out:?}"
        );
    }
}

#[test]
fn the_shell_instruction_decides_the_dialect() {
    let out = shellcheck_lint(
        "FROM alpine:3.20\nRUN [[ -d /tmp ]]\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
RUN [[ -d /tmp ]]\nSHELL [\"pwsh\", \"-Command\"]\nRUN if ($x) { echo $y }\n",
    );
    assert_eq!(
        out.stdout, "Dockerfile:2:5: warning[RB901] SC3010: In POSIX sh, [[ ]] is undefined.\n",
        "{out:?}"
    );
}

#[test]
fn configured_shellcheck_runs_and_severity_can_be_overridden() {
    harness::engine();
    let sandbox = Sandbox::new();
    sandbox.write(
        ".rbuild.toml",
        "shellcheck = true\n[severity]\nRB901 = \"error\"\n",
    );
    sandbox.write("Dockerfile", "FROM alpine:3.20\nRUN tar xf $1\n");
    let out = run(sandbox.rbuild().args([
        "lint",
        "--format",
        "concise",
        "--ignore",
        &other_rules(),
        "Dockerfile",
    ]));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "Dockerfile:2:12: error[RB901] SC2086: Double quote to prevent globbing and word splitting.\n",
        "{out:?}"
    );
    let out = run(sandbox
        .rbuild()
        .args(["lint", "--show-config", "Dockerfile"]));
    assert!(out.stdout.contains("\nshellcheck = true  # "), "{out:?}");
}

#[test]
fn configuration_and_flags_name_shellcheck_codes() {
    harness::engine();
    let dockerfile = "FROM alpine:3.20\nRUN tar xf $1\nRUN tar xf $(cat list)\n";
    let unquoted_command =
        "Dockerfile:3:12: {}[RB901] SC2046: Quote this to prevent word splitting.\n";
    let lint = |sandbox: &Sandbox, extra: &[&str]| {
        let others = other_rules();
        let mut args = vec![
            "lint",
            "--shellcheck",
            "--format",
            "concise",
            "--ignore",
            &others,
        ];
        args.extend(extra);
        args.push("Dockerfile");
        run(sandbox.rbuild().args(args))
    };
    let sandbox = Sandbox::new();
    sandbox.write(
        ".rbuild.toml",
        "ignore = [\"sc2086\"]\n[severity]\nSC2046 = \"error\"\n",
    );
    sandbox.write("Dockerfile", dockerfile);
    let out = lint(&sandbox, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        unquoted_command.replace("{}", "error"),
        "{out:?}"
    );
    let out = lint(&sandbox, &["--ignore", "SC2046"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    let shown = run(sandbox
        .rbuild()
        .args(["lint", "--show-config", "Dockerfile"]));
    assert!(shown.stdout.contains("\n  \"SC2086\",  # "), "{shown:?}");
    assert!(
        shown.stdout.contains("\nSC2046 = \"error\"  # "),
        "{shown:?}"
    );

    let hadolint = Sandbox::new();
    hadolint.write(".hadolint.yaml", "ignored:\n  - SC2086\n");
    hadolint.write("Dockerfile", dockerfile);
    let out = lint(&hadolint, &["--no-fail"]);
    assert_eq!(
        out.stdout,
        unquoted_command.replace("{}", "warning"),
        "{out:?}"
    );
    assert_eq!(out.stderr, "", "{out:?}");
}

#[test]
fn missing_shellcheck_is_one_clear_error_with_exit_code_2() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", "FROM alpine:3.20\nRUN echo hi\n");
    let out = run(sandbox.rbuild().env("PATH", sandbox.home()).args([
        "lint",
        "--shellcheck",
        "Dockerfile",
    ]));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(
        out.stderr.contains("`shellcheck` program is not on PATH"),
        "{out:?}"
    );
}

/// The whole corpus goes through a handful of ShellCheck processes, not one per RUN: a
/// `shellcheck` wrapper earlier on PATH counts its calls. Prints the time taken.
#[test]
fn corpus_is_checked_in_a_few_batches() {
    harness::engine();
    let sandbox = Sandbox::new();
    let real = which_shellcheck();
    let bin = sandbox.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = sandbox.home().join("calls");
    let wrapper = bin.join("shellcheck");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho call >> '{}'\nexec '{}' \"$@\"\n",
            calls.display(),
            real.display()
        ),
    )
    .unwrap();
    make_executable(&wrapper);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let corpus = harness::shared_dir().join("corpus");
    let started = Instant::now();
    let out = run(sandbox.rbuild().env("PATH", path).args([
        "lint".as_ref(),
        "--shellcheck".as_ref(),
        "--no-fail".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        corpus.as_os_str(),
    ]));
    let elapsed = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let processes = std::fs::read_to_string(&calls).unwrap().lines().count();
    let findings = out.stdout.matches("\"RB901\"").count();
    println!("lint --shellcheck over the corpus: {elapsed:?}, {processes} shellcheck processes, {findings} RB901 findings");
    assert!(findings > 0, "no ShellCheck findings over the corpus");
    assert!(
        (1..=16).contains(&processes),
        "{processes} shellcheck processes"
    );
}

/// Several files in one run (rendered in parallel once ShellCheck's findings are added), one of
/// them not parsing: each file's findings are those it gets linted alone.
#[test]
fn each_of_several_files_gets_its_own_shellcheck_findings() {
    harness::engine(); // installs shellcheck where it is missing
    let sandbox = Sandbox::new();
    let files = [
        ("a/Dockerfile", "FROM alpine:3.20\nRUN echo $1\n"),
        (
            "b/Dockerfile",
            "# no instruction: a syntax error, and no script\n",
        ),
        (
            "c/Dockerfile",
            "FROM alpine:3.20\nRUN echo ok\nRUN <<EOF\nset -e\ntar xf $2\nEOF\n",
        ),
    ];
    for (path, text) in files {
        sandbox.write(path, text);
    }
    let lint = |paths: &[&str]| {
        let out = run(sandbox
            .rbuild()
            .args(["lint", "--shellcheck", "--no-fail", "--format", "json"])
            .args(paths));
        assert_eq!(out.code, 0, "{out:?}");
        let findings: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        findings.as_array().unwrap().clone()
    };
    let together = lint(&files.map(|(path, _)| path));
    for (path, _) in files {
        let alone = lint(&[path]);
        let in_run: Vec<_> = together
            .iter()
            .filter(|finding| finding["path"] == path)
            .cloned()
            .collect();
        assert_eq!(in_run, alone, "{path}");
    }
    let shellcheck_lines: Vec<_> = together
        .iter()
        .filter(|finding| finding["code"] == "RB901")
        .map(|finding| {
            (
                finding["path"].clone(),
                finding["location"]["start"]["line"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shellcheck_lines,
        [
            (serde_json::json!("a/Dockerfile"), serde_json::json!(2)),
            (serde_json::json!("c/Dockerfile"), serde_json::json!(5)),
        ]
    );
}

fn which_shellcheck() -> std::path::PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("shellcheck"))
        .find(|path| path.is_file())
        .expect("shellcheck on PATH (tests/engine/ensure.sh installs it)")
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
