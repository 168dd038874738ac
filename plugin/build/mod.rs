//! Running a build through the daemon: the request, progress rendering, failures, cancellation.

pub mod builder;
pub mod buildkit;
pub mod cache_explain;
pub mod cancel;
pub mod failure;
pub mod key_agent;
pub mod progress;
pub mod push;
pub mod request;
pub mod session_flags;

use std::collections::HashMap;
use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bollard::query_parameters::RemoveContainerOptionsBuilder;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use futures_util::StreamExt;

use crate::argv::GlobalOptions;
use crate::config::{Effective, Flags, Resolver};
use crate::context::{self, ContextSpec, UploadProgress};
use crate::credentials::{self, RegistryCredentials};
use crate::error::{input_error, Interrupted, EXIT_FAILURE};
use crate::gate::{self, GateInput, GateLevel};
use crate::shellcheck::ShellCheck;
use cancel::{StopReason, StopSignals};
use progress::{Outcome, ProgressMode, Renderer};
use rbuild_lints::rule::LintOptions;
use request::BuildConfig;

/// How long the daemon gets to remove a cancelled step's container before we remove it.
const CANCELLED_CONTAINER_GRACE: Duration = Duration::from_secs(5);

/// Builds the image `config` describes; see [`crate::commands::build`].
pub fn run(globals: &GlobalOptions, config: BuildConfig) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(build(globals, config))
}

