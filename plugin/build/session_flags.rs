//! `--secret`, `--ssh`, `--output` and `--push`: what only a BuildKit build with our own
//! session can do, parsed with buildx's syntax and defaults into what the session serves.

use std::path::{Path, PathBuf};

use rbuild_lints::instructions::csv_fields;

use crate::build::key_agent::KeyAgent;
use crate::error::input_error;
use crate::session::filesend::{Archive, ArchiveDest, Export};
use crate::session::secrets::{SecretFrom, SecretSource, MAX_SECRET_BYTES};
use crate::session::ssh::SshSource;
use crate::session::Attachables;

/// The environment variable naming the user's SSH agent.
const SSH_AUTH_SOCK: &str = "SSH_AUTH_SOCK";

/// The session flags of one build, validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionFlags {
    pub secrets: Vec<SecretSource>,
    pub ssh: Vec<SshFlag>,
    pub output: Option<Output>,
    pub push: bool,
}

/// One `--ssh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshFlag {
    pub id: String,
    pub from: SshFrom,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshFrom {
    /// An agent to forward.
    Socket(PathBuf),
    /// Key files to load into an agent of our own.
    Keys(Vec<PathBuf>),
}

/// One `--output`.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub kind: OutputKind,
    /// Exporter attributes other than `type` and `dest`, passed on to the daemon.
    pub attrs: Vec<(String, String)>,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            OutputKind::Local(dir) => write!(f, "{}", dir.display()),
            OutputKind::Tar(ArchiveDest::File(file)) => write!(f, "{} (tar)", file.display()),
            OutputKind::Tar(ArchiveDest::Stdout) => f.write_str("stdout (tar)"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutputKind {
    Local(PathBuf),
    Tar(ArchiveDest),
}

/// What the flags' parsing needs from the process.
pub struct Environment<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub stdout_is_terminal: bool,
}

impl SessionFlags {
    pub fn parse(
        secrets: &[String],
        ssh: &[String],
        outputs: &[String],
        push: bool,
        env: &Environment<'_>,
    ) -> anyhow::Result<SessionFlags> {
        let output = match outputs {
            [] => None,
            [one] => Some(parse_output(one, env.stdout_is_terminal)?),
            _ => {
                return Err(input_error(
                    "--output: the daemon exports one output per build; give one --output",
                ))
            }
        };
        if push && output.is_some() {
            return Err(input_error(
                "--push pushes the image, and --output exports files instead of an image: give one of them",
            ));
        }
        Ok(SessionFlags {
            secrets: secrets
                .iter()
                .map(|spec| parse_secret(spec, env.var))
                .collect::<anyhow::Result<_>>()?,
            ssh: ssh
                .iter()
                .map(|spec| parse_ssh(spec, env.var))
                .collect::<anyhow::Result<_>>()?,
            output,
            push,
        })
    }

    /// The secret and SSH IDs given, for the lint gate.
    pub fn given(&self) -> rbuild_lints::rule::BuildSession {
        rbuild_lints::rule::BuildSession {
            secrets: self
                .secrets
                .iter()
                .map(|source| source.id.clone())
                .collect(),
            ssh: self.ssh.iter().map(|source| source.id.clone()).collect(),
        }
    }

