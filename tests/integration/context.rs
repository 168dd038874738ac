//! Integration tests: context conformance. For each tree, the files an image sees after
//! `COPY . /ctx` must be the same whether `docker-rbuild build` or the real `docker build`
//! (the docker CLI with the classic builder, on the same engine) sent the context.
//!
//! Every build here runs with `--no-cache`: two tests building the same content would otherwise
//! share the cached image, and the first to remove its tag deletes the image under the other's
//! build ("unable to find image sha256:..." at COPY, seen in a full test run).

use std::fs::File;
use std::path::Path;
use std::process::Stdio;

use crate::harness::{self, run, Output, Sandbox, BASE_IMAGE};

/// A context tree to compare.
#[derive(Default)]
struct Tree<'a> {
    /// Files (path, content); a path ending in `/` is an empty directory.
    files: &'a [(&'a str, &'a str)],
    /// Symlinks (path, target).
    symlinks: &'a [(&'a str, &'a str)],
    /// The `-f` value, relative to the work directory; `None` uses `ctx/Dockerfile`; `-` feeds
    /// [`COPY_ALL`] on stdin.
    dockerfile: Option<&'a str>,
}

/// Removes the test's images on drop, also when an assertion fails.
struct Images<'a> {
    sandbox: &'a Sandbox,
    names: Vec<String>,
}

impl Drop for Images<'_> {
    fn drop(&mut self) {
        let _ = self
            .sandbox
            .command("docker")
            .arg("rmi")
            .arg("-f")
            .args(&self.names)
            .output();
    }
}

const COPY_ALL: &str = "FROM rbuild-test/busybox:static\nCOPY . /ctx\n";

fn write_tree(root: &Path, tree: &Tree) {
    for (path, content) in tree.files {
        let full = root.join(path);
        if path.ends_with('/') {
            std::fs::create_dir_all(&full).unwrap();
        } else {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, content).unwrap();
        }
    }
    for (path, target) in tree.symlinks {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, full).unwrap();
    }
}

fn assert_success(what: &str, out: &Output) {
    assert_eq!(
        out.code, 0,
        "{what} failed\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
}

/// `find /ctx` in the image (every path, then the symlinks alone), sorted; one container
/// lists both.
fn listing(sandbox: &Sandbox, image: &str) -> (Vec<String>, Vec<String>) {
    let out = run(sandbox.command("docker").args([
        "run",
        "--rm",
        image,
        "sh",
        "-c",
        "find /ctx && echo && find /ctx -type l",
    ]));
    assert_success("docker run find", &out);
    let (all, links) = out
        .stdout
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("two listings: {out:?}"));
    let sorted = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    (sorted(all), sorted(links))
}

