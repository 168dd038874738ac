//! Rule configuration end to end: trusted registries and a label schema from `.rbuild.toml`,
//! the same settings read from hadolint's `.hadolint.yaml`, `--show-config`, and the build's
//! lint gate honouring them.

use crate::harness::{self, run, Images, Output, Sandbox, BASE_IMAGE};

/// Findings of every kind the configuration enables: an untrusted registry, a missing required
/// label, a label outside the schema, an empty one and two with the wrong format.
const DOCKERFILE: &str = "FROM quay.io/org/tools:1.0 AS tools
FROM docker.io/library/alpine:3.20
LABEL org.opencontainers.image.created=\"last tuesday\" \\
      org.opencontainers.image.licenses=\"MIT OR Apache-2.0\" \\
      org.opencontainers.image.version=v2 \\
      maintainer=\"\" \\
      build-host=ci
";

const RBUILD_TOML: &str = r#"trusted-registries = ["docker.io", "*.example.com"]
strict-labels = true

[labels]
"org.opencontainers.image.created" = "rfc3339"
"org.opencontainers.image.licenses" = "spdx"
"org.opencontainers.image.version" = "semver"
"org.opencontainers.image.source" = "url"
maintainer = "email"
"#;

const HADOLINT_YAML: &str = "# the same settings, as hadolint writes them
trustedRegistries:
  - docker.io
  - \"*.example.com\"
strict-labels: true
label-schema:
  org.opencontainers.image.created: rfc3339
  org.opencontainers.image.licenses: spdx
  org.opencontainers.image.version: semver
  org.opencontainers.image.source: url
  maintainer: email
";

/// The findings expected from [`DOCKERFILE`] under either configuration: (code, line, column).
const EXPECTED: &[(&str, u64, u64)] = &[
    ("RB801", 1, 6),
    ("RB803", 2, 1),
    ("RB806", 3, 40),
    ("RB806", 5, 40),
    ("RB805", 6, 7),
    ("RB804", 7, 7),
];

/// A project whose discovery of config files stops at its own root.
fn project(config_name: &str, config: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.work().join(".git")).unwrap();
    sandbox.write("Dockerfile", DOCKERFILE);
    sandbox.write(config_name, config);
    sandbox
}

/// `lint --format json` of the project's Dockerfile, as (code, line, column), sorted; only the
/// codes of this area (RB8xx) are kept so that other rules do not change the result.
fn findings(sandbox: &Sandbox) -> (Output, Vec<(String, u64, u64)>) {
    findings_of(sandbox, &sandbox.work(), "Dockerfile")
}

/// [`findings`] of `lint --format json PATH` run in `dir`.
fn findings_of(
    sandbox: &Sandbox,
    dir: &std::path::Path,
    path: &str,
) -> (Output, Vec<(String, u64, u64)>) {
    let out = run(sandbox
        .rbuild()
        .current_dir(dir)
        .args(["lint", "--format", "json", path]));
    let mut found: Vec<(String, u64, u64)> = json_findings(&out)
        .iter()
        .map(|d| {
            let start = &d["location"]["start"];
            (
                d["code"].as_str().unwrap().to_string(),
                start["line"].as_u64().unwrap(),
                start["column"].as_u64().unwrap(),
            )
        })
        .filter(|(code, _, _)| code.starts_with("RB8"))
        .collect();
    found.sort_by_key(|(code, line, column)| (*line, *column, code.clone()));
    (out, found)
}

/// The findings of a `lint --format json` run.
fn json_findings(out: &Output) -> Vec<serde_json::Value> {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not a JSON array ({e}): {out:?}"))
}

fn expected() -> Vec<(String, u64, u64)> {
    EXPECTED
        .iter()
        .map(|(code, line, column)| (code.to_string(), *line, *column))
        .collect()
}

#[test]
fn rbuild_toml_configures_trusted_registries_and_the_label_schema() {
    let sandbox = project(".rbuild.toml", RBUILD_TOML);
    let (out, found) = findings(&sandbox);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(found, expected(), "{out:?}");
}

