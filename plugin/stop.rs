//! Stopping the commands that run without an async runtime (`lint`, `parse`, `rules`,
//! `version`): SIGINT, SIGTERM, the docker CLI closing its plugin socket or exiting end the
//! process at once with 130 (143 for SIGTERM) and one `error:` line, after removing the
//! temporary files registered here, so that no partial output file is left behind.
//! Builds stop through the same [`StopSignals`], inside their own runtime.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context as _;

use crate::build::cancel::StopSignals;

/// Temporary files to remove when the process is stopped.
static TEMPORARY_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Starts listening; returns once the signal handlers are in place.
pub fn watch() -> anyhow::Result<()> {
    let (ready, listening) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("stop-watcher".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(err) => return drop(ready.send(Err(err))),
            };
            runtime.block_on(async {
                let mut stops = match StopSignals::listen().await {
                    Ok(stops) => {
                        let _ = ready.send(Ok(()));
                        stops
                    }
                    Err(err) => return drop(ready.send(Err(err))),
                };
                let reason = stops.recv().await;
                // Held until the process exits: a file being renamed into place is either
                // complete or removed, never half there.
                let mut files = lock();
                for path in files.drain(..) {
                    let _ = std::fs::remove_file(path);
                }
                eprintln!("error: stopped by {reason}: interrupted");
                std::process::exit(reason.exit_code().into())
            })
        })
        .context("cannot start the signal watcher")?;
    listening
        .recv()
        .context("the signal watcher stopped")?
        .context("cannot listen for SIGINT and SIGTERM")
}

/// A temporary file that is removed if the process is stopped while this lives.
pub struct Registered(PathBuf);

impl Registered {
    pub fn new(temporary: &Path) -> Registered {
        lock().push(temporary.to_path_buf());
        Registered(temporary.to_path_buf())
    }

    /// Runs `rename` (which moves the file into place) so that a stop cannot come in the
    /// middle: the stop waits for it, and finds nothing left to remove.
    pub fn finish<T>(self, rename: impl FnOnce() -> T) -> T {
        let mut files = lock();
        let result = rename();
        files.retain(|path| *path != self.0);
        result
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock().retain(|path| *path != self.0);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARY_FILES.lock().unwrap_or_else(|e| e.into_inner())
}
