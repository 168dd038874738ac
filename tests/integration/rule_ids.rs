//! hadolint ids and Docker build-check names name our rules wherever a rule is named: `rules`,
//! `--ignore`, `--enable`, and `.rbuild.toml`'s `ignore`, `enable` and `severity`.

use crate::harness::{run, Output, Sandbox};

/// Shell-form CMD (RB201: DL3025, JSONArgsRecommended), MAINTAINER (RB506: DL4000,
/// MaintainerDeprecated) and a comment that is no description (RB513, experimental).
const DOCKERFILE: &str = "FROM alpine:3.20\nCMD echo hi\nMAINTAINER me\n# pinned\nARG V=1\n";

fn lint(sandbox: &Sandbox, args: &[&str]) -> Output {
    run(sandbox
        .rbuild()
        .args(["lint", "--format", "concise"])
        .args(args))
}

fn codes(out: &Output) -> Vec<&str> {
    out.stdout
        .lines()
        .filter_map(|l| Some(&l[l.find('[')? + 1..l.find(']')?]))
        .collect()
}

#[test]
fn other_tools_ids_work_on_the_command_line() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", DOCKERFILE);
    let plain = lint(&sandbox, &[]);
    assert_eq!(codes(&plain), ["RB201", "RB506"], "{plain:?}");

    let ignored = lint(&sandbox, &["--ignore", "DL3025,MaintainerDeprecated"]);
    assert_eq!((ignored.code, codes(&ignored)), (0, vec![]), "{ignored:?}");
    let ignored = lint(
        &sandbox,
        &["--ignore", "jsonargsrecommended", "--ignore", "dl4000"],
    );
    assert_eq!((ignored.code, codes(&ignored)), (0, vec![]), "{ignored:?}");

    let enabled = lint(&sandbox, &["--enable", "InvalidDefinitionDescription"]);
    assert_eq!(codes(&enabled), ["RB201", "RB506", "RB513"], "{enabled:?}");

    let unknown = lint(&sandbox, &["--ignore", "JSONArgsRecomended"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert_eq!(
        unknown.stderr,
        "error: --ignore: unknown rule `JSONArgsRecomended`; did you mean `JSONArgsRecommended`?\n"
    );
    let unknown = lint(&sandbox, &["--enable", "DL9999"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(
        unknown
            .stderr
            .starts_with("error: --enable: unknown rule `DL9999`"),
        "{unknown:?}"
    );
}

#[test]
fn rules_explains_every_rule_an_id_names() {
    let sandbox = Sandbox::new();
    let one = run(sandbox.rbuild().args(["rules", "DL3025"]));
    assert_eq!(one.code, 0, "{one:?}");
    assert!(
        one.stdout.starts_with("RB201 shell-form-command: "),
        "{one:?}"
    );
    let by_check = run(sandbox.rbuild().args(["rules", "JSONArgsRecommended"]));
    assert_eq!(by_check.stdout, one.stdout);

    // DL3029 covers two of our rules.
    let two = run(sandbox.rbuild().args(["rules", "DL3029"]));
    let headings: Vec<&str> = two
        .stdout
        .lines()
        .filter(|l| l.starts_with("RB"))
        .map(|l| &l[..5])
        .collect();
    assert_eq!(headings, ["RB503", "RB524"], "{two:?}");
    let json = run(sandbox
        .rbuild()
        .args(["rules", "DL3029", "--format", "json"]));
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed.as_array().map(Vec::len), Some(2), "{json:?}");

    let unknown = run(sandbox.rbuild().args(["rules", "DL3025x"]));
    assert_eq!(
        (unknown.code, unknown.stderr.as_str()),
        (2, "error: unknown rule `DL3025x`; did you mean `DL3025`?\n")
    );
}

#[test]
fn other_tools_ids_work_in_the_config_file() {
    let sandbox = Sandbox::new();
    sandbox.write("Dockerfile", DOCKERFILE);
    sandbox.write(
        ".rbuild.toml",
        "ignore = [\"JSONArgsRecommended\"]\nenable = [\"InvalidDefinitionDescription\"]\n\
         [severity]\nDL4000 = \"error\"\n",
    );
    let out = lint(&sandbox, &[]);
    assert_eq!(
        out.stdout,
        "Dockerfile:3:1: error[RB506] MAINTAINER is deprecated\n\
         Dockerfile:4:1: style[RB513] comment above a build argument should start with its name: `# V <description>`\n",
        "{out:?}"
    );
    sandbox.write(".rbuild.toml", "ignore = [\"DL3025\", \"DL30025\"]\n");
    let unknown = lint(&sandbox, &[]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(
        unknown
            .stderr
            .contains(".rbuild.toml:1:21: unknown rule `DL30025`; did you mean `DL3025`?"),
        "{unknown:?}"
    );
}
