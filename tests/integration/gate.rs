//! The lint gate of `docker rbuild` and the daemon-aware image checks, against the real engine
//! and a real registry on loopback.

use std::io::Write as _;
use std::time::{Duration, Instant};

use crate::harness::{self, run, EngineSpy, Images, LocalRegistry, Output, Sandbox, BASE_IMAGE};

fn rbuild(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox.rbuild().args(args))
}

/// A context with a large (sparse) file: 400 MB to upload, which [`assert_nothing_uploaded`]
/// would see.
fn large_context(sandbox: &Sandbox, dockerfile: &str) {
    sandbox.write("Dockerfile", dockerfile);
    let big = std::fs::File::create(sandbox.work().join("big.bin")).unwrap();
    big.set_len(400 * 1024 * 1024).unwrap();
}

#[test]
fn missing_base_image_stops_the_build_before_the_upload() {
    harness::engine();
    let registry = LocalRegistry::start();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("missing", "1");
    large_context(
        &sandbox,
        &format!("# a base image the registry does not have\nFROM {}/rbuild-test/nope:1\nRUN echo never\n", registry.address),
    );
    let spy = EngineSpy::start();
    let out = rbuild(&sandbox, &["-H", &spy.host, "build", "-t", &tag, "."]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "error[RB106]: base image `{}/rbuild-test/nope:1` not found locally or in the registry",
            registry.address
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("┌─ Dockerfile:2:6"), "{}", out.stderr);
    assert!(
        out.stderr.contains("nothing was sent to the daemon"),
        "{}",
        out.stderr
    );
    assert_nothing_uploaded(&spy, &out);
}

/// Asserts that the engine behind `spy` got no build request and nothing the size of a
/// context.
fn assert_nothing_uploaded(spy: &EngineSpy, out: &Output) {
    let requests = spy.requests();
    // `POST /v1.41/build?t=...`; not `GET /images/build/json` for an image called `build`.
    let is_build = |request: &String| {
        request
            .split_whitespace()
            .nth(1)
            .is_some_and(|path| path.contains("/build?") || path.ends_with("/build"))
    };
    assert!(
        !requests.iter().any(is_build),
        "the daemon got a build: {requests:?}\n{out:?}"
    );
    assert!(
        spy.bytes_sent() < 1024 * 1024,
        "{} bytes sent to the daemon: {out:?}",
        spy.bytes_sent()
    );
}

