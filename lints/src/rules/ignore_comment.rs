//! RB002: an ignore comment names a rule that does not exist.

use crate::diagnostic::Severity;
use crate::rule::{Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

pub static RULE: Rule = Rule {
    code: "RB002",
    name: "unknown-rule-in-ignore",
    severity: Severity::Warning,
    severity_reason: "the build is unaffected, but a misspelt code silences nothing, so the check it meant to silence still reports",
    summary: "An ignore comment names a rule that does not exist",
    docs: Docs {
        what_it_does: "Checks the codes and names in `# rbuild ignore=...`, `# rbuild global ignore=...`, \
`# hadolint ignore=...` and the `# check=skip=...` directive. A rule code (`RB301`), a rule name \
(`apt-update-alone`), a hadolint id (`DL3025`) or a Docker build-check name (`JSONArgsRecommended`) is \
accepted; anything else is reported.",
        why_is_this_bad: "A mistyped code silences nothing: the finding it was meant to silence still \
appears, or worse, a later finding on that line goes unnoticed because the reader trusts the comment.",
        example: "FROM alpine\n# rbuild ignore=RB9999\nCMD echo hello\n",
        use_instead: "FROM alpine\n# rbuild ignore=RB201 -- the image has no signal handling to lose\nCMD echo hello\n",
    },
    equivalents: Equivalents { hadolint: &[], buildkit: None },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "# check=skip=NoSuchCheck\nFROM alpine\n",
            "FROM alpine\n# rbuild global ignore=shell-form-comand\n",
        ],
        pass: &[
            "# check=skip=JSONArgsRecommended\nFROM alpine\nCMD echo hi\n",
            "FROM alpine\n# hadolint ignore=DL3025,SC2086\nCMD echo $HOME\n",
        ],
    },
    check: Checker::Engine,
};
