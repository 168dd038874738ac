//! What several rules need: base-image expansion, stage lookups, and reading COPY sources.

use std::collections::BTreeMap;

use crate::rule::Check;
use crate::shell::{Env, ExpandError, Expansion, Lexer};
use crate::syntax::{Dockerfile, Instruction, Keyword, Stage, Word};

/// ARGs the builder defines for every FROM line without a declaration.
pub const AUTOMATIC_PLATFORM_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
];

/// The proxy ARGs the builder accepts without a declaration.
pub const PROXY_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// [`Check::global_arg_values`] for a file and a set of build args.
pub fn global_arg_values_with(
    dockerfile: &Dockerfile,
    build_args: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let lexer = Lexer::new(dockerfile.escape);
    // The builder defines the platform ARGs for FROM lines; the build's own platform stands in.
    let mut values: BTreeMap<String, String> = automatic_platform_values()
        .map(|(name, value)| {
            (
                name.to_string(),
                build_args.get(name).cloned().unwrap_or(value),
            )
        })
        .collect();
    for arg in &dockerfile.global_args {
        let value = match build_args.get(&arg.name) {
            Some(given) => Some(given.clone()),
            None => arg.default.as_deref().map(|default| {
                lexer
                    .expand_word(default, &values)
                    .map(|e| e.value)
                    .unwrap_or_default()
            }),
        };
        match value {
            Some(value) => values.insert(arg.name.clone(), value),
            None => values.remove(&arg.name),
        };
    }
    values
}

/// Values of [`AUTOMATIC_PLATFORM_ARGS`] for the machine the linter runs on (Linux, as Docker
/// builds Linux images by default).
fn automatic_platform_values() -> impl Iterator<Item = (&'static str, String)> {
    let architecture = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    AUTOMATIC_PLATFORM_ARGS.iter().map(move |&name| {
        let value = if name.ends_with("PLATFORM") {
            format!("linux/{architecture}")
        } else if name.ends_with("OS") {
            "linux".to_string()
        } else if name.ends_with("ARCH") {
            architecture.to_string()
        } else {
            String::new() // the variant
        };
        (name, value)
    })
}

/// Expands a stage's base image the way the builder does before resolving it.
pub fn expand_base(
    dockerfile: &Dockerfile,
    values: &dyn Env,
    stage: &Stage,
) -> Result<Expansion, ExpandError> {
    Lexer::new(dockerfile.escape).expand_word(&stage.base.value, values)
}

/// The names among `referenced` of ARGs declared before the first FROM without a default: a
/// `--build-arg` must set them.
pub fn args_without_default<'a>(dockerfile: &Dockerfile, referenced: &'a [String]) -> Vec<&'a str> {
    referenced
        .iter()
        .filter(|name| {
            let mut declarations = dockerfile.global_args.iter().filter(|a| &a.name == *name);
            declarations.clone().next().is_some() && declarations.all(|a| a.default.is_none())
        })
        .map(String::as_str)
        .collect()
}

/// True when `name` is one of the stages before `before` (by name, or by index as a number).
/// For each stage, the index of the earlier stage it is built FROM (by [`earlier_stage`]).
/// Rules that follow base chains fill their per-stage answers in stage order from this, since a
/// base always comes first: no chain is walked twice, however many stages there are.
pub fn base_stages(dockerfile: &Dockerfile) -> Vec<Option<usize>> {
    dockerfile
        .stages
        .iter()
        .map(|stage| earlier_stage(dockerfile, &stage.base.value, stage.index).map(|s| s.index))
        .collect()
}

pub fn earlier_stage<'a>(
    dockerfile: &'a Dockerfile,
    name: &str,
    before: usize,
) -> Option<&'a Stage> {
    let index = name.parse::<usize>().ok();
    dockerfile.stages[..before.min(dockerfile.stages.len())]
        .iter()
        .find(|stage| is_stage(stage, name, index))
}

pub fn stage_matches(stage: &Stage, name: &str) -> bool {
    is_stage(stage, name, name.parse().ok())
}

/// Whether `stage` is the one `name` (a stage name in any case, or its index, parsed once by
/// the caller) refers to.
fn is_stage(stage: &Stage, name: &str, index: Option<usize>) -> bool {
    index == Some(stage.index)
        || stage
            .name
            .as_ref()
            .is_some_and(|n| n.value.eq_ignore_ascii_case(name))
}

/// The stage the build produces: `--target`, else the last stage.
pub fn produced_stage<'a>(check: &Check<'a>) -> Option<&'a Stage> {
    match &check.options.target {
        Some(target) => check.dockerfile.stage_named(target),
        None => check.dockerfile.stages.last(),
    }
}

/// The stage names defined anywhere in the file.
pub fn stage_names(dockerfile: &Dockerfile) -> impl Iterator<Item = &str> {
    dockerfile
        .stages
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.value.as_str()))
}

