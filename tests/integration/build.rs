//! Integration tests: `docker rbuild [build]` against the real engine.

use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{self, run, Images, Output, Sandbox, BASE_IMAGE};

fn docker(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox.command("docker").args(args))
}

fn rbuild(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox.rbuild().args(args))
}

fn image_id(sandbox: &Sandbox, image: &str) -> String {
    let out = docker(sandbox, &["image", "inspect", "--format", "{{.Id}}", image]);
    assert_eq!(out.code, 0, "inspect {image}: {}", out.stderr);
    out.stdout.trim().to_owned()
}

fn assert_success(out: &Output) {
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
}

const HELLO: &str = "FROM rbuild-test/busybox:static\n\
                     RUN echo 'hello from rbuild' > /greeting\n\
                     CMD [\"cat\", \"/greeting\"]\n";

#[test]
fn first_image_runs_then_rebuilds_from_cache() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("build");
    let tag = images.name("hello", "latest");
    sandbox.write("app/Dockerfile", HELLO);

    let first = rbuild(
        &sandbox,
        &["-t", &tag, "--progress=plain", "--iidfile", "iid", "app"],
    );
    assert_success(&first);
    assert!(
        first
            .stderr
            .contains("Step 1/3 : FROM rbuild-test/busybox:static"),
        "{}",
        first.stderr
    );
    assert_eq!(first.stdout, "");
    let id = image_id(&sandbox, &tag);
    assert_eq!(
        std::fs::read_to_string(sandbox.work().join("iid")).unwrap(),
        id
    );
    let ran = docker(&sandbox, &["run", "--rm", &tag]);
    assert_success(&ran);
    assert_eq!(ran.stdout, "hello from rbuild\n");

    // Every step after FROM comes from the cache, and the image is the same.
    let second = rbuild(&sandbox, &["-t", &tag, "--progress=plain", "app"]);
    assert_success(&second);
    assert_eq!(
        second.stderr.matches(" ---> Using cache").count(),
        2,
        "{}",
        second.stderr
    );
    assert_eq!(image_id(&sandbox, &tag), id);

    // `-q`: the image ID alone on stdout.
    let quiet = rbuild(&sandbox, &["-q", "-t", &tag, "app"]);
    assert_success(&quiet);
    assert_eq!(quiet.stdout, format!("{id}\n"));
    assert_eq!(quiet.stderr, "");

    // The live view, forced without a terminal: one line per step, CACHED, a summary.
    let live =
        run(sandbox
            .rbuild()
            .env("NO_COLOR", "1")
            .args(["--progress=tty", "-t", &tag, "app"]));
    assert_success(&live);
    let cursor_moves = regex::Regex::new(r"\x1b\[(\?7[lh]|\d+F|J)").unwrap();
    let plain = cursor_moves.replace_all(&live.stderr, "");
    let screen: Vec<&str> = plain.lines().collect();
    assert!(
        screen
            .iter()
            .any(|l| l.starts_with("[2/3] RUN echo 'hello from rbuild' > /greeting CACHED ")),
        "{}",
        live.stderr
    );
    assert!(
        screen
            .iter()
            .any(|l| l.starts_with("[3/3] CMD [\"cat\", \"/greeting\"] CACHED ")),
        "{}",
        live.stderr
    );
    let short = &id["sha256:".len().."sha256:".len() + 12];
    assert!(
        live.stderr.contains(&format!("Built {short}")),
        "{}",
        live.stderr
    );
    assert!(
        !live.stderr.contains("\x1b[3"),
        "NO_COLOR is respected: {:?}",
        live.stderr
    );
}

#[test]
fn the_docker_cli_runs_the_build_as_a_plugin() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("build");
    let tag = images.name("via-cli", "latest");
    sandbox.install_plugin();
    sandbox.write("app/Dockerfile", HELLO);
    let out = run(sandbox.docker().args([
        "--host",
        harness::ENGINE_HOST,
        "rbuild",
        "-q",
        "-t",
        &tag,
        "app",
    ]));
    assert_success(&out);
    assert_eq!(out.stdout, format!("{}\n", image_id(&sandbox, &tag)));
    let ran = docker(&sandbox, &["run", "--rm", &tag]);
    assert_eq!(ran.stdout, "hello from rbuild\n");
}

