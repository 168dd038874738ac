//! Integration tests: endpoint resolution against temporary `DOCKER_CONFIG` directories whose
//! contexts the real docker CLI creates, global flags passed through the docker CLI, an
//! unreachable daemon, and TLS through a socat listener in front of the real engine.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{self, run, Output, Sandbox, ENGINE_HOST};

/// `docker-rbuild` in the sandbox with its `DOCKER_CONFIG`.
fn rbuild(sandbox: &Sandbox) -> Command {
    let mut command = sandbox.rbuild();
    command.env("DOCKER_CONFIG", sandbox.docker_config());
    command
}

/// Runs the real docker CLI in the sandbox and insists it succeeds.
fn docker_ok(sandbox: &Sandbox, args: &[&str]) {
    let out = run(sandbox.docker().args(args));
    assert_eq!(out.code, 0, "docker {args:?}: {out:?}");
}

/// Creates a context with the real docker CLI (`--docker host=...,ca=...`).
fn create_context(sandbox: &Sandbox, name: &str, docker_endpoint: &str) {
    docker_ok(
        sandbox,
        &["context", "create", name, "--docker", docker_endpoint],
    );
}

/// Makes the built binary a plugin of the sandbox's docker CLI.
fn link_plugin(sandbox: &Sandbox) {
    let plugins = sandbox.docker_config().join("cli-plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_docker-rbuild"),
        plugins.join("docker-rbuild"),
    )
    .unwrap();
}

