//! Integration tests: docker rbuild's own BuildKit session on the Docker 26.1 engine: secrets
//! (`--secret`), SSH agent forwarding (`--ssh`), exported outputs (`--output`), `--push` to a
//! registry that needs a login, and the gate's check of required mounts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::harness::{
    self, run, EngineSpy, Images, LocalRegistry, Output, Sandbox, BASE_IMAGE, ENGINE26_HOST,
};

/// `docker-rbuild -H <engine 26.1> build --builder buildkit ARGS`.
fn rbuild26(command: &mut Command, args: &[&str]) -> Output {
    run(command
        .args(["-H", ENGINE26_HOST, "build", "--builder", "buildkit"])
        .args(args))
}

fn docker26(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox
        .command("docker")
        .args(["-H", ENGINE26_HOST])
        .args(args))
}

fn assert_success(out: &Output) {
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A marker unique to this test process, so that no step comes from an earlier run's cache.
fn marker(what: &str) -> String {
    format!("{what}-{}", std::process::id())
}

#[test]
fn file_and_env_secrets_reach_their_mounts_and_never_the_image() {
    harness::engine26();
    let sandbox = Sandbox::new();
    let mut images = Images::on_host("session", ENGINE26_HOST);
    let image = images.name("secrets", "1");
    let file_value = format!("file-secret-{}", marker("value"));
    let env_value = format!("env-secret-{}", marker("value"));
    sandbox.write("token.txt", &file_value);
    // The steps record only digests of what they read: the image may hold those. Secrets are
    // not part of BuildKit's cache keys: the marker keeps an earlier run's steps out.
    let marker = marker("secrets");
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {BASE_IMAGE}\n\
             RUN --mount=type=secret,id=token,required=true echo {marker} > /marker && sha256sum /run/secrets/token | cut -d' ' -f1 > /token.sum\n\
             RUN --mount=type=secret,id=API_KEY,target=/api-key,required=true sha256sum /api-key | cut -d' ' -f1 > /api-key.sum\n"
        ),
    );
    let out = rbuild26(
        sandbox.rbuild().env("API_KEY", &env_value),
        &[
            "--progress=rawjson",
            "--secret",
            "id=token,src=token.txt",
            "--secret",
            "id=API_KEY",
            "-t",
            &image,
            ".",
        ],
    );
    assert_success(&out);
    for value in [&file_value, &env_value] {
        assert!(
            !out.stdout.contains(value.as_str()),
            "a secret in the rawjson output"
        );
        assert!(!out.stderr.contains(value.as_str()), "a secret on stderr");
    }
    let sums = docker26(
        &sandbox,
        &["run", "--rm", &image, "cat", "/token.sum", "/api-key.sum"],
    );
    assert_success(&sums);
    assert_eq!(
        sums.stdout,
        format!(
            "{}\n{}\n",
            sha256_hex(file_value.as_bytes()),
            sha256_hex(env_value.as_bytes())
        )
    );
    // Not in the image's layers or configuration, not in its history, not in its metadata.
    let saved = sandbox.work().join("image.tar");
    assert_success(&docker26(
        &sandbox,
        &["save", "-o", saved.to_str().unwrap(), &image],
    ));
    let archive = std::fs::read(&saved).unwrap();
    let history = docker26(&sandbox, &["history", "--no-trunc", &image]);
    let inspect = docker26(&sandbox, &["image", "inspect", &image]);
    assert_success(&history);
    assert_success(&inspect);
    for value in [&file_value, &env_value] {
        assert!(
            !contains(&archive, value.as_bytes()),
            "a secret in the saved image"
        );
        assert!(
            !history.stdout.contains(value.as_str()),
            "a secret in the history"
        );
        assert!(
            !inspect.stdout.contains(value.as_str()),
            "a secret in the config"
        );
    }
    // The image holds every layer uncompressed: a value that were there would be found.
    assert!(contains(&archive, marker.as_bytes()));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn a_required_secret_not_given_stops_the_build_before_the_upload() {
    harness::engine();
    let spy = EngineSpy::start();
    let sandbox = Sandbox::new();
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {BASE_IMAGE}\n\
             RUN --mount=type=secret,id=npmrc,required=true cat /run/secrets/npmrc\n\
             RUN --mount=type=ssh,required=true true\n"
        ),
    );
    let given = sandbox.write("unused.txt", "x");
    let spec = format!("id=unused,src={}", given.display());
    let out = run(sandbox.rbuild().args([
        "-H",
        &spy.host,
        "build",
        "--builder",
        "buildkit",
        "--secret",
        &spec,
        ".",
    ]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("error[RB417]"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("requires the secret `npmrc`, and the build has no `--secret id=npmrc`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("requires the SSH agent `default`, and the build has no `--ssh default`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("warning: --secret id=unused is used by no RUN --mount=type=secret"),
        "{}",
        out.stderr
    );
    let requests = spy.requests();
    assert!(
        !requests
            .iter()
            .any(|line| line.contains("/build") || line.contains("/session")),
        "{requests:?}"
    );
    // `lint` knows no build flags: the same file is not an error there.
    let lint = run(sandbox.rbuild().args(["lint", "Dockerfile"]));
    assert!(!lint.stdout.contains("RB417"), "{lint:?}");
}

/// An `ssh-agent` of the test's own, on a socket in a temporary directory, holding a key
/// made for the test; killed on drop.
struct Agent {
    process: std::process::Child,
    socket: PathBuf,
    dir: tempfile::TempDir,
}

impl Agent {
    fn start(comment: &str) -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let process = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ssh-agent (tests/engine/ensure.sh installs openssh-client)");
        let agent = Agent {
            process,
            socket,
            dir,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !agent.socket.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "ssh-agent did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let key = agent.dir.path().join("id_ed25519");
        let keygen = run(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
            .arg(&key)
            .stdin(Stdio::null()));
        assert_eq!(keygen.code, 0, "{keygen:?}");
        let add = run(Command::new("ssh-add")
            .arg(&key)
            .env("SSH_AUTH_SOCK", &agent.socket)
            .stdin(Stdio::null()));
        assert_eq!(add.code, 0, "{add:?}");
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// `program` and the shared libraries it loads, copied under `dest` at their own paths: a
/// build step on the busybox base image can run it.
fn copy_with_libraries(program: &str, dest: &Path) {
    let ldd = run(Command::new("ldd").arg(program).stdin(Stdio::null()));
    assert_eq!(ldd.code, 0, "{ldd:?}");
    let libraries = ldd
        .stdout
        .split_whitespace()
        .filter(|word| word.starts_with('/'))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for file in std::iter::once(program.to_owned()).chain(libraries) {
        let target = dest.join(file.trim_start_matches('/'));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
}

#[test]
fn ssh_default_forwards_a_real_agent_that_lists_its_key() {
    harness::engine26();
    let sandbox = Sandbox::new();
    let comment = marker("rbuild-test-key");
    let agent = Agent::start(&comment);
    let ssh_add = run(Command::new("sh")
        .args(["-c", "command -v ssh-add"])
        .stdin(Stdio::null()));
    copy_with_libraries(ssh_add.stdout.trim(), &sandbox.work().join("tools"));
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {BASE_IMAGE}\n\
             COPY tools/ /\n\
             RUN --mount=type=ssh,required=true test -S \"$SSH_AUTH_SOCK\" && echo {} && ssh-add -l\n",
            marker("ssh")
        ),
    );
    let out = rbuild26(
        sandbox.rbuild().env("SSH_AUTH_SOCK", &agent.socket),
        &["--progress=plain", "--ssh", "default", "."],
    );
    assert_success(&out);
    let listed = out
        .stderr
        .lines()
        .find(|line| line.contains(&comment))
        .unwrap_or_else(|| panic!("ssh-add -l did not list the key:\n{}", out.stderr));
    assert!(listed.contains("(ED25519)"), "{listed}");

    // A key file instead of an agent: loaded into an agent of docker rbuild's own.
    let key = agent.dir.path().join("id_ed25519");
    let from_key = rbuild26(
        &mut sandbox.rbuild(),
        &[
            "--progress=plain",
            "--no-cache",
            "--ssh",
            &format!("default={}", key.display()),
            ".",
        ],
    );
    assert_success(&from_key);
    assert!(from_key.stderr.contains(&comment), "{}", from_key.stderr);

    // Without the agent the same build stops in the gate.
    let refused = rbuild26(&mut sandbox.rbuild(), &["--progress=plain", "."]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("error[RB417]"),
        "{}",
        refused.stderr
    );
}

/// Two stages: only the final one's files are exported.
fn two_stage_dockerfile(marker: &str) -> String {
    format!(
        "FROM {BASE_IMAGE} AS build\n\
         RUN mkdir /out && echo {marker} > /out/hello.txt && echo build-only > /build-only.txt\n\
         FROM scratch\n\
         COPY --from=build /out/hello.txt /app/hello.txt\n\
         COPY notes.txt /\n"
    )
}

#[test]
fn outputs_local_and_tar_hold_the_final_stage_files() {
    harness::engine26();
    let sandbox = Sandbox::new();
    let marker = marker("output");
    sandbox.write("Dockerfile", two_stage_dockerfile(&marker));
    sandbox.write("notes.txt", "notes\n");

    let local = rbuild26(
        &mut sandbox.rbuild(),
        &["--progress=plain", "--output", "type=local,dest=out", "."],
    );
    assert_success(&local);
    let out = sandbox.work().join("out");
    assert_eq!(
        std::fs::read_to_string(out.join("app/hello.txt")).unwrap(),
        format!("{marker}\n")
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "notes\n"
    );
    assert!(!out.join("build-only.txt").exists());

    let tar = rbuild26(
        &mut sandbox.rbuild(),
        &["-q", "--output", "type=tar,dest=image.tar", "."],
    );
    assert_success(&tar);
    assert_eq!(tar.stdout, "", "quiet export prints nothing");
    let listing = run(sandbox.command("tar").args(["-tf", "image.tar"]));
    assert_success(&listing);
    let mut entries: Vec<&str> = listing.stdout.lines().collect();
    entries.sort_unstable();
    assert_eq!(entries, ["app/", "app/hello.txt", "notes.txt"]);
    let hello = run(sandbox
        .command("tar")
        .args(["-xOf", "image.tar", "app/hello.txt"]));
    assert_eq!(hello.stdout, format!("{marker}\n"));

    // Hard and symbolic links arrive as links.
    sandbox.write(
        "links.Dockerfile",
        format!(
            "FROM {BASE_IMAGE}\n\
             RUN mkdir /x && echo {marker} > /x/a && ln /x/a /x/hard && ln -s a /x/soft\n"
        ),
    );
    let links = rbuild26(
        &mut sandbox.rbuild(),
        &["-q", "-f", "links.Dockerfile", "-o", "links", "."],
    );
    assert_success(&links);
    use std::os::unix::fs::MetadataExt as _;
    let x = sandbox.work().join("links/x");
    let (a, hard) = (
        std::fs::metadata(x.join("a")).unwrap(),
        std::fs::metadata(x.join("hard")).unwrap(),
    );
    assert_eq!((a.ino(), a.nlink()), (hard.ino(), 2));
    assert_eq!(
        std::fs::read_to_string(x.join("hard")).unwrap(),
        format!("{marker}\n")
    );
    assert_eq!(
        std::fs::read_link(x.join("soft")).unwrap(),
        PathBuf::from("a")
    );

    // `-o -`: the archive on stdout, byte for byte the same files.
    let mut stdout = sandbox.rbuild();
    stdout.args([
        "-H",
        ENGINE26_HOST,
        "build",
        "--builder",
        "buildkit",
        "-q",
        "-o",
        "-",
        ".",
    ]);
    let streamed = stdout.output().unwrap();
    assert!(streamed.status.success(), "{streamed:?}");
    let piped = harness::run_with_stdin(
        sandbox.command("tar").args(["-xOf", "-", "app/hello.txt"]),
        &streamed.stdout,
    );
    assert_eq!(piped.stdout, format!("{marker}\n"));
}

#[test]
fn push_sends_the_image_to_a_registry_that_needs_a_login_and_it_pulls_back() {
    harness::engine26();
    let registry = LocalRegistry::with_auth("pusher", "push-password");
    let sandbox = Sandbox::new();
    let mut images = Images::on_host("session", ENGINE26_HOST);
    let config_dir = sandbox.docker_config();
    std::fs::create_dir_all(&config_dir).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode("pusher:push-password");
    std::fs::write(
        config_dir.join("config.json"),
        format!(
            r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#,
            registry.address
        ),
    )
    .unwrap();
    let marker = marker("push");
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN echo {marker} > /pushed\n"),
    );
    let reference = format!(
        "{}/rbuild-test/pushed:{}",
        registry.address,
        std::process::id()
    );
    images.track(&reference);
    let out = rbuild26(
        sandbox.rbuild().env("DOCKER_CONFIG", &config_dir),
        &["--progress=plain", "--push", "-t", &reference, "."],
    );
    assert_success(&out);
    assert!(
        out.stderr.contains(&format!("pushed {reference} (sha256:")),
        "{}",
        out.stderr
    );

    // Gone from the engine, then pulled back from the registry with the same login.
    assert_success(&docker26(&sandbox, &["rmi", &reference]));
    let pulled = run(sandbox
        .command("docker")
        .args(["--config"])
        .arg(&config_dir)
        .args(["-H", ENGINE26_HOST, "pull", &reference]));
    assert_success(&pulled);
    let ran = docker26(&sandbox, &["run", "--rm", &reference, "cat", "/pushed"]);
    assert_eq!(ran.stdout, format!("{marker}\n"), "{ran:?}");

    // Without the login the registry refuses the push: one error line, exit 1.
    let anonymous = rbuild26(
        &mut sandbox.rbuild(),
        &["--progress=quiet", "--push", "-t", &reference, "."],
    );
    assert_eq!(anonymous.code, 1, "{anonymous:?}");
    assert!(
        anonymous
            .stderr
            .contains(&format!("cannot push {}", reference)),
        "{}",
        anonymous.stderr
    );
}

#[test]
fn session_flags_with_the_classic_builder_are_input_errors_naming_buildkit() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", format!("FROM {BASE_IMAGE}\n"));
    let cases: [(&[&str], &str); 4] = [
        (&["--secret", "id=x"], "--secret"),
        (&["--ssh", "default"], "--ssh"),
        (&["-o", "out"], "--output"),
        (&["--push", "-t", "x"], "--push"),
    ];
    for (flag, name) in cases {
        let out = run(sandbox
            .rbuild()
            .args(["build", "--builder", "classic"])
            .args(flag)
            .arg("."));
        assert_eq!(out.code, 2, "{flag:?}: {out:?}");
        assert_eq!(
            out.stderr.trim(),
            format!(
                "error: {name} needs BuildKit, and --builder=classic chose the classic builder"
            ),
            "{flag:?}"
        );
    }
}
