#!/usr/bin/env bash
# Makes sure the second test engine answers at unix:///var/run/rbuild-docker26.sock: Docker 26.1
# (BuildKit built in) with the test base image rbuild-test/busybox:static, beside the first
# engine of tests/engine/ensure.sh and without touching it.
#
# Debian 12 ships Docker 20.10, whose BuildKit cannot build today's Dockerfiles offline, so the
# engine's binaries come from Debian 13 (trixie): its docker.io, containerd and docker-buildx
# packages are downloaded with a private apt configuration (the host's packages and sources
# are never changed), unpacked with dpkg-deb into $ROOT and kept there, so later runs skip the
# download. They run with Debian 12's runc (trixie's needs a newer glibc). The daemon has its
# own socket, data and exec roots, pid file, managed containerd (state, root and socket under
# those roots), cgroup parent and bridge, and no iptables rules: the first engine's network
# is left alone. It outlives this script; its log goes to $RBUILD_DOCKERD26_LOG.
#
# Idempotent, and quick when the engine and the image are there. Needs root to set up.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly LOG_PREFIX=engine26
readonly SOCKET=/var/run/rbuild-docker26.sock
readonly HOST="unix://$SOCKET"
readonly ENGINE_VERSION_PREFIX=26.1.
# Downloads, private apt state and the unpacked packages (under $ROOT/root).
readonly ROOT=/opt/rbuild-engine26
readonly DATA_ROOT=/var/lib/rbuild-engine26
readonly EXEC_ROOT=/var/run/rbuild-engine26
readonly PID_FILE=/var/run/rbuild-docker26.pid
readonly DOCKERD_LOG="${RBUILD_DOCKERD26_LOG:-/var/log/rbuild-dockerd26.log}"
readonly LOCK_FILE=/tmp/rbuild-engine26.lock
# A bridge of its own: the first engine owns docker0 and its iptables chains. No
# --default-address-pool and no --bridge=none: with either, a restarting dockerd deletes the
# interface docker0 whatever its --bridge, which cuts the first engine's containers off.
readonly BRIDGE=rbuild26br0
readonly BRIDGE_ADDRESS=172.29.26.1/24
readonly TRIXIE_PACKAGES=(docker.io containerd docker-buildx)
# From the host's Debian: the base image's busybox, the runtime, the bridge tool, and curl
# for the tests that read the daemon's ping headers.
readonly HOST_PACKAGES=(busybox-static runc iproute2 curl)

engine_version() {
    engine_docker version --format '{{.Server.Version}}' 2>/dev/null
}

# The host's Debian mirror (the URI its apt uses for the host's own release), so that the
# trixie packages come from the same place.
debian_mirror() {
    local codename
    codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
    # shellcheck disable=SC2016 # apt's format fields, not shell expansions
    apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' 2>/dev/null |
        awk -v release="$codename" '$2 == release && $3 == "main" { print $1; exit }'
}

