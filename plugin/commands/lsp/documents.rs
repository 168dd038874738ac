//! The open documents: their text as the editor has it, kept in step with its changes.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::position::{Encoding, Lines};
use super::settings::FileSettings;
use crate::discover::is_dockerfile_name;

/// One open Dockerfile.
pub struct Document {
    pub uri: Uri,
    /// The file's path, for a `file:` URI.
    pub path: Option<PathBuf>,
    pub text: Arc<String>,
    pub version: i32,
    pub settings: Arc<FileSettings>,
    /// What the linting threads share with the main loop.
    pub shared: Arc<Mutex<Shared>>,
}

/// The latest version of a document, and the findings of the last one linted.
#[derive(Default)]
pub struct Shared {
    /// `None` once the document is closed: results still on their way are dropped.
    pub latest: Option<i32>,
    pub linted: Option<Arc<super::analysis::Linted>>,
}

impl Document {
    /// Applies the editor's changes in order: a change without a range replaces the whole
    /// text, one with a range replaces that range of the text as the earlier changes left it.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, encoding: Encoding) {
        let mut text = self.text.as_str().to_owned();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let span = Lines::new(&text, encoding).span(range);
                    text.replace_range(span.range(), &change.text);
                }
            }
        }
        self.text = Arc::new(text);
    }
}

/// Whether the server lints a document: a Dockerfile by language id (`dockerfile`, as VS Code,
/// Neovim and Helix name it) or by file name (as `lint` finds them in a directory).
pub fn is_dockerfile(language_id: &str, path: Option<&std::path::Path>) -> bool {
    matches!(
        language_id.to_ascii_lowercase().as_str(),
        "dockerfile" | "containerfile"
    ) || path
        .and_then(|p| p.file_name())
        .is_some_and(is_dockerfile_name)
}

/// The path of a `file:` URI (`file:///dir/Docker%20file`, or with the host `localhost`).
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let path_start = rest.find('/')?;
    if !matches!(&rest[..path_start], "" | "localhost") {
        return None;
    }
    let path = &rest[path_start..];
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_encoding::percent_decode_str(path).collect::<Vec<u8>>();
    Some(PathBuf::from(OsString::from_vec(decoded)))
}
