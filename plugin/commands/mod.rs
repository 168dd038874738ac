//! One module per subcommand.

pub mod build;
// Not a subcommand: the fixing part of `lint`.
pub mod fix;
pub mod fmt;
pub mod lint;
pub mod lsp;
pub mod parse;
pub mod rules;
pub mod version;

use std::process::ExitCode;

use crate::argv::GlobalOptions;
use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn run(globals: GlobalOptions, cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.into_command();
    // A build listens for stop requests inside its own runtime, to cancel what it started.
    if !matches!(command, Command::Build(_)) {
        crate::stop::watch()?;
    }
    match command {
        Command::Build(args) => build::run(&globals, args),
        Command::Lint(args) => lint::run(&globals, args),
        Command::Lsp(args) => lsp::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Version(args) => version::run(&globals, args),
    }
}