/// Asserts a failure with exit `code` and exactly one `error: ...` line containing `needle`.
fn assert_one_line_error(out: &Output, code: i32, needle: &str) {
    assert_eq!(out.code, code, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line: {out:?}");
    assert!(lines[0].starts_with("error: "), "{out:?}");
    assert!(lines[0].contains(needle), "expected {needle:?} in: {out:?}");
}

/// Asserts `version` reached the real engine through `endpoint` (address and how it was chosen).
fn assert_version_ok(out: &Output, endpoint: &str) {
    assert_eq!(out.code, 0, "{out:?}");
    let endpoint_line = format!("\n Endpoint:     {endpoint}\n");
    assert!(out.stdout.contains(&endpoint_line), "{out:?}");
    assert!(out.stdout.contains("Server:\n Engine:"), "{out:?}");
    assert!(out.stdout.contains(" API version:  1."), "{out:?}");
}

/// The message a missing unix socket gives: `unix://PATH (SOURCE): No such file or directory`.
fn missing_socket(path: &Path, source: &str) -> String {
    format!(
        "cannot connect to the Docker daemon at unix://{} ({source}): No such file or directory",
        path.display()
    )
}

#[test]
fn every_precedence_step() {
    let sandbox = Sandbox::new();
    // Every layer names its own (missing) socket, so the error says which layer won.
    let socket = |name: &str| sandbox.work().join(format!("{name}.sock"));
    for name in ["flag-ctx", "env-ctx", "current-ctx"] {
        create_context(
            &sandbox,
            name,
            &format!("host=unix://{}", socket(name).display()),
        );
    }
    docker_ok(&sandbox, &["context", "use", "current-ctx"]);
    let config_json = sandbox.docker_config().join("config.json");
    let host_flag = format!("unix://{}", socket("host-flag").display());
    let host_env = format!("unix://{}", socket("host-env").display());

    // (arguments, DOCKER_HOST, DOCKER_CONTEXT) -> the socket that wins, and its source.
    let flag_context = "context \"flag-ctx\" from --context";
    let env_context = "context \"env-ctx\" from DOCKER_CONTEXT";
    let cases: [(&[&str], &str, &str, &str, &str); 4] = [
        (
            &["--context", "flag-ctx", "version"],
            &host_env,
            "env-ctx",
            "flag-ctx",
            flag_context,
        ),
        (
            &["-H", &host_flag, "version"],
            &host_env,
            "env-ctx",
            "host-flag",
            "from -H",
        ),
        (
            &["version"],
            &host_env,
            "env-ctx",
            "host-env",
            "from DOCKER_HOST",
        ),
        (&["version"], "", "env-ctx", "env-ctx", env_context),
    ];
    for (args, docker_host, docker_context, winner, source) in cases {
        let mut command = rbuild(&sandbox);
        command
            .args(args)
            .env("DOCKER_HOST", docker_host)
            .env("DOCKER_CONTEXT", docker_context);
        assert_one_line_error(
            &run(&mut command),
            1,
            &missing_socket(&socket(winner), source),
        );
    }

    let current_source = format!(
        "context \"current-ctx\" from currentContext in {}",
        config_json.display()
    );
    assert_one_line_error(
        &run(rbuild(&sandbox).arg("version")),
        1,
        &missing_socket(&socket("current-ctx"), &current_source),
    );

    // `--config DIR` is the configuration directory too, whatever DOCKER_CONFIG says.
    let mut config_flag = sandbox.rbuild();
    config_flag
        .arg("--config")
        .arg(sandbox.docker_config())
        .arg("version")
        .env("DOCKER_CONFIG", sandbox.home());
    assert_one_line_error(
        &run(&mut config_flag),
        1,
        &missing_socket(&socket("current-ctx"), &current_source),
    );
}

#[test]
fn default_socket_when_nothing_is_configured() {
    harness::engine();
    let sandbox = Sandbox::new();
    let out = run(rbuild(&sandbox).arg("version"));
    assert_version_ok(&out, &format!("{ENGINE_HOST} (default)"));
}

#[test]
fn context_default_means_the_default_endpoint() {
    harness::engine();
    let sandbox = Sandbox::new();
    create_context(&sandbox, "elsewhere", "host=unix:///nonexistent.sock");
    docker_ok(&sandbox, &["context", "use", "elsewhere"]);
    let out = run(rbuild(&sandbox).args(["--context", "default", "version"]));
    assert_version_ok(
        &out,
        &format!("{ENGINE_HOST} (context \"default\" from --context)"),
    );
}

#[test]
fn version_reports_engine_and_api_versions() {
    harness::engine();
    let sandbox = Sandbox::new();
    let out = run(rbuild(&sandbox).args(["-H", ENGINE_HOST, "version", "--format", "json"]));
    assert_eq!(out.code, 0, "{out:?}");
    let ours: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let engine =
        run(sandbox
            .docker()
            .args(["-H", ENGINE_HOST, "version", "--format", "{{json .Server}}"]));
    assert_eq!(engine.code, 0, "{engine:?}");
    let engine: serde_json::Value = serde_json::from_str(&engine.stdout).unwrap();
    assert_eq!(ours["Server"]["Version"], engine["Version"]);
    assert_eq!(ours["Server"]["ApiVersion"], engine["ApiVersion"]);
    assert_eq!(ours["Client"]["Version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(ours["Client"]["Endpoint"]["Host"], ENGINE_HOST);
    assert_eq!(ours["Client"]["Endpoint"]["Source"], "from -H");
    // The daemon's API version or older: bollard's newer default was negotiated down.
    let negotiated = ours["Client"]["ApiVersion"].as_str().unwrap().to_owned();
    assert_eq!(negotiated, engine["ApiVersion"].as_str().unwrap());
}

#[test]
fn client_version_needs_no_daemon_and_no_config() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.docker_config()).unwrap();
    std::fs::write(sandbox.docker_config().join("config.json"), "not JSON").unwrap();
    let out = run(rbuild(&sandbox)
        .args(["-H", "unix:///nonexistent.sock", "version", "--client"])
        .env("DOCKER_CONTEXT", "missing"));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        format!("Client:\n Version:      {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn no_daemon_on_tcp_is_a_clear_error() {
    let sandbox = Sandbox::new();
    let port = free_port();
    let out = run(rbuild(&sandbox)
        .arg("version")
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}")));
    assert_one_line_error(
        &out,
        1,
        &format!(
            "cannot connect to the Docker daemon at tcp://127.0.0.1:{port} (from DOCKER_HOST): Connection refused"
        ),
    );
}

#[test]
fn unknown_context_is_an_input_error() {
    let sandbox = Sandbox::new();
    let out = run(rbuild(&sandbox).args(["--context", "nope", "version"]));
    assert_one_line_error(&out, 2, "unknown context \"nope\" (from --context): ");
    assert!(out.stderr.contains("/contexts/meta/"), "{out:?}");
}

#[test]
fn unreadable_meta_json_is_an_input_error() {
    let sandbox = Sandbox::new();
    create_context(&sandbox, "broken", "host=unix:///nonexistent.sock");
    let meta_dirs: Vec<PathBuf> = std::fs::read_dir(sandbox.docker_config().join("contexts/meta"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(meta_dirs.len(), 1, "{meta_dirs:?}");
    let meta_json = meta_dirs[0].join("meta.json");
    std::fs::write(&meta_json, "{\"Endpoints\": [").unwrap();
    let out = run(rbuild(&sandbox).args(["--context", "broken", "version"]));
    assert_one_line_error(
        &out,
        2,
        &format!("invalid context \"broken\" at {}: ", meta_json.display()),
    );
}

#[test]
fn unsupported_hosts_are_input_errors() {
    let sandbox = Sandbox::new();
    for (host, reason) in [
        (
            "ssh://me:secret@example.com",
            "invalid ssh URL: plain-text password is not supported",
        ),
        (
            "npipe:////./pipe/docker_engine",
            "npipe:// is a Windows named pipe",
        ),
    ] {
        let out = run(rbuild(&sandbox).args(["-H", host, "version"]));
        assert_one_line_error(
            &out,
            2,
            &format!("invalid Docker host {host:?} (from -H): {reason}"),
        );
    }
}

#[test]
fn docker_cli_passes_the_host_flag() {
    let sandbox = Sandbox::new();
    link_plugin(&sandbox);
    let out = run(sandbox
        .docker()
        .args(["-H", "unix:///wrong.sock", "rbuild", "version"]));
    assert_one_line_error(
        &out,
        1,
        "cannot connect to the Docker daemon at unix:///wrong.sock (from -H): No such file or directory",
    );
}

#[test]
fn docker_cli_passes_the_context_flag() {
    harness::engine();
    let sandbox = Sandbox::new();
    link_plugin(&sandbox);
    create_context(&sandbox, "engine", &format!("host={ENGINE_HOST}"));
    let missing = sandbox.work().join("missing.sock");
    create_context(
        &sandbox,
        "missing",
        &format!("host=unix://{}", missing.display()),
    );

    let out = run(sandbox
        .docker()
        .args(["--context", "engine", "rbuild", "version"]));
    assert_version_ok(
        &out,
        &format!("{ENGINE_HOST} (context \"engine\" from --context)"),
    );

    let out = run(sandbox
        .docker()
        .args(["--context=missing", "rbuild", "version"]));
    assert_one_line_error(
        &out,
        1,
        &missing_socket(&missing, "context \"missing\" from --context"),
    );
}

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Runs `openssl` with `args` in `dir` and insists it succeeds.
fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A certificate authority in `dir/<name>/`: `ca.pem` and `ca-key.pem`.
fn make_ca(dir: &Path, name: &str) -> PathBuf {
    let ca_dir = dir.join(name);
    std::fs::create_dir_all(&ca_dir).unwrap();
    openssl(
        &ca_dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca-key.pem",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            &format!("/CN=rbuild-test-{name}"),
        ],
    );
    ca_dir
}

/// Issues `<prefix>-cert.pem` and `<prefix>-key.pem` in `ca_dir`, signed by its CA.
fn issue(ca_dir: &Path, prefix: &str, extensions: &str) {
    let key = format!("{prefix}-key.pem");
    let csr = format!("{prefix}.csr");
    let cert = format!("{prefix}-cert.pem");
    let ext_file = format!("{prefix}.ext");
    std::fs::write(ca_dir.join(&ext_file), extensions).unwrap();
    openssl(
        ca_dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &format!("/CN={prefix}"),
        ],
    );
    openssl(
        ca_dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            &ext_file,
        ],
    );
}

/// A directory laid out as `DOCKER_CERT_PATH` wants it: `ca.pem`, `cert.pem`, `key.pem`.
fn cert_path(dir: &Path, ca_dir: &Path, client_prefix: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(ca_dir.join("ca.pem"), dir.join("ca.pem")).unwrap();
    std::fs::copy(
        ca_dir.join(format!("{client_prefix}-cert.pem")),
        dir.join("cert.pem"),
    )
    .unwrap();
    std::fs::copy(
        ca_dir.join(format!("{client_prefix}-key.pem")),
        dir.join("key.pem"),
    )
    .unwrap();
    dir.to_owned()
}

/// An OpenSSL configuration that turns session tickets off for every TLS context.
const NO_SESSION_TICKETS: &str = "openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_section
[ssl_section]
system_default = system_default_section
[system_default_section]
Options = -SessionTicket
";

/// How a `TlsEngine` listener presents itself and what it asks of clients.
#[derive(Clone, Copy)]
struct Listener {
    /// Whether clients must present a certificate signed by the good CA.
    client_certs_required: bool,
    /// Whether the server certificate comes from the rogue CA, which clients do not trust.
    rogue_server_cert: bool,
    /// The engine it relays to.
    engine_host: &'static str,
}

/// A TLS listener on 127.0.0.1 relaying to the real engine's socket, with the certificates
/// it trusts and a client certificate it accepts (`good/`), plus a CA and client certificate
/// it knows nothing of (`rogue/`). Killed on drop.
struct TlsEngine {
    port: u16,
    good: PathBuf,
    rogue: PathBuf,
    socat: Child,
    _certs: tempfile::TempDir,
}

impl TlsEngine {
    /// A mutual-TLS listener with a server certificate the good CA signed.
    fn start() -> TlsEngine {
        TlsEngine::start_with(Listener {
            client_certs_required: true,
            rogue_server_cert: false,
            engine_host: ENGINE_HOST,
        })
    }

    fn start_with(listener: Listener) -> TlsEngine {
        harness::engine();
        let certs = tempfile::tempdir().unwrap();
        let ca = make_ca(certs.path(), "ca");
        let rogue_ca = make_ca(certs.path(), "rogue-ca");
        for ca_dir in [&ca, &rogue_ca] {
            issue(
                ca_dir,
                "server",
                "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
            );
            issue(ca_dir, "client", "extendedKeyUsage=clientAuth\n");
        }
        let good = cert_path(&certs.path().join("good"), &ca, "client");
        let rogue = cert_path(&certs.path().join("rogue"), &rogue_ca, "client");

        let port = free_port();
        let server_ca = if listener.rogue_server_cert {
            &rogue_ca
        } else {
            &ca
        };
        let listen = format!(
            "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,verify={},cert={},key={},cafile={}",
            u8::from(listener.client_certs_required),
            server_ca.join("server-cert.pem").display(),
            server_ca.join("server-key.pem").display(),
            ca.join("ca.pem").display(),
        );
        let socket = listener.engine_host.trim_start_matches("unix://");
        // socat's OpenSSL server sets no session id context, so it aborts the handshake when
        // a client resumes a session with a ticket from an earlier connection (bollard
        // connects anew for every request); without tickets there is nothing to resume.
        let openssl_conf = certs.path().join("openssl.cnf");
        std::fs::write(&openssl_conf, NO_SESSION_TICKETS).unwrap();
        let socat = Command::new("socat")
            .args([listen, format!("UNIX-CONNECT:{socket}")])
            .env("OPENSSL_CONF", &openssl_conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so the guard also ends the per-connection children.
            .process_group(0)
            .spawn()
            .expect("run socat (tests/engine/ensure.sh installs it)");
        let engine = TlsEngine {
            port,
            good,
            rogue,
            socat,
            _certs: certs,
        };
        engine.wait_until_listening();
        engine
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "socat does not listen on 127.0.0.1:{}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// A directory holding only the good CA's `ca.pem`: verification, no client certificate.
    fn ca_only(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(self.good.join("ca.pem"), dir.join("ca.pem")).unwrap();
        dir.to_owned()
    }

    /// `--docker` endpoint options for `docker context create` with the files in `certs`.
    fn context_endpoint(&self, certs: &Path) -> String {
        format!(
            "host={},ca={},cert={},key={}",
            self.host(),
            certs.join("ca.pem").display(),
            certs.join("cert.pem").display(),
            certs.join("key.pem").display()
        )
    }
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        let group = format!("-{}", self.socat.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.socat.wait();
    }
}

#[test]
fn tls_through_a_context() {
    let engine = TlsEngine::start();
    let sandbox = Sandbox::new();
    create_context(&sandbox, "tls", &engine.context_endpoint(&engine.good));
    let out = run(rbuild(&sandbox).args(["--context", "tls", "version"]));
    let endpoint = format!("{} (TLS, context \"tls\" from --context)", engine.host());
    assert_version_ok(&out, &endpoint);

    // The same through the docker CLI, which passes `--context` on.
    link_plugin(&sandbox);
    let out = run(sandbox
        .docker()
        .args(["--context", "tls", "rbuild", "version"]));
    assert_version_ok(&out, &endpoint);
}

/// A BuildKit build over TLS: `auto` reads the engine's ping over TLS, and the build's own
/// session (here serving a secret) is opened over a TLS connection too.
#[test]
fn a_buildkit_build_with_a_secret_over_tls() {
    harness::engine26();
    let engine = TlsEngine::start_with(Listener {
        client_certs_required: true,
        rogue_server_cert: false,
        engine_host: harness::ENGINE26_HOST,
    });
    let sandbox = Sandbox::new();
    sandbox.write("token.txt", "over-tls");
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {}\nRUN --mount=type=secret,id=token,required=true test \"$(cat /run/secrets/token)\" = over-tls && echo tls-{}\n",
            harness::BASE_IMAGE,
            std::process::id()
        ),
    );
    let out = run(rbuild(&sandbox)
        .args([
            "build",
            "--progress=plain",
            "--secret",
            "id=token,src=token.txt",
            ".",
        ])
        .env("DOCKER_HOST", engine.host())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &engine.good));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(&format!("tls-{}", std::process::id())),
        "{}",
        out.stderr
    );
}

