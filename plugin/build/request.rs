//! The validated build configuration and the `POST /build` request made from it.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use bollard::query_parameters::{BuildImageOptions, BuilderVersion};
use regex::Regex;
use serde::Serialize;

use crate::build::builder::{self, Builder, BuilderChoice};
use crate::build::progress::ProgressMode;
use crate::build::session_flags::{self, Environment, OutputKind, SessionFlags};
use crate::commands::build::{BuildArgs, ProgressFlag};
use crate::error::input_error;
use crate::gate::GateLevel;
use crate::session::filesend::ArchiveDest;
use crate::session::SessionId;

/// Everything a build needs, checked before anything runs.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildConfig {
    /// The context as given (`.` when omitted): a directory, `-`, or a git URL.
    pub context: String,
    /// `-f/--file` as given.
    pub dockerfile: Option<String>,
    pub tags: Vec<String>,
    /// Build arguments in command-line order; bare `KEY`s unset in the environment are dropped.
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    /// `--lint`: what the lint gate does before the context is sent (else the config file's).
    pub lint: Option<GateLevel>,
    /// `--shellcheck`: the lint gate runs ShellCheck (else the config file's `shellcheck`).
    pub shellcheck: bool,
    pub no_cache: bool,
    /// Record the build's cache keys and explain cache misses (`--no-explain-cache` unsets).
    pub explain_cache: bool,
    pub pull: bool,
    pub labels: Vec<(String, String)>,
    pub platform: Option<String>,
    pub iidfile: Option<PathBuf>,
    pub network: Option<String>,
    /// `host:ip` entries, the form the daemon expects.
    pub extra_hosts: Vec<String>,
    pub shm_size: Option<u64>,
    pub ulimits: Vec<Ulimit>,
    pub cache_from: Vec<String>,
    pub rm: bool,
    pub force_rm: bool,
    pub progress: ProgressMode,
    /// `auto` is resolved once the daemon is connected.
    pub builder: Option<BuilderChoice>,
    /// `DOCKER_BUILDKIT`, validated with the flags: it decides `auto` when set.
    pub builder_from_env: Option<Builder>,
    /// `--secret`, `--ssh`, `--output`, `--push`: served by our BuildKit session.
    pub session: SessionFlags,
}

/// One `--ulimit`, serialized the way the daemon's `ulimits` query parameter expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ulimit {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Soft")]
    pub soft: i64,
    #[serde(rename = "Hard")]
    pub hard: i64,
}

/// The resource names the daemon's ulimit parser knows.
const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

impl BuildConfig {
    /// Validates the command line; every problem is an input error (exit 2).
    pub fn from_args(args: BuildArgs) -> anyhow::Result<BuildConfig> {
        Self::from_args_with_env(args, |key| std::env::var(key).ok())
    }