    /// The first session flag given, for the classic builder's refusal.
    pub fn first_used(&self) -> Option<&'static str> {
        first_used(
            !self.secrets.is_empty(),
            !self.ssh.is_empty(),
            self.output.is_some(),
            self.push,
        )
    }

    /// The `outputs` query parameter of `POST /build`: the exporter, without the client-side
    /// destination (the session receives the files).
    pub fn outputs_query(&self) -> Option<String> {
        let output = self.output.as_ref()?;
        let kind = match output.kind {
            OutputKind::Local(_) => "local",
            OutputKind::Tar(_) => "tar",
        };
        let attrs: serde_json::Map<String, serde_json::Value> = output
            .attrs
            .iter()
            .map(|(key, value)| (key.clone(), value.clone().into()))
            .collect();
        Some(serde_json::json!([{ "Type": kind, "Attrs": attrs }]).to_string())
    }

    /// The agents to forward: sockets as given, key files loaded into agents of our own
    /// (stopped when the returned guards are dropped).
    pub fn start_agents(&self) -> anyhow::Result<(Vec<SshSource>, Vec<KeyAgent>)> {
        let (mut sources, mut agents) = (Vec::new(), Vec::new());
        for flag in &self.ssh {
            let socket = match &flag.from {
                SshFrom::Socket(socket) => socket.clone(),
                SshFrom::Keys(keys) => {
                    let agent = KeyAgent::start(&flag.id, keys)?;
                    let socket = agent.socket.clone();
                    agents.push(agent);
                    socket
                }
            };
            sources.push(SshSource {
                id: flag.id.clone(),
                socket,
            });
        }
        Ok((sources, agents))
    }

    /// What the session serves for these flags (with the agents of [`Self::start_agents`]),
    /// and the archive to move into place once the build has succeeded.
    pub fn attachables(
        &self,
        credentials: std::collections::HashMap<String, bollard::auth::DockerCredentials>,
        ssh: Vec<SshSource>,
    ) -> (Attachables, Option<Archive>) {
        let (export, archive) = match self.output.as_ref().map(|output| &output.kind) {
            None => (None, None),
            Some(OutputKind::Local(dir)) => (Some(Export::Directory(dir.clone())), None),
            Some(OutputKind::Tar(dest)) => {
                let archive = Archive::new(dest.clone());
                (Some(Export::Archive(archive.clone())), Some(archive))
            }
        };
        let attachables = Attachables {
            credentials,
            secrets: self.secrets.clone(),
            ssh,
            export,
        };
        (attachables, archive)
    }
}

/// The first of `--secret`, `--ssh`, `--output` and `--push` that is given.
pub fn first_used(secrets: bool, ssh: bool, output: bool, push: bool) -> Option<&'static str> {
    [
        ("--secret", secrets),
        ("--ssh", ssh),
        ("--output", output),
        ("--push", push),
    ]
    .into_iter()
    .find_map(|(flag, used)| used.then_some(flag))
}

/// `key=value` fields of a CSV spec; keys are case-insensitive, as in buildx.
fn fields(flag: &str, spec: &str) -> anyhow::Result<Vec<(String, String)>> {
    let fields = csv_fields(spec).map_err(|why| input_error(format!("{flag} {spec:?}: {why}")))?;
    fields
        .into_iter()
        .map(|field| match field.split_once('=') {
            Some((key, value)) => Ok((key.trim().to_ascii_lowercase(), value.to_owned())),
            None => Err(input_error(format!(
                "{flag} {spec:?}: `{field}` is not a key=value pair"
            ))),
        })
        .collect()
}

