# Shared by scripts/test.sh and scripts/serve.sh: messages, apt, bounded waits and the venv.
# shellcheck shell=bash

stage() { printf '==> %s\n' "$*"; }
warn() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() {
    warn "$*"
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

apt_updated=0
apt_install() {
    if [ "$apt_updated" -eq 0 ]; then
        apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Bounded wait: run "$@" every 0.2 s for at most $1 seconds.
wait_for() {
    local seconds=$1
    shift
    local tries=$((seconds * 5))
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.2
    done
}

venv_ok() { .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

# make_venv EXTRAS: create .venv when missing and install the project (with EXTRAS, e.g. "[dev]").
make_venv() {
    local extras=${1:-}
    stage "Python environment (.venv)"
    if ! venv_ok || [ ! -x .venv/bin/pip ]; then
        if ! python3 -m venv --clear .venv; then
            is_root || die "python3 -m venv failed; install python3-venv"
            apt_install python3-venv
            python3 -m venv --clear .venv
        fi
        venv_ok || die ".venv needs Python 3.11 or newer"
    fi
    # Every version is pinned by requirements.lock (scripts/lock.sh); reinstall only when the
    # requirements changed, so a second run starts testing at once.
    local stamp=.venv/.installed-pyproject
    local want
    want="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)$extras"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".$extras"
        printf '%s\n' "$want" >"$stamp"
    fi
}

