//! What the package-manager and RUN-script rules (RB4xx, RB6xx) share: the commands of each
//! RUN, options that take values, cache mounts, and which stages end up in the image.

use crate::rule::Check;
use crate::script::Command;
use crate::syntax::{Dockerfile, Instruction, Keyword};

use super::support::stage_matches;

/// A RUN instruction, or the RUN an ONBUILD holds, with the simple commands it runs.
pub struct Run<'a> {
    /// Index in `Dockerfile::instructions` (of the ONBUILD, for a trigger).
    pub index: usize,
    pub instruction: &'a Instruction,
    pub commands: &'a [Command<'a>],
    /// An ONBUILD trigger: it runs in the builds that use this image as their base.
    pub onbuild: bool,
}

/// Every RUN of the file, ONBUILD triggers included (they run the same commands later, in the
/// image built on this one; their findings point into the ONBUILD line), in order.
pub fn runs<'a, 'f>(check: &'a Check<'f>) -> impl Iterator<Item = Run<'a>> + use<'a, 'f> {
    check
        .dockerfile
        .instructions
        .iter()
        .enumerate()
        .filter_map(|(index, instruction)| {
            let trigger = instruction.onbuild_trigger();
            let run = trigger.unwrap_or(instruction);
            (run.kind == Keyword::Run).then(|| Run {
                index,
                instruction: run,
                commands: check.run_commands(index),
                onbuild: trigger.is_some(),
            })
        })
}

/// The operands of a command after its subcommand, leaving out the values of the options in
/// `value_options` (`-t bookworm-backports`, `--virtual .build-deps`). A `--name=value` word
/// never takes the next word.
pub fn arguments<'a>(command: &'a Command, value_options: &[&str]) -> Vec<&'a str> {
    let mut operands = Vec::new();
    let mut words = command.words.iter().skip(1).map(|w| &**w);
    while let Some(word) = words.next() {
        if word.is_empty() {
            continue;
        }
        if word == "--" {
            operands.extend(words.by_ref());
        } else if word.starts_with('-') {
            if value_options.contains(&word) {
                words.next();
            }
        } else {
            operands.push(word);
        }
    }
    // The first operand is the subcommand (`install`).
    if !operands.is_empty() {
        operands.remove(0);
    }
    operands
}

/// True when the command has one of the `long` options (`--yes`, or `--yes=...`) or a short
/// option cluster (`-qy`) holding one of the `short` letters before any letter in
/// `value_letters` (whose value would be the rest of the cluster).
pub fn has_option(
    command: &Command,
    long: &[&str],
    short: &[char],
    value_letters: &[char],
) -> bool {
    command.words.iter().skip(1).any(|word| {
        if let Some(name) = word.strip_prefix("--") {
            let name = name.split('=').next().unwrap_or(name);
            long.iter().any(|l| l.trim_start_matches("--") == name)
        } else if let Some(cluster) = word.strip_prefix('-') {
            cluster
                .chars()
                .take_while(|c| !value_letters.contains(c))
                .chain(cluster.chars().find(|c| value_letters.contains(c)))
                .any(|c| short.contains(&c))
        } else {
            false
        }
    })
}

/// The first bytes of a table's program names, made at compile time: a rule that looks up every
/// command's program in a table passes over most commands with one lookup of their first byte.
pub struct FirstBytes([bool; 256]);

impl FirstBytes {
    pub const NONE: FirstBytes = FirstBytes([false; 256]);

    /// The set with `name`'s first byte added.
    pub const fn with(mut self, name: &str) -> FirstBytes {
        if let [first, ..] = name.as_bytes() {
            self.0[*first as usize] = true;
        }
        self
    }

    /// Whether `program` may be one of the names.
    pub fn may_start(&self, program: &str) -> bool {
        program
            .as_bytes()
            .first()
            .is_some_and(|&first| self.0[usize::from(first)])
    }
}

