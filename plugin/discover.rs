//! Finds the Dockerfiles to lint: named files, and Dockerfiles below named directories.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::sync::lock;

/// One input of the lint command.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    /// A regular file when it was found (named, or met in a walk): it is read without asking
    /// what it is first ([`crate::input::read_input`]).
    File(PathBuf),
    /// Standard input, reported under this name.
    Stdin(PathBuf),
}

impl Input {
    /// The name findings are reported under.
    pub fn display_path(&self) -> &Path {
        match self {
            Input::File(path) | Input::Stdin(path) => path,
        }
    }
}

/// What the command-line paths name: the inputs, and one message per path that names nothing
/// lintable (missing, not a regular file, a directory without Dockerfiles), so that the other
/// paths are still linted.
#[derive(Debug, Default)]
pub struct Found {
    pub inputs: Vec<Input>,
    pub problems: Vec<String>,
    /// The directories the walks listed whole, with what they hold of the names the caller
    /// watches for (see [`inputs`]).
    pub listed: Vec<Listed>,
}

/// A directory a walk listed whole: nothing in it can have been left out by an ignore rule
/// (there is no `.gitignore`, `.ignore` or `.git` in it, in a directory above it, or in the
/// user's global git ignore file), so a watched name it does not hold is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// As the walk named it (below the path given on the command line).
    pub dir: PathBuf,
    /// Bit `i` set: `watched[i]` is a regular file there.
    pub files: u32,
    /// It holds a `.git` (a repository's root).
    pub git: bool,
    /// The names of its subdirectories, sorted; `None` when it holds a symbolic link (which
    /// may lead to a directory) or a directory whose name is not UTF-8.
    pub subdirs: Option<Vec<String>>,
}

/// Expands the command-line paths: files as given, directories searched recursively (skipping
/// `.git` and what `.gitignore` files ignore), `-` for standard input. No paths means
/// `./Dockerfile`. Inputs are sorted within each directory and without repeats. With `watched`
/// names (at most 32), the directories walked are also reported as [`Listed`] where that can be
/// trusted: the walk has read every directory already, and asking the file system again for
/// each name in each directory costs more than the rest of the walk.
pub fn inputs(paths: &[PathBuf], stdin_name: &Path, watched: &'static [&'static str]) -> Found {
    let default = [PathBuf::from("Dockerfile")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut found = Found::default();
    for path in paths {
        if path.as_os_str() == "-" {
            found.inputs.push(Input::Stdin(stdin_name.to_path_buf()));
            continue;
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(e) => {
                found
                    .problems
                    .push(format!("{}: {}", path.display(), io_reason(&e)));
                continue;
            }
        };
        if metadata.is_dir() {
            let before = found.inputs.len();
            if let Err(problem) = walk(path, watched, &mut found.inputs, &mut found.listed) {
                found.problems.push(problem);
            }
            if found.inputs.len() == before {
                found.problems.push(format!(
                    "{}: no Dockerfile found (looked for {DOCKERFILE_NAMES})",
                    path.display()
                ));
            }
            found.inputs[before..].sort_by_cached_key(|input| walk_key(input.display_path()));
        } else if !metadata.is_file() {
            found.problems.push(format!(
                "{}: {}",
                path.display(),
                crate::input::not_regular(&metadata.file_type())
            ));
        } else {
            found.inputs.push(Input::File(path.clone()));
        }
    }
    // One path finds each file once: only several can name one twice.
    if paths.len() > 1 {
        let mut seen = FxHashSet::default();
        found.inputs.retain(|input| seen.insert(input.clone()));
    }
    found
}

/// A key that sorts the paths one walk makes (the same root, then names joined by single
/// `/`s) in the order of `Path`'s `Ord`, component by component: their bytes with each `/` made
/// the lowest byte, NUL, which no path contains. Keys compare as plain bytes (memcmp), where
/// comparing components made sorting a tree of a thousand Dockerfiles cost more than walking it.
fn walk_key(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|&byte| if byte == b'/' { 0 } else { byte })
        .collect()
}

/// The names [`is_dockerfile_name`] accepts, for messages.
const DOCKERFILE_NAMES: &str =
    "Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, Dockerfile-*";

