//! `docker rbuild [build] [OPTIONS] PATH`: lint, then build through the daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Args, ValueEnum};

use crate::argv::GlobalOptions;
use crate::build::builder::BuilderChoice;
use crate::build::request::BuildConfig;
use crate::gate::GateLevel;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Build context: a directory, `-` for a tar archive or Dockerfile on stdin, or a git URL
    #[arg(value_name = "PATH")]
    pub context: Option<String>,

    /// Name and optionally a tag (`name:tag`) for the image; repeat to apply several
    #[arg(short = 't', long = "tag", value_name = "NAME[:TAG]")]
    pub tags: Vec<String>,

    /// Name of the Dockerfile (default: `PATH/Dockerfile`; `-` reads it from stdin)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<String>,

    /// Set a build-time variable: `KEY=VALUE`, or `KEY` to take its value from the environment
    #[arg(long = "build-arg", value_name = "KEY[=VALUE]")]
    pub build_args: Vec<String>,

    /// Lint before building: `error` stops the build on error-level findings (the default, or
    /// `build-lint` in .rbuild.toml), `warn` reports every finding and builds anyway, `off` skips
    /// the lint and the image checks
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub lint: Option<GateLevel>,

    /// Also check RUN scripts with ShellCheck in the lint gate, as `shellcheck = true` in
    /// .rbuild.toml does (the `shellcheck` program must be on PATH)
    #[arg(long)]
    pub shellcheck: bool,

    /// Build only up to this stage of a multi-stage Dockerfile
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Do not use the daemon's build cache
    #[arg(long)]
    pub no_cache: bool,

    /// Neither record what this build's steps are made of nor say why the cache missed (the
    /// `cache:` line; see "Why the cache missed" in the README)
    #[arg(long)]
    pub no_explain_cache: bool,

    /// Always try to pull a newer version of the base images
    #[arg(long)]
    pub pull: bool,

    /// Set a label on the image: `KEY=VALUE` (repeatable)
    #[arg(long = "label", value_name = "KEY[=VALUE]")]
    pub labels: Vec<String>,

    /// Build for this platform (`os[/arch[/variant]]`) if the daemon supports it
    #[arg(long, value_name = "PLATFORM", env = "DOCKER_DEFAULT_PLATFORM")]
    pub platform: Option<String>,

    /// Print only the image ID on success (same as `--progress=quiet`)
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Write the image ID to this file once the build has succeeded
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,

    /// Networking mode for RUN instructions (`bridge`, `host`, `none`, or a network name)
    #[arg(long, value_name = "MODE")]
    pub network: Option<String>,

    /// Add a custom host-to-IP mapping (`host:ip` or `host=ip`) for RUN instructions (repeatable)
    #[arg(long = "add-host", value_name = "HOST:IP")]
    pub add_hosts: Vec<String>,

    /// Size of `/dev/shm` for RUN instructions, e.g. `64m` or `1g`
    #[arg(long, value_name = "SIZE")]
    pub shm_size: Option<String>,

    /// Ulimit for RUN instructions: `NAME=SOFT[:HARD]`, e.g. `nofile=1024:2048` (repeatable)
    #[arg(long = "ulimit", value_name = "NAME=SOFT[:HARD]")]
    pub ulimits: Vec<String>,

    /// An image the daemon may use as a cache source (repeatable)
    #[arg(long = "cache-from", value_name = "IMAGE")]
    pub cache_from: Vec<String>,

    /// Remove intermediate containers after a successful build (`--rm=false` keeps them)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub rm: bool,

    /// Always remove intermediate containers, even when the build fails
    #[arg(long)]
    pub force_rm: bool,

    /// Which of the daemon's builders runs the build: `auto` (the default, or `builder` in
    /// .rbuild.toml) follows `DOCKER_BUILDKIT`, else the daemon's preference (its ping's
    /// `Builder-Version`), as the docker CLI does
    #[arg(long, value_enum, value_name = "BUILDER")]
    pub builder: Option<BuilderChoice>,

    /// How to show the build's progress
    #[arg(long, value_enum, value_name = "MODE", default_value_t = ProgressFlag::Auto)]
    pub progress: ProgressFlag,

    /// A secret for `RUN --mount=type=secret` (BuildKit): `id=ID[,src=FILE|,env=VAR]
    /// [,type=file|env]`; with neither src nor env, the variable ID if it is set, else the file
    /// ID (repeatable)
    #[arg(long = "secret", value_name = "id=ID[,src=FILE|,env=VAR]")]
    pub secrets: Vec<String>,

    /// Forward an SSH agent to `RUN --mount=type=ssh` (BuildKit): `default`, or
    /// `ID[=SOCKET|KEY[,KEY...]]`; without a path, `$SSH_AUTH_SOCK`; key files are loaded into
    /// an ssh-agent started for the build (repeatable)
    #[arg(long = "ssh", value_name = "default|ID[=SOCKET|KEY]")]
    pub ssh: Vec<String>,

    /// Export the final stage's files instead of storing an image (BuildKit):
    /// `type=local,dest=DIR`, `type=tar,dest=FILE`, or the shorthands `DIR` and `-` (a tar
    /// archive on stdout)
    #[arg(short = 'o', long = "output", value_name = "type=local|tar,dest=PATH")]
    pub outputs: Vec<String>,

    /// Push the tagged image to its registry once built (BuildKit), with the registry
    /// credentials of the docker configuration
    #[arg(long)]
    pub push: bool,
}

/// The `--progress` values as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressFlag {
    /// A live view on a terminal, plain text otherwise
    Auto,
    /// The daemon's step text as it comes
    Plain,
    /// The live view, even when stderr is not a terminal
    Tty,
    /// Nothing but the image ID
    Quiet,
    /// The daemon's messages as JSON lines
    Rawjson,
}

pub fn run(globals: &GlobalOptions, args: BuildArgs) -> anyhow::Result<ExitCode> {
    let config = BuildConfig::from_args(args)?;
    crate::build::run(globals, config)
}
