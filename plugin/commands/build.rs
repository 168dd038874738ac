//! `docker rbuild [build] [OPTIONS] PATH`: lint, then build through the daemon.

use std::process::ExitCode;

use clap::Args;

use crate::argv::GlobalOptions;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Build context: a directory, `-` for a tar archive or Dockerfile on stdin, or a git URL
    #[arg(value_name = "PATH")]
    pub context: Option<String>,
}

pub fn run(_globals: &GlobalOptions, _args: BuildArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("building is not implemented yet")
}