    fn from_args_with_env(
        args: BuildArgs,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<BuildConfig> {
        let builder_from_env = builder::from_env(env(builder::BUILDKIT_ENV).as_deref())?;
        let classic = match args.builder {
            Some(BuilderChoice::Classic) => Some("--builder=classic"),
            Some(BuilderChoice::Buildkit) => None,
            Some(BuilderChoice::Auto) | None => {
                (builder_from_env == Some(Builder::Classic)).then_some("DOCKER_BUILDKIT=0")
            }
        };
        let session_flag = session_flags::first_used(
            !args.secrets.is_empty(),
            !args.ssh.is_empty(),
            !args.outputs.is_empty(),
            args.push,
        );
        if let (Some(chosen_by), Some(flag)) = (classic, session_flag) {
            return Err(classic_refusal(flag, chosen_by));
        }
        let session = SessionFlags::parse(
            &args.secrets,
            &args.ssh,
            &args.outputs,
            args.push,
            &Environment {
                var: &env,
                stdout_is_terminal: std::io::stdout().is_terminal(),
            },
        )?;
        if let Some(output) = &session.output {
            if args.iidfile.is_some() {
                return Err(input_error(
                    "--iidfile needs an image, and --output exports files instead of one",
                ));
            }
            let rawjson = args.progress == ProgressFlag::Rawjson && !args.quiet;
            if rawjson && output.kind == OutputKind::Tar(ArchiveDest::Stdout) {
                return Err(input_error(
                    "--output - writes the archive to stdout, where --progress=rawjson writes too: give dest=FILE",
                ));
            }
        }
        if session.push && args.tags.is_empty() {
            return Err(input_error(
                "--push needs a name to push: give -t NAME[:TAG]",
            ));
        }
        for tag in &args.tags {
            validate_tag(tag).map_err(|why| input_error(format!("invalid tag {tag:?}: {why}")))?;
        }
        let mut build_args = Vec::new();
        for spec in &args.build_args {
            let (key, value) = split_key_value("--build-arg", spec)?;
            match value.or_else(|| env(&key)) {
                Some(value) => build_args.push((key, value)),
                // Like docker: a bare KEY that the environment does not set is not sent.
                None => continue,
            }
        }
        let labels = args
            .labels
            .iter()
            .map(|spec| {
                split_key_value("--label", spec)
                    .map(|(key, value)| (key, value.unwrap_or_default()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let extra_hosts = args
            .add_hosts
            .iter()
            .map(|spec| parse_extra_host(spec))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let ulimits = args
            .ulimits
            .iter()
            .map(|spec| parse_ulimit(spec))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let shm_size = args.shm_size.as_deref().map(parse_byte_size).transpose()?;
        let platform = non_empty("--platform", args.platform)?;
        if let Some(platform) = &platform {
            validate_platform(platform)?;
        }
        let target = non_empty("--target", args.target)?;
        let network = non_empty("--network", args.network)?;
        let progress = if args.quiet {
            ProgressMode::Quiet
        } else {
            match args.progress {
                ProgressFlag::Auto if std::io::stderr().is_terminal() => ProgressMode::Live,
                ProgressFlag::Auto | ProgressFlag::Plain => ProgressMode::Plain,
                ProgressFlag::Tty => ProgressMode::Live,
                ProgressFlag::Quiet => ProgressMode::Quiet,
                ProgressFlag::Rawjson => ProgressMode::RawJson,
            }
        };
        Ok(BuildConfig {
            context: args.context.unwrap_or_else(|| ".".into()),
            dockerfile: args.file,
            tags: args.tags,
            build_args,
            target,
            lint: args.lint,
            shellcheck: args.shellcheck,
            no_cache: args.no_cache,
            explain_cache: !args.no_explain_cache,
            pull: args.pull,
            labels,
            platform,
            iidfile: args.iidfile,
            network,
            extra_hosts,
            shm_size,
            ulimits,
            cache_from: args.cache_from,
            rm: args.rm,
            force_rm: args.force_rm,
            progress,
            builder: args.builder,
            builder_from_env,
            session,
        })
    }

    /// The query parameters bollard's `BuildImageOptions` can carry. It is always a classic
    /// request to bollard: for a BuildKit one, bollard 0.21.1 would open a session of its own
    /// (registry credentials only); [`Self::extra_query`] makes it a BuildKit request that
    /// names ours.
    pub fn options(&self, dockerfile_in_context: &str) -> BuildImageOptions {
        let to_map = |pairs: &[(String, String)]| {
            (!pairs.is_empty()).then(|| pairs.iter().cloned().collect::<HashMap<_, _>>())
        };
        BuildImageOptions {
            dockerfile: dockerfile_in_context.to_owned(),
            // Tags, extra hosts, ulimits and shm size go through `extra_query` (see there).
            t: None,
            extrahosts: None,
            shmsize: None,
            q: false,
            nocache: self.no_cache,
            cachefrom: (!self.cache_from.is_empty()).then(|| self.cache_from.clone()),
            pull: self.pull.then(|| "1".to_owned()),
            rm: self.rm,
            forcerm: self.force_rm,
            buildargs: to_map(&self.build_args),
            labels: to_map(&self.labels),
            networkmode: self.network.clone(),
            platform: self.platform.clone().unwrap_or_default(),
            target: self.target.clone().unwrap_or_default(),
            version: BuilderVersion::BuilderV1,
            ..BuildImageOptions::default()
        }
    }

    /// Query parameters that bollard 0.21.1's `BuildImageOptions` cannot express: several `t`
    /// and `extrahosts` values (it holds one string each), `ulimits` (absent), a `shmsize`
    /// above 2 GiB (it holds an i32), and for BuildKit (`session` given) `version=2`, the
    /// session and the `outputs`. Put in the request by [`with_build_extras`].
    pub fn extra_query(&self, session: Option<&SessionId>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(session) = session {
            query.append_pair("version", "2");
            query.append_pair("session", &session.id);
            if let Some(outputs) = self.session.outputs_query() {
                query.append_pair("outputs", &outputs);
            }
        }
        for tag in &self.tags {
            query.append_pair("t", tag);
        }
        for host in &self.extra_hosts {
            query.append_pair("extrahosts", host);
        }
        if !self.ulimits.is_empty() {
            let json = serde_json::to_string(&self.ulimits).expect("ulimits serialize to JSON");
            query.append_pair("ulimits", &json);
        }
        if let Some(size) = self.shm_size {
            query.append_pair("shmsize", &size.to_string());
        }
        query.finish()
    }
}

/// A client whose `POST /build` requests carry `extra` (already URL-encoded) in their query,
/// in place of bollard's parameters of the same names, and, when given, `registry_config` as
/// their `X-Registry-Config` header.
pub fn with_build_extras(
    docker: bollard::Docker,
    extra: String,
    registry_config: Option<String>,
) -> bollard::Docker {
    if extra.is_empty() && registry_config.is_none() {
        return docker;
    }
    docker.with_request_modifier(move |mut request| {
        if request.uri().path().ends_with("/build") {
            if !extra.is_empty() {
                *request.uri_mut() = replace_query(request.uri(), &extra);
            }
            if let Some(value) = registry_config.as_deref() {
                // URL-safe base64 is ASCII: always a valid header value.
                if let Ok(value) = value.parse() {
                    request.headers_mut().insert("X-Registry-Config", value);
                }
            }
        }
        request
    })
}

/// `uri` with `extra` (URL-encoded) added to its query, replacing the parameters it names.
fn replace_query(uri: &hyper::Uri, extra: &str) -> hyper::Uri {
    let replaced: std::collections::HashSet<_> = form_urlencoded::parse(extra.as_bytes())
        .map(|(key, _)| key)
        .collect();
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if !replaced.contains(&key) {
            query.append_pair(&key, &value);
        }
    }
    let query = query.finish();
    let separator = if query.is_empty() { "" } else { "&" };
    let mut parts = uri.clone().into_parts();
    // Form-encoded ASCII keeps the path and query valid.
    parts.path_and_query = format!("{}?{query}{separator}{extra}", uri.path())
        .parse()
        .ok()
        .or(parts.path_and_query);
    hyper::Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
}

/// The classic builder cannot serve the session flags: an input error naming BuildKit.
pub fn refuse_classic(session: &SessionFlags, chosen_by: &str) -> anyhow::Result<()> {
    match session.first_used() {
        Some(flag) => Err(classic_refusal(flag, chosen_by)),
        None => Ok(()),
    }
}

fn classic_refusal(flag: &str, chosen_by: &str) -> anyhow::Error {
    input_error(format!(
        "{flag} needs BuildKit, and {chosen_by} chose the classic builder"
    ))
}

/// A `-t` value: a valid docker reference, without a digest (the daemon cannot tag with one).
fn validate_tag(tag: &str) -> Result<(), String> {
    match rbuild_lints::reference::parse(tag)?.digest {
        Some(_) => Err("a tag cannot contain a digest (`@sha256:...`)".into()),
        None => Ok(()),
    }
}

/// `os[/arch[/variant]]`, each part letters, digits, `_`, `.` or `-`, as the daemon's platform
/// parser accepts them: checked before any request, so a typo is an input error.
fn validate_platform(platform: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = platform.split('/').collect();
    let valid_part = |part: &&str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    if parts.len() > 3 || !parts.iter().all(valid_part) {
        return Err(input_error(format!(
            "invalid --platform {platform:?}: expected OS[/ARCH[/VARIANT]], such as linux/amd64 or linux/arm64/v8"
        )));
    }
    Ok(())
}

fn non_empty(flag: &str, value: Option<String>) -> anyhow::Result<Option<String>> {
    match value {
        Some(value) if value.trim().is_empty() => Err(input_error(format!("{flag} needs a value"))),
        other => Ok(other),
    }
}

/// `KEY=VALUE` -> (KEY, Some(VALUE)); `KEY` -> (KEY, None).
fn split_key_value(flag: &str, spec: &str) -> anyhow::Result<(String, Option<String>)> {
    let (key, value) = match spec.split_once('=') {
        Some((key, value)) => (key, Some(value.to_owned())),
        None => (spec, None),
    };
    if key.trim().is_empty() || key.chars().any(char::is_whitespace) {
        return Err(input_error(format!(
            "{flag} {spec:?}: expected KEY=VALUE with a non-empty KEY without spaces"
        )));
    }
    Ok((key.to_owned(), value))
}

/// `host:ip` or `host=ip` -> `host:ip`; the IP must parse (or be docker's `host-gateway`).
fn parse_extra_host(spec: &str) -> anyhow::Result<String> {
    let invalid = |why: &str| input_error(format!("--add-host {spec:?}: {why}"));
    // `=` first: an IPv6 address contains colons.
    let (host, ip) = spec
        .split_once('=')
        .or_else(|| spec.split_once(':'))
        .ok_or_else(|| invalid("expected HOST:IP or HOST=IP"))?;
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == ':') {
        return Err(invalid("the host name is empty or not valid"));
    }
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if ip != "host-gateway" && ip.parse::<IpAddr>().is_err() {
        return Err(invalid(&format!("{ip:?} is not an IP address")));
    }
    Ok(format!("{host}:{ip}"))
}

/// `NAME=SOFT[:HARD]` as docker parses it.
fn parse_ulimit(spec: &str) -> anyhow::Result<Ulimit> {
    let invalid = |why: String| input_error(format!("--ulimit {spec:?}: {why}"));
    let (name, limits) = spec
        .split_once('=')
        .ok_or_else(|| invalid("expected NAME=SOFT[:HARD]".into()))?;
    if !ULIMIT_NAMES.contains(&name) {
        return Err(invalid(format!(
            "unknown resource {name:?} (one of {})",
            ULIMIT_NAMES.join(", ")
        )));
    }
    let number = |text: &str| {
        text.parse::<i64>()
            .map_err(|_| invalid(format!("{text:?} is not a whole number")))
    };
    let (soft, hard) = match limits.split_once(':') {
        Some((soft, hard)) => (number(soft)?, number(hard)?),
        None => {
            let soft = number(limits)?;
            (soft, soft)
        }
    };
    // -1 stands for "unlimited" in docker's ulimit syntax.
    if hard != -1 && (soft == -1 || soft > hard) {
        return Err(invalid(format!(
            "the soft limit {soft} is above the hard limit {hard}"
        )));
    }
    Ok(Ulimit {
        name: name.to_owned(),
        soft,
        hard,
    })
}

/// A size like docker's `RAMInBytes`: a number with an optional binary unit (`k`, `m`, `g`, `t`, `p`,
/// optionally followed by `b` or `ib`), e.g. `512`, `64m`, `1.5GiB`.
fn parse_byte_size(text: &str) -> anyhow::Result<u64> {
    static SIZE: OnceLock<Regex> = OnceLock::new();
    let size = SIZE.get_or_init(|| {
        Regex::new(r"(?i)^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtp])?(?:i?b)?\s*$")
            .expect("the size pattern is a valid regex")
    });
    let invalid = || {
        input_error(format!(
            "--shm-size {text:?}: expected a size like 64m or 1g"
        ))
    };
    let captures = size.captures(text).ok_or_else(invalid)?;
    let number: f64 = captures[1].parse().map_err(|_| invalid())?;
    let exponent = match captures
        .get(2)
        .map(|unit| unit.as_str().to_ascii_lowercase())
    {
        None => 0,
        Some(unit) => "kmgtp".find(&unit).map_or(0, |index| index as i32 + 1),
    };
    let bytes = number * 1024f64.powi(exponent);
    if bytes < 1.0 || bytes > i64::MAX as f64 {
        return Err(input_error(format!(
            "--shm-size {text:?}: the size must be above zero"
        )));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Harness {
        #[command(flatten)]
        args: BuildArgs,
    }

    fn config(argv: &[&str]) -> anyhow::Result<BuildConfig> {
        let args = Harness::try_parse_from(std::iter::once("build").chain(argv.iter().copied()))
            .expect("arguments parse")
            .args;
        BuildConfig::from_args_with_env(args, |key| (key == "FROM_ENV").then(|| "env-value".into()))
    }

    #[test]
    fn docker_buildkit_is_validated_with_the_flags() {
        let with_env = |value: &'static str| {
            let args = Harness::try_parse_from(["build", "."]).unwrap().args;
            BuildConfig::from_args_with_env(args, move |key| {
                (key == "DOCKER_BUILDKIT").then(|| value.to_string())
            })
        };
        assert_eq!(
            with_env("0").unwrap().builder_from_env,
            Some(Builder::Classic)
        );
        assert_eq!(with_env("").unwrap().builder_from_env, None);
        let err = with_env("maybe").unwrap_err();
        assert!(err.is::<crate::error::InputError>(), "{err}");
    }

    fn input_message(argv: &[&str]) -> String {
        let err = config(argv).unwrap_err();
        assert!(err.is::<crate::error::InputError>(), "{err}");
        err.to_string()
    }

    #[test]
    fn flags_become_a_config() {
        let config = config(&[
            "-t",
            "a/b:1",
            "--tag=c",
            "--build-arg",
            "X=1",
            "--build-arg",
            "FROM_ENV",
            "--build-arg",
            "UNSET",
            "--label",
            "k=v",
            "--label",
            "bare",
            "--target",
            "final",
            "--no-cache",
            "--pull",
            "--add-host",
            "db=10.0.0.2",
            "--add-host",
            "v6:::1",
            "--shm-size",
            "1g",
            "--ulimit",
            "nofile=1024:2048",
            "--rm=false",
            "--force-rm",
            "--progress",
            "rawjson",
            "ctx",
        ])
        .unwrap();
        assert_eq!(config.context, "ctx");
        assert_eq!(config.tags, ["a/b:1", "c"]);
        assert_eq!(
            config.build_args,
            [
                ("X".into(), "1".into()),
                ("FROM_ENV".into(), "env-value".into())
            ]
        );
        assert_eq!(
            config.labels,
            [("k".into(), "v".into()), ("bare".into(), String::new())]
        );
        assert_eq!(config.extra_hosts, ["db:10.0.0.2", "v6:::1"]);
        assert_eq!(config.shm_size, Some(1 << 30));
        assert!(!config.rm && config.force_rm && config.no_cache && config.pull);
        assert_eq!(config.progress, ProgressMode::RawJson);
        assert_eq!(
            config.extra_query(None),
            "t=a%2Fb%3A1&t=c&extrahosts=db%3A10.0.0.2&extrahosts=v6%3A%3A%3A1\
             &ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Soft%22%3A1024%2C%22Hard%22%3A2048%7D%5D\
             &shmsize=1073741824"
        );
        let options = config.options("sub/Dockerfile");
        assert_eq!(options.dockerfile, "sub/Dockerfile");
        assert_eq!(options.target, "final");
        assert_eq!(options.pull.as_deref(), Some("1"));
        assert_eq!(options.version, BuilderVersion::BuilderV1);
    }

    #[test]
    fn defaults() {
        let config = config(&[]).unwrap();
        assert_eq!(config.context, ".");
        assert!(config.rm && !config.force_rm);
        assert_eq!(config.extra_query(None), "");
        let options = config.options("Dockerfile");
        assert!(options.buildargs.is_none() && options.labels.is_none() && options.t.is_none());
    }

    #[test]
    fn quiet_wins_over_progress() {
        assert_eq!(
            config(&["-q", "--progress=plain"]).unwrap().progress,
            ProgressMode::Quiet
        );
    }

    #[test]
    fn bad_values_are_input_errors() {
        assert_eq!(
            input_message(&["-t", "bad/Name"]),
            "invalid tag \"bad/Name\": repository name must be lowercase"
        );
        assert!(input_message(&["--build-arg", "=x"]).starts_with("--build-arg \"=x\""));
        assert!(input_message(&["--add-host", "db:not-an-ip"]).contains("not an IP address"));
        assert!(input_message(&["--ulimit", "nofile=10:5"]).contains("above the hard limit"));
        assert!(input_message(&["--ulimit", "files=10"]).contains("unknown resource"));
        assert!(input_message(&["--shm-size", "lots"]).contains("expected a size"));
        assert!(input_message(&["--target", ""]).contains("needs a value"));
    }

    #[test]
    fn tags_are_docker_references_without_digests() {
        assert!(config(&[
            "-t",
            "localhost:5000/team/app:v1",
            "-t",
            "Registry.example.com/x"
        ])
        .is_ok());
        let digest =
            "alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(input_message(&["-t", digest])
            .ends_with("a tag cannot contain a digest (`@sha256:...`)"));
        assert!(input_message(&["-t", "app:"]).contains("invalid reference format"));
    }

    #[test]
    fn session_flags_are_refused_by_the_classic_builder() {
        for argv in [
            &["--builder=classic", "--secret", "id=x"][..],
            &["--builder=classic", "--ssh", "default"],
            &["--builder=classic", "--output", "type=local,dest=out"],
            &["--builder=classic", "--push", "-t", "x"],
        ] {
            let message = input_message(argv);
            assert!(
                message
                    .ends_with("needs BuildKit, and --builder=classic chose the classic builder"),
                "{argv:?}: {message}"
            );
        }
        let args = Harness::try_parse_from(["build", "--ssh", "default", "."])
            .unwrap()
            .args;
        let err = BuildConfig::from_args_with_env(args, |key| {
            (key == "DOCKER_BUILDKIT").then(|| "0".to_string())
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--ssh needs BuildKit, and DOCKER_BUILDKIT=0 chose the classic builder"
        );
        assert!(input_message(&["--push"]).contains("--push needs a name to push"));
        assert!(input_message(&["-o", "out", "--iidfile", "id"])
            .starts_with("--iidfile needs an image"));
        assert!(input_message(&["-o", "-", "--progress=rawjson"]).contains("give dest=FILE"));
    }

    #[test]
    fn buildkit_requests_name_our_session_in_place_of_bollards_version() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out").display().to_string();
        let config = config(&["--builder", "buildkit", "-t", "app", "-o", &out]).unwrap();
        let session = SessionId::new("/src/app");
        let query = config.extra_query(Some(&session));
        assert!(
            query.starts_with(&format!("version=2&session={}&outputs=", session.id)),
            "{query}"
        );
        let bollards: hyper::Uri =
            "http://docker/v1.44/build?dockerfile=Dockerfile&version=1&rm=true"
                .parse()
                .unwrap();
        let replaced = replace_query(&bollards, &query).to_string();
        assert!(
            replaced.starts_with(
                "http://docker/v1.44/build?dockerfile=Dockerfile&rm=true&version=2&session="
            ),
            "{replaced}"
        );
        assert_eq!(replaced.matches("version=").count(), 1, "{replaced}");
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size("512").unwrap(), 512);
        assert_eq!(parse_byte_size("64m").unwrap(), 64 << 20);
        assert_eq!(parse_byte_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_byte_size("2k").unwrap(), 2048);
        assert!(parse_byte_size("0").is_err());
    }
}
