#!/usr/bin/env bash
# The real data on DuckDB, PostgreSQL and Spark (local) in one run
# (docs/benchmarks.md, "Engines"): a first build of each (model fitted), then
# a rebuild (frozen model, SQL only), wall time and peak memory of the client
# processes (GNU time: the largest process; the PostgreSQL server's own
# memory is not included, Spark's JVM is: it is a child of olist-seg).
# Needs the spark extra and Java (make test-spark installs both).
# Usage: OLIST_DATA_DIR=../shared/data/olist scripts/engine-benchmark.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OLIST_DATA_DIR:?set OLIST_DATA_DIR to the folder of the nine CSVs}"
export OLIST_PG_PORT="${OLIST_PG_PORT:-54329}" DO_NOT_TRACK=1
bin=.venv/bin
work=$(mktemp -d)
export OLIST_SPARK_DIR="$work/spark"
scripts/postgres-server.sh start >/dev/null
psql -h localhost -p "$OLIST_PG_PORT" -U postgres -d "${OLIST_PG_DATABASE:-olist}" -qc \
    "drop schema if exists main cascade; drop schema if exists staging cascade;
     drop schema if exists intermediate cascade; drop schema if exists reference cascade;" \
    2>/dev/null

measure() {  # label, command...
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>&1 \
        || { tail -20 "$work/out"; exit 1; }
    read -r seconds kb <"$work/time"
    printf '| %s | %.1f | %.0f |\n' "$label" "$seconds" "$((kb / 1024))"
}

echo "| step | wall s | peak client MiB |"
echo "|---|---:|---:|"
measure "DuckDB: first build (fit + SQL scoring)" \
    "$bin/olist-seg" build --warehouse "$work/bench.duckdb"
measure "DuckDB: rebuild (frozen model)" \
    "$bin/olist-seg" build --warehouse "$work/bench.duckdb"
measure "PostgreSQL: load the nine CSVs (checks + COPY)" \
    "$bin/olist-seg" load --target postgres
measure "PostgreSQL: first build (fit + SQL scoring)" \
    "$bin/olist-seg" build --target postgres
measure "PostgreSQL: rebuild (frozen model)" \
    "$bin/olist-seg" build --target postgres
measure "Spark local: load the nine CSVs (checks + Parquet tables)" \
    "$bin/olist-seg" load --target spark
measure "Spark local: first build (fit + SQL scoring)" \
    "$bin/olist-seg" build --target spark
measure "Spark local: rebuild (frozen model)" \
    "$bin/olist-seg" build --target spark
rm -rf "$work"
