#!/usr/bin/env bash
# Benchmarks `docker rbuild --builder buildkit` against `docker buildx build` on the same
# Docker 26.1 engine (tests/engine/ensure-engine26.sh), in one run:
#   (a) a cold build: build cache pruned and image removed before every run
#   (b) a cached no-op rebuild
# Target for each: rbuild <= 1.1x buildx. The Dockerfile has two stages, a RUN heredoc and a
# cache mount. Both tools print plain progress (discarded by hyperfine).
# Usage: bench/buildkit.sh [--runs N] [--cold-runs N]   (needs hyperfine)
set -euo pipefail

runs=20
cold_runs=8
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --cold-runs) cold_runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench/buildkit.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source "$(dirname "$0")/common.sh"
host="unix:///var/run/rbuild-docker26.sock"
buildx_plugin="/opt/rbuild-engine26/root/usr/libexec/docker/cli-plugins/docker-buildx"
base_image="rbuild-test/busybox:static"
rbuild_tag="rbuild-bench-bk-rbuild:latest"
buildx_tag="rbuild-bench-bk-buildx:latest"

command -v hyperfine >/dev/null || { echo "bench/buildkit.sh: hyperfine is needed" >&2; exit 2; }
bash "$root/tests/engine/ensure-engine26.sh" >/dev/null
[[ -x "$buildx_plugin" ]] || { echo "bench/buildkit.sh: no docker-buildx at $buildx_plugin" >&2; exit 2; }

build_rbuild

work="$(mktemp -d /tmp/rbuild-bench-bk.XXXXXX)"
cleanup() {
  docker -H "$host" rmi -f "$rbuild_tag" "$buildx_tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# A private docker configuration whose only plugin is buildx.
export DOCKER_CONFIG="$work/docker-config"
mkdir -p "$DOCKER_CONFIG/cli-plugins"
ln -s "$buildx_plugin" "$DOCKER_CONFIG/cli-plugins/docker-buildx"

context="$work/context"
mkdir -p "$context"
cat > "$context/Dockerfile" <<DOCKERFILE
FROM $base_image AS builder
RUN <<EOF
set -e
echo "built by a heredoc" > /greeting
for i in 1 2 3; do echo "line \$i"; done
EOF
RUN --mount=type=cache,target=/cache echo run >> /cache/runs && cp /cache/runs /runs

FROM $base_image
COPY --from=builder /greeting /runs /
COPY hello.txt /
CMD ["cat", "/greeting"]
DOCKERFILE
echo hello > "$context/hello.txt"

rbuild_cmd="$rbuild -H $host build --builder buildkit --progress=plain -t $rbuild_tag $context"
buildx_cmd="docker -H $host buildx build --progress=plain -t $buildx_tag $context"
reset="docker -H $host rmi -f $rbuild_tag $buildx_tag >/dev/null 2>&1; docker -H $host builder prune -af >/dev/null"

echo "== engine: docker $(docker -H "$host" version --format '{{.Server.Version}}'), buildx $(docker buildx version | awk '{print $2}')"
echo "== (a) cold build, build cache pruned before each run"
hyperfine --style basic --warmup 1 --runs "$cold_runs" --prepare "$reset" \
  --export-json "$work/cold.json" \
  -n "docker rbuild" "$rbuild_cmd" -n "docker buildx build" "$buildx_cmd"

echo "== (b) cached no-op rebuild"
$rbuild_cmd >/dev/null 2>&1
$buildx_cmd >/dev/null 2>&1
hyperfine --style basic --warmup 2 --runs "$runs" \
  --export-json "$work/noop.json" \
  -n "docker rbuild" "$rbuild_cmd" -n "docker buildx build" "$buildx_cmd"

ratio() {
  python3 - "$1" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
rbuild, buildx = results["docker rbuild"], results["docker buildx build"]
print(f"rbuild {rbuild:.3f}s, buildx {buildx:.3f}s: {rbuild / buildx:.2f}x (target <= 1.10x)")
PY
}
echo "== summary"
echo "cold:  $(ratio "$work/cold.json")"
echo "no-op: $(ratio "$work/noop.json")"
