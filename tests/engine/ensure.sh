#!/usr/bin/env bash
# Makes sure a Docker engine answers at unix:///var/run/docker.sock and that the test base
# image rbuild-test/busybox:static exists, installing and starting what is missing.
#
# Idempotent and quick when everything is already there. On a fresh Debian machine, as root,
# it installs the packages below, starts dockerd in the background (it outlives this script;
# its log goes to $RBUILD_DOCKERD_LOG) and imports the base image from Debian's
# busybox-static, so no registry is ever needed. Anywhere else it says what is missing.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly SOCKET=/var/run/docker.sock
readonly HOST="unix://$SOCKET"
readonly DOCKERD_LOG="${RBUILD_DOCKERD_LOG:-/var/log/rbuild-dockerd.log}"
readonly LOCK_FILE=/tmp/rbuild-engine.lock

# The Debian packages behind the engine and the tests, in one place. The engine package is
# only installed when no engine answers and none is installed (a machine may run Docker
# from elsewhere).
readonly ENGINE_PACKAGES=(docker.io)
# busybox-static: the base image's root filesystem. The rest are programs the tests run:
# git (git build contexts), openssl (TLS certificates), socat (socket relays), shellcheck
# (the linter's ShellCheck pass), docker-registry (a real registry on loopback, for the
# base-image checks), python3-venv (pre-commit and jsonschema from PyPI, in a virtualenv),
# apache2-utils (htpasswd, for a registry that needs a login), pass and
# golang-docker-credential-helpers (docker-credential-pass: a real credential helper),
# openssh-server and openssh-client (sshd for ssh:// engines: the tests start their own instance
# with their own configuration; a real ssh-agent, ssh-add and ssh-keygen for SSH agent forwarding).
readonly TEST_PACKAGES=(busybox-static git openssl socat shellcheck docker-registry python3-venv
    apache2-utils pass golang-docker-credential-helpers openssh-server openssh-client)

# Starts dockerd, or waits for one that is already starting (e.g. started by the package's
# init script): its pid file is the default one, which a second engine would not use.
start_dockerd() {
    local pid log="$DOCKERD_LOG"
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
    wait_for_engine "$pid" "$log"
}

ensure_engine() {
    engine_answers && return 0
    [[ $EUID -eq 0 ]] || die "no Docker engine answers at $HOST (start dockerd, or run this script as root)"
    start_dockerd
}

main() {
    take_lock "$LOCK_FILE"
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
