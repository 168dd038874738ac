//! docker rbuild's own BuildKit session: the gRPC services BuildKit calls back on the client
//! during a build (registry credentials, secrets, SSH agents, exported files), served over the
//! daemon's `POST /session`, an HTTP upgrade to h2c, as the docker CLI and buildx open it.
//! The build request then names the session (`POST /build?version=2&session=ID`).
//!
//! bollard 0.21.1 opens a session of its own for every BuildKit build, with registry
//! credentials only, and its services are private: these are ours, on the generated types of
//! `bollard-buildkit-proto`. The services ([`Attachables`]) do not depend on how the
//! connection was made ([`serve`] takes any byte stream), so the same set can serve a
//! standalone BuildKit daemon, whose Control API names a session the same way.

mod auth;
pub mod filesend;
mod health;
pub mod secrets;
pub mod ssh;
mod transport;

use std::collections::HashMap;

use bollard::auth::DockerCredentials;
use bollard::health::health_server::HealthServer;
use bollard::moby::buildkit::secrets::v1::secrets_server::SecretsServer;
use bollard::moby::filesync::packet::file_send_server::FileSendServer as PacketFileSendServer;
use bollard::moby::filesync::v1::auth_server::AuthServer;
use bollard::moby::filesync::v1::file_send_server::FileSendServer;
use bollard::moby::sshforward::v1::ssh_server::SshServer;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::dial::DaemonIo;
use crate::endpoint::Endpoint;
use filesend::Export;
use secrets::SecretSource;
use ssh::SshSource;

/// What the session offers BuildKit. Not `Debug`: it holds registry passwords.
#[derive(Default)]
pub struct Attachables {
    /// Registry credentials by the host BuildKit names (see `credentials::by_session_host`).
    pub credentials: HashMap<String, DockerCredentials>,
    pub secrets: Vec<SecretSource>,
    pub ssh: Vec<SshSource>,
    /// Where an exporter's files go (`--output`).
    pub export: Option<Export>,
}

/// The gRPC methods of each service, as the session announces them to the daemon (it calls
/// only what was announced).
const HEALTH_METHODS: &[&str] = &["Check", "List", "Watch"];
const AUTH_METHODS: &[&str] = &[
    "Credentials",
    "FetchToken",
    "GetTokenAuthority",
    "VerifyTokenAuthority",
];
const SECRETS_METHODS: &[&str] = &["GetSecret"];
const SSH_METHODS: &[&str] = &["CheckAgent", "ForwardAgent"];
const FILE_SEND_METHODS: &[&str] = &["DiffCopy"];

impl Attachables {
    /// Every method served, as `/package.Service/Method`.
    pub fn methods(&self) -> Vec<String> {
        let mut services: Vec<(&str, &[&str])> = vec![
            ("grpc.health.v1.Health", HEALTH_METHODS),
            ("moby.filesync.v1.Auth", AUTH_METHODS),
        ];
        if !self.secrets.is_empty() {
            services.push(("moby.buildkit.secrets.v1.Secrets", SECRETS_METHODS));
        }
        if !self.ssh.is_empty() {
            services.push(("moby.sshforward.v1.SSH", SSH_METHODS));
        }
        if self.export.is_some() {
            services.push(("moby.filesync.v1.FileSend", FILE_SEND_METHODS));
        }
        services
            .into_iter()
            .flat_map(|(service, methods)| {
                methods
                    .iter()
                    .map(move |method| format!("/{service}/{method}"))
            })
            .collect()
    }

    /// The gRPC router with one service per attachable.
    fn router(self) -> tonic::service::Routes {
        let mut routes = tonic::service::Routes::new(HealthServer::new(health::Health))
            .add_service(AuthServer::new(auth::Auth::new(self.credentials)));
        if !self.secrets.is_empty() {
            routes = routes.add_service(SecretsServer::new(secrets::Secrets::new(self.secrets)));
        }
        if !self.ssh.is_empty() {
            routes = routes.add_service(SshServer::new(ssh::Ssh::new(self.ssh)));
        }
        match self.export {
            Some(Export::Directory(dir)) => {
                routes.add_service(PacketFileSendServer::new(filesend::Directory::new(dir)))
            }
            Some(Export::Archive(archive)) => routes.add_service(FileSendServer::new(archive)),
            None => routes,
        }
    }
}

/// Who the session is, as the daemon's `/session` headers say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionId {
    /// Unique to this build; the build request names it.
    pub id: String,
    /// The context's directory name, as the docker CLI names its sessions.
    pub name: String,
    /// Stable for one context directory: BuildKit keys its context transfer cache by it.
    pub shared_key: String,
}

impl SessionId {
    /// A new session for a build of `context` (its directory when local).
    pub fn new(context: &str) -> SessionId {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        let name = std::path::Path::new(context)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "docker-rbuild".to_owned());
        let shared_key = Sha256::digest(format!("docker-rbuild:{context}").as_bytes());
        SessionId {
            id: format!("docker-rbuild-{}-{nanos:x}", std::process::id()),
            name,
            shared_key: shared_key
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect(),
        }
    }
}

/// A session being served; dropping it ends it.
pub struct Session {
    server: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Opens the session on the daemon's `/session` endpoint and serves it in the background.
pub async fn open(
    endpoint: &Endpoint,
    id: &SessionId,
    attachables: Attachables,
) -> anyhow::Result<Session> {
    let stream = crate::dial::dial(endpoint).await?;
    let upgraded = transport::upgrade(stream, id, &attachables.methods()).await?;
    Ok(serve(upgraded, attachables))
}

/// Serves the attachables on a connection whose far end speaks gRPC to us (h2c).
pub fn serve(connection: impl DaemonIo, attachables: Attachables) -> Session {
    let routes = attachables.router();
    let server = tokio::spawn(async move {
        let incoming =
            tokio_stream::once(Ok::<_, std::io::Error>(transport::SessionIo(connection)));
        // The session ends with the connection (or when dropped): its errors are the
        // build's, which the daemon reports.
        let _ = tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming(incoming)
            .await;
    });
    Session { server }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_follow_the_attachables() {
        let bare = Attachables::default().methods();
        assert!(bare.contains(&"/moby.filesync.v1.Auth/Credentials".to_owned()));
        assert!(bare.contains(&"/grpc.health.v1.Health/Check".to_owned()));
        assert!(!bare.iter().any(|method| method.contains("Secrets")));
        let with_secret = Attachables {
            secrets: vec![SecretSource {
                id: "npmrc".into(),
                from: secrets::SecretFrom::Env("NPMRC".into()),
            }],
            ..Attachables::default()
        };
        assert!(with_secret
            .methods()
            .contains(&"/moby.buildkit.secrets.v1.Secrets/GetSecret".to_owned()));
    }

    #[test]
    fn session_ids_are_unique_and_keyed_by_the_context() {
        let first = SessionId::new("/src/app");
        let second = SessionId::new("/src/app");
        assert_eq!(first.name, "app");
        assert_eq!(first.shared_key, second.shared_key);
        assert_eq!(first.shared_key.len(), 64);
        assert_ne!(SessionId::new("/src/other").shared_key, first.shared_key);
        assert_eq!(SessionId::new("-").name, "-");
    }
}
