#!/usr/bin/env bash
# One dataset on DuckDB, PostgreSQL and Spark in one run (docs/benchmarks.md,
# "Engines"): a first build of each (model fitted), then a rebuild (frozen
# model, SQL only), wall time and peak memory of the client processes (GNU
# time: the largest process; the PostgreSQL server's own memory is not
# included; with a local Spark the JVM is a child of olist-seg, on the
# cluster the executors are not).
# Needs the spark extra and Java (make test-spark installs both).
# Usage:
#   OLIST_DATA_DIR=../shared/data/olist scripts/engine-benchmark.sh
#   scripts/engine-benchmark.sh --orders 1000000 [--spark cluster] \
#       [--timeout 1800] [--results docs/engines_1m_orders.md]
# --orders N generates N orders with the project's generator (seed 1);
# --spark cluster builds through scripts/spark-cluster.sh's standalone
# cluster instead of a local Spark; --timeout stops a step after that many
# seconds (its row then says so, and the engine's later steps are skipped);
# --results writes the table, with what was measured where, to that page.
set -euo pipefail
cd "$(dirname "$0")/.."

orders="" spark=local timeout_s=1800 results=""
while [ $# -gt 0 ]; do
    case "$1" in
        --orders) orders=$2; shift 2 ;;
        --spark) spark=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
case "$spark" in local | cluster) ;; *) echo "--spark local|cluster" >&2; exit 2 ;; esac

export OLIST_PG_PORT="${OLIST_PG_PORT:-54329}" DO_NOT_TRACK=1
bin=.venv/bin
work=$(mktemp -d)
trap 'rm -rf "$work"; [ "$spark" = cluster ] && scripts/spark-cluster.sh stop >/dev/null || true' EXIT
if [ -n "$orders" ]; then
    "$bin/olist-generate" --orders "$orders" --seed 1 --out "$work/data" >/dev/null
    export OLIST_DATA_DIR="$work/data"
    dataset="$("$bin/python" -c "print(f'{int(\"$orders\"):,}')") orders from the project's generator (seed 1)"
else
    : "${OLIST_DATA_DIR:?set OLIST_DATA_DIR to the folder of the nine CSVs, or pass --orders}"
    dataset="the CSVs in $OLIST_DATA_DIR"
fi
export OLIST_SPARK_DIR="$work/spark"
scripts/postgres-server.sh start >/dev/null
psql -h localhost -p "$OLIST_PG_PORT" -U postgres -d "${OLIST_PG_DATABASE:-olist}" -qc \
    "drop schema if exists main cascade; drop schema if exists staging cascade;
     drop schema if exists intermediate cascade; drop schema if exists reference cascade;" \
    2>/dev/null
spark_label="Spark local"
if [ "$spark" = cluster ]; then
    scripts/spark-cluster.sh start >/dev/null
    # shellcheck disable=SC1091
    . "${OLIST_SPARK_CLUSTER_DIR:-/tmp/olist-spark-cluster}/env"
    spark_label="Spark cluster (1 worker)"
fi

