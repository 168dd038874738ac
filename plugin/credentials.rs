//! Registry credentials, found as the docker CLI finds them in its configuration directory's
//! `config.json`: for a registry, the credential helper `credHelpers` names for it, else the
//! `credsStore` helper, else the `auths` entries. A helper is the program
//! `docker-credential-<name>` on PATH, asked with `get` (the server address on stdin, JSON
//! `{"ServerURL", "Username", "Secret"}` on stdout) and `list` (JSON server address -> user).
//!
//! Builds use every credential ([`RegistryCredentials::all`]), the image checks one registry's
//! ([`RegistryCredentials::lookup`]). A helper that is missing or fails costs one warning line on
//! stderr and only its own credentials, as with the docker CLI, which builds without them too.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use serde::Deserialize;

/// The key the docker CLI stores Docker Hub's credentials under.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// The host BuildKit names when it asks the build session for Docker Hub's credentials.
const DOCKER_HUB_HOST: &str = "registry-1.docker.io";

/// What helpers print on stdout (and exit non-zero with) when they have nothing for a server.
const NOT_FOUND_MESSAGE: &str = "credentials not found in native keychain";

/// The user name with which helpers mark the secret as an identity token.
const TOKEN_USERNAME: &str = "<token>";

/// The credential settings of one `config.json`.
#[derive(Debug, Default)]
pub struct RegistryCredentials {
    /// The `auths` entries that carry a secret, by their key.
    auths: HashMap<String, DockerCredentials>,
    /// `credsStore`: the helper for every registry without a `credHelpers` entry.
    store: Option<String>,
    /// `credHelpers`: registry -> helper.
    helpers: HashMap<String, String>,
}

/// One registry's credentials.
#[derive(Debug, Clone, PartialEq)]
pub enum RegistryAuth {
    /// None are configured (or the helper has none for this registry).
    None,
    Found(DockerCredentials),
    /// The registry's helper is missing or failed (already warned about).
    Unavailable,
}

/// Why a helper gave nothing.
#[derive(Debug, PartialEq)]
enum HelperError {
    /// It answered that it has no credentials for the server.
    NotFound,
    /// It is missing or failed, for this reason.
    Failed(String),
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(rename = "credsStore", default)]
    creds_store: String,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(Deserialize)]
struct AuthEntry {
    /// base64 of `user:password`; wins over `username` and `password`.
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

impl RegistryCredentials {
    /// The settings of `config_dir/config.json`. A missing file means none; an unreadable or
    /// malformed one is warned about and means none, as in the docker CLI.
    pub fn load(config_dir: &Path) -> RegistryCredentials {
        let path = config_dir.join("config.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return RegistryCredentials::default()
            }
            Err(err) => {
                eprintln!("warning: cannot read {}: {err}", path.display());
                return RegistryCredentials::default();
            }
        };
        match RegistryCredentials::parse(&text) {
            Ok(credentials) => credentials,
            Err(why) => {
                warn_once(
                    &path.display().to_string(),
                    format!(
                        "warning: {}: {why}; going on without registry credentials",
                        path.display()
                    ),
                );
                RegistryCredentials::default()
            }
        }
    }

    fn parse(text: &str) -> Result<RegistryCredentials, String> {
        let config: ConfigFile = serde_json::from_str(text).map_err(|err| err.to_string())?;
        let mut auths = HashMap::new();
        for (key, entry) in config.auths {
            let (username, password) = match entry.auth.as_deref().map(str::trim) {
                Some(auth) if !auth.is_empty() => {
                    let (user, password) = decode_auth(auth).ok_or_else(|| {
                        format!("the auth of {key:?} is not base64 of user:password")
                    })?;
                    (Some(user), Some(password))
                }
                _ => (entry.username.filter(|u| !u.is_empty()), entry.password),
            };
            let identitytoken = entry.identitytoken.filter(|t| !t.is_empty());
            if username.is_none() && identitytoken.is_none() {
                // No secret: `docker login` writes such entries when a helper holds the secret.
                continue;
            }
            auths.insert(
                key.clone(),
                DockerCredentials {
                    username,
                    password,
                    identitytoken,
                    serveraddress: Some(key),
                    ..DockerCredentials::default()
                },
            );
        }
        let non_empty = |name: String| (!name.is_empty()).then_some(name);
        Ok(RegistryCredentials {
            auths,
            store: non_empty(config.creds_store),
            helpers: config.cred_helpers,
        })
    }

