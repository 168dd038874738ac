//! The build context: sources (directory, stdin, git), `.dockerignore`, and the tar stream.
//!
//! [`prepare`] resolves the context and the Dockerfile the way the docker CLI does and checks
//! everything that can be checked before the daemon is involved; [`BuildContext::into_body`]
//! then produces the archive while the request sends it.

mod archive;
mod dockerignore;
mod git;
mod source;
mod upload;

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use futures_util::Stream;
use sha2::{Digest, Sha256};

use crate::error::input_error;
pub use archive::FileDigests;
use archive::{Item, TreeArchive};
use source::{Source, StdinContent};
pub use upload::UploadProgress;

/// The Dockerfile used without `-f`.
const DEFAULT_DOCKERFILE: &str = "Dockerfile";
/// The name docker falls back to when only it exists.
const DEFAULT_DOCKERFILE_LOWERCASE: &str = "dockerfile";
/// The context's ignore file, always sent to the daemon.
const IGNORE_FILE: &str = ".dockerignore";

/// The context and Dockerfile as given on the command line.
#[derive(Debug, Clone)]
pub struct ContextSpec {
    /// A directory, `-` (stdin) or a git URL.
    pub location: String,
    /// The `-f` value; `-` reads the Dockerfile from stdin.
    pub dockerfile: Option<String>,
}

/// A resolved context, ready to be linted and sent.
#[derive(Debug)]
pub struct BuildContext {
    /// The `dockerfile` query parameter: the Dockerfile's path inside the archive.
    pub dockerfile_name: String,
    /// The Dockerfile's bytes, as they are sent: BuildKit reads bytes, so they need not be UTF-8
    /// (the lint gate reads them as `rbuild_lints::syntax::parse_bytes` does).
    pub dockerfile: Vec<u8>,
    /// How to name the Dockerfile to the user: the path as given, or `<stdin>`.
    pub dockerfile_display: String,
    /// The local context directory, when there is one (a git context has its checkout).
    pub context_dir: Option<PathBuf>,
    payload: Payload,
}

/// What the archive is made from.
#[derive(Debug)]
enum Payload {
    /// A directory walked into a tar; a git checkout stays alive until it has been sent.
    Tree {
        archive: TreeArchive,
        checkout: Option<git::Checkout>,
    },
    /// A tar archive (plain or gzip) read from stdin, spooled to an anonymous temporary file.
    Spooled(File),
}

impl Payload {
    fn write_to(self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Payload::Tree { archive, checkout } => {
                let written = archive.write(out);
                drop(checkout);
                written
            }
            Payload::Spooled(mut file) => io::copy(&mut file, out).map(drop),
        }
    }
}

/// Resolves the context and reads the Dockerfile. Missing or unreadable inputs, a bad ignore
/// file and unsupported context kinds are input errors (exit 2).
pub fn prepare(spec: &ContextSpec) -> anyhow::Result<BuildContext> {
    let dockerfile = DockerfileArg::from_flag(spec.dockerfile.as_deref());
    let location = spec.location.as_str();
    match source::classify(location) {
        Source::Stdin => {
            if dockerfile == DockerfileArg::Stdin {
                return Err(input_error(
                    "cannot read both the build context and the Dockerfile from stdin",
                ));
            }
            from_stdin(&dockerfile)
        }
        Source::Directory => {
            let root = Path::new(location).canonicalize().map_err(|err| {
                input_error(format!("unable to prepare context: {location}: {err}"))
            })?;
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            from_tree(root, location, &dockerfile, &cwd, None)
        }
        Source::Git => {
            let remote = git::parse_remote(location)?;
            let checkout = git::clone(&remote)
                .with_context(|| format!("unable to prepare context from {location}"))?;
            let root = checkout.context.clone();
            from_tree(root.clone(), "", &dockerfile, &root, Some(checkout))
        }
        Source::RemoteUrl => Err(input_error(format!(
            "unable to prepare context: {location}: remote contexts other than git repositories \
             are not supported (download the archive and pass it on stdin with `-`)"
        ))),
        Source::Missing => Err(input_error(format!(
            "unable to prepare context: path \"{location}\" not found"
        ))),
    }
}

impl BuildContext {
    /// The digests of the files the archive sends, filled in as it is sent (never for an
    /// archive read from stdin).
    pub fn file_digests(&self) -> FileDigests {
        match &self.payload {
            Payload::Tree { archive, .. } => archive.digests.clone(),
            Payload::Spooled(_) => FileDigests::default(),
        }
    }

