//! Registry credentials from docker credential helpers, end to end: a real registry with
//! htpasswd authentication on loopback, `docker login` by the real docker CLI into a
//! `credsStore: "pass"` configuration (Debian's `docker-credential-pass` over `pass` and a
//! throwaway gpg key), and `docker rbuild` building from the private image with them.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::harness::{
    self, run, Images, LocalRegistry, Output, Sandbox, BASE_IMAGE, ENGINE26_HOST,
};

const USER: &str = "rbuild";
const PASSWORD: &str = "s3cret-passw0rd";

/// A `pass` password store in the sandbox, encrypted for a gpg key made for it (no passphrase);
/// its gpg agent is stopped on drop.
struct PassStore {
    gnupg_home: PathBuf,
    store_dir: PathBuf,
}

impl PassStore {
    fn create(sandbox: &Sandbox) -> PassStore {
        let gnupg_home = sandbox.home().join("gnupg");
        std::fs::create_dir_all(&gnupg_home).unwrap();
        // gpg refuses a home that others may read.
        std::fs::set_permissions(&gnupg_home, std::fs::Permissions::from_mode(0o700)).unwrap();
        let store = PassStore {
            gnupg_home,
            store_dir: sandbox.home().join("password-store"),
        };
        let generated = run(store.env(&mut sandbox.command("gpg")).args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--quick-generate-key",
            "rbuild test <rbuild-test@example.invalid>",
            "default",
            "default",
            "never",
        ]));
        assert_eq!(generated.code, 0, "gpg key generation: {generated:?}");
        let listed = run(store.env(&mut sandbox.command("gpg")).args([
            "--batch",
            "--with-colons",
            "--list-secret-keys",
        ]));
        let fingerprint = listed
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').find(|field| !field.is_empty()))
            .unwrap_or_else(|| panic!("no key fingerprint in {listed:?}"))
            .to_string();
        let init = run(store
            .env(&mut sandbox.command("pass"))
            .args(["init", &fingerprint]));
        assert_eq!(init.code, 0, "pass init: {init:?}");
        store
    }

    /// `command` with this store's `GNUPGHOME` and `PASSWORD_STORE_DIR`.
    fn env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("GNUPGHOME", &self.gnupg_home)
            .env("PASSWORD_STORE_DIR", &self.store_dir)
    }
}

impl Drop for PassStore {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &self.gnupg_home)
            .stdin(Stdio::null())
            .output();
    }
}

/// A registry that needs a login, holding `BASE_IMAGE` as [`PrivateRegistry::image`], and a
/// sandbox whose docker configuration logged in to it through the `pass` helper.
struct PrivateRegistry {
    // Fields drop in this order: the gpg agent stops before the sandbox goes.
    pass: PassStore,
    registry: LocalRegistry,
    sandbox: Sandbox,
}

