//! RB701: instruction keywords in mixed case.

use crate::diagnostic::{Edit, Finding, Fix, Safety, Severity};
use crate::rule::{
    Check, Checker, Docs, Equivalents, FixAvailability, FixDocs, FixExample, FixSafety, Fixtures,
    Rule,
};
use crate::syntax::Instruction;

pub static RULE: Rule = Rule {
    code: "RB701",
    name: "consistent-instruction-casing",
    severity: Severity::Warning,
    severity_reason:
        "the build works; mixed casing is a readability problem the builder warns about",
    summary: "Instruction keyword does not match the case of the others",
    docs: Docs {
        what_it_does: "Finds instruction keywords whose case differs from the file's majority: \
all upper case (`RUN`) or all lower case (`run`); a keyword in mixed case (`Run`) never \
matches. Ties count as upper case, the common convention.",
        why_is_this_bad:
            "Keywords are case-insensitive to the builder, but a file that mixes cases is \
harder to scan: instructions no longer stand out from their arguments the same way.",
        example:
            "From alpine\nRun echo hello > /greeting.txt\nEntRYpOiNT [\"cat\", \"/greeting.txt\"]\n",
        use_instead:
            "FROM alpine\nRUN echo hello > /greeting.txt\nENTRYPOINT [\"cat\", \"/greeting.txt\"]\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("ConsistentInstructionCasing"),
    },
    fix: FixAvailability::Always(FixDocs {
        safety: FixSafety::Safe,
        description: "Rewrites each keyword in the case most instructions of the file use (upper case on a tie). Keywords are case-insensitive: the image is the same.",
        examples: &[
            FixExample {
                before: "From alpine:3.19\nRun echo hello > /greeting.txt\nEntRYpOiNT [\"cat\", \"/greeting.txt\"]\n",
                after: "FROM alpine:3.19\nRUN echo hello > /greeting.txt\nENTRYPOINT [\"cat\", \"/greeting.txt\"]\n",
            },
            FixExample {
                before: "from alpine:3.19\nRun echo hi\nrun true\nonbuild COPY . /x\n",
                after: "from alpine:3.19\nrun echo hi\nrun true\nonbuild COPY . /x\n",
            },
        ],
    }),
    fixtures: Fixtures {
        fail: &[
            "from alpine\nrun true\nCOPY . /app\n",
            "from alpine\nONBUILD RUN true\n",
        ],
        pass: &[
            "from alpine\nrun echo hello\nentrypoint [\"cat\"]\n",
            // The builder's check does not count ONBUILD triggers' keywords.
            "FROM alpine\nONBUILD run true\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let text = |instruction: &Instruction| dockerfile.text(instruction.keyword_span);
    // Compared in place: a keyword's lower-case form is made only for a finding's fix.
    let is_lower = |instruction: &Instruction| {
        let written = text(instruction);
        written.len() == instruction.kind.as_str().len()
            && written
                .bytes()
                .zip(instruction.kind.as_str().bytes())
                .all(|(written, upper)| written == upper.to_ascii_lowercase())
    };
    let is_upper = |instruction: &Instruction| text(instruction) == instruction.kind.as_str();
    let count = |case: &dyn Fn(&Instruction) -> bool| {
        dockerfile.instructions.iter().filter(|i| case(i)).count()
    };
    let lower_case_wins = count(&is_lower) > count(&is_upper);
    for instruction in &dockerfile.instructions {
        let matches = if lower_case_wins {
            is_lower(instruction)
        } else {
            is_upper(instruction)
        };
        if matches {
            continue;
        }
        let expected = if lower_case_wins {
            instruction.kind.as_str().to_ascii_lowercase()
        } else {
            instruction.kind.as_str().to_string()
        };
        let written = text(instruction);
        let case = if lower_case_wins { "lower" } else { "upper" };
        findings.push(
            Finding::new(
                instruction.keyword_span,
                format!(
                    "`{written}` does not match the case of the other instructions ({case} case)"
                ),
            )
            .with_fix(Fix {
                message: format!("write `{expected}`"),
                safety: Safety::Safe,
                edits: vec![Edit {
                    span: instruction.keyword_span,
                    replacement: expected,
                }],
            }),
        );
    }
}