/// What a walk saw in one directory, for [`Listed`].
#[derive(Debug, Default)]
struct DirFacts {
    files: u32,
    git: bool,
    /// An ignore file or a repository is there (its rules may hide entries here and below),
    /// or a watched name is something other than a regular file (asked about again).
    untrusted: bool,
    subdirs: Vec<String>,
    /// A symbolic link, or a directory whose name is not UTF-8, is there: [`Listed::subdirs`]
    /// cannot say which names are directories.
    subdirs_unknown: bool,
}

/// Where ignore rules come from for the `ignore` crate's walker: these hide entries of their
/// directory and the directories below (`.git` through its `info/exclude`).
const IGNORE_SOURCES: [&str; 3] = [".gitignore", ".ignore", ".git"];

/// What a walk found, shared by the threads of the walker and its entry filter.
#[derive(Default)]
struct Walked {
    inputs: Vec<Input>,
    error: Option<String>,
    /// By the bytes of the path the walk gave each directory (hashing a `Path` walks its
    /// components): its entries' paths are that path joined with their names.
    dirs: FxHashMap<OsString, DirFacts>,
}

/// Whether `entry` tells something about its directory for [`Walked::note`]: it is a
/// directory, a symbolic link, watched or an ignore source.
fn noteworthy(watched: &[&str], entry: &ignore::DirEntry) -> bool {
    let name = entry.file_name();
    entry
        .file_type()
        .is_some_and(|t| t.is_dir() || t.is_symlink())
        || watched.iter().chain(&IGNORE_SOURCES).any(|w| name == *w)
}

impl Walked {
    /// Notes what a [`noteworthy`] `entry` tells about its directory.
    fn note(&mut self, watched: &[&str], entry: &ignore::DirEntry) {
        let name = entry.file_name();
        let file_type = entry.file_type();
        let is_dir = file_type.is_some_and(|t| t.is_dir());
        let is_link = file_type.is_some_and(|t| t.is_symlink());
        let watched_at = watched.iter().position(|w| name == *w);
        let source = IGNORE_SOURCES.iter().any(|s| name == *s);
        // The root's parent was not walked.
        let Some(parent) = entry.path().parent().filter(|_| entry.depth() > 0) else {
            return;
        };
        let facts = self.dirs.entry(parent.as_os_str().to_owned()).or_default();
        facts.untrusted |= source;
        facts.git |= name == ".git";
        if is_dir {
            match name.to_str() {
                Some(name) => facts.subdirs.push(name.to_owned()),
                None => facts.subdirs_unknown = true,
            }
        }
        facts.subdirs_unknown |= is_link;
        if let Some(at) = watched_at {
            if file_type.is_some_and(|t| t.is_file()) {
                facts.files |= 1 << at;
            } else {
                facts.untrusted = true;
            }
        }
    }
}

fn walk(
    dir: &Path,
    watched: &'static [&'static str],
    inputs: &mut Vec<Input>,
    listed: &mut Vec<Listed>,
) -> Result<(), String> {
    // In parallel (the ignore crate's walker, as ripgrep's): a tree of many directories costs
    // a few system calls per directory, which one thread would make one after the other. The
    // caller sorts what is found.
    let walked = std::sync::Arc::new(std::sync::Mutex::new(Walked::default()));
    let listing = !watched.is_empty();
    let root_key = dir.join("entry").parent().map_or_else(
        || dir.as_os_str().to_owned(),
        |root| root.as_os_str().to_owned(),
    );
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .filter_entry({
            // The walker keeps its filter beyond this call.
            let walked = walked.clone();
            move |entry| {
                let is_git = entry.file_name() == ".git";
                if is_git && listing {
                    lock(&walked).note(watched, entry);
                }
                !is_git
            }
        })
        .build_parallel()
        .run(|| {
            Box::new(|entry| match entry {
                Ok(entry) => {
                    let file_type = entry.file_type();
                    let is_dockerfile = file_type.is_some_and(|t| t.is_file())
                        && is_dockerfile_name(entry.file_name());
                    let is_dir = file_type.is_some_and(|t| t.is_dir());
                    if listing && noteworthy(watched, &entry) {
                        let mut walked = lock(&walked);
                        walked.note(watched, &entry);
                        if is_dir {
                            // The root as its entries name their directory (`dir/` as `dir`).
                            let key = match entry.depth() {
                                0 => root_key.clone(),
                                _ => entry.path().as_os_str().to_owned(),
                            };
                            walked.dirs.entry(key).or_default();
                        }
                    }
                    if is_dockerfile {
                        lock(&walked).inputs.push(Input::File(entry.into_path()));
                    }
                    ignore::WalkState::Continue
                }
                Err(e) => {
                    lock(&walked)
                        .error
                        .get_or_insert_with(|| format!("{}: {e}", dir.display()));
                    ignore::WalkState::Quit
                }
            })
        });
    let walked = std::mem::take(&mut *lock(&walked));
    inputs.extend(walked.inputs);
    if let Some(error) = walked.error {
        return Err(error);
    }
    if listing && nothing_ignored_from_above(dir) {
        listed.extend(trusted(walked.dirs));
    }
    Ok(())
}