/// `pip install` (`pip2`, `pip3`, `pip3.12`) or `python -m pip install` (`python3.12 -m pip`).
pub fn is_pip_install(command: &Command) -> bool {
    let program = command.program();
    // Both forms start with `p`: most commands are told apart by one byte (several rules ask
    // this of every command).
    if !program.starts_with('p') {
        return false;
    }
    let versioned_pip = program
        .strip_prefix("pip")
        .is_some_and(|version| version.chars().all(|c| c.is_ascii_digit() || c == '.'));
    (versioned_pip && command.is(program, &["install"]))
        || (command.program().starts_with("python")
            && command
                .words
                .windows(3)
                .any(|w| w[0] == "-m" && w[1].starts_with("pip") && w[2] == "install"))
}

/// True when `word` is not a literal: it uses a variable or a command substitution.
pub fn is_dynamic(word: &str) -> bool {
    word.contains(['$', '`'])
}

/// True when an operand names a package file or a path rather than a repository package.
pub fn is_local_package(operand: &str) -> bool {
    operand.contains('/')
        || operand.starts_with('.')
        || [
            ".deb", ".rpm", ".apk", ".whl", ".gem", ".tgz", ".tar.gz", ".zip",
        ]
        .iter()
        .any(|ext| operand.ends_with(ext))
}

/// The targets of the RUN's `--mount=type=cache` and `--mount=type=tmpfs` mounts: what they
/// hold never reaches the image.
pub fn cache_mount_targets(instruction: &Instruction) -> Vec<&str> {
    instruction
        .flags_named("mount")
        .filter_map(|flag| {
            let value = flag.value.as_deref()?;
            let fields = || value.split(',').filter_map(|f| f.split_once('='));
            let kind = fields().find(|(k, _)| k.trim() == "type")?.1.trim();
            if kind != "cache" && kind != "tmpfs" {
                return None;
            }
            fields()
                .find(|(k, _)| matches!(k.trim(), "target" | "dst" | "destination"))
                .map(|(_, v)| v.trim().trim_end_matches('/'))
        })
        .collect()
}

