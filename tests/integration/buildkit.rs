//! Integration tests: BuildKit builds (`--builder`) on the Docker 26.1 engine, and the
//! builder `auto` picks on each engine.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::{self, run, Images, Output, Sandbox, BASE_IMAGE, ENGINE26_HOST, ENGINE_HOST};

/// `docker-rbuild -H <host> build ARGS`.
fn rbuild_at(sandbox: &Sandbox, host: &str, args: &[&str]) -> Output {
    run(sandbox.rbuild().args(["-H", host, "build"]).args(args))
}

fn docker_at(sandbox: &Sandbox, host: &str, args: &[&str]) -> Output {
    run(sandbox.command("docker").args(["-H", host]).args(args))
}

fn assert_success(out: &Output) {
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
}

/// Two stages, a RUN heredoc and a cache mount: what the classic builder cannot build.
/// `marker` keeps the test's cache keys its own.
fn modern_dockerfile(marker: &str) -> String {
    format!(
        "FROM {BASE_IMAGE} AS builder\n\
         RUN <<EOF\n\
         set -e\n\
         echo \"greetings from {marker}\" > /greeting\n\
         echo heredoc-ran\n\
         EOF\n\
         RUN --mount=type=cache,target=/cache echo {marker} >> /cache/runs && cp /cache/runs /runs\n\
         \n\
         FROM {BASE_IMAGE}\n\
         COPY --from=builder /greeting /runs /\n\
         COPY hello.txt /\n\
         CMD [\"cat\", \"/greeting\", \"/hello.txt\"]\n"
    )
}

/// The plain view's `#N [stage N/M] INSTRUCTION` headers, each with whether `#N CACHED` follows.
fn plain_steps(stderr: &str) -> Vec<(String, bool)> {
    let mut steps: Vec<(String, String, bool)> = Vec::new();
    for line in stderr.lines() {
        let Some((number, rest)) = line.split_once(' ') else {
            continue;
        };
        if !number.starts_with('#') {
            continue;
        }
        if rest == "CACHED" {
            for step in steps.iter_mut().filter(|step| step.0 == number) {
                step.2 = true;
            }
        } else if rest.starts_with('[')
            && !rest.starts_with("[internal]")
            && !steps.iter().any(|step| step.0 == number)
        {
            steps.push((number.to_owned(), rest.to_owned(), false));
        }
    }
    steps
        .into_iter()
        .map(|(_, name, cached)| (name, cached))
        .collect()
}

#[test]
fn a_heredoc_cache_mount_and_two_stages_build_with_buildkit_then_rebuild_cached() {
    harness::engine26();
    let sandbox = Sandbox::new();
    let mut images = Images::on_host("buildkit", ENGINE26_HOST);
    let first = images.name("modern", "one");
    let second = images.name("modern", "two");
    let marker = format!("rbuild-test-buildkit-{}", std::process::id());
    sandbox.write("Dockerfile", modern_dockerfile(&marker));
    sandbox.write("hello.txt", "hello from the context\n");

    let iidfile = sandbox.work().join("out/iid");
    std::fs::create_dir_all(iidfile.parent().unwrap()).unwrap();
    let iidfile = iidfile.to_str().unwrap().to_owned();
    let out = rbuild_at(
        &sandbox,
        ENGINE26_HOST,
        &[
            "--builder",
            "buildkit",
            "--progress=plain",
            "-t",
            &first,
            "-t",
            &second,
            "--iidfile",
            &iidfile,
            ".",
        ],
    );
    assert_success(&out);
    assert!(out.stderr.contains(" heredoc-ran\n"), "{}", out.stderr);
    let steps = plain_steps(&out.stderr);
    assert_eq!(steps.len(), 5, "{steps:?}\n{}", out.stderr);

    // Both tags name the image the iidfile names.
    let image_id = std::fs::read_to_string(&iidfile).unwrap();
    assert!(image_id.starts_with("sha256:"), "{image_id}");
    for tag in [&first, &second] {
        let inspect = docker_at(
            &sandbox,
            ENGINE26_HOST,
            &["image", "inspect", "--format", "{{.Id}}", tag],
        );
        assert_success(&inspect);
        assert_eq!(inspect.stdout.trim(), image_id);
    }
    let ran = docker_at(&sandbox, ENGINE26_HOST, &["run", "--rm", &first]);
    assert_success(&ran);
    assert_eq!(
        ran.stdout,
        format!("greetings from {marker}\nhello from the context\n")
    );

    // `auto` picks BuildKit on 26.1, and every step comes from the cache.
    let again = rbuild_at(
        &sandbox,
        ENGINE26_HOST,
        &["--progress=plain", "-t", &first, "."],
    );
    assert_success(&again);
    let steps = plain_steps(&again.stderr);
    assert_eq!(steps.len(), 5, "{}", again.stderr);
    for (name, cached) in &steps {
        // The FROM of an image is resolved, not cached, by BuildKit.
        assert!(
            *cached || name.contains("] FROM "),
            "{name} not cached:\n{}",
            again.stderr
        );
    }
    assert!(
        !again.stderr.contains(" heredoc-ran"),
        "the heredoc ran again:\n{}",
        again.stderr
    );

    // `-q`: the image ID alone on stdout.
    let quiet = rbuild_at(&sandbox, ENGINE26_HOST, &["-q", "-t", &first, "."]);
    assert_success(&quiet);
    assert_eq!(quiet.stdout, format!("{image_id}\n"));
    assert_eq!(quiet.stderr, "");
}

