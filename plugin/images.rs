//! The daemon-aware checks: every image a build uses is looked up in the daemon (and, when
//! missing or with `--pull`, in its registry through the daemon) before anything is sent.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bollard::auth::DockerCredentials;
use bollard::errors::Error as DaemonError;
use bollard::Docker;
use futures_util::future::join_all;
use rbuild_lints::diagnostic::{Diagnostic, Finding};
use rbuild_lints::images::{image_uses, ImageUse, ImageUseKind};
use rbuild_lints::rule::{ImageConfig, LintOptions, Rule};
use rbuild_lints::rules::{
    IMAGE_NOT_FOUND, IMAGE_NOT_VERIFIED, IMAGE_PLATFORM_MISMATCH, UNKNOWN_STAGE_REFERENCE,
};
use rbuild_lints::suggest;
use rbuild_lints::syntax::{Dockerfile, Span};

use crate::credentials::{self, RegistryAuth, RegistryCredentials};
use crate::error::input_error;

/// A registry that does not answer within this time counts as unreachable.
const REGISTRY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the image checks need besides the Dockerfile.
pub struct ImageCheck<'a> {
    pub docker: &'a Docker,
    pub options: &'a LintOptions,
    /// `--pull`: look every image up in its registry, not only the missing ones.
    pub pull: bool,
    /// `--platform` of the build.
    pub platform: Option<&'a str>,
    /// The docker configuration directory, whose credentials for a registry are sent with the
    /// question to it.
    pub config_dir: Option<PathBuf>,
}

/// The ENV and WORKDIR of the base images the daemon has, by reference, so that the linter can
/// judge values that depend on them (a mount target or VOLUME path from a variable, a relative
/// mount target). With `--pull` the daemon may get another version first: nothing is known then.
pub async fn base_image_configs(
    docker: &Docker,
    dockerfile: &Dockerfile,
    options: &LintOptions,
    pull: bool,
) -> BTreeMap<String, ImageConfig> {
    if pull {
        return BTreeMap::new();
    }
    let bases: Vec<String> = image_uses(dockerfile, options)
        .unwrap_or_default()
        .into_iter()
        .filter(|image| image.kind == ImageUseKind::Base)
        .map(|image| image.reference)
        .collect();
    let inspected = join_all(
        bases
            .iter()
            .map(|reference| docker.inspect_image(reference)),
    )
    .await;
    bases
        .into_iter()
        .zip(inspected)
        .filter_map(|(reference, image)| {
            let config = image.ok()?.config.unwrap_or_default();
            let env = config
                .env
                .unwrap_or_default()
                .iter()
                .filter_map(|pair| pair.split_once('='))
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect();
            let working_dir = config.working_dir.filter(|dir| !dir.is_empty());
            Some((reference, ImageConfig { env, working_dir }))
        })
        .collect()
}

/// Whether a daemon rule's finding at `span` says nothing new: the linter already reported the
/// name there as a missing, later or misspelt stage (RB105), so asking the daemon about an image
/// of that name would report the same mistake twice.
pub fn explained_by_stage_check(diagnostics: &[Diagnostic], span: Span) -> bool {
    diagnostics
        .iter()
        .any(|d| d.rule.code == UNKNOWN_STAGE_REFERENCE.code && d.span == span)
}