#[test]
fn tls_through_docker_tls_verify_and_cert_path() {
    let engine = TlsEngine::start();
    let sandbox = Sandbox::new();
    let out = run(rbuild(&sandbox)
        .arg("version")
        .env("DOCKER_HOST", engine.host())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &engine.good));
    assert_version_ok(&out, &format!("{} (TLS, from DOCKER_HOST)", engine.host()));
}

#[test]
fn tls_through_flags() {
    let engine = TlsEngine::start();
    let sandbox = Sandbox::new();
    let out = run(rbuild(&sandbox)
        .args(["-H", &engine.host(), "--tlsverify"])
        .arg(format!(
            "--tlscacert={}",
            engine.good.join("ca.pem").display()
        ))
        .arg("--tlscert")
        .arg(engine.good.join("cert.pem"))
        .arg("--tlskey")
        .arg(engine.good.join("key.pem"))
        .arg("version"));
    assert_version_ok(&out, &format!("{} (TLS, from -H)", engine.host()));
}

#[test]
fn tls_with_wrong_certificates_fails_clearly() {
    let engine = TlsEngine::start();
    let sandbox = Sandbox::new();
    let prefix = format!(
        "cannot connect to the Docker daemon at {} (TLS, ",
        engine.host()
    );

    // A CA that did not sign the daemon's certificate: the daemon is not trusted.
    create_context(&sandbox, "rogue", &engine.context_endpoint(&engine.rogue));
    let out = run(rbuild(&sandbox).args(["--context", "rogue", "version"]));
    assert_one_line_error(&out, 1, &prefix);
    assert!(out.stderr.contains("certificate"), "{out:?}");

    // The right CA but a client certificate the daemon does not accept.
    let mixed = sandbox.work().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    std::fs::copy(engine.good.join("ca.pem"), mixed.join("ca.pem")).unwrap();
    std::fs::copy(engine.rogue.join("cert.pem"), mixed.join("cert.pem")).unwrap();
    std::fs::copy(engine.rogue.join("key.pem"), mixed.join("key.pem")).unwrap();
    let out = run(rbuild(&sandbox)
        .arg("version")
        .env("DOCKER_HOST", engine.host())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &mixed));
    assert_one_line_error(&out, 1, &prefix);

    // A CA file that is not there: an input error naming it (the docker CLI insists on it).
    let empty = sandbox.work().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = run(rbuild(&sandbox)
        .arg("version")
        .env("DOCKER_HOST", engine.host())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &empty));
    assert_one_line_error(
        &out,
        2,
        &format!(
            "cannot read the TLS CA certificate {}: No such file or directory",
            empty.join("ca.pem").display()
        ),
    );
}

