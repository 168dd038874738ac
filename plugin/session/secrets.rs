//! Build secrets (`--secret`): read when BuildKit asks for one, from the file or the
//! environment variable named, and sent over the session only: never written, never logged.

use std::io::Read as _;
use std::path::PathBuf;

use bollard::moby::buildkit::secrets::v1::secrets_server;
use bollard::moby::buildkit::secrets::v1::{GetSecretRequest, GetSecretResponse};
use tonic::{Request, Response, Status};

/// BuildKit's limit on one secret.
pub const MAX_SECRET_BYTES: u64 = 500 * 1024;

/// One `--secret`: an ID and where its value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSource {
    pub id: String,
    pub from: SecretFrom,
}

/// Where a secret's value is (the value itself is never held longer than a request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretFrom {
    File(PathBuf),
    Env(String),
}

impl SecretFrom {
    /// The value, or why it cannot be read (the message names the source, never the value).
    pub fn read(&self) -> Result<Vec<u8>, String> {
        match self {
            SecretFrom::Env(name) => std::env::var_os(name)
                .map(|value| value.into_encoded_bytes())
                .ok_or_else(|| format!("the environment variable {name} is not set")),
            SecretFrom::File(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
                let mut value = Vec::new();
                file.take(MAX_SECRET_BYTES + 1)
                    .read_to_end(&mut value)
                    .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
                if value.len() as u64 > MAX_SECRET_BYTES {
                    return Err(format!(
                        "{} is larger than BuildKit's 500 KiB limit for a secret",
                        path.display()
                    ));
                }
                Ok(value)
            }
        }
    }
}

pub struct Secrets {
    sources: Vec<SecretSource>,
}

impl Secrets {
    pub fn new(sources: Vec<SecretSource>) -> Secrets {
        Secrets { sources }
    }
}

#[tonic::async_trait]
impl secrets_server::Secrets for Secrets {
    async fn get_secret(
        &self,
        request: Request<GetSecretRequest>,
    ) -> Result<Response<GetSecretResponse>, Status> {
        let id = &request.get_ref().id;
        // The last `--secret` with an ID wins, as in buildx.
        let Some(source) = self.sources.iter().rev().find(|source| source.id == *id) else {
            return Err(Status::not_found(format!("secret {id} not found")));
        };
        let from = source.from.clone();
        let value = tokio::task::spawn_blocking(move || from.read())
            .await
            .map_err(|_| Status::internal("reading the secret stopped"))?
            .map_err(|why| Status::failed_precondition(format!("secret {id}: {why}")))?;
        Ok(Response::new(GetSecretResponse { data: value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_secrets_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, "s3cr3t").unwrap();
        assert_eq!(SecretFrom::File(small).read().unwrap(), b"s3cr3t");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; MAX_SECRET_BYTES as usize + 1]).unwrap();
        let why = SecretFrom::File(big).read().unwrap_err();
        assert!(why.contains("500 KiB"), "{why}");
        let missing = SecretFrom::Env("RBUILD_TEST_UNSET_SECRET_VARIABLE".into());
        assert!(missing.read().unwrap_err().contains("is not set"));
    }
}
