#!/usr/bin/env bash
# Benchmarks `docker rbuild fmt --check` against dockerfmt on the whole shared corpus (1,205
# Dockerfiles), both in one hyperfine run. Target: rbuild under 0.5 s for the corpus.
#   rbuild:    the release build of this checkout, all files in one invocation (parallel inside)
#   dockerfmt: the npm package @reteps/dockerfmt (its prebuilt Go binary) installed under
#              target/, `dockerfmt --check`, one invocation per file, two at a time: it panics
#              on some files, and a panic ends an invocation (the count is printed)
# Usage: bench/fmt.sh [RUNS]   (default 5; needs hyperfine, npm and python3)
set -euo pipefail

runs="${1:-5}"
source "$(dirname "$0")/common.sh"
need_corpus
command -v hyperfine >/dev/null || { echo "bench/fmt.sh: hyperfine is not installed" >&2; exit 2; }

build_rbuild

npm_dir="$root/target/dockerfmt-npm"
dockerfmt="$npm_dir/node_modules/@reteps/dockerfmt-linux-x64/bin/dockerfmt"
if [[ ! -x $dockerfmt ]]; then
  echo "== installing @reteps/dockerfmt from npm into $npm_dir"
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --silent @reteps/dockerfmt@0.5.4
fi
echo "== $("$dockerfmt" version)"

work="$(mktemp -d /tmp/rbuild-fmt-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
find "$corpus" -type f ! -name MANIFEST.tsv | sort >"$work/files"
count="$(wc -l <"$work/files")"
crashes="$(xargs -d '\n' -n 1 -P 2 sh -c '"$0" --check "$1" >/dev/null 2>&1; [ $? -le 1 ] || echo x' \
  "$dockerfmt" <"$work/files" | wc -l)"
echo "== $count Dockerfiles in $corpus; dockerfmt crashes on $crashes of them"

# Both exit non-zero: files to change (1), and for rbuild the one corpus file that is a Go
# template, not a Dockerfile (2).
hyperfine --style basic --ignore-failure --warmup 1 --runs "$runs" --output null \
  --export-json "$work/times.json" \
  -n "docker rbuild fmt --check" "$rbuild fmt --check $corpus" \
  -n "dockerfmt --check" "xargs -d '\\n' -n 1 -P 2 $dockerfmt --check <$work/files"

python3 - "$work/times.json" "$count" <<'EOF'
import json, sys
ours, theirs = (r["mean"] for r in json.load(open(sys.argv[1]))["results"])
print(f"\n{sys.argv[2]} Dockerfiles: docker rbuild fmt --check {ours:.3f} s, dockerfmt {theirs:.2f} s: {theirs / ours:.0f}x faster")
print("target (under 0.5 s):", "met" if ours < 0.5 else "NOT met")
sys.exit(0 if ours < 0.5 else 1)
EOF