#[test]
fn a_typo_of_a_local_image_offline_stops_before_the_upload_and_warn_builds_anyway() {
    harness::engine();
    let spy = EngineSpy::start();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    // The daemon has rbuild-test/busybox:static; Docker Hub is not reachable from here.
    large_context(&sandbox, "FROM rbuild-test/busybx:static\nRUN echo never\n");
    let build = |lint: &str| {
        run(sandbox
            .docker()
            .args(["-H", &spy.host, "rbuild", "--progress=plain", lint, "."]))
    };
    let started = Instant::now();
    let stopped = build("--lint=error");
    let took = started.elapsed();
    assert_eq!(stopped.code, 1, "{stopped:?}");
    assert!(
        stopped.stderr.contains(
            "error[RB106]: base image `rbuild-test/busybx:static` is not in the daemon, and the \
             daemon cannot reach its registry to pull it ("
        ),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped
            .stderr
            .contains("); did you mean `rbuild-test/busybox:static`?"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped.stderr.contains("┌─ Dockerfile:1:6"),
        "{}",
        stopped.stderr
    );
    assert_nothing_uploaded(&spy, &stopped);
    let asked = spy.requests();
    assert!(
        asked
            .iter()
            .any(|r| r.contains("/distribution/rbuild-test/busybx")),
        "the registry is asked through the daemon: {asked:?}"
    );
    // The spy is the proof, not a time; the time shows with `--nocapture`.
    eprintln!("the offline typo stopped after {took:?}");

    // `--lint=warn` builds anyway, and the daemon fails at FROM, as `docker build` would.
    let built = build("--lint=warn");
    assert_eq!(built.code, 1, "{built:?}");
    assert!(
        built.stderr.contains(
            "Dockerfile:1:6: error[RB106] base image `rbuild-test/busybx:static` is not in the daemon"
        ),
        "{}",
        built.stderr
    );
    assert!(built.stderr.contains("step 1/2 failed"), "{}", built.stderr);
    assert!(
        spy.requests().iter().any(|r| r.contains("/build?")),
        "{:?}",
        spy.requests()
    );
    assert!(spy.bytes_sent() > 400 * 1024 * 1024, "{}", spy.bytes_sent());
}

#[test]
fn a_typo_of_a_stage_name_stops_before_the_upload() {
    harness::engine();
    let spy = EngineSpy::start();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    large_context(
        &sandbox,
        "FROM golang:1.22 AS builder\nRUN mkdir /app\n\nFROM rbuild-test/busybox:static\nCOPY --from=build /app /app\n",
    );
    let out = run(sandbox.docker().args(["-H", &spy.host, "rbuild", "."]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("unknown stage `build`; did you mean `builder`?"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("┌─ Dockerfile:5:"), "{}", out.stderr);
    // One finding for one mistake: the image check does not also look for an image `build`.
    assert!(!out.stderr.contains("RB106"), "{}", out.stderr);
    assert_nothing_uploaded(&spy, &out);
}

#[test]
fn a_latin1_dockerfile_builds_unchanged_and_lint_warns_at_its_byte() {
    harness::engine();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    let mut images = Images::new("gate");
    let tag = images.name("latin1", "1");
    let dockerfile = [
        b"# Auteur: Ren\xe9\n".as_slice(),
        format!("FROM {BASE_IMAGE}\nCOPY Dockerfile /Dockerfile\nCMD [\"cat\", \"/Dockerfile\"]\n")
            .as_bytes(),
    ]
    .concat();
    sandbox.write("Dockerfile", &dockerfile);
    let built = run(sandbox
        .docker()
        .args(["rbuild", "--progress=plain", "-t", &tag, "."]));
    assert_eq!(built.code, 0, "{built:?}");
    let warning = "Dockerfile:1:14: warning[RB004] the byte E9 is not UTF-8: ";
    assert!(
        built.stderr.lines().any(|l| l.starts_with(warning)),
        "{}",
        built.stderr
    );
    // The daemon got the bytes as they are.
    let shown = sandbox
        .command("docker")
        .args(["run", "--rm", &tag])
        .output()
        .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    assert_eq!(shown.stdout, dockerfile);
    // From stdin (`-f -`), the bytes go into the context as they are, too.
    let mut from_stdin = sandbox
        .docker()
        .args(["rbuild", "-q", "-f", "-", "."])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A write error (the plugin gone early) shows in the exit status below.
    let _ = from_stdin.stdin.take().unwrap().write_all(&dockerfile);
    let from_stdin = from_stdin.wait_with_output().unwrap();
    assert!(from_stdin.status.success(), "{from_stdin:?}");

    let linted =
        run(sandbox
            .docker()
            .args(["rbuild", "lint", "--format", "concise", "Dockerfile"]));
    assert_eq!(
        linted.code, 1,
        "a warning reaches the default threshold: {linted:?}"
    );
    let lines: Vec<&str> = linted.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", linted.stdout);
    assert!(lines[0].starts_with(warning), "{}", linted.stdout);
}

#[test]
fn add_of_a_local_file_builds_with_its_finding_printed() {
    harness::engine();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    let mut images = Images::new("gate");
    let tag = images.name("add-local", "1");
    sandbox.write("hello.txt", "hello\n");
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nADD hello.txt /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n"),
    );
    let built = run(sandbox
        .docker()
        .args(["rbuild", "--progress=plain", "-t", &tag, "."]));
    assert_eq!(built.code, 0, "{built:?}");
    assert!(
        built.stderr.lines().any(|l| l
            == "Dockerfile:2:1: warning[RB518] ADD of local `hello.txt`: COPY copies it plainly"),
        "{}",
        built.stderr
    );
    let shown = run(sandbox.command("docker").args(["run", "--rm", &tag]));
    assert_eq!(shown.stdout, "hello\n", "{shown:?}");
}

#[test]
fn a_typo_of_an_image_in_a_reachable_registry_is_an_error_with_a_suggestion() {
    harness::engine();
    let registry = LocalRegistry::start();
    let sandbox = Sandbox::new();
    let local = format!("{}/rbuild-test/busybox:1", registry.address);
    assert_eq!(
        run(sandbox.command("docker").args(["tag", BASE_IMAGE, &local])).code,
        0
    );
    let dockerfile = format!("FROM {}/rbuild-test/busybx:1\n", registry.address);
    sandbox.write("Dockerfile", &dockerfile);
    let out = rbuild(&sandbox, &["--progress=plain", "."]);
    let _ = run(sandbox.command("docker").args(["rmi", &local]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!("did you mean `{local}`?")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_local_image_builds_offline_without_delay() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("offline", "1");
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n"),
    );
    // Warm the cache so both timed builds do the same work. The daemon has the image, so the
    // gate asks no registry (the daemon's /distribution endpoint) about it.
    let spy = EngineSpy::start();
    let warm = rbuild(&sandbox, &["-H", &spy.host, "build", "-q", "-t", &tag, "."]);
    assert_eq!(warm.code, 0, "{warm:?}");
    let requests = spy.requests();
    assert!(
        requests.iter().any(|r| r.contains("/build?")),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("/distribution/")),
        "{requests:?}"
    );
    let timed = |lint: &str| {
        let started = Instant::now();
        let out = rbuild(
            &sandbox,
            &["-q", "-t", &tag, &format!("--lint={lint}"), "."],
        );
        assert_eq!(out.code, 0, "{out:?}");
        started.elapsed()
    };
    let without = timed("off");
    let with = timed("error");
    assert!(
        with < without + Duration::from_secs(1),
        "gate {with:?} vs off {without:?}"
    );
}

#[test]
fn an_error_finding_stops_the_build_and_warn_builds_anyway() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("lint-error", "1");
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nCMD [\"echo hello\"]\n"),
    );
    let stopped = rbuild(&sandbox, &["-t", &tag, "."]);
    assert_eq!(stopped.code, 1, "{stopped:?}");
    assert!(
        stopped.stderr.contains("error[RB202]"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped.stderr.contains("┌─ Dockerfile:2:6"),
        "{}",
        stopped.stderr
    );
    let inspect = run(sandbox.command("docker").args(["image", "inspect", &tag]));
    assert_ne!(inspect.code, 0, "the image must not exist");

    let built = rbuild(&sandbox, &["-t", &tag, "--lint=warn", "."]);
    assert_eq!(built.code, 0, "{built:?}");
    assert!(
        built.stderr.contains("Dockerfile:2:6: error[RB202]"),
        "{}",
        built.stderr
    );
}

#[test]
fn warnings_print_one_line_each_and_the_build_goes_on() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("lint-warning", "1");
    sandbox.write("Dockerfile", format!("FROM {BASE_IMAGE}\nCMD echo hello\n"));
    let out = rbuild(&sandbox, &["-t", &tag, "--progress=plain", "."]);
    assert_eq!(out.code, 0, "{out:?}");
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("RB201"))
        .expect("the warning line");
    assert!(
        line.starts_with("Dockerfile:2:5: warning[RB201] CMD in shell form"),
        "{line}"
    );
}

