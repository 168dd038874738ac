//! SSH agent forwarding (`--ssh`): each connection BuildKit opens to an agent, by ID, is
//! piped to the agent socket given for that ID.

use std::path::PathBuf;
use std::pin::Pin;

use bollard::moby::sshforward::v1::ssh_server;
use bollard::moby::sshforward::v1::{BytesMessage, CheckAgentRequest, CheckAgentResponse};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

/// The ID of a `--mount=type=ssh` without one, and of `--ssh default`.
pub const DEFAULT_ID: &str = "default";

/// The metadata key in which BuildKit names the agent a connection is for.
const ID_KEY: &str = "buildkit.ssh.id";

/// How much of the agent's answer goes in one message.
const CHUNK_BYTES: usize = 32 * 1024;

/// One `--ssh ID=SOCKET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSource {
    pub id: String,
    pub socket: PathBuf,
}

pub struct Ssh {
    sources: Vec<SshSource>,
}

impl Ssh {
    pub fn new(sources: Vec<SshSource>) -> Ssh {
        Ssh { sources }
    }

    fn socket(&self, id: &str) -> Result<PathBuf, Status> {
        let id = if id.is_empty() { DEFAULT_ID } else { id };
        self.sources
            .iter()
            .rev()
            .find(|source| source.id == id)
            .map(|source| source.socket.clone())
            .ok_or_else(|| Status::not_found(format!("no --ssh {id} was given")))
    }
}

#[tonic::async_trait]
impl ssh_server::Ssh for Ssh {
    async fn check_agent(
        &self,
        request: Request<CheckAgentRequest>,
    ) -> Result<Response<CheckAgentResponse>, Status> {
        self.socket(&request.get_ref().id)?;
        Ok(Response::new(CheckAgentResponse {}))
    }

    type ForwardAgentStream =
        Pin<Box<dyn Stream<Item = Result<BytesMessage, Status>> + Send + 'static>>;

    async fn forward_agent(
        &self,
        request: Request<Streaming<BytesMessage>>,
    ) -> Result<Response<Self::ForwardAgentStream>, Status> {
        let id = request
            .metadata()
            .get(ID_KEY)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let socket = self.socket(&id)?;
        let agent = tokio::net::UnixStream::connect(&socket)
            .await
            .map_err(|err| {
                Status::unavailable(format!(
                    "cannot reach the SSH agent at {}: {err}",
                    socket.display()
                ))
            })?;
        let (mut from_agent, mut to_agent) = agent.into_split();
        let mut from_build = request.into_inner();
        tokio::spawn(async move {
            while let Some(Ok(message)) = from_build.next().await {
                if to_agent.write_all(&message.data).await.is_err() {
                    break;
                }
            }
            let _ = to_agent.shutdown().await;
        });
        let (sender, receiver) = mpsc::channel(4);
        tokio::spawn(async move {
            let mut buffer = vec![0; CHUNK_BYTES];
            loop {
                let message = match from_agent.read(&mut buffer).await {
                    Ok(0) => break,
                    Ok(read) => Ok(BytesMessage {
                        data: buffer[..read].to_vec(),
                    }),
                    Err(err) => Err(Status::unavailable(format!("SSH agent: {err}"))),
                };
                let failed = message.is_err();
                if sender.send(message).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }
}
