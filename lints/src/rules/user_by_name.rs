//! RB608: USER given as a name rather than a numeric id.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Arguments, Keyword};

/// Accounts left alone: `root` is uid 0 everywhere (and RB607 reports it at the end of the
/// image); Windows' built-in accounts have no numeric id.
const WELL_KNOWN_ACCOUNTS: &[&str] = &["root", "ContainerAdministrator", "ContainerUser"];

pub static RULE: Rule = Rule {
    code: "RB608",
    name: "user-by-name",
    severity: Severity::Info,
    severity_reason: "advice: a numeric id works even where the name is unknown",
    summary: "USER given as a name, not a numeric id",
    docs: Docs {
        what_it_does: "Finds USER instructions whose user (or group) is a name rather than a \
number. Values from variables, `root` (uid 0 everywhere) and the Windows accounts \
`ContainerAdministrator` and `ContainerUser` (which have no numeric id) are left alone.",
        why_is_this_bad:
            "A name only means something inside the image's `/etc/passwd`: tools that \
enforce non-root containers (Kubernetes' `runAsNonRoot`, admission policies) cannot tell from \
`app` that the user is not root, and refuse or skip the check. A number says it plainly.",
        example: "FROM alpine:3.19\nRUN adduser -D -u 10001 app\nUSER app\n",
        use_instead: "FROM alpine:3.19\nRUN adduser -D -u 10001 app\nUSER 10001\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3066"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine:3.19\nUSER 10001:app\n"],
        pass: &[
            "FROM alpine:3.19\nUSER 10001:10001\n",
            "FROM alpine:3.19\nARG UID=10001\nUSER ${UID}\n",
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerUser\n",
            "FROM alpine:3.19\nUSER root\nRUN apk add --no-cache curl\nUSER 10001\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        if instruction.kind != Keyword::User {
            continue;
        }
        let Arguments::Text(user) = &instruction.args else {
            continue;
        };
        if user.value.contains('$')
            || WELL_KNOWN_ACCOUNTS
                .iter()
                .any(|a| user.value.eq_ignore_ascii_case(a))
        {
            continue;
        }
        let named = user
            .value
            .split(':')
            .any(|part| !part.is_empty() && !part.bytes().all(|b| b.is_ascii_digit()));
        if named {
            findings.push(
                Finding::new(
                    user.span,
                    format!("`{}` names the user: use the numeric id", user.value),
                )
                .with_help("write the uid (and gid), e.g. `USER 10001:10001`"),
            );
        }
    }
}