#[test]
fn shellcheck_runs_in_the_gate_when_configured_or_asked_for() {
    harness::engine(); // installs shellcheck where it is missing
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("shellcheck", "1");
    sandbox.write("Dockerfile", format!("FROM {BASE_IMAGE}\nRUN ls $HOME\n"));
    let unquoted =
        "Dockerfile:2:8: info[RB901] SC2086: Double quote to prevent globbing and word splitting.";
    // Asked for on the command line: a finding below the gate prints one line, the build goes on.
    let built = rbuild(&sandbox, &["-q", "-t", &tag, "--shellcheck", "."]);
    assert_eq!(built.code, 0, "{built:?}");
    assert!(built.stderr.lines().any(|l| l == unquoted), "{built:?}");
    // Configured, at error level: the build stops before the upload.
    sandbox.write(
        ".rbuild.toml",
        "shellcheck = true\n[severity]\nSC2086 = \"error\"\n",
    );
    let stopped = rbuild(&sandbox, &["-q", "-t", &tag, "."]);
    assert_eq!(stopped.code, 1, "{stopped:?}");
    assert!(
        stopped
            .stderr
            .contains("error[RB901]: SC2086: Double quote"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped.stderr.contains("┌─ Dockerfile:2:8"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped.stderr.contains("nothing was sent to the daemon"),
        "{}",
        stopped.stderr
    );
    // Without the program: one clear input error, before anything is sent.
    let missing = run(sandbox
        .rbuild()
        .env("PATH", sandbox.home())
        .args(["-q", "-t", &tag, "."]));
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("`shellcheck` program is not on PATH"),
        "{missing:?}"
    );
}

#[test]
fn stages_the_target_does_not_need_are_not_checked() {
    harness::engine();
    let registry = LocalRegistry::start();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("target", "1");
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {BASE_IMAGE} AS app\nRUN echo app > /app\nFROM {}/rbuild-test/nope:1 AS unused\n",
            registry.address
        ),
    );
    let built = rbuild(&sandbox, &["-q", "-t", &tag, "--target", "app", "."]);
    assert_eq!(built.code, 0, "{built:?}");
    let stopped = rbuild(&sandbox, &["-q", "-t", &tag, "."]);
    assert_eq!(stopped.code, 1, "{stopped:?}");
    assert!(
        stopped.stderr.contains("error[RB106]"),
        "{}",
        stopped.stderr
    );
}

