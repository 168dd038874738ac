//! `docker rbuild parse [--format json|buildkit] FILE|-`: print the parsed Dockerfile.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The Dockerfile to parse; `-` reads standard input
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(_args: ParseArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("parse is not implemented yet")
}
