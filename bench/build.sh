#!/usr/bin/env bash
# Benchmarks `docker rbuild` against `docker build` (classic builder, DOCKER_BUILDKIT=0) on the
# same daemon, in one run:
#   (a) a cached no-op rebuild            target: rbuild <= 1.1x docker build
#   (b) a large context: 20,000 files, ~300 MB, half of it ignored by .dockerignore
#                                         target: rbuild <= 1.0x docker build, peak RSS < 64 MB
# Usage: bench/build.sh [--runs N] [--large-runs N] [--rounds N]
#   (needs docker and python3; uses hyperfine when installed, /usr/bin/time -v for memory)
set -euo pipefail

runs=10        # per round, scenario (a)
large_runs=2   # per round, scenario (b)
rounds=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --large-runs) large_runs="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench/build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source "$(dirname "$0")/common.sh"
base_image="rbuild-test/busybox:static"
noop_tag="rbuild-bench-noop"
large_tag="rbuild-bench-large"

bash "$root/tests/engine/ensure.sh" >/dev/null
command -v python3 >/dev/null || { echo "bench/build.sh: python3 is needed to make the context" >&2; exit 2; }

build_rbuild

work="$(mktemp -d /tmp/rbuild-bench.XXXXXX)"
# Every image the benchmark builds carries this label, so that cleanup also finds the untagged
# ones left when the two tools' builds did not share a cache entry.
bench_label="rbuild-bench=$$"
cleanup() {
  docker rmi -f "$noop_tag" "$large_tag" >/dev/null 2>&1 || true
  docker image ls -q --filter "label=$bench_label" | xargs -r docker rmi -f >/dev/null 2>&1 || true
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

docker_build() { echo "DOCKER_BUILDKIT=0 docker build -q --label $bench_label -t $1 $2"; }
rbuild_build() { echo "$rbuild -q --label $bench_label -t $1 $2"; }

# Warm both paths once, so that (a) measures cached rebuilds and (b) the same cache state.
for tag_dir in "$noop_tag $work/noop" "$large_tag $work/large"; do
  set -- $tag_dir
  bash -c "$(docker_build "$1" "$2")" >/dev/null
  bash -c "$(rbuild_build "$1" "$2")" >/dev/null
done

results="$work/results"
mkdir -p "$results"
# The machine may be shared: runs are split into rounds that alternate the two commands, so a
# change of load hits both, and the verdict uses medians.
measure() { # name runs-per-round docker-command rbuild-command
  local name="$1" per_round="$2" round
  for round in $(seq "$rounds"); do
    if command -v hyperfine >/dev/null; then
      hyperfine --style basic --runs "$per_round" --export-json "$results/$name.$round.json" \
        -n "docker build" "$3" -n "docker rbuild" "$4" >&2
    else
      python3 - "$results/$name.$round.json" "$per_round" "$3" "$4" <<'EOF_PY'
import json, subprocess, sys, time
out, runs, commands = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
results = []
for name, command in zip(("docker build", "docker rbuild"), commands):
    times = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.monotonic() - start)
    results.append({"command": name, "times": times})
json.dump({"results": results}, open(out, "w"))
EOF_PY
    fi
  done
}

command -v hyperfine >/dev/null || echo "   (hyperfine not installed: timing with python3)" >&2
echo "== (a) cached no-op rebuild ($rounds rounds of $runs runs)"
measure noop "$runs" "$(docker_build "$noop_tag" "$work/noop")" "$(rbuild_build "$noop_tag" "$work/noop")"
echo "== (b) large context ($rounds rounds of $large_runs runs)"
measure large "$large_runs" "$(docker_build "$large_tag" "$work/large")" "$(rbuild_build "$large_tag" "$work/large")"

echo "== (b) peak memory of docker rbuild"
/usr/bin/time -v "$rbuild" -q --label "$bench_label" -t "$large_tag" "$work/large" >/dev/null 2>"$results/time.txt"
peak_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$results/time.txt")"

python3 - "$results" "$peak_kb" <<'EOF'
import glob, json, statistics, sys
results, peak_kb = sys.argv[1], int(sys.argv[2])
def times(name):
    collected = {"docker build": [], "docker rbuild": []}
    for path in sorted(glob.glob(f"{results}/{name}.*.json")):
        for result in json.load(open(path))["results"]:
            collected[result["command"]] += result["times"]
    return collected
print()
print(f"{'scenario':<26}{'docker build':>22}{'docker rbuild':>22}{'ratio':>7}{'target':>8}  ok")
print(f"{'':<26}{'median (mean)':>22}{'median (mean)':>22}{'(med)':>7}")
ok_all = True
for name, label, target in (("noop", "(a) cached no-op rebuild", 1.1), ("large", "(b) large context", 1.0)):
    t = times(name)
    med = {k: statistics.median(v) for k, v in t.items()}
    mean = {k: statistics.mean(v) for k, v in t.items()}
    ratio = med["docker rbuild"] / med["docker build"]
    ok = ratio <= target
    ok_all &= ok
    cell = lambda k: f"{med[k]:.3f}s ({mean[k]:.3f}s)"
    print(f"{label:<26}{cell('docker build'):>22}{cell('docker rbuild'):>22}{ratio:>7.2f}{target:>7.1f}x  {'yes' if ok else 'NO'}")
peak_mb = peak_kb / 1024
ok = peak_mb < 64
ok_all &= ok
print(f"{'(b) rbuild peak memory':<26}{'':>22}{peak_mb:>19.1f} MB{'':>7}{'<64 MB':>8}  {'yes' if ok else 'NO'}")
sys.exit(0 if ok_all else 1)
EOF
