//! RB603: a downloaded script run straight from the network.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::script::Command;

use super::run_support::{pipes_into, runs};

pub static RULE: Rule = Rule {
    code: "RB603",
    name: "download-piped-to-shell",
    severity: Severity::Warning,
    severity_reason: "the build works, but whatever the server sends runs as root: a security problem",
    summary: "Downloaded script piped into a shell without verification",
    docs: Docs {
        what_it_does: "Finds `curl` or `wget` output piped into an interpreter that runs it (`sh`, \
`bash`, `zsh`, `python`, `perl`, `ruby`, `node`, `php`), and `sh -c \"$(curl ...)\"`. An interpreter \
given its own program (`| python3 -c '...'`, `| jq`) only reads the data and is not reported.",
        why_is_this_bad: "Whatever the server answers runs as root in the build, unchecked: a \
compromised or hijacked download site, or a changed script, silently changes the image. An \
interrupted download can even run half a script. A file downloaded first can be checked against a \
known checksum (`sha256sum -c`) or signature, and read, before it runs.",
        example: "FROM debian:12\nRUN curl -fsSL https://example.com/install.sh | sh\n",
        use_instead: "FROM debian:12\nRUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n    && echo \"0c5c3e2a9f5d0f1c2b5e8a7d6c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918  /tmp/install.sh\" | sha256sum -c - \\\n    && sh /tmp/install.sh && rm /tmp/install.sh\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nRUN wget -qO- https://example.com/get | sudo bash -s -- --yes\n",
            "FROM debian:12\nRUN sh -c \"$(curl -fsSL https://example.com/install.sh)\"\n",
            "FROM python:3.12\nRUN curl -sSL https://install.example.org | python3 -\n",
        ],
        pass: &["FROM debian:12\nRUN curl -fsSL https://api.example.com/v | python3 -c 'import json,sys; print(json.load(sys.stdin))' \\\n    && curl -fsSL https://example.com/x.tgz | tar -xz\n"],
    },
    check: Checker::Static(check),
};

/// Programs that run the script they read.
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python2", "python3", "perl", "ruby",
    "node", "php",
];

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for run in runs(check) {
        for pair in run.commands.windows(2) {
            let (download, runner) = (&pair[0], &pair[1]);
            if is_download(download)
                && runs_its_input(runner)
                && pipes_into(&dockerfile.source, download, runner)
            {
                findings.push(finding(
                    download.span.join(runner.span),
                    download.program(),
                    runner.program(),
                ));
            }
        }
        for command in run.commands.iter() {
            let substituted = INTERPRETERS.contains(&command.program())
                && command
                    .words
                    .iter()
                    .any(|w| w.contains("$(curl ") || w.contains("$(wget "));
            if substituted {
                findings.push(finding(command.span, "a download", command.program()));
            }
        }
    }
}

fn is_download(command: &Command) -> bool {
    matches!(command.program(), "curl" | "wget")
}

/// An interpreter reading its program from the pipe: no `-c`/`-e` program of its own.
fn runs_its_input(command: &Command) -> bool {
    let program = command.program();
    let interpreter = INTERPRETERS.contains(&program)
        || program
            .strip_prefix("python3.")
            .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit()));
    interpreter
        && !command
            .words
            .iter()
            .skip(1)
            .any(|w| matches!(&**w, "-c" | "-e" | "-m"))
}

fn finding(span: crate::syntax::Span, source: &str, runner: &str) -> Finding {
    Finding::new(
        span,
        format!("`{source}` output runs in `{runner}` unchecked"),
    )
    .with_help("download to a file, verify its checksum (`sha256sum -c`) or signature, then run it")
}
