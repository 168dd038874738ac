//! Dockerfile parsing, shell-word expansion and lint rules for docker-rbuild.
//!
//! This crate is pure: no Docker, no async runtime, no network. Everything it
//! produces carries byte spans into the source text so that diagnostics can
//! point at exact characters and fixes can edit them.

pub mod build_steps;
pub mod diagnostic;
pub mod dockerignore;
pub mod edits;
pub mod files;
pub mod fix;
pub mod format;
pub mod images;
pub mod instructions;
pub mod label_format;
pub mod linter;
pub mod reference;
pub mod rule;
pub mod rules;
pub mod script;
pub mod shell;
pub mod suggest;
pub mod syntax;
