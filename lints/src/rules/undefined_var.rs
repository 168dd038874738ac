//! RB510: an instruction uses a variable that no ARG or ENV defines.

use rpds::RedBlackTreeSet;

use crate::diagnostic::{Finding, Severity};
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};
use crate::shell::{Env, Lexer};
use crate::suggest;
use crate::syntax::{Arguments, Dockerfile, Instruction, Keyword, Span, Stage, Word};

use super::support::{earlier_stage, stage_instructions, PROXY_ARGS};

/// The environment of well-known base images (from their published configuration), so that
/// their variables count as defined. Images not listed here have an unknown environment, and
/// their stages are not checked.
const IMAGE_ENVIRONMENTS: &[(&[&str], &[&str])] = &[
    (&["alpine", "debian", "ubuntu", "busybox", "scratch"], &[]),
    (
        &["python", "pypy"],
        &[
            "LANG",
            "GPG_KEY",
            "PYTHON_VERSION",
            "PYTHON_SHA256",
            "PYTHON_PIP_VERSION",
            "PYTHON_SETUPTOOLS_VERSION",
            "PYTHON_GET_PIP_URL",
            "PYTHON_GET_PIP_SHA256",
            "PYPY_VERSION",
        ],
    ),
    (&["node"], &["NODE_VERSION", "YARN_VERSION"]),
    (&["golang"], &["GOLANG_VERSION", "GOPATH", "GOTOOLCHAIN"]),
    (
        &["ruby"],
        &[
            "LANG",
            "RUBY_MAJOR",
            "RUBY_VERSION",
            "RUBY_DOWNLOAD_SHA256",
            "RUBY_DOWNLOAD_URL",
            "GEM_HOME",
            "BUNDLE_SILENCE_ROOT_WARNING",
            "BUNDLE_APP_CONFIG",
        ],
    ),
    (
        &["php"],
        &[
            "PHPIZE_DEPS",
            "PHP_INI_DIR",
            "APACHE_CONFDIR",
            "APACHE_ENVVARS",
            "PHP_CFLAGS",
            "PHP_CPPFLAGS",
            "PHP_LDFLAGS",
            "GPG_KEYS",
            "PHP_VERSION",
            "PHP_URL",
            "PHP_ASC_URL",
            "PHP_SHA256",
        ],
    ),
    (
        &[
            "openjdk",
            "eclipse-temurin",
            "amazoncorretto",
            "ibmjava",
            "sapmachine",
        ],
        &["JAVA_HOME", "JAVA_VERSION", "LANG", "LANGUAGE", "LC_ALL"],
    ),
    (
        &["maven"],
        &[
            "JAVA_HOME",
            "JAVA_VERSION",
            "LANG",
            "LANGUAGE",
            "LC_ALL",
            "MAVEN_HOME",
            "MAVEN_CONFIG",
        ],
    ),
    (
        &["gradle"],
        &[
            "JAVA_HOME",
            "JAVA_VERSION",
            "LANG",
            "LANGUAGE",
            "LC_ALL",
            "GRADLE_HOME",
            "GRADLE_VERSION",
        ],
    ),
    (&["rust"], &["RUSTUP_HOME", "CARGO_HOME", "RUST_VERSION"]),
    (
        &["nginx"],
        &[
            "NGINX_VERSION",
            "NJS_VERSION",
            "NJS_RELEASE",
            "PKG_RELEASE",
            "DYNPKG_RELEASE",
        ],
    ),
    (
        &["httpd"],
        &[
            "HTTPD_PREFIX",
            "HTTPD_VERSION",
            "HTTPD_SHA256",
            "HTTPD_PATCHES",
        ],
    ),
    (
        &["postgres"],
        &["GOSU_VERSION", "LANG", "PG_MAJOR", "PG_VERSION", "PGDATA"],
    ),
    (
        &["redis"],
        &["REDIS_VERSION", "REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA"],
    ),
];

