"""The project on PostgreSQL: connection, the Python models' I/O, the raw load.

A build runs dbt as a subprocess per phase (:class:`PostgresBackend`) and
the project's Python models between the phases on a psycopg2 connection
(:class:`PgSession`). Rows move between PostgreSQL and pandas through an
in-memory DuckDB, so a model sees exactly the frames it sees on DuckDB and
its result is written with the column types DuckDB would give it.

Connection settings are the env vars of the ``postgres`` target in
``profiles.yml``: ``OLIST_PG_HOST``, ``OLIST_PG_PORT``, ``OLIST_PG_USER``,
``OLIST_PG_PASSWORD``, ``OLIST_PG_DATABASE``.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from olist_segmentation.phased_build import EngineError, QueryResult
from olist_segmentation.postgres_publication import (
    SCHEMA_SUFFIX_VAR,
    STAGING_SUFFIX,
    BuildSet,
    Publication,
)

#: DuckDB type -> PostgreSQL type, for the raw tables and Python results.
_PG_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38,0)",
    "UBIGINT": "numeric(20,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIME": "time",
    "UUID": "uuid",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "INTERVAL": "interval",
}
#: PostgreSQL type OID -> DuckDB type, for reading relations into pandas.
_DUCKDB_TYPES = {
    16: "BOOLEAN",
    20: "BIGINT",
    21: "SMALLINT",
    23: "INTEGER",
    25: "VARCHAR",
    700: "FLOAT",
    701: "DOUBLE",
    1042: "VARCHAR",
    1043: "VARCHAR",
    1082: "DATE",
    1114: "TIMESTAMP",
    1184: "TIMESTAMP WITH TIME ZONE",
}


def pg_type(duckdb_type: str) -> str:
    """Return the PostgreSQL type for a DuckDB type name (DECIMAL kept)."""
    name = duckdb_type.upper().strip()
    if name.startswith("DECIMAL") or name.startswith("NUMERIC"):
        return name.lower().replace("decimal", "numeric")
    if name.endswith("[]") or name.startswith(("STRUCT", "MAP", "LIST")):
        raise EngineError(
            f"type {duckdb_type} has no PostgreSQL column type here: a Python "
            "model must return flat columns."
        )
    if name not in _PG_TYPES:
        raise EngineError(
            f"type {duckdb_type} has no PostgreSQL column type here. Fix: add it "
            "to postgres_engine._PG_TYPES, or cast the column in the Python model."
        )
    return _PG_TYPES[name]


def quote_identifier(identifier: str) -> str:
    """Quote a PostgreSQL identifier (doubling any quote inside)."""
    return '"' + identifier.replace('"', '""') + '"'


def _duckdb_type(oid: int, precision: int | None, scale: int | None) -> str:
    if oid == 1700:  # numeric
        if precision and 0 < precision <= 38:
            return f"DECIMAL({precision},{scale or 0})"
        return "DOUBLE"
    return _DUCKDB_TYPES.get(oid, "VARCHAR")


# -- connection ---------------------------------------------------------------


def pg_settings() -> dict[str, Any]:
    """Return the connection settings of the ``postgres`` target (its env vars)."""
    return {
        "host": os.environ.get("OLIST_PG_HOST", "localhost"),
        "port": int(os.environ.get("OLIST_PG_PORT", "5432")),
        "user": os.environ.get("OLIST_PG_USER", "postgres"),
        "password": os.environ.get("OLIST_PG_PASSWORD", ""),
        "dbname": os.environ.get("OLIST_PG_DATABASE", "olist"),
    }


def pg_connect() -> Any:
    """Open a psycopg2 connection to the ``postgres`` target.

    Raises:
        EngineError: The server cannot be reached; the message names the
            address and the env vars that set it.
    """
    import psycopg2  # noqa: PLC0415 (only with the postgres extra)

    settings = pg_settings()
    try:
        return psycopg2.connect(connect_timeout=10, **settings)
    except psycopg2.OperationalError as error:
        raise EngineError(
            f"Cannot connect to PostgreSQL at {settings['host']}:{settings['port']} "
            f"database {settings['dbname']} as {settings['user']}: "
            f"{str(error).strip()}. Fix: start the server (for a local test "
            "server: scripts/postgres-server.sh start) or set OLIST_PG_HOST, "
            "OLIST_PG_PORT, OLIST_PG_USER, OLIST_PG_PASSWORD, OLIST_PG_DATABASE."
        ) from error


def copy_query(
    cursor: Any,
    sql: str,
    con: duckdb.DuckDBPyConnection,
    relation: str | None,
) -> pd.DataFrame:
    """Copy the rows of ``sql`` on PostgreSQL into DuckDB, typed as DuckDB would.

    The rows travel as CSV (``COPY ... TO STDOUT``, NULL written as a
    backslash and N, so that an empty string stays an empty string) and are
    read back with the column types of the query's result
    (:func:`_duckdb_type`).

    Args:
        cursor: An open psycopg2 cursor (its transaction is the one read).
        sql: The query.
        con: The DuckDB connection that receives the rows.
        relation: Create this table in ``con`` from the rows; ``None``
            returns them as a frame instead.

    Returns:
        The rows as a frame, or an empty frame when ``relation`` was created.
    """
    cursor.execute(f"select * from ({sql}) as q limit 0")
    columns = [
        (c.name, _duckdb_type(c.type_code, c.precision, c.scale))
        for c in cursor.description
    ]
    if not columns:
        return pd.DataFrame()
    buffer = io.StringIO()
    cursor.copy_expert(
        f"copy ({sql}) to stdout with (format csv, header true, null '\\N')",
        buffer,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write(buffer.getvalue())
        path = f.name
    try:
        spec = ", ".join("'" + n.replace("'", "''") + f"': '{t}'" for n, t in columns)
        rows = (
            "select * from read_csv(?, header = true, auto_detect = false, "
            f"columns = {{{spec}}}, quote = '\"', escape = '\"', "
            "nullstr = '\\N', allow_quoted_nulls = false)"
        )
        if relation is None:
            return con.execute(rows, [path]).df()
        con.execute(f"create table {relation} as {rows}", [path])
        return pd.DataFrame()
    finally:
        os.unlink(path)


class PgSession:
    """What a Python model calls ``session``: ``execute(sql)`` on PostgreSQL."""

    def __init__(self, connection: Any) -> None:
        """Wrap an open psycopg2 connection."""
        self.connection = connection

    def execute(self, sql: str) -> QueryResult:
        """Run a query; the result reads as ``fetchall()`` or ``df()``."""
        return QueryResult(self, sql)

    def read(self, sql: str) -> pd.DataFrame:
        """Return the rows of ``sql`` as DuckDB would give them to pandas."""
        with self.connection.cursor() as cursor:
            return copy_query(cursor, sql, duckdb.connect(), None)

    def write(self, relation: str, frame: pd.DataFrame, append: bool) -> int:
        """Create (or append to) ``relation`` with ``frame``'s rows.

        Column types are those DuckDB infers from the frame, as when
        dbt-duckdb materialises a Python model.
        """
        con = duckdb.connect()
        con.register("result", frame)
        described = con.execute("describe select * from result").fetchall()
        columns = [(row[0], pg_type(row[1])) for row in described]
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
            path = f.name
        try:
            con.execute(
                "copy result to '" + path.replace("'", "''") + "' "
                "(format csv, header true, nullstr '\\N')"
            )
            with self.connection.cursor() as cursor:
                if not append:
                    cursor.execute(f"drop table if exists {relation} cascade")
                ddl = ", ".join(f"{quote_identifier(n)} {t}" for n, t in columns)
                cursor.execute(f"create table if not exists {relation} ({ddl})")
                names = ", ".join(quote_identifier(n) for n, _ in columns)
                with open(path, encoding="utf-8") as data:
                    cursor.copy_expert(
                        f"copy {relation} ({names}) from stdin "
                        "with (format csv, header true, null '\\N')",
                        data,
                    )
            self.connection.commit()
        finally:
            os.unlink(path)
        return len(frame)

    def exists(self, relation: str) -> bool:
        """Whether ``relation`` (a quoted "db"."schema"."table") exists."""
        parts = [p.strip('"') for p in relation.split(".")]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "select 1 from information_schema.tables "
                "where table_schema = %s and table_name = %s",
                (parts[-2], parts[-1]),
            )
            return cursor.fetchone() is not None


# -- the phased build's backend -----------------------------------------------


def _dbt(
    args: list[str],
    dbt_vars: dict[str, object] | None,
    project_dir: Path,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run dbt on the ``postgres`` target in a subprocess."""
    from olist_segmentation.build import dbt_command  # noqa: PLC0415
    from olist_segmentation.publish import die_with_parent  # noqa: PLC0415

    env = dict(os.environ)
    env["DO_NOT_TRACK"] = "1"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return subprocess.run(
        dbt_command([*args, "--target", "postgres"], dbt_vars),
        cwd=project_dir,
        env=env,
        text=True,
        capture_output=capture,
        check=False,
        # a build killed with kill -9 takes its dbt with it: the next build
        # drops the staging schemas this dbt would still be writing
        preexec_fn=die_with_parent,  # noqa: PLW1509
    )


