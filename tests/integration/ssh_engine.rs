//! Engines at `ssh://` addresses, through a real sshd on loopback: the real docker CLI runs the
//! plugin with `DOCKER_HOST=ssh://...` or an ssh context, the plugin runs the system `ssh` with
//! the user's own `~/.ssh/config`, and `docker system dial-stdio` on the "remote" side (this
//! machine, logged in as root) reaches the engines.

use std::path::Path;
use std::process::Command;

use crate::build::{interrupt_long_run, Signalled};
use crate::harness::{
    self, generate_ssh_key, run, Images, Output, Sandbox, SshServer, BASE_IMAGE, ENGINE26_HOST,
    ENGINE_HOST,
};

/// Sets up the sandbox user's ssh the way a user would: `key` as `~/.ssh/id_ed25519`, the
/// server's host key in `~/.ssh/known_hosts`, and a `~/.ssh/config` that insists on both.
fn ssh_user(sandbox: &Sandbox, server: &SshServer, key: &Path) {
    let ssh_dir = sandbox.home().join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    std::fs::copy(key, ssh_dir.join("id_ed25519")).unwrap();
    std::fs::write(
        ssh_dir.join("known_hosts"),
        format!("{}\n", server.known_hosts_line()),
    )
    .unwrap();
    std::fs::write(
        ssh_dir.join("config"),
        "Host 127.0.0.1\n  IdentityFile ~/.ssh/id_ed25519\n  IdentitiesOnly yes\n  \
         UserKnownHostsFile ~/.ssh/known_hosts\n  StrictHostKeyChecking yes\n",
    )
    .unwrap();
}

/// The real docker CLI, with the plugin installed, run as the sandbox's ssh user.
fn docker(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = sandbox.docker();
    command.args(args).envs(env.iter().copied());
    run(&mut sandbox.with_ssh_home(&command))
}

/// `docker image inspect` on the engine at `host`, straight through its socket.
fn image_id(sandbox: &Sandbox, host: &str, image: &str) -> Output {
    run(sandbox
        .command("docker")
        .args(["-H", host, "image", "inspect", "--format", "{{.Id}}", image]))
}

fn dockerfile(sandbox: &Sandbox, marker: &str) {
    sandbox.write(
        "Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN echo {marker} > /marker\nCMD [\"cat\", \"/marker\"]\n"),
    );
}

#[test]
fn docker_host_over_ssh_builds_on_the_remote_engine() {
    let server = SshServer::start();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    ssh_user(&sandbox, &server, &server.client_key());
    dockerfile(&sandbox, "over-ssh");
    let mut images = Images::new("ssh");
    let tag = images.name("built", "1");
    let host = server.docker_host("");
    let out = docker(
        &sandbox,
        &["rbuild", "--progress=plain", "-t", &tag, "."],
        &[("DOCKER_HOST", &host)],
    );
    assert_eq!(out.code, 0, "{out:?}\nsshd: {}", server.log());
    // The 20.10 engine builds with the classic builder.
    assert!(
        out.stderr.contains("Step 2/3 : RUN echo over-ssh"),
        "{out:?}"
    );
    let inspected = image_id(&sandbox, ENGINE_HOST, &tag);
    assert_eq!(inspected.code, 0, "not on the engine: {inspected:?}");

    let version = docker(
        &sandbox,
        &["-H", &host, "rbuild", "version", "--format", "json"],
        &[],
    );
    assert_eq!(version.code, 0, "{version:?}");
    let json: serde_json::Value = serde_json::from_str(&version.stdout).unwrap();
    assert_eq!(json["Client"]["Endpoint"]["Host"], host);
    assert_eq!(json["Client"]["Endpoint"]["Source"], "from -H");
}

