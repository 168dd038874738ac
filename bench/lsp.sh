#!/usr/bin/env bash
# Benchmarks `docker rbuild lsp`: the time from a `textDocument/didChange` to the
# `textDocument/publishDiagnostics` it causes, for a 1,000-line Dockerfile (real corpus files
# put one after the other), side by side in one run with Docker's Node.js Dockerfile language
# server (npm dockerfile-language-server-nodejs, what VS Code's Docker extension used before
# docker-language-server, which no package registry here carries). Target: rbuild < 20 ms
# (median and 95th percentile).
#   Each change is incremental (one character of a RUN line in the middle of the file, in
#   UTF-16 positions), sent when the previous diagnostics have arrived; the clock runs from
#   writing the change to reading the diagnostics of that version.
# Usage: bench/lsp.sh [--changes N]   (needs python3, and node/npm for the peer)
#   Print `uptime` next to the figures: the machine is shared.
set -euo pipefail

changes=200
while [[ $# -gt 0 ]]; do
  case "$1" in
    --changes) changes="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/lsp.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source "$(dirname "$0")/common.sh"
need_corpus

build_rbuild

peer_dir="$root/target/dockerfile-language-server"
peer="$peer_dir/node_modules/.bin/docker-langserver"
if [[ ! -x $peer ]] && command -v npm >/dev/null; then
  echo "== installing dockerfile-language-server-nodejs from npm into $peer_dir"
  mkdir -p "$peer_dir"
  npm install --silent --prefix "$peer_dir" dockerfile-language-server-nodejs@0.15.0 >/dev/null
fi
echo "== load: $(uptime)"

work="$(mktemp -d /tmp/rbuild-lsp-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# Whole corpus files, in name order, until there are 1,000 lines; files with parser directives
# are left out (in the middle of another file they would be plain comments, and a backtick
# escape would no longer apply).
python3 - "$corpus" "$work/Dockerfile" <<'EOF'
import pathlib, sys
corpus, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lines = []
for path in sorted(p for p in corpus.rglob("*") if p.is_file() and "ockerfile" in p.name):
    text = path.read_text(encoding="utf-8", errors="strict") if path.stat().st_size < 200_000 else ""
    if not text or any(l.lower().startswith(("# escape", "# syntax", "#escape", "#syntax")) for l in text.splitlines()[:5]):
        continue
    lines.extend(text.splitlines())
    if len(lines) >= 1000:
        break
out.write_text("\n".join(lines[:1000]) + "\n")
EOF
"$rbuild" lint --no-fail "$work/Dockerfile" | grep "^Found" | sed "s/^/== the file: 1000 lines; /"
if "$rbuild" lint --no-fail --format json "$work/Dockerfile" | grep -q '"RB001"'; then
  echo "bench/lsp.sh: the assembled file does not parse" >&2
  exit 1
fi

python3 - "$work/Dockerfile" "$changes" "$rbuild" "$peer" <<'EOF'
import json, os, statistics, subprocess, sys, time

path, changes, rbuild, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
text = open(path, encoding="utf-8").read()
uri = "file://" + path
lines = text.split("\n")
# The RUN line nearest the middle: its last character is toggled between two letters.
middle = min((i for i, l in enumerate(lines) if l.startswith("RUN ") and len(l) > 8),
             key=lambda i: abs(i - len(lines) // 2))
column = len(lines[middle].encode("utf-16-le")) // 2 - 1

class Server:
    def __init__(self, argv):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=os.path.dirname(path))
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self):
        length = None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("the server stopped")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                return message

    def diagnostics(self):
        while True:
            message = self.receive()
            if "method" in message and "id" in message:  # a request of the server's own
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif message.get("method") == "textDocument/publishDiagnostics" \
                    and message["params"]["uri"] == uri:
                return message["params"]

def measure(name, argv):
    server = Server(argv)
    server.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + os.path.dirname(path),
                                  "capabilities": {}})
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}})
    first = server.diagnostics()
    times = []
    for version in range(2, changes + 2):
        letter = "x" if version % 2 else "y"
        change = {"range": {"start": {"line": middle, "character": column},
                            "end": {"line": middle, "character": column + 1}}, "text": letter}
        started = time.perf_counter()
        server.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
        while True:
            published = server.diagnostics()
            # A server that does not say the version publishes once per change.
            if published.get("version", version) == version:
                break
        times.append((time.perf_counter() - started) * 1000)
    server.request("shutdown", None)
    server.send({"jsonrpc": "2.0", "method": "exit"})
    server.process.wait(timeout=10)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name:<40} {len(first['diagnostics']):>5} diagnostics   didChange -> publishDiagnostics: "
          f"median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   max {times[-1]:6.1f} ms")
    return statistics.median(times), p95

print(f"== {changes} changes of line {middle + 1}")
median, p95 = measure("docker-rbuild lsp", [rbuild, "lsp"])
if os.access(peer, os.X_OK):
    measure("docker-langserver (npm, 0.15.0)", [peer, "--stdio"])
else:
    print("docker-langserver: not installed (no npm): no side-by-side figure")
ok = median < 20 and p95 < 20
print(f"== target (median and p95 < 20 ms): {'met' if ok else 'MISSED'}")
sys.exit(0 if ok else 1)
EOF
