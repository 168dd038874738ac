//! Reading a file from disk the bounded way, for every file the linter and the plugin read
//! (Dockerfiles, configuration, a build context's `.dockerignore`): regular files only (a
//! FIFO or a device, even behind a symlink, is refused before it is opened, so nothing blocks,
//! acts or reads without end), at most [`MAX_FILE_BYTES`], into a buffer the size of the file.

use std::fs::{FileType, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The largest file read: 16 MiB, a thousand times the largest real Dockerfiles, and small
/// enough that linting the biggest file still takes well under a second.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// Not a regular file; what it is ([`file_kind`]).
    NotRegular(&'static str),
    /// Over [`MAX_FILE_BYTES`].
    TooLarge,
}

/// Reads the file at `path` (symlinks followed).
pub fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    // Asked before it is opened: opening a device can act (a watchdog starts counting, a tape
    // rewinds), and a Dockerfile, a `.dockerignore` or a configuration file may be a symlink
    // to one in a repository someone else wrote.
    let metadata = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(file_kind(&metadata.file_type())));
    }
    read_regular_file(path)
}

/// Reads the file at `path` that its caller has just found to be a regular file (a directory
/// walk's entry, a path whose metadata said so): it is opened without asking again, which
/// spares each file of a tree one look-up of its whole path.
pub fn read_regular_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    // Replaced by a FIFO since? Opened without blocking, it does not wait for a writer, and no
    // terminal becomes ours; what it is now (and its size) is asked again.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(file_kind(&metadata.file_type())));
    }
    let size = metadata.len();
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    // One read of the size the file gave, and a byte more: a regular file yields fewer bytes
    // than asked only at its end (POSIX; a signal the process handles does not cut a file read
    // short on Linux), so the end is known without a second read, which costs a system call per
    // file. A file that grew since fills the extra byte, and the rest is read as a stream's.
    let mut bytes = vec![0; size as usize + 1];
    let read = loop {
        match (&file).read(&mut bytes) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            read => break read.map_err(ReadError::Io)?,
        }
    };
    bytes.truncate(read);
    if read as u64 > size {
        read_rest(&file, &mut bytes)?;
    }
    Ok(bytes)
}

/// Reads a stream (standard input) up to the limit.
pub fn read_stream(stream: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    read_rest(stream, &mut bytes)?;
    Ok(bytes)
}

/// Reads the rest of `stream` after `bytes`, as long as they stay within the limit.
fn read_rest(stream: impl Read, bytes: &mut Vec<u8>) -> Result<(), ReadError> {
    stream
        .take(MAX_FILE_BYTES + 1 - bytes.len() as u64)
        .read_to_end(bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(())
}

/// What a file that is not a regular one is, for messages: "a FIFO", "a directory".
pub fn file_kind(file_type: &FileType) -> &'static str {
    if file_type.is_dir() {
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
    }
}
