//! `--push`: the built image's tags pushed through the daemon (`POST /images/NAME/push`), with
//! the registry credentials of the docker configuration, as `docker push` would.

use std::path::PathBuf;

use anyhow::Context as _;
use bollard::query_parameters::PushImageOptions;
use futures_util::StreamExt;

use crate::build::progress::ProgressMode;
use crate::credentials::{self, RegistryAuth, RegistryCredentials};

/// Pushes every tag, in order; the first failure stops (exit 1) with the daemon's message.
pub async fn push(
    docker: &bollard::Docker,
    tags: &[String],
    config_dir: Option<PathBuf>,
    progress: ProgressMode,
) -> anyhow::Result<()> {
    for tag in tags {
        let reference = rbuild_lints::reference::parse(tag)
            .map_err(|why| anyhow::anyhow!("cannot push {tag}: {why}"))?;
        let name = reference.name.to_owned();
        let version = reference.tag.unwrap_or("latest").to_owned();
        let key = credentials::registry_key(tag);
        let dir = config_dir.clone();
        // Helpers are programs: off the async threads.
        let auth = tokio::task::spawn_blocking(move || match dir {
            Some(dir) => RegistryCredentials::load(&dir).lookup(&key),
            None => RegistryAuth::None,
        })
        .await
        .context("reading the registry credentials stopped unexpectedly")?;
        let client = match &auth {
            RegistryAuth::Found(found) => with_push_auth(docker, credentials::auth_header(found)),
            RegistryAuth::None | RegistryAuth::Unavailable => docker.clone(),
        };
        if progress != ProgressMode::Quiet {
            eprintln!("pushing {name}:{version}");
        }
        let options = PushImageOptions {
            tag: Some(version.clone()),
            platform: None,
        };
        let mut messages = client.push_image(&name, Some(options), None);
        let mut digest = None;
        while let Some(message) = messages.next().await {
            let message = message.map_err(|err| {
                anyhow::anyhow!(
                    "cannot push {name}:{version}: {}",
                    crate::daemon::describe(&err)
                )
            })?;
            if let Some(error) = message.error_detail.and_then(|detail| detail.message) {
                anyhow::bail!("cannot push {name}:{version}: {error}");
            }
            if let Some(found) = message.status.as_deref().and_then(|status| {
                status
                    .split_whitespace()
                    .find(|word| word.starts_with("sha256:"))
            }) {
                digest = Some(found.to_owned());
            }
        }
        if progress != ProgressMode::Quiet {
            match digest {
                Some(digest) => eprintln!("pushed {name}:{version} ({digest})"),
                None => eprintln!("pushed {name}:{version}"),
            }
        }
    }
    Ok(())
}

/// `docker`, sending `header` as the `X-Registry-Auth` of its push requests.
fn with_push_auth(docker: &bollard::Docker, header: String) -> bollard::Docker {
    docker.clone().with_request_modifier(move |mut request| {
        if request.uri().path().ends_with("/push") {
            // URL-safe base64 is ASCII: always a valid header value.
            if let Ok(value) = header.parse() {
                request.headers_mut().insert("X-Registry-Auth", value);
            }
        }
        request
    })
}
