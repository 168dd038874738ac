//! RB520: an ENV value that uses a variable the same ENV sets.

use std::sync::OnceLock;

use regex::Regex;

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::Keyword;

pub static RULE: Rule = Rule {
    code: "RB520",
    name: "env-self-reference",
    severity: Severity::Warning,
    severity_reason: "the build works, with a value the author probably did not mean",
    summary: "ENV value that uses a variable set earlier in the same ENV",
    docs: Docs {
        what_it_does:
            "Finds `$NAME` or `${NAME}` in an ENV value when an earlier pair of the same \
ENV instruction sets `NAME`. Single-quoted values, which are not expanded, are left alone.",
        why_is_this_bad: "The builder expands every value of an ENV with the variables as they \
were before the instruction: the reference gets the old value (often empty), not the one set a \
few words earlier. A warning: the build works, with a value the author probably did not mean.",
        example: "FROM python:3.12\nENV APP_HOME=/srv/app PYTHONPATH=$APP_HOME/lib\n",
        use_instead: "FROM python:3.12\nENV APP_HOME=/srv/app\nENV PYTHONPATH=$APP_HOME/lib\n",
    },
    // BuildKit reports these as UndefinedVar, with RB510's other findings.
    equivalents: Equivalents {
        hadolint: &["DL3044"],
        buildkit: Some("UndefinedVar"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine:3.19\nENV JAVA_HOME=/opt/jdk \\\n    PATH=\"${JAVA_HOME}/bin:${PATH}\"\n",
        ],
        pass: &[
            "FROM alpine:3.19\nENV PATH=/opt/bin:$PATH LANG=C.UTF-8\n",
            "FROM alpine:3.19\nENV A=1 B='$A'\n",
            "FROM alpine:3.19\nENV B=$A A=1\n",
            "FROM alpine:3.19\nENV APP=/srv APPLICATION=$APPLICATION_DIR\n",
        ],
    },
    check: Checker::Static(check),
};

fn reference() -> &'static Regex {
    static REFERENCE: OnceLock<Regex> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        Regex::new(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
            .expect("valid regex")
    })
}

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let escape = check.dockerfile.escape;
    for instruction in &check.dockerfile.instructions {
        if instruction.kind != Keyword::Env {
            continue;
        }
        let pairs = instruction.key_values();
        for (position, pair) in pairs.iter().enumerate() {
            if pair.value.value.starts_with('\'') {
                continue;
            }
            let value = &pair.value.value;
            for captures in reference().captures_iter(value) {
                let whole = captures.get(0).expect("match");
                if value[..whole.start()].ends_with(escape) {
                    continue;
                }
                let name = captures
                    .get(1)
                    .or(captures.get(2))
                    .expect("a name")
                    .as_str();
                let Some(setter) = pairs[..position].iter().find(|p| p.key.value == name) else {
                    continue;
                };
                findings.push(
                    Finding::new(
                        pair.value.span,
                        format!(
                            "`{name}` here is its value from before this ENV, not the one set just before"
                        ),
                    )
                    .with_label(setter.key.span, "set in the same instruction")
                    .with_help(format!("set `{}` in a separate ENV after this one", pair.key.value)),
                );
            }
        }
    }
}
