#!/usr/bin/env bash
# Builds docker-rbuild and installs it as a Docker CLI plugin. See --help.
set -euo pipefail

readonly PLUGIN=docker-rbuild
readonly SYSTEM_PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT

usage() {
    cat <<EOF
Usage: ./install.sh [OPTIONS]

Builds docker-rbuild in release mode and installs it as a Docker CLI plugin, so that
\`docker rbuild\` works. Running it again reinstalls.

Options:
  --system        install into $SYSTEM_PLUGIN_DIR (for all users)
                  instead of \${DOCKER_CONFIG:-\$HOME/.docker}/cli-plugins
  --binary PATH   install this already-built docker-rbuild instead of building one
  --with-engine   also make sure a local Docker engine runs and the test base image
                  rbuild-test/busybox:static exists (tests/engine/ensure.sh; installs
                  docker.io and starts dockerd as root on Debian when none answers)
  --uninstall     remove the installed plugin instead
  -h, --help      show this help
EOF
}

fail() {
    printf 'install.sh: error: %s\n' "$*" >&2
    exit 1
}

usage_error() {
    printf 'install.sh: %s (see --help)\n' "$*" >&2
    exit 2
}

system=false
with_engine=false
uninstall=false
binary=""
while (($# > 0)); do
    case "$1" in
    --system) system=true ;;
    --with-engine) with_engine=true ;;
    --uninstall) uninstall=true ;;
    --binary)
        (($# >= 2)) || usage_error "--binary needs a path"
        binary="$2"
        shift
        ;;
    --binary=*) binary="${1#--binary=}" ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) usage_error "unknown argument: $1" ;;
    esac
    shift
done
if $uninstall && { $with_engine || [[ -n $binary ]]; }; then
    usage_error "--uninstall cannot be combined with --with-engine or --binary"
fi
if [[ -n $binary ]]; then
    [[ -f $binary && -x $binary ]] || usage_error "--binary $binary: not an executable file"
fi

# Where the docker CLI looks for this user's plugins; it takes precedence over the system's.
user_plugin_dir=""
if [[ -n ${DOCKER_CONFIG:-} || -n ${HOME:-} ]]; then
    user_plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
fi
if $system; then
    plugin_dir="$SYSTEM_PLUGIN_DIR"
else
    [[ -n $user_plugin_dir ]] || fail "neither DOCKER_CONFIG nor HOME is set"
    plugin_dir="$user_plugin_dir"
fi
readonly plugin_dir
readonly target="$plugin_dir/$PLUGIN"

if $uninstall; then
    if [[ -e $target || -L $target ]]; then
        rm -f "$target" 2>/dev/null || fail "cannot remove $target"
        echo "removed $target"
    else
        echo "$PLUGIN is not installed in $plugin_dir"
    fi
    exit 0
fi

build() {
    if ! command -v cargo >/dev/null && [[ -f ${HOME:-}/.cargo/env ]]; then
        # shellcheck source=/dev/null
        . "$HOME/.cargo/env"
    fi
    command -v cargo >/dev/null ||
        fail "cargo not found (install Rust with rustup, or pass --binary PATH to install a built binary)"
    echo "building $PLUGIN (release)" >&2
    (cd "$ROOT" && cargo build --release --locked --bin "$PLUGIN") || fail "the release build failed"
    binary="${CARGO_TARGET_DIR:-$ROOT/target}/release/$PLUGIN"
}

given_binary="$binary"
[[ -n $binary ]] || build

# The CLI only lists plugins that answer the handshake: refuse to install anything else.
metadata="$("$binary" docker-cli-plugin-metadata 2>/dev/null)" || true
if [[ ! $metadata =~ \"SchemaVersion\":\ *\"0\.1\.0\" ]]; then
    message="$binary does not answer the Docker CLI plugin handshake (docker-cli-plugin-metadata)"
    if [[ -n $given_binary ]]; then usage_error "--binary: $message"; fi
    fail "$message"
fi

if [[ ! -d $plugin_dir ]]; then
    mkdir -p "$plugin_dir" 2>/dev/null || fail "cannot create $plugin_dir"
    chmod 755 "$plugin_dir"
fi
# Copy then rename, so a plugin running meanwhile never sees a half-written file.
staging="$(mktemp "$plugin_dir/.$PLUGIN.XXXXXX" 2>/dev/null)" || fail "cannot write to $plugin_dir"
trap 'rm -f "$staging"' EXIT
cp "$binary" "$staging"
chmod 755 "$staging"
mv -f "$staging" "$target"
trap - EXIT
echo "installed $PLUGIN into $target"

if $with_engine; then
    bash "$ROOT/tests/engine/ensure.sh" || fail "the Docker engine could not be set up"
fi

if command -v docker >/dev/null; then
    if $system && [[ -n $user_plugin_dir && -x $user_plugin_dir/$PLUGIN ]]; then
        echo "note: $user_plugin_dir/$PLUGIN takes precedence over this one for this user" >&2
    fi
    docker rbuild version --client || fail "the docker CLI cannot run the installed plugin (docker rbuild version --client failed)"
else
    echo "no docker CLI on PATH: skipped the check (docker rbuild version --client)"
fi
