//! RB506: the MAINTAINER instruction.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Arguments, Instruction, Keyword, Span};

use super::fix_support::keyword_like;

pub static RULE: Rule = Rule {
    code: "RB506",
    name: "maintainer-deprecated",
    severity: Severity::Warning,
    severity_reason: "the build works; the instruction is deprecated",
    summary: "MAINTAINER is deprecated; use a LABEL",
    docs: Docs {
        what_it_does: "Finds MAINTAINER instructions.",
        why_is_this_bad: "MAINTAINER has been deprecated for years: it sets a legacy image field \
that tools no longer read. The `org.opencontainers.image.authors` label carries the same \
information in the form registries and scanners understand.",
        example: "FROM alpine\nMAINTAINER Jane Doe <jane@example.com>\n",
        use_instead:
            "FROM alpine\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL4000"],
        buildkit: Some("MaintainerDeprecated"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Rewrites `MAINTAINER text` as `LABEL org.opencontainers.image.authors=\"text\"` (quotes, `$` and the escape character escaped). Unsafe: the image's `Author` field is no longer set, and tools reading it see nothing.",
        examples: &[
            FixExample {
                before: "FROM alpine:3.19\nMAINTAINER Jane Doe <jane@example.com>\n",
                after: "FROM alpine:3.19\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["maintainer ops@example.com\nFROM alpine\n"],
        pass: &[
            "FROM alpine\n# MAINTAINER in a comment is fine\nLABEL maintainer=ops@example.com\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for instruction in &check.dockerfile.instructions {
        if instruction.kind == Keyword::Maintainer {
            findings.push(
                Finding::new(instruction.keyword_span, "MAINTAINER is deprecated")
                    .with_help("use `LABEL org.opencontainers.image.authors=\"...\"` instead")
                    .with_fix_option(authors_label(check, instruction)),
            );
        }
    }
}

/// `MAINTAINER text` -> `LABEL org.opencontainers.image.authors="text"`, with `"`, `$` and the
/// escape character escaped inside the quotes (MAINTAINER expands no variables).
fn authors_label(check: &Check<'_>, instruction: &Instruction) -> Option<Fix> {
    let dockerfile = check.dockerfile;
    let Arguments::Text(text) = &instruction.args else {
        return None;
    };
    let escape = dockerfile.escape;
    let mut value = String::new();
    for c in text.value.chars() {
        if c == '"' || c == '$' || c == escape {
            value.push(escape);
        }
        value.push(c);
    }
    let label = keyword_like(dockerfile, instruction, Keyword::Label);
    Some(Fix {
        message: "rewrite as `LABEL org.opencontainers.image.authors=...`".to_string(),
        safety: Safety::Unsafe,
        edits: vec![Edit {
            span: Span::new(instruction.keyword_span.start, text.span.end),
            replacement: format!("{label} org.opencontainers.image.authors=\"{value}\""),
        }],
    })
}
