"""The project on PostgreSQL: load the raw CSVs, build, run the Python models.

dbt-postgres has no Python models, so a build on PostgreSQL runs in phases:
dbt builds the SQL models whose inputs exist, then this module runs the
project's own Python model files (``models/**/*.py``, unchanged) against
the warehouse, then dbt builds what depends on them, and so on. A Python
model gets the same ``dbt`` and ``session`` objects it uses on DuckDB
(``dbt.ref(...).order(...).df()``, ``dbt.config.get``, ``dbt.is_incremental``,
``dbt.this``, ``session.execute(...).fetchall()/.df()``), and its result is
written with the column types DuckDB would give it: rows move between the
engine and pandas through an in-memory DuckDB, so a model sees exactly the
frames it sees on DuckDB.

Connection settings are the env vars of the ``postgres`` target in
``profiles.yml``: ``OLIST_PG_HOST``, ``OLIST_PG_PORT``, ``OLIST_PG_USER``,
``OLIST_PG_PASSWORD``, ``OLIST_PG_DATABASE``.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
import yaml

from olist_segmentation.errors import OlistError

#: Targets of profiles.yml this module builds (DuckDB builds natively).
TARGETS = ("postgres", "spark")
#: The schema the raw tables are loaded into: the source's name.
RAW_SCHEMA = "olist"
SOURCES_YML = Path("models") / "staging" / "olist" / "_olist__sources.yml"

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


class EngineError(OlistError):
    """The target engine is unreachable, or a load or build on it failed."""


class ModelSession(Protocol):
    """What the Python model runner needs of an engine's connection."""

    def read(self, sql: str) -> pd.DataFrame:
        """Return the rows of ``sql`` as DuckDB would give them to pandas."""
        ...

    def write(self, relation: str, frame: pd.DataFrame, append: bool) -> int:
        """Create (or append to) ``relation`` with ``frame``'s rows."""
        ...

    def exists(self, relation: str) -> bool:
        """Whether ``relation`` exists."""
        ...


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
            "to engines._PG_TYPES, or cast the column in the Python model."
        )
    return _PG_TYPES[name]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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
            cursor.execute(f"select * from ({sql}) as q limit 0")
            columns = [
                (
                    c.name,
                    _duckdb_type(c.type_code, c.precision, c.scale),
                )
                for c in cursor.description
            ]
            buffer = io.StringIO()
            # NULL is \N, so that an empty string stays an empty string
            cursor.copy_expert(
                f"copy ({sql}) to stdout with (format csv, header true, null '\\N')",
                buffer,
            )
        if not columns:
            return pd.DataFrame()
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write(buffer.getvalue())
            path = f.name
        try:
            spec = ", ".join(f"'{n}': '{t}'" for n, t in columns)
            return (
                duckdb.connect()
                .execute(
                    f"select * from read_csv(?, header = true, auto_detect = false, "
                    f"columns = {{{spec}}}, quote = '\"', escape = '\"', "
                    "nullstr = '\\N', allow_quoted_nulls = false)",
                    [path],
                )
                .df()
            )
        finally:
            os.unlink(path)

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
                ddl = ", ".join(f"{_quote(n)} {t}" for n, t in columns)
                cursor.execute(f"create table if not exists {relation} ({ddl})")
                names = ", ".join(_quote(n) for n, _ in columns)
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


def _duckdb_type(oid: int, precision: int | None, scale: int | None) -> str:
    if oid == 1700:  # numeric
        if precision and 0 < precision <= 38:
            return f"DECIMAL({precision},{scale or 0})"
        return "DOUBLE"
    return _DUCKDB_TYPES.get(oid, "VARCHAR")


