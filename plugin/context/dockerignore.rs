//! Finding and reading the `.dockerignore` that applies to a context; the matcher itself lives
//! in `rbuild_lints::dockerignore`, shared with the lint rules.

use std::path::{Path, PathBuf};

pub use rbuild_lints::dockerignore::{clean_path, DockerIgnore, ParentMatches};

use crate::error::input_error;

/// The ignore file that applies to a context: `<Dockerfile>.dockerignore` next to the
/// Dockerfile when it exists, else the context's `.dockerignore`, else nothing is ignored.
/// Problems with the file are input errors.
pub fn load(context_dir: &Path, dockerfile: Option<&Path>) -> anyhow::Result<DockerIgnore> {
    let specific = dockerfile.map(|path| {
        let mut name = path.as_os_str().to_owned();
        name.push(".dockerignore");
        PathBuf::from(name)
    });
    let file = match specific.filter(|path| path.is_file()) {
        Some(path) => path,
        None => context_dir.join(".dockerignore"),
    };
    let text = match crate::input::read_file_if_exists(&file) {
        Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Ok(None) => return Ok(DockerIgnore::empty()),
        Err(reason) => {
            return Err(input_error(format!(
                "cannot read {}: {reason}",
                file.display()
            )));
        }
    };
    DockerIgnore::parse(&text).map_err(|err| input_error(format!("{}:{err}", file.display())))
}
