//! A connection of our own to the daemon's API, for the requests bollard cannot make for us:
//! the ping's headers and the build session's HTTP upgrade.

use std::sync::Arc;

use anyhow::Context as _;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::endpoint::{Address, Endpoint};
use crate::ssh::SshCommand;

/// A byte stream to the daemon.
pub trait DaemonIo: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> DaemonIo for T {}

/// Connects to the daemon's socket, over TLS when the endpoint says so (with the same
/// certificates and verification as the API client), over ssh by starting an ssh process of
/// its own (whose failure shows when the stream is read).
pub async fn dial(endpoint: &Endpoint) -> anyhow::Result<Box<dyn DaemonIo>> {
    let failed = || format!("cannot connect to the Docker daemon at {endpoint}");
    match &endpoint.address {
        Address::Unix(path) => Ok(Box::new(
            tokio::net::UnixStream::connect(path)
                .await
                .with_context(failed)?,
        )),
        Address::Tcp(authority) => {
            let tcp = tokio::net::TcpStream::connect(authority)
                .await
                .with_context(failed)?;
            let Some(tls) = &endpoint.tls else {
                return Ok(Box::new(tcp));
            };
            let config = crate::daemon::tls_client_config(tls)?;
            let name = ServerName::try_from(host_of(authority).to_owned())
                .with_context(|| format!("{authority} has no valid host name for TLS"))?;
            let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .with_context(failed)?;
            Ok(Box::new(stream))
        }
        Address::Ssh(host) => Ok(Box::new(
            SshCommand::new(host).connect().with_context(failed)?,
        )),
    }
}

/// The host of `host:port` (an IPv6 address without its brackets).
fn host_of(authority: &str) -> &str {
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_authorities() {
        assert_eq!(host_of("docker.example.com:2376"), "docker.example.com");
        assert_eq!(host_of("127.0.0.1:2376"), "127.0.0.1");
        assert_eq!(host_of("[::1]:2376"), "::1");
    }
}
