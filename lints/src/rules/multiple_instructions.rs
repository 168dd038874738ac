//! RB505: more than one CMD, ENTRYPOINT or HEALTHCHECK in a stage.

use crate::diagnostic::{Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::Keyword;

use super::fix_support::delete_instruction;
use super::support::stage_instructions;

/// Instructions of which only the last one in a stage has any effect.
const LAST_ONE_WINS: &[Keyword] = &[Keyword::Cmd, Keyword::Entrypoint, Keyword::Healthcheck];

pub static RULE: Rule = Rule {
    code: "RB505",
    name: "multiple-instructions",
    severity: Severity::Warning,
    severity_reason: "the build works; only the last one counts, so the others are likely bugs",
    summary: "More than one CMD, ENTRYPOINT or HEALTHCHECK in a stage",
    docs: Docs {
        what_it_does: "Finds CMD, ENTRYPOINT and HEALTHCHECK instructions that a later instruction \
of the same kind in the same stage overrides.",
        why_is_this_bad: "Only the last one takes effect; the earlier ones are dead code that misleads \
readers (often a leftover from editing, or an attempt to run two programs, which needs a \
process manager or two containers instead).",
        example: "FROM alpine\nENTRYPOINT [\"echo\", \"Hello, Norway!\"]\nENTRYPOINT [\"echo\", \"Hello, Sweden!\"]\n",
        use_instead: "FROM alpine\nENTRYPOINT [\"echo\", \"Hello, Norway!\\nHello, Sweden!\"]\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL4003", "DL4004", "DL3012"],
        buildkit: Some("MultipleInstructionsDisallowed"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description: "Removes the CMD, ENTRYPOINT or HEALTHCHECK that a later one of the same stage replaces (its whole lines, with the ignore comments right before it). Safe: only the last one reaches the image.",
        examples: &[
            FixExample {
                before: "FROM alpine:3.19\n# rbuild global ignore=RB525\n# rbuild ignore=shell-form-command\nCMD echo one\nHEALTHCHECK CMD [\"true\"]\nCMD [\"echo\", \\\n     \"two\"]\nCMD [\"echo\", \"three\"]\n",
                after: "FROM alpine:3.19\n# rbuild global ignore=RB525\nHEALTHCHECK CMD [\"true\"]\nCMD [\"echo\", \"three\"]\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nCMD [\"a\"]\nRUN true\ncmd [\"b\"]\n",
            "FROM alpine\nHEALTHCHECK CMD [\"true\"]\nHEALTHCHECK NONE\n",
        ],
        pass: &[
            "FROM alpine AS one\nCMD [\"a\"]\nFROM alpine AS two\nCMD [\"b\"]\n",
            "FROM alpine\nHEALTHCHECK --interval=1s CMD [\"true\"]\nCMD [\"sh\"]\nONBUILD CMD [\"x\"]\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    for stage in &dockerfile.stages {
        for &kind in LAST_ONE_WINS {
            let same: Vec<_> = stage_instructions(dockerfile, stage)
                .map(|(_, instruction)| instruction)
                .filter(|instruction| instruction.kind == kind)
                .collect();
            let Some((last, overridden)) = same.split_last() else {
                continue;
            };
            for instruction in overridden {
                findings.push(
                    Finding::new(
                        instruction.keyword_span,
                        format!(
                            "this {} has no effect: a later {} in the same stage replaces it",
                            kind.as_str(),
                            kind.as_str()
                        ),
                    )
                    .with_label(last.keyword_span, "this one is used")
                    .with_help(format!("keep a single {} per stage", kind.as_str()))
                    .with_fix(Fix {
                        message: format!("remove this {}", kind.as_str()),
                        safety: Safety::Safe,
                        edits: vec![delete_instruction(dockerfile, instruction)],
                    }),
                );
            }
        }
    }
}
