//! `docker rbuild fmt` end to end: in place, `-`, `--check`, `--diff`, `[format]` options, bad
//! input, and the pre-commit hook.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::harness::{run, run_with_stdin, Output, Sandbox};
use crate::lint::{git, python_tools, snapshot_of_this_checkout};

/// A Dockerfile far from the canonical layout: keyword case, spacing, exec form, indentation,
/// blank lines, a heredoc and a quoted continuation that must stay as they are.
const MESSY: &str = "# syntax=docker/dockerfile:1\n\n\nfrom  alpine:3.20   as   build\n\
run  apk add --no-cache \\\n\t\tcurl \\\n\t\tgit\nrun echo \"keep \\\n   this\"\n\
copy  <<EOF   /etc/motd\n  hello   world\nEOF\nfrom build\ncmd [ \"sh\" ,\"-c\" ,\"true\" ]";

const FORMATTED: &str = "# syntax=docker/dockerfile:1\n\nFROM alpine:3.20 AS build\n\
RUN apk add --no-cache \\\n    curl \\\n    git\nRUN echo \"keep \\\n   this\"\n\
COPY <<EOF /etc/motd\n  hello   world\nEOF\n\nFROM build\nCMD [\"sh\", \"-c\", \"true\"]\n";

fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn fmt_rewrites_files_in_place_keeping_their_mode() {
    let sandbox = Sandbox::new();
    let messy = sandbox.write("Dockerfile", MESSY);
    std::fs::set_permissions(&messy, std::fs::Permissions::from_mode(0o750)).unwrap();
    // The tests run as root, as in CI: the owner of a rewritten file is kept too.
    std::os::unix::fs::chown(&messy, Some(1234), Some(1234)).unwrap();
    let clean = sandbox.write("svc/api.Dockerfile", FORMATTED);
    let ignored = sandbox.write("vendor/Dockerfile", MESSY);
    sandbox.write(".gitignore", "vendor/\n");
    let out = run(sandbox.rbuild().args(["fmt", "."]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "1 file reformatted, 1 file already formatted\n");
    assert_eq!(read(&messy), FORMATTED);
    assert_eq!(mode(&messy), 0o750);
    let metadata = std::fs::metadata(&messy).unwrap();
    assert_eq!((metadata.uid(), metadata.gid()), (1234, 1234));
    assert_eq!(read(&clean), FORMATTED);
    assert_eq!(read(&ignored), MESSY);
    // A link is followed: the file it points to is formatted, the link stays a link.
    let linked = sandbox.write("real/target.txt", "from a\n");
    std::os::unix::fs::symlink(&linked, sandbox.work().join("Dockerfile-link")).unwrap();
    let out = run(sandbox.rbuild().args(["fmt", "Dockerfile-link"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(read(&linked), "FROM a\n");
    assert!(sandbox
        .work()
        .join("Dockerfile-link")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.work())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".rbuild-fmt"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // No path: ./Dockerfile, now formatted.
    let again = run(sandbox.rbuild().arg("fmt"));
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        again.stderr,
        "0 files reformatted, 1 file already formatted\n"
    );
}

#[test]
fn fmt_reads_stdin_and_writes_stdout() {
    let sandbox = Sandbox::new();
    let out = run_with_stdin(sandbox.rbuild().args(["fmt", "-"]), MESSY.as_bytes());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, FORMATTED);
    assert_eq!(out.stderr, "");
    let unchanged = run_with_stdin(sandbox.rbuild().args(["fmt", "-"]), FORMATTED.as_bytes());
    assert_eq!((unchanged.code, unchanged.stdout.as_str()), (0, FORMATTED));
    let check = run_with_stdin(
        sandbox
            .rbuild()
            .args(["fmt", "--check", "--stdin-filename", "app/Dockerfile", "-"]),
        MESSY.as_bytes(),
    );
    assert_eq!((check.code, check.stdout.as_str()), (1, "app/Dockerfile\n"));
}

#[test]
fn fmt_check_lists_files_that_would_change() {
    let sandbox = Sandbox::new();
    let messy = sandbox.write("b/Dockerfile", MESSY);
    sandbox.write("a/Containerfile", "FROM a\nrun  x\n");
    sandbox.write("c.Dockerfile", FORMATTED);
    let out = run(sandbox.rbuild().args(["fmt", "--check", "."]));
    insta::assert_snapshot!("check", transcript(&out));
    assert_eq!(read(&messy), MESSY, "--check writes nothing");
    let clean = run(sandbox.rbuild().args(["fmt", "--check", "c.Dockerfile"]));
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""), "{clean:?}");
}

#[test]
fn fmt_diff_prints_a_unified_diff_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let messy = sandbox.write("Dockerfile", MESSY);
    sandbox.write("clean.Dockerfile", FORMATTED);
    let out = run(sandbox
        .rbuild()
        .args(["fmt", "--diff", "Dockerfile", "clean.Dockerfile"]));
    insta::assert_snapshot!("diff", transcript(&out));
    assert_eq!(read(&messy), MESSY, "--diff writes nothing");
    // The diff applies: `patch` turns the file into the formatted one.
    let patch = run_with_stdin(
        sandbox.command("patch").args(["-s", "-p0"]),
        out.stdout.as_bytes(),
    );
    assert_eq!(patch.code, 0, "{patch:?}");
    assert_eq!(read(&messy), FORMATTED);
}

