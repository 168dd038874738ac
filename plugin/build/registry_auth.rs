//! Registry credentials for builds: the `auths` of the docker CLI's `config.json`, which
//! bollard's build session serves when BuildKit pulls a base image, and which classic builds
//! send in their `X-Registry-Config` header. Credential helpers (`credsStore`, `credHelpers`)
//! are programs to run and are not consulted.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use serde::Deserialize;

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
}

#[derive(Deserialize)]
struct AuthEntry {
    /// base64 of `user:password`.
    auth: Option<String>,
    identitytoken: Option<String>,
}

/// The credentials stored in `config_dir/config.json`, keyed by registry as the docker CLI
/// keys them. A missing file means none; an unreadable or malformed one is warned about and
/// skipped, as the docker CLI does.
pub fn from_config_dir(config_dir: &Path) -> HashMap<String, DockerCredentials> {
    let path = config_dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return HashMap::new(),
        Err(err) => {
            eprintln!("warning: cannot read {}: {err}", path.display());
            return HashMap::new();
        }
    };
    match parse(&text) {
        Ok(credentials) => credentials,
        Err(why) => {
            eprintln!(
                "warning: {}: {why}; building without registry credentials",
                path.display()
            );
            HashMap::new()
        }
    }
}

fn parse(text: &str) -> Result<HashMap<String, DockerCredentials>, String> {
    let config: ConfigFile = serde_json::from_str(text).map_err(|err| err.to_string())?;
    let mut credentials = HashMap::new();
    for (registry, entry) in config.auths {
        let (username, password) = match &entry.auth {
            Some(auth) if !auth.is_empty() => {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| format!("the auth of {registry:?} is not base64 text"))?;
                let (user, password) = decoded
                    .split_once(':')
                    .ok_or_else(|| format!("the auth of {registry:?} is not user:password"))?;
                (Some(user.to_owned()), Some(password.to_owned()))
            }
            _ => (None, None),
        };
        if username.is_none() && entry.identitytoken.is_none() {
            // An entry without secrets (written by `docker login` with a helper).
            continue;
        }
        credentials.insert(
            registry.clone(),
            DockerCredentials {
                username,
                password,
                serveraddress: Some(registry),
                identitytoken: entry.identitytoken,
                ..DockerCredentials::default()
            },
        );
    }
    Ok(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_become_credentials() {
        let credentials = parse(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "bGVvbjpzM2NyZXQ="},
                "registry.example.com": {"auth": "", "identitytoken": "tok"},
                "helper.example.com": {}
            }, "credsStore": "desktop"}"#,
        )
        .unwrap();
        assert_eq!(credentials.len(), 2);
        let hub = &credentials["https://index.docker.io/v1/"];
        assert_eq!(hub.username.as_deref(), Some("leon"));
        assert_eq!(hub.password.as_deref(), Some("s3cret"));
        let token = &credentials["registry.example.com"];
        assert_eq!(token.identitytoken.as_deref(), Some("tok"));
        assert_eq!(parse("{}").unwrap().len(), 0);
    }

    #[test]
    fn broken_entries_are_reported() {
        assert!(parse(r#"{"auths": {"r": {"auth": "%%%"}}}"#)
            .unwrap_err()
            .contains("not base64"));
        assert!(parse(r#"{"auths": {"r": {"auth": "bm9jb2xvbg=="}}}"#)
            .unwrap_err()
            .contains("user:password"));
        assert!(parse("not json").is_err());
    }

    #[test]
    fn a_missing_config_means_no_credentials() {
        let dir = tempfile::tempdir().unwrap();
        assert!(from_config_dir(dir.path()).is_empty());
    }
}
