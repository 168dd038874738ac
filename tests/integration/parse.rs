//! Integration tests: `docker rbuild parse` through the built binary.

use crate::harness::{run, shared_dir, Sandbox};
use std::io::Write;
use std::process::Stdio;

fn parser_dir() -> std::path::PathBuf {
    shared_dir().join("conformance/buildkit-parser")
}

fn sorted_dirs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn parse_buildkit_format_matches_every_reference_result_byte_for_byte() {
    let sandbox = Sandbox::new();
    let cases = sorted_dirs(&parser_dir().join("testfiles"));
    assert_eq!(cases.len(), 33);
    for case in cases {
        let out = run(sandbox
            .rbuild()
            .args(["parse", "--format", "buildkit"])
            .arg(case.join("Dockerfile")));
        assert_eq!(out.code, 0, "{}: {out:?}", case.display());
        let expected = std::fs::read_to_string(case.join("result")).unwrap();
        assert_eq!(out.stdout, expected, "{}", case.display());
    }
}

#[test]
fn parse_rejects_the_four_negative_reference_files_with_exit_2() {
    let sandbox = Sandbox::new();
    let cases = sorted_dirs(&parser_dir().join("testfiles-negative"));
    assert_eq!(cases.len(), 4);
    for case in cases {
        let file = case.join("Dockerfile");
        let out = run(sandbox
            .rbuild()
            .args(["parse", "--format", "buildkit"])
            .arg(&file));
        assert_eq!(out.code, 2, "{}: {out:?}", case.display());
        assert!(out.stdout.is_empty(), "no partial output: {out:?}");
        let first_line = out.stderr.lines().next().unwrap_or_default();
        assert!(
            first_line.starts_with(&format!("error: {}:", file.display())),
            "message names the file: {out:?}"
        );
        assert_eq!(out.stderr.lines().count(), 1, "one-line error: {out:?}");
    }
}

#[test]
fn parse_syntax_error_reports_file_line_column_and_exits_2() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", "FROM busybox\n\nFORM alpine\n");
    let out = run(sandbox.rbuild().args(["parse", "Dockerfile"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.trim_end(),
        "error: Dockerfile:3:1: unknown instruction: FORM (did you mean from?)"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn parse_unreadable_file_exits_2_and_invalid_utf8_is_read_as_buildkit_reads_it() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.rbuild().args(["parse", "missing/Dockerfile"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: cannot read missing/Dockerfile: "),
        "{out:?}"
    );

    // BuildKit's parser reads bytes: no error, one warning at the byte, U+FFFD in its place.
    sandbox.write("Dockerfile", b"FROM busybox\nRUN echo \xff\n");
    let out = run(sandbox
        .rbuild()
        .args(["parse", "--format", "buildkit", "Dockerfile"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "(from \"busybox\")\n(run \"echo \u{FFFD}\")\n");
    assert!(
        out.stderr
            .starts_with("warning: Dockerfile:2:10: the byte FF is not UTF-8: "),
        "{out:?}"
    );
}

#[test]
fn parse_json_from_stdin_has_the_documented_schema() {
    let sandbox = Sandbox::new();
    let dockerfile = "# syntax=docker/dockerfile:1\nARG BASE=busybox\nFROM --platform=linux/amd64 $BASE AS build\nRUN --mount=type=cache,target=/c <<EOF\necho hi\nEOF\nCMD [\"sh\", \"-c\", \"true\"]\nENV A=1 \\\n    B=2\n";
    let mut child = sandbox
        .rbuild()
        .args(["parse", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dockerfile.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");

    assert_eq!(model["directives"][0]["name"], "syntax");
    assert_eq!(model["directives"][0]["value"], "docker/dockerfile:1");
    assert_eq!(model["global_args"][0]["name"], "BASE");
    assert_eq!(model["global_args"][0]["default"], "busybox");
    let stage = &model["stages"][0];
    assert_eq!(stage["name"], "build");
    assert_eq!(stage["base"], "$BASE");
    assert_eq!(stage["platform"], "linux/amd64");

    let instructions = model["instructions"].as_array().unwrap();
    assert_eq!(instructions.len(), 5);
    let run_instruction = &instructions[2];
    assert_eq!(run_instruction["keyword"], "RUN");
    assert_eq!(run_instruction["form"], "shell");
    assert_eq!(run_instruction["args"], "<<EOF");
    assert_eq!(run_instruction["flags"][0]["name"], "mount");
    assert_eq!(run_instruction["flags"][0]["value"], "type=cache,target=/c");
    assert_eq!(run_instruction["start_line"], 4);
    assert_eq!(run_instruction["end_line"], 6);
    assert_eq!(run_instruction["heredocs"][0]["name"], "EOF");
    assert_eq!(run_instruction["heredocs"][0]["content"], "echo hi\n");

    let cmd = &instructions[3];
    assert_eq!(cmd["form"], "exec");
    assert_eq!(cmd["args"], serde_json::json!(["sh", "-c", "true"]));
    let first = &cmd["arg_spans"][0];
    let (start, end) = (
        first["start"].as_u64().unwrap() as usize,
        first["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&dockerfile[start..end], "\"sh\"");

    let env = &instructions[4];
    assert_eq!(env["form"], "key-values");
    assert_eq!(env["args"][1]["key"], "B");
    assert_eq!(
        (env["start_line"].clone(), env["end_line"].clone()),
        (8.into(), 9.into())
    );
    let start = env["start"].as_u64().unwrap() as usize;
    let end = env["end"].as_u64().unwrap() as usize;
    assert_eq!(&dockerfile[start..end], "ENV A=1 \\\n    B=2");
}

#[test]
fn parse_runs_as_a_docker_cli_plugin() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    sandbox.write(
        "Dockerfile",
        "FROM busybox\nONBUILD RUN [\"echo\", \"test\"]\n",
    );
    let out = run(sandbox
        .docker()
        .args(["rbuild", "parse", "--format", "buildkit", "Dockerfile"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "(from \"busybox\")\n(onbuild (run \"echo\" \"test\"))\n"
    );
}