/// Every instruction of the file, an ONBUILD standing for the trigger it holds: the trigger is
/// linted as the instruction it is (its spans lie in the ONBUILD line).
pub fn with_triggers(dockerfile: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    dockerfile
        .instructions
        .iter()
        .map(|instruction| instruction.onbuild_trigger().unwrap_or(instruction))
}

/// The instructions of a stage with their indexes.
pub fn stage_instructions<'a>(
    dockerfile: &'a Dockerfile,
    stage: &Stage,
) -> impl Iterator<Item = (usize, &'a Instruction)> {
    stage
        .instructions
        .clone()
        .map(move |i| (i, &dockerfile.instructions[i]))
}

/// A COPY or ADD that takes files from the build context (not `--from`, not a URL, not a heredoc).
pub fn context_sources(instruction: &Instruction) -> Vec<&Word> {
    if !matches!(instruction.kind, Keyword::Copy | Keyword::Add)
        || instruction.flag("from").is_some()
    {
        return Vec::new();
    }
    let Some((sources, _)) = instruction.sources_and_destination() else {
        return Vec::new();
    };
    sources
        .iter()
        .filter(|w| {
            !w.value.starts_with("<<") && !w.value.contains("://") && !w.value.starts_with("git@")
        })
        .collect()
}

/// A COPY or ADD of the whole context or a whole directory of it (see [`is_broad_source`]).
pub fn is_broad_copy(check: &Check<'_>, instruction: &Instruction) -> bool {
    context_sources(instruction)
        .iter()
        .any(|source| is_broad_source(check, &source.value))
}

