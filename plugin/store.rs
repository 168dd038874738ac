//! Small files kept under the user's cache directory: `$XDG_CACHE_HOME/docker-rbuild/<area>/`
//! (else `~/.cache/docker-rbuild/<area>/`), one file per key, named by the SHA-256 of the key.
//! Entries are written to a temporary file and renamed into place, so runs sharing the store
//! never read half an entry. When an area grows over its size limit, the oldest entries go
//! (down to three quarters of the limit). A store that cannot be read or written is skipped
//! with one warning: it never fails what uses it. The ShellCheck results and the build records
//! (`build::cache_explain`) live here.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// One area of the cache directory.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    /// Names the store and what happens without it, for the warning: `the ShellCheck cache`,
    /// `checking without it`.
    name: &'static str,
    without: &'static str,
    max_bytes: u64,
    warned: AtomicBool,
}

impl Store {
    /// The user's store for `area`; `None` (after a warning) when there is no usable cache
    /// directory.
    pub fn open(
        area: &str,
        name: &'static str,
        without: &'static str,
        max_bytes: u64,
    ) -> Option<Store> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(".cache")));
        let Some(base) = base else {
            warn_unusable(
                name,
                Path::new("~/.cache"),
                "neither XDG_CACHE_HOME nor HOME is set",
                without,
            );
            return None;
        };
        let dir = base.join("docker-rbuild").join(area);
        if let Err(err) = std::fs::create_dir_all(&dir) {
            warn_unusable(name, &dir, &crate::discover::io_reason(&err), without);
            return None;
        }
        Some(Store {
            dir,
            name,
            without,
            max_bytes,
            warned: AtomicBool::new(false),
        })
    }

    /// The entry's file: the key's parts are hashed with their lengths, so that no two keys
    /// share a name.
    fn path(&self, key: &[&str]) -> PathBuf {
        let mut hash = Sha256::new();
        for part in key {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        // The digest's own lower-case hex, written at once (a `format!` per byte cost a warm
        // ShellCheck run over the corpus 15 million instructions).
        self.dir.join(format!("{:x}.json", hash.finalize()))
    }

    /// The stored bytes for `key`, if any.
    pub fn get(&self, key: &[&str]) -> Option<Vec<u8>> {
        std::fs::read(self.path(key)).ok()
    }

    /// Stores `bytes` for `key`; a failure is a warning, once.
    pub fn put(&self, key: &[&str], bytes: &[u8]) {
        let path = self.path(key);
        let stored = tempfile::NamedTempFile::new_in(&self.dir).and_then(|mut file| {
            std::io::Write::write_all(&mut file, bytes)?;
            file.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
        if let Err(err) = stored {
            self.warn(&crate::discover::io_reason(&err));
        }
    }

    /// Removes the oldest entries while the store is over its size limit.
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
        if total <= self.max_bytes {
            return;
        }
        files.sort();
        for (_, size, path) in files {
            if total <= self.max_bytes / 4 * 3 {
                break;
            }
            // Another run may have removed it already.
            let _ = std::fs::remove_file(path);
            total = total.saturating_sub(size);
        }
    }

    fn warn(&self, reason: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            warn_unusable(self.name, &self.dir, reason, self.without);
        }
    }
}

fn warn_unusable(name: &str, dir: &Path, reason: &str, without: &str) {
    eprintln!(
        "warning: {name} {} cannot be used ({reason}); {without}",
        dir.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_the_oldest_go_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store {
            dir: dir.path().to_path_buf(),
            name: "the test store",
            without: "going on without it",
            max_bytes: 250,
            warned: AtomicBool::new(false),
        };
        assert_eq!(store.get(&["a", "b"]), None);
        store.put(&["a", "b"], b"first");
        assert_eq!(store.get(&["a", "b"]).as_deref(), Some(&b"first"[..]));
        assert_eq!(
            store.get(&["ab", ""]),
            None,
            "parts are hashed with their lengths"
        );
        for index in 0..4 {
            store.put(&[&index.to_string()], &[b'x'; 100]);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        store.prune();
        let left: u64 = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(left <= 250 / 4 * 3, "{left}");
        assert!(store.get(&["3"]).is_some(), "the newest stays");
        assert!(store.get(&["a", "b"]).is_none(), "the oldest goes");
    }
}