#[test]
fn build_args_are_expanded_before_the_check() {
    harness::engine();
    let registry = LocalRegistry::start();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("build-arg", "1");
    sandbox.write(
        "Dockerfile",
        format!("ARG BASE={BASE_IMAGE}\nFROM ${{BASE}}\n"),
    );
    assert_eq!(rbuild(&sandbox, &["-q", "-t", &tag, "."]).code, 0);
    let missing = format!("BASE={}/rbuild-test/nope:2", registry.address);
    let out = rbuild(&sandbox, &["-q", "-t", &tag, "--build-arg", &missing, "."]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("rbuild-test/nope:2` not found"),
        "{}",
        out.stderr
    );
}

#[test]
fn platform_mismatch_is_a_warning_naming_both() {
    harness::engine();
    let sandbox = Sandbox::new();
    let local = run(sandbox.command("docker").args([
        "image",
        "inspect",
        "--format",
        "{{.Os}}/{{.Architecture}}",
        BASE_IMAGE,
    ]));
    let local = local.stdout.trim().to_string();
    let other = if local == "linux/arm64" {
        "linux/amd64"
    } else {
        "linux/arm64"
    };
    sandbox.write(
        "Dockerfile",
        format!("FROM --platform={other} {BASE_IMAGE}\nCMD [\"true\"]\n"),
    );
    let out = rbuild(&sandbox, &["--lint=warn", "--progress=plain", "-q", "."]);
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("RB108"))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(
        line.contains(&format!("is for {local}, but the build asks for {other}")),
        "{line}"
    );
}