#[test]
fn auto_picks_classic_on_20_10_and_buildkit_on_26_1() {
    harness::engine();
    harness::engine26();
    let sandbox = Sandbox::new();
    let mut images_20 = Images::new("buildkit");
    let mut images_26 = Images::on_host("buildkit", ENGINE26_HOST);
    let tag_20 = images_20.name("auto", "latest");
    let tag_26 = images_26.name("auto", "latest");
    let tag_26_classic = images_26.name("auto", "classic");
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {BASE_IMAGE}\nRUN echo rbuild-test-buildkit-auto-{}\n",
            std::process::id()
        ),
    );
    let on_20 = rbuild_at(
        &sandbox,
        ENGINE_HOST,
        &["--progress=plain", "-t", &tag_20, "."],
    );
    assert_success(&on_20);
    assert!(on_20.stderr.contains("Step 1/2 : FROM"), "{}", on_20.stderr);

    let on_26 = rbuild_at(
        &sandbox,
        ENGINE26_HOST,
        &["--progress=plain", "-t", &tag_26, "."],
    );
    assert_success(&on_26);
    assert!(
        on_26
            .stderr
            .contains("] FROM docker.io/rbuild-test/busybox:static"),
        "{}",
        on_26.stderr
    );
    assert!(!on_26.stderr.contains("Step 1/2"), "{}", on_26.stderr);

    // DOCKER_BUILDKIT=0 wins over the daemon's preference, as with the docker CLI.
    let forced = run(sandbox
        .rbuild()
        .env("DOCKER_BUILDKIT", "0")
        .args(["-H", ENGINE26_HOST, "build", "--progress=plain"])
        .args(["-t", &tag_26_classic, "."]));
    assert_success(&forced);
    assert!(
        forced.stderr.contains("Step 1/2 : FROM"),
        "{}",
        forced.stderr
    );

    // A bad value is an input error found with the flags, before the lint gate prints anything.
    sandbox.write("Dockerfile", format!("FROM {BASE_IMAGE}\nCMD echo hi\n"));
    let bad = run(sandbox.rbuild().env("DOCKER_BUILDKIT", "maybe").args([
        "-H",
        ENGINE26_HOST,
        "build",
        ".",
    ]));
    assert_eq!(bad.code, 2, "{bad:?}");
    assert_eq!(
        bad.stderr.trim(),
        "error: DOCKER_BUILDKIT=\"maybe\": expected a boolean (1, 0, true or false)"
    );
}

