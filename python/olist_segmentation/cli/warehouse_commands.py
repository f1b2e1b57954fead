"""Commands that build or check the warehouse: build, load, drift, stability."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import click

from olist_segmentation import build, engines, report
from olist_segmentation.build_timings import BuildClock, dbt_target_dir
from olist_segmentation.cli.common import (
    DATA_DIR,
    EXIT_REFIT_DUE,
    EXIT_USER_ERROR,
    PATH,
    READ_TARGET,
    WAREHOUSE,
    generate_default_sample,
    run_build,
    served_tables,
)
from olist_segmentation.stability_results import write_results
from olist_segmentation.summaries import (
    drift_summary,
    stability_summary,
    warehouse_summary,
)
from olist_segmentation.warehouse import frozen_purchase_model, require_segments


@click.command("build")
@DATA_DIR
@WAREHOUSE
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
    "--recheck-inputs",
    is_flag=True,
    help="Read and check every CSV file [default: skip files unchanged since "
    "they passed the checks: same size, modification time and check rules].",
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
    recheck_inputs: bool,
    target: str,
) -> int:
    """Run `dbt build` and print a summary of the marts.

    Writes the build's timings beside dbt's run_results.json
    (olist_build_timings.json in dbt's target folder).
    """
    clock = BuildClock()
    clock.mark("command_start")
    dbt_vars: dict[str, object] = {}
    if as_of_date:
        dbt_vars["as_of_date"] = as_of_date
    if refit:
        dbt_vars["segment_refit"] = True
    if recheck_inputs:
        dbt_vars["olist_validate_sources"] = "always"
    if target != "duckdb":
        started = time.perf_counter()
        engines.build(target, "default", dbt_vars or None)
        click.echo(
            f"Build on {target} finished in {time.perf_counter() - started:.1f} s."
        )
        return 0
    code = EXIT_USER_ERROR
    served = Path(build.dbt_environment(data_dir, warehouse)["OLIST_DUCKDB_PATH"])
    frozen = 0 if refit else frozen_purchase_model(served)
    dbt_args = ["build", "--selector", "scoring"] if frozen else ["build"]
    try:
        code, served = run_build(data_dir, warehouse, dbt_args, dbt_vars, clock)
        if code == 0:
            click.echo(warehouse_summary(served).render())
            if frozen:
                click.echo(
                    "\nNot built: the purchase model's training set "
                    "(int_prediction_training_date, _features, _set and their "
                    f"tests): purchase model version {frozen} is reused, and only "
                    "a fit reads it (`olist-seg build --refit` builds it)."
                )
            clock.mark("summary_end")
    finally:
        clock.write(dbt_target_dir(build.find_project_dir()), code)
    return code


@click.command("load")
@DATA_DIR
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
    generate_default_sample(data)
    started = time.perf_counter()
    counts = engines.load(target, data)
    click.echo(
        f"Loaded {sum(counts.values()):,} rows of {len(counts)} tables into "
        f"{target} schema {engines.RAW_SCHEMA} in "
        f"{time.perf_counter() - started:.1f} s."
    )
    return 0


@click.command("summary")
@WAREHOUSE
@READ_TARGET
def summary_command(warehouse: Path | None, target: str) -> int:
    """Print the summary of the last build."""
    with served_tables(target, warehouse) as (served, label):
        summary = warehouse_summary(served)
    if label:
        summary = dataclasses.replace(summary, warehouse=label)
    click.echo(summary.render())
    return 0


@click.command("stability")
@DATA_DIR
@WAREHOUSE
@READ_TARGET
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
    type=PATH,
    default=Path("reports/segments.html"),
    show_default=True,
    help="Report to write.",
)
@click.option(
    "--results",
    "results_path",
    type=PATH,
    default=None,
    help="Also write the measured results to this Markdown page and a .json "
    "twin (the project's is docs/stability_results.md, from the real data).",
)
def stability_command(
    data_dir: Path | None,
    warehouse: Path | None,
    target: str,
    threshold: float | None,
    start_dates: tuple[str, ...],
    horizon_weeks: int | None,
    report_path: Path,
    results_path: Path | None,
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
    started = time.perf_counter()
    if target == "duckdb":
        code, served = run_build(
            data_dir, warehouse, ["build", "--selector", "stability"], dbt_vars
        )
        if code != 0:
            return code
    else:
        _refuse_data_dir(target, data_dir, warehouse)
        engines.build(target, "stability", dbt_vars)
        served = None
    elapsed = time.perf_counter() - started
    with served_tables(target, served) as (read, _):
        click.echo(stability_summary(read))
        if results_path is not None:
            written_results = write_results(read, results_path, elapsed)
            click.echo(f"\nResults written to {written_results} (and .json)")
        written = report.build_report(read, report_path)
    click.echo(f"\nReport written to {written}")
    return 0


def _refuse_data_dir(
    target: str, data_dir: Path | None, warehouse: Path | None
) -> None:
    """Off DuckDB the build reads the loaded tables: a folder or file is a mistake."""
    if data_dir is not None or warehouse is not None:
        raise click.UsageError(
            f"With --target {target} the build reads the tables loaded into "
            f"{target} (olist-seg load --target {target} --data-dir ...), not "
            "--data-dir or --warehouse. Give one of them."
        )


@click.command("drift")
@DATA_DIR
@WAREHOUSE
@READ_TARGET
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
    target: str,
    as_of_date: str | None,
    no_build: bool,
    fail_if_due: bool,
) -> int:
    """Run the lift backtest and the drift check, and say whether a refit is due.

    Runs `dbt build --selector monitoring` on a built warehouse.
    """
    if target != "duckdb":
        _refuse_data_dir(target, data_dir, warehouse)
        if not no_build:
            if as_of_date:
                engines.build(
                    target,
                    "default",
                    {"as_of_date": as_of_date, "segment_refit": False},
                )
            engines.build(target, "monitoring", {"segment_refit": False})
        with served_tables(target, None) as (read, _):
            text, due = drift_summary(read)
        click.echo(text)
        return EXIT_REFIT_DUE if due and fail_if_due else 0
    served = Path(build.dbt_environment(warehouse=warehouse)["OLIST_DUCKDB_PATH"])
    if not no_build:
        if as_of_date:
            code, _ = run_build(
                data_dir,
                warehouse,
                ["build"],
                {"as_of_date": as_of_date, "segment_refit": False},
            )
            if code != 0:
                return code
        require_segments(served)
        code, served = run_build(
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
