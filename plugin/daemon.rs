//! Connecting to the Docker daemon at a resolved endpoint.

use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::anyhow;
use bollard::Docker;

use crate::argv::GlobalOptions;
use crate::endpoint::{self, Address, Endpoint, TlsMaterial};
use crate::error::input_error;

/// A connected daemon, its API version negotiated.
pub struct Daemon {
    pub docker: Docker,
    pub endpoint: Endpoint,
}

/// How long a request may wait for the daemon's answer to start. bollard's default (two
/// minutes) would cut a long build whose response starts late; a day never does.
const REQUEST_TIMEOUT_SECS: u64 = 24 * 60 * 60;

/// How long the first exchange may take before the daemon counts as unreachable.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Resolves the endpoint from the global flags and environment, connects, and negotiates
/// the API version (the daemon may be older than bollard's default API version).
pub async fn connect(globals: &GlobalOptions) -> anyhow::Result<Daemon> {
    connect_to(endpoint::resolve_from_process(globals)?).await
}

/// Connects to `endpoint` and negotiates the API version.
pub async fn connect_to(endpoint: Endpoint) -> anyhow::Result<Daemon> {
    let unreachable = |reason: String| {
        anyhow!("{reason}").context(format!("cannot connect to the Docker daemon at {endpoint}"))
    };
    let docker = client(&endpoint).map_err(|err| match err {
        ClientError::Input(err) => err,
        ClientError::Unreachable(reason) => unreachable(reason),
    })?;
    let docker = match tokio::time::timeout(HANDSHAKE_TIMEOUT, docker.negotiate_version()).await {
        Ok(Ok(docker)) => docker,
        Ok(Err(err)) => return Err(unreachable(describe(&err))),
        Err(_) => {
            return Err(unreachable(format!(
                "no answer within {} seconds",
                HANDSHAKE_TIMEOUT.as_secs()
            )))
        }
    };
    Ok(Daemon { docker, endpoint })
}

enum ClientError {
    /// The endpoint's configuration is wrong (exit 2).
    Input(anyhow::Error),
    /// The daemon cannot be reached (exit 1).
    Unreachable(String),
}

fn client(endpoint: &Endpoint) -> Result<Docker, ClientError> {
    let version = bollard::API_DEFAULT_VERSION;
    match (&endpoint.address, &endpoint.tls) {
        (Address::Unix(path), _) => {
            // bollard only says "socket not found"; the OS says why.
            std::fs::metadata(path).map_err(|err| ClientError::Unreachable(os_message(&err)))?;
            let path = path.to_str().ok_or_else(|| {
                ClientError::Input(input_error(format!(
                    "the socket path {} is not valid UTF-8",
                    path.display()
                )))
            })?;
            Docker::connect_with_unix(path, REQUEST_TIMEOUT_SECS, version)
                .map_err(|err| ClientError::Unreachable(describe(&err)))
        }
        (Address::Tcp(authority), None) => Docker::connect_with_http(
            &format!("http://{authority}"),
            REQUEST_TIMEOUT_SECS,
            version,
        )
        .map_err(|err| ClientError::Unreachable(describe(&err))),
        (Address::Tcp(authority), Some(tls)) => {
            let (ca, cert, key) = tls_files(endpoint, tls).map_err(ClientError::Input)?;
            Docker::connect_with_ssl(
                &format!("https://{authority}"),
                key,
                cert,
                ca,
                REQUEST_TIMEOUT_SECS,
                version,
            )
            .map_err(|err| ClientError::Unreachable(describe(&err)))
        }
    }
}

/// The CA, certificate and key paths, each checked to be readable. bollard's TLS client
/// always verifies the daemon against a CA and presents a client certificate.
fn tls_files<'a>(
    endpoint: &Endpoint,
    tls: &'a TlsMaterial,
) -> anyhow::Result<(&'a Path, &'a Path, &'a Path)> {
    if !tls.verify {
        return Err(input_error(format!(
            "{endpoint}: TLS without verifying the daemon's certificate (--tlsverify=false, \
             --tls alone, or SkipTLSVerify) is not supported; give a CA certificate and use --tlsverify"
        )));
    }
    let required = |file: &'a Option<PathBuf>, what: &str, name: &str, flag: &str| {
        let path = file.as_deref().ok_or_else(|| {
            input_error(format!(
                "{endpoint}: TLS needs a {what} ({name} or {flag}), and none was found"
            ))
        })?;
        std::fs::File::open(path).map_err(|err| {
            input_error(format!(
                "cannot read the TLS {what} {}: {}",
                path.display(),
                os_message(&err)
            ))
        })?;
        Ok::<_, anyhow::Error>(path)
    };
    Ok((
        required(&tls.ca, "CA certificate", "ca.pem", "--tlscacert")?,
        required(&tls.cert, "client certificate", "cert.pem", "--tlscert")?,
        required(&tls.key, "client key", "key.pem", "--tlskey")?,
    ))
}

/// The most telling reason in a bollard error: the innermost I/O error (which carries
/// connection refusals and TLS failures), else the whole chain.
pub fn describe(err: &bollard::errors::Error) -> String {
    let mut reasons = vec![err.to_string()];
    let mut cause = err.source();
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return os_message(io);
        }
        reasons.push(current.to_string());
        cause = current.source();
    }
    reasons.dedup();
    reasons.join(": ")
}

/// An I/O error's message without the `(os error N)` suffix.
fn os_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::EndpointSource;
    use crate::error::InputError;

    fn connect_error(endpoint: Endpoint) -> anyhow::Error {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        match runtime.block_on(connect_to(endpoint)) {
            Ok(_) => panic!("connected to a daemon that cannot be there"),
            Err(err) => err,
        }
    }

    fn one_line(err: &anyhow::Error) -> String {
        err.chain()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ")
    }

    #[test]
    fn missing_socket_names_the_endpoint_and_its_source() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("missing.sock");
        let err = connect_error(Endpoint {
            address: Address::Unix(socket.clone()),
            source: EndpointSource::Flag("-H"),
            tls: None,
        });
        assert!(!err.chain().any(|cause| cause.is::<InputError>()));
        assert_eq!(
            one_line(&err),
            format!(
                "cannot connect to the Docker daemon at unix://{} (from -H): No such file or directory",
                socket.display()
            )
        );
    }

    #[test]
    fn tls_without_verification_is_an_input_error() {
        let err = connect_error(Endpoint {
            address: Address::Tcp("127.0.0.1:2376".into()),
            source: EndpointSource::Env("DOCKER_HOST"),
            tls: Some(TlsMaterial {
                ca: None,
                cert: None,
                key: None,
                verify: false,
            }),
        });
        assert!(err.chain().any(|cause| cause.is::<InputError>()));
        assert!(one_line(&err).contains("is not supported"), "{err:#}");
    }

    #[test]
    fn missing_tls_file_is_an_input_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let err = connect_error(Endpoint {
            address: Address::Tcp("127.0.0.1:2376".into()),
            source: EndpointSource::Flag("-H"),
            tls: Some(TlsMaterial {
                ca: Some(ca.clone()),
                cert: Some(dir.path().join("cert.pem")),
                key: Some(dir.path().join("key.pem")),
                verify: true,
            }),
        });
        assert!(err.chain().any(|cause| cause.is::<InputError>()));
        assert_eq!(
            one_line(&err),
            format!(
                "cannot read the TLS CA certificate {}: No such file or directory",
                ca.display()
            )
        );
    }

    #[test]
    fn os_message_drops_the_error_number() {
        let err = std::io::Error::from_raw_os_error(111);
        assert_eq!(os_message(&err), "Connection refused");
    }
}
