//! The plugin as the real `docker` CLI sees it, installed by `install.sh` into a temporary
//! `DOCKER_CONFIG`: listing, handshake, running it, help, reinstalling and uninstalling.

use std::os::unix::fs::PermissionsExt;

use crate::harness::{self, run, Sandbox};

/// The plugin's own handshake answer, read from the built binary.
fn metadata(sandbox: &Sandbox) -> serde_json::Value {
    let out = run(sandbox.rbuild().arg("docker-cli-plugin-metadata"));
    assert_eq!(out.code, 0, "{out:?}");
    serde_json::from_str(&out.stdout).expect("metadata is JSON")
}

/// The `docker --help` line that lists the plugin, if any (`  rbuild*   <description>`).
fn help_listing(sandbox: &Sandbox) -> Option<String> {
    let out = run(sandbox.docker().arg("--help"));
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
        .lines()
        .find(|line| line.trim_start().starts_with("rbuild"))
        .map(str::to_owned)
}

#[test]
fn install_script_installs_a_plugin_the_docker_cli_lists() {
    let sandbox = Sandbox::new();
    let out = run(sandbox
        .install_script()
        .args(["--binary", env!("CARGO_BIN_EXE_docker-rbuild")]));
    assert_eq!(out.code, 0, "{out:?}");
    let installed = sandbox.docker_config().join("cli-plugins/docker-rbuild");
    assert!(
        out.stdout.contains(&format!(
            "installed docker-rbuild into {}",
            installed.display()
        )),
        "{out:?}"
    );
    // The script checks the result through the docker CLI it finds on PATH.
    assert!(
        out.stdout.contains(env!("CARGO_PKG_VERSION")),
        "no `docker rbuild version --client` output: {out:?}"
    );
    let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);

    let description = metadata(&sandbox)["ShortDescription"]
        .as_str()
        .unwrap()
        .to_owned();
    let listing = help_listing(&sandbox).expect("`docker --help` lists rbuild");
    assert!(listing.contains(&description), "{listing}");
}

#[test]
fn docker_cli_accepts_the_plugin_handshake() {
    let sandbox = Sandbox::new();
    let installed = sandbox.install_plugin();
    // Only client information is asked for, so the CLI answers without a daemon; it runs
    // `docker-rbuild docker-cli-plugin-metadata` and reports what it made of it.
    let out = run(sandbox
        .docker()
        .args(["info", "--format", "{{json .ClientInfo.Plugins}}"]));
    assert_eq!(out.code, 0, "{out:?}");
    let plugins: Vec<serde_json::Value> = serde_json::from_str(out.stdout.trim()).unwrap();
    let plugin = plugins
        .iter()
        .find(|plugin| plugin["Name"] == "rbuild")
        .unwrap_or_else(|| panic!("rbuild not among the CLI's plugins: {}", out.stdout));
    assert!(
        plugin.get("Err").is_none(),
        "the CLI rejected the plugin: {plugin}"
    );
    assert_eq!(plugin["Path"], installed.to_str().unwrap());
    assert_eq!(plugin["SchemaVersion"], "0.1.0");
    assert_eq!(plugin["Version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(plugin["Vendor"], metadata(&sandbox)["Vendor"]);
}

#[test]
fn version_client_runs_through_the_docker_cli() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    let through_cli = run(sandbox.docker().args(["rbuild", "version", "--client"]));
    assert_eq!(through_cli.code, 0, "{through_cli:?}");
    assert!(
        through_cli.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{through_cli:?}"
    );
    let standalone = run(sandbox.rbuild().args(["version", "--client"]));
    assert_eq!(through_cli.stdout, standalone.stdout);
}

#[test]
fn docker_help_rbuild_shows_the_plugin_help() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    for args in [&["help", "rbuild"][..], &["rbuild", "--help"]] {
        let out = run(sandbox.docker().args(args));
        assert_eq!(out.code, 0, "docker {args:?}: {out:?}");
        assert!(
            out.stdout.contains("Usage: docker rbuild"),
            "docker {args:?}: {out:?}"
        );
        for subcommand in ["build", "lint", "version"] {
            assert!(
                out.stdout.contains(subcommand),
                "docker {args:?} does not mention {subcommand}: {out:?}"
            );
        }
    }
}

