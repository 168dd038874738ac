//! RB417: a RUN mount requires a secret or an SSH agent that the build does not give.

use crate::diagnostic::{Finding, Severity};
use crate::instructions::{session_mounts, SessionMountKind};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Keyword;

pub static RULE: Rule = Rule {
    code: "RB417",
    name: "required-mount-not-given",
    severity: Severity::Error,
    severity_reason: "BuildKit fails the step for certain when a required secret or SSH agent is missing",
    summary: "A RUN mount requires a secret or SSH agent that the build does not give",
    docs: Docs {
        what_it_does: "In the build's lint gate, which knows the build's `--secret` and `--ssh` \
flags: reports each `RUN --mount=type=secret,required=true` whose ID no `--secret` gives, and each \
`RUN --mount=type=ssh,required=true` whose ID (`default` when absent) no `--ssh` gives. A secret \
mount's ID is its `id` (or `source`), else the last part of its `target`, as BuildKit resolves it. \
`docker rbuild lint` does not know the build's flags and never reports it.",
        why_is_this_bad: "The build would upload the context, run every step before this one, \
then fail here with BuildKit's \"secret not found\" or \"no SSH key\". Found before the upload, it \
costs nothing.",
        example: "FROM alpine:3.20\nRUN --mount=type=secret,id=npmrc,required=true cat /run/secrets/npmrc\n",
        use_instead: "FROM alpine:3.20\nRUN --mount=type=secret,id=npmrc cat /run/secrets/npmrc || true\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.20\nRUN --mount=type=ssh,required=true git clone git@example.com:a/b.git\n",
            "FROM alpine:3.20\nRUN --mount=type=secret,target=/root/.npmrc,required cat /root/.npmrc\n",
        ],
        pass: &[
            "FROM alpine:3.20\nRUN --mount=type=ssh git clone git@example.com:a/b.git || true\n",
            "FROM alpine:3.20\nRUN --mount=type=secret,id=npmrc,required=false true\n",
            "FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.npm,id=npm true\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let Some(given) = &check.options.build_session else {
        return;
    };
    let runs = check
        .dockerfile
        .instructions
        .iter()
        .filter(|instruction| instruction.kind == Keyword::Run);
    for mount in runs.flat_map(session_mounts) {
        let Some(id) = mount.id.filter(|_| mount.required) else {
            continue;
        };
        let (ids, flag, what) = match mount.kind {
            SessionMountKind::Secret => (&given.secrets, format!("--secret id={id}"), "secret"),
            SessionMountKind::Ssh => (&given.ssh, format!("--ssh {id}"), "SSH agent"),
        };
        if ids.contains(&id) {
            continue;
        }
        let example = match mount.kind {
            SessionMountKind::Secret => format!("--secret id={id},src=FILE"),
            SessionMountKind::Ssh if id == "default" => "--ssh default".to_owned(),
            SessionMountKind::Ssh => format!("--ssh {id}=SOCKET"),
        };
        findings.push(
            Finding::new(
                mount.span,
                format!("this step requires the {what} `{id}`, and the build has no `{flag}`"),
            )
            .with_help(format!("give it to the build: `{example}`")),
        );
    }
}