#[test]
fn fmt_follows_the_format_table_of_the_config_file() {
    let sandbox = Sandbox::new();
    let dockerfile = "FROM a\nRUN apt-get update && \\\n  apt-get install -y \\\n    curl\n";
    sandbox.write(
        ".rbuild.toml",
        "[format]\nindent-width = 2\ncontinuation = \"aligned\"\n",
    );
    sandbox.write("app/Dockerfile", dockerfile);
    sandbox.write("other/.rbuild.toml", "[format]\nindent-width = 8\n");
    sandbox.write("other/Dockerfile", dockerfile);
    let out = run(sandbox.rbuild().args(["fmt", "--diff", "."]));
    insta::assert_snapshot!("config", transcript(&out));
    // `--config` names the file for every input.
    sandbox.write("tabs.toml", "[format]\ncontinuation = \"tabs\"\n");
    let bad = run(sandbox
        .rbuild()
        .args(["fmt", "--config", "tabs.toml", "app/Dockerfile"]));
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.stderr
            .starts_with("error: tabs.toml:2:16: unknown variant `tabs`"),
        "{bad:?}"
    );
    assert_eq!(bad.stderr.lines().count(), 1, "{bad:?}");
}

#[test]
fn fmt_bad_input_is_exit_2_with_one_line_per_file() {
    let sandbox = Sandbox::new();
    let broken = sandbox.write("broken/Dockerfile", "FROM a\n\nFORM b\n");
    sandbox.write("latin1/Dockerfile", b"FROM a\nLABEL x=\xe9\n");
    let messy = sandbox.write("messy/Dockerfile", MESSY);
    let out = run(sandbox.rbuild().args(["fmt", "."]));
    insta::assert_snapshot!("bad_input", transcript(&out));
    assert_eq!(read(&broken), "FROM a\n\nFORM b\n", "left as it is");
    assert_eq!(read(&messy), FORMATTED, "the good file is still formatted");

    let missing = run(sandbox.rbuild().args(["fmt", "--check", "nope/Dockerfile"]));
    assert_eq!(
        (missing.code, missing.stderr.as_str()),
        (2, "error: nope/Dockerfile: No such file or directory\n")
    );
    let stdin = run_with_stdin(sandbox.rbuild().args(["fmt", "-"]), b"RUN x \\\n");
    assert_eq!(
        stdin.code, 0,
        "a lone continuation at the end is fine: {stdin:?}"
    );
    let empty = run_with_stdin(sandbox.rbuild().args(["fmt", "-"]), b"");
    assert_eq!(
        (empty.code, empty.stdout.as_str(), empty.stderr.as_str()),
        (2, "", "error: -:1:1: file with no instructions\n")
    );
}

/// The `rbuild-fmt-system` hook with the installed plugin: a commit with an unformatted
/// Dockerfile is stopped and the file formatted; committing the result is accepted.
#[test]
fn pre_commit_fmt_hook_formats_and_stops_the_commit() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    let tools = python_tools();
    let (hooks_repo, rev) = snapshot_of_this_checkout(&sandbox);
    let project = sandbox.work().join("project");
    std::fs::create_dir_all(&project).unwrap();
    assert_eq!(git(&sandbox, &project, &["init", "-q"]).code, 0);
    std::fs::write(
        project.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: rbuild-fmt-system\n",
            hooks_repo.display()
        ),
    )
    .unwrap();
    std::fs::write(project.join("Dockerfile"), MESSY).unwrap();
    let path = format!(
        "{}:{}",
        tools.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let commit = || {
        run(sandbox
            .command("git")
            .current_dir(&project)
            .env("PATH", &path)
            .env("DOCKER_CONFIG", sandbox.docker_config())
            .env("PRE_COMMIT_HOME", sandbox.home().join("pre-commit"))
            .args([
                "-c",
                "user.name=rbuild test",
                "-c",
                "user.email=test@rbuild.invalid",
            ])
            .args(["commit", "-q", "-m", "Dockerfile"]))
    };
    let install = run(sandbox
        .command(tools.join("bin/pre-commit"))
        .current_dir(&project)
        .arg("install"));
    assert_eq!(install.code, 0, "{install:?}");
    assert_eq!(git(&sandbox, &project, &["add", "-A"]).code, 0);
    let stopped = commit();
    assert_ne!(stopped.code, 0, "the commit must stop: {stopped:?}");
    assert!(
        stopped.stderr.contains("files were modified by this hook"),
        "{stopped:?}"
    );
    assert_eq!(read(&project.join("Dockerfile")), FORMATTED);
    assert_eq!(git(&sandbox, &project, &["add", "-A"]).code, 0);
    let accepted = commit();
    assert_eq!(accepted.code, 0, "{accepted:?}");
}

/// The README's before-and-after example is what `fmt` does.
#[test]
fn readme_fmt_example_is_what_fmt_prints() {
    let readme = std::fs::read_to_string(crate::harness::workspace_root().join("README.md"))
        .expect("README.md");
    let section = readme
        .split("\n### docker rbuild fmt\n")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("README.md has a `### docker rbuild fmt` section");
    let blocks: Vec<&str> = section
        .split("```dockerfile\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    let [before, after, ..] = blocks[..] else {
        panic!("the fmt section has a before and an after example: {blocks:?}");
    };
    let sandbox = Sandbox::new();
    let out = run_with_stdin(sandbox.rbuild().args(["fmt", "-"]), before.as_bytes());
    assert_eq!((out.code, out.stdout.as_str()), (0, after), "{out:?}");
}
