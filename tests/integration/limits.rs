//! Bad and unusual input, as a new user tries it: special files, huge files and lines, binary
//! bytes, paths that name nothing, signals and a vanishing docker CLI, the ShellCheck cache,
//! and the build's platform check, colour-free failure output and narrow live view.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{self, run, Output, Sandbox, BASE_IMAGE};

/// Waits for `child` at most `limit`; kills it and fails when it is still running.
fn wait_at_most(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn spawn(command: &mut Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn fifos_and_devices_are_refused_at_once_naming_them() {
    let sandbox = Sandbox::new();
    std::os::unix::fs::symlink("/dev/zero", sandbox.work().join("z.Dockerfile")).unwrap();
    let fifo = sandbox.work().join("fifo.Dockerfile");
    let made = run(sandbox.command("mkfifo").arg(&fifo));
    assert_eq!(made.code, 0, "{made:?}");
    for (name, kind) in [
        ("z.Dockerfile", "a character device"),
        ("fifo.Dockerfile", "a FIFO"),
    ] {
        let lint = wait_at_most(
            spawn(sandbox.rbuild().args(["lint", name])),
            Duration::from_secs(10),
        );
        assert_eq!(
            (lint.code, lint.stdout.as_str(), lint.stderr.as_str()),
            (
                2,
                "",
                format!("error: {name}: not a regular file ({kind})\n").as_str()
            )
        );
        let config = wait_at_most(
            spawn(
                sandbox
                    .rbuild()
                    .args(["lint", "--config", name, "Dockerfile"]),
            ),
            Duration::from_secs(10),
        );
        assert_eq!(
            (config.code, config.stderr.as_str()),
            (
                2,
                format!("error: {name}: not a regular file ({kind})\n").as_str()
            )
        );
        let parse = wait_at_most(
            spawn(sandbox.rbuild().args(["parse", name])),
            Duration::from_secs(10),
        );
        assert_eq!(
            (parse.code, parse.stderr.as_str()),
            (
                2,
                format!("error: cannot read {name}: not a regular file ({kind})\n").as_str()
            )
        );
    }
}

/// A context's `.dockerignore` that is a FIFO or a device is not read: lint skips it, and a build
/// stops on it with an input error before asking the daemon anything.
#[test]
fn irregular_dockerignore_files_are_not_read() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", "FROM alpine:3.20\nCOPY a.txt /a\n");
    sandbox.write("a.txt", "a\n");
    let ignore_file = sandbox.work().join(".dockerignore");
    std::os::unix::fs::symlink("/dev/zero", &ignore_file).unwrap();
    let lint = wait_at_most(
        spawn(sandbox.rbuild().args(["lint", "Dockerfile"])),
        Duration::from_secs(10),
    );
    assert_eq!(
        (lint.code, lint.stdout.as_str()),
        (0, "No problems found in 1 file.\n"),
        "{lint:?}"
    );
    std::fs::remove_file(&ignore_file).unwrap();
    let made = run(sandbox.command("mkfifo").arg(&ignore_file));
    assert_eq!(made.code, 0, "{made:?}");
    let lint = wait_at_most(
        spawn(sandbox.rbuild().args(["lint", "Dockerfile"])),
        Duration::from_secs(10),
    );
    assert_eq!(lint.code, 0, "{lint:?}");
    let build = wait_at_most(
        spawn(
            sandbox
                .rbuild()
                .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
                .args(["-t", "rbuild-test/fifo-ignore", "."]),
        ),
        Duration::from_secs(10),
    );
    assert_eq!(
        (build.code, build.stderr.as_str()),
        (
            2,
            format!(
                "error: cannot read {}: not a regular file (a FIFO)\n",
                ignore_file.display()
            )
            .as_str()
        )
    );
}

#[test]
fn files_over_the_size_limit_are_an_input_error() {
    let sandbox = Sandbox::new();
    let mut text = String::from("FROM alpine:3.20\n");
    let comment = format!("# {}\n", "x".repeat(1021));
    while text.len() <= 16 * 1024 * 1024 {
        text.push_str(&comment);
    }
    let path = sandbox.write("Dockerfile", &text);
    let out = run(sandbox.rbuild().args(["lint", "Dockerfile"]));
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "error: Dockerfile: larger than 16 MiB, the limit for a Dockerfile\n"
        )
    );
    let stdin = run(sandbox
        .rbuild()
        .args(["lint", "-"])
        .stdin(std::fs::File::open(path).unwrap()));
    assert_eq!(
        (stdin.code, stdin.stderr.as_str()),
        (
            2,
            "error: cannot read standard input: larger than 16 MiB, the limit for a Dockerfile\n"
        )
    );
}