/// `id=ID[,src=PATH|,env=VAR][,type=file|env]`, with buildx's defaults: `type=env` takes `src`
/// as the variable's name; neither `src` nor `env` means the variable ID if it is set, else
/// the file ID. The file must exist and fit BuildKit's limit; the variable must be set.
fn parse_secret(spec: &str, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<SecretSource> {
    let (mut id, mut file, mut variable, mut kind) = (None, None, None, None);
    for (key, value) in fields("--secret", spec)? {
        match key.as_str() {
            "id" => id = Some(value),
            "src" | "source" => file = Some(value),
            "env" => variable = Some(value),
            "type" if matches!(value.as_str(), "file" | "env") => kind = Some(value),
            "type" => {
                return Err(input_error(format!(
                    "--secret {spec:?}: unknown type {value:?} (file or env)"
                )))
            }
            _ => {
                return Err(input_error(format!(
                    "--secret {spec:?}: unknown key `{key}` (id, src, env, type)"
                )))
            }
        }
    }
    let Some(id) = id.filter(|id| !id.is_empty()) else {
        return Err(input_error(format!("--secret {spec:?}: needs id=ID")));
    };
    if kind.as_deref() == Some("env") && variable.is_none() {
        variable = file.take();
    }
    let from = match (file, variable) {
        (Some(_), Some(_)) => {
            return Err(input_error(format!(
                "--secret {spec:?}: give src or env, not both"
            )))
        }
        (Some(file), None) => SecretFrom::File(PathBuf::from(file)),
        (None, Some(variable)) => SecretFrom::Env(variable),
        (None, None) if env(&id).is_some() => SecretFrom::Env(id.clone()),
        (None, None) => SecretFrom::File(PathBuf::from(&id)),
    };
    match &from {
        SecretFrom::Env(variable) if env(variable).is_none() => {
            return Err(input_error(format!(
                "--secret id={id}: the environment variable {variable} is not set"
            )))
        }
        SecretFrom::File(path) => check_secret_file(&id, path)?,
        SecretFrom::Env(_) => {}
    }
    Ok(SecretSource { id, from })
}

fn check_secret_file(id: &str, path: &Path) -> anyhow::Result<()> {
    let metadata = std::fs::metadata(path).map_err(|err| {
        input_error(format!(
            "--secret id={id}: cannot read {}: {}",
            path.display(),
            err
        ))
    })?;
    if !metadata.is_file() {
        return Err(input_error(format!(
            "--secret id={id}: {} is not a file",
            path.display()
        )));
    }
    if metadata.len() > MAX_SECRET_BYTES {
        return Err(input_error(format!(
            "--secret id={id}: {} is larger than BuildKit's 500 KiB limit for a secret",
            path.display()
        )));
    }
    Ok(())
}

/// `default` or `ID[=SOCKET|KEY[,KEY...]]`, as buildx takes it: without a path,
/// `$SSH_AUTH_SOCK`; an agent socket is forwarded, key files are loaded into an agent of our
/// own when the build starts.
fn parse_ssh(spec: &str, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<SshFlag> {
    let (id, paths) = match spec.split_once('=') {
        Some((id, paths)) => (id, Some(paths)),
        None => (spec, None),
    };
    if id.is_empty() || id.contains(',') {
        return Err(input_error(format!(
            "--ssh {spec:?}: expected default or ID[=SOCKET|KEY[,KEY...]]"
        )));
    }
    let paths: Vec<PathBuf> = match paths.filter(|paths| !paths.is_empty()) {
        Some(paths) => paths.split(',').map(PathBuf::from).collect(),
        None => match env(SSH_AUTH_SOCK).filter(|socket| !socket.is_empty()) {
            Some(socket) => vec![PathBuf::from(socket)],
            None => {
                return Err(input_error(format!(
                    "--ssh {id}: SSH_AUTH_SOCK is not set (start an ssh-agent, or give ID=SOCKET or ID=KEY)"
                )))
            }
        },
    };
    use std::os::unix::fs::FileTypeExt as _;
    let (mut sockets, mut keys) = (Vec::new(), Vec::new());
    for path in paths {
        match std::fs::metadata(&path) {
            Ok(metadata) if metadata.file_type().is_socket() => sockets.push(path),
            Ok(metadata) if metadata.is_file() => keys.push(path),
            Ok(_) => {
                return Err(input_error(format!(
                    "--ssh {id}: {} is neither an agent socket nor a key file",
                    path.display()
                )))
            }
            Err(err) => {
                return Err(input_error(format!(
                    "--ssh {id}: cannot use {}: {err}",
                    path.display()
                )))
            }
        }
    }
    let from = match (sockets.len(), keys.is_empty()) {
        (1, true) => SshFrom::Socket(sockets.remove(0)),
        (0, false) => SshFrom::Keys(keys),
        _ => {
            return Err(input_error(format!(
                "--ssh {id}: give one agent socket or key files, not several sockets or both"
            )))
        }
    };
    Ok(SshFlag {
        id: id.to_owned(),
        from,
    })
}

/// `type=local,dest=DIR`, `type=tar,dest=FILE|-`, or buildx's shorthands: `DIR` (local) and
/// `-` (a tar archive on stdout).
fn parse_output(spec: &str, stdout_is_terminal: bool) -> anyhow::Result<Output> {
    let shorthand = !spec.contains('=') && !spec.contains(',');
    let pairs = if shorthand {
        let kind = if spec == "-" { "tar" } else { "local" };
        vec![
            ("type".to_owned(), kind.to_owned()),
            ("dest".to_owned(), spec.to_owned()),
        ]
    } else {
        fields("--output", spec)?
    };
    let (mut kind, mut dest, mut attrs) = (None, None, Vec::new());
    for (key, value) in pairs {
        match key.as_str() {
            "type" => kind = Some(value),
            "dest" => dest = Some(value),
            _ => attrs.push((key, value)),
        }
    }
    let dest = dest.filter(|dest| !dest.is_empty());
    let kind = match (kind.as_deref(), dest) {
        (None, _) => {
            return Err(input_error(format!(
                "--output {spec:?}: needs type=local or type=tar"
            )))
        }
        (Some("local"), Some(dest)) if dest != "-" => OutputKind::Local(PathBuf::from(dest)),
        (Some("local"), _) => {
            return Err(input_error(format!(
                "--output {spec:?}: a local output needs dest=DIR"
            )))
        }
        (Some("tar"), Some(dest)) if dest != "-" => OutputKind::Tar(ArchiveDest::File(PathBuf::from(dest))),
        (Some("tar"), _) if stdout_is_terminal => {
            return Err(input_error(format!(
                "--output {spec:?}: not writing a tar archive to a terminal; give dest=FILE or redirect stdout"
            )))
        }
        (Some("tar"), _) => OutputKind::Tar(ArchiveDest::Stdout),
        (Some(other), _) => {
            return Err(input_error(format!(
                "--output {spec:?}: docker rbuild exports type=local or type=tar, not {other:?} (the image itself is stored in the daemon; --push pushes it)"
            )))
        }
    };
    if let OutputKind::Tar(ArchiveDest::File(path)) = &kind {
        let parent = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        if parent.is_some_and(|parent| !parent.is_dir()) {
            return Err(input_error(format!(
                "--output {spec:?}: the directory of {} does not exist",
                path.display()
            )));
        }
    }
    Ok(Output { kind, attrs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            vars.iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn message(err: anyhow::Error) -> String {
        assert!(err.is::<crate::error::InputError>(), "{err}");
        err.to_string()
    }

    #[test]
    fn secrets_follow_buildx_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "s3cr3t").unwrap();
        let env = env_with(&[("TOKEN", "x"), ("NPM", "y")]);
        let spec = format!("id=tok,src={}", file.display());
        assert_eq!(
            parse_secret(&spec, &env).unwrap().from,
            SecretFrom::File(file.clone())
        );
        assert_eq!(
            parse_secret("id=a,env=NPM", &env).unwrap().from,
            SecretFrom::Env("NPM".into())
        );
        // type=env takes src as the variable's name.
        assert_eq!(
            parse_secret("id=a,src=NPM,type=env", &env).unwrap().from,
            SecretFrom::Env("NPM".into())
        );
        // Neither: the variable ID when it is set, else the file ID.
        assert_eq!(
            parse_secret("id=TOKEN", &env).unwrap().from,
            SecretFrom::Env("TOKEN".into())
        );
        let missing_file = message(parse_secret("id=nothing-here", &env).unwrap_err());
        assert!(
            missing_file.contains("cannot read nothing-here"),
            "{missing_file}"
        );
        let unset = message(parse_secret("id=a,env=UNSET", &env).unwrap_err());
        assert_eq!(
            unset,
            "--secret id=a: the environment variable UNSET is not set"
        );
        assert!(message(parse_secret("src=x", &env).unwrap_err()).contains("needs id=ID"));
        assert!(message(parse_secret("id=a,kind=x", &env).unwrap_err()).contains("unknown key"));
        assert!(
            message(parse_secret("id=a,type=vault", &env).unwrap_err()).contains("unknown type")
        );
    }

    #[test]
    fn ssh_takes_agent_sockets_and_key_files() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let socket_text: &'static str = Box::leak(socket.display().to_string().into_boxed_str());
        let env = env_with(Box::leak(Box::new([(SSH_AUTH_SOCK, socket_text)])));
        assert_eq!(
            parse_ssh("default", &env).unwrap(),
            SshFlag {
                id: "default".into(),
                from: SshFrom::Socket(socket.clone())
            }
        );
        assert_eq!(
            parse_ssh(&format!("git={socket_text}"), &env_with(&[]))
                .unwrap()
                .id,
            "git"
        );
        assert!(message(parse_ssh("default", &env_with(&[])).unwrap_err())
            .contains("SSH_AUTH_SOCK is not set"));
        let (first, second) = (dir.path().join("id_a"), dir.path().join("id_b"));
        std::fs::write(&first, "key").unwrap();
        std::fs::write(&second, "key").unwrap();
        let keys = parse_ssh(
            &format!("default={},{}", first.display(), second.display()),
            &env,
        )
        .unwrap();
        assert_eq!(keys.from, SshFrom::Keys(vec![first.clone(), second]));
        let mixed = format!("default={},{socket_text}", first.display());
        assert!(
            message(parse_ssh(&mixed, &env).unwrap_err()).contains("not several sockets or both")
        );
        assert!(
            message(parse_ssh("default=/no/such/key", &env).unwrap_err())
                .contains("cannot use /no/such/key")
        );
    }

    #[test]
    fn outputs_and_their_shorthands() {
        assert_eq!(
            parse_output("type=local,dest=out", false).unwrap().kind,
            OutputKind::Local("out".into())
        );
        assert_eq!(
            parse_output("out", false).unwrap().kind,
            OutputKind::Local("out".into())
        );
        assert_eq!(
            parse_output("-", false).unwrap().kind,
            OutputKind::Tar(ArchiveDest::Stdout)
        );
        assert_eq!(
            parse_output("type=tar,dest=out.tar", false).unwrap().kind,
            OutputKind::Tar(ArchiveDest::File("out.tar".into()))
        );
        assert!(message(parse_output("-", true).unwrap_err()).contains("terminal"));
        assert!(message(parse_output("type=local", false).unwrap_err()).contains("needs dest=DIR"));
        assert!(
            message(parse_output("type=oci,dest=x", false).unwrap_err()).contains("not \"oci\"")
        );
        assert!(message(parse_output("dest=x", false).unwrap_err()).contains("needs type="));
        assert!(
            message(parse_output("type=tar,dest=/no/such/dir/x.tar", false).unwrap_err())
                .contains("does not exist")
        );
    }

    #[test]
    fn the_outputs_query_leaves_the_destination_out() {
        let env = Environment {
            var: &|_| None,
            stdout_is_terminal: false,
        };
        let flags = SessionFlags::parse(
            &[],
            &[],
            &["type=local,dest=out,platform-split=false".into()],
            false,
            &env,
        )
        .unwrap();
        assert_eq!(
            flags.outputs_query().unwrap(),
            r#"[{"Attrs":{"platform-split":"false"},"Type":"local"}]"#
        );
        assert_eq!(flags.first_used(), Some("--output"));
        let both = SessionFlags::parse(&[], &[], &["out".into()], true, &env).unwrap_err();
        assert!(message(both).contains("give one of them"));
    }
}