# Downloads the trixie packages with apt state of its own under $ROOT/apt and unpacks them
# into $ROOT/root; skipped when $ROOT/root is there (it only appears once complete).
ensure_binaries() {
    [[ -x $ROOT/root/usr/sbin/dockerd ]] && return 0
    can_install || die "the engine's binaries are missing from $ROOT (run this script as root on Debian)"
    local mirror
    mirror="${RBUILD_DEBIAN_MIRROR:-$(debian_mirror)}"
    if [[ -z $mirror ]]; then
        say "apt-get update (to find the host's Debian mirror)"
        apt-get -qq -o DPkg::Lock::Timeout=300 update 9>&-
        mirror="$(debian_mirror)"
    fi
    [[ -n $mirror ]] || die "no Debian mirror in the host's apt sources (set RBUILD_DEBIAN_MIRROR)"
    rm -rf "$ROOT/apt" "$ROOT/debs" "$ROOT/root.partial"
    mkdir -p "$ROOT/apt/lists/partial" "$ROOT/apt/cache/archives/partial" "$ROOT/debs" "$ROOT/root.partial"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$mirror" \
        >"$ROOT/apt/sources.list"
    # Every path apt would share with the host is private; no lock of the host's apt is taken.
    local -a apt=(apt-get -qq
        -o Dir::Etc::sourcelist="$ROOT/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
        -o Dir::State::Lists="$ROOT/apt/lists" -o Dir::Cache="$ROOT/apt/cache"
        -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    say "downloading ${TRIXIE_PACKAGES[*]} from trixie ($mirror)"
    "${apt[@]}" update 9>&- || die "apt-get update of the trixie sources failed"
    (cd "$ROOT/debs" && "${apt[@]}" download "${TRIXIE_PACKAGES[@]}" 9>&-) ||
        die "apt-get download ${TRIXIE_PACKAGES[*]} from trixie failed"
    local deb
    for deb in "$ROOT"/debs/*.deb; do
        dpkg-deb -x "$deb" "$ROOT/root.partial" || die "cannot unpack $deb"
    done
    mv "$ROOT/root.partial" "$ROOT/root"
    say "unpacked $(cd "$ROOT/debs" && echo *.deb) into $ROOT/root"
    # The unpacked tree is the cache; the downloads are not needed again.
    rm -rf "$ROOT/apt" "$ROOT/debs"
}

ensure_bridge() {
    ip link show "$BRIDGE" >/dev/null 2>&1 && return 0
    say "creating bridge $BRIDGE ($BRIDGE_ADDRESS)"
    ip link add name "$BRIDGE" type bridge
    ip addr add "$BRIDGE_ADDRESS" dev "$BRIDGE"
    ip link set "$BRIDGE" up
}

start_dockerd() {
    local pid
    local -r containerd_pid_file="$EXEC_ROOT/containerd/containerd.pid"
    if pid_file_names "$PID_FILE" dockerd; then
        pid="$(<"$PID_FILE")"
        say "dockerd (pid $pid) is already starting; waiting for it"
    else
        # Pid files may outlive a restart of the machine's processes; stale ones stop dockerd.
        rm -f "$PID_FILE"
        pid_file_names "$containerd_pid_file" containerd || rm -f "$containerd_pid_file"
        ensure_bridge
        mkdir -p "$ROOT/etc" "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$DOCKERD_LOG")"
        # An empty configuration of its own: /etc/docker/daemon.json belongs to the first engine.
        printf '{}\n' >"$ROOT/etc/daemon.json"
        say "starting dockerd $ENGINE_VERSION_PREFIX* (log: $DOCKERD_LOG)"
        printf '\n--- %s: started by %s\n' "$(date -u +%FT%TZ)" "$0" >>"$DOCKERD_LOG"
        # PATH: dockerd finds the trixie containerd, its shim and docker-proxy first, and the
        # host's runc and docker-init after them. setsid and no inherited descriptors: it
        # outlives this script, and callers reading our output see its end.
        setsid nohup env PATH="$ROOT/root/usr/bin:$ROOT/root/usr/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
            "$ROOT/root/usr/sbin/dockerd" \
            --config-file="$ROOT/etc/daemon.json" \
            --host="$HOST" \
            --data-root="$DATA_ROOT" \
            --exec-root="$EXEC_ROOT" \
            --pidfile="$PID_FILE" \
            --bridge="$BRIDGE" \
            --iptables=false \
            --ip6tables=false \
            --ip-forward=false \
            --cgroup-parent=/rbuild-docker26 \
            </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
        pid=$!
    fi
    wait_for_engine "$pid" "$DOCKERD_LOG"
}

ensure_engine() {
    local version
    if ! version="$(engine_version)"; then
        [[ $EUID -eq 0 ]] || die "no Docker engine answers at $HOST (run this script as root)"
        ensure_binaries
        start_dockerd
        version="$(engine_version)" || die "the engine at $HOST stopped answering"
    fi
    [[ $version == "$ENGINE_VERSION_PREFIX"* ]] ||
        die "the engine at $HOST is Docker $version, not $ENGINE_VERSION_PREFIX*"
}

main() {
    take_lock "$LOCK_FILE"
    command -v docker >/dev/null || die "no docker CLI on PATH (tests/engine/ensure.sh installs one)"
    ensure_packages "${HOST_PACKAGES[@]}"
    ensure_engine
    ensure_base_image
    say "ready: Docker $(engine_version) at $HOST with $BASE_IMAGE"
}

main "$@"