#[test]
fn a_directory_without_dockerfiles_is_an_input_error() {
    let sandbox = Sandbox::new();
    sandbox.write("src/main.c", "int main() {}\n");
    let out = run(sandbox.rbuild().args(["lint", "src"]));
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            2,
            "",
            "error: src: no Dockerfile found (looked for Dockerfile, Containerfile, \
             *.Dockerfile, Dockerfile.*, Dockerfile-*)\n"
        )
    );
}

#[test]
fn with_several_paths_every_readable_file_is_reported_and_the_run_exits_2() {
    let sandbox = Sandbox::new();
    sandbox.write("a/Dockerfile", "FROM alpine:3.20\nCMD echo hi\n");
    let out = run(sandbox.rbuild().args([
        "lint",
        "--format",
        "concise",
        "a/Dockerfile",
        "missing/Dockerfile",
    ]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.starts_with("a/Dockerfile:2:5: warning[RB201] "),
        "{out:?}"
    );
    assert_eq!(
        out.stderr,
        "error: missing/Dockerfile: No such file or directory\n"
    );
}

#[test]
fn long_lines_are_cut_around_the_span() {
    let sandbox = Sandbox::new();
    let long = "a".repeat(60_000);
    sandbox.write(
        "Dockerfile",
        format!("FROM alpine:3.20\nRUN echo {long} && sudo make\n"),
    );
    let out = run(sandbox.rbuild().args(["lint", "Dockerfile"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.len() < 2_000,
        "{} bytes:\n{}",
        out.stdout.len(),
        out.stdout
    );
    let snippet: Vec<&str> = out.stdout.lines().collect();
    let source = snippet
        .iter()
        .position(|line| line.starts_with("2 │ …"))
        .unwrap_or_else(|| panic!("no cut source line in:\n{}", out.stdout));
    assert!(
        snippet[source].ends_with("aaaa && sudo make"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("┌─ Dockerfile:2:60014"),
        "{}",
        out.stdout
    );
    // The caret stands under `sudo make`.
    let caret = snippet[source + 1];
    let column = snippet[source].chars().count() - "sudo make".len();
    assert_eq!(
        caret.chars().position(|c| c == '^'),
        Some(column),
        "{}",
        out.stdout
    );
    assert!(caret.ends_with(" ^^^^^^^^^ sudo-in-run"), "{}", out.stdout);
}

#[test]
fn control_bytes_are_escaped_and_the_caret_stands_under_the_span() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        b"FROM alpine:3.20\nRUN printf '\x1b[2J\x00' && sudo make\n".as_slice(),
    );
    let out = run(sandbox.rbuild().args(["lint", "Dockerfile"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        !out.stdout.contains(['\x1b', '\0']),
        "control bytes reached the output: {:?}",
        out.stdout
    );
    assert!(
        out.stdout.contains(concat!(
            "2 │ RUN printf '\\x1b[2J\\x00' && sudo make\n",
            "  │                             ^^^^^^^^^ sudo-in-run\n"
        )),
        "{}",
        out.stdout
    );
}

/// Puts a `shellcheck` running the shell script `body` first on PATH; returns that PATH.
fn fake_shellcheck(sandbox: &Sandbox, body: &str) -> String {
    let bin = sandbox.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("shellcheck");
    std::fs::write(&script, format!("#!/bin/sh\n{body}")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A `shellcheck` that writes its own pid to `HOME/shellcheck.pid` and its parent's (the
/// plugin's) to `HOME/plugin.pid`, and waits until `HOME/release` exists (or the sandbox is
/// gone): the plugin is then certainly busy linting. Returns the PATH.
fn blocking_shellcheck(sandbox: &Sandbox) -> String {
    let body = format!(
        "echo $$ > '{home}/shellcheck.pid'\n\
         echo $PPID > '{home}/plugin.pid.tmp' && mv '{home}/plugin.pid.tmp' '{home}/plugin.pid'\n\
         while [ -d '{home}' ] && [ ! -e '{home}/release' ]; do sleep 0.05; done\n",
        home = sandbox.home().display()
    );
    fake_shellcheck(sandbox, &body)
}

/// The pid of the blocking `shellcheck` (once [`plugin_pid`] has returned).
fn shellcheck_pid(sandbox: &Sandbox) -> u32 {
    std::fs::read_to_string(sandbox.home().join("shellcheck.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Waits until the blocking `shellcheck` runs and returns the plugin's pid.
fn plugin_pid(sandbox: &Sandbox) -> u32 {
    let file = sandbox.home().join("plugin.pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !file.exists() {
        assert!(Instant::now() < deadline, "shellcheck never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::read_to_string(file)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn alive(pid: u32) -> bool {
    // A zombie has exited: only its parent's wait is missing.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Whether process `pid` ends within `limit`.
fn stops_within(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    !alive(pid)
}

fn kill(pid: u32, signal: &str) {
    let killed = run(Command::new("kill").args([format!("-{signal}"), pid.to_string()]));
    assert_eq!(killed.code, 0, "{killed:?}");
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn signals_during_lint_exit_130_or_143_and_leave_no_output_file() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let sandbox = Sandbox::new();
        sandbox.write("Dockerfile", "FROM alpine:3.20\nRUN echo hi\n");
        let path = blocking_shellcheck(&sandbox);
        let child = spawn(sandbox.rbuild().env("PATH", path).args([
            "lint",
            "--shellcheck",
            "--no-cache",
            "-o",
            "report.json",
            "Dockerfile",
        ]));
        let pid = child.id();
        assert_eq!(plugin_pid(&sandbox), pid);
        let shellcheck = shellcheck_pid(&sandbox);
        kill(pid, signal);
        let out = wait_at_most(child, Duration::from_secs(10));
        let shellcheck_stopped = stops_within(shellcheck, Duration::from_secs(5));
        std::fs::write(sandbox.home().join("release"), "").unwrap();
        assert!(
            shellcheck_stopped,
            "ShellCheck outlived the plugin ({signal})"
        );
        let name = if signal == "INT" { "SIGINT" } else { "SIGTERM" };
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (
                code,
                format!("error: stopped by {name}: interrupted\n").as_str()
            )
        );
        assert_eq!(files_in(&sandbox.work()), ["Dockerfile"]);
    }
}

#[test]
fn parse_exits_130_on_sigint() {
    let sandbox = Sandbox::new();
    // Standard input stays open: parse waits for it.
    let child = spawn(sandbox.rbuild().args(["parse", "-"]).stdin(Stdio::piped()));
    std::thread::sleep(Duration::from_millis(300));
    kill(child.id(), "INT");
    let out = wait_at_most(child, Duration::from_secs(10));
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (130, "", "error: stopped by SIGINT: interrupted\n")
    );
}

#[test]
fn lint_stops_when_the_process_that_started_it_exits() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", "FROM alpine:3.20\nRUN echo hi\n");
    let path = blocking_shellcheck(&sandbox);
    // A parent that starts the plugin and exits once it runs, as a killed docker CLI does.
    let parent = run(sandbox
        .command("sh")
        .env("PATH", path)
        .args([
            "-c",
            "\"$0\" lint --shellcheck --no-cache Dockerfile >/dev/null 2>&1 &\n\
             while [ ! -e \"$HOME/plugin.pid\" ]; do sleep 0.05; done",
        ])
        .arg(env!("CARGO_BIN_EXE_docker-rbuild")));
    assert_eq!(parent.code, 0, "{parent:?}");
    let pid = plugin_pid(&sandbox);
    let shellcheck = shellcheck_pid(&sandbox);
    let stopped = stops_within(pid, Duration::from_secs(5));
    let shellcheck_stopped = stops_within(shellcheck, Duration::from_secs(5));
    std::fs::write(sandbox.home().join("release"), "").unwrap();
    assert!(stopped, "the plugin outlived its parent");
    assert!(shellcheck_stopped, "ShellCheck outlived the plugin");
}

#[test]
fn lint_stops_when_the_docker_cli_is_terminated() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    sandbox.write("Dockerfile", "FROM alpine:3.20\nRUN echo hi\n");
    let path = blocking_shellcheck(&sandbox);
    let docker = spawn(sandbox.docker().env("PATH", path).args([
        "rbuild",
        "lint",
        "--shellcheck",
        "--no-cache",
        "Dockerfile",
    ]));
    let pid = plugin_pid(&sandbox);
    let shellcheck = shellcheck_pid(&sandbox);
    kill(docker.id(), "TERM");
    let _ = wait_at_most(docker, Duration::from_secs(10));
    let stopped = stops_within(pid, Duration::from_secs(5));
    let shellcheck_stopped = stops_within(shellcheck, Duration::from_secs(5));
    std::fs::write(sandbox.home().join("release"), "").unwrap();
    assert!(stopped, "the plugin outlived the docker CLI");
    assert!(shellcheck_stopped, "ShellCheck outlived the plugin");
}

/// A `shellcheck` that logs each call's first argument to `HOME/calls`, then runs the real one.
fn counting_shellcheck(sandbox: &Sandbox) -> String {
    let real = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("shellcheck"))
        .find(|path| path.is_file())
        .expect("shellcheck on PATH (tests/engine/ensure.sh installs it)");
    let body = format!(
        "echo \"$1\" >> '{}/calls'\nexec '{}' \"$@\"\n",
        sandbox.home().display(),
        real.display()
    );
    fake_shellcheck(sandbox, &body)
}

/// The calls the counting `shellcheck` saw since the last look: `version` for `--version`,
/// then `check` when scripts were checked (in one process or several).
fn take_calls(sandbox: &Sandbox) -> Vec<String> {
    let file = sandbox.home().join("calls");
    let calls = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_file(file);
    let mut calls: Vec<String> = calls
        .lines()
        .map(|call| match call {
            "--version" => "version".to_string(),
            _ => "check".to_string(),
        })
        .collect();
    calls.dedup();
    calls
}

#[test]
fn shellcheck_results_are_cached_by_content() {
    harness::engine(); // installs shellcheck where it is missing
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        "FROM alpine:3.20\nRUN echo $undefined_name\nRUN ls *.txt | wc -l\n",
    );
    let path = counting_shellcheck(&sandbox);
    let lint = |extra: &[&str]| {
        run(sandbox
            .rbuild()
            .env("PATH", &path)
            .args(["lint", "--shellcheck", "--no-fail", "--format", "concise"])
            .args(extra)
            .arg("Dockerfile"))
    };
    let first = lint(&[]);
    assert_eq!(first.stderr, "", "{first:?}");
    assert!(first.stdout.contains("RB901"), "{first:?}");
    assert_eq!(take_calls(&sandbox), ["version", "check"]);
    let entries = sandbox.home().join(".cache/docker-rbuild/shellcheck");
    assert_eq!(files_in(&entries).len(), 2, "one entry per script");

    let hit = lint(&[]);
    assert_eq!(
        (hit.stdout.as_str(), hit.stderr.as_str()),
        (first.stdout.as_str(), "")
    );
    assert_eq!(take_calls(&sandbox), ["version"]);

    let bypass = lint(&["--no-cache"]);
    assert_eq!(bypass.stdout, first.stdout);
    assert_eq!(take_calls(&sandbox), ["check"]);

    // A changed script is checked again; the other one still comes from the cache.
    sandbox.write(
        "Dockerfile",
        "FROM alpine:3.20\nRUN echo $undefined_name\nRUN ls *.md | wc -l\n",
    );
    lint(&[]);
    assert_eq!(take_calls(&sandbox), ["version", "check"]);
    assert_eq!(files_in(&entries).len(), 3);

    // A damaged entry is a miss; a cache that cannot be made is one warning.
    for entry in files_in(&entries) {
        std::fs::write(entries.join(entry), "{not json").unwrap();
    }
    let damaged = lint(&[]);
    assert_eq!((damaged.code, damaged.stderr.as_str()), (0, ""));
    assert_eq!(take_calls(&sandbox), ["version", "check"]);
    sandbox.write("xdg/docker-rbuild", "a file where the cache directory goes");
    let broken = run(sandbox
        .rbuild()
        .env("PATH", &path)
        .env("XDG_CACHE_HOME", sandbox.work().join("xdg"))
        .args([
            "lint",
            "--shellcheck",
            "--no-fail",
            "--format",
            "concise",
            "Dockerfile",
        ]));
    assert_eq!(broken.code, 0, "{broken:?}");
    assert_eq!(
        broken.stderr,
        format!(
            "warning: the ShellCheck cache {}/xdg/docker-rbuild/shellcheck cannot be used \
             (Not a directory); checking without it\n",
            sandbox.work().display()
        )
    );
    assert!(broken.stdout.contains("RB901"), "{broken:?}");
}

#[test]
fn a_malformed_platform_is_an_input_error_before_any_request() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", "FROM alpine:3.20\n");
    let out = run(sandbox
        .rbuild()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .args(["--platform", "linux/amd64/v9/extra", "."]));
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "error: invalid --platform \"linux/amd64/v9/extra\": expected OS[/ARCH[/VARIANT]], \
             such as linux/amd64 or linux/arm64/v8\n"
        )
    );
}

#[test]
fn failure_output_is_stripped_of_escape_sequences_under_no_color() {
    harness::engine();
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN printf '\\033[31mred\\033[0m text\\n' && exit 3\n"),
    );
    let out = run(sandbox.rbuild().env("NO_COLOR", "1").args([
        "--no-cache",
        "--rm=true",
        "--force-rm",
        "--progress=plain",
        ".",
    ]));
    assert_eq!(out.code, 1, "{out:?}");
    let (_, report) = out
        .stderr
        .split_once("= last output lines:")
        .unwrap_or_else(|| panic!("no output lines in:\n{}", out.stderr));
    assert!(report.contains("    red text"), "{report:?}");
    assert!(!report.contains('\x1b'), "{report:?}");
}

#[test]
fn the_live_view_keeps_the_step_timer_on_a_narrow_terminal() {
    harness::engine();
    let sandbox = Sandbox::new();
    let words = "word ".repeat(30);
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN echo {words}&& sleep 1\n"),
    );
    let out = run(sandbox.rbuild().env("COLUMNS", "60").args([
        "--no-cache",
        "--force-rm",
        "--iidfile",
        "iid",
        "--progress=tty",
        ".",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    let id = std::fs::read_to_string(sandbox.work().join("iid")).unwrap();
    let erase = regex::Regex::new(r"\x1b\[\d+F\x1b\[J|\x1b\[\?7[lh]").unwrap();
    let screen = erase.replace_all(&out.stderr, "\n");
    let steps: Vec<&str> = screen
        .lines()
        .filter(|line| line.starts_with("[2/2] RUN echo word"))
        .collect();
    assert!(!steps.is_empty(), "{screen}");
    let timer = regex::Regex::new(r"… \d+\.\ds$").unwrap();
    for line in steps {
        assert!(
            line.chars().count() < 60,
            "{line:?} is wider than the terminal"
        );
        assert!(timer.is_match(line), "{line:?} lost its timer");
    }
    let _ = run(sandbox.command("docker").args(["rmi", &id]));
}