/// Builds `ctx/` (or the reference tree `reference/` for docker, when the per-Dockerfile
/// ignore file must be emulated) with both tools and compares what the images see.
fn assert_same_context(case: &str, tree: Tree, reference_ignore: Option<&str>) {
    harness::engine();
    let sandbox = Sandbox::new();
    let ours = format!("rbuild-test-context-{case}-ours-{}", std::process::id());
    let theirs = format!("rbuild-test-context-{case}-docker-{}", std::process::id());
    let _images = Images {
        sandbox: &sandbox,
        names: vec![ours.clone(), theirs.clone()],
    };
    let work = sandbox.work();
    write_tree(&work.join("ctx"), &tree);
    if tree.dockerfile.is_none() {
        sandbox.write("ctx/Dockerfile", COPY_ALL);
    }
    let mut file_args: Vec<&str> = tree.dockerfile.map(|f| vec!["-f", f]).unwrap_or_default();
    let stdin_dockerfile = sandbox.write("stdin.Dockerfile", COPY_ALL);
    let stdin = || match tree.dockerfile {
        Some("-") => Stdio::from(File::open(&stdin_dockerfile).unwrap()),
        _ => Stdio::null(),
    };

    let out = run(sandbox
        .rbuild()
        .args(["build", "--no-cache", "--progress=plain", "-t", &ours])
        .args(&file_args)
        .arg("ctx")
        .stdin(stdin()));
    assert_success("docker-rbuild build", &out);

    // The classic builder of the docker CLI reads only the root `.dockerignore`; a
    // per-Dockerfile ignore file is checked against a copy whose root file has its patterns.
    let reference_dir = match reference_ignore {
        Some(patterns) => {
            write_tree(&work.join("reference"), &tree);
            std::fs::write(work.join("reference/.dockerignore"), patterns).unwrap();
            file_args = file_args
                .iter()
                .map(|&arg| {
                    if arg.starts_with("ctx/") {
                        "reference/Dockerfile.custom"
                    } else {
                        arg
                    }
                })
                .collect();
            "reference"
        }
        None => "ctx",
    };
    let out = run(sandbox
        .command("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "--no-cache", "-q", "-t", &theirs])
        .args(&file_args)
        .arg(reference_dir)
        .stdin(stdin()));
    assert_success("docker build", &out);

    let (our_files, our_links) = listing(&sandbox, &ours);
    let (their_files, their_links) = listing(&sandbox, &theirs);
    assert_eq!(our_files, their_files, "file lists differ for {case}");
    assert_eq!(our_links, their_links, "symlinks differ for {case}");
}

#[test]
fn ignored_files_match_docker() {
    assert_same_context(
        "ignored",
        Tree {
            files: &[
                (
                    ".dockerignore",
                    "# build output\n*.log\ntmp/\n  secrets.txt  \n/abs.txt\n",
                ),
                ("app.log", "x"),
                ("sub/app.log", "kept: `*` does not cross directories"),
                ("tmp/a", "x"),
                ("secrets.txt", "x"),
                ("abs.txt", "x"),
                ("# build output", "kept: comments are not patterns"),
                ("src/main.c", "x"),
            ],
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn exceptions_match_docker() {
    assert_same_context(
        "exceptions",
        Tree {
            files: &[
                (".dockerignore", "*.md\n!README.md\ndocs\n!docs/keep.md\nlib/*\n!lib/keep\n*.txt\n!*.txt\nCHANGES.md\n"),
                ("README.md", "x"),
                ("NOTES.md", "x"),
                ("CHANGES.md", "x"),
                ("docs/keep.md", "x"),
                ("docs/drop.md", "x"),
                ("docs/sub/deep.md", "x"),
                ("lib/keep/a", "x"),
                ("lib/drop/a", "x"),
                ("notes.txt", "x"),
            ],
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn double_star_patterns_match_docker() {
    assert_same_context(
        "doublestar",
        Tree {
            files: &[
                (
                    ".dockerignore",
                    "**/*.tmp\n**/cache\nbuild/**\nsrc/**/gen\n**.bak\n",
                ),
                ("x.tmp", "x"),
                ("a/b/c/y.tmp", "x"),
                ("a/cache/z", "x"),
                ("cache", "x"),
                ("build/out/bin", "x"),
                ("build/", ""),
                ("src/gen/a", "x"),
                ("src/a/b/gen/c", "x"),
                ("src/keep.c", "x"),
                ("deep/file.bak", "x"),
                ("deep/file.bakery", "x"),
            ],
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn nested_ignored_directories_match_docker() {
    assert_same_context(
        "nested",
        Tree {
            files: &[
                (
                    ".dockerignore",
                    "node_modules\na/b\n!a/b/c/keep\nvendor\n!**/wanted\n",
                ),
                ("node_modules/x/y/z.js", "x"),
                ("node_modules/.bin/", ""),
                ("a/b/c/keep", "x"),
                ("a/b/c/drop", "x"),
                ("a/b/d/e", "x"),
                ("a/other", "x"),
                (
                    "vendor/lib/wanted",
                    "docker does not walk into vendor for `**/wanted`",
                ),
                ("src/wanted", "x"),
            ],
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn symlinks_match_docker() {
    assert_same_context(
        "symlinks",
        Tree {
            files: &[(".dockerignore", "ignored-link\n"), ("real/file", "x")],
            symlinks: &[
                ("to-file", "real/file"),
                ("to-dir", "real"),
                ("dangling", "does/not/exist"),
                ("absolute", "/etc/passwd"),
                ("ignored-link", "real/file"),
            ],
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn empty_directories_match_docker() {
    assert_same_context(
        "emptydirs",
        Tree {
            files: &[
                (".dockerignore", "skipped-empty\n"),
                ("empty/", ""),
                ("nested/empty/too/", ""),
                ("skipped-empty/", ""),
            ],
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn ignored_dockerfile_and_ignore_file_match_docker() {
    // Both are sent anyway; the daemon reads them and then drops them from the context.
    assert_same_context(
        "selfignored",
        Tree {
            files: &[
                (".dockerignore", "Dockerfile\n.dockerignore\n*\n!keep\n"),
                ("keep", "x"),
                ("drop", "x"),
            ],
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn a_dockerfile_outside_the_context_matches_docker() {
    assert_same_context(
        "outside",
        Tree {
            files: &[
                (".dockerignore", "*.tmp\n"),
                ("a.tmp", "x"),
                ("b", "x"),
                ("../Dockerfile.outside", COPY_ALL),
            ],
            dockerfile: Some("Dockerfile.outside"),
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn a_dockerfile_on_stdin_matches_docker() {
    assert_same_context(
        "stdindockerfile",
        Tree {
            files: &[(".dockerignore", "*.tmp\n"), ("a.tmp", "x"), ("b", "x")],
            dockerfile: Some("-"),
            ..Tree::default()
        },
        None,
    );
}

#[test]
fn a_per_dockerfile_ignore_file_replaces_the_root_one() {
    let specific = "secret\ncache/\n";
    assert_same_context(
        "perdockerfile",
        Tree {
            files: &[
                (".dockerignore", "public\n"),
                ("Dockerfile.custom", COPY_ALL),
                ("Dockerfile.custom.dockerignore", specific),
                ("secret", "x"),
                ("public", "x"),
                ("cache/a", "x"),
            ],
            dockerfile: Some("ctx/Dockerfile.custom"),
            ..Tree::default()
        },
        Some(specific),
    );
}

#[test]
fn a_stdin_tar_and_a_stdin_dockerfile_build() {
    harness::engine();
    let sandbox = Sandbox::new();
    let tag = format!("rbuild-test-context-stdin-{}", std::process::id());
    let _images = Images {
        sandbox: &sandbox,
        names: vec![tag.clone()],
    };
    sandbox.write(
        "src/Dockerfile",
        format!("FROM {BASE_IMAGE}\nCOPY . /ctx\n"),
    );
    sandbox.write("src/data/file", "x");
    let out = run(sandbox
        .command("tar")
        .args(["-czf", "context.tar.gz", "-C", "src", "."]));
    assert_success("tar", &out);
    let archive = std::fs::File::open(sandbox.work().join("context.tar.gz")).unwrap();
    let out = run(sandbox
        .rbuild()
        .args(["build", "--no-cache", "--progress=plain", "-t", &tag, "-"])
        .stdin(archive));
    assert_success("build from a gzip tar on stdin", &out);
    let (files, _) = listing(&sandbox, &tag);
    assert!(files.contains(&"/ctx/data/file".to_string()), "{files:?}");

    let dockerfile = sandbox.write(
        "only/Dockerfile",
        format!("FROM {BASE_IMAGE}\nRUN echo ok > /marker\n"),
    );
    let out = run(sandbox
        .rbuild()
        .args(["build", "--no-cache", "--progress=plain", "-t", &tag, "-"])
        .stdin(std::fs::File::open(dockerfile).unwrap()));
    assert_success("build from a Dockerfile on stdin", &out);
}

#[test]
fn a_git_url_context_is_cloned_with_git() {
    harness::engine();
    let sandbox = Sandbox::new();
    let tag = format!("rbuild-test-context-git-{}", std::process::id());
    let _images = Images {
        sandbox: &sandbox,
        names: vec![tag.clone()],
    };
    let repo = sandbox.work().join("upstream");
    sandbox.write("upstream/app/Dockerfile", COPY_ALL);
    sandbox.write("upstream/app/from-git", "x");
    for args in [
        &["init", "--quiet", "--initial-branch=main"][..],
        &["add", "."],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "--quiet",
            "-m",
            "one",
        ],
    ] {
        let out = run(sandbox.command("git").current_dir(&repo).args(args));
        assert_success("git", &out);
    }
    // git's own URL rewriting points the https URL at the local repository: no network needed.
    let out = run(sandbox
        .rbuild()
        .env("GIT_CONFIG_COUNT", "1")
        .env(
            "GIT_CONFIG_KEY_0",
            format!("url.file://{}.insteadOf", repo.display()),
        )
        .env(
            "GIT_CONFIG_VALUE_0",
            "https://git.example.invalid/upstream.git",
        )
        .args(["build", "--no-cache", "--progress=plain", "-t", &tag])
        .arg("https://git.example.invalid/upstream.git#main:app"));
    assert_success("build from a git URL", &out);
    let (files, _) = listing(&sandbox, &tag);
    assert!(files.contains(&"/ctx/from-git".to_string()), "{files:?}");
}

#[test]
fn context_input_errors_exit_2() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.rbuild().args(["build", "missing-dir"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("path \"missing-dir\" not found"),
        "{}",
        out.stderr
    );

    let out = run(sandbox
        .rbuild()
        .args(["build", "https://example.com/context.tar.gz"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not supported"), "{}", out.stderr);

    sandbox.write("bad/Dockerfile", COPY_ALL);
    sandbox.write("bad/.dockerignore", "fine\n  [unclosed\n");
    let out = run(sandbox.rbuild().args(["build", "bad"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(".dockerignore:2:3: invalid pattern `[unclosed`"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);

    let out = run(sandbox.rbuild().args(["build", "-f", "-", "-"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("both the build context and the Dockerfile"),
        "{}",
        out.stderr
    );
}

#[test]
fn docker_matcher_quirks_match_docker() {
    // `**foo` is a plain suffix test; `x` is never evaluated for `x` itself (already excluded by
    // `*`), so `x/keep` stays in; a class and an escape.
    assert_same_context(
        "quirks",
        Tree {
            files: &[
                (
                    ".dockerignore",
                    "*\n!x/keep\nx\n!barfoo\n!bar\n**foo\n![ab]?.txt\n!star\\*\n",
                ),
                ("x/keep", "x"),
                ("x/drop", "x"),
                ("barfoo", "x"),
                ("bar", "x"),
                ("a1.txt", "x"),
                ("c1.txt", "x"),
                ("star*", "x"),
            ],
            ..Tree::default()
        },
        None,
    );
}