/// The findings of the daemon rules, in file order.
pub async fn check(
    dockerfile: &Dockerfile,
    check: &ImageCheck<'_>,
) -> anyhow::Result<Vec<(&'static Rule, Finding)>> {
    let uses = image_uses(dockerfile, check.options).map_err(input_error)?;
    let mut unique: BTreeMap<&str, Vec<&ImageUse>> = BTreeMap::new();
    for image in &uses {
        unique
            .entry(image.reference.as_str())
            .or_default()
            .push(image);
    }
    let auths = Auths::new(check.config_dir.as_deref());
    let verdicts = join_all(
        unique
            .keys()
            .map(|reference| lookup(check, &auths, reference)),
    )
    .await;
    let local_names = if verdicts.iter().any(|v| {
        matches!(
            v,
            Lookup::NotFound { local: false }
                | Lookup::Unreachable { local: false, .. }
                | Lookup::Unverified { local: false, .. }
        )
    }) {
        local_image_names(check.docker).await
    } else {
        Vec::new()
    };
    let mut findings = Vec::new();
    for ((reference, image_uses), verdict) in unique.iter().zip(verdicts) {
        // A close local name is most likely what was meant: say so in the message itself, so
        // that the one-line form of the finding carries it too.
        let suggestion = || match closest_local(reference, &local_names) {
            Some(close) => format!("; did you mean `{close}`?"),
            None => String::new(),
        };
        for image in image_uses {
            let what = describe_use(image);
            match &verdict {
                Lookup::Local(local_platform) => {
                    let requested = image.platform.as_deref().or(check.platform);
                    if let Some(finding) =
                        platform_mismatch(image, what, requested, local_platform.as_ref())
                    {
                        findings.push((&IMAGE_PLATFORM_MISMATCH, finding));
                    }
                }
                Lookup::InRegistry => {}
                Lookup::NotFound { local: false } => findings.push((
                    &IMAGE_NOT_FOUND,
                    Finding::new(
                        image.span,
                        format!("{what} `{reference}` not found locally or in the registry{}", suggestion()),
                    )
                    .with_help("check the name and tag; `docker images` lists the local images"),
                )),
                Lookup::NotFound { local: true } => findings.push((
                    &IMAGE_NOT_FOUND,
                    Finding::new(
                        image.span,
                        format!("{what} `{reference}` is only in the daemon: its registry does not know it, so `--pull` fails"),
                    )
                    .with_help("build without `--pull` to use the local image"),
                )),
                // The daemon pulls through the endpoints it was just asked through: it cannot
                // reach them either, so the step is certain to fail.
                Lookup::Unreachable { reason, local: false } => findings.push((
                    &IMAGE_NOT_FOUND,
                    Finding::new(
                        image.span,
                        format!(
                            "{what} `{reference}` is not in the daemon, and the daemon cannot reach its registry to pull it ({reason}){}",
                            suggestion()
                        ),
                    )
                    .with_help("use an image the daemon has (`docker images` lists them), or build where the daemon reaches the registry"),
                )),
                Lookup::Unreachable { reason, local: true } => findings.push((
                    &IMAGE_NOT_FOUND,
                    Finding::new(
                        image.span,
                        format!("{what} `{reference}` is in the daemon, but `--pull` needs its registry, which the daemon cannot reach ({reason})"),
                    )
                    .with_help("build without `--pull` to use the local image"),
                )),
                Lookup::Unverified { reason, local: false } => findings.push((
                    &IMAGE_NOT_VERIFIED,
                    Finding::new(
                        image.span,
                        format!(
                            "{what} `{reference}` is not in the daemon and its registry could not be checked ({reason}){}",
                            suggestion()
                        ),
                    )
                    .with_help("the daemon will try to pull it when the build gets there"),
                )),
                Lookup::Unverified { reason, local: true } => findings.push((
                    &IMAGE_NOT_VERIFIED,
                    Finding::new(
                        image.span,
                        format!("{what} `{reference}` is in the daemon, but `--pull` could not check its registry ({reason})"),
                    )
                    .with_help("the daemon will try to pull a newer version when the build gets there"),
                )),
            }
        }
    }
    findings.sort_by_key(|(rule, finding)| (finding.span.start, rule.code));
    Ok(findings)
}

/// What the daemon and the registry say about one reference.
enum Lookup {
    /// The daemon has it (with its OS/architecture/variant).
    Local(Option<Platform>),
    /// The daemon does not have it (or `--pull`), but the registry does.
    InRegistry,
    /// The registry does not know it; `local`: the daemon has it (asked because of `--pull`).
    NotFound { local: bool },
    /// The daemon cannot connect to the registry (see [`registry_unreachable`]), for this reason.
    Unreachable { reason: String, local: bool },
    /// The registry's answer settles nothing (a server error, no answer in time, refused or
    /// missing credentials), or the daemon could not be asked, for this reason.
    Unverified { reason: String, local: bool },
}

async fn lookup(check: &ImageCheck<'_>, auths: &Auths<'_>, reference: &str) -> Lookup {
    let local = match check.docker.inspect_image(reference).await {
        Ok(image) => Some(Platform {
            os: image.os.unwrap_or_default(),
            architecture: image.architecture.unwrap_or_default(),
            variant: image.variant,
        }),
        Err(DaemonError::DockerResponseServerError {
            status_code: 404, ..
        }) => None,
        Err(err) => {
            return Lookup::Unverified {
                reason: crate::daemon::describe(&err),
                local: false,
            }
        }
    };
    let is_local = local.is_some();
    if local.is_some() && !check.pull {
        return Lookup::Local(local);
    }
    let auth = auths.of(reference).await;
    let docker = match &auth {
        RegistryAuth::Found(found) => with_registry_auth(check.docker, found),
        RegistryAuth::None | RegistryAuth::Unavailable => check.docker.clone(),
    };
    let answer = tokio::time::timeout(
        REGISTRY_TIMEOUT,
        docker.inspect_registry_image(reference, None),
    )
    .await;
    match answer {
        Ok(Ok(_)) => local.map_or(Lookup::InRegistry, |platform| Lookup::Local(Some(platform))),
        Ok(Err(DaemonError::DockerResponseServerError {
            status_code,
            message,
        })) => {
            if registry_denies(status_code, &message) && denial_is_final(&auth, &message) {
                Lookup::NotFound { local: is_local }
            } else if registry_unreachable(&message) {
                Lookup::Unreachable {
                    reason: first_line(&message),
                    local: is_local,
                }
            } else {
                Lookup::Unverified {
                    reason: first_line(&message),
                    local: is_local,
                }
            }
        }
        Ok(Err(err)) => Lookup::Unverified {
            reason: crate::daemon::describe(&err),
            local: is_local,
        },
        Err(_) => Lookup::Unverified {
            reason: format!("no answer within {} s", REGISTRY_TIMEOUT.as_secs()),
            local: is_local,
        },
    }
}