def _staged(dbt_vars: dict[str, object] | None) -> dict[str, object]:
    """``dbt_vars`` plus the suffix that sends every model to the staging set."""
    return {**(dbt_vars or {}), SCHEMA_SUFFIX_VAR: STAGING_SUFFIX}


class PostgresBackend:
    """dbt as a subprocess per phase; Python models on a psycopg2 session.

    Everything is built into the staging schemas (``main__build``, ...) and
    published in one transaction once every model and test passed
    (:mod:`olist_segmentation.postgres_publication`). The connection holds
    the build lock from the start to the end of the build.
    """

    #: What a failed build leaves, for its error message.
    failure_note = (
        "Nothing was published: the served schemas keep the previous build "
        "(this build's staging schemas were dropped)."
    )

    def __init__(self, project: Path, command: str = "olist-seg build") -> None:
        """Connect to the ``postgres`` target and take the build lock.

        Raises:
            EngineError: The server is unreachable, or another build holds
                the lock (the message names it).
        """
        self.project = project
        self.connection = pg_connect()
        self.session = PgSession(self.connection)
        self.publication = Publication(self.connection, lambda _m: None)
        try:
            self.publication.lock(command)
        except Exception:
            self.connection.close()
            raise

    def prepare(
        self,
        manifest: dict[str, Any],
        selected: set[str],
        progress: Callable[[str], None],
    ) -> None:
        """Create the staging schemas and copy in what the build reads."""
        self.publication.progress = progress
        self.publication.prepare(BuildSet.from_manifest(manifest, selected))

    def publish(self, progress: Callable[[str], None]) -> None:
        """Swap the staging schemas with the served ones (one transaction)."""
        self.publication.progress = progress
        self.publication.swap()

    def discard(self) -> None:
        """Drop the staging schemas of a failed build."""
        self.publication.discard()

    def models(self, selector: str, dbt_vars: dict[str, object] | None) -> set[str]:
        """Return the names of the models ``selector`` selects (``dbt ls``)."""
        listed = _dbt(
            ["ls", "--selector", selector, "--resource-type", "model"]
            + ["--output", "name"],
            _staged(dbt_vars),
            self.project,
            capture=True,
        )
        if listed.returncode != 0:
            raise EngineError(
                f"dbt ls failed on postgres:\n{listed.stdout}{listed.stderr}"
            )
        return {
            line.strip().split(".")[-1]
            for line in listed.stdout.splitlines()
            if re.fullmatch(r"[A-Za-z0-9_.]+", line.strip())
        }

    def dbt(self, args: list[str], dbt_vars: dict[str, object] | None) -> bool:
        """Run a dbt command in a subprocess (into the staging schemas)."""
        return _dbt(args, _staged(dbt_vars), self.project).returncode == 0

    def rollback(self) -> None:
        """Roll back what a failed Python model wrote."""
        self.connection.rollback()

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


