#!/usr/bin/env bash
# The one test command: makes sure Redis, PostgreSQL and the venv are there, then runs every check.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/bot/storage -k "not db"`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/common.sh
source scripts/common.sh

redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

start_redis() {
    stage "Redis"
    redis_up && return
    if ! command -v redis-server >/dev/null; then
        if ! is_root; then
            warn "Redis is not running and only root can install it; its tests will be skipped (failed under CI)"
            return
        fi
        apt_install redis-server
        # The package may have started its own server already.
        wait_for 3 redis_up && return
    fi
    local args=(--daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no)
    if is_root; then
        mkdir -p /var/lib/redis /var/log/redis
        args+=(--dir /var/lib/redis --logfile /var/log/redis/ci.log)
    else
        args+=(--dir /tmp)
    fi
    redis-server "${args[@]}"
    wait_for 15 redis_up || die "Redis did not answer on 127.0.0.1:6379 within 15 s"
}

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432; }

start_postgres() {
    stage "PostgreSQL"
    if ! postgres_up; then
        local installed=0
        if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
            if ! is_root; then
                warn "PostgreSQL is not running and only root can install it; its tests will be skipped (failed under CI)"
                return
            fi
            apt_install postgresql
            installed=1
        fi
        if ! is_root; then
            warn "PostgreSQL is not running and only root can start it; its tests will be skipped (failed under CI)"
            return
        fi
        local version
        version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
        if [ "$installed" -eq 1 ]; then
            # A new cluster asks TCP clients for a password; the tests connect as postgres without one.
            local hba="/etc/postgresql/$version/main/pg_hba.conf"
            if ! grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
                sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
            fi
        fi
        if pg_ctlcluster --skip-systemctl-redirect "$version" main status >/dev/null 2>&1; then
            pg_ctlcluster --skip-systemctl-redirect "$version" main reload
        else
            pg_ctlcluster --skip-systemctl-redirect "$version" main start
        fi
        wait_for 30 postgres_up || die "PostgreSQL did not accept connections on 127.0.0.1:5432 within 30 s"
    fi
    local exists
    exists=$(psql -w -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'") ||
        die "cannot connect to PostgreSQL as postgres without a password (check pg_hba.conf)"
    [ "$exists" = 1 ] || createdb -w -h 127.0.0.1 -U postgres test
}

# Speech tests synthesise their audio with espeak-ng, and pyttsx3 speaks through its library.
install_espeak() {
    stage "espeak-ng"
    command -v espeak-ng >/dev/null && return
    if ! is_root; then
        warn "espeak-ng is missing and only root can install it; speech tests will be skipped (failed under CI)"
        return
    fi
    apt_install espeak-ng
}

# The staff console's tests drive Debian's chromium through Playwright (its own browser download is
# not reachable from every machine).
install_chromium() {
    stage "chromium"
    command -v chromium >/dev/null && return
    if ! is_root; then
        warn "chromium is missing and only root can install it; browser tests will be skipped (failed under CI)"
        return
    fi
    apt_install chromium
}

start_redis
start_postgres
install_espeak
install_chromium
make_venv '[dev]'

export VIRTUAL_ENV="$PWD/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"

stage "ruff check"
ruff check .
stage "ruff format --check"
ruff format --check .
stage "mypy"
mypy
stage "pytest"
# Two processes (pytest-xdist), one per core of the machines it runs on: each has its own Redis database
# and PostgreSQL database (tests/fixtures). BOT_TEST_PROCESSES=0 runs everything in this process.
status=0
python -m pytest -n "${BOT_TEST_PROCESSES:-2}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
    warn "pytest collected no tests"
fi
exit "$status"
