//! Docker endpoint resolution, the docker CLI's way: flags, environment, contexts.
//!
//! Order: `--context` > `-H` or a non-empty `DOCKER_HOST` > `DOCKER_CONTEXT` >
//! `currentContext` in `config.json` > the default unix socket. The context named
//! `default` stands for the endpoint given by `-H`, `DOCKER_HOST` or the default socket,
//! with TLS from `--tls*`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`.
//!
//! Resolution reads files (config.json, context metadata) but never the process
//! environment: callers pass a lookup function, so it is testable.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::argv::GlobalOptions;
use crate::error::input_error;

/// Where the docker CLI's engine listens by default on Linux.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The context name that means "no context: flags, environment or the default socket".
const DEFAULT_CONTEXT: &str = "default";

/// Default TCP ports of the Docker engine, without and with TLS.
const PLAIN_PORT: u16 = 2375;
const TLS_PORT: u16 = 2376;

/// A daemon endpoint and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub address: Address,
    pub source: EndpointSource,
    /// TLS settings; only ever set for TCP addresses.
    pub tls: Option<TlsMaterial>,
}

/// Where the daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    /// `host:port`.
    Tcp(String),
    /// A remote engine reached through the system `ssh` (see `crate::ssh`).
    Ssh(SshHost),
}

/// An `ssh://[user@]host[:port][/socket]` address, as the docker CLI reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshHost {
    /// The login name; else ssh's configuration decides.
    pub user: Option<String>,
    /// The host name (IPv6 addresses without brackets), resolved by ssh and its configuration.
    pub host: String,
    /// Else ssh's configuration decides.
    pub port: Option<u16>,
    /// The daemon's socket on the remote host; else the remote docker CLI's default.
    pub socket: Option<String>,
}

/// How the endpoint was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    /// A docker global flag (`-H`).
    Flag(&'static str),
    /// An environment variable (`DOCKER_HOST`).
    Env(&'static str),
    /// A named context, and what named it.
    Context { name: String, from: ContextSelector },
    /// Nothing was configured: the default socket.
    Default,
}

/// What selected a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextSelector {
    /// `--context`.
    Flag,
    /// `DOCKER_CONTEXT`.
    Env,
    /// `currentContext` in this config.json.
    ConfigFile(PathBuf),
}

/// TLS files for a TCP endpoint; `verify` says whether the daemon's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsMaterial {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub verify: bool,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Unix(path) => write!(f, "unix://{}", path.display()),
            Address::Tcp(authority) => write!(f, "tcp://{authority}"),
            Address::Ssh(ssh) => write!(f, "{ssh}"),
        }
    }
}

impl fmt::Display for SshHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ssh://")?;
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(socket) = &self.socket {
            f.write_str(socket)?;
        }
        Ok(())
    }
}

impl fmt::Display for ContextSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextSelector::Flag => f.write_str("--context"),
            ContextSelector::Env => f.write_str("DOCKER_CONTEXT"),
            ContextSelector::ConfigFile(path) => {
                write!(f, "currentContext in {}", path.display())
            }
        }
    }
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointSource::Flag(name) | EndpointSource::Env(name) => write!(f, "from {name}"),
            EndpointSource::Context { name, from } => write!(f, "context {name:?} from {from}"),
            EndpointSource::Default => f.write_str("default"),
        }
    }
}

impl fmt::Display for Endpoint {
    /// `tcp://127.0.0.1:2376 (TLS, from DOCKER_HOST)`: the address and how it was chosen.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tls = match &self.tls {
            Some(tls) if tls.verify => "TLS, ",
            Some(_) => "TLS without verification, ",
            None => "",
        };
        write!(f, "{} ({tls}{})", self.address, self.source)
    }
}

/// Resolves the endpoint from the global flags and the process environment.
pub fn resolve_from_process(globals: &GlobalOptions) -> anyhow::Result<Endpoint> {
    resolve(globals, &|name| std::env::var(name).ok())
}

