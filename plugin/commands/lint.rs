//! `docker rbuild lint [OPTIONS] [PATH...]`: lint Dockerfiles.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Dockerfiles or directories to lint; `-` reads standard input
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: LintArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("linting is not implemented yet")
}
