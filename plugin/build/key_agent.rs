//! Key files given to `--ssh ID=KEY[,KEY...]`: loaded into an `ssh-agent` of our own, started
//! for the build and stopped with it (buildx loads them into an agent inside its process; here
//! OpenSSH's agent does the key handling, so the key never passes through us).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::input_error;

/// How long the agent may take to listen.
const AGENT_START: Duration = Duration::from_secs(5);

/// A running agent holding the keys; stopped on drop.
pub struct KeyAgent {
    /// `sh -c 'read _'`, under which the agent runs: it ends when its stdin closes.
    command: Child,
    /// Our end of the command's stdin: closed when we drop it or when this process ends (even
    /// killed), which ends the command, and the agent with it.
    _lifeline: Option<ChildStdin>,
    pub socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl KeyAgent {
    /// Starts an agent for `--ssh id` and adds `keys` to it (`ssh-add` asks for a passphrase
    /// on the terminal, as it always does).
    pub fn start(id: &str, keys: &[PathBuf]) -> anyhow::Result<KeyAgent> {
        let dir = tempfile::Builder::new()
            .prefix("docker-rbuild-ssh-")
            .tempdir()
            .map_err(|err| {
                anyhow::anyhow!("--ssh {id}: cannot make a directory for an agent: {err}")
            })?;
        let socket = dir.path().join("agent.sock");
        // With a command, the agent watches it and exits once it is gone.
        let mut command = Command::new("ssh-agent")
            .arg("-a")
            .arg(&socket)
            .args(["sh", "-c", "read _"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| no_openssh(id, &err))?;
        let lifeline = command.stdin.take();
        let mut agent = KeyAgent {
            command,
            _lifeline: lifeline,
            socket,
            _dir: dir,
        };
        agent.wait_until_listening(id)?;
        for key in keys {
            agent.add(id, key)?;
        }
        Ok(agent)
    }

    /// Until a connection is taken: the agent binds its socket (the path appears) before it
    /// listens, and a connection in between is refused.
    fn wait_until_listening(&mut self, id: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + AGENT_START;
        while std::os::unix::net::UnixStream::connect(&self.socket).is_err() {
            if Instant::now() > deadline || matches!(self.command.try_wait(), Ok(Some(_))) {
                anyhow::bail!("--ssh {id}: the ssh-agent for its key files did not start");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    fn add(&self, id: &str, key: &Path) -> anyhow::Result<()> {
        let mut added = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| no_openssh(id, &err))?;
        let mut stderr = String::new();
        if let Some(pipe) = added.stderr.as_mut() {
            // Bounded: ssh-add says one or two lines.
            let _ = pipe.take(4096).read_to_string(&mut stderr);
        }
        let status = added.wait()?;
        if !status.success() {
            let why = stderr.lines().next().unwrap_or("ssh-add failed").trim();
            return Err(input_error(format!(
                "--ssh {id}: cannot load the key {}: {why}",
                key.display()
            )));
        }
        Ok(())
    }
}

fn no_openssh(id: &str, err: &std::io::Error) -> anyhow::Error {
    input_error(format!(
        "--ssh {id}: loading key files needs OpenSSH's ssh-agent and ssh-add: {err}"
    ))
}

impl Drop for KeyAgent {
    fn drop(&mut self) {
        let _ = self.command.kill();
        let _ = self.command.wait();
    }
}
