"""Commands that write what people read: report, export, segment, generate."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import click

from olist_segmentation import build, campaign, export, generate, report
from olist_segmentation.cli.common import (
    LOG,
    PATH,
    READ_TARGET,
    WAREHOUSE,
    served_tables,
)
from olist_segmentation.model_tables import ALGORITHMS
from olist_segmentation.warehouse import read_segment_inputs


@click.command("report")
@WAREHOUSE
@READ_TARGET
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
def report_command(
    warehouse: Path | None, target: str, out: Path, screenshot: Path | None
) -> int:
    """Write the marketing report (one self-contained HTML file)."""
    with served_tables(target, warehouse) as (served, _):
        written = report.build_report(served, out)
    click.echo(f"Report written to {written}")
    if screenshot:
        click.echo(f"Screenshot written to {report.screenshot(written, screenshot)}")
    return 0


@click.command("export")
@WAREHOUSE
@READ_TARGET
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
    "--action",
    "actions",
    multiple=True,
    metavar="CODE",
    help="Next best action, e.g. second_purchase_nudge, win_back, loyalty, "
    "boleto_reminder (repeat for several); one campaign per action.",
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
@click.option(
    "--control-share",
    type=click.FloatRange(0, 1, max_open=True),
    default=campaign.DEFAULT_CONTROL_SHARE,
    show_default=True,
    help="Share of the list held out at random as a control group (control.csv: "
    "do not contact them); `olist-seg results` compares it with the contacted "
    "customers. 0: no control group.",
)
@click.option(
    "--control-seed",
    type=int,
    default=campaign.DEFAULT_CONTROL_SEED,
    show_default=True,
    help="Seed of the control group's draw (same list and seed, same groups).",
)
def export_command(
    warehouse: Path | None,
    target: str,
    segments: tuple[str, ...],
    rfm_segments: tuple[str, ...],
    states: tuple[str, ...],
    value_tiers: tuple[str, ...],
    actions: tuple[str, ...],
    out: Path | None,
    allow_empty: bool,
    control_share: float,
    control_seed: int,
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
        "actions": list(actions),
    }
    folder = out or export.default_folder(
        Path("reports") / report.EXPORTS_FOLDER, filters
    )
    with served_tables(target, warehouse) as (served, label):
        result = export.export_customers(
            folder,
            served,
            read_from=label,
            allow_empty=allow_empty,
            control_share=control_share,
            control_seed=control_seed,
            **filters,
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
    click.echo(campaign_line(result))
    return 0


def campaign_line(result: export.ExportResult) -> str:
    """Say how many customers were held out, and what to do with them."""
    if result.control_share <= 0:
        return (
            "No control group (--control-share 0): every listed customer is to be "
            "contacted, and `olist-seg results` cannot measure this campaign."
        )
    return (
        f"Held out {result.control_rows:,} customers as a control group "
        f"({100 * result.control_share:g}% drawn at random) in "
        f"{campaign.CONTROL_FILE}: do not contact them. Later, measure the "
        f"campaign with `olist-seg results {result.folder} --data-dir LATER_DATA`."
    )


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
@click.option(
    "--plant-effect",
    "plant_list",
    type=PATH,
    metavar="EXPORT_FOLDER",
    help="Instead of a new sample: copy --from DATA_DIR to --out, giving each "
    "contacted customer of this exported list (never the control group) an "
    "extra order with probability --uplift in the --horizon-days after its "
    "as-of date (to test `olist-seg results`).",
)
@click.option(
    "--from",
    "from_dir",
    type=PATH,
    metavar="DATA_DIR",
    help="With --plant-effect: the data folder to copy.",
)
@click.option(
    "--uplift",
    type=float,
    metavar="SHARE",
    help="With --plant-effect: e.g. 0.10 for +10 percentage points of conversion.",
)
@click.option(
    "--horizon-days",
    type=click.IntRange(min=1),
    default=campaign.DEFAULT_HORIZON_DAYS,
    show_default=True,
    help="With --plant-effect: the window of the extra orders.",
)
@click.pass_context
def generate_command(
    ctx: click.Context,
    orders: int,
    seed: int,
    out: Path,
    start: str,
    end: str,
    plant_list: Path | None,
    from_dir: Path | None,
    uplift: float | None,
    horizon_days: int,
) -> int:
    """Write a deterministic synthetic sample of the nine Olist CSVs.

    With --plant-effect, write a copy of a data folder with a known campaign
    effect planted for an exported list instead.
    """
    if plant_list is not None:
        return _plant(ctx, plant_list, from_dir, uplift, seed, out, horizon_days)
    try:
        generate.validate_arguments(orders, seed, start, end)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    generate.generate(out, orders, seed, start, end)
    return 0


def _plant(
    ctx: click.Context,
    plant_list: Path,
    from_dir: Path | None,
    uplift: float | None,
    seed: int,
    out: Path,
    horizon_days: int,
) -> int:
    """Run ``generate --plant-effect``: check the options, plant, say what."""
    from olist_segmentation.generator.campaign_effect import (  # noqa: PLC0415
        plant_campaign_effect,
    )

    if from_dir is None or uplift is None:
        raise click.UsageError("--plant-effect needs --from DATA_DIR and --uplift.")
    if ctx.get_parameter_source("out") is click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--plant-effect needs --out: a new folder to write.")
    effect = plant_campaign_effect(
        from_dir, plant_list, out, uplift, seed, horizon_days
    )
    click.echo(
        f"Planted {effect.planted_orders:,} extra orders for the "
        f"{effect.contacted:,} contacted customers of {plant_list} "
        f"(uplift {uplift:g}; {effect.new_buyers:,} new buyers = "
        f"{100 * effect.conversion_points:.2f} points of conversion, "
        f"R$ {effect.revenue_per_contacted:,.2f} per contacted customer) in {out}"
    )
    return 0