#[test]
fn tls_alone_does_not_verify_the_daemon() {
    let engine = TlsEngine::start_with(Listener {
        client_certs_required: false,
        rogue_server_cert: true,
        engine_host: ENGINE_HOST,
    });
    let sandbox = Sandbox::new();
    let ca_only = engine.ca_only(&sandbox.work().join("ca-only"));
    let unverified = format!("{} (TLS without verification, from -H)", engine.host());

    // `--tls` alone: a server certificate no trusted CA signed is accepted, no client certificate.
    let out = run(rbuild(&sandbox)
        .args(["-H", &engine.host(), "--tls", "version"])
        .env("DOCKER_CERT_PATH", &ca_only));
    assert_version_ok(&out, &unverified);

    // `--tlsverify=false` is the same, here passed on by the docker CLI.
    link_plugin(&sandbox);
    let out = run(sandbox
        .docker()
        .args([
            "-H",
            &engine.host(),
            "--tlsverify=false",
            "rbuild",
            "version",
        ])
        .env("DOCKER_CERT_PATH", &ca_only));
    assert_version_ok(&out, &unverified);

    // `--tlsverify` checks the certificate and refuses it.
    let out = run(rbuild(&sandbox)
        .args(["-H", &engine.host(), "--tlsverify", "version"])
        .env("DOCKER_CERT_PATH", &ca_only));
    assert_one_line_error(
        &out,
        1,
        &format!(
            "cannot connect to the Docker daemon at {} (TLS, from -H): ",
            engine.host()
        ),
    );
    assert!(out.stderr.contains("certificate"), "{out:?}");
}

