//! Engines at `ssh://` addresses, reached the way the docker CLI reaches them: the system
//! `ssh`, with the user's own configuration (`~/.ssh/config`, keys, agent, known hosts), runs
//! `docker system dial-stdio` on the remote host, and HTTP flows over its standard input and
//! output. One ssh process per connection, so an upgraded connection (BuildKit's `/session`)
//! is one ssh process too.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::process::ExitStatusExt as _;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::oneshot;

use crate::daemon::os_message;
use crate::endpoint::SshHost;

/// How long ssh may take to reach the host: the docker CLI's `-o ConnectTimeout=30`.
const CONNECT_TIMEOUT_SECS: u32 = 30;

/// How much of ssh's standard error is kept for a failure message (its end tells why).
const STDERR_KEPT: usize = 4096;

/// How long the end of ssh's output may precede its exit before the end counts as normal.
const EXIT_WAIT: Duration = Duration::from_secs(10);

/// How long standard error is still read once ssh exited: a process it left behind (a
/// `ControlPersist` master) may hold the pipe open for good.
const STDERR_AFTER_EXIT: Duration = Duration::from_millis(200);

/// The arguments of `ssh` for one engine, as the docker CLI builds them:
/// `[-l USER] [-p PORT] -o ConnectTimeout=30 -T -- HOST 'docker [--host=unix://SOCKET] system dial-stdio'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshCommand {
    args: Vec<String>,
}

impl SshCommand {
    pub fn new(target: &SshHost) -> SshCommand {
        let mut args = Vec::new();
        if let Some(user) = &target.user {
            args.extend(["-l".to_owned(), user.clone()]);
        }
        if let Some(port) = target.port {
            args.extend(["-p".to_owned(), port.to_string()]);
        }
        // -T: no terminal on the remote side, whose shell then is no login shell.
        args.extend([
            "-o".to_owned(),
            format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"),
            "-T".to_owned(),
            "--".to_owned(),
            target.host.clone(),
        ]);
        let mut remote = vec![Cow::Borrowed("docker")];
        if let Some(socket) = &target.socket {
            remote.push(Cow::Owned(format!("--host=unix://{socket}")));
        }
        remote.extend([Cow::Borrowed("system"), Cow::Borrowed("dial-stdio")]);
        // ssh hands the remote command to the remote user's shell as one string.
        let remote: Vec<Cow<str>> = remote.iter().map(|word| shell_quote(word)).collect();
        args.push(remote.join(" "));
        SshCommand { args }
    }

    /// Starts ssh: a new connection to the remote engine.
    pub fn connect(&self) -> io::Result<SshStream> {
        SshStream::start(self)
    }
}

impl fmt::Display for SshCommand {
    /// The command as a shell would take it, so the user can run it to see what ssh says.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ssh")?;
        for arg in &self.args {
            write!(f, " {}", shell_quote(arg))?;
        }
        Ok(())
    }
}

/// `word` as one word of a POSIX shell command: as is when it holds no special character,
/// else in single quotes.
fn shell_quote(word: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// Makes connections for hyper's client: each one a new ssh process.
#[derive(Clone)]
pub struct SshConnector {
    command: Arc<SshCommand>,
}

impl SshConnector {
    pub fn new(command: SshCommand) -> SshConnector {
        SshConnector {
            command: Arc::new(command),
        }
    }
}

impl tower_service::Service<hyper::Uri> for SshConnector {
    type Response = TokioIo<SshStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TokioIo<SshStream>>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// The URI only names the daemon to HTTP; ssh's target is the connector's.
    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let command = Arc::clone(&self.command);
        Box::pin(async move { command.connect().map(TokioIo::new) })
    }
}

/// A connection to the remote engine: ssh's standard output and input. When ssh fails (it
/// cannot log in, the host key is unknown, the remote docker cannot reach its daemon), reading
/// or writing gives ssh's own last words as the error.
pub struct SshStream {
    /// `None` once shut down: closing it tells the remote side that no more requests come.
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    exit: ExitReport,
    /// Dropped with the stream, which makes the task watching ssh end it.
    _stop: oneshot::Sender<()>,
}