/// True when a cache mount of the RUN holds `directory` (the mount is the directory or one
/// of its parents).
pub fn cache_mount_covers(instruction: &Instruction, directory: &str) -> bool {
    cache_mount_targets(instruction).iter().any(|target| {
        !target.is_empty()
            && directory
                .strip_prefix(target)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// For each stage, whether its filesystem ends up in the image: the target stage (the last
/// one without `--target`) and, transitively, the stages it is built FROM. Stages only
/// read by `COPY --from` or not used at all leave no layers behind.
pub fn shipped_stages(check: &Check<'_>) -> Vec<bool> {
    let stages = &check.dockerfile.stages;
    let mut shipped = vec![false; stages.len()];
    let target = match &check.options.target {
        Some(name) => stages.iter().position(|s| stage_matches(s, name)),
        None => stages.len().checked_sub(1),
    };
    let mut current = target;
    while let Some(index) = current {
        if shipped[index] {
            break;
        }
        shipped[index] = true;
        let base = &stages[index].base.value;
        current = stages[..index]
            .iter()
            .rposition(|s| stage_matches(s, base) && s.name.is_some());
    }
    shipped
}

/// True when the stage holding instruction `index` ends up in the image.
pub fn in_shipped_stage(check: &Check<'_>, shipped: &[bool], index: usize) -> bool {
    check
        .dockerfile
        .stage_of(index)
        .is_none_or(|stage| shipped.get(stage.index).copied().unwrap_or(true))
}

/// True when the text between two commands of `source` (the Dockerfile source, or the script
/// the commands were split from) holds a pipe (`|`, not `||`): the first one's output feeds
/// the second.
pub fn pipes_into(source: &str, from: &Command, to: &Command) -> bool {
    let between = source.get(from.span.end..to.span.start).unwrap_or("");
    if !between.contains('|') {
        // Most commands follow `&&`, `;` or a newline: no copy for them.
        return false;
    }
    // Comments between the commands (`# a | b`, Dockerfile comment lines) do not count.
    let operators: String = between
        .lines()
        .map(|line| match line.find('#') {
            Some(hash) if hash == 0 || line[..hash].ends_with([' ', '\t']) => &line[..hash],
            _ => line,
        })
        .collect();
    operators.contains('|') && !operators.contains("||")
}

/// The words of a command as written, with the leading `NAME=value` assignments and
/// wrappers (`sudo`) that [`Command::words`] leaves out. Split at ASCII blanks, as the shell
/// splits (a no-break space is part of a word to it), and without decoding characters.
pub fn written_words<'a>(
    dockerfile: &'a Dockerfile,
    command: &Command,
) -> impl Iterator<Item = &'a str> + Clone {
    dockerfile.text(command.span).split_ascii_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script;

    #[test]
    fn first_bytes_pass_over_programs_no_name_starts_like() {
        const SET: FirstBytes = FirstBytes::NONE.with("apk").with("yum").with("");
        assert!(SET.may_start("apk"));
        assert!(
            SET.may_start("apt-get"),
            "a first byte in common is only a maybe"
        );
        assert!(SET.may_start("yarn"));
        assert!(!SET.may_start("curl"));
        assert!(!SET.may_start(""));
    }

    fn command(text: &str) -> Command<'_> {
        script::split(text, |o| o).remove(0)
    }

    #[test]
    fn arguments_skip_option_values() {
        let c = command("apk add --no-cache --virtual .deps gcc musl-dev");
        assert_eq!(arguments(&c, &["--virtual", "-t"]), vec!["gcc", "musl-dev"]);
        let c = command("apt-get install -t bookworm-backports -y git");
        assert_eq!(arguments(&c, &["-t"]), vec!["git"]);
    }

    #[test]
    fn arguments_skip_redirections_and_empty_words() {
        let c = command("apt-get install -s \"postgresql-jit\" > /dev/null 2>&1");
        assert_eq!(arguments(&c, &[]), vec!["postgresql-jit"]);
        let c = command("apt-get install -y < deps.txt");
        assert!(arguments(&c, &[]).is_empty());
        let c = command("apt-get install -y \\\n git \\\n clang");
        assert_eq!(arguments(&c, &[]), vec!["git", "clang"]);
    }

    #[test]
    fn shipped_stages_follow_the_target_and_its_bases() {
        let dockerfile = crate::syntax::parse(
            "FROM debian:12 AS base\nFROM base AS build\nFROM alpine:3.19 AS tools\nFROM base AS final\nCOPY --from=build /a /a\n",
        )
        .unwrap();
        let mut options = crate::rule::LintOptions::default();
        let shipped =
            |options: &crate::rule::LintOptions| shipped_stages(&Check::new(&dockerfile, options));
        assert_eq!(shipped(&options), vec![true, false, false, true]);
        options.target = Some("build".to_string());
        assert_eq!(shipped(&options), vec![true, true, false, false]);
    }

    #[test]
    fn cache_mounts_cover_their_subdirectories() {
        let dockerfile = crate::syntax::parse(
            "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/ --mount=type=bind,target=/var/cache/apk apt-get update\n",
        )
        .unwrap();
        let run = &dockerfile.instructions[1];
        assert!(cache_mount_covers(run, "/var/lib/apt/lists"));
        assert!(!cache_mount_covers(run, "/var/lib/aptitude"));
        assert!(!cache_mount_covers(run, "/var/cache/apk"));
    }

    #[test]
    fn pipes_ignore_or_lists_and_comments() {
        let script = "a | b; c || d; e # x | y\nf";
        let commands = script::split(script, |o| o);
        let pipe = |i: usize| pipes_into(script, &commands[i], &commands[i + 1]);
        assert_eq!((pipe(0), pipe(2), pipe(4)), (true, false, false));
    }

    #[test]
    fn option_clusters() {
        let c = command("curl -fsSLk https://x");
        assert!(has_option(&c, &["--insecure"], &['k'], &['o']));
        let c = command("curl -fsSLok https://x");
        assert!(!has_option(&c, &["--insecure"], &['k'], &['o']));
        let c = command("apt-get install --yes=true x");
        assert!(has_option(&c, &["--yes"], &['y'], &[]));
    }
}
