#!/usr/bin/env bash
# A throwaway local PostgreSQL for `make test-postgres` (and CI):
#   scripts/postgres-server.sh start   install from Debian when missing, init
#                                      a cluster in $OLIST_PG_DIR, start it on
#                                      $OLIST_PG_PORT, create $OLIST_PG_DATABASE
#   scripts/postgres-server.sh stop    stop it (the data folder stays)
# Trust authentication on localhost only: a test server, not a deployment.
set -euo pipefail

PORT="${OLIST_PG_PORT:-54329}"
DIR="${OLIST_PG_DIR:-/tmp/olist-postgres}"
DATABASE="${OLIST_PG_DATABASE:-olist}"

as_postgres() {
    # initdb and postgres refuse to run as root; Debian's package makes the
    # user `postgres`.
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

find_bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$found" ] && command -v pg_ctl >/dev/null 2>&1; then
        found=$(dirname "$(command -v pg_ctl)")
    fi
    echo "$found"
}

install() {
    if [ -n "$(find_bin)" ]; then
        return
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "PostgreSQL is not installed and there is no apt-get: install" \
            "PostgreSQL 15+ and put pg_ctl on PATH." >&2
        exit 1
    fi
    echo "PostgreSQL not found: apt-get install postgresql"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends postgresql \
        || { $sudo apt-get update \
            && $sudo apt-get install -y --no-install-recommends postgresql; }
}

start() {
    install
    local bin
    bin=$(find_bin)
    if [ ! -f "$DIR/PG_VERSION" ]; then
        mkdir -p "$DIR"
        [ "$(id -u)" -ne 0 ] || chown postgres "$DIR"
        as_postgres "$bin/initdb" -D "$DIR" -U postgres -A trust \
            --encoding UTF8 --locale C.UTF-8 >/dev/null
    fi
    if as_postgres "$bin/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
        echo "PostgreSQL already running in $DIR"
    else
        as_postgres "$bin/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
            -o "-p $PORT -k $DIR -c listen_addresses=localhost -c fsync=off" start \
            >/dev/null
        echo "PostgreSQL started on localhost:$PORT ($DIR)"
    fi
    if ! "$bin/psql" -h localhost -p "$PORT" -U postgres -tAc \
        "select 1 from pg_database where datname = '$DATABASE'" | grep -q 1; then
        "$bin/createdb" -h localhost -p "$PORT" -U postgres "$DATABASE"
    fi
}

stop() {
    local bin
    bin=$(find_bin)
    if [ -n "$bin" ] && [ -f "$DIR/PG_VERSION" ]; then
        as_postgres "$bin/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
        echo "PostgreSQL stopped ($DIR)"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
