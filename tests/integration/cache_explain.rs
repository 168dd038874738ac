//! Integration tests: after a build, the `cache:` line says why the builder's cache missed,
//! on the classic builder (Docker 20.10) and on BuildKit (Docker 26.1).

use crate::harness::{self, run, Images, Output, Sandbox, BASE_IMAGE, ENGINE26_HOST, ENGINE_HOST};

/// The engine at `host`, with the builder to ask for.
struct Engine {
    host: &'static str,
    builder: &'static str,
}

const ENGINES: [Engine; 2] = [
    Engine {
        host: ENGINE_HOST,
        builder: "classic",
    },
    Engine {
        host: ENGINE26_HOST,
        builder: "buildkit",
    },
];

/// What a build with no record to compare with says.
const FIRST_BUILD: &str = "cache: no earlier build of this context, Dockerfile and target on \
                           this daemon is recorded: nothing to compare with yet";

/// Both engines, ready.
fn engines() -> &'static [Engine] {
    harness::engine();
    harness::engine26();
    &ENGINES
}

/// `docker-rbuild -H HOST build --builder BUILDER`.
fn rbuild_command(sandbox: &Sandbox, engine: &Engine) -> std::process::Command {
    let mut command = sandbox.rbuild();
    command.args(["-H", engine.host, "build", "--builder", engine.builder]);
    command
}

fn rbuild(sandbox: &Sandbox, engine: &Engine, args: &[&str]) -> Output {
    let out = run(rbuild_command(sandbox, engine).args(args));
    assert_eq!(
        out.code, 0,
        "{}: stdout:\n{}\nstderr:\n{}",
        engine.builder, out.stdout, out.stderr
    );
    out
}

/// One test's context directory and image on one engine.
struct Case {
    engine: &'static Engine,
    sandbox: Sandbox,
    images: Images,
    tag: String,
}

impl Case {
    fn new(engine: &'static Engine, what: &str) -> Case {
        let mut images = Images::on_host("cache-explain", engine.host);
        let tag = images.name(what, engine.builder);
        Case {
            engine,
            sandbox: Sandbox::new(),
            images,
            tag,
        }
    }

    /// Builds the context directory into the case's image, with `args` and plain progress
    /// unless `args` choose another.
    fn build(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        if !args.iter().any(|arg| arg.starts_with("--progress")) {
            all.push("--progress=plain");
        }
        all.extend(["-t", &self.tag, "."]);
        rbuild(&self.sandbox, self.engine, &all)
    }
}

/// The `cache:` lines of a build's stderr.
fn cache_lines(out: &Output) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|line| line.starts_with("cache: "))
        .collect()
}

/// A project whose steps are this process's own, so that no earlier test run shares its cache.
fn project(sandbox: &Sandbox, base: &str) {
    let marker = format!("cache-explain-{}", std::process::id());
    sandbox.write(
        "Dockerfile",
        format!(
            "FROM {base}\n\
             ARG MODE=dev\n\
             COPY package.json /app/\n\
             COPY src /app/src\n\
             RUN cat /app/src/app.js > /out && echo {marker} $MODE >> /out\n\
             CMD [\"cat\", \"/out\"]\n"
        ),
    );
    sandbox.write("package.json", "{}\n");
    sandbox.write("src/app.js", "console.log('one')\n");
    // The builders' COPY cache goes by content: this process's own, so that no earlier run
    // of the tests supplies a step from its cache.
    sandbox.write("src/util.js", format!("// {marker}\n"));
}

