"""Run the dbt project: find it, set its environment, publish its result.

Side effects (running dbt) stay in :func:`run_dbt`; reading what a build
left behind is :mod:`olist_segmentation.warehouse` and
:mod:`olist_segmentation.summaries`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from olist_segmentation import publish
from olist_segmentation.build_timings import BuildClock
from olist_segmentation.errors import WarehouseError
from olist_segmentation.log import get_logger, use_colour

__all__ = ["WarehouseError"]

LOG = get_logger(__name__)


def find_project_dir() -> Path:
    """Return the dbt project (dbt_project.yml, profiles.yml) to run.

    In order: env ``OLIST_PROJECT_DIR`` (``olist-seg --project-dir`` sets it),
    the repository this package is installed from (an editable install),
    else the current directory when it holds a ``dbt_project.yml``.
    """
    configured = os.environ.get("OLIST_PROJECT_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    repository = Path(__file__).resolve().parents[2]
    if (repository / "dbt_project.yml").exists():
        return repository
    if (Path.cwd() / "dbt_project.yml").exists():
        return Path.cwd().resolve()
    return repository


def require_project() -> Path:
    """Return the dbt project folder; raise when it has no ``dbt_project.yml``.

    Raises:
        WarehouseError: The folder :func:`find_project_dir` found is not a
            dbt project.
    """
    project = find_project_dir()
    if not (project / "dbt_project.yml").exists():
        raise WarehouseError(
            f"No dbt project at {project} (no dbt_project.yml). Fix: point "
            "--project-dir or OLIST_PROJECT_DIR at the repository root, or "
            "unset it."
        )
    return project


#: The dbt project when the package was imported (see :func:`find_project_dir`).
PROJECT_DIR = find_project_dir()
DEFAULT_DATA_DIR = PROJECT_DIR / "data" / "sample"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "olist.duckdb"


#: What a warehouse file's name (without .duckdb) may hold: dbt-duckdb puts
#: it into SQL as the database name.
SAFE_WAREHOUSE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def dbt_environment(
    data_dir: Path | None = None, warehouse: Path | None = None
) -> dict[str, str]:
    """Return the environment for a dbt run on ``data_dir`` into ``warehouse``.

    Args:
        data_dir: Folder of the nine Kaggle CSVs; default: ``OLIST_DATA_DIR``
            from the environment, else the generated sample.
        warehouse: DuckDB file to write; default: ``OLIST_DUCKDB_PATH`` from
            the environment, else ``warehouse/olist.duckdb``.

    Returns:
        A copy of ``os.environ`` with absolute ``OLIST_DATA_DIR`` and
        ``OLIST_DUCKDB_PATH``, and dbt's usage tracking turned off.
    """
    env = dict(os.environ)
    project = find_project_dir()
    data = data_dir or Path(env.get("OLIST_DATA_DIR") or project / "data" / "sample")
    wh = warehouse or Path(
        env.get("OLIST_DUCKDB_PATH") or project / "warehouse" / "olist.duckdb"
    )
    env["OLIST_DATA_DIR"] = str(Path(data).expanduser().resolve())
    env["OLIST_DUCKDB_PATH"] = str(Path(wh).expanduser().resolve())
    stem = Path(env["OLIST_DUCKDB_PATH"]).stem
    if not SAFE_WAREHOUSE_NAME.fullmatch(stem):
        raise WarehouseError(
            f"OLIST_DUCKDB_PATH: the warehouse file name {stem!r} becomes the "
            "database name in dbt's SQL, so it may only hold letters, digits, "
            "'_' and '-'. Fix: rename it, e.g. "
            f"{re.sub(r'[^A-Za-z0-9]+', '_', stem).strip('_') or 'olist'}.duckdb "
            "(the folder may be anything)."
        )
    # dbt's colours only on a terminal: ANSI codes garble piped logs and CI.
    env.setdefault("DBT_USE_COLORS", "true" if use_colour(sys.stdout) else "false")
    env["DO_NOT_TRACK"] = "1"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def dbt_command(
    args: list[str], dbt_vars: dict[str, object] | None = None
) -> list[str]:
    """Return the command line of one dbt command on the project.

    Args:
        args: The dbt command and its flags (e.g. ``["build"]``).
        dbt_vars: Project vars, passed as ``--vars``.
    """
    # The filter hides runpy's warning that dbt.cli imports dbt.cli.main
    # before `-m` runs it: harmless, and noise in every build's output.
    warning_filter = "ignore::RuntimeWarning:runpy"
    python = [sys.executable, "-W", warning_filter, "-m", "dbt.cli.main"]
    return python + dbt_arguments(args, dbt_vars)


def dbt_arguments(
    args: list[str],
    dbt_vars: dict[str, object] | None = None,
    project_dir: Path | None = None,
) -> list[str]:
    """Return the arguments of one dbt command (what follows ``dbt``).

    Args:
        args: The dbt command and its flags (e.g. ``["build"]``).
        dbt_vars: Project vars, passed as ``--vars``.
        project_dir: The dbt project and its profiles.yml (default: the
            one :func:`find_project_dir` finds).
    """
    project = str(project_dir or find_project_dir())
    arguments = [*args, "--project-dir", project, "--profiles-dir", project]
    if dbt_vars:
        arguments += ["--vars", json.dumps(dbt_vars)]
    return arguments


def run_dbt(
    args: list[str],
    data_dir: Path | None = None,
    warehouse: Path | None = None,
    dbt_vars: dict[str, object] | None = None,
    capture: bool = False,
    clock: BuildClock | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command (e.g. ``["build"]``) on the project.

    Args:
        args: The dbt command and its flags.
        data_dir: Folder of the nine Kaggle CSVs (see :func:`dbt_environment`).
        warehouse: DuckDB file to write (see :func:`dbt_environment`).
        dbt_vars: Project vars, passed as ``--vars``.
        capture: Capture stdout and stderr instead of streaming them.
        clock: Marks the working copy, dbt's start and end and the
            publication in it (:mod:`olist_segmentation.build_timings`).

    Returns:
        The finished process; its ``returncode`` is dbt's.

    Raises:
        WarehouseError: Another build holds the warehouse, the served file
            is unusable, the disk is full or the folder read-only.

    dbt never writes to the served file: it runs on a working copy, which a
    successful ``build``, ``run``, ``seed`` or ``snapshot`` publishes in one
    atomic step (:mod:`olist_segmentation.publish`).
    """
    require_project()
    env = dbt_environment(data_dir, warehouse)
    served = Path(env["OLIST_DUCKDB_PATH"])
    clock = clock or BuildClock()
    with publish.staged_build(served, "dbt " + " ".join(args)) as (paths, note, lock):
        clock.mark("work_copy_ready")
        if note:
            LOG.info(note)
        # dbt runs in the working copy's folder and gets the file by its
        # name: the profile then reads the same path for every warehouse
        # called olist.duckdb, so dbt keeps its partial parse from one
        # warehouse to the next (a changed path makes it re-parse the whole
        # project, seconds per build). --project-dir places everything else.
        env["OLIST_DUCKDB_PATH"] = paths.work_file.name
        clock.mark("dbt_start")
        result = subprocess.run(
            dbt_command(args, dbt_vars),
            cwd=paths.work_file.parent,
            env=env,
            text=True,
            capture_output=capture,
            check=False,
            pass_fds=(lock,),
            preexec_fn=publish.die_with_parent,  # noqa: PLW1509
        )
        clock.mark("dbt_end")
        if result.returncode == 0 and args[:1] and args[0] in publish.WRITING_COMMANDS:
            started = time.perf_counter()
            tables = publish.publish(paths, clock)
            clock.mark("publish_end")
            LOG.info(
                "Published %s and %s Parquet tables in %s (%.2f s).",
                served,
                tables,
                publish.WorkPaths(served).parquet_link,
                time.perf_counter() - started,
            )
    return result
