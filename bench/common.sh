# Sourced by the benchmark scripts: the checkout's root, the shared corpus, the release build.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Sets `corpus` to the shared corpus ($RBUILD_SHARED/corpus, else ../shared/corpus); exits 2
# when it is missing.
need_corpus() {
  corpus="${RBUILD_SHARED:-$root/../shared}/corpus"
  [[ -d $corpus ]] || { echo "bench/$(basename "$0"): no corpus at $corpus (set RBUILD_SHARED)" >&2; exit 2; }
}

# Builds docker-rbuild in release mode and sets `rbuild` to it.
build_rbuild() {
  echo "== building docker-rbuild (release)"
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin docker-rbuild
  rbuild="$root/target/release/docker-rbuild"
}
