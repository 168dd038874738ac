//! Helpers shared by the integration tests: run the built binary in a sandbox with a
//! clean environment, and make sure a real Docker engine with the test base image answers.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The locally imported base image every build test starts from (see `tests/engine/ensure.sh`).
pub const BASE_IMAGE: &str = "rbuild-test/busybox:static";

/// The engine the tests talk to.
pub const ENGINE_HOST: &str = "unix:///var/run/docker.sock";

/// The workspace root (where `Cargo.toml`, `install.sh` and `tests/` are).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `../shared` material (or `RBUILD_SHARED`); panics with a clear message when missing.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("RBUILD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared"));
    assert!(
        dir.join("README.md").is_file(),
        "shared material not found at {} (set RBUILD_SHARED)",
        dir.display()
    );
    dir
}

/// Makes sure a Docker engine answers at [`ENGINE_HOST`] and [`BASE_IMAGE`] exists, once per
/// test process. Never skips: a test that needs the engine fails when it cannot be had.
pub fn engine() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    ensure_engine(&READY, "tests/engine/ensure.sh");
}

/// The second engine: Docker 26.1 with BuildKit, beside the first (see
/// `tests/engine/ensure-engine26.sh`).
pub const ENGINE26_HOST: &str = "unix:///var/run/rbuild-docker26.sock";

/// Like [`engine`], for the Docker 26.1 engine at [`ENGINE26_HOST`] with its own [`BASE_IMAGE`].
pub fn engine26() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    ensure_engine(&READY, "tests/engine/ensure-engine26.sh");
}

/// Runs the engine set-up `script` (relative to the workspace root) the first time `ready` is
/// asked, and panics with its output whenever it failed.
fn ensure_engine(ready: &OnceLock<Result<(), String>>, script: &str) {
    let ready = ready.get_or_init(|| {
        let script = workspace_root().join(script);
        let output = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({}):\n{}{}",
                script.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(message) = ready {
        panic!("no Docker engine for the tests: {message}");
    }
}

/// What a finished command printed and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    fn from_process(output: std::process::Output) -> Output {
        Output {
            // A signal death has no code; -1 never matches an expected exit code.
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A temporary directory with a private `home/` (so no user configuration leaks in)
/// and a `work/` directory that commands run in.
pub struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let root = tempfile::tempdir().expect("create temp dir");
        std::fs::create_dir_all(root.path().join("home")).unwrap();
        std::fs::create_dir_all(root.path().join("work")).unwrap();
        Sandbox { root }
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Writes `contents` to `relative` under `work/`, creating parent directories.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.work().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// A command with a clean environment: only `PATH`, and `HOME` pointing into the sandbox.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.work())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .stdin(Stdio::null());
        command
    }

    /// The built `docker-rbuild` binary as a sandboxed command.
    pub fn rbuild(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_docker-rbuild"))
    }

    /// The sandbox's docker CLI configuration directory (`DOCKER_CONFIG` of [`Sandbox::docker`]
    /// and [`Sandbox::install_script`]); plugins are installed in its `cli-plugins/`.
    pub fn docker_config(&self) -> PathBuf {
        self.root.path().join("docker-config")
    }

    /// The real `docker` CLI as a sandboxed command using [`Sandbox::docker_config`].
    pub fn docker(&self) -> Command {
        let mut command = self.command("docker");
        command.env("DOCKER_CONFIG", self.docker_config());
        command
    }

    /// The repository's `install.sh` as a sandboxed command using [`Sandbox::docker_config`].
    pub fn install_script(&self) -> Command {
        let mut command = self.command("bash");
        command
            .arg(workspace_root().join("install.sh"))
            .env("DOCKER_CONFIG", self.docker_config());
        command
    }

    /// Installs the built binary as a plugin with `install.sh --binary`, so that
    /// [`Sandbox::docker`] runs it as `docker rbuild`; returns the installed path.
    pub fn install_plugin(&self) -> PathBuf {
        let out = run(self
            .install_script()
            .args(["--binary", env!("CARGO_BIN_EXE_docker-rbuild")]));
        assert_eq!(out.code, 0, "install.sh failed: {out:?}");
        self.docker_config().join("cli-plugins/docker-rbuild")
    }
}

/// Runs a command to completion and captures its output.
pub fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    Output::from_process(output)
}