/// The directories of a walk whose listing can be trusted: none of them or of the walked
/// directories above them holds an ignore source. A directory's path is longer than its
/// parent's: in that order each is judged once, from its own facts and its parent's verdict.
fn trusted(dirs: FxHashMap<OsString, DirFacts>) -> Vec<Listed> {
    let mut dirs: Vec<(OsString, DirFacts)> = dirs.into_iter().collect();
    dirs.sort_unstable_by_key(|(dir, _)| dir.len());
    let mut verdicts: FxHashMap<&OsStr, bool> =
        FxHashMap::with_capacity_and_hasher(dirs.len(), Default::default());
    let mut listed = Vec::new();
    for (dir, facts) in &mut dirs {
        let above = Path::new(dir)
            .parent()
            .and_then(|parent| verdicts.get(parent.as_os_str()));
        let trusted = !facts.untrusted && above.copied().unwrap_or(true);
        verdicts.insert(dir, trusted);
        if trusted {
            let subdirs = (!facts.subdirs_unknown).then(|| {
                let mut subdirs = std::mem::take(&mut facts.subdirs);
                subdirs.sort_unstable();
                subdirs
            });
            listed.push(Listed {
                dir: PathBuf::from(&*dir),
                files: facts.files,
                git: facts.git,
                subdirs,
            });
        }
    }
    listed
}

/// No ignore rule from outside a walk of `root` can hide entries in it: the user's global git
/// ignore file is empty or missing, and no directory above `root` holds an ignore source (the
/// walker reads those of the directories above the root's real path, links resolved).
fn nothing_ignored_from_above(root: &Path) -> bool {
    let (global, _) = ignore::gitignore::Gitignore::global();
    global.is_empty()
        && root.canonicalize().is_ok_and(|real| {
            real.ancestors().skip(1).all(|above| {
                IGNORE_SOURCES
                    .iter()
                    .all(|source| !above.join(source).exists())
            })
        })
}

/// `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`, `Dockerfile-*` (and the same
/// for Containerfile), but not `*.dockerignore` files.
pub fn is_dockerfile_name(name: &std::ffi::OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    if name.ends_with(".dockerignore") {
        return false;
    }
    ["Dockerfile", "Containerfile"].iter().any(|base| {
        name == *base
            || name
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with(['.', '-']))
            || name
                .strip_suffix(base)
                .is_some_and(|rest| rest.ends_with('.'))
    }) || name.ends_with(".dockerfile")
}

