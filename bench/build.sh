#!/usr/bin/env bash
# Benchmarks `docker rbuild` against `docker build` (classic builder, DOCKER_BUILDKIT=0) on the
# same daemon, in one run:
#   (a) a cached no-op rebuild            target: rbuild <= 1.1x docker build
#   (b) a large context: 20,000 files, ~300 MB, half of it ignored by .dockerignore
#                                         target: rbuild <= 1.0x docker build, peak RSS < 64 MB
# Usage: bench/build.sh [--runs N]   (needs docker, python3; uses hyperfine when installed)
set -euo pipefail

runs=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench/build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
base_image="rbuild-test/busybox:latest"
noop_tag="rbuild-bench-noop"
large_tag="rbuild-bench-large"

bash "$root/tests/engine/ensure.sh" >/dev/null
command -v python3 >/dev/null || { echo "bench/build.sh: python3 is needed to make the context" >&2; exit 2; }

echo "== building docker-rbuild (release)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin docker-rbuild
rbuild="$root/target/release/docker-rbuild"

work="$(mktemp -d /tmp/rbuild-bench.XXXXXX)"
cleanup() {
  docker rmi -f "$noop_tag" "$large_tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# (a) a small project whose every step is cached after the first build.
mkdir -p "$work/noop"
cat >"$work/noop/Dockerfile" <<EOF
FROM $base_image
RUN echo 'hello from the benchmark' > /greeting
ENV GREETING_FILE=/greeting
CMD ["cat", "/greeting"]
EOF

# (b) 20,000 files of 15 KiB (~300 MB): keep/ is sent, ignored/ is excluded by .dockerignore.
echo "== making the large context (20,000 files, ~300 MB)"
python3 - "$work/large" <<'EOF'
import os, sys
root = sys.argv[1]
block = os.urandom(15 * 1024)
for half in ("keep", "ignored"):
    for d in range(100):
        directory = os.path.join(root, half, f"dir{d:03}")
        os.makedirs(directory, exist_ok=True)
        for f in range(100):
            with open(os.path.join(directory, f"file{f:03}.bin"), "wb") as out:
                # Distinct contents, so no layer of the stack can deduplicate them.
                out.write(f"{half}/{d}/{f}\n".encode() + block)
EOF
cat >"$work/large/Dockerfile" <<EOF
FROM $base_image
COPY keep/ /keep/
EOF
printf 'ignored/\n' >"$work/large/.dockerignore"
du -sh "$work/large" | sed 's/^/   context on disk: /'

docker_build() { echo "DOCKER_BUILDKIT=0 docker build -q -t $1 $2"; }
rbuild_build() { echo "$rbuild -q -t $1 $2"; }

# Warm both paths once, so that (a) measures cached rebuilds and (b) the same cache state.
for tag_dir in "$noop_tag $work/noop" "$large_tag $work/large"; do
  set -- $tag_dir
  bash -c "$(docker_build "$1" "$2")" >/dev/null
  bash -c "$(rbuild_build "$1" "$2")" >/dev/null
done

results="$work/results"
mkdir -p "$results"
measure() { # name docker-command rbuild-command
  local name="$1"
  if command -v hyperfine >/dev/null; then
    hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$results/$name.json" \
      -n "docker build" "$2" -n "docker rbuild" "$3" >&2
  else
    echo "   (hyperfine not installed: timing $runs runs of each with date)" >&2
    python3 - "$results/$name.json" "$runs" "$2" "$3" <<'EOF'
import json, subprocess, sys, time
out, runs, commands = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
results = []
for name, command in zip(("docker build", "docker rbuild"), commands):
    times = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - start)
    results.append({"command": name, "mean": sum(times) / len(times), "times": times})
json.dump({"results": results}, open(out, "w"))
EOF
  fi
}

echo "== (a) cached no-op rebuild"
measure noop "$(docker_build "$noop_tag" "$work/noop")" "$(rbuild_build "$noop_tag" "$work/noop")"
echo "== (b) large context"
measure large "$(docker_build "$large_tag" "$work/large")" "$(rbuild_build "$large_tag" "$work/large")"

echo "== (b) peak memory of docker rbuild"
/usr/bin/time -v "$rbuild" -q -t "$large_tag" "$work/large" >/dev/null 2>"$results/time.txt"
peak_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$results/time.txt")"

python3 - "$results" "$peak_kb" <<'EOF'
import json, sys
results, peak_kb = sys.argv[1], int(sys.argv[2])
def means(name):
    data = json.load(open(f"{results}/{name}.json"))["results"]
    return {r["command"]: r["mean"] for r in data}
print()
print(f"{'scenario':<28}{'docker build':>14}{'docker rbuild':>15}{'ratio':>8}{'target':>9}  ok")
ok_all = True
for name, label, target in (("noop", "(a) cached no-op rebuild", 1.1), ("large", "(b) large context", 1.0)):
    m = means(name)
    ratio = m["docker rbuild"] / m["docker build"]
    ok = ratio <= target
    ok_all &= ok
    print(f"{label:<28}{m['docker build']:>13.3f}s{m['docker rbuild']:>14.3f}s{ratio:>8.2f}{target:>8.1f}x  {'yes' if ok else 'NO'}")
peak_mb = peak_kb / 1024
ok = peak_mb < 64
ok_all &= ok
print(f"{'(b) rbuild peak memory':<28}{'':>14}{peak_mb:>12.1f} MB{'':>8}{'< 64 MB':>9}  {'yes' if ok else 'NO'}")
sys.exit(0 if ok_all else 1)
EOF
