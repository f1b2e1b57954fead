"""The project on PostgreSQL or Spark: ``load`` the raw CSVs, ``build``.

DuckDB builds natively (:mod:`olist_segmentation.build`); the other targets
of ``profiles.yml`` start here. :func:`load` checks the nine CSVs as a
DuckDB build does and copies them into the target; :func:`build` runs the
phased build (:mod:`olist_segmentation.phased_build`) on the target's
backend (:mod:`olist_segmentation.postgres_engine`,
:mod:`olist_segmentation.spark_engine`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]  # no types-PyYAML

from olist_segmentation import postgres_engine
from olist_segmentation.phased_build import Backend, EngineError, run_build, timed

__all__ = ["RAW_SCHEMA", "TARGETS", "EngineError", "build", "load", "source_tables"]

#: Targets of profiles.yml this module builds (DuckDB builds natively).
TARGETS = ("postgres", "spark")
#: The schema the raw tables are loaded into: the source's name.
RAW_SCHEMA = "olist"
SOURCES_YML = Path("models") / "staging" / "olist" / "_olist__sources.yml"


def _backend(target: str, project: Path) -> Backend:
    if target not in TARGETS:
        raise EngineError(f"--target {target}: not one of {', '.join(TARGETS)}.")
    if target == "spark":
        # pyspark is optional (the spark extra): imported when Spark is used
        from olist_segmentation.spark_engine import SparkBackend  # noqa: PLC0415

        return SparkBackend(project)
    return postgres_engine.PostgresBackend(project)


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
        EngineError: dbt or a Python model failed, or (PostgreSQL) another
            build holds the lock. On PostgreSQL nothing was published: the
            build wrote staging schemas, swapped with the served ones in one
            transaction only after every test passed
            (:mod:`olist_segmentation.postgres_publication`). On Spark the
            build wrote a new generation of databases, dropped again; the
            served views still read the previous build
            (:mod:`olist_segmentation.spark_publication`).
    """
    from olist_segmentation.build import find_project_dir  # noqa: PLC0415

    project = project_dir or find_project_dir()
    backend = _backend(target, project)
    try:
        run_build(backend, target, selector, dbt_vars, project, progress)
    finally:
        backend.close()


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
    from olist_segmentation.build import dbt_command, find_project_dir  # noqa: PLC0415

    if target not in TARGETS:
        raise EngineError(f"--target {target}: not one of {', '.join(TARGETS)}.")
    project = project_dir or find_project_dir()
    data = Path(data_dir).expanduser().resolve()
    env = dict(os.environ)
    env.update(
        OLIST_DATA_DIR=str(data),
        OLIST_DUCKDB_PATH=":memory:",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    with timed(f"checked the CSVs in {data}", progress):
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

        with timed(f"loaded {len(tables)} tables into Spark", progress):
            spark = spark_engine.spark_session(project)
            counts = spark_engine.load_tables(spark, data, tables, RAW_SCHEMA)
        for name, rows in counts.items():
            progress(f"  {RAW_SCHEMA}.{name}: {rows:,} rows")
        return counts
    return postgres_engine.load_tables(data, tables, RAW_SCHEMA, progress)


def _dbt_error(output: str) -> str:
    """Return the error lines of a failed dbt command (no timestamps, colours)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", output)
    lines = [re.sub(r"^\d\d:\d\d:\d\d\s+", "", line) for line in text.splitlines()]
    start = next(
        (i for i, line in enumerate(lines) if "Olist input" in line or "Error" in line),
        0,
    )
    return "\n".join(line for line in lines[start:] if line.strip()).strip()
