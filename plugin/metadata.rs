//! The Docker CLI plugin handshake (`docker-cli-plugin-metadata`).
//!
//! The CLI runs this before every invocation of the plugin and for `docker help`,
//! so it touches neither the daemon nor any configuration.

use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metadata {
    /// Must be exactly "0.1.0": older CLIs reject any other value.
    schema_version: &'static str,
    vendor: &'static str,
    version: &'static str,
    short_description: &'static str,
    #[serde(rename = "URL")]
    url: &'static str,
}

const METADATA: Metadata = Metadata {
    schema_version: "0.1.0",
    vendor: "docker-rbuild",
    version: env!("CARGO_PKG_VERSION"),
    short_description: "Lint Dockerfiles and build images (rbuild)",
    url: env!("CARGO_PKG_REPOSITORY"),
};

pub fn print() {
    let json = serde_json::to_string(&METADATA).expect("static metadata serializes");
    println!("{json}");
}