#[test]
fn without_configuration_the_configured_rules_are_quiet() {
    let sandbox = project("unrelated.txt", "");
    let (out, found) = findings(&sandbox);
    // Only the label key check needs no configuration; `build-host` is a valid key.
    assert_eq!(found, [], "{out:?}");
}

#[test]
fn trusting_the_registry_silences_the_finding() {
    let sandbox = project(
        ".rbuild.toml",
        "trusted-registries = [\"docker.io\", \"quay.io\"]\n",
    );
    let (out, found) = findings(&sandbox);
    assert_eq!(found, [], "{out:?}");
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn hadolint_yaml_alone_gives_the_same_findings() {
    let sandbox = project(".hadolint.yaml", HADOLINT_YAML);
    let (out, found) = findings(&sandbox);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(found, expected(), "{out:?}");
}

#[test]
fn a_dockerfile_beside_the_project_takes_the_settings_of_its_own_directories() {
    // Linted from inside the project as `../other/Dockerfile`: the project's directory is not
    // one of that file's, so its configuration does not apply there, and does apply to the
    // project's own Dockerfile named the same way from `other`.
    let sandbox = project(".rbuild.toml", RBUILD_TOML);
    let project_dir = sandbox.work().join("project");
    std::fs::create_dir(&project_dir).unwrap();
    for name in [".git", ".rbuild.toml", "Dockerfile"] {
        std::fs::rename(sandbox.work().join(name), project_dir.join(name)).unwrap();
    }
    sandbox.write("other/Dockerfile", DOCKERFILE);
    let (out, found) = findings_of(&sandbox, &project_dir, "../other/Dockerfile");
    assert_eq!(found, [], "{out:?}");
    let (out, found) = findings_of(
        &sandbox,
        &sandbox.work().join("other"),
        "../project/Dockerfile",
    );
    assert_eq!(found, expected(), "{out:?}");
}

#[test]
fn rbuild_toml_wins_over_hadolint_yaml() {
    let sandbox = project(".hadolint.yaml", HADOLINT_YAML);
    sandbox.write(".rbuild.toml", "");
    let (out, found) = findings(&sandbox);
    assert_eq!(found, [], "{out:?}");
}

#[test]
fn hadolint_ids_ignore_and_override_our_rules() {
    let sandbox = project(
        ".hadolint.yml",
        &format!(
            "{HADOLINT_YAML}ignored:\n  - DL3026\n  - DL3050\n  - SC2086\n  - DL9999\n\
             override:\n  style:\n    - DL3053\nno-fail: true\n"
        ),
    );
    let (out, found) = findings(&sandbox);
    assert_eq!(out.code, 0, "no-fail: {out:?}");
    let codes: Vec<&str> = found.iter().map(|(code, _, _)| code.as_str()).collect();
    assert_eq!(codes, ["RB803", "RB806", "RB806", "RB805"], "{out:?}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let format_severities: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "RB806")
        .map(|d| d["severity"].as_str().unwrap())
        .collect();
    assert_eq!(format_severities, ["style", "style"]);
    // ShellCheck codes apply to `--shellcheck` findings; only the unknown id is reported.
    assert_eq!(
        out.stderr.lines().collect::<Vec<_>>(),
        [format!(
            "warning: {}/.hadolint.yml:16:5: `DL9999` has no equivalent rule in docker rbuild; it is not applied",
            sandbox.work().display()
        )],
        "{out:?}"
    );
}

#[test]
fn bad_hadolint_yaml_is_an_input_error_with_its_place() {
    let sandbox = project(".hadolint.yaml", "label-schema:\n  created: [rfc3339\n");
    let out = run(sandbox.rbuild().args(["lint", "Dockerfile"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains(".hadolint.yaml:2:12: label-schema.created: invalid type: sequence"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
}

#[test]
fn show_config_names_the_source_and_the_rule_settings() {
    for (name, config) in [
        (".rbuild.toml", RBUILD_TOML),
        (".hadolint.yaml", HADOLINT_YAML),
    ] {
        let sandbox = project(name, config);
        let out = run(sandbox
            .rbuild()
            .args(["lint", "--show-config", "Dockerfile"]));
        assert_eq!(out.code, 0, "{out:?}");
        for expected in [
            format!("# config file: {}", sandbox.work().join(name).display()),
            "trusted-registries = [\"docker.io\", \"*.example.com\"]".to_string(),
            "strict-labels = true".to_string(),
            "\"org.opencontainers.image.created\" = \"rfc3339\"".to_string(),
            "maintainer\" = \"email\"".to_string(),
        ] {
            assert!(out.stdout.contains(&expected), "{expected}\n{}", out.stdout);
        }
        assert_eq!(
            out.stdout.contains("hadolint's .hadolint.yaml"),
            name == ".hadolint.yaml",
            "{}",
            out.stdout
        );
    }
}

#[test]
fn the_build_gate_stops_on_an_untrusted_registry_when_the_project_makes_it_an_error() {
    harness::engine();
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.work().join(".git")).unwrap();
    sandbox.write("Dockerfile", format!("FROM {BASE_IMAGE}\nRUN true\n"));
    // A warning by default (the build works): the gate reports it and builds.
    sandbox.write(
        ".rbuild.toml",
        "trusted-registries = [\"registry.example.com\"]\n",
    );
    let mut images = Images::new("config");
    let tag = images.name("untrusted", "1");
    let out = run(sandbox.rbuild().args(["-t", &tag, "."]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("warning[RB801]"), "{}", out.stderr);
    sandbox.write(
        ".rbuild.toml",
        "trusted-registries = [\"registry.example.com\"]\n[severity]\nRB801 = \"error\"\n",
    );
    let out = run(sandbox.rbuild().args(["-t", &tag, "."]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("error[RB801]: `rbuild-test/busybox:static` comes from `docker.io`"),
        "{}",
        out.stderr
    );
    // Trusting docker.io lets the same build through.
    sandbox.write(".rbuild.toml", "trusted-registries = [\"docker.io\"]\n");
    let out = run(sandbox.rbuild().args(["-t", &tag, "."]));
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn config_flag_accepts_a_hadolint_yaml() {
    let sandbox = project("unrelated.txt", "");
    let config = sandbox.write("ci/hadolint.yaml", HADOLINT_YAML);
    let out = run(sandbox.rbuild().args([
        "lint",
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
        "Dockerfile",
    ]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("\"RB801\""), "{out:?}");
    assert!(out.stdout.contains("\"RB806\""), "{out:?}");
}

/// A directory linted whole finds each file's configuration as naming the file would: the
/// nearest `.rbuild.toml` or `.hadolint.yaml` up the tree, none beyond a repository's root,
/// and one that `.gitignore` hides still applies (the walk leaves it out, discovery does not).
#[test]
fn a_walked_tree_finds_each_files_configuration() {
    let sandbox = Sandbox::new();
    let trusts_docker_io = "trusted-registries = [\"docker.io\"]\n";
    sandbox.write(".rbuild.toml", trusts_docker_io);
    for dir in ["top", "deep/er", "own", "repo", "hidden"] {
        sandbox.write(&format!("{dir}/Dockerfile"), DOCKERFILE);
    }
    sandbox.write("own/.hadolint.yaml", "trustedRegistries:\n  - docker.io\n");
    std::fs::create_dir_all(sandbox.work().join("repo/.git")).unwrap();
    sandbox.write("hidden/.gitignore", ".rbuild.toml\n");
    sandbox.write(
        "hidden/.rbuild.toml",
        "trusted-registries = [\"docker.io\", \"quay.io\"]\n",
    );
    let out = run(sandbox.rbuild().args(["lint", "--format", "json", "."]));
    let findings = json_findings(&out);
    let mut untrusted: Vec<&str> = findings
        .iter()
        .filter(|d| d["code"] == "RB801")
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    untrusted.sort();
    // `repo` is a repository's root: the settings above it do not apply; `hidden` trusts
    // quay.io in its own file.
    assert_eq!(
        untrusted,
        [
            "./deep/er/Dockerfile",
            "./own/Dockerfile",
            "./top/Dockerfile"
        ],
        "{out:?}"
    );
}
