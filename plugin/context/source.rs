//! What the context argument names, decided in the docker CLI's order: `-` (stdin), an
//! existing directory, a git URL, another URL (not supported), or nothing that exists.

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

/// The kind of context named on the command line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Stdin,
    Directory,
    Git,
    /// An `http(s)://` URL that is not a git repository (a remote tarball or Dockerfile).
    RemoteUrl,
    Missing,
}

pub(crate) fn classify(location: &str) -> Source {
    if location == "-" {
        Source::Stdin
    } else if Path::new(location).is_dir() {
        Source::Directory
    } else if is_git_url(location) {
        Source::Git
    } else if is_http_url(location) {
        Source::RemoteUrl
    } else {
        Source::Missing
    }
}

fn is_http_url(location: &str) -> bool {
    location.starts_with("http://") || location.starts_with("https://")
}

/// docker's rule: an http(s) URL whose path ends in `.git` (optionally followed by a
/// `#fragment`), or anything starting with `git://`, `github.com/` or `git@`.
pub(crate) fn is_git_url(location: &str) -> bool {
    static GIT_SUFFIX: OnceLock<Regex> = OnceLock::new();
    let suffix = GIT_SUFFIX.get_or_init(|| Regex::new(r".git(?:#.+)?$").expect("valid regex"));
    (is_http_url(location) && suffix.is_match(location))
        || ["git://", "github.com/", "git@"]
            .iter()
            .any(|prefix| location.starts_with(prefix))
}

/// What the first bytes of stdin hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StdinContent {
    Tar,
    GzipTar,
    /// A compression the daemon would accept but we cannot look into for the Dockerfile.
    OtherCompression(&'static str),
    Dockerfile,
}

/// Sniffs the start of stdin (up to 512 bytes) like the docker CLI: a compressed stream or a
/// tar header means an archive, anything else is the text of a Dockerfile.
pub(crate) fn sniff_stdin(head: &[u8]) -> StdinContent {
    const COMPRESSIONS: [(&[u8], &str); 3] = [
        (b"BZh", "bzip2"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], "xz"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd"),
    ];
    if head.starts_with(&[0x1f, 0x8b, 0x08]) {
        return StdinContent::GzipTar;
    }
    if let Some((_, name)) = COMPRESSIONS
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
    {
        return StdinContent::OtherCompression(name);
    }
    if is_tar_header(head) {
        StdinContent::Tar
    } else {
        StdinContent::Dockerfile
    }
}

/// A full 512-byte block whose stored checksum matches its content (an all-zero block, the end
/// of an archive, is not a header).
fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < 512 || block[..512].iter().all(|&b| b == 0) {
        return false;
    }
    let header = tar::Header::from_byte_slice(&block[..512]);
    let Ok(stored) = header.cksum() else {
        return false;
    };
    // The checksum field counts as spaces (8 x 0x20) in the sum.
    let computed: u32 = block[..148]
        .iter()
        .chain(&block[156..512])
        .map(|&b| u32::from(b))
        .sum::<u32>()
        + 8 * u32::from(b' ');
    stored == computed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_urls_follow_docker() {
        for url in [
            "https://github.com/docker/rootfs.git",
            "https://example.com/repo.git#main:sub/dir",
            "http://example.com/x.git#v1",
            "git://example.com/repo",
            "git@github.com:docker/rootfs.git",
            "github.com/docker/rootfs",
        ] {
            assert!(is_git_url(url), "{url} is a git URL");
        }
        for url in [
            "https://example.com/context.tar.gz",
            "https://example.com/repo",
            "ssh://host/repo.git",
            "./repo.git",
        ] {
            assert!(!is_git_url(url), "{url} is not a git URL");
        }
    }

    #[test]
    fn classify_keeps_docker_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        assert_eq!(classify("-"), Source::Stdin);
        assert_eq!(classify(path), Source::Directory);
        assert_eq!(classify("git@github.com:a/b.git"), Source::Git);
        assert_eq!(classify("http://x/y.tar.gz"), Source::RemoteUrl);
        assert_eq!(classify(&format!("{path}/missing")), Source::Missing);
    }

    fn tar_with_one_file() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(4);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, "Dockerfile", &b"FROM"[..])
            .unwrap();
        builder.into_inner().unwrap()
    }

    #[test]
    fn stdin_sniffing() {
        let tar = tar_with_one_file();
        assert_eq!(sniff_stdin(&tar[..512]), StdinContent::Tar);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gzip, &tar).unwrap();
        assert_eq!(sniff_stdin(&gzip.finish().unwrap()), StdinContent::GzipTar);
        assert_eq!(
            sniff_stdin(b"BZh91AY"),
            StdinContent::OtherCompression("bzip2")
        );
        assert_eq!(
            sniff_stdin(b"FROM busybox\nRUN true\n"),
            StdinContent::Dockerfile
        );
        assert_eq!(sniff_stdin(&[0u8; 512]), StdinContent::Dockerfile);
        let mut corrupted = tar[..512].to_vec();
        corrupted[0] ^= 1;
        assert_eq!(sniff_stdin(&corrupted), StdinContent::Dockerfile);
    }
}
