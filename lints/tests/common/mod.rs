//! Locating the read-only test material in `../shared`.
// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

pub mod go;
pub mod meaning;

use std::path::PathBuf;

/// `$RBUILD_SHARED`, or `../shared` beside the workspace root; panics with a clear message if missing.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("RBUILD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    assert!(
        dir.join("conformance").is_dir(),
        "test material not found at {} (set RBUILD_SHARED to the shared/ directory)",
        dir.display()
    );
    dir
}

/// Sorted subdirectories of `dir`.
pub fn subdirs(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every file under `dir` named `Dockerfile*` or `*.Dockerfile`/`*.dockerfile`, sorted.
pub fn corpus_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()))
        {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != "MANIFEST.tsv") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A build context directory whose `.dockerignore` is `ignore_file`; removed on drop.
pub struct Context(pub PathBuf);

impl Context {
    pub fn new(name: &str, ignore_file: &str) -> Context {
        let dir =
            std::env::temp_dir().join(format!("rbuild-test-context-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the context");
        std::fs::write(dir.join(".dockerignore"), ignore_file).expect("write .dockerignore");
        Context(dir)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The records of `conformance/buildkit-frontend/<name>` (`cases.jsonl`, `corpus.jsonl`): one
/// JSON object per line.
pub fn buildkit_frontend_records(name: &str) -> Vec<serde_json::Value> {
    let path = shared_dir()
        .join("conformance/buildkit-frontend")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
        .collect()
}
