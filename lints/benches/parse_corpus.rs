//! Parses the whole ../shared/corpus in one process, files read first.
//! Run: `cargo bench -p rbuild-lints --bench parse_corpus` (target: under 100 ms per pass).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PASSES: usize = 10;

fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("RBUILD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    if !dir.join("corpus").is_dir() {
        eprintln!("corpus not found at {} (set RBUILD_SHARED)", dir.display());
        std::process::exit(2);
    }
    dir
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.file_name().is_some_and(|n| n != "MANIFEST.tsv") {
            files.push(path);
        }
    }
}

fn main() {
    let mut paths = Vec::new();
    collect(&shared_dir().join("corpus"), &mut paths);
    let files: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| std::fs::read(p).expect("read corpus file"))
        .collect();
    let bytes: usize = files.iter().map(Vec::len).sum();

    let mut times: Vec<Duration> = Vec::with_capacity(PASSES);
    let mut instructions = 0;
    for _ in 0..PASSES {
        let start = Instant::now();
        instructions = 0;
        for file in &files {
            if let Ok(dockerfile) = rbuild_lints::syntax::parse_bytes(std::hint::black_box(file)) {
                instructions += dockerfile.instructions.len();
            }
        }
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "parse_corpus: {} files, {:.1} MB, {} instructions; per pass over {PASSES} passes: min {:.1} ms, median {:.1} ms",
        files.len(),
        bytes as f64 / 1e6,
        instructions,
        times[0].as_secs_f64() * 1e3,
        times[PASSES / 2].as_secs_f64() * 1e3,
    );
}