#[test]
fn a_first_build_an_unchanged_rebuild_and_a_changed_copied_file() {
    for engine in engines() {
        let case = Case::new(engine, "files");
        project(&case.sandbox, BASE_IMAGE);
        let first = case.build(&[]);
        assert_eq!(cache_lines(&first), [FIRST_BUILD], "{}", engine.builder);
        let again = case.build(&[]);
        let steps = match engine.builder {
            "classic" => 6,
            _ => 4,
        };
        assert_eq!(
            cache_lines(&again),
            [format!(
                "cache: all {steps} steps were taken from the cache or need none"
            )],
            "{}",
            engine.builder
        );

        case.sandbox.write("src/app.js", "console.log('two')\n");
        case.sandbox.write("src/new.js", "// new\n");
        let changed = case.build(&[]);
        let (step, after) = match engine.builder {
            "classic" => ("4/6", "steps 5-6 re-ran after it"),
            _ => ("[3/4]", "step 4 re-ran after it"),
        };
        let lines = cache_lines(&changed);
        assert_eq!(lines.len(), 1, "{}: {lines:?}", engine.builder);
        let expected_start = format!("cache: step {step} COPY src /app/src re-ran (");
        assert!(lines[0].starts_with(&expected_start), "{lines:?}");
        assert!(
            lines[0].contains("): 2 files changed (modified: src/app.js; added: src/new.js); "),
            "{lines:?}"
        );
        assert!(lines[0].contains(after), "{lines:?}");
    }
}