    /// The helper that holds `registry`'s credentials, or `None` for the `auths` entries.
    fn helper_for(&self, registry: &str) -> Option<&str> {
        match self.helpers.get(registry) {
            // An empty name sends that registry back to the `auths` entries.
            Some(helper) => Some(helper.as_str()).filter(|h| !h.is_empty()),
            None => self.store.as_deref(),
        }
    }

    /// The credentials of `registry` (a key as [`registry_key`] makes it), asking its helper
    /// when it has one.
    pub fn lookup(&self, registry: &str) -> RegistryAuth {
        let Some(helper) = self.helper_for(registry) else {
            return self
                .in_auths(registry)
                .map_or(RegistryAuth::None, RegistryAuth::Found);
        };
        match helper_get(helper, registry) {
            Ok(credentials) => RegistryAuth::Found(credentials),
            Err(HelperError::NotFound) => RegistryAuth::None,
            Err(HelperError::Failed(why)) => {
                warn_helper(helper, &why);
                RegistryAuth::Unavailable
            }
        }
    }

    /// The `auths` entry of `registry`: by its key, else by an entry whose key is a URL of
    /// that host (`https://registry.example.com/v2/`), as the docker CLI reads old files.
    fn in_auths(&self, registry: &str) -> Option<DockerCredentials> {
        self.auths.get(registry).cloned().or_else(|| {
            self.auths
                .iter()
                .find(|(key, _)| hostname(key) == registry)
                .map(|(_, credentials)| credentials.clone())
        })
    }

    /// Every credential, keyed by registry as the configuration keys them: those of the
    /// `credsStore` helper (all it lists), else the `auths` entries; then each `credHelpers`
    /// registry's, which win.
    pub fn all(&self) -> HashMap<String, DockerCredentials> {
        let mut all = match &self.store {
            None => self.auths.clone(),
            Some(store) => match helper_all(store) {
                Ok(credentials) => credentials,
                Err(why) => {
                    warn_helper(store, &why);
                    HashMap::new()
                }
            },
        };
        for registry in self.helpers.keys() {
            if let RegistryAuth::Found(credentials) = self.lookup(registry) {
                all.insert(registry.clone(), credentials);
            }
        }
        all
    }
}

/// The configuration key of the registry an image comes from: its domain, or Docker Hub's key.
pub fn registry_key(reference: &str) -> String {
    let domain = rbuild_lints::reference::parse(reference)
        .ok()
        .and_then(|r| r.domain().map(str::to_string));
    match domain.as_deref() {
        None | Some("docker.io" | "index.docker.io") => DOCKER_HUB_KEY.to_string(),
        Some(domain) => domain.to_string(),
    }
}

/// `credentials` keyed by the host BuildKit names when it asks the build session for them
/// (`registry.example.com:5000`; `registry-1.docker.io` for Docker Hub). A key that already is
/// a host wins over a URL of the same host.
pub fn by_session_host(
    credentials: HashMap<String, DockerCredentials>,
) -> HashMap<String, DockerCredentials> {
    let session_host = |key: &str| match hostname(key) {
        "index.docker.io" | "docker.io" => DOCKER_HUB_HOST.to_string(),
        host => host.to_string(),
    };
    let (hosts, urls): (Vec<_>, Vec<_>) = credentials
        .into_iter()
        .partition(|(key, _)| hostname(key) == key);
    urls.into_iter()
        .chain(hosts)
        .map(|(key, credentials)| (session_host(&key), credentials))
        .collect()
}

/// The `X-Registry-Auth` header for `credentials`: JSON in URL-safe base64, as the daemon
/// decodes it (bollard's own header uses the standard alphabet, and the daemon silently drops
/// credentials whose encoding has a `+` or `/`).
pub fn auth_header(credentials: &DockerCredentials) -> String {
    url_safe_json(credentials)
}