class QueryResult:
    """The result of ``session.execute``: ``fetchall()`` or ``df()``."""

    def __init__(self, session: ModelSession, sql: str) -> None:
        """Hold the query; it runs when read."""
        self.session = session
        self.sql = sql

    def df(self) -> pd.DataFrame:
        """Return the rows as a DataFrame (DuckDB's types)."""
        return self.session.read(self.sql)

    def fetchall(self) -> list[tuple[Any, ...]]:
        """Return the rows as tuples."""
        return list(self.df().itertuples(index=False, name=None))


# -- what a Python model calls `dbt` ------------------------------------------


class Relation:
    """``dbt.ref(name)``: a relation a model orders and reads."""

    def __init__(self, session: ModelSession, name: str, order_by: str = "") -> None:
        """Point at a relation (quoted name) of the warehouse."""
        self.session = session
        self.name = name
        self.order_by = order_by

    def order(self, columns: str) -> Relation:
        """Return the same relation, read in the order of ``columns``."""
        return Relation(self.session, self.name, columns)

    def df(self) -> pd.DataFrame:
        """Read the relation (in its order, when one was given)."""
        sql = f"select * from {self.name}"
        if self.order_by:
            sql += f" order by {self.order_by}"
        return self.session.read(sql)


class ModelConfig:
    """``dbt.config``: callable (ignored: the manifest has it) with ``get``."""

    def __init__(self, config: dict[str, Any]) -> None:
        """Hold the node's config from the manifest."""
        self._config = config

    def __call__(self, **_kwargs: object) -> None:
        """``dbt.config(materialized=...)`` inside a model: already applied."""

    def get(self, key: str, default: object = None) -> object:
        """Return a config value (vars already rendered by dbt's parser)."""
        return self._config.get(key, default)


@dataclass
class ModelContext:
    """The ``dbt`` object of one Python model run outside dbt."""

    session: ModelSession
    node: dict[str, Any]
    relations: dict[str, str]

    @property
    def config(self) -> ModelConfig:
        """The node's config."""
        return ModelConfig(self.node["config"])

    @property
    def this(self) -> str:
        """The model's own relation."""
        return self.node["relation_name"]

    @property
    def is_incremental(self) -> bool:
        """Incremental and already built, as in dbt."""
        return self.node["config"].get(
            "materialized"
        ) == "incremental" and self.session.exists(self.this)

    def ref(self, name: str) -> Relation:
        """Return the relation of model ``name``."""
        if name not in self.relations:
            raise EngineError(f"{self.node['name']}: ref('{name}') is not a model.")
        return Relation(self.session, self.relations[name])


def run_python_model(
    session: ModelSession,
    node: dict[str, Any],
    relations: dict[str, str],
    project_dir: Path,
) -> int:
    """Run one of the project's Python model files; write its result.

    Returns:
        The rows written (appended, for an incremental model).
    """
    path = project_dir / node["original_file_path"]
    spec = importlib.util.spec_from_file_location(f"olist_model_{node['name']}", path)
    if spec is None or spec.loader is None:
        raise EngineError(f"Cannot load the Python model {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = ModelContext(session, node, relations)
    append = context.is_incremental
    frame = module.model(context, session)
    if append and frame.empty:
        return 0
    return session.write(context.this, frame, append=append)


# -- the phased build ---------------------------------------------------------


@dataclass
class Plan:
    """Batches of SQL models, each followed by the Python models it feeds."""

    batches: list[tuple[list[str], list[str]]]
    nodes: dict[str, dict[str, Any]]

    def describe(self) -> str:
        """One line per batch: its SQL model count and its Python models."""
        return "\n".join(
            f"  phase {i + 1}: {len(sql)} SQL models, then "
            f"{', '.join(py) if py else 'no Python model'}"
            for i, (sql, py) in enumerate(self.batches)
        )


def build_plan(manifest: dict[str, Any], selected: set[str]) -> Plan:
    """Order the selected models into SQL batches and Python runs.

    A SQL model goes into the first batch after every Python model it
    depends on (directly or not); a Python model runs right after the batch
    that completes its inputs.
    """
    models = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["name"] in selected
    }
    parents = {
        name: [
            manifest["nodes"][p]["name"]
            for p in node["depends_on"]["nodes"]
            if p in manifest["nodes"]
            and manifest["nodes"][p]["resource_type"] == "model"
            and manifest["nodes"][p]["name"] in models
        ]
        for name, node in models.items()
    }
    level: dict[str, int] = {}

    def level_of(name: str) -> int:
        if name not in level:
            node = models[name]
            found = 0
            is_python = node["language"] == "python"
            for parent in parents[name]:
                parent_level = level_of(parent)
                if models[parent]["language"] == "python" and not is_python:
                    # a Python parent of level k ran after batch k: next batch
                    found = max(found, parent_level + 1)
                else:
                    # SQL parents, and Python parents of a Python model (run
                    # in order after the same batch)
                    found = max(found, parent_level)
            level[name] = found
        return level[name]

    for name in models:
        level_of(name)
    depth = max(level.values(), default=0)
    batches: list[tuple[list[str], list[str]]] = []
    order = _topological(models, parents)
    for k in range(depth + 1):
        sql = sorted(
            n for n in models if level[n] == k and models[n]["language"] == "sql"
        )
        python = [
            n for n in order if level[n] == k and models[n]["language"] == "python"
        ]
        batches.append((sql, python))
    return Plan(batches, models)


