//! Integration tests: they run the built `docker-rbuild` binary (and the real
//! `docker` CLI where the plugin protocol matters). One test binary, one module per area.

mod harness;
mod plugin_protocol;