pub static RULE: Rule = Rule {
    code: "RB510",
    name: "undefined-var",
    severity: Severity::Warning,
    severity_reason: "the build works with an empty value: a likely bug (the base image's ENV may still set it)",
    summary: "Variable used but not defined by ARG, ENV or the base image",
    docs: Docs {
        what_it_does: "Checks the variables that instructions expand themselves (COPY, ADD, ENV, RUN's `--mount`, \
ARG defaults, LABEL, WORKDIR, USER, VOLUME, STOPSIGNAL) against what the stage \
defines: its ARGs, its ENVs, those of the stage it is built on, the builder's proxy ARGs, and \
the environment of well-known base images (`python`, `node`, `golang`...). Like the builder, it \
counts the platform ARGs (`TARGETARCH`...) only once the stage declares them, reports \
`${NAME:-default}` too (the default hides a typo as well as an unset value). A name used by \
the ENV that sets it (`ENV A=1 B=$A`) is RB520's finding, which explains it. \
Stages built on other images are not checked, as their environment is unknown without the \
daemon. Shell-form RUN, CMD and ENTRYPOINT are left alone: the shell expands those at run \
time.",
        why_is_this_bad: "An undefined variable silently expands to nothing: `COPY $SRC .` copies the \
whole context, `WORKDIR /opt/$APP` becomes `/opt/`. Most often it is a typo (`$PAHT`), or a \
global ARG used in a stage without being declared again there.",
        example: "FROM alpine AS base\nCOPY $foo .\n",
        use_instead: "FROM alpine AS base\nARG foo\nCOPY $foo .\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("UndefinedVar"),
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM alpine\nENV PATH=$PAHT:/app/bin\n",
            "ARG VERSION=1\nFROM alpine\nLABEL version=$VERSION\n",
            "FROM alpine\nENV B=$A A=1\n",
            "FROM alpine AS base\nFROM base\nWORKDIR /opt/${APP}\n",
            "FROM alpine\nENV A=${UNDEFINED_THING:-x}\n",
            "FROM alpine\nENV LIBS ${LIBS:+$LIBS:}/opt/lib\n",
            "FROM alpine\nENV ARCH=$TARGETARCH\n",
            "FROM alpine\nRUN --mount=type=cache,target=$NOPE true\n",
        ],
        pass: &[
            "FROM python AS base\nARG VERSION=$PYTHON_VERSION\n",
            "FROM alpine AS base\nENV APP=demo\nFROM base\nWORKDIR /opt/${APP}\nRUN echo $UNDEFINED_IN_SHELL\n",
            "FROM alpine\nARG TARGETARCH\nCOPY bin/${TARGETARCH}/app /\nENV PATH=$PATH:/x\n",
            "FROM my/custom-image\nCOPY $FROM_THE_IMAGE /\n",
            "ARG VERSION=1\nFROM alpine\nARG VERSION\nLABEL version=$VERSION\n",
            "FROM alpine\nENV A=1\nENV B=$A\n",
            // RB520's finding.
            "FROM alpine\nENV A=1 B=$A\n",
        ],
    },
    check: Checker::Static(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let dockerfile = check.dockerfile;
    let lexer = Lexer::new(dockerfile.escape);
    // The ENV names each stage ends with; `None` when its base image is unknown.
    let mut final_env: Vec<Option<Names>> = Vec::with_capacity(dockerfile.stages.len());
    for stage in &dockerfile.stages {
        let Some(mut env) = base_environment(dockerfile, stage, &final_env) else {
            final_env.push(None);
            continue;
        };
        let mut args: Vec<String> = Vec::new();
        // The names set so far in the stage, kept up to date as ARG and ENV come.
        let mut defined = env.clone();
        for (_, instruction) in stage_instructions(dockerfile, stage) {
            for word in expanded_words(dockerfile, instruction) {
                for name in undefined_names(&lexer, &word, &defined) {
                    // RB520 reports it, explaining the ENV's expansion.
                    if !set_earlier_in_same_env(instruction, &word, &name) {
                        findings.push(finding(dockerfile, &word, &name, &defined, &args));
                    }
                }
            }
            match instruction.kind {
                Keyword::Arg => {
                    for decl in instruction.arg_decls(0) {
                        defined.insert(decl.name.clone());
                        args.push(decl.name);
                    }
                }
                Keyword::Env => {
                    for pair in instruction.key_values() {
                        defined.insert(pair.key.value.clone());
                        env.insert(pair.key.value.clone());
                    }
                }
                _ => {}
            }
        }
        final_env.push(Some(env));
    }
}

