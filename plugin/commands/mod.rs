//! One module per subcommand.

pub mod build;
pub mod fmt;
pub mod lint;
pub mod parse;
pub mod rules;
pub mod version;

use std::process::ExitCode;

use crate::argv::GlobalOptions;
use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn run(globals: GlobalOptions, cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.into_command() {
        Command::Build(args) => build::run(&globals, args),
        Command::Lint(args) => lint::run(&globals, args),
        Command::Fmt(args) => fmt::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Version(args) => version::run(&globals, args),
    }
}