/// The `X-Registry-Config` header of a classic build: every registry's credentials, encoded
/// as [`auth_header`] encodes one; `None` without credentials.
pub fn config_header(credentials: &HashMap<String, DockerCredentials>) -> Option<String> {
    (!credentials.is_empty()).then(|| url_safe_json(credentials))
}

fn url_safe_json(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_vec(value).expect("credentials serialize to JSON");
    base64::engine::general_purpose::URL_SAFE.encode(json)
}

/// The host of a configuration key that may be a URL (`https://host:port/v1/`), as the
/// docker CLI converts it.
fn hostname(key: &str) -> &str {
    let rest = key.split_once("://").map_or(key, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// `user:password` from the base64 `auth` of an `auths` entry.
fn decode_auth(auth: &str) -> Option<(String, String)> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())?;
    let (user, password) = decoded.split_once(':')?;
    (!user.is_empty()).then(|| (user.to_owned(), password.trim_matches('\0').to_owned()))
}

/// Asks `helper` for `server`'s credentials.
fn helper_get(helper: &str, server: &str) -> Result<DockerCredentials, HelperError> {
    let out = run_helper(helper, "get", server)?;
    let answer: HelperAnswer = serde_json::from_slice(&out)
        .map_err(|err| HelperError::Failed(format!("`get` printed no credentials: {err}")))?;
    if answer.username.is_empty() && answer.secret.is_empty() {
        // Some helpers answer an unknown server with empty credentials, not an error.
        return Err(HelperError::NotFound);
    }
    let mut credentials = DockerCredentials {
        serveraddress: Some(server.to_string()),
        ..DockerCredentials::default()
    };
    if answer.username == TOKEN_USERNAME {
        credentials.identitytoken = Some(answer.secret);
    } else {
        credentials.username = Some(answer.username);
        credentials.password = Some(answer.secret);
    }
    Ok(credentials)
}

/// Every credential `helper` holds: its `list`, then `get` for each server.
fn helper_all(helper: &str) -> Result<HashMap<String, DockerCredentials>, String> {
    let out = run_helper(helper, "list", "unused").map_err(|err| match err {
        HelperError::NotFound => NOT_FOUND_MESSAGE.to_string(),
        HelperError::Failed(why) => why,
    })?;
    let servers: HashMap<String, String> = serde_json::from_slice(&out)
        .map_err(|err| format!("`list` printed no server list: {err}"))?;
    let mut all = HashMap::new();
    for server in servers.into_keys() {
        match helper_get(helper, &server) {
            Ok(credentials) => {
                all.insert(server, credentials);
            }
            Err(HelperError::NotFound) => {}
            Err(HelperError::Failed(why)) => warn_helper(helper, &why),
        }
    }
    Ok(all)
}

/// Runs `docker-credential-<helper> <action>` with `input` on stdin; its stdout when it
/// succeeds. Its stderr is ours, as with the docker CLI (a helper may ask for a passphrase).
fn run_helper(helper: &str, action: &str, input: &str) -> Result<Vec<u8>, HelperError> {
    let program = helper_program(helper);
    let path =
        which::which(&program).map_err(|_| HelperError::Failed("it is not on PATH".to_string()))?;
    let failed = |err: std::io::Error| HelperError::Failed(format!("cannot run it: {err}"));
    let mut child = Command::new(&path)
        .arg(action)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(failed)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is judged by its exit status.
        let _ = stdin.write_all(input.as_bytes());
    }
    let output = child.wait_with_output().map_err(failed)?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let said = String::from_utf8_lossy(&output.stdout);
    let said = said.trim();
    if said == NOT_FOUND_MESSAGE {
        return Err(HelperError::NotFound);
    }
    let said = said.lines().next().unwrap_or_default();
    Err(HelperError::Failed(if said.is_empty() {
        format!("`{action}` failed ({})", output.status)
    } else {
        format!("`{action}` failed ({}): {said}", output.status)
    }))
}

fn helper_program(helper: &str) -> String {
    format!("docker-credential-{helper}")
}

/// One warning line per helper and process, however often it fails (the image checks and the
/// build both ask).
fn warn_helper(helper: &str, why: &str) {
    warn_once(&helper_program(helper), helper_warning(helper, why));
}