#[test]
fn lint_without_daemon_flag_never_contacts_a_daemon() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", "FROM no-such-registry.invalid/image:1\n");
    let out = run(sandbox.rbuild().args([
        "-H",
        "unix:///no/such.sock",
        "lint",
        "--format",
        "concise",
        "Dockerfile",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn lint_daemon_reports_missing_images_and_respects_ignore() {
    harness::engine();
    let registry = LocalRegistry::start();
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {}/rbuild-test/nope:3\nCOPY --from=rbuild-test/busybx:static /bin/sh /sh\n",
            registry.address
        ),
    );
    let out = run(sandbox
        .rbuild()
        .args(["lint", "--daemon", "--format", "concise", "Dockerfile"]));
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("Dockerfile:1:6: error[RB106] base image"),
        "{}",
        out.stdout
    );
    // Docker Hub is not reachable from here: the daemon could not pull it either.
    assert!(
        lines[1].starts_with(
            "Dockerfile:2:6: error[RB106] image (COPY --from) `rbuild-test/busybx:static` is not in the daemon, and the daemon cannot reach its registry"
        ) && lines[1].ends_with("did you mean `rbuild-test/busybox:static`?"),
        "{}",
        out.stdout
    );
    let ignored =
        run(sandbox
            .rbuild()
            .args(["lint", "--daemon", "--ignore", "RB106,RB107", "Dockerfile"]));
    assert_eq!(ignored.code, 0, "{ignored:?}");

    // Several files, one not parsing between them (rendered in parallel once the daemon's
    // findings are added): each missing image is reported in its own file.
    sandbox.write("broken/Dockerfile", "# no instruction\n");
    sandbox.write(
        "other/Dockerfile",
        format!("FROM {}/rbuild-test/gone:1\n", registry.address),
    );
    let several = run(sandbox.rbuild().args([
        "lint",
        "--daemon",
        "--format",
        "json",
        "Dockerfile",
        "broken/Dockerfile",
        "other/Dockerfile",
    ]));
    assert_eq!(several.code, 1, "{several:?}");
    let findings: serde_json::Value = serde_json::from_str(&several.stdout).unwrap();
    let missing: Vec<(&str, u64)> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "RB106")
        .map(|finding| {
            (
                finding["path"].as_str().unwrap(),
                finding["location"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        missing,
        [
            ("Dockerfile", 1),
            ("Dockerfile", 2),
            ("other/Dockerfile", 1)
        ],
        "{}",
        several.stdout
    );
}

#[test]
fn the_config_file_chooses_the_gate_and_the_flag_wins() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("config", "1");
    // Not the content of another test's build: two tests sharing a cached image race when
    // each removes its tag.
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nCMD [\"echo configured\"]\n"),
    );
    sandbox.write(".rbuild.toml", "build-lint = \"warn\"\n");
    let built = rbuild(&sandbox, &["-q", "-t", &tag, "."]);
    assert_eq!(built.code, 0, "{built:?}");
    assert!(
        built.stderr.contains("Dockerfile:2:6: error[RB202]"),
        "{}",
        built.stderr
    );
    let stopped = rbuild(&sandbox, &["-q", "-t", &tag, "--lint=error", "."]);
    assert_eq!(stopped.code, 1, "{stopped:?}");
    sandbox.write(
        ".rbuild.toml",
        "build-lint = \"warn\"\nignore = [\"RB202\"]\n",
    );
    let quiet = rbuild(&sandbox, &["-q", "-t", &tag, "--lint=error", "."]);
    assert_eq!(quiet.code, 0, "{quiet:?}");
    assert!(!quiet.stderr.contains("RB202"), "{}", quiet.stderr);
}

#[test]
fn pull_checks_local_images_in_their_registry_too() {
    harness::engine();
    let registry = LocalRegistry::start();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("pull", "1");
    let local_only = format!("{}/rbuild-test/local-only:1", registry.address);
    assert_eq!(
        run(sandbox
            .command("docker")
            .args(["tag", BASE_IMAGE, &local_only]))
        .code,
        0
    );
    sandbox.write("Dockerfile", format!("FROM {local_only}\n"));
    let built = rbuild(&sandbox, &["-q", "-t", &tag, "."]);
    let pulled = rbuild(&sandbox, &["-q", "-t", &tag, "--pull", "."]);
    let _ = run(sandbox.command("docker").args(["rmi", &local_only]));
    assert_eq!(built.code, 0, "{built:?}");
    assert_eq!(pulled.code, 1, "{pulled:?}");
    assert!(
        pulled
            .stderr
            .contains("is only in the daemon: its registry does not know it, so `--pull` fails"),
        "{}",
        pulled.stderr
    );
}

