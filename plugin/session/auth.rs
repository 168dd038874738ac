//! Registry credentials for BuildKit's pulls: `Credentials` by host. BuildKit fetches its
//! own tokens with them when the session has no token authority (`Unimplemented`), as with
//! the docker CLI without a token seed.

use std::collections::HashMap;

use bollard::auth::DockerCredentials;
use bollard::moby::filesync::v1::auth_server;
use bollard::moby::filesync::v1::{
    CredentialsRequest, CredentialsResponse, FetchTokenRequest, FetchTokenResponse,
    GetTokenAuthorityRequest, GetTokenAuthorityResponse, VerifyTokenAuthorityRequest,
    VerifyTokenAuthorityResponse,
};
use tonic::{Request, Response, Status};

pub struct Auth {
    /// By the host BuildKit asks for.
    credentials: HashMap<String, DockerCredentials>,
}

impl Auth {
    pub fn new(credentials: HashMap<String, DockerCredentials>) -> Auth {
        Auth { credentials }
    }
}

/// What BuildKit takes for one registry: an identity token as the secret (with no user), else
/// the user and password; nothing for a registry we know nothing about (anonymous).
fn answer(credentials: Option<&DockerCredentials>) -> CredentialsResponse {
    match credentials {
        Some(DockerCredentials {
            identitytoken: Some(token),
            ..
        }) if !token.is_empty() => CredentialsResponse {
            username: String::new(),
            secret: token.clone(),
        },
        Some(credentials) => CredentialsResponse {
            username: credentials.username.clone().unwrap_or_default(),
            secret: credentials.password.clone().unwrap_or_default(),
        },
        None => CredentialsResponse::default(),
    }
}

#[tonic::async_trait]
impl auth_server::Auth for Auth {
    async fn credentials(
        &self,
        request: Request<CredentialsRequest>,
    ) -> Result<Response<CredentialsResponse>, Status> {
        let host = &request.get_ref().host;
        Ok(Response::new(answer(self.credentials.get(host))))
    }

    async fn fetch_token(
        &self,
        _request: Request<FetchTokenRequest>,
    ) -> Result<Response<FetchTokenResponse>, Status> {
        Err(Status::unimplemented("no token authority: use Credentials"))
    }

    async fn get_token_authority(
        &self,
        _request: Request<GetTokenAuthorityRequest>,
    ) -> Result<Response<GetTokenAuthorityResponse>, Status> {
        Err(Status::unimplemented("no token authority: use Credentials"))
    }

    async fn verify_token_authority(
        &self,
        _request: Request<VerifyTokenAuthorityRequest>,
    ) -> Result<Response<VerifyTokenAuthorityResponse>, Status> {
        Err(Status::unimplemented("no token authority: use Credentials"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_tokens_go_as_the_secret() {
        let token = DockerCredentials {
            username: Some("me".into()),
            identitytoken: Some("tok".into()),
            ..DockerCredentials::default()
        };
        assert_eq!(answer(Some(&token)).username, "");
        assert_eq!(answer(Some(&token)).secret, "tok");
        let password = DockerCredentials {
            username: Some("me".into()),
            password: Some("pw".into()),
            ..DockerCredentials::default()
        };
        assert_eq!(answer(Some(&password)).username, "me");
        assert_eq!(answer(Some(&password)).secret, "pw");
        assert_eq!(answer(None), CredentialsResponse::default());
    }
}
