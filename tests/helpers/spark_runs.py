"""Spark builds as processes of their own, killed on cue, and the catalogue after.

With the embedded (Derby) metastore one JVM at a time may open a Spark
warehouse, so while these run the test process must not start Spark on the
same folder; :func:`inspect` reads the catalogue in a process of its own.
With a shared metastore (the test cluster's, in PostgreSQL), :class:`ViewWatch`
reads it while a build runs.
Run ``python -m helpers.spark_runs`` (with ``OLIST_SPARK_DIR``) to print
the catalogue as JSON.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Where ``helpers`` lives, for the inspecting process's path.
TESTS_DIR = Path(__file__).resolve().parents[1]


@dataclass
class Killed:
    """A build killed with SIGKILL once it printed ``marker``."""

    output: str
    seconds: float


def olist_seg(*args: str, env: dict[str, str] | None = None) -> str:
    """Run ``olist-seg`` in a process of its own; fail with its output."""
    result = subprocess.run(
        [sys.executable, "-m", "olist_segmentation.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"olist-seg {' '.join(args)}:\n{output[-5000:]}"
    return output


def kill_at(marker: str, *args: str, env: dict[str, str] | None = None) -> Killed:
    """Start ``olist-seg args``; SIGKILL it (and its JVM) once it prints ``marker``.

    Fails when the process ends before printing it: then nothing was killed.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "olist_segmentation.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()
    output = "".join(lines)
    assert marker in output, f"the build ended before {marker!r}:\n{output[-5000:]}"
    assert process.returncode == -signal.SIGKILL, process.returncode
    return Killed(output, time.perf_counter() - started)


#: The served views and the generation each reads, from the metastore tables.
_SERVED_VIEWS = """
select d."NAME", t."TBL_NAME", t."VIEW_ORIGINAL_TEXT"
from "TBLS" as t join "DBS" as d using ("DB_ID")
where t."TBL_TYPE" = 'VIRTUAL_VIEW'
    and d."NAME" in ('main', 'staging', 'intermediate', 'reference')
"""


class ViewWatch(threading.Thread):
    """A reader beside the build: polls which generation each served view
    reads, straight from a shared (PostgreSQL) metastore, on a connection of
    its own.

    ``states`` holds ``(seconds, {"db.name": "__g..."})`` each time the
    mapping changed; use it as a context manager around a build.
    """

    def __init__(self, interval: float = 0.02) -> None:
        """Watch the metastore of ``$OLIST_SPARK_METASTORE_URL``."""
        super().__init__(daemon=True)
        self.interval = interval
        self.states: list[tuple[float, dict[str, str]]] = []
        self.polls = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Poll until stopped."""
        connection = metastore_connection()
        started = time.perf_counter()
        with connection, connection.cursor() as cursor:
            while not self._stop_event.is_set():
                cursor.execute(_SERVED_VIEWS)
                state = _views(cursor.fetchall())
                self.polls += 1
                if not self.states or self.states[-1][1] != state:
                    self.states.append((time.perf_counter() - started, state))
                time.sleep(self.interval)
        connection.close()

    def __enter__(self) -> ViewWatch:
        """Start polling."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop polling."""
        self._stop_event.set()
        self.join(timeout=30)


_READS = re.compile(r"__g\d+")
#: Every table and view of the served databases and their generations.
_TABLES = """
select d."NAME", t."TBL_NAME"
from "DBS" as d left join "TBLS" as t using ("DB_ID")
where d."NAME" in ('main', 'staging', 'intermediate', 'reference')
    or d."NAME" ~ '^(main|staging|intermediate|reference)__g[0-9]+$'
"""


def shared_metastore() -> bool:
    """Whether the Spark metastore is a PostgreSQL database (the test
    cluster's), which this process may read while a build runs."""
    url = os.environ.get("OLIST_SPARK_METASTORE_URL", "")
    return url.startswith("jdbc:postgresql:")


def metastore_connection() -> Any:
    """An autocommit psycopg2 connection to the shared metastore."""
    import psycopg2

    url = urllib.parse.urlsplit(
        os.environ["OLIST_SPARK_METASTORE_URL"].removeprefix("jdbc:")
    )
    connection = psycopg2.connect(
        host=url.hostname,
        port=url.port,
        dbname=url.path.lstrip("/"),
        user=os.environ.get("OLIST_SPARK_METASTORE_USER", "postgres"),
    )
    connection.autocommit = True
    return connection


def _views(rows: list[tuple[str, str, str | None]]) -> dict[str, str]:
    return {
        f"{db}.{name}": match.group(0)
        for db, name, text in rows
        if (match := _READS.search(text or ""))
    }


def inspect() -> dict[str, object]:
    """Read the Spark catalogue of ``$OLIST_SPARK_DIR`` in a process of its own.

    Returns ``{"databases": {name: [tables]}, "views": {"db.name":
    generation suffix}}`` for the served databases and their generations.
    With a shared metastore, the same read from its tables, in this process
    (no JVM to start).
    """
    if shared_metastore():
        with metastore_connection() as connection, connection.cursor() as cursor:
            cursor.execute(_TABLES)
            databases: dict[str, list[str]] = {}
            for database, table in cursor.fetchall():
                tables = databases.setdefault(database, [])
                if table is not None:
                    tables.append(table)
            cursor.execute(_SERVED_VIEWS)
            views = _views(cursor.fetchall())
        return {
            "databases": {name: sorted(tables) for name, tables in databases.items()},
            "views": views,
        }
    result = subprocess.run(
        [sys.executable, "-m", "helpers.spark_runs"],
        capture_output=True,
        text=True,
        check=False,
        cwd=TESTS_DIR,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]
            ),
        },
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def catalogue(spark: object) -> dict[str, object]:
    """Return the catalogue :func:`inspect` prints, read on ``spark``."""
    from olist_segmentation.spark_publication import (
        GENERATION,
        SparkPublication,
    )

    served = ("main", "staging", "intermediate", "reference")
    catalog = spark.catalog  # type: ignore[attr-defined]
    databases = {
        # temporary views (dbt-spark's `__dbt_tmp`) live in the session only
        str(d.name): sorted(
            str(t.name) for t in catalog.listTables(d.name) if not t.isTemporary
        )
        for d in catalog.listDatabases()
        if str(d.name) in served or (GENERATION.match(str(d.name)) is not None)
    }
    views = {
        name: suffix
        for suffix, names in SparkPublication(spark, "")
        .generations_in_use(served)
        .items()
        for name in names
    }
    return {"databases": databases, "views": views}


def _main() -> None:
    from olist_segmentation.build import PROJECT_DIR
    from olist_segmentation.spark_engine import spark_session

    print(json.dumps(catalogue(spark_session(PROJECT_DIR))))


if __name__ == "__main__":
    _main()
