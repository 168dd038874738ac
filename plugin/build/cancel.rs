//! What stops a running command: Ctrl-C (SIGINT), SIGTERM, or the docker CLI going away.
//!
//! When the docker CLI runs a plugin it sets `DOCKER_CLI_PLUGIN_SOCKET` to a unix socket
//! (abstract when it starts with `@`). The plugin connects; the CLI closes the connection
//! when it wants the plugin to stop (or dies), so end-of-file means "terminate". Older CLIs
//! (20.10) have no socket: the parent process exiting (the plugin is re-parented) means the same.

use std::fmt;
use std::io;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::UnixStream;
use tokio::signal::unix::{signal, Signal, SignalKind};

/// The environment variable through which the docker CLI names its plugin socket.
const PLUGIN_SOCKET_ENV: &str = "DOCKER_CLI_PLUGIN_SOCKET";

/// Why the build was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Interrupt,
    Terminate,
    CliClosed,
    ParentExited,
}

impl StopReason {
    /// 143 (128 + 15) for SIGTERM, as a shell reports it; 130 (128 + SIGINT) otherwise.
    pub fn exit_code(self) -> u8 {
        match self {
            StopReason::Terminate => crate::error::EXIT_TERMINATED,
            StopReason::Interrupt | StopReason::CliClosed | StopReason::ParentExited => {
                crate::error::EXIT_INTERRUPTED
            }
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Interrupt => "SIGINT",
            StopReason::Terminate => "SIGTERM",
            StopReason::CliClosed => "the docker CLI (it closed the plugin socket)",
            StopReason::ParentExited => "the docker CLI (its process exited)",
        })
    }
}

/// Listens for the stop requests. Create it before the build starts: from then on SIGINT
/// and SIGTERM no longer kill the process, they end the build cleanly.
pub struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    cli: Option<UnixStream>,
    /// The process that started us, when it was not init already.
    parent: Option<u32>,
}

/// How often the parent process is looked at: a stopped CLI is noticed within this time.
const PARENT_POLL: Duration = Duration::from_millis(200);

impl StopSignals {
    pub async fn listen() -> io::Result<StopSignals> {
        let cli = match std::env::var(PLUGIN_SOCKET_ENV) {
            Ok(address) if !address.is_empty() => match connect(&address).await {
                Ok(stream) => Some(stream),
                // The build can still run; only the CLI's stop request would be missed.
                Err(err) => {
                    eprintln!("warning: cannot connect to the docker CLI's plugin socket {address}: {err}");
                    None
                }
            },
            _ => None,
        };
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            cli,
            parent: Some(std::os::unix::process::parent_id()).filter(|&pid| pid > 1),
        })
    }

    /// Resolves when the build must stop.
    pub async fn recv(&mut self) -> StopReason {
        let cli = &mut self.cli;
        let cli_closed = async {
            match cli {
                Some(stream) => {
                    let mut buffer = [0u8; 64];
                    // The CLI sends nothing we need; only the end of the connection matters.
                    while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
                }
                None => std::future::pending::<()>().await,
            }
        };
        let parent = self.parent;
        let parent_exited = async {
            let Some(parent) = parent else {
                return std::future::pending::<()>().await;
            };
            let mut poll = tokio::time::interval(PARENT_POLL);
            while std::os::unix::process::parent_id() == parent {
                poll.tick().await;
            }
        };
        tokio::select! {
            _ = self.interrupt.recv() => StopReason::Interrupt,
            _ = self.terminate.recv() => StopReason::Terminate,
            _ = cli_closed => StopReason::CliClosed,
            _ = parent_exited => StopReason::ParentExited,
        }
    }
}

/// Connects to `address`: a filesystem path, or an abstract name written `@name`.
async fn connect(address: &str) -> io::Result<UnixStream> {
    match address.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let socket_address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            let stream = std::os::unix::net::UnixStream::connect_addr(&socket_address)?;
            stream.set_nonblocking(true)?;
            UnixStream::from_std(stream)
        }
        None => UnixStream::connect(address).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_cli_closing_its_socket_stops_the_build() {
        let name = format!("rbuild-test-cancel-{}", std::process::id());
        use std::os::linux::net::SocketAddrExt;
        let address = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
        let listener = std::os::unix::net::UnixListener::bind_addr(&address).unwrap();
        let stream = connect(&format!("@{name}")).await.unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let mut stops = StopSignals {
            interrupt: signal(SignalKind::interrupt()).unwrap(),
            terminate: signal(SignalKind::terminate()).unwrap(),
            cli: Some(stream),
            parent: None,
        };
        drop(accepted);
        assert_eq!(stops.recv().await, StopReason::CliClosed);
    }
}
