//! RB601: TLS certificate checks switched off for downloads.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::script::Command;
use crate::syntax::{Keyword, Span};

use super::fix_support::{remove_words, source_words};
use super::run_support::{has_option, is_pip_install, runs, written_words};
use super::support::contains_ignore_ascii_case;

pub static RULE: Rule = Rule {
    code: "RB601",
    name: "tls-verification-disabled",
    severity: Severity::Warning,
    severity_reason: "the build works, but downloads can be tampered with: a security problem",
    summary: "TLS certificate verification switched off",
    docs: Docs {
        what_it_does: "Finds downloads and tools told to accept any certificate: `curl -k`/`--insecure`, \
`wget --no-check-certificate`, `pip --trusted-host`, npm/yarn/pnpm `strict-ssl false`, git \
`http.sslVerify=false`, apt `Acquire::https::Verify-Peer=false`, and the environment variables \
`NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY`, `PYTHONHTTPSVERIFY=0`, \
`NPM_CONFIG_STRICT_SSL=false`, `PIP_TRUSTED_HOST` — set by ENV, ARG, `export` or on the command.",
        why_is_this_bad: "Without certificate checks, anyone on the network path (a proxy, a compromised \
router, a hostile Wi-Fi) can serve their own file in place of the one you asked for, and it ends up \
in the image. ENV settings stay in the image and switch the checks off for the application at run \
time too. Fix the cause instead: install the CA certificates (`ca-certificates`) or add your \
company's CA to the trust store.",
        example: "FROM debian:12\nRUN curl -fsSLk -o /tmp/tool.tgz https://example.com/tool.tgz\n",
        use_instead: "FROM debian:12\nRUN curl -fsSL -o /tmp/tool.tgz https://example.com/tool.tgz\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Removes `curl --insecure` (or the `k` of a cluster such as `-fsSLk`) and `wget --no-check-certificate`; settings in ENV, ARG or config commands are left to you. Unsafe: a download whose certificate does not verify now fails the build.",
        examples: &[
            FixExample {
                before: "FROM debian:12\nRUN curl -fsSLk -o /tmp/tool.tgz https://example.com/tool.tgz \\\n    && wget --no-check-certificate https://example.com/b.tgz\n",
                after: "FROM debian:12\nRUN curl -fsSL -o /tmp/tool.tgz https://example.com/tool.tgz \\\n    && wget https://example.com/b.tgz\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nRUN wget --no-check-certificate -q https://example.com/x\n",
            "FROM python:3.12\nRUN pip install --no-cache-dir --trusted-host pypi.org flask==3.0.3\n",
            "FROM node:22\nRUN npm config set strict-ssl false\n",
            "FROM node:22\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n",
            "FROM alpine:3.19\nRUN GIT_SSL_NO_VERIFY=true git clone https://example.com/r.git\n",
            "FROM alpine:3.19\nRUN git config --global http.sslVerify false\n",
            "FROM node:22\nRUN export NODE_TLS_REJECT_UNAUTHORIZED=0 && npm ci\n",
        ],
        pass: &[
            "FROM debian:12\nRUN curl -fsSLo /tmp/k https://example.com/k && curl -H 'X-k: 1' https://example.com\n",
            "FROM node:22\nENV NODE_TLS_REJECT_UNAUTHORIZED=1\nRUN npm config set strict-ssl true\n",
            "FROM python:3.12\nRUN pip install --no-cache-dir --index-url https://pypi.example.com/simple flask==3.0.3\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for instruction in &dockerfile.instructions {
        match instruction.kind {
            Keyword::Env => {
                for pair in instruction.key_values() {
                    report_assignment(
                        findings,
                        pair.key.span.join(pair.value.span),
                        &pair.key.value,
                        &pair.value.value,
                    );
                }
            }
            Keyword::Arg => {
                for word in instruction.words() {
                    if let Some((name, value)) = word.value.split_once('=') {
                        report_assignment(findings, word.span, name, value);
                    }
                }
            }
            _ => {}
        }
    }
    for run in runs(check) {
        for command in run.commands.iter() {
            if command.has_equals_sign() {
                let assignments =
                    written_words(dockerfile, command).take_while(|w| w.contains('='));
                let exported = (command.program() == "export")
                    .then(|| command.operands())
                    .into_iter()
                    .flatten();
                for assignment in assignments.chain(exported) {
                    if let Some((name, value)) = assignment.split_once('=') {
                        report_assignment(findings, command.span, name, value);
                    }
                }
            }
            if let Some(what) = insecure_option(command) {
                findings.push(
                    Finding::new(command.span, format!("{what} switches off TLS certificate checks"))
                        .with_help("keep the checks on; install `ca-certificates` or add the CA you need to the trust store")
                        .with_fix_option(checks_back_on(check, command)),
                );
            }
        }
    }
}

/// Removes `curl --insecure` (or the `k` of a short option cluster such as `-fsSLk`) and
/// `wget --no-check-certificate`. Unsafe: a download from a server whose certificate does not
/// verify now fails the build.
fn checks_back_on(check: &Check<'_>, command: &Command) -> Option<Fix> {
    let dockerfile = check.dockerfile;
    let mut edits = match command.program() {
        "curl" => remove_words(dockerfile, command, &["--insecure"]),
        "wget" => remove_words(dockerfile, command, &["--no-check-certificate"]),
        _ => return None,
    };
    if command.program() == "curl" {
        for (span, word) in source_words(dockerfile, command) {
            let Some(cluster) = word.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
                continue;
            };
            let letters: String = cluster
                .chars()
                .take_while(|c| !CURL_VALUE_LETTERS.contains(c))
                .collect();
            let Some(at) = letters.find('k') else {
                continue;
            };
            edits.push(if cluster == "k" {
                remove_words(dockerfile, command, &["-k"]).pop()?
            } else {
                Edit {
                    span: Span::new(span.start + 1 + at, span.start + 2 + at),
                    replacement: String::new(),
                }
            });
        }
    }
    (!edits.is_empty()).then(|| Fix {
        message: "switch the certificate checks back on".to_string(),
        safety: Safety::Unsafe,
        edits,
    })
}

/// Short options of curl that take a value: what follows them in a cluster is the value.
const CURL_VALUE_LETTERS: &[char] = &[
    'o', 'H', 'd', 'u', 'x', 'X', 'A', 'e', 'T', 'w', 'C', 'm', 'r', 'E', 'b', 'c', 'F', 'K', 'Q',
    't', 'U', 'y', 'Y', 'z',
];

/// The option of `command` that disables certificate checks, as the message names it.
fn insecure_option(command: &Command) -> Option<&'static str> {
    // Needles are lower case; words are compared without case (no copies: this runs for
    // every command of every RUN).
    let has = |needle: &str| {
        command
            .words
            .iter()
            .any(|w| contains_ignore_ascii_case(w, needle))
    };
    let turned_off = || {
        command.words.iter().any(|w| {
            let value = w.rsplit_once('=').map_or(&**w, |(_, value)| value);
            value.eq_ignore_ascii_case("false") || value == "0"
        })
    };
    match command.program() {
        "curl" if has_option(command, &["--insecure"], &['k'], CURL_VALUE_LETTERS) => {
            Some("`curl --insecure`")
        }
        "wget" if has("--no-check-certificate") => Some("`wget --no-check-certificate`"),
        "npm" | "yarn" | "pnpm" if (has("strict-ssl") || has("strictssl")) && turned_off() => {
            Some("`strict-ssl false`")
        }
        "git" if has("http.sslverify") && turned_off() => Some("`http.sslVerify false`"),
        "apt-get" | "apt" if has("verify-peer=false") || has("verify-host=false") => {
            Some("`Acquire::https::Verify-Peer=false`")
        }
        _ if (is_pip_install(command)
            || command.is("pip", &["config"])
            || command.is("pip3", &["config"]))
            && has("trusted-host") =>
        {
            Some("`pip --trusted-host`")
        }
        _ => None,
    }
}

/// Reports an environment variable that switches off certificate checks.
fn report_assignment(findings: &mut Vec<Finding>, span: Span, name: &str, value: &str) {
    let value = value.trim_matches(['"', '\'']);
    // Compared without case and without an upper-case copy: every ENV and ARG comes here.
    let named = |names: [&str; 2]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    let off = if named(["NODE_TLS_REJECT_UNAUTHORIZED", "PYTHONHTTPSVERIFY"]) {
        value == "0"
    } else if named(["NPM_CONFIG_STRICT_SSL", "YARN_ENABLE_STRICT_SSL"]) {
        value.eq_ignore_ascii_case("false")
    } else {
        // git and pip act on the variable being set at all.
        named(["GIT_SSL_NO_VERIFY", "PIP_TRUSTED_HOST"]) && !value.is_empty()
    };
    if off {
        findings.push(
            Finding::new(
                span,
                format!("`{name}={value}` switches off TLS certificate checks"),
            )
            .with_help(
                "remove it; install `ca-certificates` or add the CA you need to the trust store",
            ),
        );
    }
}