    /// The tar stream, produced while it is sent (never the whole context in memory). Wrap it
    /// with `bollard::body_try_stream` for `Docker::build_image`.
    pub fn into_body(
        self,
        progress: UploadProgress,
    ) -> impl Stream<Item = Result<bytes::Bytes, io::Error>> + Send + 'static {
        let payload = self.payload;
        upload::stream(move |out| payload.write_to(out), progress)
    }
}

/// The `-f` flag, interpreted.
#[derive(Debug, PartialEq, Eq)]
enum DockerfileArg {
    Default,
    Stdin,
    Path(String),
}

impl DockerfileArg {
    fn from_flag(flag: Option<&str>) -> DockerfileArg {
        match flag {
            None | Some("") => DockerfileArg::Default,
            Some("-") => DockerfileArg::Stdin,
            Some(path) => DockerfileArg::Path(path.to_string()),
        }
    }
}

/// A context directory (local or a git checkout). `-f` paths are relative to `dockerfile_base`:
/// the current directory for a local context, the checkout for a git one, as in docker.
fn from_tree(
    root: PathBuf,
    location: &str,
    dockerfile: &DockerfileArg,
    dockerfile_base: &Path,
    checkout: Option<git::Checkout>,
) -> anyhow::Result<BuildContext> {
    let located = locate_dockerfile(&root, location, dockerfile, dockerfile_base)?;
    let mut ignore = dockerignore::load(&root, located.path.as_deref())?;
    ignore.keep(IGNORE_FILE)?;
    if let Some(inside) = &located.inside_name {
        ignore
            .keep(inside)
            .with_context(|| format!("cannot keep `{inside}` in the context"))?;
    }
    let mut archive = TreeArchive::list(&root, &ignore)?;
    let dockerfile_name = match located.inside_name {
        Some(name) => name,
        None => add_generated_dockerfile(&mut archive, &located.bytes)?,
    };
    Ok(BuildContext {
        dockerfile_name,
        dockerfile: located.bytes,
        dockerfile_display: located.display,
        context_dir: Some(root),
        payload: Payload::Tree { archive, checkout },
    })
}

/// A Dockerfile found for a context directory.
struct LocatedDockerfile {
    /// Its file, unless it came from stdin.
    path: Option<PathBuf>,
    /// Its path inside the context, `/`-separated, when it is inside.
    inside_name: Option<String>,
    bytes: Vec<u8>,
    display: String,
}

fn locate_dockerfile(
    root: &Path,
    location: &str,
    dockerfile: &DockerfileArg,
    dockerfile_base: &Path,
) -> anyhow::Result<LocatedDockerfile> {
    let (path, display) = match dockerfile {
        DockerfileArg::Stdin => {
            return Ok(LocatedDockerfile {
                path: None,
                inside_name: None,
                bytes: read_stdin_dockerfile()?,
                display: "<stdin>".to_string(),
            })
        }
        DockerfileArg::Path(given) => (dockerfile_base.join(given), given.clone()),
        DockerfileArg::Default => {
            let name = if !root.join(DEFAULT_DOCKERFILE).exists()
                && root.join(DEFAULT_DOCKERFILE_LOWERCASE).exists()
            {
                DEFAULT_DOCKERFILE_LOWERCASE
            } else {
                DEFAULT_DOCKERFILE
            };
            // `Dockerfile` rather than `./Dockerfile` for the usual `docker rbuild .`.
            let display = match location {
                "." | "./" => name.to_string(),
                _ => Path::new(location).join(name).display().to_string(),
            };
            (root.join(name), display)
        }
    };
    let resolved = path
        .canonicalize()
        .map_err(|err| input_error(format!("cannot find the Dockerfile {display}: {err}")))?;
    if !resolved.is_file() {
        return Err(input_error(format!(
            "the Dockerfile {display} is not a file"
        )));
    }
    let bytes = crate::input::read_file(&resolved)
        .map_err(|reason| input_error(format!("cannot read the Dockerfile {display}: {reason}")))?;
    let inside_name = resolved
        .strip_prefix(root)
        .ok()
        .map(|relative| relative.to_string_lossy().into_owned());
    Ok(LocatedDockerfile {
        path: Some(path),
        inside_name,
        bytes,
        display,
    })
}