/// Runs a command to completion with `input` on its standard input and captures its output.
pub fn run_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    Output::from_process(run_with_stdin_raw(command, input))
}

/// [`run_with_stdin`], with the output as bytes.
pub fn run_with_stdin_raw(command: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write as _;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    // Written on a thread: a child that answers before reading everything cannot block us.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("wait for the command");
    let _ = writer.join();
    output
}

/// Image names unique to this test process, removed (with their untagged parents) on drop,
/// also when an assertion fails.
pub struct Images {
    sandbox: Sandbox,
    names: Vec<String>,
    area: &'static str,
    /// The engine holding the images (`-H`); the first engine when `None`.
    host: Option<&'static str>,
}

impl Images {
    /// Images of one test area: named `rbuild-test-<area>-<what>-<pid>:<tag>`.
    pub fn new(area: &'static str) -> Images {
        Images {
            sandbox: Sandbox::new(),
            names: Vec::new(),
            area,
            host: None,
        }
    }

    /// Like [`Images::new`], for images built on the engine at `host` (e.g. [`ENGINE26_HOST`]).
    pub fn on_host(area: &'static str, host: &'static str) -> Images {
        let mut images = Images::new(area);
        images.host = Some(host);
        images
    }

    /// Removes `reference` too when `self` is dropped (an image a test pulls, say).
    pub fn track(&mut self, reference: &str) {
        self.names.push(reference.to_string());
    }

    /// A fresh image reference, removed when `self` is dropped.
    pub fn name(&mut self, what: &str, tag: &str) -> String {
        let name = format!(
            "rbuild-test-{}-{what}-{}:{tag}",
            self.area,
            std::process::id()
        );
        self.names.push(name.clone());
        name
    }
}

impl Drop for Images {
    fn drop(&mut self) {
        if !self.names.is_empty() {
            let mut command = self.sandbox.command("docker");
            if let Some(host) = self.host {
                command.args(["-H", host]);
            }
            command.arg("rmi").arg("-f").args(&self.names);
            let _ = command.output();
        }
    }
}

/// A real image registry (Debian's `docker-registry`, the reference registry) on a free
/// loopback port, with storage in a temporary directory; stopped on drop. The daemon treats
/// loopback registries as insecure, so it talks plain HTTP to it.
pub struct LocalRegistry {
    process: std::process::Child,
    pub address: String,
    _storage: tempfile::TempDir,
}

impl LocalRegistry {
    pub fn start() -> LocalRegistry {
        LocalRegistry::start_with(None)
    }

    /// Like [`LocalRegistry::start`], with htpasswd authentication: only `user` with `password`
    /// may pull and push (the daemon sends basic auth to a loopback registry over plain HTTP).
    pub fn with_auth(user: &str, password: &str) -> LocalRegistry {
        LocalRegistry::start_with(Some((user, password)))
    }

    fn start_with(auth: Option<(&str, &str)>) -> LocalRegistry {
        let storage = tempfile::tempdir().expect("registry storage");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let address = format!("127.0.0.1:{port}");
        let mut config_text = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
            storage.path().join("data").display()
        );
        if let Some((user, password)) = auth {
            // bcrypt, the only hash the registry reads (Debian's apache2-utils).
            let htpasswd = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .stdin(Stdio::null())
                .output()
                .expect("run htpasswd (tests/engine/ensure.sh installs apache2-utils)");
            assert!(htpasswd.status.success(), "htpasswd failed: {htpasswd:?}");
            let path = storage.path().join("htpasswd");
            std::fs::write(&path, htpasswd.stdout).unwrap();
            config_text.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: rbuild-test\n    path: {}\n",
                path.display()
            ));
        }
        let config = storage.path().join("config.yml");
        std::fs::write(&config, config_text).unwrap();
        let process = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry (tests/engine/ensure.sh installs it)");
        let registry = LocalRegistry {
            process,
            address,
            _storage: storage,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(&registry.address).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "docker-registry did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        registry
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The child's stderr, line by line, read on a thread so that a test can wait for a line with
/// a timeout (`recv_timeout`) while the child runs.
pub fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let stderr = child.stderr.take().expect("the child's stderr is piped");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    received
}