/// The OS error without Rust's " (os error 2)" suffix.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn dockerfile_names() {
        for yes in [
            "Dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "Dockerfile.dev",
            "Dockerfile-app",
            "web.dockerfile",
        ] {
            assert!(is_dockerfile_name(OsStr::new(yes)), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "README.md",
            "Dockerfiles",
            "mydockerfile",
            ".dockerignore",
        ] {
            assert!(!is_dockerfile_name(OsStr::new(no)), "{no}");
        }
    }

    #[test]
    fn walk_key_sorts_in_the_order_of_paths() {
        let mut paths: Vec<PathBuf> = [
            "r/a.b/Dockerfile",
            "r/a/Dockerfile",
            "r/a-b/Dockerfile",
            "r/a/b/Dockerfile",
            "r/Dockerfile",
            "r/a/Dockerfile.dev",
            "r/ä/Dockerfile",
            "r/A/Dockerfile",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut expected = paths.clone();
        expected.sort();
        paths.sort_by_cached_key(|path| walk_key(path));
        assert_eq!(paths, expected);
    }

    /// Writes `text` at `path`, making its directories.
    fn write_file(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn walks_directories_and_honours_gitignore() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "Dockerfile",
            "svc/api.Dockerfile",
            "svc/notes.txt",
            "ignored/Dockerfile",
            ".git/Dockerfile",
        ] {
            write_file(&root.join(file), "FROM scratch\n");
        }
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        let found = inputs(&[root.to_path_buf()], Path::new("-"), &[]);
        assert_eq!(found.problems, Vec::<String>::new());
        assert_eq!(
            found.inputs,
            vec![
                Input::File(root.join("Dockerfile")),
                Input::File(root.join("svc/api.Dockerfile"))
            ]
        );
    }

    /// Directories are reported listed, with the watched files they hold, unless an ignore
    /// source in them or above them may have hidden one.
    #[test]
    fn walked_directories_are_listed_where_no_ignore_rule_can_hide_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        for file in [
            "a.conf",
            "plain/Dockerfile",
            "plain/deeper/b.conf",
            "ignoring/.gitignore",
            "ignoring/a.conf",
            "ignoring/below/Dockerfile",
            "repo/.git/HEAD",
            "repo/Dockerfile",
            "odd/a.conf/Dockerfile",
        ] {
            write_file(&root.join(file), "");
        }
        let found = inputs(
            std::slice::from_ref(&root),
            Path::new("-"),
            &["a.conf", "b.conf"],
        );
        let mut listed: Vec<(PathBuf, u32, bool)> = found
            .listed
            .into_iter()
            .map(|l| {
                (
                    l.dir.strip_prefix(&root).unwrap().to_path_buf(),
                    l.files,
                    l.git,
                )
            })
            .collect();
        listed.sort();
        if nothing_ignored_from_above(&root) {
            let expected: Vec<(PathBuf, u32, bool)> = [
                ("", 0b01, false),
                ("plain", 0, false),
                ("plain/deeper", 0b10, false),
            ]
            .iter()
            .map(|(dir, files, git)| (PathBuf::from(dir), *files, *git))
            .collect();
            assert_eq!(listed, expected);
            // A root named with a trailing `/` is still the directory its entries are in.
            let below_ignore_file = inputs(
                &[PathBuf::from(format!(
                    "{}/",
                    root.join("ignoring").display()
                ))],
                Path::new("-"),
                &["a.conf"],
            );
            assert_eq!(below_ignore_file.listed, []);
        } else {
            // A global git ignore file (or one above the temporary directory) may hide
            // anything: nothing is listed.
            assert_eq!(listed, []);
        }
    }

    /// A listed directory names its subdirectories, unless it holds a symbolic link (which may
    /// lead to one).
    #[test]
    fn listed_directories_name_their_subdirectories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        for file in ["b/Dockerfile", "a/x", "file", "withlink/Dockerfile"] {
            write_file(&root.join(file), "");
        }
        std::fs::create_dir(root.join("empty")).unwrap();
        std::os::unix::fs::symlink("../a", root.join("withlink/link")).unwrap();
        let found = inputs(std::slice::from_ref(&root), Path::new("-"), &["x"]);
        let mut subdirs: Vec<(PathBuf, Option<Vec<String>>)> = found
            .listed
            .into_iter()
            .map(|l| (l.dir.strip_prefix(&root).unwrap().to_path_buf(), l.subdirs))
            .collect();
        subdirs.sort();
        if !nothing_ignored_from_above(&root) {
            assert_eq!(subdirs, []);
            return;
        }
        let names = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect());
        assert_eq!(
            subdirs,
            [
                (PathBuf::new(), names(&["a", "b", "empty", "withlink"])),
                (PathBuf::from("a"), names(&[])),
                (PathBuf::from("b"), names(&[])),
                (PathBuf::from("empty"), names(&[])),
                (PathBuf::from("withlink"), None),
            ]
        );
    }

    #[test]
    fn paths_naming_nothing_lintable_are_problems_and_the_others_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let dockerfile = dir.path().join("Dockerfile");
        std::fs::write(&dockerfile, "FROM scratch\n").unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let found = inputs(
            &[
                PathBuf::from("/no/such/Dockerfile"),
                dockerfile.clone(),
                empty.clone(),
                PathBuf::from("/dev/null"),
            ],
            Path::new("-"),
            &[],
        );
        assert_eq!(found.inputs, vec![Input::File(dockerfile)]);
        assert_eq!(
            found.problems,
            vec![
                "/no/such/Dockerfile: No such file or directory".to_string(),
                format!(
                    "{}: no Dockerfile found (looked for {DOCKERFILE_NAMES})",
                    empty.display()
                ),
                "/dev/null: not a regular file (a character device)".to_string(),
            ]
        );
    }
}