impl PrivateRegistry {
    fn start() -> PrivateRegistry {
        harness::engine(); // installs the registry, pass, the helper and htpasswd where missing
        let sandbox = Sandbox::new();
        let pass = PassStore::create(&sandbox);
        let registry = LocalRegistry::with_auth(USER, PASSWORD);
        let private = PrivateRegistry {
            pass,
            registry,
            sandbox,
        };
        let config_dir = private.sandbox.docker_config();
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(config_dir.join("config.json"), r#"{"credsStore": "pass"}"#).unwrap();
        let mut login = private.docker();
        login
            .args([
                "login",
                &private.registry.address,
                "-u",
                USER,
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = login.spawn().expect("run docker login");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(PASSWORD.as_bytes())
            .unwrap();
        let logged_in = child.wait_with_output().unwrap();
        assert!(logged_in.status.success(), "docker login: {logged_in:?}");
        // The secret is in the password store, not in config.json.
        let config = std::fs::read_to_string(config_dir.join("config.json")).unwrap();
        assert!(config.contains(r#""credsStore": "pass""#), "{config}");
        assert!(!config.contains(r#""auth""#), "{config}");

        let image = private.image("1");
        assert_eq!(private.docker_ok(&["tag", BASE_IMAGE, &image]).code, 0);
        let pushed = private.docker_ok(&["push", &image]);
        let removed = private.docker_ok(&["rmi", &image]);
        assert_eq!(pushed.code, 0, "docker push: {pushed:?}");
        assert_eq!(removed.code, 0, "docker rmi: {removed:?}");
        private
    }

    /// `127.0.0.1:PORT/rbuild-test/private:TAG`.
    fn image(&self, tag: &str) -> String {
        format!("{}/rbuild-test/private:{tag}", self.registry.address)
    }

    /// The real docker CLI with the sandbox's configuration (`--config`) and password store.
    fn docker(&self) -> Command {
        let mut command = self.sandbox.command("docker");
        command.arg("--config").arg(self.sandbox.docker_config());
        self.pass.env(&mut command);
        command
    }

    fn docker_ok(&self, args: &[&str]) -> Output {
        run(self.docker().args(args))
    }

    /// `docker-rbuild` with the sandbox's configuration (`DOCKER_CONFIG`) and password store.
    fn rbuild(&self, args: &[&str]) -> Output {
        let mut command = self.sandbox.rbuild();
        command.env("DOCKER_CONFIG", self.sandbox.docker_config());
        self.pass.env(&mut command);
        run(command.args(args))
    }
}

/// The lines of `stderr` that are warnings or findings of the image checks.
fn image_check_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.contains("warning") || line.contains("RB10"))
        .collect()
}

/// Builds `FROM` the private image with `args` (the engine, the builder): it must build, with
/// neither a finding nor a warning from the image checks. Returns the tag and the output.
fn build_from_private(
    private: &PrivateRegistry,
    images: &mut Images,
    args: &[&str],
) -> (String, Output) {
    let tag = images.name("private", "1");
    let base = private.image("1");
    images.track(&base);
    private.sandbox.write(
        "Dockerfile",
        format!("FROM {base}\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n"),
    );
    let mut args = args.to_vec();
    args.extend(["--progress=plain", "-t", &tag, "."]);
    let built = private.rbuild(&args);
    assert_eq!(built.code, 0, "{built:?}");
    assert!(
        image_check_lines(&built.stderr).is_empty(),
        "{}",
        built.stderr
    );
    (tag, built)
}

#[test]
fn a_private_image_builds_with_the_credentials_of_the_pass_helper() {
    let private = PrivateRegistry::start();
    let mut images = Images::new("credentials");
    // The image is not in the daemon: the gate asks the registry with our credentials (and
    // finds it), then the classic builder pulls it with the credentials of X-Registry-Config.
    let (tag, built) = build_from_private(&private, &mut images, &["--builder", "classic"]);
    assert!(
        built.stderr.contains(&format!(
            "Downloaded newer image for {}",
            private.image("1")
        )),
        "{}",
        built.stderr
    );
    let ran = run(private
        .sandbox
        .command("docker")
        .args(["run", "--rm", &tag]));
    assert_eq!(ran.stdout, "built\n", "{ran:?}");
}

#[test]
fn a_missing_private_image_is_not_found_now_that_the_registry_is_asked_with_credentials() {
    let private = PrivateRegistry::start();
    let missing = private.image("nope");
    private
        .sandbox
        .write("Dockerfile", format!("FROM {missing}\nRUN echo never\n"));
    let out = private.rbuild(&["--progress=plain", "."]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "error[RB106]: base image `{missing}` not found locally or in the registry"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nothing was sent to the daemon"),
        "{}",
        out.stderr
    );
    // `lint --daemon` asks the same way.
    let linted = private.rbuild(&["lint", "--daemon", "--format", "concise", "Dockerfile"]);
    assert_eq!(linted.code, 1, "{linted:?}");
    assert!(
        linted
            .stdout
            .starts_with("Dockerfile:1:6: error[RB106] base image"),
        "{linted:?}"
    );
}

#[test]
fn buildkit_builds_get_the_helper_credentials_from_the_session() {
    harness::engine26();
    let private = PrivateRegistry::start();
    let mut images = Images::on_host("credentials", ENGINE26_HOST);
    let (_, built) = build_from_private(
        &private,
        &mut images,
        &["-H", ENGINE26_HOST, "--builder", "buildkit"],
    );
    assert!(
        built
            .stderr
            .contains(&format!("FROM {}@sha256:", private.image("1"))),
        "{}",
        built.stderr
    );
}

#[test]
fn a_missing_helper_is_one_warning_and_the_build_goes_on() {
    harness::engine();
    let sandbox = Sandbox::new();
    let mut images = Images::new("credentials");
    let tag = images.name("no-helper", "1");
    let config_dir = sandbox.docker_config();
    std::fs::create_dir_all(&config_dir).unwrap();
    // The same missing helper for every registry and for one in particular.
    std::fs::write(
        config_dir.join("config.json"),
        r#"{"credsStore": "rbuild-test-missing",
            "credHelpers": {"registry.example.com": "rbuild-test-missing"}}"#,
    )
    .unwrap();
    sandbox.write("Dockerfile", format!("FROM {BASE_IMAGE}\nRUN echo built\n"));
    let built = run(sandbox.rbuild().env("DOCKER_CONFIG", &config_dir).args([
        "--progress=plain",
        "-t",
        &tag,
        ".",
    ]));
    assert_eq!(built.code, 0, "{built:?}");
    let warnings: Vec<&str> = built
        .stderr
        .lines()
        .filter(|line| line.contains("docker-credential-"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: credential helper docker-credential-rbuild-test-missing: it is not on PATH; \
          going on without its registry credentials"
        ],
        "{}",
        built.stderr
    );
}