/// A Unix socket in front of the engine at [`ENGINE_HOST`] that passes everything through and
/// records what clients send: the start of each connection, and how many bytes in all. It
/// shows whether a client sent a build (and its context) without relying on the client's own
/// output.
pub struct EngineSpy {
    /// The spy's endpoint, for `-H`.
    pub host: String,
    seen: std::sync::Arc<std::sync::Mutex<SpySeen>>,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
struct SpySeen {
    /// The first [`SPY_CAPTURE`] bytes each client sent, by connection.
    starts: Vec<Vec<u8>>,
    bytes: u64,
}

/// How much of each connection's start is kept: every request line before a large body (a
/// build context) is in it.
const SPY_CAPTURE: usize = 64 * 1024;

impl EngineSpy {
    pub fn start() -> EngineSpy {
        use std::os::unix::net::{UnixListener, UnixStream};
        let dir = tempfile::tempdir().expect("spy dir");
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).expect("bind the spy socket");
        let seen = std::sync::Arc::new(std::sync::Mutex::new(SpySeen::default()));
        let engine_path = ENGINE_HOST.trim_start_matches("unix://").to_string();
        let record = seen.clone();
        // The accept loop ends with the test process; a dropped spy's socket file is gone.
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let Ok(engine) = UnixStream::connect(&engine_path) else {
                    continue;
                };
                let (mut client_in, mut engine_out) = (client.try_clone().unwrap(), engine);
                let (mut engine_in, mut client_out) = (engine_out.try_clone().unwrap(), client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut engine_in, &mut client_out);
                    let _ = client_out.shutdown(std::net::Shutdown::Write);
                });
                let record = record.clone();
                let connection = {
                    let mut seen = record.lock().unwrap();
                    seen.starts.push(Vec::new());
                    seen.starts.len() - 1
                };
                std::thread::spawn(move || {
                    use std::io::{Read, Write};
                    let mut buffer = vec![0; 64 * 1024];
                    while let Ok(n @ 1..) = client_in.read(&mut buffer) {
                        {
                            let mut seen = record.lock().unwrap();
                            seen.bytes += n as u64;
                            let start = &mut seen.starts[connection];
                            let keep = n.min(SPY_CAPTURE.saturating_sub(start.len()));
                            start.extend_from_slice(&buffer[..keep]);
                        }
                        if engine_out.write_all(&buffer[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = engine_out.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        EngineSpy {
            host: format!("unix://{}", path.display()),
            seen,
            _dir: dir,
        }
    }

    /// The HTTP request lines clients sent, like `POST /v1.41/build?t=x HTTP/1.1`.
    pub fn requests(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.starts
            .iter()
            .flat_map(|start| {
                String::from_utf8_lossy(start)
                    .lines()
                    .filter(|line| {
                        ["GET /", "HEAD /", "POST /", "PUT /", "DELETE /"]
                            .iter()
                            .any(|method| line.starts_with(method))
                            && line.ends_with(" HTTP/1.1")
                    })
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Bytes clients have sent so far.
    pub fn bytes_sent(&self) -> u64 {
        self.seen.lock().unwrap().bytes
    }
}

/// A private OpenSSH server (Debian's openssh-server) on a free loopback port, with its own
/// configuration file, a generated host key and one generated client key that may log in as
/// root; stopped on drop. The machine's own sshd and its configuration are left alone.
pub struct SshServer {
    process: std::process::Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SshServer {
    /// Starts the server; needs root (it logs users in), as the engine set-up does, which
    /// installs sshd and the docker CLI the remote side runs.
    pub fn start() -> SshServer {
        engine();
        let dir = tempfile::tempdir().expect("sshd dir");
        let host_key = generate_ssh_key(&dir.path().join("host_key"));
        let client_key = generate_ssh_key(&dir.path().join("client_key"));
        std::fs::write(
            dir.path().join("authorized_keys"),
            std::fs::read(client_key.with_extension("pub")).unwrap(),
        )
        .unwrap();
        // sshd's privilege separation directory, which its init script makes at boot.
        std::fs::create_dir_all("/run/sshd").expect("create /run/sshd (the tests run as root)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        // StrictModes off: the keys live in a temporary directory under a world-writable /tmp.
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPidFile none\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n",
            host_key.display(),
            dir.path().join("authorized_keys").display()
        );
        let config_path = dir.path().join("sshd_config");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("sshd.log")).unwrap();
        // An absolute path: sshd re-executes itself for each connection.
        let process = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start /usr/sbin/sshd (tests/engine/ensure.sh installs openssh-server)");
        let mut server = SshServer { process, port, dir };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.process.try_wait() {
                panic!("sshd exited ({status}): {}", server.log());
            }
            assert!(
                std::time::Instant::now() < deadline,
                "sshd did not start: {}",
                server.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        server
    }

    /// The private key that may log in as root.
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_key")
    }

    /// The server's `known_hosts` line, as ssh writes it for a host on a non-default port.
    pub fn known_hosts_line(&self) -> String {
        let public = std::fs::read_to_string(self.dir.path().join("host_key.pub")).unwrap();
        format!("[127.0.0.1]:{} {}", self.port, public.trim())
    }

    /// `ssh://root@127.0.0.1:PORT` followed by `path` (a remote socket, or nothing).
    pub fn docker_host(&self, path: &str) -> String {
        format!("ssh://root@127.0.0.1:{}{path}", self.port)
    }

    /// What sshd logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Generates an ed25519 key pair without passphrase at `path` (and `path.pub`); returns `path`.
pub fn generate_ssh_key(path: &std::path::Path) -> PathBuf {
    let out = run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "rbuild-test", "-f"])
        .arg(path)
        .stdin(Stdio::null()));
    assert_eq!(out.code, 0, "ssh-keygen failed: {out:?}");
    path.to_path_buf()
}

impl Sandbox {
    /// `command` (a sandbox command) run so that ssh finds its user configuration in the
    /// sandbox's `home/.ssh`: ssh takes `~` from the password database, never from `HOME`,
    /// so the command runs in a private mount namespace (`unshare`, as root) where a copy of
    /// `/etc/passwd` gives the sandbox's `home/` as the user's home directory. The machine's
    /// files stay as they are.
    pub fn with_ssh_home(&self, command: &Command) -> Command {
        use std::os::unix::fs::MetadataExt as _;
        let uid = std::fs::metadata("/proc/self")
            .expect("/proc/self")
            .uid()
            .to_string();
        let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
        let home = self.home().display().to_string();
        let mut found = false;
        let ours: String = passwd
            .lines()
            .map(|line| {
                let mut fields: Vec<&str> = line.split(':').collect();
                if fields.len() == 7 && fields[2] == uid {
                    found = true;
                    fields[5] = &home;
                }
                format!("{}\n", fields.join(":"))
            })
            .collect();
        assert!(found, "uid {uid} is not in /etc/passwd");
        let passwd_path = self.root.path().join("passwd");
        std::fs::write(&passwd_path, ours).unwrap();
        let mut wrapped = Command::new("unshare");
        wrapped
            .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(r#"mount --bind "$1" /etc/passwd && shift && exec "$@""#)
            .arg("sh")
            .arg(&passwd_path)
            .arg(command.get_program())
            .args(command.get_args())
            .env_clear()
            .stdin(Stdio::null());
        if let Some(dir) = command.get_current_dir() {
            wrapped.current_dir(dir);
        }
        for (name, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(name, value),
                None => wrapped.env_remove(name),
            };
        }
        wrapped
    }
}
