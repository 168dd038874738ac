//! RB511: ARG or ENV names that look like secrets.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Keyword, Span};

/// Name parts that mark a secret (`DB_PASSWORD`, `GITHUB_TOKEN`, `API_KEY`).
const SECRET_PARTS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "passwd",
    "password",
    "pword",
    "secret",
    "token",
];

/// Name parts that say the value is not secret after all (`PUBLIC_KEY`, `GPG_KEY` fingerprints,
/// `KEY_FILE` paths to a secret rather than the secret, `SECRET_VERSION` numbers).
const NOT_SECRET_PARTS: &[&str] = &[
    "public", "gpg", "pgp", "file", "path", "dir", "url", "uri", "keyring", "server", "version",
];

pub static RULE: Rule = Rule {
    code: "RB511",
    name: "secrets-in-arg-or-env",
    severity: Severity::Warning,
    severity_reason: "the build works, but the value ends up in the image's history: a security problem",
    summary: "ARG or ENV name suggests it carries a secret",
    docs: Docs {
        what_it_does: "Finds ARG and ENV names made of parts such as `password`, `secret`, `token`, \
`key` or `auth` (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`), split on `_`. Names whose parts say \
the value is public or only a location (`PUBLIC_KEY`, `GPG_KEY`, `SSH_KEY_PATH`) are left alone, \
and so are values that are paths (`ENV TLS_KEY=/run/secrets/tls.key`): they say where a secret \
is, not what it is.",
        why_is_this_bad: "ENV values are stored in the image's configuration and ARG values in its \
build history: anyone who can pull the image can read them. Secret mounts give a RUN step the \
value without keeping it anywhere.",
        example: "FROM amazon/aws-cli\nARG AWS_ACCESS_KEY_ID\nARG AWS_SECRET_ACCESS_KEY\nRUN aws s3 cp s3://my-bucket/file .\n",
        use_instead: "FROM amazon/aws-cli\nRUN --mount=type=secret,id=aws_key_id,env=AWS_ACCESS_KEY_ID \\\n    --mount=type=secret,id=aws_secret_key,env=AWS_SECRET_ACCESS_KEY \\\n    aws s3 cp s3://my-bucket/file .\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3064"],
        buildkit: Some("SecretsUsedInArgOrEnv"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nENV DB_PASSWORD=hunter2\n",
            "FROM alpine\nENV github_token abc\n",
        ],
        pass: &[
            "FROM python:3.12\nENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\nARG KEYCLOAK_VERSION=25\nARG SSH_KEY_PATH=/run/key\nENV AUTHOR=me\nARG SECRET_VERSION=2\n",
            "FROM alpine\nENV NGROK_CA_KEY assets/tls/root.key\nENV DB_PASSWORD_FILE=/run/secrets/db\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        let names: Vec<(&str, &str, Span)> = match instruction.kind {
            Keyword::Arg => instruction
                .words()
                .iter()
                .map(|w| {
                    let (name, value) = w.value.split_once('=').unwrap_or((&w.value, ""));
                    (name, value, w.span)
                })
                .collect(),
            Keyword::Env => instruction
                .key_values()
                .iter()
                .map(|pair| {
                    (
                        pair.key.value.as_str(),
                        pair.value.value.as_str(),
                        pair.key.span,
                    )
                })
                .collect(),
            _ => continue,
        };
        for (name, value, span) in names {
            if looks_secret(name) && !is_path(value) {
                findings.push(
                    Finding::new(
                        span,
                        format!(
                            "`{name}` looks like a secret: {} values stay readable in the image",
                            instruction.kind.as_str()
                        ),
                    )
                    .with_help(
                        "pass it with a secret mount: `RUN --mount=type=secret,id=...,env=NAME ...` and `--secret id=...`",
                    ),
                );
            }
        }
    }
}

/// A value that says where a secret is (`/run/secrets/db`, `certs/server.key`), not the secret.
fn is_path(value: &str) -> bool {
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    const KEY_FILES: &[&str] = &[".key", ".pem", ".crt", ".p12", ".jks", ".json"];
    ["/", "./", "../", "~/"]
        .iter()
        .any(|prefix| value.starts_with(prefix))
        || (value.contains('/') && KEY_FILES.iter().any(|ext| value.ends_with(ext)))
}

fn looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('_').collect();
    parts.iter().any(|part| SECRET_PARTS.contains(part))
        && !parts.iter().any(|part| NOT_SECRET_PARTS.contains(part))
}