/// The registry's "no such image" answers, as the daemon passes them on: unknown manifest or
/// repository, and "unauthorized"/"denied", which Docker Hub answers for names it does not have.
fn registry_denies(status_code: u16, message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    matches!(status_code, 401 | 403 | 404)
        || [
            "manifest unknown",
            "not found",
            "unauthorized",
            "denied",
            "does not exist",
            "name unknown",
        ]
        .iter()
        .any(|needle| message.contains(needle))
            && !message.contains("dial tcp")
            && !message.contains("no such host")
}

/// The daemon's messages for a registry it cannot connect to: the name does not exist, the
/// connection is refused or cannot be routed, the registry's certificate is not trusted. A
/// registry that answers, even with a server error, and one that times out (a slow DNS server,
/// TCP connection or TLS handshake; our own timeout) is not unreachable: its next answer may
/// differ.
fn registry_unreachable(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "no such host",
        "connection refused",
        "no route to host",
        "network is unreachable",
        "x509: ",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

/// Whether a "no such image" answer (see [`registry_denies`]) is the registry's last word,
/// given the credentials it was asked with. Without any, it is what the daemon's pull will hear
/// too. With them, unless it says that they were refused (a wrong or expired login answers
/// "unauthorized"; Docker Hub answers "denied" for names it does not have): the finding then
/// names that reason. When the registry's credential helper failed, the question went without
/// the credentials the build may still get, and the answer proves nothing.
fn denial_is_final(auth: &RegistryAuth, message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    let refused = [
        "unauthorized",
        "authentication required",
        "incorrect username or password",
    ]
    .iter()
    .any(|needle| message.contains(needle))
        && !message.contains("denied");
    match auth {
        RegistryAuth::None => true,
        RegistryAuth::Found(_) => !refused,
        RegistryAuth::Unavailable => false,
    }
}

/// The registry credentials of one check: those of a registry are looked up (its helper run)
/// once, when the first of its images is asked about, and only then.
struct Auths<'a> {
    config_dir: Option<&'a Path>,
    config: OnceLock<Arc<RegistryCredentials>>,
    registries: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<RegistryAuth>>>>,
}

