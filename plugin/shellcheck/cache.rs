//! ShellCheck's results stored by content, so that an unchanged script is not checked twice.
//!
//! One entry per script in the `shellcheck` area of [`crate::store`], keyed by everything that
//! decides ShellCheck's output: its version, the options given to it, the shell dialect and the
//! script. Bounded by [`MAX_BYTES`]; a cache that cannot be used never fails a lint.

use crate::store::Store;

use super::Comment;

/// The cache's size limit; pruning brings it down to three quarters of it.
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// The entries of one ShellCheck program and set of options.
#[derive(Debug)]
pub struct Cache {
    store: Store,
    /// Part of every key: the version and the options.
    tool: String,
}

impl Cache {
    /// The user's cache for ShellCheck `version` run with `options`; `None` (after a warning)
    /// when there is no usable cache directory.
    pub fn open(version: &str, options: &[String]) -> Option<Cache> {
        Some(Cache {
            store: Store::open(
                "shellcheck",
                "the ShellCheck cache",
                "checking without it",
                MAX_BYTES,
            )?,
            tool: format!("{version}\0{}", options.join("\0")),
        })
    }

    /// The stored comments for `script`, if any (a damaged entry is a miss).
    pub fn get(&self, shell: &str, script: &str) -> Option<Vec<Comment>> {
        let bytes = self.store.get(&[&self.tool, shell, script])?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores the comments for `script`; a failure is a warning, once.
    pub fn put(&self, shell: &str, script: &str, comments: &[Comment]) {
        // Comments are plain data: serializing them cannot fail.
        if let Ok(bytes) = serde_json::to_vec(comments) {
            self.store.put(&[&self.tool, shell, script], &bytes);
        }
    }

    /// Removes the oldest entries while the cache is over [`MAX_BYTES`].
    pub fn prune(&self) {
        self.store.prune();
    }
}
