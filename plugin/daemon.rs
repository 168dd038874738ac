//! Connecting to the Docker daemon at a resolved endpoint.

use std::error::Error as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use bollard::{BollardRequest, Docker};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::argv::GlobalOptions;
use crate::endpoint::{self, Address, Endpoint, TlsMaterial};
use crate::error::input_error;
use crate::ssh::{SshCommand, SshConnector};

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
            let config = tls_config(&TlsPlan::for_material(tls)).map_err(ClientError::Input)?;
            let mut http = HttpConnector::new();
            http.enforce_http(false);
            // Built like bollard's own TLS client (no idle connections kept), with a TLS
            // configuration bollard cannot express.
            hyper_client(
                HttpsConnector::from((http, config)),
                format!("https://{authority}"),
                Some(0),
                version,
            )
            .map_err(|err| ClientError::Unreachable(describe(&err)))
        }
        // The docker CLI keeps idle connections over ssh too: each new one is an ssh login.
        (Address::Ssh(host), _) => hyper_client(
            SshConnector::new(SshCommand::new(host)),
            SSH_BASE_URL.to_owned(),
            None,
            version,
        )
        .map_err(|err| ClientError::Unreachable(describe(&err))),
    }
}

/// The URL requests over ssh are made to, as the docker CLI names it: the daemon is at the
/// other end of the ssh process, whatever the URL says.
const SSH_BASE_URL: &str = "http://docker.example.com";

/// A bollard client whose requests go through hyper's client with `connector`; at most
/// `max_idle` idle connections are kept per host (hyper's default when `None`). hyper's
/// client supports upgrades, so `/session` works over any of them.
fn hyper_client<C>(
    connector: C,
    base_url: String,
    max_idle: Option<usize>,
    version: &bollard::ClientVersion,
) -> Result<Docker, bollard::errors::Error>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let mut builder = Client::builder(TokioExecutor::new());
    if let Some(max_idle) = max_idle {
        builder.pool_max_idle_per_host(max_idle);
    }
    let client = Arc::new(builder.build(connector));
    let transport = move |request: BollardRequest| {
        let client = Arc::clone(&client);
        async move {
            client
                .request(request)
                .await
                .map_err(bollard::errors::Error::from)
        }
    };
    Docker::connect_with_custom_transport(transport, Some(base_url), REQUEST_TIMEOUT_SECS, version)
}

/// How the docker CLI makes a TLS connection from an endpoint's files.
#[derive(Debug, PartialEq, Eq)]
struct TlsPlan<'a> {
    /// Read even when not verifying: the docker CLI rejects an unreadable CA file either way.
    ca: Option<&'a Path>,
    /// Check the daemon's certificate (chain to the system roots or `ca`, and the host name).
    verify: bool,
    /// The client certificate and key; the docker CLI presents one only when it has both.
    identity: Option<(&'a Path, &'a Path)>,
}

impl<'a> TlsPlan<'a> {
    fn for_material(tls: &'a TlsMaterial) -> TlsPlan<'a> {
        TlsPlan {
            ca: tls.ca.as_deref(),
            verify: tls.verify,
            identity: tls.cert.as_deref().zip(tls.key.as_deref()),
        }
    }
}

/// The rustls configuration of an endpoint's TLS files, for the connections we make ourselves
/// (the builder ping, the BuildKit session).
pub fn tls_client_config(tls: &TlsMaterial) -> anyhow::Result<ClientConfig> {
    tls_config(&TlsPlan::for_material(tls))
}

/// The rustls configuration for `plan`; unreadable or invalid files are input errors.
fn tls_config(plan: &TlsPlan) -> anyhow::Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let ca_certs = plan
        .ca
        .map(|ca| certificates(ca, "CA certificate"))
        .transpose()?;
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|err| anyhow!("cannot set up TLS: {err}"))?;
    let builder = if plan.verify {
        builder.with_root_certificates(trusted_roots(ca_certs.unwrap_or_default()))
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServerCertificate { provider }))
    };
    let Some((cert, key)) = plan.identity else {
        return Ok(builder.with_no_client_auth());
    };
    let chain = certificates(cert, "client certificate")?;
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|err| {
        input_error(format!(
            "cannot read the TLS client key {}: {}",
            key.display(),
            pem_message(&err)
        ))
    })?;
    builder
        .with_client_auth_cert(chain, key_der)
        .map_err(|err| {
            input_error(format!(
                "the TLS client certificate {} and key {} do not go together: {err}",
                cert.display(),
                key.display()
            ))
        })
}

