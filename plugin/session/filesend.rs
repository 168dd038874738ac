//! Exported files (`--output`): BuildKit sends them back over the session's `FileSend`.
//! A `tar` export arrives as one byte stream (the archive); a `local` export arrives in
//! fsutil's packet protocol: every entry's stat first, then the data of the files we ask for.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bollard::fsutil::types::packet::PacketType;
use bollard::fsutil::types::{Packet, Stat};
use bollard::moby::filesync::packet::file_send_server::FileSend as PacketFileSend;
use bollard::moby::filesync::v1::file_send_server::FileSend;
use bollard::moby::filesync::v1::BytesMessage;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

/// Go's `fs.FileMode` bits, which fsutil's stats carry.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
/// Every type bit: a mode with none of them is a regular file.
const MODE_TYPE: u32 =
    MODE_DIR | MODE_SYMLINK | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19);
const MODE_PERM: u32 = 0o777;

/// Where an export goes.
#[derive(Debug, Clone)]
pub enum Export {
    /// `type=local,dest=DIR`: the files, into a directory.
    Directory(PathBuf),
    /// `type=tar,dest=FILE|-`: one archive.
    Archive(Archive),
}

/// Where a tar export goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveDest {
    File(PathBuf),
    Stdout,
}

/// A tar export: written next to its destination and moved there once the build has
/// succeeded, so a failed or interrupted build never leaves a partial archive.
#[derive(Debug, Clone)]
pub struct Archive {
    inner: Arc<ArchiveState>,
}

#[derive(Debug)]
struct ArchiveState {
    dest: ArchiveDest,
    /// Set once the whole archive was received.
    received: Mutex<bool>,
    /// Set once it is in place: nothing to clean up.
    finished: Mutex<bool>,
}

impl Archive {
    pub fn new(dest: ArchiveDest) -> Archive {
        Archive {
            inner: Arc::new(ArchiveState {
                dest,
                received: Mutex::new(false),
                finished: Mutex::new(false),
            }),
        }
    }

    /// Moves the received archive into place; an error if the daemon sent none.
    pub fn finish(&self) -> anyhow::Result<()> {
        let received = *self.inner.received.lock().expect("archive state lock");
        if !received {
            anyhow::bail!("the daemon sent no archive for --output type=tar");
        }
        if let ArchiveDest::File(dest) = &self.inner.dest {
            std::fs::rename(self.inner.partial(dest), dest)
                .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", dest.display()))?;
        }
        *self.inner.finished.lock().expect("archive state lock") = true;
        Ok(())
    }
}

impl ArchiveState {
    fn partial(&self, dest: &Path) -> PathBuf {
        let name = dest
            .file_name()
            .unwrap_or(dest.as_os_str())
            .to_string_lossy();
        dest.with_file_name(format!(".{name}.{}.partial", std::process::id()))
    }
}

impl Drop for ArchiveState {
    fn drop(&mut self) {
        let finished = self.finished.lock().map(|done| *done).unwrap_or(false);
        if let (false, ArchiveDest::File(dest)) = (finished, &self.dest) {
            let _ = std::fs::remove_file(self.partial(dest));
        }
    }
}

type Replies<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl FileSend for Archive {
    type DiffCopyStream = Replies<BytesMessage>;

    async fn diff_copy(
        &self,
        request: Request<Streaming<BytesMessage>>,
    ) -> Result<Response<Self::DiffCopyStream>, Status> {
        let mut chunks = request.into_inner();
        let write_failed =
            |err: std::io::Error| Status::internal(format!("writing the archive: {err}"));
        let mut out: Pin<Box<dyn tokio::io::AsyncWrite + Send>> = match &self.inner.dest {
            ArchiveDest::Stdout => Box::pin(tokio::io::stdout()),
            ArchiveDest::File(dest) => Box::pin(
                tokio::fs::File::create(self.inner.partial(dest))
                    .await
                    .map_err(write_failed)?,
            ),
        };
        while let Some(chunk) = chunks.next().await {
            out.write_all(&chunk?.data).await.map_err(write_failed)?;
        }
        out.flush().await.map_err(write_failed)?;
        *self.inner.received.lock().expect("archive state lock") = true;
        Ok(Response::new(Box::pin(futures_util::stream::empty())))
    }
}

