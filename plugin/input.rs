//! Reading a Dockerfile: regular files only (a FIFO or a device, even behind a symlink, is
//! refused before it is opened, so nothing blocks or reads without end), at most
//! [`MAX_DOCKERFILE_BYTES`], into a buffer the size of the file.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use crate::discover::io_reason;

/// The largest Dockerfile read: 16 MiB, a thousand times the largest real ones, and small
/// enough that linting the biggest file still takes well under a second.
pub const MAX_DOCKERFILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a Dockerfile could not be read, ready to follow `path: `.
pub type Reason = String;

/// Reads the Dockerfile at `path` (symlinks followed).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Reason> {
    let metadata = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if !metadata.is_file() {
        return Err(not_regular(&metadata.file_type()));
    }
    let file = File::open(path).map_err(|e| io_reason(&e))?;
    // The file may have been replaced between the two looks; its size is read again too.
    let metadata = file.metadata().map_err(|e| io_reason(&e))?;
    if !metadata.is_file() {
        return Err(not_regular(&metadata.file_type()));
    }
    read_bounded(file, metadata.len())
}

/// Reads the UTF-8 text file at `path` (a configuration file) the same bounded way.
pub fn read_text(path: &Path) -> Result<String, Reason> {
    String::from_utf8(read_file(path)?).map_err(|e| {
        format!(
            "invalid UTF-8 at byte offset {}",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads a stream (standard input) up to the limit.
pub fn read_stream(stream: impl Read) -> Result<Vec<u8>, Reason> {
    read_bounded(stream, 0)
}

fn read_bounded(stream: impl Read, size_hint: u64) -> Result<Vec<u8>, Reason> {
    if size_hint > MAX_DOCKERFILE_BYTES {
        return Err(too_large());
    }
    // One byte over the size, so that end-of-file is seen without growing the buffer.
    let mut bytes = Vec::with_capacity(size_hint as usize + 1);
    stream
        .take(MAX_DOCKERFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_reason(&e))?;
    if bytes.len() as u64 > MAX_DOCKERFILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn too_large() -> Reason {
    format!(
        "larger than {} MiB, the limit for a Dockerfile",
        MAX_DOCKERFILE_BYTES >> 20
    )
}

pub fn not_regular(file_type: &std::fs::FileType) -> Reason {
    let kind = if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    format!("not a regular file ({kind})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_and_refuses_devices_and_large_input() {
        let dir = tempfile::tempdir().unwrap();
        let dockerfile = dir.path().join("Dockerfile");
        std::fs::write(&dockerfile, "FROM scratch\n").unwrap();
        assert_eq!(read_file(&dockerfile).unwrap(), b"FROM scratch\n");
        let zero = dir.path().join("z.Dockerfile");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(
            read_file(&zero).unwrap_err(),
            "not a regular file (a character device)"
        );
        assert_eq!(
            read_file(dir.path()).unwrap_err(),
            "not a regular file (a directory)"
        );
        let endless = std::io::repeat(b'#');
        assert_eq!(
            read_stream(endless).unwrap_err(),
            "larger than 16 MiB, the limit for a Dockerfile"
        );
    }
}
