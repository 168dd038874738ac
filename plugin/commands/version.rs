//! `docker rbuild version [--client]`: client version, endpoint, and the daemon's versions.

use std::process::ExitCode;

use clap::Args;

use crate::argv::GlobalOptions;

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Print only the client's version, without contacting the daemon
    #[arg(long)]
    pub client: bool,
}

pub fn run(_globals: &GlobalOptions, args: VersionArgs) -> anyhow::Result<ExitCode> {
    println!("docker-rbuild {}", env!("CARGO_PKG_VERSION"));
    if !args.client {
        anyhow::bail!("contacting the daemon is not implemented yet");
    }
    Ok(ExitCode::SUCCESS)
}