/// Resolves the endpoint from the global flags and an environment lookup.
pub fn resolve(
    globals: &GlobalOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Endpoint> {
    // Empty variables count as unset, as in the docker CLI.
    let env = |name: &str| env(name).filter(|value| !value.is_empty());
    if globals.context.is_some() && globals.host.is_some() {
        return Err(input_error(
            "conflicting options: either specify --host or --context, not both",
        ));
    }
    let config_dir = config_dir(globals, &env)?;
    let selected = if let Some(name) = &globals.context {
        Some((name.clone(), ContextSelector::Flag))
    } else if globals.host.is_some() || env("DOCKER_HOST").is_some() {
        None
    } else if let Some(name) = env("DOCKER_CONTEXT") {
        Some((name, ContextSelector::Env))
    } else {
        current_context(&config_dir)?
    };
    match selected {
        Some((name, from)) if name != DEFAULT_CONTEXT => named_context(&config_dir, name, from),
        selected => default_context(globals, &env, selected),
    }
}

/// The docker configuration directory: `--config`, else `$DOCKER_CONFIG`, else `~/.docker`.
pub fn config_dir(
    globals: &GlobalOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<PathBuf> {
    match &globals.config {
        Some(dir) => Ok(dir.clone()),
        None => default_config_dir(env),
    }
}

/// `$DOCKER_CONFIG`, else `~/.docker`.
fn default_config_dir(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = env("DOCKER_CONFIG") {
        return Ok(PathBuf::from(dir));
    }
    let home = env("HOME").ok_or_else(|| {
        input_error("cannot find the Docker configuration: neither DOCKER_CONFIG nor HOME is set")
    })?;
    Ok(Path::new(&home).join(".docker"))
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

/// The context named by `currentContext` in `config.json`, if the file exists and names one.
fn current_context(config_dir: &Path) -> anyhow::Result<Option<(String, ContextSelector)>> {
    let path = config_dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(input_error(format!(
                "cannot read {}: {}",
                path.display(),
                err
            )))
        }
    };
    let config: ConfigFile = serde_json::from_str(&text)
        .map_err(|err| input_error(format!("invalid {}: {err}", path.display())))?;
    Ok(config
        .current_context
        .filter(|name| !name.is_empty())
        .map(|name| (name, ContextSelector::ConfigFile(path))))
}

/// The default context: `-H`, `DOCKER_HOST` or the default socket, with the docker CLI's TLS options.
fn default_context(
    globals: &GlobalOptions,
    env: &dyn Fn(&str) -> Option<String>,
    selected: Option<(String, ContextSelector)>,
) -> anyhow::Result<Endpoint> {
    let (host, source) = if let Some(host) = &globals.host {
        (host.clone(), EndpointSource::Flag("-H"))
    } else if let Some(host) = env("DOCKER_HOST") {
        (host, EndpointSource::Env("DOCKER_HOST"))
    } else {
        let source = match selected {
            Some((name, from)) => EndpointSource::Context { name, from },
            None => EndpointSource::Default,
        };
        (format!("unix://{DEFAULT_SOCKET}"), source)
    };
    let tls = default_tls(globals, env)?;
    let address = parse_host(&host, tls.is_some())
        .with_context(|| format!("invalid Docker host {host:?} ({source})"))?;
    Ok(endpoint(address, source, tls))
}

/// TLS for the default context. As in the docker CLI, giving `--tlsverify` at all (even
/// `=false`) turns TLS on; its default comes from `DOCKER_TLS_VERIFY`; files default to
/// `DOCKER_CERT_PATH` (else the config directory). A missing default certificate or key is
/// dropped, but the CA file is kept: the docker CLI insists on reading it, even unverified.
fn default_tls(
    globals: &GlobalOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<TlsMaterial>> {
    let verify = globals
        .tls_verify
        .unwrap_or_else(|| env("DOCKER_TLS_VERIFY").is_some());
    if !(globals.tls || globals.tls_verify.is_some() || verify) {
        return Ok(None);
    }
    let cert_dir = match env("DOCKER_CERT_PATH") {
        Some(dir) => PathBuf::from(dir),
        None => default_config_dir(env)?,
    };
    let file = |flag: &Option<PathBuf>, name: &str| match flag {
        Some(path) => Some(path.clone()),
        None => Some(cert_dir.join(name)).filter(|path| path.exists()),
    };
    Ok(Some(TlsMaterial {
        ca: Some(
            globals
                .tls_ca_cert
                .clone()
                .unwrap_or_else(|| cert_dir.join("ca.pem")),
        ),
        cert: file(&globals.tls_cert, "cert.pem"),
        key: file(&globals.tls_key, "key.pem"),
        verify,
    }))
}

#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Endpoints", default)]
    endpoints: ContextEndpoints,
}

#[derive(Deserialize, Default)]
struct ContextEndpoints {
    docker: Option<DockerEndpointMeta>,
}

#[derive(Deserialize)]
struct DockerEndpointMeta {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

/// A named context from `contexts/meta/<sha256 of name>/meta.json` and its TLS directory.
fn named_context(
    config_dir: &Path,
    name: String,
    from: ContextSelector,
) -> anyhow::Result<Endpoint> {
    let id = context_id(&name);
    let meta_path = config_dir.join("contexts/meta").join(&id).join("meta.json");
    let text = match std::fs::read_to_string(&meta_path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(input_error(format!(
                "unknown context {name:?} (from {from}): {} does not exist",
                meta_path.display()
            )))
        }
        Err(err) => {
            return Err(input_error(format!(
                "cannot read context {name:?} at {}: {err}",
                meta_path.display()
            )))
        }
    };
    let meta: ContextMeta = serde_json::from_str(&text).map_err(|err| {
        input_error(format!(
            "invalid context {name:?} at {}: {err}",
            meta_path.display()
        ))
    })?;
    let docker = meta.endpoints.docker.ok_or_else(|| {
        input_error(format!(
            "context {name:?} has no docker endpoint ({})",
            meta_path.display()
        ))
    })?;
    let host = docker
        .host
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| format!("unix://{DEFAULT_SOCKET}"));
    let tls_dir = config_dir.join("contexts/tls").join(&id).join("docker");
    let file = |file_name: &str| Some(tls_dir.join(file_name)).filter(|path| path.exists());
    let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
    // The docker CLI uses TLS for a context when it has TLS files or skips verification.
    let uses_tls = ca.is_some() || cert.is_some() || key.is_some() || docker.skip_tls_verify;
    let tls = uses_tls.then_some(TlsMaterial {
        ca,
        cert,
        key,
        verify: !docker.skip_tls_verify,
    });
    let source = EndpointSource::Context { name, from };
    let address = parse_host(&host, tls.is_some())
        .with_context(|| format!("invalid Docker host {host:?} ({source})"))?;
    Ok(endpoint(address, source, tls))
}