/// Prints `line` on stderr unless a line about `subject` was printed already.
fn warn_once(subject: &str, line: String) {
    static WARNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let first = WARNED
        .get_or_init(Mutex::default)
        .lock()
        .map_or(true, |mut warned| warned.insert(subject.to_string()));
    if first {
        eprintln!("{line}");
    }
}

fn helper_warning(helper: &str, why: &str) -> String {
    format!(
        "warning: credential helper {}: {why}; going on without its registry credentials",
        helper_program(helper)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(key: &str, name: &str, password: &str) -> DockerCredentials {
        DockerCredentials {
            username: Some(name.into()),
            password: Some(password.into()),
            serveraddress: Some(key.into()),
            ..DockerCredentials::default()
        }
    }

    #[test]
    fn auths_become_credentials() {
        let credentials = RegistryCredentials::parse(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "bGVvbjpzM2NyZXQ="},
                "registry.example.com": {"auth": "", "identitytoken": "tok"},
                "plain.example.com": {"username": "ann", "password": "pw"},
                "helper.example.com": {}
            }}"#,
        )
        .unwrap();
        let all = credentials.all();
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(all[DOCKER_HUB_KEY], user(DOCKER_HUB_KEY, "leon", "s3cret"));
        let token = &all["registry.example.com"];
        assert_eq!(token.identitytoken.as_deref(), Some("tok"));
        assert_eq!(token.username, None);
        assert_eq!(
            all["plain.example.com"],
            user("plain.example.com", "ann", "pw")
        );
        assert!(RegistryCredentials::parse("{}").unwrap().all().is_empty());
    }

    #[test]
    fn broken_entries_are_reported() {
        let error = |text| RegistryCredentials::parse(text).unwrap_err();
        assert!(error(r#"{"auths": {"r": {"auth": "%%%"}}}"#).contains("not base64"));
        // "nocolon", and ":pw" (no user), are no user:password.
        assert!(error(r#"{"auths": {"r": {"auth": "bm9jb2xvbg=="}}}"#).contains("user:password"));
        assert!(error(r#"{"auths": {"r": {"auth": "OnB3"}}}"#).contains("user:password"));
        assert!(RegistryCredentials::parse("not json").is_err());
    }

    #[test]
    fn a_missing_config_means_no_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = RegistryCredentials::load(dir.path());
        assert!(credentials.all().is_empty());
        assert_eq!(credentials.lookup(DOCKER_HUB_KEY), RegistryAuth::None);
    }

    #[test]
    fn the_registry_helper_wins_over_the_store_and_the_store_over_auths() {
        let credentials = RegistryCredentials::parse(
            r#"{"auths": {"a.example.com": {"auth": "bGVvbjpzM2NyZXQ="}},
                "credsStore": "pass",
                "credHelpers": {"gcr.io": "gcloud", "b.example.com": ""}}"#,
        )
        .unwrap();
        assert_eq!(credentials.helper_for("gcr.io"), Some("gcloud"));
        assert_eq!(credentials.helper_for("a.example.com"), Some("pass"));
        assert_eq!(credentials.helper_for(DOCKER_HUB_KEY), Some("pass"));
        // An empty helper name means the `auths` entries, whatever credsStore says.
        assert_eq!(credentials.helper_for("b.example.com"), None);
        let no_store = RegistryCredentials::parse(
            r#"{"credsStore": "", "credHelpers": {"gcr.io": "gcloud"}}"#,
        )
        .unwrap();
        assert_eq!(no_store.helper_for("a.example.com"), None);
        assert_eq!(no_store.helper_for("gcr.io"), Some("gcloud"));
    }

    #[test]
    fn auths_are_found_by_key_or_by_the_host_of_a_url_key() {
        let credentials = RegistryCredentials::parse(
            r#"{"auths": {
                "https://old.example.com/v1/": {"auth": "bGVvbjpzM2NyZXQ="},
                "new.example.com:5000": {"identitytoken": "tok"}
            }}"#,
        )
        .unwrap();
        let RegistryAuth::Found(old) = credentials.lookup("old.example.com") else {
            panic!("old.example.com has credentials");
        };
        assert_eq!(old.username.as_deref(), Some("leon"));
        let RegistryAuth::Found(new) = credentials.lookup("new.example.com:5000") else {
            panic!("new.example.com:5000 has credentials");
        };
        assert_eq!(new.identitytoken.as_deref(), Some("tok"));
        assert_eq!(credentials.lookup("new.example.com"), RegistryAuth::None);
    }

    #[test]
    fn a_missing_helper_is_unavailable_and_costs_only_its_credentials() {
        let credentials = RegistryCredentials::parse(
            r#"{"auths": {"a.example.com": {"auth": "bGVvbjpzM2NyZXQ="}},
                "credHelpers": {"b.example.com": "rbuild-test-no-such-helper",
                                "a.example.com": ""}}"#,
        )
        .unwrap();
        assert_eq!(
            credentials.lookup("b.example.com"),
            RegistryAuth::Unavailable
        );
        let all = credentials.all();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["a.example.com"]);
        assert_eq!(
            helper_get("rbuild-test-no-such-helper", "b.example.com"),
            Err(HelperError::Failed("it is not on PATH".into()))
        );
        assert_eq!(
            helper_warning("rbuild-test-no-such-helper", "it is not on PATH"),
            "warning: credential helper docker-credential-rbuild-test-no-such-helper: it is not \
             on PATH; going on without its registry credentials"
        );
    }

    #[test]
    fn image_references_name_their_registry_key() {
        assert_eq!(registry_key("alpine"), DOCKER_HUB_KEY);
        assert_eq!(registry_key("leon/redis:7"), DOCKER_HUB_KEY);
        assert_eq!(registry_key("docker.io/library/alpine"), DOCKER_HUB_KEY);
        assert_eq!(registry_key("index.docker.io/leon/app"), DOCKER_HUB_KEY);
        assert_eq!(
            registry_key("127.0.0.1:5000/rbuild-test/private:1"),
            "127.0.0.1:5000"
        );
        assert_eq!(registry_key("localhost/app"), "localhost");
        assert_eq!(
            registry_key("ghcr.io/o/app@sha256:0123456789abcdef0123456789abcdef"),
            "ghcr.io"
        );
    }

    #[test]
    fn session_credentials_are_keyed_by_the_host_buildkit_asks_for() {
        let mut all = HashMap::new();
        all.insert(DOCKER_HUB_KEY.to_string(), user(DOCKER_HUB_KEY, "hub", "1"));
        all.insert(
            "https://registry.example.com/v2/".to_string(),
            user("https://registry.example.com/v2/", "url", "2"),
        );
        all.insert(
            "registry.example.com".to_string(),
            user("registry.example.com", "host", "3"),
        );
        all.insert(
            "127.0.0.1:5000".to_string(),
            user("127.0.0.1:5000", "local", "4"),
        );
        let session = by_session_host(all);
        let name = |host: &str| session[host].username.clone().unwrap();
        assert_eq!(session.len(), 3, "{session:?}");
        assert_eq!(name("registry-1.docker.io"), "hub");
        assert_eq!(name("registry.example.com"), "host");
        assert_eq!(name("127.0.0.1:5000"), "local");
    }

    #[test]
    fn headers_are_url_safe_base64_json() {
        // Bytes that the standard alphabet encodes with `+` and `/`.
        let credentials = user("registry.example.com", "leon", "??>>??>>");
        let decode = |header: &str| -> serde_json::Value {
            let json = base64::engine::general_purpose::URL_SAFE
                .decode(header)
                .unwrap();
            serde_json::from_slice(&json).unwrap()
        };
        let auth = auth_header(&credentials);
        assert!(!auth.contains(['+', '/']), "{auth}");
        assert_eq!(decode(&auth)["password"], "??>>??>>");
        let mut all = HashMap::new();
        all.insert("registry.example.com".to_string(), credentials);
        let config = config_header(&all).unwrap();
        assert!(!config.contains(['+', '/']), "{config}");
        assert_eq!(decode(&config)["registry.example.com"]["username"], "leon");
        assert_eq!(config_header(&HashMap::new()), None);
    }
}