rows=() notes=()
duck_first="" duck_rebuild="" skip=""
measure() {  # engine, label, command...
    local engine=$1 label=$2 ratio="" seconds kb
    shift 2
    if [ "$skip" = "$engine" ]; then
        rows+=("| $label | skipped | | |")
        echo "${rows[-1]}"
        return
    fi
    if ! /usr/bin/time -f "%e %M" -o "$work/time" timeout "$timeout_s" "$@" \
        >"$work/out" 2>&1; then
        if grep -q "Command exited with non-zero status 124" "$work/time"; then
            rows+=("| $label | did not finish in $timeout_s s | | |")
        else
            rows+=("| $label | failed: $(grep -m1 -iE 'error|killed' "$work/out" | cut -c1-120) | | |")
            tail -20 "$work/out" >&2
        fi
        echo "${rows[-1]}"
        skip=$engine
        if [ "$engine" = postgres ]; then
            # the client is gone, its query is not: stop it before the next
            # engine is timed (it held a core through the Spark load once)
            psql -h localhost -p "$OLIST_PG_PORT" -U postgres -d postgres -qAtc \
                "select pg_terminate_backend(pid) from pg_stat_activity
                 where datname = '${OLIST_PG_DATABASE:-olist}' and pid <> pg_backend_pid()" \
                >/dev/null
        fi
        return
    fi
    read -r seconds kb < <(tail -1 "$work/time")
    case "$label" in
        *"first build"*) [ -n "$duck_first" ] || duck_first=$seconds
            ratio=$(awk -v a="$seconds" -v b="$duck_first" 'BEGIN { printf "%.1f", a / b }') ;;
        *rebuild*) [ -n "$duck_rebuild" ] || duck_rebuild=$seconds
            ratio=$(awk -v a="$seconds" -v b="$duck_rebuild" 'BEGIN { printf "%.1f", a / b }') ;;
    esac
    rows+=("$(printf '| %s | %.1f | %.0f | %s |' "$label" "$seconds" "$((kb / 1024))" "$ratio")")
    echo "${rows[-1]}"
    # Spark's publication window, as the build printed it
    local repoint
    repoint=$(grep -oE '[0-9]+ views repointed in [0-9.]+ s' "$work/out" || true)
    if [ -n "$repoint" ]; then
        notes+=("- $label: $repoint (the window in which a reader can see a mix of two builds)")
    fi
}

started=$(date -u +%Y-%m-%dT%H:%MZ)
measure duckdb "DuckDB: first build (fit + SQL scoring)" \
    "$bin/olist-seg" build --warehouse "$work/bench.duckdb"
measure duckdb "DuckDB: rebuild (frozen model)" \
    "$bin/olist-seg" build --warehouse "$work/bench.duckdb"
measure postgres "PostgreSQL: load the nine CSVs (checks + COPY)" \
    "$bin/olist-seg" load --target postgres
measure postgres "PostgreSQL: first build (fit + SQL scoring)" \
    "$bin/olist-seg" build --target postgres
measure postgres "PostgreSQL: rebuild (frozen model)" \
    "$bin/olist-seg" build --target postgres
measure spark "$spark_label: load the nine CSVs (checks + Parquet tables)" \
    "$bin/olist-seg" load --target spark
measure spark "$spark_label: first build (fit + SQL scoring)" \
    "$bin/olist-seg" build --target spark
measure spark "$spark_label: rebuild (frozen model)" \
    "$bin/olist-seg" build --target spark

if [ -n "$results" ]; then
    {
        echo "# Engines: $dataset"
        echo
        echo "<!-- Written by scripts/engine-benchmark.sh --results; do not edit by hand. -->"
        echo
        echo "Measured $started by \`scripts/engine-benchmark.sh${orders:+ --orders $orders} --spark $spark\`"
        echo "on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, one run, nothing else running;"
        echo "PostgreSQL $(psql -h localhost -p "$OLIST_PG_PORT" -U postgres -tAc 'show server_version' | cut -d' ' -f1)"
        echo "(local, \`fsync=off\`), Spark $("$bin/python" -c 'import pyspark; print(pyspark.__version__)')"
        echo "($spark_label, 4 GB driver), each step stopped after $timeout_s s."
        echo "Peak memory is the largest client process GNU time sees (the PostgreSQL"
        echo "server and Spark executors on a cluster are not counted). x DuckDB: the"
        echo "step's time over DuckDB's same step. Context and the estimate of where a"
        echo "cluster overtakes one DuckDB machine:"
        echo "[benchmarks.md](benchmarks.md#engines-the-real-data-on-duckdb-postgresql-and-spark-one-run)."
        echo
        echo "| step | wall s | peak client MiB | x DuckDB |"
        echo "|---|---:|---:|---:|"
        printf '%s\n' "${rows[@]}"
        if [ ${#notes[@]} -gt 0 ]; then
            echo
            echo "Publication on Spark (from the builds' own output):"
            echo
            printf '%s\n' "${notes[@]}"
        fi
    } >"$results"
    echo "Wrote $results"
fi