async fn build(globals: &GlobalOptions, config: BuildConfig) -> anyhow::Result<ExitCode> {
    // From here on, SIGINT and SIGTERM end the build cleanly instead of killing the process.
    let mut stops = StopSignals::listen()
        .await
        .context("cannot listen for SIGINT and SIGTERM")?;
    if let Some(iidfile) = &config.iidfile {
        remove_stale_iidfile(iidfile)?;
    }
    let spec = ContextSpec {
        location: config.context.clone(),
        dockerfile: config.dockerfile.clone(),
    };
    // Connecting (a round trip or two) overlaps with reading the context; the context's input
    // errors still come first, and the connection is simply dropped when they do.
    let connecting = tokio::spawn({
        let globals = globals.clone();
        async move { crate::daemon::connect(&globals).await }
    });
    // Reading the context may take a while (a git clone, stdin): it may be interrupted too.
    let prepared = tokio::task::spawn_blocking(move || context::prepare(&spec));
    let build_context = tokio::select! {
        prepared = prepared => prepared.context("preparing the context stopped unexpectedly")??,
        reason = stops.recv() => return Err(stopped(reason)),
    };

    let daemon = tokio::select! {
        daemon = connecting => daemon.context("connecting to the daemon stopped unexpectedly")??,
        reason = stops.recv() => return Err(stopped(reason)),
    };
    let config_dir = crate::endpoint::config_dir(globals, &|name| std::env::var(name).ok()).ok();
    // The lint gate: the Dockerfile is known and nothing has been sent yet. `.rbuild.toml` is
    // looked up from the context directory, as `lint` looks it up from the Dockerfile's.
    let lint_config = match &build_context.context_dir {
        Some(dir) => Some(Resolver::new(Flags::default())?.resolve(dir)?),
        None => None,
    };
    let config_file = lint_config.as_ref().and_then(|c| c.file.as_ref());
    let gate_level = config
        .lint
        .or_else(|| config_file?.build_lint)
        .unwrap_or_default();
    let wants_shellcheck = gate_level != GateLevel::Off
        && (config.shellcheck || config_file.is_some_and(|file| file.shellcheck));
    let gate_input = GateInput {
        dockerfile: &build_context.dockerfile,
        dockerfile_display: &build_context.dockerfile_display,
        options: LintOptions {
            context_dir: build_context.context_dir.clone(),
            build_args: config.build_args.iter().cloned().collect(),
            build_args_complete: true,
            target: config.target.clone(),
            build_session: Some(config.session.given()),
            ..lint_config
                .as_ref()
                .map(Effective::lint_options)
                .unwrap_or_default()
        },
        settings: lint_config
            .as_ref()
            .map(|c| c.settings.clone())
            .unwrap_or_default(),
        pull: config.pull,
        platform: config.platform.as_deref(),
        config_dir: config_dir.clone(),
        shellcheck: wants_shellcheck.then(ShellCheck::find).transpose()?,
    };
    tokio::select! {
        checked = gate::run(gate_level, &daemon.docker, gate_input) => checked?,
        reason = stops.recv() => return Err(stopped(reason)),
    };
    let builder_choice = config
        .builder
        .or_else(|| config_file?.builder)
        .unwrap_or_default();
    let builder = tokio::select! {
        builder = builder::resolve(builder_choice, config.builder_from_env, &daemon.endpoint) => builder?,
        reason = stops.recv() => return Err(stopped(reason)),
    };
    if builder == builder::Builder::Classic {
        let chosen_by = match builder_choice {
            builder::BuilderChoice::Classic => "`builder = \"classic\"` in .rbuild.toml",
            _ => "the daemon (its preferred builder)",
        };
        request::refuse_classic(&config.session, chosen_by)?;
    }
    let options = config.options(&build_context.dockerfile_name);
    let explainer =
        cache_explain::Explainer::prepare(&daemon.endpoint, builder, &config, &build_context);
    let dockerfile_display = build_context.dockerfile_display.clone();
    let dockerfile_text = String::from_utf8_lossy(&build_context.dockerfile).into_owned();
    let upload = match config.progress {
        ProgressMode::Plain | ProgressMode::Live => UploadProgress::for_stderr(),
        ProgressMode::Quiet | ProgressMode::RawJson => UploadProgress::Hidden,
    };
    let body = bollard::body_try_stream(build_context.into_body(upload));
    // Every registry credential of the docker config, helpers' included: the BuildKit session
    // serves them; the classic builder takes them in the `X-Registry-Config` header. Helpers
    // are programs (which may take a while): off the async threads, so a stop signal is heard.
    let credentials = tokio::task::spawn_blocking({
        let config_dir = config_dir.clone();
        move || config_dir.map_or_else(HashMap::new, |dir| RegistryCredentials::load(&dir).all())
    });
    let credentials = tokio::select! {
        credentials = credentials => credentials.context("reading the registry credentials stopped unexpectedly")?,
        reason = stops.recv() => return Err(stopped(reason)),
    };
    let session_id = crate::session::SessionId::new(&config.context);
    // The session and its SSH agents last as long as the build.
    let (session, _key_agents, archive, header) = match builder {
        builder::Builder::BuildKit => {
            // Key files go into agents of our own (ssh-add may ask for a passphrase): off the
            // async threads.
            let flags = config.session.clone();
            let started = tokio::task::spawn_blocking(move || flags.start_agents());
            let (ssh, agents) = tokio::select! {
                started = started => started.context("starting the SSH agents stopped unexpectedly")??,
                reason = stops.recv() => return Err(stopped(reason)),
            };
            let (attachables, archive) = config
                .session
                .attachables(credentials::by_session_host(credentials), ssh);
            let session = tokio::select! {
                session = crate::session::open(&daemon.endpoint, &session_id, attachables) => session?,
                reason = stops.recv() => return Err(stopped(reason)),
            };
            (Some(session), agents, archive, None)
        }
        builder::Builder::Classic => (
            None,
            Vec::new(),
            None,
            credentials::config_header(&credentials),
        ),
    };
    let extra_query = config.extra_query(session.as_ref().map(|_| &session_id));
    let docker = request::with_build_extras(daemon.docker.clone(), extra_query, header);
    let messages = docker
        .build_image(options, None, Some(body))
        .map(progress::from_bollard);

    let color = use_color();
    let mut renderer = Renderer::new(
        config.progress,
        color,
        io::stderr(),
        io::stdout(),
        Instant::now(),
    )
    .with_width(crate::terminal::stderr_width())
    .exporting(config.session.output.is_some());
    let outcome = tokio::select! {
        outcome = renderer.render(messages) => outcome?,
        reason = stops.recv() => {
            // The request is dropped with the render future: the daemon sees the client go
            // and cancels the build.
            renderer.abandon()?;
            if let Some(container) = renderer.running_container() {
                remove_cancelled_container(&daemon.docker, container, config.rm).await;
            }
            return Err(stopped(reason));
        }
    };
    match outcome {
        Outcome::Exported => {
            // The session has served its last request once the build has ended.
            drop(session);
            if let Some(archive) = archive {
                archive.finish()?;
            }
            if let (ProgressMode::Live, Some(output)) = (config.progress, &config.session.output) {
                eprintln!("Exported to {output}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Built(built) => {
            drop(session);
            if config.session.push {
                tokio::select! {
                    pushed = push::push(&daemon.docker, &config.tags, config_dir, config.progress) => pushed?,
                    reason = stops.recv() => return Err(stopped(reason)),
                };
            }
            if let Some(iidfile) = &config.iidfile {
                write_iidfile(iidfile, &built.image_id)?;
            }
            if let Some(explainer) = explainer {
                explainer
                    .finish(&daemon.docker, &renderer.seen_steps())
                    .await;
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Failed(failure) => {
            let choice = if color {
                ColorChoice::Always
            } else {
                ColorChoice::Never
            };
            let mut stderr = StandardStream::stderr(choice);
            failure::emit(&mut stderr, &failure, &dockerfile_display, &dockerfile_text)
                .context("cannot print the build failure")?;
            Ok(ExitCode::from(EXIT_FAILURE))
        }
    }
}

fn stopped(reason: StopReason) -> anyhow::Error {
    anyhow::Error::new(Interrupted(reason.exit_code()))
        .context(format!("build stopped by {reason}"))
}

/// Colors on a terminal unless `NO_COLOR` is set (to anything but the empty string).
fn use_color() -> bool {
    io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// Like docker: a file left by an earlier build must not pass for this build's result.
fn remove_stale_iidfile(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let parent = path
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty());
            match parent {
                Some(parent) if !parent.is_dir() => Err(input_error(format!(
                    "--iidfile {}: the directory {} does not exist",
                    path.display(),
                    parent.display()
                ))),
                _ => Ok(()),
            }
        }
        Err(err) => Err(input_error(format!("--iidfile {}: {err}", path.display()))),
    }
}

/// Writes the ID next to `path` and renames it into place, so the file is never partial.
fn write_iidfile(path: &Path, image_id: &str) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    let partial = path.with_file_name(format!(".{file_name}.{}.partial", std::process::id()));
    std::fs::write(&partial, image_id)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|err| {
            let _ = std::fs::remove_file(&partial);
            anyhow::anyhow!("cannot write the image ID to {}: {err}", path.display())
        })
}

/// The daemon removes the container of a cancelled RUN step once it notices the client has
/// gone (with `--rm`, the default); give it a moment, then remove whatever is left ourselves.
async fn remove_cancelled_container(docker: &bollard::Docker, container: &str, rm: bool) {
    if !rm {
        eprintln!("note: the cancelled step's container {container} is kept (--rm=false)");
        return;
    }
    let deadline = Instant::now() + CANCELLED_CONTAINER_GRACE;
    while Instant::now() < deadline {
        let inspected = docker
            .inspect_container(
                container,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await;
        if let Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) = inspected
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let options = RemoveContainerOptionsBuilder::new().force(true).build();
    if let Err(err) = docker.remove_container(container, Some(options)).await {
        eprintln!("warning: cannot remove the cancelled step's container {container}: {err}");
    }
}