#[test]
fn a_changed_build_arg_is_named_with_both_values() {
    for engine in engines() {
        let case = Case::new(engine, "arg");
        project(&case.sandbox, BASE_IMAGE);
        case.build(&[]);
        let prod = case.build(&["--build-arg", "MODE=prod"]);
        let lines = cache_lines(&prod);
        let step = match engine.builder {
            "classic" => "5/6 RUN",
            _ => "[4/4] RUN",
        };
        assert_eq!(lines.len(), 1, "{}: {lines:?}", engine.builder);
        assert!(
            lines[0].starts_with(&format!("cache: step {step} cat /app/src/app.js")),
            "{lines:?}"
        );
        assert!(
            lines[0].contains(r#": build arg changed: MODE "dev" -> "prod"; "#),
            "{lines:?}"
        );
    }
}

#[test]
fn a_retagged_base_image_is_named() {
    for engine in engines() {
        let mut case = Case::new(engine, "app");
        let base = case.images.name("base", engine.builder);
        let sandbox = &case.sandbox;
        // Two bases with different layers (a label alone would not change BuildKit's key).
        for variant in ["one", "two"] {
            let dir = sandbox.work().join(format!("base-{variant}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("Dockerfile"),
                format!(
                    "FROM {BASE_IMAGE}\nRUN echo {variant} {} > /variant\n",
                    std::process::id()
                ),
            )
            .unwrap();
        }
        let base_one = rbuild(sandbox, engine, &["-q", "-t", &base, "base-one"]);
        project(sandbox, &base);
        case.build(&[]);
        let base_two = rbuild(sandbox, engine, &["-q", "-t", &base, "base-two"]);
        let rebuilt = case.build(&[]);
        let lines = cache_lines(&rebuilt);
        let short = |out: &Output| out.stdout.trim().trim_start_matches("sha256:")[..12].to_owned();
        assert_eq!(lines.len(), 1, "{}: {lines:?}", engine.builder);
        assert!(
            lines[0].contains(&format!(
                ": the base image {base} changed ({} -> {}); ",
                short(&base_one),
                short(&base_two)
            )),
            "{}: {lines:?}",
            engine.builder
        );
    }
}

#[test]
fn no_cache_quiet_and_rawjson() {
    for engine in engines() {
        let case = Case::new(engine, "modes");
        project(&case.sandbox, BASE_IMAGE);
        let uncached = case.build(&["--no-cache"]);
        assert_eq!(
            cache_lines(&uncached),
            ["cache: --no-cache: every step ran without the cache, nothing to explain"]
        );

        let quiet = case.build(&["--progress=quiet"]);
        assert!(quiet.stdout.starts_with("sha256:"), "{quiet:?}");
        assert_eq!(quiet.stdout.lines().count(), 1, "{quiet:?}");
        assert!(!quiet.stderr.contains("cache:"), "{quiet:?}");

        case.sandbox.write(
            "src/util.js",
            format!("// changed in {}\n", std::process::id()),
        );
        let raw = case.build(&["--progress=rawjson"]);
        assert!(!raw.stderr.contains("cache:"), "{raw:?}");
        let last: serde_json::Value =
            serde_json::from_str(raw.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(last["id"], "rbuild.cache", "{last}");
        let explained = &last["aux"];
        assert_eq!(explained["status"], "missed", "{explained}");
        assert_eq!(explained["change"]["kind"], "files", "{explained}");
        assert_eq!(
            explained["change"]["modified"],
            serde_json::json!(["src/util.js"])
        );
        assert_eq!(explained["step"]["instruction"], "COPY src /app/src");
        assert!(explained["after"]["seconds"].as_f64().unwrap() >= 0.0);
        assert!(explained["message"]
            .as_str()
            .unwrap()
            .starts_with("cache: step "));
    }
}

#[test]
fn a_whole_context_copy_before_an_install_points_at_rb301() {
    for engine in engines() {
        let case = Case::new(engine, "rb301");
        let sandbox = &case.sandbox;
        sandbox.write(
            "Dockerfile",
            format!(
                "FROM {BASE_IMAGE}\n\
                 WORKDIR /app\n\
                 COPY . .\n\
                 RUN npm ci || echo {} no npm here\n",
                std::process::id()
            ),
        );
        sandbox.write("package.json", "{}\n");
        sandbox.write("server.js", "// one\n");
        case.build(&[]);
        sandbox.write("server.js", "// two\n");
        let source_edit = case.build(&[]);
        let lines = cache_lines(&source_edit);
        assert_eq!(lines.len(), 2, "{}: {lines:?}", engine.builder);
        assert!(lines[0].contains("(modified: server.js)"), "{lines:?}");
        assert!(lines[1].contains("(RB301, "), "{lines:?}");

        // A manifest changed: the install had to run anyway.
        sandbox.write("package.json", "{\"name\": \"x\"}\n");
        let manifest_edit = case.build(&[]);
        let lines = cache_lines(&manifest_edit);
        assert_eq!(lines.len(), 1, "{}: {lines:?}", engine.builder);
        assert!(lines[0].contains("(modified: package.json)"), "{lines:?}");
    }
}

#[test]
fn a_damaged_record_or_an_unusable_store_never_fails_the_build() {
    for engine in engines() {
        let case = Case::new(engine, "store");
        project(&case.sandbox, BASE_IMAGE);
        case.build(&[]);
        let records = case.sandbox.home().join(".cache/docker-rbuild/builds");
        let mut damaged = 0;
        for entry in std::fs::read_dir(&records).unwrap() {
            std::fs::write(entry.unwrap().path(), "{ not a record").unwrap();
            damaged += 1;
        }
        assert_eq!(damaged, 1, "one record per build key");
        let after_damage = case.build(&[]);
        assert_eq!(cache_lines(&after_damage), [FIRST_BUILD]);

        // The cache directory is a file: one warning, and the build succeeds.
        let blocker = case.sandbox.write("not-a-directory", "x");
        let out = run(rbuild_command(&case.sandbox, engine)
            .env("XDG_CACHE_HOME", &blocker)
            .args(["--progress=plain", "-t", &case.tag, "."]));
        assert_eq!(out.code, 0, "{}: {out:?}", engine.builder);
        let warnings: Vec<&str> = out
            .stderr
            .lines()
            .filter(|line| line.starts_with("warning: the build record store"))
            .collect();
        assert_eq!(
            warnings,
            [format!(
                "warning: the build record store {}/docker-rbuild/builds cannot be used (Not a \
                 directory); cache misses are not explained",
                blocker.display()
            )]
        );
        assert!(cache_lines(&out).is_empty(), "{out:?}");

        // --no-explain-cache: nothing read, nothing written.
        let off = case.build(&["--no-explain-cache"]);
        assert!(cache_lines(&off).is_empty(), "{off:?}");
    }
}
