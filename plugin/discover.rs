//! Finds the Dockerfiles to lint: named files, and Dockerfiles below named directories.

use std::path::{Path, PathBuf};

use crate::error::input_error;

/// One input of the lint command.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
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

/// Expands the command-line paths: files as given, directories searched recursively (skipping
/// `.git` and what `.gitignore` files ignore), `-` for standard input. No paths means
/// `./Dockerfile`. Sorted and without repeats.
pub fn inputs(paths: &[PathBuf], stdin_name: &Path) -> anyhow::Result<Vec<Input>> {
    let default = [PathBuf::from("Dockerfile")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin(stdin_name.to_path_buf()));
            continue;
        }
        let metadata = std::fs::metadata(path)
            .map_err(|e| input_error(format!("{}: {}", path.display(), io_reason(&e))))?;
        if metadata.is_dir() {
            let before = inputs.len();
            walk(path, &mut inputs)?;
            inputs[before..].sort();
        } else {
            inputs.push(Input::File(path.clone()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|input| seen.insert(input.clone()));
    Ok(inputs)
}

fn walk(dir: &Path, inputs: &mut Vec<Input>) -> anyhow::Result<()> {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| input_error(format!("{}: {e}", dir.display())))?;
        if entry.file_type().is_some_and(|t| t.is_file()) && is_dockerfile_name(entry.file_name()) {
            inputs.push(Input::File(entry.into_path()));
        }
    }
    Ok(())
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
        let found = inputs(&[root.to_path_buf()], Path::new("-")).unwrap();
        assert_eq!(
            found,
            vec![
                Input::File(root.join("Dockerfile")),
                Input::File(root.join("svc/api.Dockerfile"))
            ]
        );
    }

    #[test]
    fn missing_path_is_an_input_error() {
        let err = inputs(&[PathBuf::from("/no/such/Dockerfile")], Path::new("-")).unwrap_err();
        assert!(err.is::<crate::error::InputError>());
        assert_eq!(
            err.to_string(),
            "/no/such/Dockerfile: No such file or directory"
        );
    }
}
