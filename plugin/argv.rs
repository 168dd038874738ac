//! Splits the process arguments into the docker CLI's global flags and the plugin's own.
//!
//! When the docker CLI runs a plugin it passes its whole argv, so global flags may
//! stand before the plugin's name: `docker --context prod rbuild version` runs us
//! with `--context prod rbuild version`. Run standalone, we get `version` alone.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::input_error;

/// The name the docker CLI knows this plugin by.
pub const PLUGIN_NAME: &str = "rbuild";

/// The docker CLI's global options that select and configure the daemon endpoint.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GlobalOptions {
    pub context: Option<String>,
    pub host: Option<String>,
    pub config: Option<PathBuf>,
    pub debug: bool,
    pub log_level: Option<String>,
    pub tls: bool,
    /// `None` when `--tlsverify` was not given, so `DOCKER_TLS_VERIFY` can decide.
    pub tls_verify: Option<bool>,
    pub tls_ca_cert: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// What the process was asked to do.
#[derive(Debug)]
pub enum Invocation {
    /// The CLI's handshake: print the plugin metadata.
    Metadata,
    /// A plugin command; `args` starts with the program name for clap.
    Plugin {
        globals: GlobalOptions,
        args: Vec<OsString>,
    },
}

enum Flag {
    Context,
    Host,
    Config,
    Debug,
    LogLevel,
    Tls,
    TlsVerify,
    TlsCaCert,
    TlsCert,
    TlsKey,
}

impl Flag {
    fn from_name(name: &str) -> Option<Flag> {
        Some(match name {
            "--context" | "-c" => Flag::Context,
            "--host" | "-H" => Flag::Host,
            "--config" => Flag::Config,
            "--debug" | "-D" => Flag::Debug,
            "--log-level" | "-l" => Flag::LogLevel,
            "--tls" => Flag::Tls,
            "--tlsverify" => Flag::TlsVerify,
            "--tlscacert" => Flag::TlsCaCert,
            "--tlscert" => Flag::TlsCert,
            "--tlskey" => Flag::TlsKey,
            _ => return None,
        })
    }

    fn takes_value(&self) -> bool {
        !matches!(self, Flag::Debug | Flag::Tls | Flag::TlsVerify)
    }
}

/// Splits `args` (without the program name) into global options and plugin arguments.
pub fn split(args: Vec<OsString>) -> anyhow::Result<Invocation> {
    if args.len() == 1 && args[0] == "docker-cli-plugin-metadata" {
        return Ok(Invocation::Metadata);
    }
    let mut globals = GlobalOptions::default();
    let mut rest = args.into_iter().peekable();
    while let Some(arg) = rest.peek() {
        let Some(text) = arg.to_str() else { break };
        let (name, inline_value) = split_inline_value(text);
        let Some(flag) = Flag::from_name(name) else {
            break;
        };
        let name = name.to_owned();
        rest.next();
        let value = if flag.takes_value() {
            match inline_value {
                Some(value) => Some(value),
                None => match rest.next() {
                    Some(value) => Some(value.into_string().map_err(|_| {
                        input_error(format!(
                            "the value of docker flag {name} is not valid UTF-8"
                        ))
                    })?),
                    None => return Err(input_error(format!("docker flag {name} needs a value"))),
                },
            }
        } else {
            match inline_value.as_deref() {
                None | Some("true") => None,
                Some("false") => Some(String::new()),
                Some(other) => {
                    return Err(input_error(format!(
                        "docker flag {name} takes true or false, not {other:?}"
                    )))
                }
            }
        };
        apply(&mut globals, flag, value);
    }

    let mut plugin_args: Vec<OsString> = rest.collect();
    let mut program = OsString::from("docker-rbuild");
    match plugin_args.first().and_then(|a| a.to_str()) {
        Some(PLUGIN_NAME) => {
            plugin_args.remove(0);
            program = OsString::from(format!("docker {PLUGIN_NAME}"));
        }
        Some("help") if plugin_args.get(1).is_some_and(|a| a == PLUGIN_NAME) => {
            plugin_args = vec![OsString::from("--help")];
            program = OsString::from(format!("docker {PLUGIN_NAME}"));
        }
        _ => {}
    }
    let mut args = vec![program];
    args.extend(plugin_args);
    Ok(Invocation::Plugin { globals, args })
}