/// A local export's receiver: into `dest`, kept as it is where the export has nothing (as
/// BuildKit's own client merges).
pub struct Directory {
    dest: PathBuf,
}

impl Directory {
    pub fn new(dest: PathBuf) -> Directory {
        Directory { dest }
    }
}

#[tonic::async_trait]
impl PacketFileSend for Directory {
    type DiffCopyStream = Replies<Packet>;

    async fn diff_copy(
        &self,
        request: Request<Streaming<Packet>>,
    ) -> Result<Response<Self::DiffCopyStream>, Status> {
        let (replies, receiver) = mpsc::channel(16);
        let mut receive = Receive {
            dest: self.dest.clone(),
            replies: replies.clone(),
            next_id: 0,
            wanted: Vec::new(),
            open: HashMap::new(),
            symlinks: HashSet::new(),
            stats_done: false,
        };
        let packets = request.into_inner();
        tokio::spawn(async move {
            if let Err(status) = receive.run(packets).await {
                let _ = replies.send(Err(status)).await;
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }
}

/// One local export in progress.
struct Receive {
    dest: PathBuf,
    replies: mpsc::Sender<Result<Packet, Status>>,
    /// fsutil numbers every stat in order; a file's data is asked for by its number.
    next_id: u32,
    /// Regular files made empty, whose data is still to ask for, by number.
    wanted: Vec<(u32, File, Stat)>,
    /// Files being written, by number.
    open: HashMap<u32, (File, Stat)>,
    /// Symbolic links made so far: nothing is written through one.
    symlinks: HashSet<PathBuf>,
    stats_done: bool,
}

impl Receive {
    // Disk work is done in place: each step is one small file system call or write, and a
    // build's session has its own connection task.
    async fn run(&mut self, mut packets: Streaming<Packet>) -> Result<(), Status> {
        std::fs::create_dir_all(&self.dest).map_err(|err| self.failed(&self.dest, err))?;
        while let Some(packet) = packets.next().await {
            let packet = packet?;
            match PacketType::try_from(packet.r#type) {
                Ok(PacketType::PacketStat) => match packet.stat {
                    Some(stat) => self.entry(stat)?,
                    None => {
                        self.stats_done = true;
                        for (id, file, stat) in std::mem::take(&mut self.wanted) {
                            self.open.insert(id, (file, stat));
                            self.send(Packet {
                                r#type: PacketType::PacketReq.into(),
                                id,
                                ..Packet::default()
                            })
                            .await?;
                        }
                        self.finish_if_done().await?;
                    }
                },
                Ok(PacketType::PacketData) => {
                    let Some((file, _)) = self.open.get_mut(&packet.id) else {
                        return Err(Status::invalid_argument(format!(
                            "data for file {} that was not asked for",
                            packet.id
                        )));
                    };
                    if packet.data.is_empty() {
                        let (file, stat) = self.open.remove(&packet.id).expect("open file");
                        finish_file(&file, &stat)
                            .map_err(|err| Status::internal(format!("{}: {err}", stat.path)))?;
                        self.finish_if_done().await?;
                    } else {
                        file.write_all(&packet.data).map_err(|err| {
                            Status::internal(format!("writing an exported file: {err}"))
                        })?;
                    }
                }
                Ok(PacketType::PacketFin) => return Ok(()),
                Ok(PacketType::PacketErr) => {
                    return Err(Status::aborted(format!(
                        "the export failed: {}",
                        String::from_utf8_lossy(&packet.data)
                    )))
                }
                Ok(PacketType::PacketReq) | Err(_) => {
                    return Err(Status::invalid_argument(
                        "unexpected packet in a local export",
                    ))
                }
            }
        }
        Ok(())
    }

    /// Makes one entry; a regular file's data is asked for once every stat is known.
    fn entry(&mut self, stat: Stat) -> Result<(), Status> {
        let id = self.next_id;
        self.next_id += 1;
        let relative = safe_relative(&stat.path).ok_or_else(|| {
            Status::invalid_argument(format!("unsafe export path {:?}", stat.path))
        })?;
        if relative
            .ancestors()
            .skip(1)
            .any(|parent| self.symlinks.contains(parent))
        {
            return Err(Status::invalid_argument(format!(
                "export path {:?} is under a symbolic link",
                stat.path
            )));
        }
        let path = self.dest.join(&relative);
        let made = if stat.mode & MODE_DIR != 0 {
            match std::fs::create_dir(&path) {
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {
                    Ok(())
                }
                other => other,
            }
            .and_then(|()| set_permissions(&path, stat.mode))
        } else if stat.mode & MODE_SYMLINK != 0 {
            self.symlinks.insert(relative);
            remove_file_if_any(&path)
                .and_then(|()| std::os::unix::fs::symlink(&stat.linkname, &path))
        } else if stat.mode & MODE_TYPE != 0 {
            // Devices, pipes and sockets cannot be made by an unprivileged client; BuildKit's
            // own client skips what it cannot make too.
            Ok(())
        } else if !stat.linkname.is_empty() {
            // A hard link to an earlier file of the export.
            let target = safe_relative(&stat.linkname)
                .map(|target| self.dest.join(target))
                .ok_or_else(|| {
                    Status::invalid_argument(format!("unsafe hard link {:?}", stat.linkname))
                })?;
            remove_file_if_any(&path).and_then(|()| std::fs::hard_link(target, &path))
        } else {
            // Made now, filled once every stat is known: a later hard link can point at it.
            File::create(&path).map(|file| self.wanted.push((id, file, stat)))
        };
        made.map_err(|err| self.failed(&path, err))
    }

    /// Every file is written: tell the sender we are done.
    async fn finish_if_done(&mut self) -> Result<(), Status> {
        if self.stats_done && self.open.is_empty() {
            self.send(Packet {
                r#type: PacketType::PacketFin.into(),
                ..Packet::default()
            })
            .await?;
        }
        Ok(())
    }

    async fn send(&self, packet: Packet) -> Result<(), Status> {
        self.replies
            .send(Ok(packet))
            .await
            .map_err(|_| Status::cancelled("the export was abandoned"))
    }

    fn failed(&self, path: &Path, err: std::io::Error) -> Status {
        Status::internal(format!("cannot write {}: {err}", path.display()))
    }
}

/// A relative path with only normal components, or `None`.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    let normal = path
        .components()
        .all(|component| matches!(component, Component::Normal(_) | Component::CurDir));
    (normal && path.components().any(|c| matches!(c, Component::Normal(_))))
        .then(|| path.to_path_buf())
}

fn remove_file_if_any(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn set_permissions(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & MODE_PERM))
}

/// A received file gets its mode and modification time.
fn finish_file(file: &File, stat: &Stat) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    file.set_permissions(std::fs::Permissions::from_mode(stat.mode & MODE_PERM))?;
    if let Ok(nanos) = u64::try_from(stat.mod_time) {
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_paths_stay_inside_the_destination() {
        assert_eq!(safe_relative("app/bin"), Some(PathBuf::from("app/bin")));
        assert_eq!(safe_relative("../etc/passwd"), None);
        assert_eq!(safe_relative("/etc/passwd"), None);
        assert_eq!(safe_relative("a/../../b"), None);
        assert_eq!(safe_relative(""), None);
    }

    #[test]
    fn an_archive_never_lands_before_it_is_complete() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.tar");
        let archive = Archive::new(ArchiveDest::File(dest.clone()));
        assert!(archive.finish().is_err());
        let partial = archive.inner.partial(&dest);
        std::fs::write(&partial, "half").unwrap();
        drop(archive);
        assert!(!partial.exists() && !dest.exists());
    }
}
