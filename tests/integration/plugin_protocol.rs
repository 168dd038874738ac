//! The plugin handshake and argument handling, through the binary itself.

use crate::harness::{run, Sandbox};

#[test]
fn metadata_is_the_plugin_handshake() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.rbuild().arg("docker-cli-plugin-metadata"));
    assert_eq!(out.code, 0, "{out:?}");
    let json: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(json["SchemaVersion"], "0.1.0");
    assert!(!json["Vendor"].as_str().unwrap().is_empty());
    assert_eq!(json["Version"], env!("CARGO_PKG_VERSION"));
    assert!(!json["ShortDescription"].as_str().unwrap().is_empty());
    assert!(json["URL"].as_str().unwrap().starts_with("https://"));
    assert_eq!(json.as_object().unwrap().len(), 5);
    assert!(out.stderr.is_empty());
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.rbuild().args(["rbuild", "--no-such-flag"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--no-such-flag"), "{out:?}");
}