impl SshStream {
    fn start(command: &SshCommand) -> io::Result<SshStream> {
        let mut process = Command::new("ssh");
        process
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // A session of its own, as the docker CLI gives it: ssh has no terminal to prompt on
        // (an unknown host key or a key needing a passphrase fails at once instead of
        // waiting for input nobody is asked for), and Ctrl-C reaches us, not ssh, so an
        // interrupted build can still be cleaned up through the connection.
        // SAFETY: between fork and exec only setsid runs, which is async-signal-safe.
        unsafe {
            process.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = process.spawn().map_err(|err| {
            let reason = match err.kind() {
                io::ErrorKind::NotFound => "no `ssh` on PATH (install OpenSSH's client)".into(),
                _ => format!("cannot run ssh: {}", os_message(&err)),
            };
            io::Error::new(err.kind(), reason)
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        let (stop, stopped) = oneshot::channel();
        let (report, reported) = oneshot::channel();
        tokio::spawn(watch(child, stderr, stopped, report, command.to_string()));
        let reported = async move {
            match tokio::time::timeout(EXIT_WAIT, reported).await {
                Ok(Ok(failure)) => failure,
                // ssh is still running, or its watcher is gone: nothing to add.
                Ok(Err(_)) | Err(_) => None,
            }
        };
        Ok(SshStream {
            stdin: Some(stdin),
            stdout,
            exit: ExitReport::Waiting(Box::pin(reported)),
            _stop: stop,
        })
    }

    /// `result`, with a closed pipe to ssh turned into ssh's failure: a `BrokenPipe` would
    /// also read as "the reader went away", which the error report keeps quiet about.
    fn after_write<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match ready!(result) {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                let failure = ready!(self.exit.poll(cx));
                Poll::Ready(Err(failure.map_or_else(
                    || io::Error::new(io::ErrorKind::ConnectionAborted, "ssh ended the connection"),
                    io::Error::other,
                )))
            }
            other => Poll::Ready(other),
        }
    }

    fn stdin(&mut self) -> io::Result<Pin<&mut ChildStdin>> {
        self.stdin.as_mut().map(Pin::new).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotConnected,
                "the ssh connection is shut down",
            )
        })
    }
}

/// What ended ssh: `Some(message)` when it failed, `None` when it exited normally or is
/// still running.
enum ExitReport {
    Waiting(Pin<Box<dyn Future<Output = Option<String>> + Send>>),
    Known(Option<String>),
}

impl ExitReport {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<String>> {
        if let ExitReport::Waiting(report) = self {
            let failure = ready!(report.as_mut().poll(cx));
            *self = ExitReport::Known(failure);
        }
        match self {
            ExitReport::Known(failure) => Poll::Ready(failure.clone()),
            ExitReport::Waiting(_) => Poll::Pending,
        }
    }
}

/// Follows ssh until it exits, then reports a failure with the end of its standard error;
/// ends ssh (killed on drop) once the stream is dropped first.
async fn watch(
    mut child: Child,
    mut stderr: ChildStderr,
    stopped: oneshot::Receiver<()>,
    report: oneshot::Sender<Option<String>>,
    command: String,
) {
    let mut kept = Vec::new();
    let exited = async {
        let status = tokio::select! {
            status = child.wait() => status,
            () = keep_tail(&mut stderr, &mut kept) => child.wait().await,
        };
        let _ = tokio::time::timeout(STDERR_AFTER_EXIT, keep_tail(&mut stderr, &mut kept)).await;
        status
    };
    tokio::select! {
        status = exited => {
            let failure = status.ok().and_then(|status| failure(&command, status, &kept));
            let _ = report.send(failure);
        }
        _ = stopped => {}
    }
}

