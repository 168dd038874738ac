//! Where a rule deliberately reports something other than its hadolint or BuildKit equivalent,
//! and why: the "Differs from hadolint" and "Differs from BuildKit" parts of the rules' docs.
//!
//! A table of its own rather than a field of [`crate::rule::Docs`], so that a rule without
//! differences needs nothing here. The conformance tests (lints/tests/buildkit_warnings.rs,
//! bench/hadolint-compare) check every remaining difference against this table.

/// The tool a rule differs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Hadolint,
    Buildkit,
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Hadolint => "hadolint",
            Tool::Buildkit => "BuildKit",
        }
    }
}

/// One deliberate difference of one rule.
#[derive(Debug, serde::Serialize)]
pub struct Difference {
    /// The rule's code.
    pub code: &'static str,
    pub tool: Tool,
    /// What differs and why, in one paragraph.
    pub text: &'static str,
}

/// Every deliberate difference, by rule code.
pub static DIFFERENCES: &[Difference] = &[
    Difference {
        code: "RB201",
        tool: Tool::Hadolint,
        text: "A bare `CMD` or `ENTRYPOINT` (no arguments) is reported as BuildKit does: the \
builder reads it as an empty shell-form command. hadolint says nothing about it.",
    },
    Difference {
        code: "RB507",
        tool: Tool::Buildkit,
        text: "A Windows path (`WORKDIR C:\\app`, or a variable set to one) counts as absolute: \
BuildKit judges paths as paths of the platform it checks for, so on Linux it reports Windows \
images' WORKDIRs as relative. A WORKDIR that starts with a variable the stage does not set \
(`WORKDIR $GOPATH`) is taken to be absolute: the variable comes from the base image, which \
sets it to an absolute path in practice; where BuildKit does not have the image's environment \
it expands the variable to nothing and reports a relative path.",
    },
    Difference {
        code: "RB509",
        tool: Tool::Buildkit,
        text: "`ARG NAME VALUE` is reported too: it declares two ARGs (`NAME` and `VALUE`), which \
is almost always a mistake for `ARG NAME=VALUE`. BuildKit accepts it silently.",
    },
    Difference {
        code: "RB510",
        tool: Tool::Buildkit,
        text: "Only stages whose environment is known are checked: stages built from `scratch`, \
from an earlier stage, or from a well-known image whose environment is listed (`python`, \
`golang`, `node`...). BuildKit reads the real base image's environment; where it cannot (the \
reference data's stub images, an image we do not know), a variable the image sets would be \
reported wrongly, so we stay quiet.",
    },
    Difference {
        code: "RB511",
        tool: Tool::Buildkit,
        text: "Names whose parts say the value is public or only a location (`GPG_KEY`, \
`PUBLIC_KEY`, `SSH_KEY_PATH`, `SECRET_VERSION`) and values that are paths \
(`ENV TLS_KEY=certs/server.key`) are not reported: a GPG key fingerprint is public by design, \
and a path says where a secret is, not what it is. BuildKit matches the name alone.",
    },
    Difference {
        code: "RB512",
        tool: Tool::Buildkit,
        text: "A COPY source that the `.dockerignore` excludes is reported even when the \
`.dockerignore` also has `!` exceptions that do not cover it: the file is still left out of the \
context, so the COPY cannot find it. BuildKit stays quiet in that case.",
    },
];

/// The deliberate differences of the rule `code`.
pub fn of(code: &str) -> impl Iterator<Item = &'static Difference> + '_ {
    DIFFERENCES.iter().filter(move |d| d.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::find;

    #[test]
    fn every_difference_names_a_rule_with_that_equivalent() {
        for difference in DIFFERENCES {
            let rule = find(difference.code).unwrap_or_else(|| panic!("{}", difference.code));
            let has_equivalent = match difference.tool {
                Tool::Hadolint => !rule.equivalents.hadolint.is_empty(),
                Tool::Buildkit => rule.equivalents.buildkit.is_some(),
            };
            assert!(
                has_equivalent,
                "{} has no {:?} equivalent",
                rule.code, difference.tool
            );
        }
    }
}
