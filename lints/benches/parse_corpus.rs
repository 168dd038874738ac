//! Parses the whole ../shared/corpus in one process, files read first.
//! Run: `cargo bench -p rbuild-lints --bench parse_corpus` (target: under 100 ms per pass).

// The tests' helpers locate ../shared and list the corpus the same way.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

const PASSES: usize = 10;

fn main() {
    let paths = common::corpus_files(&common::shared_dir().join("corpus"));
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
