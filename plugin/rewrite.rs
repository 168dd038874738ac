//! Rewriting a file in place (`lint --fix`, `fmt`): atomically, keeping what the file is.

use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use crate::stop;

/// Replaces the file `path` (the file a symbolic link there points to) with `bytes`: written
/// to a temporary file beside it with its permissions (and owner, where allowed), renamed over
/// it, so a reader sees the old or the new file, never half of one. A stop signal meanwhile
/// removes the temporary file and leaves the old one.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let metadata = std::fs::metadata(&target)?;
    let dir = target.parent().unwrap_or(Path::new("/"));
    let mut file = tempfile::Builder::new()
        .prefix(".rbuild-")
        .tempfile_in(dir)?;
    let registered = stop::Registered::new(file.path());
    file.write_all(bytes)?;
    file.flush()?;
    file.as_file().set_permissions(metadata.permissions())?;
    // Only root may give a file away; anyone else keeps owning what they rewrite.
    let _ = std::os::unix::fs::fchown(file.as_file(), Some(metadata.uid()), Some(metadata.gid()));
    registered.finish(|| file.persist(&target).map(drop).map_err(|e| e.error))
}
