# shellcheck shell=bash
# Shared by the scripts that set up the test engines (ensure.sh, ensure-engine26.sh): sourced,
# never run. The sourcing script sets HOST (the engine's unix:// address) and may set
# LOG_PREFIX before calling these functions.

readonly BASE_IMAGE=rbuild-test/busybox:static
readonly START_TIMEOUT_SECONDS=60

say() { printf '%s: %s\n' "${LOG_PREFIX:-engine}" "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# Takes the machine-wide lock $1 on descriptor 9, held until the script exits: test processes
# and engineers may run the scripts at the same time.
take_lock() {
    exec 9>>"$1"
    chmod a+rw "$1" 2>/dev/null || true
    flock 9
}

# The docker CLI pointed at $HOST whatever the caller's environment selects, and bounded: a
# daemon that accepts connections but hangs must not hang the tests.
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

# True when the pid file $1 names a running process called $2 (a killed one may linger
# unreaped for a while: a zombie does not count).
pid_file_names() {
    local pid
    [[ -f $1 ]] && pid="$(<"$1")" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] &&
        ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

# Waits up to START_TIMEOUT_SECONDS for the daemon with pid $1 (logging to $2) to answer at
# $HOST; fails with the log's tail when it exits or does not answer in time.
wait_for_engine() {
    local -r pid=$1 log=$2
    local waited=0
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
