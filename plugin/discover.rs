//! Finds the Dockerfiles to lint: named files, and Dockerfiles below named directories.

use std::path::{Path, PathBuf};

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
}

/// Expands the command-line paths: files as given, directories searched recursively (skipping
/// `.git` and what `.gitignore` files ignore), `-` for standard input. No paths means
/// `./Dockerfile`. Inputs are sorted within each directory and without repeats.
pub fn inputs(paths: &[PathBuf], stdin_name: &Path) -> Found {
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
            if let Err(problem) = walk(path, &mut found.inputs) {
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
        let mut seen = std::collections::HashSet::new();
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

fn walk(dir: &Path, inputs: &mut Vec<Input>) -> Result<(), String> {
    // In parallel (the ignore crate's walker, as ripgrep's): a tree of many directories costs
    // a few system calls per directory, which one thread would make one after the other. The
    // caller sorts what is found.
    let found = std::sync::Mutex::new((Vec::new(), None));
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                let mut found = found.lock().unwrap_or_else(|poison| poison.into_inner());
                match entry {
                    Ok(entry) => {
                        if entry.file_type().is_some_and(|t| t.is_file())
                            && is_dockerfile_name(entry.file_name())
                        {
                            found.0.push(Input::File(entry.into_path()));
                        }
                        ignore::WalkState::Continue
                    }
                    Err(e) => {
                        found
                            .1
                            .get_or_insert_with(|| format!("{}: {e}", dir.display()));
                        ignore::WalkState::Quit
                    }
                }
            })
        });
    let (found, error) = found
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner());
    inputs.extend(found);
    error.map_or(Ok(()), Err)
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
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "FROM scratch\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        let found = inputs(&[root.to_path_buf()], Path::new("-"));
        assert_eq!(found.problems, Vec::<String>::new());
        assert_eq!(
            found.inputs,
            vec![
                Input::File(root.join("Dockerfile")),
                Input::File(root.join("svc/api.Dockerfile"))
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
