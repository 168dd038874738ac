//! A context directory as a tar archive: which entries go in (the walk with the ignore
//! rules), and how each one is written.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::dockerignore::{DockerIgnore, ParentMatches};
use crate::error::input_error;

/// One entry of the archive.
#[derive(Debug)]
pub(crate) enum Item {
    /// A directory, file or symlink of the context, by its path relative to the root.
    Disk(PathBuf),
    /// Content we supply ourselves: a Dockerfile that is not inside the context, or the
    /// ignore file amended to leave that Dockerfile out of `COPY`.
    Generated { name: String, contents: Vec<u8> },
}

/// The entries of a context directory, ready to be written.
#[derive(Debug)]
pub(crate) struct TreeArchive {
    pub(crate) root: PathBuf,
    pub(crate) items: Vec<Item>,
    /// Filled in by [`TreeArchive::write`].
    pub(crate) digests: FileDigests,
}

/// A digest of each file and symlink the archive holds (content and mode; a link's target),
/// by its `/`-separated path: computed while the archive is written, from the bytes sent, so
/// the context is read once. Set once the last entry has been written.
#[derive(Debug, Clone, Default)]
pub struct FileDigests(Arc<OnceLock<BTreeMap<String, String>>>);

impl FileDigests {
    /// The digests, once the whole archive has been written.
    pub fn get(&self) -> Option<&BTreeMap<String, String>> {
        self.0.get()
    }
}

/// 16 bytes of SHA-256 as hex: enough to tell versions of a file apart, half the space.
fn short_hex(hash: Sha256) -> String {
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.hash.update(&buf[..read]);
        Ok(read)
    }
}

impl TreeArchive {
    /// Lists what docker would send from `root`: a depth-first walk in byte order of names,
    /// leaving out ignored paths and never descending into an ignored directory unless an
    /// exception names something inside it. Checks that every file can be read, so an
    /// unreadable context fails before anything is sent.
    pub(crate) fn list(root: &Path, ignore: &DockerIgnore) -> anyhow::Result<TreeArchive> {
        let mut items = Vec::new();
        walk(root, Path::new(""), None, ignore, &mut items)?;
        Ok(TreeArchive {
            root: root.to_path_buf(),
            items,
            digests: FileDigests::default(),
        })
    }

    /// Writes the archive. Errors name the file they concern.
    pub(crate) fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut builder = tar::Builder::new(out);
        let mut digests = BTreeMap::new();
        for item in &self.items {
            match item {
                Item::Disk(relative) => {
                    if let Some(digest) = append_disk(&mut builder, &self.root, relative)? {
                        digests.insert(relative.to_string_lossy().into_owned(), digest);
                    }
                }
                Item::Generated { name, contents } => {
                    // A generated Dockerfile is listed in the generated ignore file: no COPY
                    // takes it, so it is no file of the context to compare.
                    if name == super::IGNORE_FILE {
                        let mut hash = Sha256::new();
                        hash.update(contents);
                        digests.insert(name.clone(), format!("{}:600", short_hex(hash)));
                    }
                    let mut header = tar::Header::new_gnu();
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_mode(0o600);
                    header.set_uid(0);
                    header.set_gid(0);
                    header.set_size(contents.len() as u64);
                    header.set_mtime(now_seconds());
                    builder.append_data(&mut header, name, contents.as_slice())?;
                }
            }
        }
        // Before the archive's end: the daemon cannot have finished the build earlier.
        let _ = self.digests.0.set(digests);
        builder.into_inner()?.flush()
    }
}

fn walk(
    root: &Path,
    directory: &Path,
    parent: Option<&ParentMatches>,
    ignore: &DockerIgnore,
    items: &mut Vec<Item>,
) -> anyhow::Result<()> {
    let absolute = root.join(directory);
    let mut names: Vec<_> = fs::read_dir(&absolute)
        .and_then(|entries| {
            entries
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<_, _>>()
        })
        .map_err(|err| unreadable(&absolute, err))?;
    names.sort();
    for name in names {
        let relative = directory.join(&name);
        let path = root.join(&relative);
        let metadata = fs::symlink_metadata(&path).map_err(|err| unreadable(&path, err))?;
        let file_type = metadata.file_type();
        let (excluded, matches) = ignore.matches(&relative.to_string_lossy(), parent);
        if excluded {
            if file_type.is_dir()
                && ignore.has_exceptions()
                && ignore.may_reinclude_under(&relative.to_string_lossy())
            {
                // The directory itself stays out; an exception may bring back some of its entries.
                walk(root, &relative, Some(&matches), ignore, items)?;
            }
            continue;
        }
        if file_type.is_dir() {
            items.push(Item::Disk(relative.clone()));
            walk(root, &relative, Some(&matches), ignore, items)?;
        } else if file_type.is_symlink() {
            items.push(Item::Disk(relative));
        } else if file_type.is_file() {
            File::open(&path).map_err(|err| unreadable(&path, err))?;
            items.push(Item::Disk(relative));
        } else {
            eprintln!(
                "warning: skipping {}: sockets, fifos and device files cannot be sent in a build context",
                path.display()
            );
        }
    }
    Ok(())
}

fn unreadable(path: &Path, err: io::Error) -> anyhow::Error {
    input_error(format!(
        "error checking context: cannot read {}: {err}",
        path.display()
    ))
}

/// Appends one entry from disk: directories and symlinks as such (symlinks never followed),
/// regular files with their content; modes and mtimes kept, owner root. Gives the digest of a
/// file (`<content>:<mode>`) or symlink (`-><target>`).
fn append_disk(
    builder: &mut tar::Builder<&mut dyn Write>,
    root: &Path,
    relative: &Path,
) -> io::Result<Option<String>> {
    let path = root.join(relative);
    let named = |err: io::Error| io::Error::new(err.kind(), format!("{}: {err}", path.display()));
    let metadata = fs::symlink_metadata(&path).map_err(named)?;
    let mut header = tar::Header::new_gnu();
    header.set_mode(metadata.permissions().mode() & 0o7777);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(metadata.mtime().max(0) as u64);
    header.set_size(0);
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        header.set_entry_type(tar::EntryType::Directory);
        // `dir/`, with the slash, as the docker CLI names directories: the daemon's cache keys
        // for COPY then match those of `docker build`.
        let mut name = relative.as_os_str().to_owned();
        name.push("/");
        builder
            .append_data(&mut header, Path::new(&name), io::empty())
            .map(|()| None)
    } else if file_type.is_symlink() {
        header.set_entry_type(tar::EntryType::Symlink);
        let target = fs::read_link(&path).map_err(named)?;
        let digest = format!("->{}", target.display());
        builder
            .append_link(&mut header, relative, target)
            .map(|()| Some(digest))
    } else if file_type.is_file() {
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(metadata.len());
        let file = File::open(&path).map_err(named)?;
        let mut content = Hashing {
            inner: ExactLength {
                inner: file,
                remaining: metadata.len(),
            },
            hash: Sha256::new(),
        };
        builder
            .append_data(&mut header, relative, &mut content)
            .map_err(named)?;
        let mode = metadata.permissions().mode() & 0o7777;
        Ok(Some(format!("{}:{mode:o}", short_hex(content.hash))))
    } else {
        // It changed into something we do not send since the walk; leave it out.
        Ok(None)
    }
}

/// Reads exactly `remaining` bytes: the header already announced the size, so a file that
/// shrinks while it is sent must fail rather than corrupt the archive.
struct ExactLength<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for ExactLength<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let limit = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..limit])?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being sent",
            ));
        }
        self.remaining -= read as u64;
        Ok(read)
    }
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