/// Reads `stderr` to its end, keeping its last [`STDERR_KEPT`] bytes in `kept`.
async fn keep_tail(stderr: &mut ChildStderr, kept: &mut Vec<u8>) {
    let mut chunk = [0; 1024];
    while let Ok(read @ 1..) = stderr.read(&mut chunk).await {
        kept.extend_from_slice(&chunk[..read]);
        let excess = kept.len().saturating_sub(STDERR_KEPT);
        kept.drain(..excess);
    }
}

/// One line saying how ssh failed, ending with its last line of standard error (ssh's
/// reason, like `Permission denied (publickey).`, or the remote command's).
fn failure(command: &str, status: ExitStatus, stderr: &[u8]) -> Option<String> {
    if status.success() {
        return None;
    }
    let how = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => "failed".to_owned(),
    };
    let stderr = String::from_utf8_lossy(stderr);
    let reason = stderr.lines().map(str::trim).rfind(|line| !line.is_empty());
    Some(match reason {
        Some(reason) => format!("`{command}` {how}: {reason}"),
        None => format!("`{command}` {how}"),
    })
}

impl AsyncRead for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stdout).poll_read(cx, buf))?;
        let end_of_output = buf.filled().len() == before && buf.remaining() > 0;
        if !end_of_output {
            return Poll::Ready(Ok(()));
        }
        // The output ends when ssh does: a failed ssh is an error, not a closed connection.
        match ready!(this.exit.poll(cx)) {
            Some(failure) => Poll::Ready(Err(io::Error::other(failure))),
            None => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = this.stdin()?.poll_write(cx, buf);
        this.after_write(cx, result)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(stdin) = this.stdin.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let result = Pin::new(stdin).poll_flush(cx);
        this.after_write(cx, result)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(stdin) = this.stdin.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let result = Pin::new(stdin).poll_shutdown(cx);
        ready!(this.after_write(cx, result))?;
        // A pipe has no half-close: closing it is how the remote side sees the end.
        this.stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(user: Option<&str>, port: Option<u16>, socket: Option<&str>) -> SshHost {
        SshHost {
            user: user.map(str::to_owned),
            host: "build-host".into(),
            port,
            socket: socket.map(str::to_owned),
        }
    }

    #[test]
    fn command_line_follows_the_docker_cli() {
        let plain = SshCommand::new(&target(None, None, None));
        assert_eq!(
            plain.args,
            [
                "-o",
                "ConnectTimeout=30",
                "-T",
                "--",
                "build-host",
                "docker system dial-stdio"
            ]
        );
        let full = SshCommand::new(&target(Some("me"), Some(2222), Some("/run/my docker.sock")));
        assert_eq!(
            full.args,
            [
                "-l",
                "me",
                "-p",
                "2222",
                "-o",
                "ConnectTimeout=30",
                "-T",
                "--",
                "build-host",
                "docker '--host=unix:///run/my docker.sock' system dial-stdio"
            ]
        );
        assert_eq!(
            full.to_string(),
            r#"ssh -l me -p 2222 -o ConnectTimeout=30 -T -- build-host 'docker '\''--host=unix:///run/my docker.sock'\'' system dial-stdio'"#
        );
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(
            shell_quote("--host=unix:///run/docker.sock"),
            "--host=unix:///run/docker.sock"
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$(reboot)"), "'$(reboot)'");
    }

    #[test]
    fn failure_ends_with_the_last_line_of_stderr() {
        let status = ExitStatus::from_raw(255 << 8);
        let stderr = b"Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.\r\nroot@127.0.0.1: Permission denied (publickey).\r\n\n";
        assert_eq!(
            failure("ssh -- h", status, stderr).unwrap(),
            "`ssh -- h` exited with status 255: root@127.0.0.1: Permission denied (publickey)."
        );
        assert_eq!(
            failure("ssh -- h", status, b"").unwrap(),
            "`ssh -- h` exited with status 255"
        );
        assert_eq!(
            failure("ssh -- h", ExitStatus::from_raw(9), b"").unwrap(),
            "`ssh -- h` was killed by signal 9"
        );
        assert_eq!(failure("ssh -- h", ExitStatus::from_raw(0), b"noise"), None);
    }
}