# -- loading the raw CSVs -----------------------------------------------------


def load_tables(
    data: Path,
    tables: list[dict[str, Any]],
    schema: str,
    progress: Callable[[str], None],
) -> dict[str, int]:
    """Replace the raw tables of ``schema`` in one transaction: all or none.

    Takes the build lock first: a build reads the raw tables once per
    phase, so a load during a build would mix two inputs in one build.

    Returns:
        Rows loaded per table.

    Raises:
        EngineError: A build is running (the message names it).
    """
    counts = {}
    connection = pg_connect()
    try:
        Publication(connection, progress).lock("olist-seg load")
        with connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {schema}")
            for table in tables:
                started = time.perf_counter()
                counts[table["name"]] = _load_table(cursor, data, table, schema)
                progress(
                    f"  {schema}.{table['name']}: {counts[table['name']]:,} rows "
                    f"({time.perf_counter() - started:.1f} s)"
                )
        connection.commit()
    except Exception:
        connection.rollback()
        raise
    finally:
        connection.close()
    return counts


def _load_table(cursor: Any, data: Path, table: dict[str, Any], schema: str) -> int:
    """Replace one raw table with the typed rows of its CSV file."""
    columns: dict[str, str] = table["columns"]
    spec = ", ".join(f"'{n}': '{t}'" for n, t in columns.items())
    path = str(data / table["file"])
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
        out = f.name
    try:
        duckdb.connect().execute(
            "copy (select * from read_csv(?, header = true, auto_detect = false, "
            "delim = ',', quote = '\"', escape = '\"', "
            f"timestampformat = '%Y-%m-%d %H:%M:%S', columns = {{{spec}}})) "
            "to '" + out.replace("'", "''") + "' (format csv, header true, "
            "nullstr '', timestampformat '%Y-%m-%d %H:%M:%S')",
            [path],
        )
        relation = f"{schema}.{quote_identifier(table['name'])}"
        ddl = ", ".join(
            f"{quote_identifier(n)} {pg_type(t)}" for n, t in columns.items()
        )
        cursor.execute(f"drop table if exists {relation} cascade")
        cursor.execute(f"create table {relation} ({ddl})")
        with open(out, encoding="utf-8") as rows:
            cursor.copy_expert(
                f"copy {relation} from stdin with (format csv, header true)", rows
            )
        cursor.execute(f"select count(*) from {relation}")
        return int(cursor.fetchone()[0])
    finally:
        os.unlink(out)
