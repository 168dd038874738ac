//! RB508: EXPOSE with an IP address or a host port.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Keyword, Word};

pub static RULE: Rule = Rule {
    code: "RB508",
    name: "expose-invalid-format",
    severity: Severity::Warning,
    severity_reason: "the builder accepts it and ignores the host part: a likely bug",
    summary: "EXPOSE with an IP address or a host-port mapping",
    docs: Docs {
        what_it_does: "Finds EXPOSE ports written like `docker run -p` mappings: \
`EXPOSE 127.0.0.1:80:80` or `EXPOSE 8080:80`.",
        why_is_this_bad:
            "EXPOSE only records which container ports the image listens on; addresses and \
host ports are chosen when the container is run. The builder ignores the extra parts (and \
will refuse them in the future), so the mapping the author had in mind never happens.",
        example: "FROM alpine\nEXPOSE 8080:80\n",
        use_instead: "FROM alpine\nEXPOSE 80\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("ExposeInvalidFormat"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine\nEXPOSE 443 127.0.0.1:80:80/tcp\n"],
        pass: &["FROM alpine\nARG PORT\nEXPOSE ${PORT:-8080} 53/udp 8000-8010\n"],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        if instruction.kind != Keyword::Expose {
            continue;
        }
        for word in instruction.words() {
            if has_mapping(word) {
                findings.push(
                    Finding::new(
                        word.span,
                        format!(
                            "`{}` is not a port: EXPOSE takes container ports only",
                            word.value
                        ),
                    )
                    .with_help(
                        "keep the container port (`EXPOSE 80`) and choose addresses and host ports with `docker run -p`",
                    ),
                );
            }
        }
    }
}

/// A `:` outside variable references (`${PORT:-80}` is fine).
fn has_mapping(word: &Word) -> bool {
    let mut depth = 0usize;
    let mut chars = word.value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                depth += 1;
            }
            '}' if depth > 0 => depth -= 1,
            ':' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}
