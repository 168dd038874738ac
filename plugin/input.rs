//! Reading the files the plugin lints or is configured by, the bounded way of
//! [`rbuild_lints::files`], with the reasons it fails put in words.

use std::io::{ErrorKind, Read};
use std::path::Path;

use rbuild_lints::files::{self, ReadError};

use crate::discover::io_reason;

/// Why a file could not be read, ready to follow `path: `.
pub type Reason = String;

/// Reads the file at `path` (symlinks followed).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Reason> {
    files::read_file(path).map_err(|error| reason(&error))
}

/// Reads a file that discovery found to be a regular file (see [`files::read_regular_file`]).
pub fn read_input(path: &Path) -> Result<Vec<u8>, Reason> {
    files::read_regular_file(path).map_err(|error| reason(&error))
}

/// [`read_file`], with a file that does not exist read as `None`.
pub fn read_file_if_exists(path: &Path) -> Result<Option<Vec<u8>>, Reason> {
    match files::read_file(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(ReadError::Io(error)) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(reason(&error)),
    }
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
    files::read_stream(stream).map_err(|error| reason(&error))
}

/// Why a path that is not a regular file (a directory, a FIFO) is not read.
pub fn not_regular(file_type: &std::fs::FileType) -> Reason {
    not_regular_kind(files::file_kind(file_type))
}

fn not_regular_kind(kind: &str) -> Reason {
    format!("not a regular file ({kind})")
}

fn reason(error: &ReadError) -> Reason {
    match error {
        ReadError::Io(error) => io_reason(error),
        ReadError::NotRegular(kind) => not_regular_kind(kind),
        ReadError::TooLarge => format!(
            "larger than {} MiB, the limit for a Dockerfile",
            files::MAX_FILE_BYTES >> 20
        ),
    }
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
        // Neither waits for a writer or a peer, and each is named for what it is.
        let fifo = dir.path().join("fifo.Dockerfile");
        let fifo_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo_path.as_ptr(), 0o644) }, 0);
        assert_eq!(read_file(&fifo).unwrap_err(), "not a regular file (a FIFO)");
        let socket = dir.path().join("socket.Dockerfile");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert_eq!(
            read_file(&socket).unwrap_err(),
            "not a regular file (a socket)"
        );
        assert_eq!(
            read_file(&dir.path().join("missing")).unwrap_err(),
            "No such file or directory"
        );
        // A found file replaced by a FIFO before it is read: opened at once, it still does not
        // wait for a writer.
        assert_eq!(
            read_input(&fifo).unwrap_err(),
            "not a regular file (a FIFO)"
        );
        assert_eq!(read_input(&dockerfile).unwrap(), b"FROM scratch\n");
        // Read in one call of its size and a byte: the empty file, one at the limit, one over.
        let sized = dir.path().join("sized.Dockerfile");
        for (size, accepted) in [
            (0, true),
            (files::MAX_FILE_BYTES, true),
            (files::MAX_FILE_BYTES + 1, false),
        ] {
            std::fs::write(&sized, vec![b'#'; size as usize]).unwrap();
            match read_input(&sized) {
                Ok(bytes) => assert!(accepted && bytes.len() as u64 == size, "{size}"),
                Err(reason) => assert!(!accepted && reason.starts_with("larger than"), "{size}"),
            }
        }
        // A file with more bytes than its size says (/proc's say 0) is read to its end.
        let status = read_input(Path::new("/proc/self/status")).unwrap();
        assert!(status.starts_with(b"Name:") && status.ends_with(b"\n"));
        let endless = std::io::repeat(b'#');
        assert_eq!(
            read_stream(endless).unwrap_err(),
            "larger than 16 MiB, the limit for a Dockerfile"
        );
    }
}