/// The system's roots (as bollard trusts them) plus the endpoint's CA certificates.
fn trusted_roots(ca_certs: Vec<CertificateDer<'static>>) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    // A broken system store must not stop a connection the CA file alone can verify.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots.add_parsable_certificates(ca_certs);
    roots
}

/// The PEM certificates in `path`, at least one.
fn certificates(path: &Path, what: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let unusable = |reason: String| {
        input_error(format!(
            "cannot read the TLS {what} {}: {reason}",
            path.display()
        ))
    };
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| unusable(pem_message(&err)))?;
    if certs.is_empty() {
        return Err(unusable("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// A PEM error's message; for I/O errors, the OS's words.
fn pem_message(err: &rustls_pki_types::pem::Error) -> String {
    match err {
        rustls_pki_types::pem::Error::Io(err) => os_message(err),
        rustls_pki_types::pem::Error::NoItemsFound => "no PEM item in it".into(),
        other => other.to_string(),
    }
}

/// Accepts any daemon certificate, as the docker CLI's `InsecureSkipVerify` does; the
/// handshake signatures are still checked, so the peer must hold the certificate's key.
#[derive(Debug)]
struct AnyServerCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
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
pub fn os_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

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

    fn material(
        ca: Option<&str>,
        cert: Option<&str>,
        key: Option<&str>,
        verify: bool,
    ) -> TlsMaterial {
        TlsMaterial {
            ca: ca.map(PathBuf::from),
            cert: cert.map(PathBuf::from),
            key: key.map(PathBuf::from),
            verify,
        }
    }

    #[test]
    fn tls_plan_follows_the_docker_cli() {
        // --tls alone, --tlsverify=false or SkipTLSVerify: no verification, a CA file still read.
        let unverified = material(Some("/c/ca.pem"), None, None, false);
        assert_eq!(
            TlsPlan::for_material(&unverified),
            TlsPlan {
                ca: Some(Path::new("/c/ca.pem")),
                verify: false,
                identity: None,
            }
        );
        // A CA and no client files: verify the daemon, present no certificate.
        let ca_only = material(Some("/c/ca.pem"), None, None, true);
        assert_eq!(
            TlsPlan::for_material(&ca_only),
            TlsPlan {
                ca: Some(Path::new("/c/ca.pem")),
                verify: true,
                identity: None,
            }
        );
        // All three: mutual TLS.
        let full = material(
            Some("/c/ca.pem"),
            Some("/c/cert.pem"),
            Some("/c/key.pem"),
            true,
        );
        assert_eq!(
            TlsPlan::for_material(&full).identity,
            Some((Path::new("/c/cert.pem"), Path::new("/c/key.pem")))
        );
        // A certificate without its key (or the reverse) is not presented.
        let half = material(None, Some("/c/cert.pem"), None, false);
        assert_eq!(TlsPlan::for_material(&half).identity, None);
        let other_half = material(None, None, Some("/c/key.pem"), true);
        assert_eq!(TlsPlan::for_material(&other_half).identity, None);
    }

    #[test]
    fn unverified_tls_without_files_presents_no_certificate() {
        let config = tls_config(&TlsPlan {
            ca: None,
            verify: false,
            identity: None,
        })
        .unwrap();
        assert!(!config.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn any_server_certificate_is_accepted_unverified() {
        let verifier = AnyServerCertificate {
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        };
        let not_a_certificate = CertificateDer::from(vec![0x30, 0x00]);
        let name = ServerName::try_from("daemon.example").unwrap();
        assert!(verifier
            .verify_server_cert(&not_a_certificate, &[], &name, &[], UnixTime::now())
            .is_ok());
        assert!(!verifier.supported_verify_schemes().is_empty());
    }

    #[test]
    fn ca_file_without_certificates_is_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not PEM\n").unwrap();
        for verify in [true, false] {
            let err = tls_config(&TlsPlan {
                ca: Some(&ca),
                verify,
                identity: None,
            })
            .unwrap_err();
            assert!(err.chain().any(|cause| cause.is::<InputError>()));
            assert_eq!(
                one_line(&err),
                format!(
                    "cannot read the TLS CA certificate {}: no PEM certificate in it",
                    ca.display()
                )
            );
        }
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