/// Names of variables that are set: the base image's (a table's list, and `PATH`, which the
/// builder gives every image; read in place rather than copied for every stage) and a
/// persistent set of those the Dockerfile sets. A stage built on an earlier one starts from a
/// copy of its names, which costs O(1), so a chain of stages costs O(instructions × log
/// names), not O(stages × names).
#[derive(Clone)]
struct Names {
    image: &'static [&'static str],
    set: RedBlackTreeSet<String>,
}

impl Names {
    fn contains(&self, name: &str) -> bool {
        name == "PATH" || self.image.contains(&name) || self.set.contains(name)
    }

    fn insert(&mut self, name: String) {
        self.set.insert_mut(name);
    }

    /// Every name, sorted and once, as suggestions are looked for among them.
    fn sorted(&self) -> Vec<&str> {
        let mut names: Vec<&str> = std::iter::once("PATH")
            .chain(self.image.iter().copied())
            .chain(self.set.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

impl Env for Names {
    fn get(&self, name: &str) -> Option<&str> {
        // Only whether it is set matters here, not its value.
        self.contains(name).then_some("x")
    }
}

/// The names the stage starts with: its base stage's final ENV names, or a known image's.
fn base_environment(
    dockerfile: &Dockerfile,
    stage: &Stage,
    final_env: &[Option<Names>],
) -> Option<Names> {
    match earlier_stage(dockerfile, &stage.base.value, stage.index) {
        Some(parent) => final_env.get(parent.index)?.clone(),
        None => {
            let repository = repository_path(&stage.base.value)?;
            let (_, env) = IMAGE_ENVIRONMENTS
                .iter()
                .find(|(images, _)| images.contains(&repository.as_str()))?;
            Some(Names {
                image: env,
                set: RedBlackTreeSet::new(),
            })
        }
    }
}

/// `docker.io/library/python:3.12@sha256:...` -> `python`; `None` when it uses variables.
fn repository_path(image: &str) -> Option<String> {
    if image.contains('$') {
        return None;
    }
    let without_digest = image.split('@').next().unwrap_or(image);
    let without_tag = match without_digest.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => without_digest,
    };
    let mut path = without_tag.to_ascii_lowercase();
    if let Some((first, rest)) = path.split_once('/') {
        if first.contains(['.', ':']) || first == "localhost" {
            path = rest.to_string();
        }
    }
    // The official images' per-architecture namespaces hold the same images.
    const ARCHITECTURES: &[&str] = &[
        "amd64/",
        "arm32v5/",
        "arm32v6/",
        "arm32v7/",
        "arm64v8/",
        "i386/",
        "mips64le/",
        "ppc64le/",
        "riscv64/",
        "s390x/",
        "library/",
    ];
    let path = ARCHITECTURES
        .iter()
        .find_map(|prefix| path.strip_prefix(prefix))
        .unwrap_or(&path);
    Some(path.to_string())
}

/// The words of an instruction that the builder expands itself.
fn expanded_words(dockerfile: &Dockerfile, instruction: &Instruction) -> Vec<Word> {
    let words: Vec<&Word> = match instruction.kind {
        // RUN's `--mount=` options (its command is the shell's business).
        Keyword::Run => {
            return instruction
                .flags
                .iter()
                .filter(|flag| flag.name == "mount")
                .filter_map(|flag| {
                    let text = dockerfile.text(flag.span);
                    let at = text.find('=')? + 1;
                    Some(Word {
                        value: text[at..].to_string(),
                        span: Span::new(flag.span.start + at, flag.span.end),
                    })
                })
                .collect();
        }
        Keyword::Copy | Keyword::Add => instruction
            .words()
            .iter()
            .filter(|w| !w.value.starts_with("<<"))
            .collect(),
        // The builder expands EXPOSE too, but its own check leaves EXPOSE alone.
        Keyword::Volume => instruction.words().iter().collect(),
        Keyword::Env => instruction.key_values().iter().map(|p| &p.value).collect(),
        Keyword::Label => instruction
            .key_values()
            .iter()
            .flat_map(|p| [&p.key, &p.value])
            .collect(),
        Keyword::Arg => instruction.words().iter().collect(),
        Keyword::Workdir | Keyword::User | Keyword::Stopsignal => match &instruction.args {
            Arguments::Text(word) => vec![word],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    // Only a word with a `$` names a variable: the others are not copied.
    words
        .into_iter()
        .filter(|word| word.value.contains('$'))
        .cloned()
        .collect()
}

/// Whether an earlier pair of the ENV that holds `word` sets `name`: RB520 reports that mistake
/// (the builder expands the whole ENV before setting any of it) with a message that explains it.
fn set_earlier_in_same_env(instruction: &Instruction, word: &Word, name: &str) -> bool {
    instruction.kind == Keyword::Env
        && instruction
            .key_values()
            .iter()
            .take_while(|pair| pair.value.span != word.span)
            .any(|pair| pair.key.value == name)
}

/// Unset names the word expands, less the proxy ARGs the builder provides.
fn undefined_names(lexer: &Lexer, word: &Word, defined: &Names) -> Vec<String> {
    if !word.value.contains('$') {
        return Vec::new();
    }
    // ARG's `name=default`: only the default is expanded.
    let text = word.value.as_str();
    let Ok(expansion) = lexer.expand_word(text, defined) else {
        return Vec::new(); // malformed words are other rules' business
    };
    expansion
        .unset
        .into_iter()
        .filter(|name| {
            !PROXY_ARGS.contains(&name.as_str())
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        })
        .collect()
}

fn finding(
    dockerfile: &Dockerfile,
    word: &Word,
    name: &str,
    defined: &Names,
    args: &[String],
) -> Finding {
    let mut finding = Finding::new(
        variable_span(dockerfile, word, name),
        format!("`${name}` is not defined here, so it expands to an empty string"),
    );
    let global = dockerfile.global_args.iter().any(|a| a.name == name);
    finding = if global && !args.iter().any(|a| a == name) {
        finding.with_help(format!(
            "`{name}` is declared before the first FROM: declare it again in this stage with `ARG {name}` to use it"
        ))
    } else if let Some(close) = suggest::closest(name, defined.sorted()) {
        finding.with_help(format!("did you mean `${close}`?"))
    } else {
        finding.with_help(format!(
            "declare it first with `ARG {name}` or `ENV {name}=...`"
        ))
    };
    finding
}

/// Where `name` is used inside the word (`${NAME}`, `${NAME...`, `$NAME`), or the whole word.
fn variable_span(dockerfile: &Dockerfile, word: &Word, name: &str) -> Span {
    let text = dockerfile.text(word.span);
    [
        format!("${{{name}}}"),
        format!("${{{name}"),
        format!("${name}"),
    ]
    .iter()
    .find_map(|needle| text.find(needle.as_str()).map(|at| (at, needle.len())))
    .map_or(word.span, |(at, len)| {
        Span::new(word.span.start + at, word.span.start + at + len)
    })
}
