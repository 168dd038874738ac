//! `docker rbuild version [--client] [--format text|json]`: client version, endpoint, and
//! the daemon's versions.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::argv::GlobalOptions;
use crate::daemon::{self, Daemon};

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Print only the client's version, without reading the Docker configuration or contacting the daemon
    #[arg(long)]
    pub client: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = VersionFormat::Text)]
    pub format: VersionFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    /// Aligned `Key: value` lines, like `docker version`
    Text,
    /// One JSON object
    Json,
}

const CLIENT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the daemon reported, plus the API version this client settled on.
struct ServerVersion {
    engine: String,
    api: String,
    min_api: String,
    negotiated_api: String,
}

pub fn run(globals: &GlobalOptions, args: VersionArgs) -> anyhow::Result<ExitCode> {
    if args.client {
        match args.format {
            VersionFormat::Text => print_client_text(),
            VersionFormat::Json => println!("{}", json!({ "Client": client_json() })),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (daemon, server) = runtime.block_on(async {
        let daemon = daemon::connect(globals).await?;
        let server = server_version(&daemon).await?;
        anyhow::Ok((daemon, server))
    })?;
    match args.format {
        VersionFormat::Text => print_text(&daemon, &server),
        VersionFormat::Json => print_json(&daemon, &server),
    }
    Ok(ExitCode::SUCCESS)
}

async fn server_version(daemon: &Daemon) -> anyhow::Result<ServerVersion> {
    let version = daemon.docker.version().await.map_err(|err| {
        anyhow::anyhow!("{}", daemon::describe(&err)).context(format!(
            "cannot read the version of the Docker daemon at {}",
            daemon.endpoint
        ))
    })?;
    let unknown = || "unknown".to_owned();
    let negotiated = daemon.docker.client_version();
    Ok(ServerVersion {
        engine: version.version.unwrap_or_else(unknown),
        api: version.api_version.unwrap_or_else(unknown),
        min_api: version.min_api_version.unwrap_or_else(unknown),
        negotiated_api: negotiated.to_string(),
    })
}

fn print_text(daemon: &Daemon, server: &ServerVersion) {
    print_client_text();
    println!(" Endpoint:     {}", daemon.endpoint);
    println!(" API version:  {}", server.negotiated_api);
    println!("Server:");
    println!(" Engine:       {}", server.engine);
    println!(
        " API version:  {} (minimum version {})",
        server.api, server.min_api
    );
}

fn print_json(daemon: &Daemon, server: &ServerVersion) {
    let endpoint = &daemon.endpoint;
    let mut client = client_json();
    client["Endpoint"] = json!({
        "Host": endpoint.address.to_string(),
        "Source": endpoint.source.to_string(),
        "TLS": endpoint.tls.is_some(),
    });
    client["ApiVersion"] = json!(server.negotiated_api);
    let output = json!({
        "Client": client,
        "Server": {
            "Version": server.engine,
            "ApiVersion": server.api,
            "MinAPIVersion": server.min_api,
        },
    });
    println!("{output}");
}

fn print_client_text() {
    println!("Client:");
    println!(" Version:      {CLIENT_VERSION}");
}

fn client_json() -> serde_json::Value {
    json!({ "Version": CLIENT_VERSION })
}
