//! ShellCheck's results stored by content, so that an unchanged script is not checked twice.
//!
//! One file per script under `$XDG_CACHE_HOME/docker-rbuild/shellcheck/` (else
//! `~/.cache/docker-rbuild/shellcheck/`), named by the SHA-256 of everything that decides
//! ShellCheck's output: its version, the options given to it, the shell dialect and the script.
//! Entries are written to a temporary file and renamed into place, so runs sharing the cache
//! never read half an entry. When it grows over [`MAX_BYTES`], the oldest entries go. A cache
//! that cannot be read or written is skipped with one warning: it never fails a lint.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::Comment;

/// The cache's size limit; pruning brings it down to three quarters of it.
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// The entries of one ShellCheck program and set of options.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    /// Hashed into every key: the version and the options.
    tool: String,
    warned: AtomicBool,
}

impl Cache {
    /// The user's cache for ShellCheck `version` run with `options`; `None` (after a warning)
    /// when there is no usable cache directory.
    pub fn open(version: &str, options: &[String]) -> Option<Cache> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(".cache")));
        let Some(base) = base else {
            warn_unusable(
                Path::new("~/.cache"),
                "neither XDG_CACHE_HOME nor HOME is set",
            );
            return None;
        };
        let dir = base.join("docker-rbuild").join("shellcheck");
        if let Err(err) = std::fs::create_dir_all(&dir) {
            warn_unusable(&dir, &crate::discover::io_reason(&err));
            return None;
        }
        Some(Cache {
            dir,
            tool: format!("{version}\0{}", options.join("\0")),
            warned: AtomicBool::new(false),
        })
    }

    fn path(&self, shell: &str, script: &str) -> PathBuf {
        let mut hash = Sha256::new();
        for part in [self.tool.as_str(), shell, script] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.json"))
    }

    /// The stored comments for `script`, if any (a damaged entry is a miss).
    pub fn get(&self, shell: &str, script: &str) -> Option<Vec<Comment>> {
        let bytes = std::fs::read(self.path(shell, script)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores the comments for `script`; a failure is a warning, once.
    pub fn put(&self, shell: &str, script: &str, comments: &[Comment]) {
        let path = self.path(shell, script);
        let stored = serde_json::to_vec(comments)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
                std::io::Write::write_all(&mut file, &bytes)?;
                file.persist(&path).map_err(|e| e.error)?;
                Ok(())
            });
        if let Err(err) = stored {
            self.warn(&crate::discover::io_reason(&err));
        }
    }

    /// Removes the oldest entries while the cache is over [`MAX_BYTES`].
    pub fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let metadata = entry.metadata().ok()?;
                let modified = metadata.modified().ok()?;
                metadata
                    .is_file()
                    .then(|| (modified, metadata.len(), entry.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|(_, size, _)| size).sum();
        if total <= MAX_BYTES {
            return;
        }
        files.sort();
        for (_, size, path) in files {
            if total <= MAX_BYTES / 4 * 3 {
                break;
            }
            // Another run may have removed it already.
            let _ = std::fs::remove_file(path);
            total = total.saturating_sub(size);
        }
    }

    fn warn(&self, reason: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            warn_unusable(&self.dir, reason);
        }
    }
}

fn warn_unusable(dir: &Path, reason: &str) {
    eprintln!(
        "warning: the ShellCheck cache {} cannot be used ({reason}); checking without it",
        dir.display()
    );
}
