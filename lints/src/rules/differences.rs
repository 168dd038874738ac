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
    /// The other tool's ids that differ as a whole (left out when comparing findings); empty
    /// when the difference is about some cases only.
    pub ids: &'static [&'static str],
    /// What differs and why, in one paragraph.
    pub text: &'static str,
}

/// Every deliberate difference, by rule code.
pub static DIFFERENCES: &[Difference] = &[
    Difference {
        code: "RB201",
        tool: Tool::Hadolint,
        ids: &[],
        text: "A bare `CMD` or `ENTRYPOINT` (no arguments) is reported as BuildKit does: the \
builder reads it as an empty shell-form command. hadolint 2.15 cannot parse such a file \
(\"missing whitespace\") and reports nothing else in it.",
    },
    Difference {
        code: "RB507",
        tool: Tool::Buildkit,
        ids: &[],
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
        ids: &[],
        text: "`ARG NAME VALUE` is reported too: it declares two ARGs (`NAME` and `VALUE`), which \
is almost always a mistake for `ARG NAME=VALUE`. BuildKit accepts it silently.",
    },
    Difference {
        code: "RB510",
        tool: Tool::Buildkit,
        ids: &[],
        text: "Only stages whose environment is known are checked: stages built from `scratch`, \
from an earlier stage, or from a well-known image whose environment is listed (`python`, \
`golang`, `node`...). BuildKit reads the real base image's environment; where it cannot (the \
reference data's stub images, an image we do not know), a variable the image sets would be \
reported wrongly, so we stay quiet.",
    },
    Difference {
        code: "RB511",
        tool: Tool::Buildkit,
        ids: &[],
        text: "Names whose parts say the value is public or only a location (`GPG_KEY`, \
`PUBLIC_KEY`, `SSH_KEY_PATH`, `SECRET_VERSION`) and values that are paths \
(`ENV TLS_KEY=certs/server.key`) are not reported: a GPG key fingerprint is public by design, \
and a path says where a secret is, not what it is. BuildKit matches the name alone.",
    },
    Difference {
        code: "RB512",
        tool: Tool::Buildkit,
        ids: &[],
        text: "A COPY source that the `.dockerignore` excludes is reported even when the \
`.dockerignore` also has `!` exceptions that do not cover it: the file is still left out of the \
context, so the COPY cannot find it. BuildKit stays quiet in that case.",
    },
    Difference {
        code: "RB520",
        tool: Tool::Buildkit,
        ids: &[],
        text: "Reported with BuildKit's UndefinedVar (RB510 leaves the case to this rule, whose \
message explains it), and also when the name was set before the ENV: `ENV A=0` then `ENV A=1 \
B=$A` gives `B` the old value 0, which BuildKit does not report as the variable is defined.",
    },
    Difference {
        code: "RB105",
        tool: Tool::Hadolint,
        ids: &["DL3022"],
        text: "`COPY --from=IMAGE` naming an image rather than a stage is valid: the builder \
pulls the image (`COPY --from=nginx:1.27 /etc/nginx/nginx.conf /x`). hadolint's DL3022 asks for \
a stage alias there; here a name that is not a stage is reported only when it is close to one \
(a likely typo) or names a later or the current stage.",
    },
    Difference {
        code: "RB401",
        tool: Tool::Hadolint,
        ids: &[],
        text: "`apt install`, `dnf in` and `yum`/`dnf module install` are checked too (hadolint's \
DL3008 and DL3041 read only `apt-get install` and `dnf install`). Packages named by a variable \
(`apt-get install $PACKAGES`) are not reported: their versions are not in the Dockerfile.",
    },
    Difference {
        code: "RB402",
        tool: Tool::Hadolint,
        ids: &[],
        text: "Also checked: `yarn add`, `pnpm add`, `cargo install` and `composer require`, and \
npm's other install aliases. A tag or branch (`@latest`, `@next`, `@main`) is not taken for a \
version.",
    },
    Difference {
        code: "RB403",
        tool: Tool::Hadolint,
        ids: &["DL3038"],
        text: "`microdnf install` is not reported without `-y`: microdnf never asks for \
confirmation (its `-y` is accepted for compatibility only). `apt install` is checked like \
`apt-get install`.",
    },
    Difference {
        code: "RB404",
        tool: Tool::Hadolint,
        ids: &[],
        text: "`apt install` is checked like `apt-get install` (hadolint's DL3015 reads only \
`apt-get`).",
    },
    Difference {
        code: "RB405",
        tool: Tool::Hadolint,
        ids: &["DL3009", "DL3019", "DL3040"],
        text: "Only stages that end up in the image are checked: a cache left in a build stage \
that is only copied from never reaches the image. `apk add --no-network` downloads nothing and \
leaves no cache, and a cache mount over the cache directory keeps it out of the layer; both are \
accepted. hadolint reports every stage and asks for `--no-cache` or a cleanup in the same RUN.",
    },
    Difference {
        code: "RB408",
        tool: Tool::Hadolint,
        ids: &["DL3046"],
        text: "Only a UID of six digits or more is reported, and not one given by a variable \
(`-u ${UID}`): only a large UID makes the lastlog and faillog files grow. hadolint reports any \
`useradd -u` without `-l`.",
    },
    Difference {
        code: "RB410",
        tool: Tool::Hadolint,
        ids: &["DL3059"],
        text: "Only small, cheap consecutive RUNs with the same flags are reported: splitting \
around an expensive step (an install, a download, a build) keeps its layer cached, and is how \
good Dockerfiles are written. hadolint reports every pair of consecutive RUNs.",
    },
    Difference {
        code: "RB413",
        tool: Tool::Hadolint,
        ids: &["DL4006"],
        text: "Pipes fed by commands that cannot fail meaningfully (`echo`, `printf`, `yes`) and \
scripts that `set -o pipefail` themselves are not reported, nor stages whose SHELL is not a \
POSIX shell. hadolint asks for a pipefail SHELL before every RUN with a pipe.",
    },
    Difference {
        code: "RB414",
        tool: Tool::Hadolint,
        ids: &["DL3003"],
        text: "Only a RUN that starts with `cd DIR` (what WORKDIR replaces one for one) is \
reported; a `cd` into a directory the same RUN has just unpacked or cloned is the normal way to \
build from source. hadolint reports every `cd`.",
    },
    Difference {
        code: "RB507",
        tool: Tool::Hadolint,
        ids: &["DL3000"],
        text: "A relative WORKDIR after an absolute one is not reported, as in BuildKit: it is \
relative to a directory the file sets itself. A WORKDIR given by a variable is judged by the \
variable's value (`ARG DIR=app`, `WORKDIR $DIR` is relative); hadolint does not expand it.",
    },
    Difference {
        code: "RB522",
        tool: Tool::Hadolint,
        ids: &["DL3067"],
        text: "Only copying `/` from a stage of the file that installs or changes a system is \
reported. Images named directly and stages built `FROM scratch` usually hold only what they are \
meant to hand over (`COPY --from=docker/buildx-bin / /`).",
    },
    Difference {
        code: "RB608",
        tool: Tool::Hadolint,
        ids: &["DL3066"],
        text: "`USER root`, users given by a variable and the Windows accounts \
(`ContainerAdministrator`, `ContainerUser`, which have no numeric id) are not reported.",
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

    /// README's table of hadolint differences has a row for each, with the ids left out.
    #[test]
    fn readme_lists_every_hadolint_difference() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
            .expect("read README.md");
        let start = readme
            .find("<!-- hadolint-differences:start -->")
            .expect("start marker");
        let end = readme
            .find("<!-- hadolint-differences:end -->")
            .expect("end marker");
        let rows: Vec<&str> = readme[start..end]
            .lines()
            .filter(|l| l.starts_with("| RB"))
            .collect();
        let hadolint: Vec<&Difference> = DIFFERENCES
            .iter()
            .filter(|d| d.tool == Tool::Hadolint)
            .collect();
        assert_eq!(rows.len(), hadolint.len(), "{rows:#?}");
        for difference in hadolint {
            let ids = if difference.ids.is_empty() {
                "-".to_string()
            } else {
                difference.ids.join(", ")
            };
            let prefix = format!("| {} | {ids} |", difference.code);
            assert!(
                rows.iter().any(|row| row.starts_with(&prefix)),
                "README has no row `{prefix}`"
            );
        }
    }

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
