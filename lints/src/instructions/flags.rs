//! Instruction flags as the builder reads them: which flags each instruction takes, their
//! kinds, and the mistakes it rejects (unknown, repeated, missing or non-boolean values).

use crate::suggest;
use crate::syntax::{Flag, Instruction, Keyword};

use super::Problem;

/// How a flag takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `--link`, `--link=true`, `--link=false` (any case); `--link=` is missing its value.
    Bool,
    /// `--from=VALUE` (empty allowed, `=` required); given at most once.
    String,
    /// `--mount=VALUE`, repeatable.
    Strings,
}

/// The flags an instruction takes, or `None` when the builder does not read its flags at all
/// (ARG, STOPSIGNAL and `HEALTHCHECK NONE` ignore whatever flags they are given).
pub(super) fn accepted(instruction: &Instruction) -> Option<&'static [(&'static str, Kind)]> {
    use Kind::{Bool, String, Strings};
    Some(match instruction.kind {
        Keyword::Add => &[
            ("chown", String),
            ("chmod", String),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", String),
            ("unpack", Bool),
            ("exclude", Strings),
        ],
        Keyword::Copy => &[
            ("chown", String),
            ("from", String),
            ("chmod", String),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", Strings),
        ],
        Keyword::From => &[("platform", String)],
        Keyword::Run => &[
            ("mount", Strings),
            ("network", String),
            ("security", String),
            ("device", Strings),
        ],
        Keyword::Healthcheck if is_healthcheck_none(instruction) => return None,
        Keyword::Healthcheck => &[
            ("interval", String),
            ("timeout", String),
            ("start-period", String),
            ("start-interval", String),
            ("retries", String),
        ],
        Keyword::Arg | Keyword::Stopsignal => return None,
        _ => &[],
    })
}

fn is_healthcheck_none(instruction: &Instruction) -> bool {
    instruction
        .healthcheck()
        .is_some_and(|h| h.kind.value.eq_ignore_ascii_case("none"))
}

/// The first flag mistake of `instruction`, in flag order, as the builder stops at the first.
pub(super) fn check(instruction: &Instruction) -> Option<Problem> {
    let accepted = accepted(instruction)?;
    let keyword = instruction.kind.as_str();
    let mut seen: Vec<&str> = Vec::new();
    for flag in &instruction.flags {
        // A lone `--` ends the flags.
        if flag.name.is_empty() && flag.value.is_none() {
            return None;
        }
        let Some(&(_, kind)) = accepted.iter().find(|(name, _)| *name == flag.name) else {
            return Some(unknown_flag(keyword, flag, accepted));
        };
        if kind != Kind::Strings && seen.contains(&flag.name.as_str()) {
            return Some(Problem::new(
                flag.span,
                format!("`--{}` is given twice; {keyword} takes it once", flag.name),
            ));
        }
        seen.push(&flag.name);
        let missing_value = match kind {
            Kind::Bool => flag.value.as_deref() == Some(""),
            Kind::String | Kind::Strings => flag.value.is_none(),
        };
        if missing_value {
            let help = match kind {
                Kind::Bool => format!("write `--{0}` or `--{0}=false`", flag.name),
                _ => format!("write it as `--{}=VALUE`, with `=`", flag.name),
            };
            return Some(
                Problem::new(flag.span, format!("`--{}` has no value", flag.name)).help(help),
            );
        }
        if kind == Kind::Bool {
            let value = flag.value.as_deref().unwrap_or("true");
            if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") {
                return Some(
                    Problem::new(
                        flag.span,
                        format!("`--{}` takes true or false, not `{value}`", flag.name),
                    )
                    .help(format!("write `--{0}` or `--{0}=false`", flag.name)),
                );
            }
        }
    }
    None
}

fn unknown_flag(keyword: &str, flag: &Flag, accepted: &[(&'static str, Kind)]) -> Problem {
    let problem = Problem::new(
        flag.span,
        format!("{keyword} has no flag `--{}`", flag.name),
    );
    let close = suggest::closest(&flag.name, accepted.iter().map(|(name, _)| *name));
    match (close, accepted.is_empty()) {
        (Some(close), _) if close.eq_ignore_ascii_case(&flag.name) => {
            problem.help(format!("flag names are case-sensitive: write `--{close}`"))
        }
        (Some(close), _) => problem.help(format!("did you mean `--{close}`?")),
        (None, true) => problem.help(format!("{keyword} takes no flags")),
        (None, false) => problem.help(format!(
            "{keyword} takes {}",
            accepted
                .iter()
                .map(|(name, _)| format!("`--{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