/// Adds a Dockerfile that is not part of the context under a name derived from its content
/// (docker uses a random `.dockerfile.<hex>`; a stable name keeps the build cache), and lists
/// that name in the archive's `.dockerignore` so `COPY . ...` does not pick it up.
fn add_generated_dockerfile(
    archive: &mut TreeArchive,
    dockerfile: &[u8],
) -> anyhow::Result<String> {
    let digest = Sha256::digest(dockerfile);
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    let name = format!(".dockerfile.{hex}");
    let existing = archive
        .items
        .iter()
        .position(|item| matches!(item, Item::Disk(path) if path == Path::new(IGNORE_FILE)));
    let mut ignore_text = match existing {
        Some(index) => {
            let path = archive.root.join(IGNORE_FILE);
            let mut contents = crate::input::read_file(&path).map_err(|reason| {
                input_error(format!("cannot read {}: {reason}", path.display()))
            })?;
            archive.items.remove(index);
            contents.push(b'\n');
            contents
        }
        None => Vec::new(),
    };
    ignore_text.extend_from_slice(format!("{name}\n").as_bytes());
    archive.items.push(Item::Generated {
        name: name.clone(),
        contents: dockerfile.to_vec(),
    });
    archive.items.push(Item::Generated {
        name: IGNORE_FILE.to_string(),
        contents: ignore_text,
    });
    Ok(name)
}

/// Reads all of stdin as the Dockerfile.
fn read_stdin_dockerfile() -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::stdin()
        .read_to_end(&mut bytes)
        .context("cannot read the Dockerfile from stdin")?;
    Ok(bytes)
}

/// `-` as the context: a tar archive (plain or gzip), or the text of a Dockerfile.
fn from_stdin(dockerfile: &DockerfileArg) -> anyhow::Result<BuildContext> {
    let mut stdin = io::stdin().lock();
    let mut head = Vec::with_capacity(512);
    (&mut stdin)
        .take(512)
        .read_to_end(&mut head)
        .context("cannot read the build context from stdin")?;
    let gzip = match source::sniff_stdin(&head) {
        StdinContent::Dockerfile => {
            let mut bytes = head;
            stdin
                .read_to_end(&mut bytes)
                .context("cannot read the Dockerfile from stdin")?;
            let archive = TreeArchive {
                root: PathBuf::new(),
                items: vec![Item::Generated {
                    name: DEFAULT_DOCKERFILE.to_string(),
                    contents: bytes.clone(),
                }],
                digests: FileDigests::default(),
            };
            return Ok(BuildContext {
                dockerfile_name: DEFAULT_DOCKERFILE.to_string(),
                dockerfile: bytes,
                dockerfile_display: "<stdin>".to_string(),
                context_dir: None,
                payload: Payload::Tree {
                    archive,
                    checkout: None,
                },
            });
        }
        StdinContent::OtherCompression(kind) => {
            return Err(input_error(format!(
                "the context on stdin is compressed with {kind}; only plain or gzip tar archives are supported"
            )))
        }
        StdinContent::Tar => false,
        StdinContent::GzipTar => true,
    };
    let mut spool = tempfile::tempfile().context("cannot create a temporary file for stdin")?;
    spool.write_all(&head)?;
    io::copy(&mut stdin, &mut spool).context("cannot read the build context from stdin")?;
    spool.rewind()?;
    let wanted = match dockerfile {
        DockerfileArg::Path(path) => vec![path.as_str()],
        _ => vec![DEFAULT_DOCKERFILE, DEFAULT_DOCKERFILE_LOWERCASE],
    };
    let (name, dockerfile) = find_in_archive(&mut spool, gzip, &wanted)?;
    spool.rewind()?;
    Ok(BuildContext {
        dockerfile_name: name.clone(),
        dockerfile,
        dockerfile_display: name,
        context_dir: None,
        payload: Payload::Spooled(spool),
    })
}

