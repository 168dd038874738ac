//! Integration tests: they run the built `docker-rbuild` binary (and the real
//! `docker` CLI where the plugin protocol matters). One test binary, one module per area.

mod build;
mod buildkit;
mod cache_explain;
mod config;
mod context;
mod credentials;
mod docker_cli;
mod docs;
mod endpoint;
mod engine26;
mod fix;
mod fmt;
mod gate;
mod harness;
mod limits;
mod lint;
mod lsp;
mod parse;
mod plugin_protocol;
mod rule_ids;
mod session;
mod shellcheck;
mod ssh_engine;
