"""``olist-seg results``: measure a campaign sent to an exported list."""

from __future__ import annotations

from pathlib import Path

import click

from olist_segmentation import campaign, campaign_results
from olist_segmentation.cli.common import PATH


@click.command("results")
@click.argument("export_folder", type=PATH)
@click.option(
    "--data-dir",
    type=PATH,
    help="A later folder of the nine Kaggle CSVs (the list's data, with newer "
    "orders added).",
)
@click.option(
    "--warehouse",
    type=PATH,
    help="Or: a DuckDB file built (`olist-seg build`) from such later data.",
)
@click.option(
    "--horizon-days",
    type=click.IntRange(min=1),
    default=campaign.DEFAULT_HORIZON_DAYS,
    show_default=True,
    help="Days after the list's as-of date in which a purchase counts.",
)
def results_command(
    export_folder: Path,
    data_dir: Path | None,
    warehouse: Path | None,
    horizon_days: int,
) -> int:
    """Did the campaign work? Compare contacted customers with the control group.

    Reads EXPORT_FOLDER (written by `olist-seg export` with a control group)
    and the later data; prints customers, buyers, conversion and revenue per
    customer of both groups and the difference with a 95% interval; writes
    results.json and results.md into EXPORT_FOLDER.
    """
    result = campaign_results.measure(export_folder, data_dir, warehouse, horizon_days)
    files = campaign_results.write_results(result)
    click.echo(campaign_results.table(result))
    click.echo("Wrote " + ", ".join(str(f) for f in files))
    return 0
