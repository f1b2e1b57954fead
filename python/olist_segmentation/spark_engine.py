"""The project on Apache Spark: a local session, the raw tables, Python models.

dbt-spark's ``session`` method runs Spark inside the dbt process, and it
cannot run dbt Python models (it submits them to Databricks only). So a
Spark build runs dbt *in this process* (``dbtRunner``) and the project's
Python models between its phases (:mod:`olist_segmentation.phased_build`,
through :class:`SparkBackend`), all on one SparkSession: one JVM for the
whole build, and one process that holds the embedded Hive metastore (Derby
allows a single JVM at a time).

The session's settings are the ``server_side_parameters`` of the ``spark``
target of ``profiles.yml``, rendered here with the same env vars dbt uses
(``OLIST_SPARK_DIR``, ``OLIST_SPARK_MASTER``, ``OLIST_SPARK_DRIVER_MEMORY``),
so that the loader, the Python models and dbt share one configuration.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import duckdb
import jinja2
import pandas as pd
import yaml  # type: ignore[import-untyped,unused-ignore]  # no types-PyYAML

from olist_segmentation.errors import OlistError
from olist_segmentation.phased_build import EngineError, QueryResult
from olist_segmentation.postgres_publication import SCHEMA_SUFFIX_VAR, BuildSet
from olist_segmentation.spark_publication import SparkPublication, new_suffix

#: Where the Spark warehouse (tables and metastore) lives, relative to the
#: project directory unless absolute.
DEFAULT_SPARK_DIR = Path("warehouse") / "spark"

#: DuckDB type -> Spark SQL type, for the raw tables and Python results.
_SPARK_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "TINYINT": "tinyint",
    "SMALLINT": "smallint",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "FLOAT": "float",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


class SparkEngineError(OlistError):
    """Spark cannot start, or a Spark load or query failed."""


def spark_type(duckdb_type: str) -> str:
    """Return the Spark SQL type for a DuckDB type name (DECIMAL kept)."""
    name = duckdb_type.upper().strip()
    if name.startswith(("DECIMAL", "NUMERIC")):
        return name.lower().replace("numeric", "decimal")
    if name not in _SPARK_TYPES:
        raise SparkEngineError(
            f"type {duckdb_type} has no Spark column type here. Fix: add it to "
            "spark_engine._SPARK_TYPES, or cast the column in the Python model."
        )
    return _SPARK_TYPES[name]


def spark_dir(project_dir: Path) -> Path:
    """Return the absolute Spark warehouse folder (env ``OLIST_SPARK_DIR``)."""
    folder = Path(os.environ.get("OLIST_SPARK_DIR") or DEFAULT_SPARK_DIR)
    return folder if folder.is_absolute() else (project_dir / folder).resolve()


def session_settings(project_dir: Path) -> dict[str, str]:
    """Return the ``server_side_parameters`` of profiles.yml's ``spark`` target.

    ``OLIST_SPARK_DIR`` is made absolute first (and exported, so that dbt
    renders the same paths), because Spark resolves relative paths against
    the process's working directory, not the project's.
    """
    os.environ["OLIST_SPARK_DIR"] = str(spark_dir(project_dir))
    text = (project_dir / "profiles.yml").read_text(encoding="utf-8")
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    environment.filters["as_number"] = float
    rendered = environment.from_string(text).render(
        env_var=lambda name, default=None: os.environ.get(name, default)
    )
    profile = yaml.safe_load(rendered)
    target = profile["olist_segmentation"]["outputs"]["spark"]
    settings = {str(k): str(v) for k, v in target["server_side_parameters"].items()}
    # dbt-spark forces this for Spark 3 and 4 alike (connections.py)
    settings["spark.sql.ansi.enabled"] = "false"
    return settings


def spark_session(project_dir: Path) -> Any:
    """Return the process's SparkSession, started with the profile's settings.

    Raises:
        SparkEngineError: pyspark is missing, or Java cannot start.
    """
    # pyspark 4.3 warns on every Arrow call that it does not know pandas 3;
    # the frames here go through Arrow and DuckDB, not pyspark's pandas code.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas"
    )
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415 (spark extra)
    except ImportError as error:
        raise SparkEngineError(
            "The spark target needs pyspark and dbt-spark: "
            'pip install -e ".[spark]" (and Java 17+, e.g. Debian '
            "openjdk-17-jre-headless)."
        ) from error
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise SparkEngineError(
            "Spark needs Java 17+, and no `java` is on PATH and JAVA_HOME is "
            "unset. Fix: apt-get install openjdk-17-jre-headless (make "
            "test-spark does it), or set JAVA_HOME."
        )
    # Derby writes its log there (profiles.yml) only if the folder exists
    spark_dir(project_dir).mkdir(parents=True, exist_ok=True)
    # what a cluster's UI lists: the command that started the session
    context = click.get_current_context(silent=True)
    name = context.command_path if context is not None else "olist-seg"
    builder = SparkSession.builder.appName(name).enableHiveSupport()
    for key, value in session_settings(project_dir).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:
        raise SparkEngineError(
            f"Spark did not start: {type(error).__name__}: {error}"
        ) from error
    session.sparkContext.setLogLevel("ERROR")
    # pyspark logs every failed statement with its Java stack trace as JSON;
    # dbt reports the same error in one paragraph.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return session


class SparkSessionAdapter:
    """What a Python model calls ``session``, on Spark.

    ``execute(sql)`` returns a result with ``fetchall()`` and ``df()``;
    frames read and written go through Arrow and an in-memory DuckDB, so a
    model sees the column types it sees on DuckDB.
    """

    def __init__(self, spark: Any) -> None:
        """Wrap a SparkSession."""
        self.spark = spark

    def execute(self, sql: str) -> QueryResult:
        """Run a query; the result reads as ``fetchall()`` or ``df()``."""
        return QueryResult(self, sql)

    def read(self, sql: str) -> pd.DataFrame:
        """Return the rows of ``sql`` as DuckDB would give them to pandas."""
        con = duckdb.connect()
        con.register("result", self.read_arrow(sql))
        return con.execute("select * from result").df()

    def read_arrow(self, sql: str) -> Any:
        """Return the rows of ``sql`` as an Arrow table, timestamps without zone."""
        # with pyspark's Arrow support (the spark extra); pyarrow has no type
        # information, and the ignore holds with or without it installed
        import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415

        table = self.spark.sql(sql).toArrow()
        # Spark's `timestamp` carries the session time zone (UTC) into Arrow;
        # the project's timestamps are wall-clock times (DuckDB TIMESTAMP),
        # so they reach the model without a zone, as on DuckDB.
        fields = [
            pa.field(f.name, pa.timestamp(f.type.unit))
            if pa.types.is_timestamp(f.type) and f.type.tz is not None
            else f
            for f in table.schema
        ]
        return table.cast(pa.schema(fields))

    def write(self, relation: str, frame: pd.DataFrame, append: bool) -> int:
        """Create (or append to) ``relation`` with ``frame``'s rows.

        Column types are those DuckDB infers from the frame, as when
        dbt-duckdb materialises a Python model; the rows reach Spark as a
        Parquet file DuckDB writes.
        """
        con = duckdb.connect()
        con.register("result", frame)
        described = con.execute("describe select * from result").fetchall()
        casts = ", ".join(
            f"cast(`{name}` as {spark_type(kind)}) as `{name}`"
            for name, kind, *_ in described
        )
        folder = Path(tempfile.mkdtemp(prefix="olist-spark-"))
        try:
            path = folder / "rows.parquet"
            con.execute(f"copy result to '{path}' (format parquet)")
            rows = self.spark.sql(f"select {casts} from parquet.`{path}`")
            if append:
                rows.write.insertInto(relation)
            else:
                self.spark.sql(f"drop table if exists {relation}")
                rows.write.format("parquet").saveAsTable(relation)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return len(frame)

    def exists(self, relation: str) -> bool:
        """Whether ``relation`` (``schema.table``, quoted or not) exists."""
        name = relation.replace("`", "").replace('"', "")
        return bool(self.spark.catalog.tableExists(name))

    def rollback(self) -> None:
        """Nothing to roll back: Spark tables have no transactions."""


def load_tables(
    spark: Any, data_dir: Path, tables: list[dict[str, Any]], schema: str
) -> dict[str, int]:
    """Replace the raw tables of ``schema`` with the typed rows of the CSVs.

    DuckDB reads each CSV with the sources yml's column types (the same
    reader and types a DuckDB build uses) and writes Parquet; Spark copies
    it into a managed Parquet table, casting each column to its Spark type.

    Returns:
        Rows loaded per table.
    """
    spark.sql(f"create database if not exists {schema}")
    counts: dict[str, int] = {}
    folder = Path(tempfile.mkdtemp(prefix="olist-spark-load-"))
    try:
        for table in tables:
            columns: dict[str, str] = table["columns"]
            spec = ", ".join(f"'{n}': '{t}'" for n, t in columns.items())
            path = folder / f"{table['name']}.parquet"
            duckdb.connect().execute(
                "copy (select * from read_csv(?, header = true, auto_detect = false, "
                "delim = ',', quote = '\"', escape = '\"', "
                f"timestampformat = '%Y-%m-%d %H:%M:%S', columns = {{{spec}}})) "
                f"to '{path}' (format parquet)",
                [str(data_dir / table["file"])],
            )
            casts = ", ".join(
                f"cast(`{n}` as {spark_type(t)}) as `{n}`" for n, t in columns.items()
            )
            relation = f"{schema}.{table['name']}"
            spark.sql(f"drop table if exists {relation}")
            spark.sql(
                f"create table {relation} using parquet as "
                f"select {casts} from parquet.`{path}`"
            )
            counts[table["name"]] = int(
                spark.sql(f"select count(*) from {relation}").collect()[0][0]
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return counts


class SparkBackend:
    """dbt in this process (dbtRunner) and the Python models on one session.

    dbt-spark's session method starts Spark in the process that runs dbt;
    running dbt here shares that session (one JVM, one holder of the
    embedded metastore) with the Python models. Everything is built into a
    new generation of databases and published by repointing the served
    views once every model and test passed
    (:mod:`olist_segmentation.spark_publication`).
    """

    #: What a failed build leaves, for its error message.
    failure_note = (
        "Nothing was published: the served views still read the previous "
        "build (this build's generation was dropped)."
    )

    def __init__(self, project: Path) -> None:
        """Start (or join) the process's SparkSession for ``project``."""
        self.project = project
        spark = spark_session(project)
        self.session = SparkSessionAdapter(spark)
        self.publication = SparkPublication(spark, new_suffix())

    def _staged(self, dbt_vars: dict[str, object] | None) -> dict[str, object]:
        return {**(dbt_vars or {}), SCHEMA_SUFFIX_VAR: self.publication.suffix}

    def _invoke(self, args: list[str], dbt_vars: dict[str, object] | None) -> Any:
        from dbt.cli.main import dbtRunner  # noqa: PLC0415

        from olist_segmentation.build import dbt_arguments  # noqa: PLC0415

        os.environ["DO_NOT_TRACK"] = "1"
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        arguments = dbt_arguments(
            [*args, "--target", "spark"], self._staged(dbt_vars), self.project
        )
        return dbtRunner().invoke(arguments)

    def models(self, selector: str, dbt_vars: dict[str, object] | None) -> set[str]:
        """Return the names of the models ``selector`` selects (``dbt ls``)."""
        result = self._invoke(
            ["ls", "--quiet", "--selector", selector, "--resource-type", "model"]
            + ["--output", "name"],
            dbt_vars,
        )
        if not result.success:
            raise EngineError(f"dbt ls failed on spark: {result.exception}")
        return {str(name).split(".")[-1] for name in result.result}

    def dbt(self, args: list[str], dbt_vars: dict[str, object] | None) -> bool:
        """Run a dbt command in this process (into this build's generation)."""
        return bool(self._invoke(args, dbt_vars).success)

    def prepare(
        self,
        manifest: dict[str, Any],
        selected: set[str],
        progress: Callable[[str], None],
    ) -> None:
        """Create this build's generation and copy in what the build reads."""
        self.publication.progress = progress
        self.publication.prepare(
            BuildSet.from_manifest(manifest, selected, self.publication.suffix)
        )

    def publish(self, progress: Callable[[str], None]) -> None:
        """Repoint the served views at this build's generation."""
        self.publication.progress = progress
        self.publication.publish()

    def discard(self) -> None:
        """Drop this build's generation (the served views never read it)."""
        self.publication.discard()

    def rollback(self) -> None:
        """Spark tables have no transactions."""

    def close(self) -> None:
        """Keep the session: it lives as long as the process (dbt holds it)."""
