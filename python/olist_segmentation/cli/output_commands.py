"""Commands that write what people read: report, export, segment, generate."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import click

from olist_segmentation import build, export, generate, report
from olist_segmentation.cli.common import LOG, PATH, WAREHOUSE
from olist_segmentation.model_tables import ALGORITHMS
from olist_segmentation.warehouse import read_segment_inputs


@click.command("report")
@WAREHOUSE
@click.option(
    "--out",
    type=PATH,
    default=Path("reports/segments.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option(
    "--screenshot",
    type=PATH,
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


@click.command("export")
@WAREHOUSE
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
    type=PATH,
    help="Folder to write [default: reports/exports/<filters>, which the report "
    "links].",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Write the list even when the filters match nobody (default: refuse "
    "with the count of each filter, exit non-zero and write nothing).",
)
def export_command(
    warehouse: Path | None,
    segments: tuple[str, ...],
    rfm_segments: tuple[str, ...],
    states: tuple[str, ...],
    value_tiers: tuple[str, ...],
    out: Path | None,
    allow_empty: bool,
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
    result = export.export_customers(
        folder, warehouse, allow_empty=allow_empty, **filters
    )
    click.echo(
        f"Wrote {result.rows:,} customers to {result.folder}: "
        + ", ".join(f.name for f in result.files)
        + (
            " (an empty list: no customer matches every filter)"
            if not result.rows
            else ""
        )
    )
    return 0


@click.command("segment")
@WAREHOUSE
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
    type=click.Choice(ALGORITHMS),
    help="Algorithm family to try (repeat for several).",
)
@click.option(
    "--out", type=PATH, help="CSV of customer_unique_id,segment (chosen model)."
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
    # the fitting stack (scikit-learn, scipy) only for this command: every
    # other command starts without it
    from olist_segmentation import segmentation  # noqa: PLC0415

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


@click.command("generate")
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
    type=PATH,
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
