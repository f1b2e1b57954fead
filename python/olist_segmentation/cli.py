"""Command line: ``olist-seg`` and its subcommands (click).

Results (summaries, file names) go to stdout; progress and errors to stderr.
Exit codes: 0 success; dbt's own code when a build fails; 2 for an error
the user can fix (:class:`~olist_segmentation.errors.OlistError`, a bad
option); 3 from ``drift --fail-if-due`` when a refit is due.

``olist-seg build`` runs ``dbt build`` on a folder of the nine Kaggle CSVs
into a DuckDB file and prints a summary of the marts; ``load`` and ``build
--target`` do the same on PostgreSQL or Spark; ``report`` and ``export``
write what marketers read; ``drift`` says whether a refit is due;
``stability`` measures how long a segmentation stays valid; ``segment``
reruns the model selection in this process; ``generate`` writes the
synthetic sample.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from collections.abc import Sequence
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import click

from olist_segmentation import build, engines, export, generate, report, segmentation
from olist_segmentation.errors import OlistError
from olist_segmentation.log import get_logger, setup
from olist_segmentation.summaries import (
    drift_summary,
    stability_summary,
    warehouse_summary,
)
from olist_segmentation.warehouse import read_segment_inputs, require_segments

#: Exit status of ``olist-seg drift --fail-if-due`` when a refit is due.
EXIT_REFIT_DUE = 3
#: Exit status of an error the user can fix (a bad option, a bad file).
EXIT_USER_ERROR = 2

LOG = get_logger(__name__)

_PATH = click.Path(path_type=Path)
_DATA_DIR = click.option(
    "--data-dir",
    type=_PATH,
    help="Folder of the nine Kaggle CSVs [default: $OLIST_DATA_DIR, else "
    "data/sample, generated when missing].",
)
_WAREHOUSE = click.option(
    "--warehouse",
    type=_PATH,
    help="DuckDB file [default: $OLIST_DUCKDB_PATH, else warehouse/olist.duckdb].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_version("olist-segmentation"), prog_name="olist-seg")
@click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="OLIST_PROJECT_DIR",
    help="The dbt project (dbt_project.yml, profiles.yml) [default: "
    "$OLIST_PROJECT_DIR, else the repository of this install, else the "
    "current directory].",
)
@click.option("-v", "--verbose", is_flag=True, help="Also show debug lines.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
def cli(project_dir: Path | None, verbose: bool, quiet: bool) -> None:
    """Olist customer segmentation: build the marts, check them, report them."""
    setup(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    if project_dir is not None:
        os.environ["OLIST_PROJECT_DIR"] = str(project_dir.expanduser().resolve())


def _generate_default_sample(data_dir: Path) -> None:
    """Write the synthetic sample when ``data_dir`` is the missing default."""
    default = build.find_project_dir() / "data" / "sample"
    if data_dir == default.resolve() and not data_dir.exists():
        LOG.info("No data in %s: generating the synthetic sample.", data_dir)
        generate.generate(data_dir, generate.DEFAULT_ORDERS, generate.DEFAULT_SEED)


def _run_build(
    data_dir: Path | None,
    warehouse: Path | None,
    dbt_args: list[str],
    dbt_vars: dict[str, object],
) -> tuple[int, Path]:
    """Run one dbt command; return its exit code and the warehouse path."""
    env = build.dbt_environment(data_dir, warehouse)
    data = Path(env["OLIST_DATA_DIR"])
    served = Path(env["OLIST_DUCKDB_PATH"])
    _generate_default_sample(data)
    LOG.info("dbt %s on %s into %s", " ".join(dbt_args), data, served)
    started = time.perf_counter()
    result = build.run_dbt(dbt_args, data, served, dbt_vars or None)
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


@cli.command("build")
@_DATA_DIR
@_WAREHOUSE
@click.option(
    "--as-of-date",
    metavar="YYYY-MM-DD",
    help="Reference date of recency [default: the day after the latest "
    "qualifying purchase].",
)
@click.option(
    "--refit",
    is_flag=True,
    help="Fit a new segment model version [default: reuse the frozen model and "
    "only score customers].",
)
@click.option(
    "--target",
    type=click.Choice(("duckdb", *engines.TARGETS)),
    default="duckdb",
    show_default=True,
    help="Where to build: the DuckDB file, or PostgreSQL / Spark (load the CSVs "
    "first with `olist-seg load --target ...`).",
)
def build_command(
    data_dir: Path | None,
    warehouse: Path | None,
    as_of_date: str | None,
    refit: bool,
    target: str,
) -> int:
    """Run `dbt build` and print a summary of the marts."""
    dbt_vars: dict[str, object] = {}
    if as_of_date:
        dbt_vars["as_of_date"] = as_of_date
    if refit:
        dbt_vars["segment_refit"] = True
    if target != "duckdb":
        started = time.perf_counter()
        engines.build(target, "default", dbt_vars or None)
        click.echo(
            f"Build on {target} finished in {time.perf_counter() - started:.1f} s."
        )
        return 0
    code, served = _run_build(data_dir, warehouse, ["build"], dbt_vars)
    if code == 0:
        click.echo(warehouse_summary(served).render())
    return code


@cli.command("load")
@_DATA_DIR
@click.option(
    "--target",
    type=click.Choice(engines.TARGETS),
    required=True,
    help="The profiles.yml target to load: postgres (server from $OLIST_PG_HOST, "
    "$OLIST_PG_PORT, $OLIST_PG_USER, $OLIST_PG_PASSWORD, $OLIST_PG_DATABASE) or "
    "spark (local, tables in $OLIST_SPARK_DIR, default warehouse/spark).",
)
def load_command(data_dir: Path | None, target: str) -> int:
    """Check the nine CSVs and load them into PostgreSQL or Spark (schema olist)."""
    data = Path(build.dbt_environment(data_dir)["OLIST_DATA_DIR"])
    _generate_default_sample(data)
    started = time.perf_counter()
    counts = engines.load(target, data)
    click.echo(
        f"Loaded {sum(counts.values()):,} rows of {len(counts)} tables into "
        f"{target} schema {engines.RAW_SCHEMA} in "
        f"{time.perf_counter() - started:.1f} s."
    )
    return 0


@cli.command("summary")
@_WAREHOUSE
def summary_command(warehouse: Path | None) -> int:
    """Print the summary of the last build."""
    click.echo(warehouse_summary(warehouse).render())
    return 0


@cli.command("report")
@_WAREHOUSE
@click.option(
    "--out",
    type=_PATH,
    default=Path("reports/segments.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option(
    "--screenshot",
    type=_PATH,
    metavar="PNG",
    help="Also write a full-page PNG of the report (needs Chromium).",
)
def report_command(warehouse: Path | None, out: Path, screenshot: Path | None) -> int:
    """Write the marketing report (one self-contained HTML file)."""
    written = report.build_report(warehouse, out)
    click.echo(f"Report written to {written}")
    if screenshot:
        click.echo(f"Screenshot written to {report.screenshot(written, screenshot)}")
    return 0


@cli.command("export")
@_WAREHOUSE
@click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="NAME",
    help="Behavioural segment name (repeat for several).",
)
@click.option(
    "--rfm-segment",
    "rfm_segments",
    multiple=True,
    metavar="NAME",
    help="RFM segment name (repeat for several).",
)
@click.option(
    "--state",
    "states",
    multiple=True,
    metavar="UF",
    help="Customer state, e.g. SP (repeat for several).",
)
@click.option(
    "--value-tier",
    "value_tiers",
    multiple=True,
    metavar="TIER",
    help="Predicted value tier: high (top 10% by expected revenue), medium, low.",
)
@click.option(
    "--out",
    type=_PATH,
    help="Folder to write [default: reports/exports/<filters>, which the report "
    "links].",
)
def export_command(
    warehouse: Path | None,
    segments: tuple[str, ...],
    rfm_segments: tuple[str, ...],
    states: tuple[str, ...],
    value_tiers: tuple[str, ...],
    out: Path | None,
) -> int:
    """Write a customer list for a campaign (CSV and Parquet).

    Segments, actions, predicted value, city, state and last purchase, the
    highest expected revenue first.
    """
    filters = {
        "segments": list(segments),
        "rfm_segments": list(rfm_segments),
        "states": list(states),
        "value_tiers": list(value_tiers),
    }
    folder = out or export.default_folder(
        Path("reports") / report.EXPORTS_FOLDER, filters
    )
    result = export.export_customers(folder, warehouse, **filters)
    click.echo(
        f"Wrote {result.rows:,} customers to {result.folder}: "
        + ", ".join(f.name for f in result.files)
    )
    return 0


@cli.command("stability")
@_DATA_DIR
@_WAREHOUSE
@click.option(
    "--threshold",
    type=float,
    help="ARI the frozen model must keep against a refit [default: var "
    "stability_ari_threshold, 0.8].",
)
@click.option(
    "--start-date",
    "start_dates",
    multiple=True,
    metavar="YYYY-MM-DD",
    help="Start date of the simulation (repeat for several) [default: var "
    "stability_start_dates].",
)
@click.option(
    "--horizon-weeks",
    type=int,
    help="Weeks after each start date [default: var stability_horizon_weeks].",
)
@click.option(
    "--report",
    "report_path",
    type=_PATH,
    default=Path("reports/segments.html"),
    show_default=True,
    help="Report to write.",
)
def stability_command(
    data_dir: Path | None,
    warehouse: Path | None,
    threshold: float | None,
    start_dates: tuple[str, ...],
    horizon_weeks: int | None,
    report_path: Path,
) -> int:
    """Measure how long the segmentation stays valid, and write the report.

    Runs the refresh-interval simulation (`dbt build --selector stability`;
    minutes on the real data).
    """
    dbt_vars: dict[str, object] = {}
    if threshold is not None:
        dbt_vars["stability_ari_threshold"] = threshold
    if start_dates:
        dbt_vars["stability_start_dates"] = list(start_dates)
    if horizon_weeks is not None:
        dbt_vars["stability_horizon_weeks"] = horizon_weeks
    code, served = _run_build(
        data_dir, warehouse, ["build", "--selector", "stability"], dbt_vars
    )
    if code != 0:
        return code
    click.echo(stability_summary(served))
    written = report.build_report(served, report_path)
    click.echo(f"\nReport written to {written}")
    return 0


@cli.command("drift")
@_DATA_DIR
@_WAREHOUSE
@click.option(
    "--as-of-date",
    metavar="YYYY-MM-DD",
    help="First rebuild the warehouse as of this date [default: check the "
    "warehouse as built].",
)
@click.option("--no-build", is_flag=True, help="Print the last check, run nothing.")
@click.option(
    "--fail-if-due",
    is_flag=True,
    help=f"Exit with status {EXIT_REFIT_DUE} when a refit is due (cron, CI alerts).",
)
def drift_command(
    data_dir: Path | None,
    warehouse: Path | None,
    as_of_date: str | None,
    no_build: bool,
    fail_if_due: bool,
) -> int:
    """Run the lift backtest and the drift check, and say whether a refit is due.

    Runs `dbt build --selector monitoring` on a built warehouse.
    """
    served = Path(build.dbt_environment(warehouse=warehouse)["OLIST_DUCKDB_PATH"])
    if not no_build:
        if as_of_date:
            code, _ = _run_build(
                data_dir,
                warehouse,
                ["build"],
                {"as_of_date": as_of_date, "segment_refit": False},
            )
            if code != 0:
                return code
        require_segments(served)
        code, served = _run_build(
            data_dir,
            warehouse,
            ["build", "--selector", "monitoring"],
            {"segment_refit": False},
        )
        if code != 0:
            return code
    text, due = drift_summary(served)
    click.echo(text)
    return EXIT_REFIT_DUE if due and fail_if_due else 0


@cli.command("segment")
@_WAREHOUSE
@click.option(
    "--k-values",
    type=int,
    multiple=True,
    metavar="K",
    help="Number of segments to try (repeat for several).",
)
@click.option(
    "--algorithm",
    "algorithms",
    multiple=True,
    type=click.Choice(segmentation.ALGORITHMS),
    help="Algorithm family to try (repeat for several).",
)
@click.option(
    "--out", type=_PATH, help="CSV of customer_unique_id,segment (chosen model)."
)
def segment_command(
    warehouse: Path | None,
    k_values: tuple[int, ...],
    algorithms: tuple[str, ...],
    out: Path | None,
) -> int:
    """Rerun the model selection on a built warehouse's features, and print it.

    Runs in this process and writes nothing unless --out.
    """
    path = Path(build.dbt_environment(warehouse=warehouse)["OLIST_DUCKDB_PATH"])
    features, settings = read_segment_inputs(path)
    config = segmentation.SegmentConfig.from_json(settings)
    if k_values:
        config = dataclasses.replace(config, k_values=tuple(k_values))
    if algorithms:
        config = dataclasses.replace(config, algorithms=tuple(algorithms))
    started = time.perf_counter()
    candidates = segmentation.select_model(features, config, progress=LOG.info)
    best = candidates[segmentation.choose(candidates, config)[0]]
    click.echo(
        f"Chosen: {best.algorithm} with {best.n_segments} segments "
        f"({time.perf_counter() - started:.1f} s, {len(features):,} customers)"
    )
    if out:
        pipeline = segmentation.fit_pipeline(
            features, best.algorithm, best.n_segments, config
        )
        labels = pipeline.predict(segmentation.feature_matrix(features, config))
        ids = segmentation.initial_segment_ids(labels, best.n_segments)
        features.assign(segment=[ids[label] for label in labels])[
            ["customer_unique_id", "segment"]
        ].to_csv(out, index=False)
        click.echo(f"Assignments written to {out}")
    return 0


@cli.command("generate")
@click.option(
    "--orders",
    type=click.IntRange(min=generate.MIN_ORDERS),
    default=generate.DEFAULT_ORDERS,
    show_default=True,
    help="Number of orders.",
)
@click.option(
    "--seed",
    type=int,
    default=generate.DEFAULT_SEED,
    show_default=True,
    help="Random seed (same seed, same files).",
)
@click.option(
    "--out",
    type=_PATH,
    default=generate.DEFAULT_OUT,
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--start",
    default=generate.DEFAULT_START,
    show_default=True,
    help="First purchase day.",
)
@click.option(
    "--end",
    default=generate.DEFAULT_END,
    show_default=True,
    help="Last purchase day.",
)
def generate_command(orders: int, seed: int, out: Path, start: str, end: str) -> int:
    """Write a deterministic synthetic sample of the nine Olist CSVs."""
    try:
        generate.validate_arguments(orders, seed, start, end)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    generate.generate(out, orders, seed, start, end)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Args:
        argv: Arguments without the program name (``None`` reads
            ``sys.argv``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    setup()
    try:
        result: Any = cli.main(args=args, prog_name="olist-seg", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except OlistError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_USER_ERROR
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