#[test]
fn a_failing_run_under_buildkit_points_at_its_line() {
    harness::engine26();
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {BASE_IMAGE} AS base\n\
             RUN echo rbuild-test-buildkit-fail-{}\n\
             \n\
             FROM base\n\
             # two lines of output, then exit 3\n\
             RUN echo one && echo two >&2 && \\\n    exit 3\n\
             CMD [\"true\"]\n",
            std::process::id()
        ),
    );
    let iidfile = sandbox.work().join("iid");
    let out = rbuild_at(
        &sandbox,
        ENGINE26_HOST,
        &[
            "--builder=buildkit",
            "--progress=plain",
            "--iidfile",
            iidfile.to_str().unwrap(),
            ".",
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("did not complete successfully: exit code: 3"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("┌─ Dockerfile:6:1"), "{}", out.stderr);
    assert!(
        out.stderr.contains("step 1/1 failed with exit code 3"),
        "{}",
        out.stderr
    );
    // stdout and stderr lines may come in either order.
    let (_, last_lines) = out.stderr.split_once("= last output lines:\n").unwrap();
    assert!(last_lines.contains("    one\n"), "{}", out.stderr);
    assert!(last_lines.contains("    two\n"), "{}", out.stderr);
    assert!(!iidfile.exists());
}

#[test]
fn a_parse_error_reported_by_buildkit_points_at_its_line() {
    harness::engine26();
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN true\nNOTACOMMAND x\n"),
    );
    // The lint gate would stop it first; here the daemon's own report is under test.
    let out = rbuild_at(
        &sandbox,
        ENGINE26_HOST,
        &["--builder=buildkit", "--lint=off", "--progress=quiet", "."],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: dockerfile parse error on line 3: unknown instruction: NOTACOMMAND"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("┌─ Dockerfile:3:1"), "{}", out.stderr);
}

#[test]
fn sigint_during_a_buildkit_run_exits_130_and_leaves_nothing_running() {
    harness::engine26();
    let sandbox = Sandbox::new();
    // A sleep length of its own, to find the step's process on this host.
    let seconds = 3000 + std::process::id() % 1000;
    let marker = format!("rbuild-test-buildkit-int-{}", std::process::id());
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN echo {marker} && sleep {seconds}\n"),
    );
    let mut child = sandbox
        .rbuild()
        .args([
            "-H",
            ENGINE26_HOST,
            "build",
            "--builder=buildkit",
            "--no-cache",
            "--progress=plain",
            ".",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let received = harness::stderr_lines(&mut child);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut transcript = String::new();
    let mut running = false;
    while Instant::now() < deadline && !running {
        let Ok(line) = received.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        running = line.ends_with(&format!(" {marker}"));
        transcript.push_str(&line);
        transcript.push('\n');
    }
    assert!(running, "the RUN step never started:\n{transcript}");
    // The echo's line may arrive before the shell has started `sleep`.
    let sleeping = format!("sleep {seconds}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while run(sandbox.command("pgrep").args(["-f", &sleeping])).code != 0 {
        assert!(Instant::now() < deadline, "`{sleeping}` never ran");
        std::thread::sleep(Duration::from_millis(100));
    }

    let killed = run(sandbox
        .command("kill")
        .args(["-INT".to_owned(), child.id().to_string()]));
    assert_eq!(killed.code, 0, "{}", killed.stderr);
    let status = child.wait().unwrap();
    transcript.extend(received.iter().map(|line| line + "\n"));
    assert_eq!(status.code(), Some(130), "{transcript}");
    assert!(
        transcript.contains("error: build stopped by SIGINT: interrupted"),
        "{transcript}"
    );

    // BuildKit kills the step once the request is gone: its process ends.
    let deadline = Instant::now() + Duration::from_secs(10);
    while run(sandbox.command("pgrep").args(["-f", &sleeping])).code == 0 {
        assert!(
            Instant::now() < deadline,
            "the step's `{sleeping}` still runs"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // BuildKit's steps are not containers (`docker ps -a` never lists them): the process
    // check above is what shows the build is gone.
}

/// The build flow of a first image on every engine and builder the harness has: classic on
/// 20.10, classic and BuildKit on 26.1. Tags, build args, target and labels take effect, and a
/// rebuild reuses the cache (the same image comes out).
#[test]
fn tags_build_args_target_and_labels_on_every_engine_and_builder() {
    harness::engine();
    harness::engine26();
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {BASE_IMAGE} AS base\nARG GREETING=default\n\
             RUN echo \"$GREETING\" > /greeting && echo {} > /marker\n\
             FROM base AS never\nRUN exit 7\n",
            std::process::id()
        ),
    );
    for (host, builder) in [
        (ENGINE_HOST, "classic"),
        (ENGINE26_HOST, "classic"),
        (ENGINE26_HOST, "buildkit"),
    ] {
        let mut images = Images::on_host("buildkit", host);
        let first = images.name(&format!("flow-{builder}"), "a");
        let second = images.name(&format!("flow-{builder}"), "b");
        let args = [
            "--builder",
            builder,
            "--progress=plain",
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
            ".",
        ];
        let built = rbuild_at(&sandbox, host, &args);
        assert_success(&built);
        assert!(
            !built.stderr.contains("exit 7"),
            "{host} {builder}: the target stops the build: {}",
            built.stderr
        );
        let id = |tag: &str| {
            docker_at(
                &sandbox,
                host,
                &["image", "inspect", "--format", "{{.Id}}", tag],
            )
            .stdout
        };
        assert_eq!(id(&first), id(&second), "{host} {builder}");
        let greeting = docker_at(
            &sandbox,
            host,
            &["run", "--rm", &second, "cat", "/greeting"],
        );
        assert_eq!(greeting.stdout, "custom\n", "{host} {builder}");
        let labels = docker_at(
            &sandbox,
            host,
            &[
                "image",
                "inspect",
                "--format",
                "{{.Config.Labels.team}}",
                &first,
            ],
        );
        assert_eq!(labels.stdout.trim(), "build", "{host} {builder}");
        let before = id(&first);
        assert_success(&rbuild_at(&sandbox, host, &args));
        assert_eq!(
            id(&first),
            before,
            "{host} {builder}: the rebuild must come from the cache"
        );
    }
}
