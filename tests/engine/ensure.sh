#!/usr/bin/env bash
# Makes sure a Docker engine answers at unix:///var/run/docker.sock and that the test base
# image rbuild-test/busybox:latest exists, installing and starting what is missing.
#
# Idempotent and quick when everything is already there. On a fresh Debian machine, as root,
# it installs the packages below, starts dockerd in the background (it outlives this script;
# its log goes to $RBUILD_DOCKERD_LOG) and imports the base image from Debian's
# busybox-static, so no registry is ever needed. Anywhere else it says what is missing.
set -euo pipefail

readonly SOCKET=/var/run/docker.sock
readonly HOST="unix://$SOCKET"
readonly BASE_IMAGE=rbuild-test/busybox:latest
readonly DOCKERD_LOG="${RBUILD_DOCKERD_LOG:-/var/log/rbuild-dockerd.log}"
readonly START_TIMEOUT_SECONDS=60
# One machine-wide lock: test processes and engineers may run this script at the same time.
readonly LOCK_FILE=/tmp/rbuild-engine.lock

# The Debian packages behind the engine and the tests, in one place. The engine package is
# only installed when no engine answers and none is installed (a machine may run Docker
# from elsewhere).
readonly ENGINE_PACKAGES=(docker.io)
# busybox-static: the base image's root filesystem. The rest are programs the tests run:
# git (git build contexts), openssl (TLS certificates), socat (socket relays), shellcheck
# (the linter's ShellCheck pass), docker-registry (a real registry on loopback, for the
# base-image checks).
readonly TEST_PACKAGES=(busybox-static git openssl socat shellcheck docker-registry)

say() { printf 'engine: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# The docker CLI pointed at our socket whatever the caller's environment selects, and bounded:
# a daemon that accepts connections but hangs must not hang the tests.
engine_docker() {
    timeout 30 env -u DOCKER_HOST -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_TLS \
        docker -H "$HOST" "$@"
}

engine_answers() {
    command -v docker >/dev/null && engine_docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

can_install() {
    [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null && [[ -r /etc/debian_version ]]
}

# Prints the packages among "$@" that are not installed.
missing_packages() {
    local package
    for package in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]]; then
            printf '%s\n' "$package"
        fi
    done
}

apt_install() {
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
    # Waits for another apt (someone else installing) instead of failing at once.
    local -a apt=(apt-get -qq -o DPkg::Lock::Timeout=300)
    # Package lists may be absent (fresh machine) or stale (old versions gone): update then.
    # apt runs without the lock's descriptor: a service a package starts must not hold it.
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        say "apt-get update"
        "${apt[@]}" update 9>&-
    fi
    say "apt-get install $*"
    if ! "${apt[@]}" install -y "$@" >/dev/null 9>&-; then
        say "install failed; apt-get update and retry"
        "${apt[@]}" update 9>&-
        "${apt[@]}" install -y "$@" >/dev/null 9>&-
    fi
}

# Installs the missing packages among "$@", or fails naming them when this machine cannot.
ensure_packages() {
    local -a missing
    mapfile -t missing < <(missing_packages "$@")
    ((${#missing[@]} == 0)) && return 0
    can_install || die "missing Debian packages: ${missing[*]} (run this script as root on Debian to install them)"
    apt_install "${missing[@]}"
}

# True when the pid file $1 names a running process called $2.
pid_file_names() {
    local pid
    [[ -f $1 ]] && pid="$(<"$1")" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]]
}

# Starts dockerd, or waits for one that is already starting (e.g. started by the package's
# init script): its pid file is the default one, which a second engine would not use.
start_dockerd() {
    local pid waited=0 log="$DOCKERD_LOG"
    local -r pid_file=/var/run/docker.pid containerd_pid_file=/var/run/docker/containerd/containerd.pid
    if pid_file_names "$pid_file" dockerd; then
        pid="$(<"$pid_file")"
        say "dockerd (pid $pid) is already starting; waiting for it"
        log="its log"
    else
        command -v dockerd >/dev/null || die "dockerd is not installed"
        # /run may outlive a restart here: a pid file naming a process that is gone, or is
        # another program now, would stop dockerd or make it trust a containerd that is not there.
        rm -f "$pid_file"
        pid_file_names "$containerd_pid_file" containerd || rm -f "$containerd_pid_file"
        mkdir -p "$(dirname "$DOCKERD_LOG")"
        say "starting dockerd (log: $DOCKERD_LOG)"
        printf '\n--- %s: started by %s\n' "$(date -u +%FT%TZ)" "$0" >>"$DOCKERD_LOG"
        # A session of its own so it survives this script and the test process that ran it; no
        # inherited descriptors (the lock's included) so callers reading our output see its end.
        setsid nohup dockerd --host="$HOST" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
        pid=$!
    fi
    until engine_answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            [[ -f $log ]] && { say "the end of $log:"; tail -n 30 "$log" >&2; }
            die "dockerd exited before answering at $HOST (see $log)"
        fi
        if ((waited >= START_TIMEOUT_SECONDS * 2)); then
            [[ -f $log ]] && { say "the end of $log:"; tail -n 30 "$log" >&2; }
            die "dockerd did not answer at $HOST within ${START_TIMEOUT_SECONDS}s (see $log)"
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    say "dockerd answers at $HOST"
}

ensure_engine() {
    engine_answers && return 0
    [[ $EUID -eq 0 ]] || die "no Docker engine answers at $HOST (start dockerd, or run this script as root)"
    start_dockerd
}

# A root filesystem from busybox-static: busybox with a link per applet, root's passwd and
# group entries, and /tmp.
import_base_image() {
    local busybox=/bin/busybox rootfs
    [[ -x $busybox ]] || die "$busybox not found (Debian package busybox-static)"
    rootfs="$(mktemp -d)"
    # shellcheck disable=SC2064 # expand now: the local is gone when the trap fires
    trap "rm -rf '$rootfs'" EXIT
    mkdir -p "$rootfs"/{bin,etc,root,tmp}
    chmod 1777 "$rootfs/tmp"
    cp "$busybox" "$rootfs/bin/busybox"
    local applet
    while read -r applet; do
        [[ $applet == bin/busybox ]] && continue
        mkdir -p "$rootfs/$(dirname "$applet")"
        ln -sf /bin/busybox "$rootfs/$applet"
    done < <("$busybox" --list-full)
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
    say "importing $BASE_IMAGE"
    tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
        engine_docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["sh"]' \
            --message "busybox-static root filesystem for the docker-rbuild tests" \
            - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
}

ensure_base_image() {
    engine_docker image inspect --format '{{.Id}}' "$BASE_IMAGE" >/dev/null 2>&1 || import_base_image
}

main() {
    exec 9>>"$LOCK_FILE"
    chmod a+rw "$LOCK_FILE" 2>/dev/null || true
    flock 9
    # One install for everything missing; the engine package only when no engine answers and
    # none is installed (docker-ce, say, would conflict with it).
    local -a packages=("${TEST_PACKAGES[@]}")
    if ! engine_answers && ! { command -v docker && command -v dockerd; } >/dev/null; then
        packages+=("${ENGINE_PACKAGES[@]}")
    fi
    ensure_packages "${packages[@]}"
    ensure_engine
    ensure_base_image
    say "ready: Docker $(engine_docker version --format '{{.Server.Version}}') at $HOST with $BASE_IMAGE"
}

main "$@"