def _topological(
    models: dict[str, dict[str, Any]], parents: dict[str, list[str]]
) -> list[str]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for parent in sorted(parents[name]):
            visit(parent)
        done.append(name)

    for name in sorted(models):
        visit(name)
    return done


@contextmanager
def _timed(label: str, progress: Callable[[str], None]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    progress(f"{label} ({time.perf_counter() - started:.1f} s)")


def _dbt(
    args: list[str],
    target: str,
    dbt_vars: dict[str, object] | None,
    project_dir: Path,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    from olist_segmentation.build import dbt_command  # noqa: PLC0415

    env = dict(os.environ)
    env["DO_NOT_TRACK"] = "1"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return subprocess.run(
        dbt_command([*args, "--target", target], dbt_vars),
        cwd=project_dir,
        env=env,
        text=True,
        capture_output=capture,
        check=False,
    )


class _PostgresBackend:
    """dbt as a subprocess per phase; Python models on a psycopg2 session."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.connection = pg_connect()
        self.session: Any = PgSession(self.connection)

    def models(self, selector: str, dbt_vars: dict[str, object] | None) -> set[str]:
        listed = _dbt(
            ["ls", "--selector", selector, "--resource-type", "model"]
            + ["--output", "name"],
            "postgres",
            dbt_vars,
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
        return _dbt(args, "postgres", dbt_vars, self.project).returncode == 0

    def rollback(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()


class _SparkBackend:
    """dbt in this process (dbtRunner) and the Python models on one session.

    dbt-spark's session method starts Spark in the process that runs dbt;
    running dbt here shares that session (one JVM, one holder of the
    embedded metastore) with the Python models.
    """

    def __init__(self, project: Path) -> None:
        from olist_segmentation import spark_engine  # noqa: PLC0415

        self.project = project
        spark = spark_engine.spark_session(project)
        self.session = spark_engine.SparkSessionAdapter(spark)

    def _invoke(self, args: list[str], dbt_vars: dict[str, object] | None) -> Any:
        from dbt.cli.main import dbtRunner  # noqa: PLC0415

        from olist_segmentation.build import dbt_arguments  # noqa: PLC0415

        os.environ["DO_NOT_TRACK"] = "1"
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        arguments = dbt_arguments([*args, "--target", "spark"], dbt_vars, self.project)
        return dbtRunner().invoke(arguments)

    def models(self, selector: str, dbt_vars: dict[str, object] | None) -> set[str]:
        result = self._invoke(
            ["ls", "--quiet", "--selector", selector, "--resource-type", "model"]
            + ["--output", "name"],
            dbt_vars,
        )
        if not result.success:
            raise EngineError(f"dbt ls failed on spark: {result.exception}")
        return {str(name).split(".")[-1] for name in result.result}

    def dbt(self, args: list[str], dbt_vars: dict[str, object] | None) -> bool:
        return bool(self._invoke(args, dbt_vars).success)

    def rollback(self) -> None:
        """Spark tables have no transactions."""

    def close(self) -> None:
        """Keep the session: it lives as long as the process (dbt holds it)."""


def _backend(target: str, project: Path) -> _PostgresBackend | _SparkBackend:
    if target not in TARGETS:
        raise EngineError(f"--target {target}: not one of {', '.join(TARGETS)}.")
    if target == "spark":
        return _SparkBackend(project)
    return _PostgresBackend(project)


def build(
    target: str,
    selector: str = "default",
    dbt_vars: dict[str, object] | None = None,
    project_dir: Path | None = None,
    progress: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> None:
    """Build the project on ``target`` (PostgreSQL or Spark) in phases.

    Args:
        target: A target of profiles.yml: ``postgres`` or ``spark``.
        selector: The dbt selector (``default``, ``monitoring``, ``stability``).
        dbt_vars: Project vars (e.g. ``{"segment_refit": True}``).
        project_dir: The dbt project (default: the package's).
        progress: Called with a line per phase.

    Raises:
        EngineError: dbt or a Python model failed; tables of the phases
            before it stay as built (neither engine has a single-file swap).
    """
    from olist_segmentation.build import PROJECT_DIR  # noqa: PLC0415

    project = project_dir or PROJECT_DIR
    backend = _backend(target, project)
    try:
        selected = backend.models(selector, dbt_vars)
        manifest = json.loads((project / "target" / "manifest.json").read_text())
        plan = build_plan(manifest, selected)
        progress(f"Build on {target} ({selector}) in {len(plan.batches)} phases:")
        progress(plan.describe())
        relations = {
            n["name"]: n["relation_name"]
            for n in manifest["nodes"].values()
            if n["resource_type"] in ("model", "seed") and n.get("relation_name")
        }
        _run_plan(
            backend, plan, relations, target, selector, dbt_vars, project, progress
        )
    finally:
        backend.close()


def _run_plan(
    backend: _PostgresBackend | _SparkBackend,
    plan: Plan,
    relations: dict[str, str],
    target: str,
    selector: str,
    dbt_vars: dict[str, object] | None,
    project: Path,
    progress: Callable[[str], None],
) -> None:
    """Run the phases of ``plan``, then every selected test."""

    def phase_vars(phase: int) -> dict[str, object] | None:
        # The first phase checks that the frozen model fits the data
        # (on-run-start); later phases would see the fit of this very build
        # half written (a new version before its fingerprint), so skip it.
        if phase == 0:
            return dbt_vars
        return {**(dbt_vars or {}), "segment_fit_checked": True}

    for i, (sql, python) in enumerate(plan.batches):
        if sql:
            with _timed(f"phase {i + 1}: dbt run of {len(sql)} models", progress):
                if i == 0 and not backend.dbt(["seed"], dbt_vars):
                    raise EngineError(f"dbt seed failed on {target}.")
                ok = backend.dbt(["run", "--select", *sql], phase_vars(i))
            if not ok:
                raise EngineError(
                    f"dbt failed in phase {i + 1} on {target}; the output "
                    "above names the model. Tables of earlier phases were "
                    "written."
                )
        for name in python:
            with _timed(f"phase {i + 1}: Python model {name}", progress):
                try:
                    run_python_model(
                        backend.session, plan.nodes[name], relations, project
                    )
                except OlistError:
                    raise
                except Exception as error:
                    backend.rollback()
                    raise EngineError(
                        f"Python model {name} failed on {target}: "
                        f"{type(error).__name__}: {error}"
                    ) from error
    with _timed("dbt test of every selected model", progress):
        ok = backend.dbt(["test", "--selector", selector], phase_vars(1))
    if not ok:
        raise EngineError(
            f"dbt test failed on {target}: the output above names the test."
        )


# -- loading the raw CSVs -----------------------------------------------------


def source_tables(project_dir: Path) -> list[dict[str, Any]]:
    """Return the ``olist`` source's tables: name, CSV file and column types."""
    data = yaml.safe_load((project_dir / SOURCES_YML).read_text(encoding="utf-8"))
    source = next(s for s in data["sources"] if s["name"] == "olist")
    return [
        {
            "name": t["name"],
            "file": t["config"]["meta"]["csv_file"],
            "columns": t["config"]["meta"]["csv_columns"],
        }
        for t in source["tables"]
    ]


def load(
    target: str,
    data_dir: Path,
    project_dir: Path | None = None,
    progress: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> dict[str, int]:
    """Check the nine CSVs as a DuckDB build does, then load them into ``target``.

    The checks are the project's own (``validate_olist_sources``, run on an
    in-memory DuckDB), so a bad file gets the same message as on DuckDB and
    nothing is loaded. On PostgreSQL the load replaces the tables of schema
    ``olist`` in one transaction: all nine or none. On Spark (no
    transactions) each table is replaced in turn, after every check passed.

    Returns:
        Rows loaded per table.
    """
    from olist_segmentation.build import PROJECT_DIR  # noqa: PLC0415

    if target not in TARGETS:
        raise EngineError(f"--target {target}: not one of {', '.join(TARGETS)}.")
    project = project_dir or PROJECT_DIR
    data = Path(data_dir).expanduser().resolve()
    env = dict(os.environ)
    env.update(
        OLIST_DATA_DIR=str(data),
        OLIST_DUCKDB_PATH=":memory:",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    from olist_segmentation.build import dbt_command  # noqa: PLC0415

    with _timed(f"checked the CSVs in {data}", progress):
        checked = subprocess.run(
            dbt_command(
                ["run-operation", "validate_olist_sources", "--args", "{force: true}"]
            ),
            cwd=project,
            env=env,
            text=True,
            capture_output=True,
            check=False,
        )
    if checked.returncode != 0:
        message = _dbt_error(checked.stdout + checked.stderr)
        raise EngineError(f"{message}\nNothing was loaded into {target}.")
    tables = source_tables(project)
    if target == "spark":
        from olist_segmentation import spark_engine  # noqa: PLC0415

        with _timed(f"loaded {len(tables)} tables into Spark", progress):
            spark = spark_engine.spark_session(project)
            counts = spark_engine.load_tables(spark, data, tables, RAW_SCHEMA)
        for name, rows in counts.items():
            progress(f"  {RAW_SCHEMA}.{name}: {rows:,} rows")
        return counts
    counts = {}
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
            for table in tables:
                started = time.perf_counter()
                counts[table["name"]] = _load_table(cursor, data, table)
                progress(
                    f"  {RAW_SCHEMA}.{table['name']}: {counts[table['name']]:,} rows "
                    f"({time.perf_counter() - started:.1f} s)"
                )
        connection.commit()
    except Exception:
        connection.rollback()
        raise
    finally:
        connection.close()
    return counts


def _load_table(cursor: Any, data: Path, table: dict[str, Any]) -> int:
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
        relation = f"{RAW_SCHEMA}.{_quote(table['name'])}"
        ddl = ", ".join(f"{_quote(n)} {pg_type(t)}" for n, t in columns.items())
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


def _dbt_error(output: str) -> str:
    """Return the error lines of a failed dbt command (no timestamps, colours)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", output)
    lines = [re.sub(r"^\d\d:\d\d:\d\d\s+", "", line) for line in text.splitlines()]
    start = next(
        (i for i, line in enumerate(lines) if "Olist input" in line or "Error" in line),
        0,
    )
    return "\n".join(line for line in lines[start:] if line.strip()).strip()