impl<'a> Auths<'a> {
    fn new(config_dir: Option<&'a Path>) -> Auths<'a> {
        Auths {
            config_dir,
            config: OnceLock::new(),
            registries: Mutex::default(),
        }
    }

    /// The credentials for the registry of `reference`.
    async fn of(&self, reference: &str) -> RegistryAuth {
        let Some(dir) = self.config_dir else {
            return RegistryAuth::None;
        };
        let key = credentials::registry_key(reference);
        let cell = match self.registries.lock() {
            Ok(mut registries) => registries.entry(key.clone()).or_default().clone(),
            Err(_) => return RegistryAuth::Unavailable,
        };
        let config = self
            .config
            .get_or_init(|| Arc::new(RegistryCredentials::load(dir)))
            .clone();
        cell.get_or_init(|| async move {
            // Helpers are programs: off the async threads.
            tokio::task::spawn_blocking(move || config.lookup(&key))
                .await
                .unwrap_or(RegistryAuth::Unavailable)
        })
        .await
        .clone()
    }
}

/// `docker`, sending `found` as the `X-Registry-Auth` header of its distribution requests, in
/// the encoding the daemon reads (see [`credentials::auth_header`]).
fn with_registry_auth(docker: &Docker, found: &DockerCredentials) -> Docker {
    let header = credentials::auth_header(found);
    docker.clone().with_request_modifier(move |mut request| {
        if request.uri().path().contains("/distribution/") {
            // URL-safe base64 is ASCII: always a valid header value.
            if let Ok(value) = header.parse() {
                request.headers_mut().insert("X-Registry-Auth", value);
            }
        }
        request
    })
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

fn describe_use(image: &ImageUse) -> &'static str {
    match image.kind {
        ImageUseKind::Base => "base image",
        ImageUseKind::CopyFrom => "image (COPY --from)",
        ImageUseKind::MountFrom => "image (RUN --mount from)",
    }
}

/// Every `name:tag` the daemon has.
async fn local_image_names(docker: &Docker) -> Vec<String> {
    let images = docker
        .list_images(None::<bollard::query_parameters::ListImagesOptions>)
        .await
        .unwrap_or_default();
    images
        .into_iter()
        .flat_map(|image| image.repo_tags)
        .filter(|tag| tag != "<none>:<none>")
        .collect()
}

/// The local image closest to `reference`: compared with tags when it has one, with names
/// otherwise (a missing tag means `latest`).
fn closest_local(reference: &str, local: &[String]) -> Option<String> {
    let has_tag = reference
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'));
    if has_tag {
        return suggest::closest(reference, local.iter().map(String::as_str)).map(str::to_string);
    }
    let name_of = |tag: &str| match tag.rfind(':') {
        Some(colon) if !tag[colon..].contains('/') => tag[..colon].to_string(),
        _ => tag.to_string(),
    };
    let names: Vec<String> = local.iter().map(|t| name_of(t)).collect();
    let close = suggest::closest(reference, names.iter().map(String::as_str))?;
    local.iter().find(|t| name_of(t) == close).cloned()
}

/// An image's platform, as the daemon reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Platform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

fn platform_mismatch(
    image: &ImageUse,
    what: &str,
    requested: Option<&str>,
    local: Option<&Platform>,
) -> Option<Finding> {
    let requested = requested.filter(|p| !p.contains('$'))?;
    let local = local?;
    let mut parts = requested.split('/');
    let os = parts.next().unwrap_or("");
    let architecture = parts.next();
    let variant = parts.next();
    let matches = os.eq_ignore_ascii_case(&local.os)
        && architecture.is_none_or(|a| a.eq_ignore_ascii_case(&local.architecture))
        && variant.is_none_or(|v| {
            local
                .variant
                .as_deref()
                .is_none_or(|lv| lv.eq_ignore_ascii_case(v))
        });
    if matches {
        return None;
    }
    let local_text = match &local.variant {
        Some(v) => format!("{}/{}/{v}", local.os, local.architecture),
        None => format!("{}/{}", local.os, local.architecture),
    };
    Some(
        Finding::new(
            image.span,
            format!(
                "{what} `{}` in the daemon is for {local_text}, but the build asks for {requested}",
                image.reference
            ),
        )
        .with_help("build for the image's platform, or pull the variant for the requested one"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_local_compares_names_or_tags() {
        let local = vec![
            "rbuild-test/busybox:static".to_string(),
            "alpine:3.19".to_string(),
            "alpine:3.20".to_string(),
        ];
        assert_eq!(
            closest_local("rbuild-test/busybx", &local).as_deref(),
            Some("rbuild-test/busybox:static")
        );
        assert_eq!(
            closest_local("alpne:3.19", &local).as_deref(),
            Some("alpine:3.19")
        );
        assert_eq!(closest_local("postgres:16", &local), None);
    }

    #[test]
    fn registry_answers() {
        assert!(registry_denies(404, "manifest unknown"));
        assert!(registry_denies(
            500,
            "errors:\ndenied: requested access to the resource is denied"
        ));
        assert!(!registry_denies(500, "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host"));
    }

    #[test]
    fn connection_failures_are_unreachable_answers_are_not() {
        for message in [
            "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host",
            "Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused",
            "Get \"https://10.0.0.9/v2/\": x509: certificate signed by unknown authority",
        ] {
            assert!(registry_unreachable(message), "{message}");
        }
        for message in [
            "Get \"https://registry.example.com/v2/\": net/http: TLS handshake timeout",
            "Get \"https://registry.example.com/v2/\": dial tcp: lookup registry.example.com on 10.0.0.2:53: server misbehaving",
            "received unexpected HTTP status: 503 Service Unavailable",
            "toomanyrequests: You have reached your pull rate limit.",
            "manifest unknown: manifest unknown",
        ] {
            assert!(!registry_unreachable(message), "{message}");
        }
    }

    #[test]
    fn denials_count_unless_our_credentials_were_refused_or_missing() {
        let found = RegistryAuth::Found(DockerCredentials::default());
        let unknown = "manifest unknown: manifest unknown";
        let refused = "unauthorized: authentication required";
        let hub = "errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n";
        for message in [unknown, refused, hub] {
            assert!(denial_is_final(&RegistryAuth::None, message), "{message}");
            assert!(
                !denial_is_final(&RegistryAuth::Unavailable, message),
                "{message}"
            );
        }
        assert!(denial_is_final(&found, unknown));
        assert!(denial_is_final(&found, hub));
        assert!(!denial_is_final(&found, refused));
        assert!(!denial_is_final(
            &found,
            "Get \"https://registry-1.docker.io/v2/\": unauthorized: incorrect username or password"
        ));
    }
}
