#!/usr/bin/env bash
# A throwaway Spark standalone cluster for `make test-spark` (and CI):
#   scripts/spark-cluster.sh start   a master and one worker, each a JVM of
#                                    its own, on 127.0.0.1, and a new Hive
#                                    metastore database in the local
#                                    PostgreSQL (scripts/postgres-server.sh);
#                                    writes $DIR/env, the settings that point
#                                    olist-seg at both (source it)
#   scripts/spark-cluster.sh stop    stop the master and the worker
# A test cluster, not a deployment: no authentication, one machine.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${OLIST_SPARK_CLUSTER_DIR:-/tmp/olist-spark-cluster}"
PORT="${OLIST_SPARK_MASTER_PORT:-7077}"
UI_PORT="${OLIST_SPARK_MASTER_UI_PORT:-8081}"
# Cores the worker offers: each application (one olist-seg process, or the
# test process) asks for 2 (spark.cores.max), so a second one can start while
# the first holds its executor. Slots, not CPUs: the machine has what it has.
WORKER_CORES="${OLIST_SPARK_WORKER_CORES:-4}"
WORKER_MEMORY="${OLIST_SPARK_WORKER_MEMORY:-6g}"
PG_PORT="${OLIST_PG_PORT:-54329}"
METASTORE_DB="${OLIST_SPARK_METASTORE_DATABASE:-olist_metastore}"
JDBC_JAR=/usr/share/java/postgresql.jar
PYTHON="${PYTHON:-.venv/bin/python}"

spark_home() {
    "$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

install_jdbc() {
    # The metastore client in the driver talks to PostgreSQL through JDBC:
    # Debian's libpostgresql-jdbc-java (Maven Central is out of reach).
    [ -f "$JDBC_JAR" ] && return
    echo "PostgreSQL JDBC driver not found: apt-get install libpostgresql-jdbc-java"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends libpostgresql-jdbc-java \
        || { $sudo apt-get update \
            && $sudo apt-get install -y --no-install-recommends \
                libpostgresql-jdbc-java; }
}

psql_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

metastore() {
    # A new, empty metastore database per start: the test warehouse folders
    # are temporary, so an old catalogue would point at deleted files.
    local bin
    bin=$(psql_bin)
    PGOPTIONS="--client-min-messages=warning" "$bin/psql" -q -v ON_ERROR_STOP=1 -h localhost -p "$PG_PORT" -U postgres -d postgres \
        -c "drop database if exists $METASTORE_DB" \
        -c "create database $METASTORE_DB"
    # Hive's schema, created whole before any session opens it. Left to
    # DataNucleus' lazy creation (datanucleus.schema.autoCreateAll), the
    # first CREATE TABLE deadlocks on PostgreSQL: it adds a foreign key to
    # TBLS from a second connection while the first holds TBLS in an open
    # transaction. SchemaTool reads Hive's own mapping (package.jdo) with the
    # naming settings Hive uses.
    local jars
    jars="$(spark_home)/jars"
    mkdir -p "$DIR/schema"
    "$PYTHON" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("package.jdo", sys.argv[2])' \
        "$(ls "$jars"/hive-metastore-*.jar)" "$DIR/schema"
    cat > "$DIR/schema/datanucleus.properties" <<EOF
javax.jdo.option.ConnectionURL=jdbc:postgresql://localhost:$PG_PORT/$METASTORE_DB
javax.jdo.option.ConnectionDriverName=org.postgresql.Driver
javax.jdo.option.ConnectionUserName=postgres
javax.jdo.option.ConnectionPassword=unused
datanucleus.schema.autoCreateAll=true
datanucleus.identifierFactory=datanucleus1
datanucleus.rdbms.useLegacyNativeValueStrategy=true
EOF
    (cd "$DIR/schema" && java -cp "$jars/*:$JDBC_JAR" \
        org.datanucleus.store.schema.SchemaTool -create -api JDO \
        -props datanucleus.properties package.jdo >schematool.log 2>&1) \
        || { cat "$DIR/schema/schematool.log" >&2; exit 1; }
    echo "Hive metastore: database $METASTORE_DB on localhost:$PG_PORT" \
        "($("$bin/psql" -h localhost -p "$PG_PORT" -U postgres -d "$METASTORE_DB" -tAc \
            "select count(*) from information_schema.tables where table_schema = 'public'") tables)"
}

daemon() {
    # daemon NAME CLASS ARGS...: start a Spark JVM in the background
    local name=$1 class=$2
    shift 2
    if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
        echo "Spark $name already running (pid $(cat "$DIR/$name.pid"))"
        return
    fi
    SPARK_HOME="$(spark_home)" SPARK_LOCAL_IP=127.0.0.1 \
        nohup "$(spark_home)/bin/spark-class" "$class" "$@" \
        >"$DIR/$name.log" 2>&1 &
    echo $! >"$DIR/$name.pid"
}

alive_workers() {
    "$PYTHON" - "$UI_PORT" <<'EOF'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/json/", timeout=2) as r:
        print(json.load(r)["aliveworkers"])
except Exception:
    print(0)
EOF
}

start() {
    install_jdbc
    scripts/postgres-server.sh start
    mkdir -p "$DIR/work"
    metastore
    daemon master org.apache.spark.deploy.master.Master \
        --host 127.0.0.1 --port "$PORT" --webui-port "$UI_PORT"
    daemon worker org.apache.spark.deploy.worker.Worker \
        --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" --webui-port 0 \
        --work-dir "$DIR/work" "spark://127.0.0.1:$PORT"
    local waited=0
    until [ "$(alive_workers)" -ge 1 ]; do
        if [ "$waited" -ge 120 ]; then
            echo "No Spark worker registered with the master in 120 s:" >&2
            tail -20 "$DIR/master.log" "$DIR/worker.log" >&2
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    cat >"$DIR/env" <<EOF
export OLIST_SPARK_MASTER=spark://127.0.0.1:$PORT
export OLIST_SPARK_MASTER_UI=http://127.0.0.1:$UI_PORT
export OLIST_SPARK_METASTORE_URL=jdbc:postgresql://localhost:$PG_PORT/$METASTORE_DB
export OLIST_SPARK_METASTORE_DRIVER=org.postgresql.Driver
export OLIST_SPARK_METASTORE_USER=postgres
export OLIST_SPARK_METASTORE_JARS=$JDBC_JAR
export SPARK_LOCAL_IP=127.0.0.1
EOF
    echo "Spark master spark://127.0.0.1:$PORT (pid $(cat "$DIR/master.pid")," \
        "UI http://127.0.0.1:$UI_PORT), 1 worker (pid $(cat "$DIR/worker.pid")," \
        "$WORKER_CORES cores, $WORKER_MEMORY); settings in $DIR/env"
}

stop() {
    local name pid
    for name in worker master; do
        if [ -f "$DIR/$name.pid" ]; then
            pid=$(cat "$DIR/$name.pid")
            if kill "$pid" 2>/dev/null; then
                # spark-class execs java: the pid is the JVM
                for _ in $(seq 30); do
                    kill -0 "$pid" 2>/dev/null || break
                    sleep 1
                done
                kill -9 "$pid" 2>/dev/null || true
                echo "Spark $name stopped (pid $pid)"
            fi
            rm -f "$DIR/$name.pid"
        fi
    done
    rm -f "$DIR/env"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