#[test]
fn ssh_context_with_a_socket_path_builds_with_buildkit() {
    harness::engine26();
    let server = SshServer::start();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    ssh_user(&sandbox, &server, &server.client_key());
    dockerfile(&sandbox, "over-ssh-buildkit");
    // The path names the engine's socket on the remote host: the 26.1 engine.
    let host = server.docker_host(ENGINE26_HOST.trim_start_matches("unix://"));
    let created = run(sandbox.docker().args([
        "context",
        "create",
        "remote",
        "--docker",
        &format!("host={host}"),
    ]));
    assert_eq!(created.code, 0, "{created:?}");
    let mut images = Images::on_host("ssh", ENGINE26_HOST);
    let tag = images.name("buildkit", "1");
    let out = docker(
        &sandbox,
        &[
            "--context",
            "remote",
            "rbuild",
            "--progress=plain",
            "-t",
            &tag,
            ".",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}\nsshd: {}", server.log());
    // BuildKit's step names: the engine's builder was asked over ssh, and the build and its
    // session went over ssh.
    for expected in [
        "] FROM docker.io/rbuild-test/busybox:static",
        "] RUN echo over-ssh-buildkit",
    ] {
        assert!(out.stderr.contains(expected), "{expected}: {out:?}");
    }
    let inspected = image_id(&sandbox, ENGINE26_HOST, &tag);
    assert_eq!(inspected.code, 0, "not on the 26.1 engine: {inspected:?}");
}

#[test]
fn the_lint_gate_checks_images_over_ssh() {
    let server = SshServer::start();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    ssh_user(&sandbox, &server, &server.client_key());
    // A typo of the engine's local image: only its image list can suggest the right name.
    sandbox.write(
        "Dockerfile",
        "FROM rbuild-test/busybx:static\nRUN echo never\n",
    );
    let host = server.docker_host("");
    let out = docker(
        &sandbox,
        &["rbuild", "--progress=plain", "--lint=error", "."],
        &[("DOCKER_HOST", &host)],
    );
    assert_eq!(out.code, 1, "{out:?}");
    for expected in [
        "error[RB106]: base image `rbuild-test/busybx:static` is not in the daemon",
        "did you mean `rbuild-test/busybox:static`?",
        "nothing was sent to the daemon",
    ] {
        assert!(out.stderr.contains(expected), "{expected}: {out:?}");
    }
}

/// Asserts one `error:` line naming the endpoint, the ssh command and ssh's own reason.
fn assert_ssh_error(out: &Output, host: &str, reason: &str) {
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line: {out:?}");
    let expected_start = format!(
        "error: cannot connect to the Docker daemon at {host} (from DOCKER_HOST): `ssh -l root -p "
    );
    assert!(lines[0].starts_with(&expected_start), "{out:?}");
    assert!(
        lines[0].contains("-- 127.0.0.1 'docker system dial-stdio'` exited with status 255: "),
        "{out:?}"
    );
    assert!(lines[0].ends_with(reason), "{out:?}");
}

#[test]
fn ssh_failures_are_one_clear_error() {
    let server = SshServer::start();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    sandbox.write("Dockerfile", format!("FROM {BASE_IMAGE}\n"));
    let host = server.docker_host("");
    let build = |sandbox: &Sandbox| {
        docker(
            sandbox,
            &["rbuild", "-t", "rbuild-test-ssh-never:1", "."],
            &[("DOCKER_HOST", &host)],
        )
    };

    // A key the server does not know.
    let wrong_key = generate_ssh_key(&sandbox.work().join("wrong_key"));
    ssh_user(&sandbox, &server, &wrong_key);
    assert_ssh_error(
        &build(&sandbox),
        &host,
        "root@127.0.0.1: Permission denied (publickey).",
    );

    // The right key, but a host key the user never accepted: ssh has no terminal to ask on.
    ssh_user(&sandbox, &server, &server.client_key());
    std::fs::write(sandbox.home().join(".ssh/known_hosts"), "").unwrap();
    assert_ssh_error(&build(&sandbox), &host, "Host key verification failed.");

    // Nothing listens there.
    std::fs::write(
        sandbox.home().join(".ssh/known_hosts"),
        format!("{}\n", server.known_hosts_line()),
    )
    .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let closed_host = format!("ssh://root@127.0.0.1:{closed}");
    let out = docker(
        &sandbox,
        &["rbuild", "version"],
        &[("DOCKER_HOST", &closed_host)],
    );
    assert_ssh_error(
        &out,
        &closed_host,
        &format!("ssh: connect to host 127.0.0.1 port {closed}: Connection refused"),
    );
}

#[test]
fn no_ssh_client_is_one_clear_error() {
    let sandbox = Sandbox::new();
    let out = run(sandbox
        .rbuild()
        .env("PATH", sandbox.work())
        .env("DOCKER_HOST", "ssh://me@build-host")
        .arg("version"));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: cannot connect to the Docker daemon at ssh://me@build-host (from DOCKER_HOST): \
         no `ssh` on PATH (install OpenSSH's client)\n"
    );
}

#[test]
fn a_missing_remote_socket_is_the_remote_dockers_error() {
    let server = SshServer::start();
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    ssh_user(&sandbox, &server, &server.client_key());
    let host = server.docker_host("/run/rbuild-test-no-such.sock");
    let mut command: Command = sandbox.docker();
    command.args(["-H", &host, "rbuild", "version"]);
    let out = run(&mut sandbox.with_ssh_home(&command));
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line: {out:?}");
    assert!(
        lines[0].contains(
            "'docker --host=unix:///run/rbuild-test-no-such.sock system dial-stdio'` exited with status 1: "
        ),
        "{out:?}"
    );
    assert!(
        lines[0].ends_with(
            "dial unix /run/rbuild-test-no-such.sock: connect: no such file or directory"
        ),
        "{out:?}"
    );
}

#[test]
fn ctrl_c_stops_a_build_over_ssh_and_removes_its_container() {
    let server = SshServer::start();
    let sandbox = Sandbox::new();
    ssh_user(&sandbox, &server, &server.client_key());
    let mut command = sandbox.rbuild();
    command.env("DOCKER_HOST", server.docker_host(""));
    // The whole group is signalled, ssh included unless it runs in a session of its own: the
    // build stops all the same and its container is removed over ssh.
    let transcript = interrupt_long_run(
        &sandbox,
        sandbox.with_ssh_home(&command),
        "INT",
        Signalled::Group,
    );
    assert!(
        transcript.contains("error: build stopped by SIGINT: interrupted"),
        "{transcript}"
    );
}