/// The directory name the docker CLI stores a context under: the SHA-256 of its name, in hex.
pub fn context_id(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn endpoint(address: Address, source: EndpointSource, tls: Option<TlsMaterial>) -> Endpoint {
    // TLS options only concern TCP; the docker CLI's default TLS flags do not break unix sockets.
    let tls = tls.filter(|_| matches!(address, Address::Tcp(_)));
    Endpoint {
        address,
        source,
        tls,
    }
}

/// Parses a docker host the way `-H` does: `unix://PATH`, `tcp://HOST[:PORT]`,
/// `ssh://[USER@]HOST[:PORT][/SOCKET]` or a bare `HOST[:PORT]`.
fn parse_host(host: &str, tls: bool) -> anyhow::Result<Address> {
    let (scheme, rest) = host.split_once("://").unwrap_or(("tcp", host));
    match scheme {
        "unix" if rest.is_empty() => Err(input_error("a unix:// host needs a socket path")),
        "unix" => Ok(Address::Unix(PathBuf::from(rest))),
        "tcp" => parse_tcp(rest, tls).map(Address::Tcp),
        "npipe" => Err(input_error(
            "npipe:// is a Windows named pipe; use unix://, tcp:// or ssh:// on this system",
        )),
        "ssh" => parse_ssh(rest).map(Address::Ssh),
        other => Err(input_error(format!(
            "unsupported scheme {other}://; use unix://, tcp:// or ssh://"
        ))),
    }
}

/// The part of an `ssh://` URL after the scheme, with the docker CLI's rules: no password,
/// query or fragment; a host is required; user and path are percent-decoded.
fn parse_ssh(rest: &str) -> anyhow::Result<SshHost> {
    let invalid = |why: String| input_error(format!("invalid ssh URL: {why}"));
    if let Some((_, fragment)) = rest.split_once('#') {
        return Err(invalid(format!("fragments are not allowed: {fragment:?}")));
    }
    if let Some((_, query)) = rest.split_once('?') {
        return Err(invalid(format!(
            "query parameters are not allowed: {query:?}"
        )));
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((user_info, host_port)) => {
            if user_info.contains(':') {
                return Err(invalid("plain-text password is not supported".into()));
            }
            (Some(decoded("user", user_info)?), host_port)
        }
        None => (None, authority),
    };
    let (host, port) = split_host_port(host_port);
    if host.is_empty() {
        return Err(invalid("hostname is empty".into()));
    }
    let port = port
        .map(|port| {
            port.parse::<u16>()
                .map_err(|_| invalid(format!("invalid port {port:?}")))
        })
        .transpose()?;
    let path = decoded("path", path)?;
    Ok(SshHost {
        user: user.filter(|user| !user.is_empty()),
        host: host.to_owned(),
        port,
        // A path of slashes only means the remote default, as in the docker CLI.
        socket: (!path.trim_matches('/').is_empty()).then_some(path),
    })
}

/// `host[:port]` or `[v6 address][:port]`, the brackets dropped; an empty port counts as none.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':')),
            None => (authority, None),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    (host, port.filter(|port| !port.is_empty()))
}