#[test]
fn tags_build_args_target_and_labels_take_effect() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("build");
    let (first, second) = (images.name("tags-a", "latest"), images.name("tags-b", "v2"));
    sandbox.write(
        "Dockerfile",
        "FROM rbuild-test/busybox:static AS base\n\
         ARG GREETING=default\n\
         RUN echo \"$GREETING\" > /greeting\n\
         FROM base AS never\n\
         RUN exit 7\n",
    );
    let out = rbuild(
        &sandbox,
        &[
            "-t",
            &first,
            "-t",
            &second,
            "--build-arg",
            "GREETING=custom",
            "--target",
            "base",
            "--label",
            "team=build",
            "--label",
            "rbuild.test=yes",
            "--progress=plain",
            ".",
        ],
    );
    assert_success(&out);
    assert_eq!(image_id(&sandbox, &first), image_id(&sandbox, &second));
    let greeting = docker(&sandbox, &["run", "--rm", &second, "cat", "/greeting"]);
    assert_eq!(greeting.stdout, "custom\n");
    let labels = docker(
        &sandbox,
        &[
            "image",
            "inspect",
            "--format",
            "{{json .Config.Labels}}",
            &first,
        ],
    );
    assert_eq!(
        labels.stdout.trim(),
        r#"{"rbuild.test":"yes","team":"build"}"#
    );
    assert!(
        !out.stderr.contains("RUN exit 7"),
        "the target stops the build: {}",
        out.stderr
    );
}

#[test]
fn run_options_reach_the_daemon() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("build");
    let tag = images.name("run-options", "latest");
    sandbox.write(
        "Dockerfile",
        "FROM rbuild-test/busybox:static\n\
         RUN grep -E '^10[.]1[.]2[.][34]' /etc/hosts && ulimit -n && df -k /dev/shm | tail -n 1 \
             && ls /sys/class/net\n",
    );
    let out = rbuild(
        &sandbox,
        &[
            "--no-cache",
            "--progress=plain",
            "-t",
            &tag,
            "--add-host",
            "db:10.1.2.3",
            "--add-host",
            "cache=10.1.2.4",
            "--ulimit",
            "nofile=1234:2048",
            "--shm-size",
            "96m",
            "--network",
            "none",
            ".",
        ],
    );
    assert_success(&out);
    let output: Vec<&str> = out.stderr.lines().collect();
    assert!(output.contains(&"10.1.2.3\tdb"), "{}", out.stderr);
    assert!(output.contains(&"10.1.2.4\tcache"), "{}", out.stderr);
    assert!(output.contains(&"1234"), "{}", out.stderr);
    assert!(
        out.stderr.contains(" 98304 "),
        "/dev/shm is 96 MiB: {}",
        out.stderr
    );
    assert!(
        output.contains(&"lo"),
        "--network none leaves only lo: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("eth0"), "{}", out.stderr);
}

#[test]
fn a_failing_run_points_at_its_line_and_writes_no_iidfile() {
    harness::engine();
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        "FROM rbuild-test/busybox:static\n\
         # prints two lines, then fails\n\
         RUN echo preparing\n\
         RUN echo first-line && echo second-line && exit 3\n\
         CMD [\"sh\"]\n",
    );
    sandbox.write("iid", "stale");
    let out = rbuild(&sandbox, &["--iidfile", "iid", "--progress=plain", "."]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let expected = [
        "error: The command '/bin/sh -c echo first-line && echo second-line && exit 3' returned a non-zero code: 3",
        "  ┌─ Dockerfile:4:1",
        "4 │ RUN echo first-line && echo second-line && exit 3",
        "step 3/4 failed with exit code 3",
        "= last output lines:",
        "    first-line",
        "    second-line",
    ];
    for fragment in expected {
        assert!(
            out.stderr.contains(fragment),
            "missing {fragment:?} in:\n{}",
            out.stderr
        );
    }
    assert!(
        !sandbox.work().join("iid").exists(),
        "no iidfile after a failure"
    );
    // Like docker, a failed step's container stays for inspection; this test removes it.
    let containers: Vec<&str> = out
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix(" ---> Running in "))
        .collect();
    assert!(!containers.is_empty(), "{}", out.stderr);
    let mut remove = vec!["rm", "-f"];
    remove.extend(containers);
    assert_success(&docker(&sandbox, &remove));
    // The step that succeeded left an untagged image (the cache); remove it too, unless
    // another image uses it.
    let produced = out
        .stderr
        .split("Removing intermediate container ")
        .skip(1)
        .filter_map(|rest| rest.lines().nth(1)?.strip_prefix(" ---> "));
    for image in produced {
        let _ = docker(&sandbox, &["rmi", image]);
    }
}