#[test]
fn installing_twice_is_fine() {
    let sandbox = Sandbox::new();
    let installed = sandbox.install_plugin();
    let first = std::fs::read(&installed).unwrap();
    sandbox.install_plugin();
    assert_eq!(std::fs::read(&installed).unwrap(), first);
    // Nothing but the plugin is left behind in the plugin directory.
    let entries: Vec<_> = std::fs::read_dir(installed.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["docker-rbuild"]);
    let out = run(sandbox.docker().args(["rbuild", "version", "--client"]));
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn uninstall_removes_the_plugin_from_the_docker_cli() {
    let sandbox = Sandbox::new();
    let installed = sandbox.install_plugin();
    assert!(help_listing(&sandbox).is_some());

    let out = run(sandbox.install_script().arg("--uninstall"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("removed {}", installed.display())),
        "{out:?}"
    );
    assert!(!installed.exists());
    assert_eq!(help_listing(&sandbox), None);
    let out = run(sandbox.docker().args(["rbuild", "version"]));
    assert_ne!(out.code, 0, "{out:?}");
    // "unknown command: docker rbuild" (CLI 28) or "'rbuild' is not a docker command" (older).
    assert!(
        out.stderr.contains("rbuild")
            && (out.stderr.contains("unknown command")
                || out.stderr.contains("not a docker command")),
        "{out:?}"
    );

    // Uninstalling what is not there is not an error.
    let out = run(sandbox.install_script().arg("--uninstall"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("not installed"), "{out:?}");
}

#[test]
fn install_script_rejects_bad_arguments() {
    let sandbox = Sandbox::new();
    let help = run(sandbox.install_script().arg("--help"));
    assert_eq!(help.code, 0, "{help:?}");
    assert!(help.stdout.starts_with("Usage: ./install.sh"), "{help:?}");

    let not_a_plugin = sandbox.write("not-a-plugin", "#!/bin/sh\necho hello\n");
    std::fs::set_permissions(&not_a_plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--no-such-flag"], "unknown argument: --no-such-flag"),
        (&["--binary"], "--binary needs a path"),
        (
            &["--binary", "missing"],
            "--binary missing: not an executable file",
        ),
        (
            &["--binary", "not-a-plugin"],
            "does not answer the Docker CLI plugin handshake",
        ),
    ];
    for (args, message) in cases {
        let out = run(sandbox.install_script().args(args));
        assert_eq!(out.code, 2, "install.sh {args:?}: {out:?}");
        assert!(out.stderr.contains(message), "install.sh {args:?}: {out:?}");
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "install.sh {args:?}: {out:?}"
        );
    }
    assert!(!sandbox.docker_config().exists());
}

/// The README's first command, `./install.sh --with-engine && docker rbuild -t leon/hello
/// examples/hello && docker run --rm leon/hello`, with the built binary and a tag of our own.
#[test]
fn readme_first_command_builds_and_runs_examples_hello() {
    harness::engine();
    let sandbox = Sandbox::new();
    let tag = format!("rbuild-test-dockercli/hello:{}", std::process::id());
    let install = run(sandbox.install_script().args([
        "--binary",
        env!("CARGO_BIN_EXE_docker-rbuild"),
        "--with-engine",
    ]));
    let build = run(sandbox
        .docker()
        .args(["rbuild", "-t", &tag])
        .arg(harness::workspace_root().join("examples/hello")));
    let image_run = run(sandbox.docker().args(["run", "--rm", &tag]));
    // Clean up before asserting, so a failure leaves no image behind.
    run(sandbox.docker().args(["rmi", "--force", &tag]));

    assert_eq!(install.code, 0, "{install:?}");
    assert_eq!(build.code, 0, "{build:?}");
    assert_eq!(image_run.code, 0, "{image_run:?}");
    assert_eq!(image_run.stdout, "Hello from docker rbuild!\n");
}

/// `tests/engine/ensure.sh` runs before every test process: when the engine and the base image
/// are there it changes nothing and is quick.
#[test]
fn engine_script_is_a_quick_no_op_when_all_is_there() {
    harness::engine();
    let sandbox = Sandbox::new();
    let started = std::time::Instant::now();
    let out = run(sandbox
        .command("bash")
        .arg(harness::workspace_root().join("tests/engine/ensure.sh")));
    let elapsed = started.elapsed();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        format!(
            "engine: ready: Docker {} at {} with {}",
            engine_version(&sandbox),
            harness::ENGINE_HOST,
            harness::BASE_IMAGE
        ),
        "{out:?}"
    );
    assert!(out.stdout.is_empty(), "{out:?}");
    // About 0.2 s here; the bound leaves room for a loaded CI machine.
    assert!(elapsed.as_secs_f64() < 5.0, "took {elapsed:?}");
}

/// The version of the engine the tests use, as the docker CLI reports it.
fn engine_version(sandbox: &Sandbox) -> String {
    let out = run(sandbox.docker().args([
        "-H",
        harness::ENGINE_HOST,
        "version",
        "--format",
        "{{.Server.Version}}",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout.trim().to_owned()
}
