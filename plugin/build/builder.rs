//! Which of the daemon's builders runs the build: `--builder`, `DOCKER_BUILDKIT`, and the
//! `Builder-Version` header of the daemon's ping answer.
//!
//! The docker CLI's rule: `DOCKER_BUILDKIT` (a boolean) decides when set; otherwise the
//! daemon's ping says which builder it prefers (`Builder-Version: 2` is BuildKit). The CLI
//! 23+ also falls back to BuildKit (through buildx) when the header is missing on a Linux
//! daemon; we cannot assume buildx, so a daemon that does not say 2 builds classic.

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;

use crate::dial;
use crate::endpoint::Endpoint;
use crate::error::input_error;

/// The environment variable the docker CLI reads to force a builder.
pub const BUILDKIT_ENV: &str = "DOCKER_BUILDKIT";

/// The daemon's ping header naming its preferred builder.
const BUILDER_VERSION_HEADER: &str = "Builder-Version";

/// `--builder` as typed (or `builder` in `.rbuild.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuilderChoice {
    /// `DOCKER_BUILDKIT` if set, else the builder the daemon prefers
    #[default]
    Auto,
    /// The classic builder (API builder version 1)
    Classic,
    /// BuildKit, through the daemon's session API (builder version 2)
    Buildkit,
}

/// The builder a build runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    Classic,
    BuildKit,
}

impl std::fmt::Display for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Builder::Classic => "the classic builder",
            Builder::BuildKit => "BuildKit",
        })
    }
}

/// `DOCKER_BUILDKIT` as the docker CLI parses it (Go's `strconv.ParseBool`); unset or empty
/// leaves the choice to the daemon.
pub fn from_env(value: Option<&str>) -> anyhow::Result<Option<Builder>> {
    match value {
        None | Some("") => Ok(None),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(Some(Builder::BuildKit)),
        Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(Some(Builder::Classic)),
        Some(other) => Err(input_error(format!(
            "{BUILDKIT_ENV}={other:?}: expected a boolean (1, 0, true or false)"
        ))),
    }
}

/// The builder a daemon prefers, from its `Builder-Version` ping header.
pub fn from_builder_version(header: Option<&str>) -> Builder {
    match header.map(str::trim) {
        Some("2") => Builder::BuildKit,
        _ => Builder::Classic,
    }
}

/// Resolves `auto`: the environment's choice (see [`from_env`]) first, then (only then) the
/// daemon is asked.
pub async fn resolve(
    choice: BuilderChoice,
    env_choice: Option<Builder>,
    endpoint: &Endpoint,
) -> anyhow::Result<Builder> {
    match (choice, env_choice) {
        (BuilderChoice::Classic, _) => Ok(Builder::Classic),
        (BuilderChoice::Buildkit, _) => Ok(Builder::BuildKit),
        (BuilderChoice::Auto, Some(builder)) => Ok(builder),
        (BuilderChoice::Auto, None) => Ok(from_builder_version(
            ping_builder_version(endpoint).await?.as_deref(),
        )),
    }
}

/// `GET /_ping` and its `Builder-Version` header. bollard's `ping` returns the body only,
/// so the request goes over a connection of our own (one HTTP/1.1 exchange).
async fn ping_builder_version(endpoint: &Endpoint) -> anyhow::Result<Option<String>> {
    let failed = || format!("cannot ask the Docker daemon at {endpoint} for its builder");
    let stream = dial::dial(endpoint).await.with_context(failed)?;
    let response = ping(stream).await.with_context(failed)?;
    Ok(response
        .headers()
        .get(BUILDER_VERSION_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned))
}

async fn ping<S>(stream: S) -> anyhow::Result<hyper::Response<hyper::body::Incoming>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    // The connection task ends with the exchange (or with the sender, when dropped).
    tokio::spawn(connection);
    let request = hyper::Request::get("/_ping")
        .header(hyper::header::HOST, "docker")
        .body(Empty::<Bytes>::new())?;
    Ok(sender.send_request(request).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_buildkit_is_a_go_boolean() {
        assert_eq!(from_env(None).unwrap(), None);
        assert_eq!(from_env(Some("")).unwrap(), None);
        assert_eq!(from_env(Some("1")).unwrap(), Some(Builder::BuildKit));
        assert_eq!(from_env(Some("true")).unwrap(), Some(Builder::BuildKit));
        assert_eq!(from_env(Some("0")).unwrap(), Some(Builder::Classic));
        assert_eq!(from_env(Some("False")).unwrap(), Some(Builder::Classic));
        let err = from_env(Some("yes")).unwrap_err();
        assert!(err.is::<crate::error::InputError>());
        assert!(err.to_string().starts_with("DOCKER_BUILDKIT=\"yes\""));
    }

    #[test]
    fn the_ping_header_picks_buildkit_only_for_version_2() {
        assert_eq!(from_builder_version(Some("2")), Builder::BuildKit);
        assert_eq!(from_builder_version(Some("1")), Builder::Classic);
        assert_eq!(from_builder_version(None), Builder::Classic);
    }
}