#[test]
fn input_errors_are_one_line_with_exit_code_2() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.work().join("empty")).unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["empty"], "Dockerfile"),
        (&["does-not-exist"], "does-not-exist"),
        (&["--frobnicate", "."], "unexpected argument '--frobnicate'"),
        (
            &["--builder=classic", "--secret", "id=token", "."],
            "--secret needs BuildKit, and --builder=classic chose the classic builder",
        ),
        (
            &["-t", "upper/Case", "."],
            "invalid tag \"upper/Case\": repository name must be lowercase",
        ),
    ];
    for (args, message) in cases {
        let out = rbuild(&sandbox, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn an_unreachable_daemon_is_one_line_with_exit_code_1() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", HELLO);
    let socket = sandbox.work().join("no-daemon.sock");
    let host = format!("unix://{}", socket.display());
    let out = run(sandbox.rbuild().env("DOCKER_HOST", &host).arg("."));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "error: cannot connect to the Docker daemon at {host}"
        )),
        "{}",
        out.stderr
    );
}

/// Who gets the signal in [`interrupt_long_run`].
pub enum Signalled {
    /// The started process alone.
    Process,
    /// The started process's group, as a terminal's Ctrl-C does; the process starts its own.
    Group,
}

/// Starts `command` (a build of a long RUN printing `marker`) on the first engine, waits until
/// the RUN runs, sends `signal` to the started process or its group, and checks the build ends
/// with 130 and leaves no container behind. Returns what the build printed on stderr.
pub fn interrupt_long_run(
    sandbox: &Sandbox,
    mut command: Command,
    signal: &str,
    signalled: Signalled,
) -> String {
    let marker = format!("rbuild-test-build-{signal}-{}", std::process::id());
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN echo {marker} && sleep 120\n"),
    );
    let target = match signalled {
        Signalled::Process => "",
        Signalled::Group => {
            command.process_group(0);
            "-"
        }
    };
    let mut child = command
        .args(["--no-cache", "--progress=plain", "."])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let received = harness::stderr_lines(&mut child);
    // Wait until the RUN step's container runs (its output line is printed).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut container = None;
    let mut transcript = String::new();
    while Instant::now() < deadline {
        let Ok(line) = received.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        transcript.push_str(&line);
        transcript.push('\n');
        if let Some(id) = line.strip_prefix(" ---> Running in ") {
            container = Some(id.trim().to_owned());
        }
        if line == marker {
            break;
        }
    }
    let container =
        container.unwrap_or_else(|| panic!("the RUN step never started:\n{transcript}"));

    let killed = run(sandbox.command("kill").args([
        format!("-{signal}"),
        "--".into(),
        format!("{target}{}", child.id()),
    ]));
    assert_eq!(killed.code, 0, "{}", killed.stderr);
    let status = child.wait().unwrap();
    // The reader ends at end-of-file, once the build has exited.
    transcript.extend(received.iter().map(|line| line + "\n"));
    assert_eq!(status.code(), Some(130), "{transcript}");

    let left = docker(
        sandbox,
        &[
            "ps",
            "-a",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("id={container}"),
        ],
    );
    assert_eq!(
        left.stdout.trim(),
        "",
        "container {container} was left behind"
    );
    transcript
}

#[test]
fn sigint_during_a_long_run_exits_130_and_leaves_no_container() {
    harness::engine();
    let sandbox = Sandbox::new();
    let transcript = interrupt_long_run(&sandbox, sandbox.rbuild(), "INT", Signalled::Process);
    assert!(
        transcript.contains("error: build stopped by SIGINT: interrupted"),
        "{transcript}"
    );
}

#[test]
fn sigterm_to_the_docker_cli_closes_the_plugin_socket_and_stops_the_build() {
    harness::engine();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    // Without a terminal the CLI does not forward the signal: it closes the plugin socket,
    // and end-of-file on that socket is what stops the build.
    let mut command = sandbox.docker();
    command.arg("rbuild");
    let transcript = interrupt_long_run(&sandbox, command, "TERM", Signalled::Process);
    assert!(
        transcript.contains(
            "error: build stopped by the docker CLI (it closed the plugin socket): interrupted"
        ),
        "{transcript}"
    );
}
