//! The plugin's command line: `docker rbuild [build] ...`, `lint`, `parse`, `version`.
//!
//! Each subcommand's arguments are defined in its own module under `commands/`.

use std::ffi::OsString;

use clap::{Parser, Subcommand};

use crate::commands::{
    build::BuildArgs, fmt::FmtArgs, lint::LintArgs, lsp::LspArgs, parse::ParseArgs,
    rules::RulesArgs, version::VersionArgs,
};

/// Lint Dockerfiles and build images through the Docker daemon.
///
/// With no subcommand, `docker rbuild [OPTIONS] PATH` builds, like `docker rbuild build`.
#[derive(Debug, Parser)]
#[command(
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub build: BuildArgs,
}

// Built once per process from the command line: the size of the build variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint the Dockerfile, then build an image from a context (the default command)
    Build(BuildArgs),
    /// Lint Dockerfiles
    Lint(LintArgs),
    /// Format Dockerfiles in the canonical layout (in place, or --check / --diff)
    Fmt(FmtArgs),
    /// Run the language server (LSP over stdio) that gives editors the findings, fixes, rule
    /// docs and formatting
    Lsp(LspArgs),
    /// Parse a Dockerfile and print its syntax tree
    Parse(ParseArgs),
    /// List the lint rules, or show one rule's documentation
    Rules(RulesArgs),
    /// Show the client and daemon versions and the endpoint in use
    Version(VersionArgs),
}

impl Cli {
    /// The subcommand to run, with `build` standing in when none was named.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Build(self.build))
    }
}

/// Parses the plugin arguments (program name first); exits with code 2 on usage errors.
pub fn parse(args: Vec<OsString>) -> Cli {
    let program = args
        .first()
        .and_then(|a| a.to_str())
        .unwrap_or("docker-rbuild")
        .to_owned();
    let command = <Cli as clap::CommandFactory>::command().bin_name(program);
    let matches = command.get_matches_from(args);
    match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
