//! A connection of our own to the daemon's API, for the requests bollard cannot make for us:
//! the ping's headers and the build session's HTTP upgrade.

use anyhow::Context as _;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::endpoint::{Address, Endpoint};

/// A byte stream to the daemon.
pub trait DaemonIo: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> DaemonIo for T {}

/// Connects to the daemon's socket. `None` over TLS: that takes a second TLS stack, which
/// only bollard's client has.
pub async fn dial(endpoint: &Endpoint) -> anyhow::Result<Option<Box<dyn DaemonIo>>> {
    if endpoint.tls.is_some() {
        return Ok(None);
    }
    let failed = || format!("cannot connect to the Docker daemon at {endpoint}");
    let stream: Box<dyn DaemonIo> = match &endpoint.address {
        Address::Unix(path) => Box::new(
            tokio::net::UnixStream::connect(path)
                .await
                .with_context(failed)?,
        ),
        Address::Tcp(authority) => Box::new(
            tokio::net::TcpStream::connect(authority)
                .await
                .with_context(failed)?,
        ),
    };
    Ok(Some(stream))
}
