//! RB513: a comment right above a named FROM or an ARG that does not start with its name.

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::syntax::{Dockerfile, Instruction, Keyword, Span};

/// Comments that tools read from the line right above an instruction (ignore comments,
/// update bots): they are not descriptions, and moving them away would break them.
const PRAGMAS: &[&str] = &["rbuild", "hadolint", "renovate:"];

pub static RULE: Rule = Rule {
    code: "RB513",
    name: "invalid-definition-description",
    // Experimental in Docker's build checks: off by default (rules::OFF_BY_DEFAULT), and at the
    // lowest severity when switched on.
    severity: Severity::Style,
    severity_reason: "style: the comment is not a description",
    summary: "Comment above a stage or ARG is not a description of it (off by default)",
    docs: Docs {
        what_it_does: "Looks at the comment line directly above `FROM ... AS name` and above ARG. \
`docker buildx build --call=outline` and `--call=targets` show such a comment as the \
description of the stage or build argument, and expect it to start with its name \
(`# VERSION sets the release to build`). A comment that does not is reported; a blank line \
between the comment and the instruction stops it from being taken as a description. Ignore \
comments (`# rbuild ignore=...`, `# hadolint ignore=...`) and `# renovate:` annotations, which \
must stay right above their instruction, are not descriptions and are left alone. This is \
an experimental check in Docker's build checks, so it is off by default as there (`--enable \
RB513`, or `# check=experimental=InvalidDefinitionDescription` in the file) and has the \
lowest severity (style).",
        why_is_this_bad: "The outline and targets listings show the unrelated comment as the \
description of the stage or argument, which confuses whoever reads them.",
        example: "# a non-descriptive comment\nFROM scratch AS base\n\n# another non-descriptive comment\nARG VERSION=1\n",
        use_instead: "# base is a stage for compiling source\nFROM scratch AS base\n# VERSION This is the version number.\nARG VERSION=1\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("InvalidDefinitionDescription"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &["FROM alpine\n# pin the version\nARG A=1 B=2\n"],
        pass: &[
            "# hadolint ignore=DL3006\nFROM alpine AS base\n# renovate: datasource=github-tags depName=x\nARG X_VERSION=1\n",
            "# a non-descriptive comment\n\nFROM scratch AS base\n# any comment above an unnamed stage\nFROM alpine\n# B is the second one\nARG A=1 B=2\n",
            "FROM alpine\n#\n# setup\n#\nARG VERSION=1\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        let (what, names): (&str, Vec<String>) = match instruction.kind {
            Keyword::Arg => (
                "build argument",
                instruction
                    .arg_decls(index)
                    .into_iter()
                    .map(|a| a.name)
                    .collect(),
            ),
            Keyword::From => match instruction.from().and_then(|f| f.name) {
                Some(name) => ("build stage", vec![name.value.clone()]),
                None => continue,
            },
            _ => continue,
        };
        let Some(comment) = comment_above(dockerfile, index, instruction) else {
            continue;
        };
        let text = dockerfile.text(comment);
        // An empty `#` line ends a comment block: as in BuildKit, there is no description.
        if text
            .trim_start()
            .strip_prefix('#')
            .is_some_and(|rest| rest.trim().is_empty())
        {
            continue;
        }
        let first_word = text
            .trim_start_matches('#')
            .trim_start_matches(' ')
            .split(' ')
            .next()
            .unwrap_or("");
        if names.iter().any(|name| name == first_word) || PRAGMAS.contains(&first_word) {
            continue;
        }
        let example = match names.as_slice() {
            [one] => one.as_str(),
            _ => "<name>",
        };
        findings.push(
            Finding::new(
                comment,
                format!("comment above a {what} should start with its name: `# {example} <description>`"),
            )
            .with_label(instruction.keyword_span, "described instruction")
            .with_help("if the comment is not a description, put an empty line between it and the instruction"),
        );
    }
}

/// The comment on the line right above the instruction, if it is not part of an earlier one.
fn comment_above(dockerfile: &Dockerfile, index: usize, instruction: &Instruction) -> Option<Span> {
    let previous_end = index
        .checked_sub(1)
        .map_or(0, |i| dockerfile.instructions[i].span.end);
    dockerfile.comments.iter().copied().find(|comment| {
        comment.start >= previous_end
            && dockerfile.position(comment.start).line + 1 == instruction.start_line
    })
}
