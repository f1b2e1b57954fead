"""What a PostgreSQL or Spark build serves, copied into a DuckDB file to read.

The commands that read a build (``report``, ``export``, ``summary``,
``drift``, ``stability``) read DuckDB. On the other targets they read a
*snapshot*: every table and view of the served schemas (``main``,
``intermediate``, ``reference``) copied into a temporary DuckDB file, then
the same code runs on it. Same data, same reading code, same results as on
DuckDB (``tests/postgres``, ``tests/spark`` compare them).

- **PostgreSQL:** one read-only ``REPEATABLE READ`` transaction that first
  locks every served relation in ``ACCESS SHARE`` mode. A build's swap
  (:mod:`olist_segmentation.postgres_publication`) needs ``ACCESS EXCLUSIVE``
  on them, so it waits until the copy is done: the snapshot is one complete
  build, never a mix.
- **Spark:** the served views are read one after another; Spark's catalog
  has no transactions, so a build publishing meanwhile (its repoint window,
  :mod:`olist_segmentation.spark_publication`) can mix two builds into the
  snapshot, as it can for any Spark reader; with the embedded metastore a
  build and a reader cannot run at the same time anyway.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from olist_segmentation import postgres_engine
from olist_segmentation.phased_build import EngineError

__all__ = ["SCHEMAS", "describe", "served_snapshot", "take_snapshot"]

#: The served schemas the reading commands query.
SCHEMAS = ("main", "intermediate", "reference")
#: The table every reading command needs: without it nothing was built.
REQUIRED = ("main", "customer_segments")
#: Tries when the served set changes between listing and locking it.
ATTEMPTS = 3

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def describe(target: str) -> str:
    """Name where ``target``'s served tables are, for messages and manifests."""
    if target == "postgres":
        return _pg_where()
    from olist_segmentation.build import find_project_dir  # noqa: PLC0415
    from olist_segmentation.spark_engine import spark_dir  # noqa: PLC0415

    return f"the Spark warehouse {spark_dir(find_project_dir())}"


def _not_built(target: str, where: str) -> EngineError:
    return EngineError(
        f"{where} has no {'.'.join(REQUIRED)}: nothing was built there yet. "
        f"Fix: olist-seg load --target {target} && olist-seg build --target {target}"
    )


@contextmanager
def served_snapshot(
    target: str,
    project_dir: Path | None = None,
    progress: Progress = _stderr,
) -> Iterator[Path]:
    """Yield a temporary DuckDB file holding ``target``'s served tables.

    The file is removed when the block ends.

    Raises:
        EngineError: The target cannot be reached or has no build.
    """
    with tempfile.TemporaryDirectory(prefix=f"olist-{target}-snapshot-") as folder:
        path = Path(folder) / f"{target}.duckdb"
        take_snapshot(target, path, project_dir, progress)
        yield path


def take_snapshot(
    target: str,
    path: Path,
    project_dir: Path | None = None,
    progress: Progress = _stderr,
) -> dict[str, int]:
    """Copy ``target``'s served tables and views into a new DuckDB file.

    Args:
        target: ``postgres`` or ``spark``.
        path: The DuckDB file to write (must not exist).
        project_dir: The dbt project (Spark's settings); default the package's.
        progress: Called with one line when the copy is done.

    Returns:
        Rows copied per ``schema.relation``.

    Raises:
        EngineError: Unknown target, no build on it, or the target fails.
    """
    if path.exists():
        raise EngineError(f"{path} exists: a snapshot is written to a new file.")
    started = time.perf_counter()
    con = duckdb.connect(str(path))
    try:
        for schema in SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        if target == "postgres":
            counts = _copy_postgres(con)
        elif target == "spark":
            counts = _copy_spark(con, project_dir)
        else:
            raise EngineError(f"--target {target}: not one of postgres, spark.")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        path.unlink(missing_ok=True)
        raise
    con.close()
    progress(
        f"Read {len(counts)} tables and views ({sum(counts.values()):,} rows) "
        f"of {target} into a snapshot in {time.perf_counter() - started:.1f} s."
    )
    return counts


# -- PostgreSQL ---------------------------------------------------------------

_PG_RELATIONS = (
    "select table_schema, table_name from information_schema.tables "
    "where table_schema = any(%s) order by table_schema, table_name"
)


def _pg_relations(cursor: Any) -> list[tuple[str, str]]:
    cursor.execute(_PG_RELATIONS, (list(SCHEMAS),))
    return [(str(s), str(t)) for s, t in cursor.fetchall()]


def _pg_where() -> str:
    settings = postgres_engine.pg_settings()
    return (
        f"PostgreSQL {settings['host']}:{settings['port']} "
        f"database {settings['dbname']}"
    )


def _copy_postgres(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    connection = postgres_engine.pg_connect()
    try:
        for _ in range(ATTEMPTS):
            with connection.cursor() as cursor:
                listed = _pg_relations(cursor)
            connection.rollback()
            if REQUIRED not in listed:
                raise _not_built("postgres", _pg_where())
            connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with connection.cursor() as cursor:
                # before the first select, so the snapshot is taken after the
                # locks: a swap either committed before them or waits for us
                names = ", ".join(
                    postgres_engine.quote_identifier(s)
                    + "."
                    + postgres_engine.quote_identifier(t)
                    for s, t in listed
                )
                cursor.execute(f"lock table {names} in access share mode")
                if _pg_relations(cursor) != listed:
                    connection.rollback()
                    continue
                counts = {}
                for schema, table in listed:
                    source = (
                        postgres_engine.quote_identifier(schema)
                        + "."
                        + postgres_engine.quote_identifier(table)
                    )
                    target = f'{schema}."{table}"'
                    postgres_engine.copy_query(
                        cursor, f"select * from {source}", con, target
                    )
                    counted = con.execute(f"select count(*) from {target}")
                    counts[f"{schema}.{table}"] = int(counted.fetchall()[0][0])
            connection.rollback()
            return counts
        raise EngineError(
            f"The served tables of {_pg_where()} changed {ATTEMPTS} times while "
            "they were being read (builds publishing meanwhile). Try again."
        )
    finally:
        connection.close()


# -- Spark --------------------------------------------------------------------


def _copy_spark(
    con: duckdb.DuckDBPyConnection, project_dir: Path | None
) -> dict[str, int]:
    # pyspark is optional (the spark extra): imported when Spark is used
    from olist_segmentation.build import find_project_dir  # noqa: PLC0415
    from olist_segmentation.spark_engine import (  # noqa: PLC0415
        SparkSessionAdapter,
        spark_session,
    )

    spark = spark_session(project_dir or find_project_dir())
    adapter = SparkSessionAdapter(spark)
    databases = {str(d.name) for d in spark.catalog.listDatabases()}
    listed = [
        (schema, str(table.name))
        for schema in SCHEMAS
        if schema in databases
        for table in spark.catalog.listTables(schema)
        if not table.isTemporary
    ]
    if REQUIRED not in listed:
        raise _not_built("spark", describe("spark"))
    counts = {}
    for schema, table in listed:
        rows = adapter.read_arrow(f"select * from `{schema}`.`{table}`")
        con.register("snapshot_rows", rows)
        con.execute(f'create table {schema}."{table}" as select * from snapshot_rows')
        con.unregister("snapshot_rows")
        counts[f"{schema}.{table}"] = int(rows.num_rows)
    return counts
