//! The second test engine (`tests/engine/ensure-engine26.sh`): Docker 26.1 with BuildKit,
//! running beside the first engine without disturbing it.

use crate::harness::{self, run, Output, Sandbox};

/// `docker -H <host> ...` with the sandbox's clean environment.
fn docker_at(sandbox: &Sandbox, host: &str, args: &[&str]) -> Output {
    run(sandbox.docker().arg("-H").arg(host).args(args))
}

fn server_version(sandbox: &Sandbox, host: &str) -> String {
    let out = docker_at(
        sandbox,
        host,
        &["version", "--format", "{{.Server.Version}}"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout.trim().to_owned()
}

#[test]
fn engine26_is_docker_26_1_and_announces_buildkit() {
    harness::engine26();
    let sandbox = Sandbox::new();
    let version = server_version(&sandbox, harness::ENGINE26_HOST);
    assert!(version.starts_with("26.1."), "server version {version}");

    // The header `--builder auto` reads, as the docker CLI does.
    let socket = harness::ENGINE26_HOST.trim_start_matches("unix://");
    let ping = run(sandbox.command("curl").args([
        "--silent",
        "--show-error",
        "--include",
        "--unix-socket",
        socket,
        "http://localhost/_ping",
    ]));
    assert_eq!(ping.code, 0, "{ping:?}");
    let builder_version = ping
        .stdout
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("Builder-Version")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no Builder-Version header in {ping:?}"));
    assert_eq!(builder_version, "2", "{ping:?}");

    // The plugin reaches it too.
    let out = run(sandbox
        .rbuild()
        .args(["-H", harness::ENGINE26_HOST, "version"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(&version), "{out:?}");
}

/// Both engines run containers from the base image side by side: the second one's bridge,
/// roots and containerd leave the first one's alone.
#[test]
fn engine26_runs_containers_beside_the_first_engine() {
    harness::engine();
    harness::engine26();
    let sandbox = Sandbox::new();
    for host in [harness::ENGINE_HOST, harness::ENGINE26_HOST] {
        let out = docker_at(
            &sandbox,
            host,
            &["run", "--rm", harness::BASE_IMAGE, "echo", "ok"],
        );
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, "ok\n"),
            "{host}: {out:?}"
        );
    }
}

/// `tests/engine/ensure-engine26.sh` runs before every test process that needs the engine:
/// when it is up it changes nothing and is quick.
#[test]
fn engine26_script_is_a_quick_no_op_when_all_is_there() {
    harness::engine26();
    let sandbox = Sandbox::new();
    let started = std::time::Instant::now();
    let out = run(sandbox
        .command("bash")
        .arg(harness::workspace_root().join("tests/engine/ensure-engine26.sh")));
    let elapsed = started.elapsed();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        format!(
            "engine26: ready: Docker {} at {} with {}",
            server_version(&sandbox, harness::ENGINE26_HOST),
            harness::ENGINE26_HOST,
            harness::BASE_IMAGE
        ),
        "{out:?}"
    );
    assert!(out.stdout.is_empty(), "{out:?}");
    // About 0.25 s here; the bound leaves room for a loaded CI machine.
    assert!(elapsed.as_secs_f64() < 5.0, "took {elapsed:?}");
}