/// Finds the first of `wanted` (in order of preference) among the archive's regular files:
/// its name and bytes.
fn find_in_archive(
    file: &mut File,
    gzip: bool,
    wanted: &[&str],
) -> anyhow::Result<(String, Vec<u8>)> {
    let reader: Box<dyn Read + '_> = if gzip {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let wanted: Vec<String> = wanted.iter().map(|w| dockerignore::clean_path(w)).collect();
    let mut found: Vec<Option<Vec<u8>>> = vec![None; wanted.len()];
    let invalid = |err: io::Error| {
        input_error(format!(
            "the context on stdin is not a valid tar archive: {err}"
        ))
    };
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(invalid)? {
        let mut entry = entry.map_err(invalid)?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = dockerignore::clean_path(&entry.path().map_err(invalid)?.to_string_lossy());
        if let Some(index) = wanted.iter().position(|w| *w == path) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(invalid)?;
            found[index] = Some(bytes);
        }
    }
    let missing = wanted[0].clone();
    wanted
        .into_iter()
        .zip(found)
        .find_map(|(name, bytes)| bytes.map(|bytes| (name, bytes)))
        .ok_or_else(|| {
            input_error(format!(
                "cannot find the Dockerfile {missing} in the archive on stdin"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::os::unix::fs::{symlink, PermissionsExt};

    /// What an archive holds: path -> (entry type, mode, uid, gid, link target or content).
    fn read_back(
        context: BuildContext,
    ) -> BTreeMap<String, (tar::EntryType, u32, u64, u64, String)> {
        let mut bytes = Vec::new();
        context.payload.write_to(&mut bytes).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut entries = BTreeMap::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let detail = match entry.link_name().unwrap() {
                Some(target) => target.to_string_lossy().into_owned(),
                None => {
                    let mut content = String::new();
                    entry.read_to_string(&mut content).unwrap();
                    content
                }
            };
            let record = (
                header.entry_type(),
                header.mode().unwrap(),
                header.uid().unwrap(),
                header.gid().unwrap(),
                detail,
            );
            assert_eq!(header.username().unwrap(), Some(""));
            entries.insert(path, record);
        }
        entries
    }

    fn write(root: &Path, relative: &str, contents: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    fn spec(location: &Path, dockerfile: Option<&str>) -> ContextSpec {
        ContextSpec {
            location: location.to_string_lossy().into_owned(),
            dockerfile: dockerfile.map(str::to_string),
        }
    }

    #[test]
    fn the_archive_keeps_links_modes_owners_and_long_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "Dockerfile", "FROM scratch\n");
        write(root, "bin/run.sh", "#!/bin/sh\n");
        std::fs::set_permissions(
            root.join("bin/run.sh"),
            std::fs::Permissions::from_mode(0o751),
        )
        .unwrap();
        symlink("bin/run.sh", root.join("link")).unwrap();
        symlink("/nowhere/at/all", root.join("dangling")).unwrap();
        let long = format!("{}/{}.txt", "d".repeat(80), "f".repeat(120));
        write(root, &long, "long");
        std::fs::create_dir(root.join("empty")).unwrap();
        nix_mkfifo(&root.join("pipe"));

        let context = prepare(&spec(root, None)).unwrap();
        assert_eq!(context.dockerfile_name, "Dockerfile");
        assert_eq!(context.dockerfile, b"FROM scratch\n");
        assert_eq!(
            context.context_dir.as_deref(),
            Some(root.canonicalize().unwrap().as_path())
        );
        let entries = read_back(context);
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        assert!(!names.contains(&"pipe"), "fifos are skipped: {names:?}");
        assert_eq!(entries["bin/run.sh"].0, tar::EntryType::Regular);
        assert_eq!(entries["bin/run.sh"].1, 0o751);
        assert_eq!(entries["bin/run.sh"].4, "#!/bin/sh\n");
        assert_eq!(entries["link"].0, tar::EntryType::Symlink);
        assert_eq!(entries["link"].4, "bin/run.sh");
        assert_eq!(entries["dangling"].4, "/nowhere/at/all");
        assert_eq!(entries["empty/"].0, tar::EntryType::Directory);
        assert_eq!(entries[long.as_str()].4, "long");
        assert!(
            entries.values().all(|e| e.2 == 0 && e.3 == 0),
            "owned by root"
        );
    }

    fn nix_mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn ignored_paths_are_left_out_but_the_dockerfile_and_ignore_file_stay() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "build/Dockerfile", "FROM scratch\n");
        write(root, "build/other", "x");
        write(
            root,
            ".dockerignore",
            "build\n.dockerignore\n*.log\nnode_modules\n",
        );
        write(root, "app.log", "x");
        write(root, "src/main.rs", "x");
        write(root, "node_modules/a/b.js", "x");
        let context = prepare(&spec(
            root,
            Some(&root.join("build/Dockerfile").to_string_lossy()),
        ))
        .unwrap();
        assert_eq!(context.dockerfile_name, "build/Dockerfile");
        let names: Vec<String> = read_back(context).into_keys().collect();
        assert_eq!(
            names,
            [".dockerignore", "build/Dockerfile", "src/", "src/main.rs"]
        );
    }

    #[test]
    fn a_dockerfile_specific_ignore_file_replaces_the_root_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "Dockerfile.dev", "FROM scratch\n");
        write(root, "Dockerfile.dev.dockerignore", "secret\n");
        write(root, ".dockerignore", "public\n");
        write(root, "secret", "x");
        write(root, "public", "x");
        let dockerfile = root.join("Dockerfile.dev");
        let context = prepare(&spec(root, Some(&dockerfile.to_string_lossy()))).unwrap();
        let names: Vec<String> = read_back(context).into_keys().collect();
        assert!(names.contains(&"public".to_string()), "{names:?}");
        assert!(!names.contains(&"secret".to_string()), "{names:?}");
    }

    #[test]
    fn a_dockerfile_outside_the_context_is_added_under_a_generated_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ctx");
        write(&root, "file", "x");
        write(&root, ".dockerignore", "*.tmp");
        write(dir.path(), "elsewhere/Dockerfile", "FROM scratch\n");
        let dockerfile = dir.path().join("elsewhere/Dockerfile");
        let context = prepare(&spec(&root, Some(&dockerfile.to_string_lossy()))).unwrap();
        let name = context.dockerfile_name.clone();
        assert!(name.starts_with(".dockerfile."), "{name}");
        let digests = context.file_digests();
        let entries = read_back(context);
        assert_eq!(entries[name.as_str()].4, "FROM scratch\n");
        assert_eq!(entries[".dockerignore"].4, format!("*.tmp\n{name}\n"));
        // No COPY takes the generated Dockerfile: it is not among the files compared.
        let digested: Vec<&String> = digests.get().unwrap().keys().collect();
        assert_eq!(digested, [".dockerignore", "file"]);
    }

    #[test]
    fn a_dockerfile_that_is_not_utf8_is_sent_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ctx");
        write(&root, "file", "x");
        let latin1 = b"# Auteur: Ren\xe9\nFROM scratch\n";
        let dockerfile = dir.path().join("Dockerfile");
        std::fs::write(&dockerfile, latin1).unwrap();
        let context = prepare(&spec(&root, Some(&dockerfile.to_string_lossy()))).unwrap();
        assert_eq!(context.dockerfile, latin1);
        let name = context.dockerfile_name.clone();
        let mut bytes = Vec::new();
        context.payload.write_to(&mut bytes).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut entry = archive
            .entries()
            .unwrap()
            .map(Result::unwrap)
            .find(|entry| entry.path().unwrap().to_string_lossy() == name)
            .expect("the generated Dockerfile");
        let mut sent = Vec::new();
        entry.read_to_end(&mut sent).unwrap();
        assert_eq!(sent, latin1);
    }

    #[test]
    fn missing_inputs_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        let is_input_error = |err: anyhow::Error| {
            err.chain()
                .any(|cause| cause.is::<crate::error::InputError>())
        };
        let err = prepare(&spec(&dir.path().join("nope"), None)).unwrap_err();
        assert!(err.to_string().contains("not found"), "{err}");
        assert!(is_input_error(err));
        let err = prepare(&spec(dir.path(), None)).unwrap_err();
        assert!(
            err.to_string().contains("cannot find the Dockerfile"),
            "{err}"
        );
        assert!(is_input_error(err));
        let err = prepare(&ContextSpec {
            location: "http://example.com/context.tar.gz".into(),
            dockerfile: None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("not supported"), "{err}");
        assert!(is_input_error(err));
        write(dir.path(), "Dockerfile", "FROM scratch\n");
        write(dir.path(), ".dockerignore", "ok\n[bad\n");
        let err = prepare(&spec(dir.path(), None)).unwrap_err();
        assert!(
            err.to_string()
                .contains(".dockerignore:2:1: invalid pattern"),
            "{err}"
        );
        assert!(is_input_error(err));
    }

    #[test]
    fn the_body_stream_is_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Dockerfile", "FROM scratch\n");
        write(dir.path(), "data.bin", &"z".repeat(1_000_000));
        let context = prepare(&spec(dir.path(), None)).unwrap();
        let body = context.into_body(UploadProgress::Hidden);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let chunks: Vec<_> = runtime.block_on(futures_util::StreamExt::collect::<Vec<_>>(body));
        let bytes: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["Dockerfile", "data.bin"]);
    }

    #[test]
    fn digests_of_the_sent_files_are_known_once_the_archive_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "Dockerfile", "FROM scratch\n");
        write(root, "src/a.txt", "one");
        write(root, "skipped.log", "x");
        write(root, ".dockerignore", "*.log\n");
        symlink("src/a.txt", root.join("link")).unwrap();
        let digests_of = |root: &Path| {
            let context = prepare(&spec(root, None)).unwrap();
            let digests = context.file_digests();
            assert!(digests.get().is_none(), "not before it is sent");
            context.payload.write_to(&mut Vec::new()).unwrap();
            digests.get().unwrap().clone()
        };
        let first = digests_of(root);
        let names: Vec<&str> = first.keys().map(String::as_str).collect();
        assert_eq!(names, [".dockerignore", "Dockerfile", "link", "src/a.txt"]);
        assert_eq!(first["link"], "->src/a.txt");
        write(root, "src/a.txt", "two");
        let second = digests_of(root);
        assert_ne!(first["src/a.txt"], second["src/a.txt"]);
        assert_eq!(first["Dockerfile"], second["Dockerfile"]);
        std::fs::set_permissions(
            root.join("Dockerfile"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        assert_ne!(
            digests_of(root)["Dockerfile"],
            second["Dockerfile"],
            "the mode counts"
        );
    }

    #[test]
    fn a_file_over_8_gb_gets_a_header_that_holds_its_size() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Dockerfile", "FROM scratch\n");
        let size: u64 = 9 << 30;
        // Sparse: no disk is used, and only the start of the stream is read.
        File::create(dir.path().join("big"))
            .unwrap()
            .set_len(size)
            .unwrap();
        let context = prepare(&spec(dir.path(), None)).unwrap();
        let mut body = Box::pin(context.into_body(UploadProgress::Hidden));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut start = Vec::new();
        while start.len() < 1536 {
            let chunk = runtime.block_on(futures_util::StreamExt::next(&mut body));
            start.extend_from_slice(&chunk.unwrap().unwrap());
        }
        // `Dockerfile` (a header and one data block) comes first, then `big`.
        let header = tar::Header::from_byte_slice(&start[1024..1536]);
        assert_eq!(header.path().unwrap(), Path::new("big"));
        assert_eq!(header.entry_size().unwrap(), size);
    }

    #[test]
    fn a_file_that_vanishes_before_it_is_sent_ends_the_stream_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Dockerfile", "FROM scratch\n");
        write(dir.path(), "data/gone.txt", "x");
        let context = prepare(&spec(dir.path(), None)).unwrap();
        std::fs::remove_file(dir.path().join("data/gone.txt")).unwrap();
        let body = context.into_body(UploadProgress::Hidden);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let chunks: Vec<_> = runtime.block_on(futures_util::StreamExt::collect::<Vec<_>>(body));
        let err = chunks.last().unwrap().as_ref().unwrap_err();
        assert!(err.to_string().contains("data/gone.txt"), "{err}");
    }

    #[test]
    fn a_stdin_archive_is_searched_for_its_dockerfile() {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, text) in [
            ("sub/Dockerfile.ci", "FROM a\n"),
            ("dockerfile", "FROM b\n"),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, name, text.as_bytes())
                .unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let mut spool = tempfile::tempfile().unwrap();
        spool.write_all(&tar).unwrap();
        spool.rewind().unwrap();
        let (name, dockerfile) =
            find_in_archive(&mut spool, false, &["Dockerfile", "dockerfile"]).unwrap();
        assert_eq!(
            (name.as_str(), dockerfile.as_slice()),
            ("dockerfile", &b"FROM b\n"[..])
        );
        spool.rewind().unwrap();
        let (name, _) = find_in_archive(&mut spool, false, &["./sub/Dockerfile.ci"]).unwrap();
        assert_eq!(name, "sub/Dockerfile.ci");
        spool.rewind().unwrap();
        let err = find_in_archive(&mut spool, false, &["missing"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot find the Dockerfile missing"),
            "{err}"
        );
    }
}