/// Asserts that the gate stopped the build (exit 1, nothing sent) with each of `expected` in
/// its output.
fn assert_stopped(out: &Output, expected: &[&str]) {
    assert_eq!(out.code, 1, "{out:?}");
    for text in expected.iter().chain(&["nothing was sent to the daemon"]) {
        assert!(out.stderr.contains(text), "{text}: {}", out.stderr);
    }
}

#[test]
fn a_flag_the_builder_rejects_stops_the_build_before_the_upload() {
    harness::engine();
    let spy = EngineSpy::start();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("bad-flag", "1");
    large_context(
        &sandbox,
        &format!("FROM {BASE_IMAGE}\nCOPY --chonw=1000 big.bin /big.bin\n"),
    );
    let out = run(sandbox.rbuild().args(["-H", &spy.host, "-t", &tag, "."]));
    assert_stopped(
        &out,
        &[
            "error[RB001]: COPY has no flag `--chonw`",
            "did you mean `--chown`?",
            "┌─ Dockerfile:2:6",
        ],
    );
    assert_nothing_uploaded(&spy, &out);
}

#[test]
fn an_arg_without_default_in_from_stops_the_build_unless_a_build_arg_sets_it() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let tag = images.name("arg-base", "1");
    sandbox.write("Dockerfile", "ARG BASE\nFROM $BASE\nRUN echo built\n");
    // `lint` does not know the build args: a build may set it, so a warning.
    let linted = run(sandbox
        .rbuild()
        .args(["lint", "--format", "concise", "Dockerfile"]));
    let finding = format!("{}{}", linted.stdout, linted.stderr);
    assert!(
        finding.contains("Dockerfile:2:6: warning[RB109]"),
        "{linted:?}"
    );
    assert!(!finding.contains("error["), "{linted:?}");
    // The gate knows them: without it the image name is empty, for certain.
    assert_stopped(&rbuild(&sandbox, &["-t", &tag, "."]), &["error[RB103]"]);
    let build_arg = format!("BASE={BASE_IMAGE}");
    let built = rbuild(
        &sandbox,
        &["-q", "-t", &tag, "--build-arg", &build_arg, "."],
    );
    assert_eq!(built.code, 0, "{built:?}");
}

#[test]
fn the_gate_judges_values_by_the_base_images_env() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("gate");
    let base = images.name("env-base", "1");
    let tag = images.name("env-volume", "1");
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nVOLUME [\"$DATA_DIR\"]\n"),
    );
    // `lint` cannot know the base image's ENV: no error.
    let linted = run(sandbox
        .rbuild()
        .args(["lint", "--format", "concise", "Dockerfile"]));
    assert!(!linted.stdout.contains("error["), "{linted:?}");
    // The gate asks the daemon: the image sets no DATA_DIR, so the path is empty for certain.
    assert_stopped(
        &rbuild(&sandbox, &["-t", &tag, "."]),
        &["error[RB001]: VOLUME path `$DATA_DIR` expands to nothing"],
    );
    // A base image whose ENV sets it builds.
    sandbox.write(
        "base.Dockerfile",
        format!("FROM {BASE_IMAGE}\nENV DATA_DIR=/data\n"),
    );
    let built_base = rbuild(&sandbox, &["-q", "-t", &base, "-f", "base.Dockerfile", "."]);
    assert_eq!(built_base.code, 0, "{built_base:?}");
    sandbox.write(
        "Dockerfile",
        format!("FROM {base}\nVOLUME [\"$DATA_DIR\"]\n"),
    );
    let built = rbuild(&sandbox, &["-q", "-t", &tag, "."]);
    assert_eq!(built.code, 0, "{built:?}");
}