/// A source that brings in the whole context or a whole directory of it: `.`, `./`, `*`, `src/`.
pub fn is_broad_source(check: &Check<'_>, source: &str) -> bool {
    let trimmed = source.trim_start_matches("./").trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." || trimmed == "*" || trimmed == "./*" {
        return true;
    }
    if trimmed.contains(['*', '?', '[']) {
        // A glob over names (`*.json`) is narrow; one that takes directories (`src/*`) is broad.
        return trimmed.ends_with("/*");
    }
    // Without the context, a name with no extension that is not a known manifest is most
    // likely a directory (`src`, `app`, `lib`).
    check.context_is_dir(trimmed).unwrap_or_else(|| {
        !trimmed.rsplit('/').next().unwrap_or(trimmed).contains('.') && !is_manifest_name(trimmed)
    })
}

/// Names of files package managers read to resolve dependencies.
pub fn is_manifest_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    DEPENDENCY_MANAGERS
        .iter()
        .flat_map(|m| m.manifests.iter())
        .any(|pattern| glob_match(pattern, name))
}

/// A package manager that installs dependencies from manifest files.
pub struct DependencyManager {
    /// The command that installs, as words: `npm ci` is `["npm", "ci"]`; an empty
    /// subcommand list means any use of the program.
    pub program: &'static str,
    pub subcommands: &'static [&'static str],
    /// File names (simple globs) it reads to know what to install.
    pub manifests: &'static [&'static str],
}

/// The files Gradle (and its wrapper) reads the dependencies from.
const GRADLE_MANIFESTS: &[&str] = &[
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "gradle.properties",
];

pub const DEPENDENCY_MANAGERS: &[DependencyManager] = &[
    DependencyManager {
        program: "npm",
        subcommands: &["install", "i", "ci"],
        manifests: &["package.json", "package-lock.json", "npm-shrinkwrap.json"],
    },
    DependencyManager {
        program: "yarn",
        subcommands: &["install"],
        manifests: &["package.json", "yarn.lock", ".yarnrc.yml"],
    },
    DependencyManager {
        program: "pnpm",
        subcommands: &["install", "i", "fetch"],
        manifests: &["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"],
    },
    DependencyManager {
        program: "pip",
        subcommands: &["install"],
        manifests: &[
            "requirements*.txt",
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
        ],
    },
    DependencyManager {
        program: "pip3",
        subcommands: &["install"],
        manifests: &[
            "requirements*.txt",
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
        ],
    },
    DependencyManager {
        program: "poetry",
        subcommands: &["install"],
        manifests: &["pyproject.toml", "poetry.lock"],
    },
    DependencyManager {
        program: "pipenv",
        subcommands: &["install", "sync"],
        manifests: &["Pipfile", "Pipfile.lock"],
    },
    DependencyManager {
        program: "uv",
        subcommands: &["sync", "pip"],
        manifests: &["pyproject.toml", "uv.lock", "requirements*.txt"],
    },
    DependencyManager {
        program: "bundle",
        subcommands: &["install"],
        manifests: &["Gemfile", "Gemfile.lock", "*.gemspec"],
    },
    DependencyManager {
        program: "composer",
        subcommands: &["install"],
        manifests: &["composer.json", "composer.lock"],
    },
    DependencyManager {
        program: "go",
        subcommands: &["mod", "build", "install"],
        manifests: &["go.mod", "go.sum"],
    },
    DependencyManager {
        program: "cargo",
        subcommands: &["build", "fetch", "install"],
        manifests: &["Cargo.toml", "Cargo.lock"],
    },
    DependencyManager {
        program: "mvn",
        subcommands: &[],
        manifests: &["pom.xml"],
    },
    DependencyManager {
        program: "mvnw",
        subcommands: &[],
        manifests: &["pom.xml", ".mvn"],
    },
    DependencyManager {
        program: "gradle",
        subcommands: &[],
        manifests: GRADLE_MANIFESTS,
    },
    DependencyManager {
        program: "gradlew",
        subcommands: &[],
        manifests: GRADLE_MANIFESTS,
    },
    DependencyManager {
        program: "dotnet",
        subcommands: &["restore", "build", "publish"],
        manifests: &["*.csproj", "*.fsproj", "*.sln", "NuGet.config"],
    },
    DependencyManager {
        program: "mix",
        subcommands: &["deps.get"],
        manifests: &["mix.exs", "mix.lock"],
    },
];

/// Whether `haystack` contains `needle` (lower case) in any ASCII case, without a copy: the
/// places of the needle's first byte (either case) are found with memchr, and only there is
/// the rest compared.
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        &haystack[..=last_start],
    )
    .any(|at| haystack[at + 1..at + needle.len()].eq_ignore_ascii_case(rest))
}

/// The `*`/`?` globs of the manifest table, on one path component. Linear backtracking to the
/// last `*` only: at most pattern length × name length steps, whatever the stars (a recursive
/// match is exponential on `****...`).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    // Where to resume after the last `*`: the pattern after it, and the name it has eaten up to.
    let mut resume: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some(b'*') => {
                pi += 1;
                resume = Some((pi, ni));
            }
            Some(&c) if c == b'?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match resume {
                Some((after_star, eaten)) => {
                    pi = after_star;
                    ni = eaten + 1;
                    resume = Some((after_star, eaten + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The numeric ports of each EXPOSE word (`80`, `80/tcp`, both ends of `8000-8010`); words
/// with variables, host mappings or other text are left out.
pub fn exposed_ports(instruction: &Instruction) -> Vec<(&Word, Vec<u64>)> {
    instruction
        .words()
        .iter()
        .filter_map(|word| {
            let port = word.value.split('/').next().unwrap_or_default();
            let ends: Option<Vec<u64>> = port.split('-').map(|n| n.parse().ok()).collect();
            ends.filter(|ends| !ends.is_empty() && ends.len() <= 2)
                .map(|ends| (word, ends))
        })
        .collect()
}

/// A file name ADD unpacks: a tar archive, compressed or not.
pub fn is_tar_archive(path: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
        ".gz", ".bz2", ".xz", ".zst",
    ];
    let lower = path.to_ascii_lowercase();
    EXTENSIONS
        .iter()
        .any(|extension| lower.ends_with(extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_without_case() {
        for (haystack, needle, expected) in [
            ("--Allow-Untrusted", "allow-untrusted", true),
            (
                "Acquire::https::Verify-Peer=FALSE",
                "verify-peer=false",
                true,
            ),
            ("gpgcheck=1 GPGCHECK=0", "gpgcheck=0", true),
            ("gpgcheck=", "gpgcheck=0", false),
            ("sslverify", "http.sslverify", false),
            ("trusted-hos", "trusted-host", false),
            ("", "", true),
            ("abc", "", true),
            ("ÄTRUSTED=YESÖ", "trusted=yes", true),
        ] {
            assert_eq!(
                contains_ignore_ascii_case(haystack, needle),
                expected,
                "{haystack:?} {needle:?}"
            );
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("requirements*.txt", "requirements-dev.txt"));
        assert!(glob_match("*.csproj", "App.csproj"));
        assert!(!glob_match("package.json", "package.jsonx"));
        assert!(is_manifest_name("./app/package.json"));
        assert!(!is_manifest_name("main.go"));
        assert!(glob_match("a*b?d*", "axxbcdyy"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("?", ""));
        assert!(!glob_match("a*c", "abcb"));
    }

    /// The fuzzer's slow input: `apt-get install -y ****...` against the manifest globs took
    /// seconds with a recursive matcher; this one answers at once.
    #[test]
    fn many_stars_do_not_backtrack_exponentially() {
        let pattern = format!("{}x", "*".repeat(60));
        assert!(!glob_match(&pattern, &"a".repeat(60)));
        assert!(!glob_match("requirements*.txt", &"*".repeat(60)));
        let dockerfile = format!(
            "FROM debian:12\nRUN apt-get install -y {}--no-install-recommends gcc\nCOPY {} /app/\n",
            "*".repeat(55),
            "*".repeat(55)
        );
        let result = crate::linter::lint(
            dockerfile.as_bytes(),
            &crate::rule::LintOptions::default(),
            &crate::linter::RuleSettings::default(),
        );
        assert!(result.dockerfile.is_some());
    }
}
