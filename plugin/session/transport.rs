//! The daemon's `POST /session`: an HTTP/1.1 upgrade to h2c, after which the daemon is the
//! gRPC client and we serve.

use std::pin::Pin;
use std::task::{Context, Poll};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::StatusCode;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::SessionId;
use crate::dial::DaemonIo;

/// How much of a refusal's body is shown.
const MAX_REFUSAL_BYTES: usize = 4096;

/// Asks the daemon to take `stream` over as the session `id` offering `methods`.
pub async fn upgrade(
    stream: Box<dyn DaemonIo>,
    id: &SessionId,
    methods: &[String],
) -> anyhow::Result<TokioIo<hyper::upgrade::Upgraded>> {
    let failed = "cannot open the BuildKit session on the daemon";
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context(failed)?;
    // The connection task hands the socket over once the upgrade is done.
    tokio::spawn(connection.with_upgrades());
    let mut request = hyper::Request::post("/session")
        .header(hyper::header::HOST, "docker")
        .header(hyper::header::CONNECTION, "Upgrade")
        .header(hyper::header::UPGRADE, "h2c")
        .header("X-Docker-Expose-Session-Uuid", &id.id)
        .header("X-Docker-Expose-Session-Name", &id.name)
        .header("X-Docker-Expose-Session-Sharedkey", &id.shared_key);
    for method in methods {
        request = request.header("X-Docker-Expose-Session-Grpc-Method", method);
    }
    let response = sender
        .send_request(request.body(Empty::<Bytes>::new()).context(failed)?)
        .await
        .context(failed)?;
    let status = response.status();
    if status != StatusCode::SWITCHING_PROTOCOLS {
        let body = response
            .into_body()
            .collect()
            .await
            .map(|body| body.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body[..body.len().min(MAX_REFUSAL_BYTES)]);
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|json| json["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| text.trim().to_owned());
        anyhow::bail!("{failed}: {status} {message}");
    }
    let upgraded = hyper::upgrade::on(response).await.context(failed)?;
    Ok(TokioIo::new(upgraded))
}

/// A session connection as tonic's server takes it.
pub struct SessionIo<T>(pub T);

impl<T> tonic::transport::server::Connected for SessionIo<T> {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl<T: AsyncRead + Unpin> AsyncRead for SessionIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for SessionIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