/// Splits `--name=value`, `-Xvalue` and `-X=value` (pflag's spellings) into name and value.
fn split_inline_value(text: &str) -> (&str, Option<String>) {
    if text.starts_with("--") {
        match text.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (text, None),
        }
    } else if text.starts_with('-') && text.len() > 2 && text.is_char_boundary(2) {
        let (name, value) = text.split_at(2);
        (
            name,
            Some(value.strip_prefix('=').unwrap_or(value).to_owned()),
        )
    } else {
        (text, None)
    }
}

fn apply(globals: &mut GlobalOptions, flag: Flag, value: Option<String>) {
    // A boolean flag spelled `--flag=false` arrives as `Some("")`.
    let enabled = value.is_none();
    match flag {
        Flag::Context => globals.context = value,
        Flag::Host => globals.host = value,
        Flag::Config => globals.config = value.map(PathBuf::from),
        Flag::Debug => globals.debug = enabled,
        Flag::LogLevel => globals.log_level = value,
        Flag::Tls => globals.tls = enabled,
        Flag::TlsVerify => globals.tls_verify = Some(enabled),
        Flag::TlsCaCert => globals.tls_ca_cert = value.map(PathBuf::from),
        Flag::TlsCert => globals.tls_cert = value.map(PathBuf::from),
        Flag::TlsKey => globals.tls_key = value.map(PathBuf::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_strs(args: &[&str]) -> (GlobalOptions, Vec<String>) {
        match split(args.iter().map(OsString::from).collect()).unwrap() {
            Invocation::Plugin { globals, args } => (
                globals,
                args.into_iter().map(|a| a.into_string().unwrap()).collect(),
            ),
            Invocation::Metadata => panic!("unexpected metadata"),
        }
    }

    #[test]
    fn metadata_handshake() {
        let invocation = split(vec![OsString::from("docker-cli-plugin-metadata")]).unwrap();
        assert!(matches!(invocation, Invocation::Metadata));
    }

    #[test]
    fn global_flags_before_plugin_name() {
        let (globals, args) = split_strs(&[
            "--context",
            "prod",
            "-H=unix:///x.sock",
            "--tlsverify",
            "--log-level=debug",
            "-D",
            "rbuild",
            "version",
            "--client",
        ]);
        assert_eq!(globals.context.as_deref(), Some("prod"));
        assert_eq!(globals.host.as_deref(), Some("unix:///x.sock"));
        assert_eq!(globals.tls_verify, Some(true));
        assert!(globals.debug);
        assert_eq!(globals.log_level.as_deref(), Some("debug"));
        assert_eq!(args, ["docker rbuild", "version", "--client"]);
    }

    #[test]
    fn flags_after_plugin_name_belong_to_plugin() {
        let (globals, args) = split_strs(&["rbuild", "-c", "x", "."]);
        assert_eq!(globals, GlobalOptions::default());
        assert_eq!(args, ["docker rbuild", "-c", "x", "."]);
    }

    #[test]
    fn standalone_invocation() {
        let (globals, args) = split_strs(&["lint", "Dockerfile"]);
        assert_eq!(globals, GlobalOptions::default());
        assert_eq!(args, ["docker-rbuild", "lint", "Dockerfile"]);
    }

    #[test]
    fn help_rbuild() {
        let (_, args) = split_strs(&["help", "rbuild"]);
        assert_eq!(args, ["docker rbuild", "--help"]);
    }

    #[test]
    fn boolean_flag_false() {
        let (globals, _) = split_strs(&["--tlsverify=false", "rbuild", "version"]);
        assert_eq!(globals.tls_verify, Some(false));
    }

    #[test]
    fn missing_value_is_an_input_error() {
        let err = split(vec![OsString::from("--context")]).unwrap_err();
        assert!(err.is::<crate::error::InputError>());
    }
}
