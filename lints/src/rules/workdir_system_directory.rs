//! RB523: WORKDIR set to a system directory.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Arguments, Keyword};

/// Directories that belong to the operating system or the kernel.
const SYSTEM_DIRECTORIES: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/proc",
    "/sbin",
    "/sys",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/sbin",
    "/var/lib",
];

pub static RULE: Rule = Rule {
    code: "RB523",
    name: "workdir-system-directory",
    severity: Severity::Warning,
    severity_reason: "the build works, but later steps write into a system directory: a likely bug",
    summary: "WORKDIR set to a system directory",
    docs: Docs {
        what_it_does: "Finds WORKDIR instructions naming a directory of the operating system \
itself (`/bin`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`, `/sbin`, `/sys`, `/usr`, `/usr/bin`, \
`/usr/lib`, `/usr/sbin`, `/var/lib` and the like). Their subdirectories (`/etc/nginx`, \
`/usr/src/app`) and `/` are left alone.",
        why_is_this_bad: "Later `COPY . .` and build steps write the application's files among \
the system's: they can overwrite system files, get lost in kernel file systems (`/proc`, \
`/sys`, `/dev` are replaced at run time) and make the image hard to inspect.",
        example: "FROM python:3.12-slim\nWORKDIR /usr/bin\nCOPY . .\n",
        use_instead: "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nWORKDIR /etc/\n",
            "FROM alpine:3.19\nWORKDIR \"/proc\"\n",
        ],
        pass: &[
            "FROM alpine:3.19\nWORKDIR /\n",
            "FROM alpine:3.19\nWORKDIR /etc/nginx\n",
            "FROM alpine:3.19\nWORKDIR /usr/src/app\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        if instruction.kind != Keyword::Workdir {
            continue;
        }
        let Arguments::Text(path) = &instruction.args else {
            continue;
        };
        let directory = path.value.trim_matches(|c| c == '"' || c == '\'');
        let directory = directory.trim_end_matches('/');
        if SYSTEM_DIRECTORIES.contains(&directory) {
            findings.push(
                Finding::new(
                    path.span,
                    format!("`{directory}` is a system directory: the application's files would mix with the system's"),
                )
                .with_help("work in a directory of your own, such as `/app`"),
            );
        }
    }
}