#[test]
fn tls_through_a_context_that_skips_verification() {
    let engine = TlsEngine::start_with(Listener {
        client_certs_required: false,
        rogue_server_cert: true,
        engine_host: ENGINE_HOST,
    });
    let sandbox = Sandbox::new();
    create_context(
        &sandbox,
        "skip",
        &format!("host={},skip-tls-verify=true", engine.host()),
    );
    let out = run(rbuild(&sandbox).args(["--context", "skip", "version"]));
    assert_version_ok(
        &out,
        &format!(
            "{} (TLS without verification, context \"skip\" from --context)",
            engine.host()
        ),
    );
}

#[test]
fn tls_with_a_ca_and_no_client_certificate() {
    let sandbox = Sandbox::new();
    let verify_with_ca_only = |engine: &TlsEngine| {
        let ca_only = engine.ca_only(&sandbox.work().join(format!("ca-only-{}", engine.port)));
        run(rbuild(&sandbox)
            .arg("version")
            .env("DOCKER_HOST", engine.host())
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", ca_only))
    };

    // The daemon is verified and asks for no client certificate.
    let open = TlsEngine::start_with(Listener {
        client_certs_required: false,
        rogue_server_cert: false,
        engine_host: ENGINE_HOST,
    });
    assert_version_ok(
        &verify_with_ca_only(&open),
        &format!("{} (TLS, from DOCKER_HOST)", open.host()),
    );

    // A daemon that requires a client certificate turns the connection away.
    let mutual = TlsEngine::start();
    assert_one_line_error(
        &verify_with_ca_only(&mutual),
        1,
        &format!(
            "cannot connect to the Docker daemon at {} (TLS, from DOCKER_HOST): ",
            mutual.host()
        ),
    );
}
