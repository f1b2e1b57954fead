"""What the commands share: options, the build runner, exit codes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from olist_segmentation import build, engines, generate, snapshot
from olist_segmentation.build_timings import BuildClock
from olist_segmentation.errors import OlistError
from olist_segmentation.log import get_logger

#: Exit status of ``olist-seg drift --fail-if-due`` when a refit is due.
EXIT_REFIT_DUE = 3
#: Exit status of an error the user can fix (a bad option, a bad file).
EXIT_USER_ERROR = 2

LOG = get_logger("olist_segmentation.cli")

PATH = click.Path(path_type=Path)
DATA_DIR = click.option(
    "--data-dir",
    type=PATH,
    help="Folder of the nine Kaggle CSVs [default: $OLIST_DATA_DIR, else "
    "data/sample, generated when missing].",
)
WAREHOUSE = click.option(
    "--warehouse",
    type=PATH,
    help="DuckDB file [default: $OLIST_DUCKDB_PATH, else warehouse/olist.duckdb].",
)

READ_TARGET = click.option(
    "--target",
    type=click.Choice(("duckdb", *engines.TARGETS)),
    default="duckdb",
    show_default=True,
    help="Where the build is: the DuckDB file, or PostgreSQL / Spark (its served "
    "tables are read into a temporary DuckDB snapshot first).",
)


@contextmanager
def served_tables(
    target: str, warehouse: Path | None
) -> Iterator[tuple[Path | None, str | None]]:
    """Yield the DuckDB file to read and its label for people.

    On DuckDB: ``warehouse`` and no label (messages name the file). On
    PostgreSQL or Spark: a temporary snapshot of the served tables
    (:mod:`olist_segmentation.snapshot`) and where they came from.

    Raises:
        click.UsageError: ``--warehouse`` given with another target.
    """
    if target == "duckdb":
        yield warehouse, None
        return
    if warehouse is not None:
        raise click.UsageError(
            f"--warehouse names a DuckDB file; with --target {target} the "
            "tables are read from the target. Give one of them."
        )
    label = snapshot.describe(target)
    with snapshot.served_snapshot(target) as path:
        try:
            yield path, label
        except OlistError as error:
            # name the target, not the temporary file read from it
            raise type(error)(str(error).replace(str(path), label)) from error


def generate_default_sample(data_dir: Path) -> None:
    """Write the synthetic sample when ``data_dir`` is the missing default."""
    default = build.require_project() / "data" / "sample"
    if data_dir == default.resolve() and not data_dir.exists():
        LOG.info("No data in %s: generating the synthetic sample.", data_dir)
        generate.generate(data_dir, generate.DEFAULT_ORDERS, generate.DEFAULT_SEED)


def run_build(
    data_dir: Path | None,
    warehouse: Path | None,
    dbt_args: list[str],
    dbt_vars: dict[str, object],
    clock: BuildClock | None = None,
) -> tuple[int, Path]:
    """Run one dbt command; return its exit code and the warehouse path.

    ``clock`` (optional) gets the marks of :func:`build.run_dbt`.
    """
    env = build.dbt_environment(data_dir, warehouse)
    data = Path(env["OLIST_DATA_DIR"])
    served = Path(env["OLIST_DUCKDB_PATH"])
    generate_default_sample(data)
    LOG.info("dbt %s on %s into %s", " ".join(dbt_args), data, served)
    started = time.perf_counter()
    result = build.run_dbt(dbt_args, data, served, dbt_vars or None, clock=clock)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        kept = (
            f"{served} still holds the previous complete build."
            if served.exists()
            else f"no warehouse was created at {served}."
        )
        LOG.error(
            "dbt build failed (exit %s) after %.1f s: see the errors above. "
            "Nothing was published: %s",
            result.returncode,
            seconds,
            kept,
        )
    else:
        LOG.info("dbt build finished in %.1f s on %s", seconds, data)
    return result.returncode, served