/// A percent-decoded URL part; control characters are refused, since the part ends up in
/// ssh's command line and the remote shell's.
fn decoded(what: &str, part: &str) -> anyhow::Result<String> {
    let text = percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map_err(|_| input_error(format!("invalid ssh URL: the {what} is not UTF-8")))?;
    if text.chars().any(char::is_control) {
        return Err(input_error(format!(
            "invalid ssh URL: the {what} contains control characters"
        )));
    }
    Ok(text.into_owned())
}

/// `HOST[:PORT]` with docker's defaults: host `localhost`, port 2375 (2376 with TLS).
fn parse_tcp(authority: &str, tls: bool) -> anyhow::Result<String> {
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    if authority.contains('/') {
        return Err(input_error("a tcp:// host takes no path"));
    }
    let default_port = if tls { TLS_PORT } else { PLAIN_PORT };
    // The port follows the last colon, unless that colon is inside an IPv6 `[...]`.
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port),
        _ => (authority, ""),
    };
    let host = if host.is_empty() { "localhost" } else { host };
    let port = if port.is_empty() {
        default_port
    } else {
        port.parse::<u16>()
            .map_err(|_| input_error(format!("invalid port {port:?}")))?
    };
    Ok(format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::error::InputError;

    /// A Docker configuration directory with contexts laid out as the docker CLI does.
    struct ConfigDir(tempfile::TempDir);

    impl ConfigDir {
        fn new() -> ConfigDir {
            ConfigDir(tempfile::tempdir().unwrap())
        }

        fn path(&self) -> &Path {
            self.0.path()
        }

        fn add_context(&self, name: &str, endpoint: serde_json::Value) {
            let dir = self.path().join("contexts/meta").join(context_id(name));
            std::fs::create_dir_all(&dir).unwrap();
            let meta = serde_json::json!({
                "Name": name,
                "Metadata": {},
                "Endpoints": { "docker": endpoint },
            });
            std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
        }

        fn add_context_tls(&self, name: &str, files: &[&str]) {
            let dir = self
                .path()
                .join("contexts/tls")
                .join(context_id(name))
                .join("docker");
            std::fs::create_dir_all(&dir).unwrap();
            for file in files {
                std::fs::write(dir.join(file), "pem").unwrap();
            }
        }

        fn set_current_context(&self, name: &str) {
            let config = serde_json::json!({ "auths": {}, "currentContext": name });
            std::fs::write(self.path().join("config.json"), config.to_string()).unwrap();
        }

        /// Resolves with `DOCKER_CONFIG` pointing here plus `vars`.
        fn resolve(
            &self,
            globals: &GlobalOptions,
            vars: &[(&str, &str)],
        ) -> anyhow::Result<Endpoint> {
            let mut env: HashMap<String, String> = vars
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect();
            env.entry("DOCKER_CONFIG".into())
                .or_insert_with(|| self.path().to_str().unwrap().to_owned());
            resolve(globals, &|name| env.get(name).cloned())
        }
    }

    /// A config directory with contexts `ctx-flag`, `ctx-env` and `ctx-current` (the current one).
    fn layered_config() -> ConfigDir {
        let config = ConfigDir::new();
        for name in ["ctx-flag", "ctx-env", "ctx-current"] {
            config.add_context(
                name,
                serde_json::json!({ "Host": format!("unix:///run/{name}.sock"), "SkipTLSVerify": false }),
            );
        }
        config.set_current_context("ctx-current");
        config
    }

    fn globals_with_context(name: &str) -> GlobalOptions {
        GlobalOptions {
            context: Some(name.into()),
            ..GlobalOptions::default()
        }
    }

    fn globals_with_host(host: &str) -> GlobalOptions {
        GlobalOptions {
            host: Some(host.into()),
            ..GlobalOptions::default()
        }
    }

    fn unix(path: &str) -> Address {
        Address::Unix(PathBuf::from(path))
    }

    fn context_source(name: &str, from: ContextSelector) -> EndpointSource {
        EndpointSource::Context {
            name: name.into(),
            from,
        }
    }

    fn is_input_error(err: &anyhow::Error) -> bool {
        err.chain().any(|cause| cause.is::<InputError>())
    }

    #[test]
    fn context_id_is_sha256_hex_of_the_name() {
        assert_eq!(
            context_id("foo"),
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
        );
    }

    #[test]
    fn nothing_configured_gives_the_default_socket() {
        let config = ConfigDir::new();
        let endpoint = config.resolve(&GlobalOptions::default(), &[]).unwrap();
        assert_eq!(endpoint.address, unix(DEFAULT_SOCKET));
        assert_eq!(endpoint.source, EndpointSource::Default);
        assert_eq!(endpoint.tls, None);
        assert_eq!(
            endpoint.to_string(),
            "unix:///var/run/docker.sock (default)"
        );
    }

    #[test]
    fn current_context_from_config_json() {
        let config = layered_config();
        let endpoint = config.resolve(&GlobalOptions::default(), &[]).unwrap();
        assert_eq!(endpoint.address, unix("/run/ctx-current.sock"));
        let config_json = config.path().join("config.json");
        assert_eq!(
            endpoint.source,
            context_source("ctx-current", ContextSelector::ConfigFile(config_json))
        );
    }

    #[test]
    fn docker_context_beats_current_context() {
        let config = layered_config();
        let endpoint = config
            .resolve(&GlobalOptions::default(), &[("DOCKER_CONTEXT", "ctx-env")])
            .unwrap();
        assert_eq!(endpoint.address, unix("/run/ctx-env.sock"));
        assert_eq!(
            endpoint.source,
            context_source("ctx-env", ContextSelector::Env)
        );
    }

    #[test]
    fn docker_host_beats_docker_context() {
        let config = layered_config();
        let vars = [
            ("DOCKER_CONTEXT", "ctx-env"),
            ("DOCKER_HOST", "unix:///run/env.sock"),
        ];
        let endpoint = config.resolve(&GlobalOptions::default(), &vars).unwrap();
        assert_eq!(endpoint.address, unix("/run/env.sock"));
        assert_eq!(endpoint.source, EndpointSource::Env("DOCKER_HOST"));
    }

    #[test]
    fn empty_docker_host_is_ignored() {
        let config = layered_config();
        let endpoint = config
            .resolve(&GlobalOptions::default(), &[("DOCKER_HOST", "")])
            .unwrap();
        assert_eq!(endpoint.address, unix("/run/ctx-current.sock"));
    }

    #[test]
    fn host_flag_beats_docker_host() {
        let config = layered_config();
        let vars = [
            ("DOCKER_CONTEXT", "ctx-env"),
            ("DOCKER_HOST", "unix:///run/env.sock"),
        ];
        let endpoint = config
            .resolve(&globals_with_host("unix:///run/flag.sock"), &vars)
            .unwrap();
        assert_eq!(endpoint.address, unix("/run/flag.sock"));
        assert_eq!(endpoint.source, EndpointSource::Flag("-H"));
        assert_eq!(endpoint.to_string(), "unix:///run/flag.sock (from -H)");
    }

    #[test]
    fn context_flag_beats_everything() {
        let config = layered_config();
        let vars = [
            ("DOCKER_CONTEXT", "ctx-env"),
            ("DOCKER_HOST", "unix:///run/env.sock"),
        ];
        let endpoint = config
            .resolve(&globals_with_context("ctx-flag"), &vars)
            .unwrap();
        assert_eq!(endpoint.address, unix("/run/ctx-flag.sock"));
        assert_eq!(
            endpoint.source,
            context_source("ctx-flag", ContextSelector::Flag)
        );
        assert_eq!(
            endpoint.to_string(),
            "unix:///run/ctx-flag.sock (context \"ctx-flag\" from --context)"
        );
    }

    #[test]
    fn context_and_host_flags_conflict() {
        let config = layered_config();
        let globals = GlobalOptions {
            host: Some("unix:///run/flag.sock".into()),
            ..globals_with_context("ctx-flag")
        };
        let err = config.resolve(&globals, &[]).unwrap_err();
        assert!(is_input_error(&err));
        assert!(err
            .to_string()
            .contains("either specify --host or --context"));
    }

    #[test]
    fn default_context_uses_docker_host() {
        let config = layered_config();
        let endpoint = config
            .resolve(
                &globals_with_context("default"),
                &[("DOCKER_HOST", "tcp://10.0.0.1")],
            )
            .unwrap();
        assert_eq!(endpoint.address, Address::Tcp("10.0.0.1:2375".into()));
        assert_eq!(endpoint.source, EndpointSource::Env("DOCKER_HOST"));
    }

    #[test]
    fn default_context_named_explicitly() {
        let config = layered_config();
        let endpoint = config
            .resolve(&globals_with_context("default"), &[])
            .unwrap();
        assert_eq!(endpoint.address, unix(DEFAULT_SOCKET));
        assert_eq!(
            endpoint.source,
            context_source("default", ContextSelector::Flag)
        );
    }

    #[test]
    fn config_flag_beats_docker_config() {
        let flagged = layered_config();
        let globals = GlobalOptions {
            config: Some(flagged.path().to_owned()),
            ..GlobalOptions::default()
        };
        let other = ConfigDir::new();
        let endpoint = other.resolve(&globals, &[]).unwrap();
        assert_eq!(endpoint.address, unix("/run/ctx-current.sock"));
    }

    #[test]
    fn config_dir_defaults_to_dot_docker_in_home() {
        let home = tempfile::tempdir().unwrap();
        let config = ConfigDir(tempfile::tempdir().unwrap());
        config.add_context(
            "home-ctx",
            serde_json::json!({ "Host": "unix:///run/home.sock" }),
        );
        config.set_current_context("home-ctx");
        std::fs::rename(config.path(), home.path().join(".docker")).unwrap();
        let home_path = home.path().to_str().unwrap().to_owned();
        let endpoint = resolve(&GlobalOptions::default(), &|name| {
            (name == "HOME").then(|| home_path.clone())
        })
        .unwrap();
        assert_eq!(endpoint.address, unix("/run/home.sock"));
    }

    #[test]
    fn unknown_context_is_an_input_error() {
        let config = layered_config();
        let err = config
            .resolve(&GlobalOptions::default(), &[("DOCKER_CONTEXT", "nope")])
            .unwrap_err();
        assert!(is_input_error(&err));
        let message = err.to_string();
        assert!(
            message.contains("unknown context \"nope\" (from DOCKER_CONTEXT)"),
            "{message}"
        );
        assert!(message.contains(&context_id("nope")), "{message}");
    }

    #[test]
    fn unreadable_meta_json_names_the_file() {
        let config = ConfigDir::new();
        let dir = config
            .path()
            .join("contexts/meta")
            .join(context_id("broken"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("meta.json"), "{\"Endpoints\": ").unwrap();
        let err = config
            .resolve(&globals_with_context("broken"), &[])
            .unwrap_err();
        assert!(is_input_error(&err));
        let message = err.to_string();
        assert!(
            message.contains(&dir.join("meta.json").display().to_string()),
            "{message}"
        );
        assert!(message.contains("line 1"), "{message}");
    }

    #[test]
    fn invalid_config_json_is_an_input_error() {
        let config = ConfigDir::new();
        std::fs::write(config.path().join("config.json"), "not json").unwrap();
        let err = config.resolve(&GlobalOptions::default(), &[]).unwrap_err();
        assert!(is_input_error(&err));
        assert!(err.to_string().contains("config.json"));
    }

    #[test]
    fn context_tls_files_turn_tls_on() {
        let config = ConfigDir::new();
        config.add_context("secure", serde_json::json!({ "Host": "tcp://127.0.0.1" }));
        config.add_context_tls("secure", &["ca.pem", "cert.pem", "key.pem"]);
        let endpoint = config
            .resolve(&globals_with_context("secure"), &[])
            .unwrap();
        assert_eq!(endpoint.address, Address::Tcp("127.0.0.1:2376".into()));
        let tls = endpoint.tls.expect("TLS");
        let tls_dir = config
            .path()
            .join("contexts/tls")
            .join(context_id("secure"))
            .join("docker");
        assert_eq!(tls.ca, Some(tls_dir.join("ca.pem")));
        assert_eq!(tls.cert, Some(tls_dir.join("cert.pem")));
        assert_eq!(tls.key, Some(tls_dir.join("key.pem")));
        assert!(tls.verify);
    }

    #[test]
    fn context_skip_tls_verify() {
        let config = ConfigDir::new();
        config.add_context(
            "insecure",
            serde_json::json!({ "Host": "tcp://127.0.0.1:9999", "SkipTLSVerify": true }),
        );
        let endpoint = config
            .resolve(&globals_with_context("insecure"), &[])
            .unwrap();
        let tls = endpoint.tls.expect("TLS");
        assert!(!tls.verify);
        assert_eq!(tls.ca, None);
    }

    #[test]
    fn context_without_tls_files_is_plain_tcp() {
        let config = ConfigDir::new();
        config.add_context(
            "plain",
            serde_json::json!({ "Host": "tcp://127.0.0.1:2375" }),
        );
        let endpoint = config.resolve(&globals_with_context("plain"), &[]).unwrap();
        assert_eq!(endpoint.tls, None);
    }

    #[test]
    fn docker_tls_verify_and_cert_path() {
        let config = ConfigDir::new();
        let certs = tempfile::tempdir().unwrap();
        for file in ["ca.pem", "cert.pem"] {
            std::fs::write(certs.path().join(file), "pem").unwrap();
        }
        let vars = [
            ("DOCKER_HOST", "tcp://127.0.0.1"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", certs.path().to_str().unwrap()),
        ];
        let endpoint = config.resolve(&GlobalOptions::default(), &vars).unwrap();
        assert_eq!(endpoint.address, Address::Tcp("127.0.0.1:2376".into()));
        let tls = endpoint.tls.expect("TLS");
        assert!(tls.verify);
        assert_eq!(tls.ca, Some(certs.path().join("ca.pem")));
        assert_eq!(tls.cert, Some(certs.path().join("cert.pem")));
        // Missing default files are dropped, as the docker CLI does.
        assert_eq!(tls.key, None);
    }

    #[test]
    fn tls_alone_keeps_the_default_ca_path_even_when_missing() {
        let config = ConfigDir::new();
        let certs = tempfile::tempdir().unwrap();
        let globals = GlobalOptions {
            host: Some("tcp://127.0.0.1".into()),
            tls: true,
            ..GlobalOptions::default()
        };
        let vars = [("DOCKER_CERT_PATH", certs.path().to_str().unwrap())];
        let tls = config.resolve(&globals, &vars).unwrap().tls.expect("TLS");
        assert!(!tls.verify);
        // The docker CLI reads the default CA file even unverified, so its absence must show.
        assert_eq!(tls.ca, Some(certs.path().join("ca.pem")));
        assert_eq!((tls.cert, tls.key), (None, None));
    }

    #[test]
    fn tls_flags_override_the_environment() {
        let config = ConfigDir::new();
        let globals = GlobalOptions {
            host: Some("tcp://127.0.0.1:4000".into()),
            tls_verify: Some(false),
            tls_ca_cert: Some("/certs/my-ca.pem".into()),
            ..GlobalOptions::default()
        };
        let endpoint = config
            .resolve(&globals, &[("DOCKER_TLS_VERIFY", "1")])
            .unwrap();
        let tls = endpoint.tls.expect("--tlsverify=false still means TLS");
        assert!(!tls.verify);
        assert_eq!(tls.ca, Some(PathBuf::from("/certs/my-ca.pem")));
    }

    #[test]
    fn plain_tcp_without_tls_settings() {
        let config = ConfigDir::new();
        let endpoint = config
            .resolve(&globals_with_host("127.0.0.1:4000"), &[])
            .unwrap();
        assert_eq!(endpoint.address, Address::Tcp("127.0.0.1:4000".into()));
        assert_eq!(endpoint.tls, None);
    }

    #[test]
    fn tls_settings_do_not_apply_to_unix_sockets() {
        let config = ConfigDir::new();
        let endpoint = config
            .resolve(&GlobalOptions::default(), &[("DOCKER_TLS_VERIFY", "1")])
            .unwrap();
        assert_eq!(endpoint.tls, None);
    }

    #[test]
    fn host_forms() {
        assert_eq!(
            parse_host("tcp://:2375", false).unwrap(),
            Address::Tcp("localhost:2375".into())
        );
        assert_eq!(
            parse_host("tcp://[::1]", true).unwrap(),
            Address::Tcp("[::1]:2376".into())
        );
        assert_eq!(
            parse_host("tcp://[::1]:99/", false).unwrap(),
            Address::Tcp("[::1]:99".into())
        );
        assert_eq!(
            parse_host("unix:///a/b.sock", false).unwrap(),
            unix("/a/b.sock")
        );
    }

    fn ssh(user: Option<&str>, host: &str, port: Option<u16>, socket: Option<&str>) -> Address {
        Address::Ssh(SshHost {
            user: user.map(str::to_owned),
            host: host.into(),
            port,
            socket: socket.map(str::to_owned),
        })
    }

    #[test]
    fn ssh_host_forms() {
        for (host, expected, shown) in [
            (
                "ssh://build-host",
                ssh(None, "build-host", None, None),
                "ssh://build-host",
            ),
            (
                "ssh://me@build-host:2222",
                ssh(Some("me"), "build-host", Some(2222), None),
                "ssh://me@build-host:2222",
            ),
            (
                "ssh://root@[::1]:22/run/docker%20two.sock",
                ssh(Some("root"), "::1", Some(22), Some("/run/docker two.sock")),
                "ssh://root@[::1]:22/run/docker two.sock",
            ),
            // An empty user or port, or a path of slashes, leave the choice to ssh or the
            // remote docker CLI, as in the docker CLI.
            ("ssh://@host:/", ssh(None, "host", None, None), "ssh://host"),
            (
                "ssh://a%40b@host",
                ssh(Some("a@b"), "host", None, None),
                "ssh://a@b@host",
            ),
        ] {
            let address = parse_host(host, false).unwrap();
            assert_eq!(address, expected, "{host}");
            assert_eq!(address.to_string(), shown, "{host}");
        }
    }

    #[test]
    fn ssh_context_ignores_tls_settings() {
        let config = ConfigDir::new();
        config.add_context(
            "remote",
            serde_json::json!({ "Host": "ssh://me@build-host", "SkipTLSVerify": true }),
        );
        let endpoint = config
            .resolve(&globals_with_context("remote"), &[])
            .unwrap();
        assert_eq!(endpoint.address, ssh(Some("me"), "build-host", None, None));
        assert_eq!(endpoint.tls, None);
        assert_eq!(
            endpoint.to_string(),
            "ssh://me@build-host (context \"remote\" from --context)"
        );
    }

    #[test]
    fn unsupported_hosts_are_input_errors() {
        for (host, expected) in [
            ("npipe:////./pipe/docker_engine", "Windows named pipe"),
            (
                "ssh://me:secret@server",
                "plain-text password is not supported",
            ),
            ("ssh://me@", "hostname is empty"),
            ("ssh://server:port", "invalid port \"port\""),
            ("ssh://server?x=1", "query parameters are not allowed"),
            ("ssh://server#top", "fragments are not allowed"),
            (
                "ssh://server/run%0Adocker.sock",
                "the path contains control characters",
            ),
            ("fd://", "unsupported scheme fd://"),
            ("unix://", "needs a socket path"),
            ("tcp://host:port", "invalid port"),
            ("tcp://host:2375/path", "takes no path"),
        ] {
            let err = ConfigDir::new()
                .resolve(&globals_with_host(host), &[])
                .unwrap_err();
            assert!(is_input_error(&err), "{host}");
            let message = format!("{err:#}");
            assert!(message.contains(expected), "{host}: {message}");
            assert!(
                message.contains(&format!("{host:?} (from -H)")),
                "{host}: {message}"
            );
        }
    }
}
