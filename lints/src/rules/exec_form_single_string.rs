//! RB202: exec form whose program is one string with spaces, like `CMD ["npm start"]`.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::{Arguments, Instruction, Keyword};

use super::support::stage_instructions;

pub static RULE: Rule = Rule {
    code: "RB202",
    name: "exec-form-single-string",
    severity: Severity::Error,
    severity_reason: "the image certainly cannot start: no executable has that name",
    summary: "Exec form whose program name contains spaces, like [\"npm start\"]",
    docs: Docs {
        what_it_does: "Finds exec-form RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD whose first element \
contains a space: the whole command line was written as one JSON string.",
        why_is_this_bad: "Exec form runs the first element as the program, verbatim. `CMD [\"npm start\"]` \
looks for a program called `npm start` (with the space) and the container fails with \"executable file \
not found\".",
        example: "FROM node:22\nCMD [\"npm start\"]\n",
        use_instead: "FROM node:22\nCMD [\"npm\", \"start\"]\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::Sometimes(FixDocs {
        safety: FixSafety::Unsafe,
        description: "Splits the first string at its blanks into separate strings, when it has no shell syntax. Unsafe: the step that could not start now runs a program.",
        examples: &[
            FixExample {
                before: "FROM node:22\nCMD [\"npm start\"]\n",
                after: "FROM node:22\nCMD [\"npm\", \"start\"]\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &["FROM alpine\nENTRYPOINT [\"/usr/bin/my-app --config /etc/app.conf\", \"--verbose\"]\n"],
        pass: &[
            "FROM alpine\nCMD [\"sh\", \"-c\", \"npm start\"]\n",
            "FROM alpine\nRUN [\"echo\", \"a b\"]\n",
            "FROM node:22\nENTRYPOINT [\"sh\", \"-c\"]\nCMD [\"node app.js\"]\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    for stage in &check.dockerfile.stages {
        let instructions: Vec<&Instruction> = stage_instructions(check.dockerfile, stage)
            .map(|(_, i)| i)
            .collect();
        // With an exec-form ENTRYPOINT, CMD holds its arguments (`ENTRYPOINT ["sh", "-c"]` +
        // `CMD ["node app.js"]`), not a program.
        let cmd_is_arguments = instructions
            .iter()
            .any(|i| i.kind == Keyword::Entrypoint && i.is_exec_form());
        for instruction in instructions {
            if cmd_is_arguments && instruction.kind == Keyword::Cmd {
                continue;
            }
            findings.extend(check_instruction(instruction));
        }
    }
}

fn check_instruction(instruction: &Instruction) -> Option<Finding> {
    if !matches!(
        instruction.kind,
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck
    ) {
        return None;
    }
    let elements = match &instruction.args {
        Arguments::Exec(words) => words,
        Arguments::Healthcheck { command, .. } => match &**command {
            Arguments::Exec(words) => words,
            _ => return None,
        },
        _ => return None,
    };
    let first = elements.first()?;
    if !first.value.trim().contains(char::is_whitespace) {
        return None;
    }
    let program = first.value.split_whitespace().next().unwrap_or("");
    let finding = Finding::new(
        first.span,
        format!(
            "the program to run is `{}`, spaces included: no such executable",
            first.value
        ),
    )
    .with_help(format!(
        "give each word its own string: [\"{program}\", ...]"
    ));
    if first
        .value
        .contains(['$', '\'', '"', '\\', '`', '&', '|', ';', '<', '>'])
    {
        return Some(finding);
    }
    let words: Vec<&str> = first.value.split_whitespace().collect();
    let replacement = words
        .iter()
        .map(|w| serde_json::to_string(w).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ");
    Some(finding.with_fix(Fix {
        message: "split the string into words".into(),
        safety: Safety::Unsafe,
        edits: vec![Edit {
            span: first.span,
            replacement,
        }],
    }))
}
