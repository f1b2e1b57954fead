"""``olist-seg results``: the answer to "did the campaign work?".

:func:`measure` reads the list and its control group
(:func:`~olist_segmentation.campaign.read_list`), the later data
(:mod:`~olist_segmentation.campaign_data`), checks it
continues the list's data and covers the horizon, and compares the groups
(:mod:`~olist_segmentation.campaign_stats`). :func:`write_results` writes
``results.json`` and ``results.md`` into the list's folder; every check
runs before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from olist_segmentation import campaign, campaign_data
from olist_segmentation.campaign_stats import Group, Interval, compare, verdict


@dataclass
class CampaignResult:
    """The measured groups, their differences, and where the data came from."""

    folder: Path
    as_of_date: str
    horizon_days: int
    window_end: str
    later_data: dict[str, str]
    latest_order_date: str
    groups: dict[str, Group]
    differences: dict[str, Interval]

    def as_dict(self) -> dict[str, Any]:
        """Return everything results.json holds."""
        return {
            "list": str(self.folder),
            "as_of_date": self.as_of_date,
            "horizon_days": self.horizon_days,
            "window": {"from": self.as_of_date, "before": self.window_end},
            "later_data": {
                **self.later_data,
                "latest_order_date": self.latest_order_date,
            },
            "buyer_definition": (
                "at least one qualifying order (status not excluded) placed on "
                "or after the as-of date and before the end of the window; "
                "revenue = its payments"
            ),
            "groups": {name: g.as_dict() for name, g in self.groups.items()},
            "difference_contacted_minus_control": {
                name: {
                    **interval.as_dict(),
                    "verdict": verdict(interval, _unit(name)),
                }
                for name, interval in self.differences.items()
            },
        }


def _unit(name: str) -> str:
    return "points" if name == "conversion" else "BRL"


def _group(name: str, rows: pd.DataFrame) -> Group:
    revenue = rows["revenue"].astype(float)
    return Group(
        name,
        len(rows),
        int(rows["bought"].sum()),
        float(revenue.sum()),
        float(revenue.std(ddof=1)) if len(rows) > 1 else 0.0,
    )


def measure(
    folder: Path,
    data_dir: Path | None = None,
    warehouse: Path | None = None,
    horizon_days: int = campaign.DEFAULT_HORIZON_DAYS,
) -> CampaignResult:
    """Compare the contacted customers of a list with its control group.

    Args:
        folder: The export folder (customers.csv, control.csv, export.json).
        data_dir: A later folder of the Kaggle CSVs (or ``warehouse``).
        warehouse: A later DuckDB file built by ``olist-seg build``.
        horizon_days: Days after the as-of date in which a purchase counts.

    Raises:
        CampaignError: The list has no control group or no readable
            manifest; the later data is not a continuation of the list's
            data, or it ends before the horizon has elapsed.
    """
    listed = campaign.read_list(folder)
    later = campaign_data.read_later_orders(data_dir, warehouse)
    try:
        campaign_data.check_continuation(listed, later)
        latest = campaign_data.check_horizon(listed, later, horizon_days)
        rows = campaign_data.outcomes(listed, later, horizon_days)
    finally:
        later.con.close()
    groups = {
        name: _group(name, rows[rows["group"] == name])
        for name in ("contacted", "control")
    }
    return CampaignResult(
        folder,
        listed.as_of_date,
        horizon_days,
        campaign_data.window_end(listed.as_of_date, horizon_days),
        later.description,
        latest,
        groups,
        compare(groups["contacted"], groups["control"]),
    )


def _points(value: float) -> str:
    return f"{100 * value:+.2f} pts"


def _money(value: float) -> str:
    return f"R$ {value:+,.2f}"


def table(result: CampaignResult) -> str:
    """Return the readable table the command prints."""
    contacted, control = result.groups["contacted"], result.groups["control"]
    conversion = result.differences["conversion"]
    revenue = result.differences["revenue_per_customer"]
    rows = [
        ("", "contacted", "control", "difference (95% interval)"),
        ("customers", f"{contacted.customers:,}", f"{control.customers:,}", ""),
        ("buyers", f"{contacted.buyers:,}", f"{control.buyers:,}", ""),
        (
            "conversion",
            f"{contacted.conversion:.2%}",
            f"{control.conversion:.2%}",
            f"{_points(conversion.estimate)} "
            f"({_points(conversion.low)} to {_points(conversion.high)})",
        ),
        (
            "revenue per customer",
            f"R$ {contacted.revenue_per_customer:,.2f}",
            f"R$ {control.revenue_per_customer:,.2f}",
            f"{_money(revenue.estimate)} "
            f"({_money(revenue.low)} to {_money(revenue.high)})",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"Campaign results for {result.folder}: purchases from {result.as_of_date} "
        f"to {result.window_end} (exclusive, {result.horizon_days} days), "
        f"later data {next(iter(result.later_data.values()))}",
        "",
    ]
    lines += [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    lines += [
        "",
        f"Conversion: {verdict(conversion, 'points')}.",
        f"Revenue per customer: {verdict(revenue, 'BRL')}.",
        f"Methods: conversion, {conversion.method}; revenue, {revenue.method}.",
    ]
    return "\n".join(lines)


def markdown(result: CampaignResult) -> str:
    """Return results.md: the answer in a marketer's words."""
    contacted, control = result.groups["contacted"], result.groups["control"]
    conversion = result.differences["conversion"]
    revenue = result.differences["revenue_per_customer"]

    def answer(interval: Interval, unit: str, shown: str, low: str, high: str) -> str:
        if interval.covers_zero:
            return (
                f"{shown}, somewhere between {low} and {high}. **Not significant: "
                "the interval covers 0**, so this data cannot tell the campaign "
                "from no campaign."
            )
        return (
            f"{shown}, somewhere between {low} and {high} (95% interval). "
            f"**{verdict(interval, unit).capitalize()}.**"
        )

    return "\n".join(
        [
            f"# Did the campaign work? ({result.folder.name})",
            "",
            f"Purchases counted: from {result.as_of_date} (the list's as-of date) "
            f"for {result.horizon_days} days, up to {result.window_end} "
            "(not included).",
            "",
            "| | contacted | control (not contacted) |",
            "|---|---:|---:|",
            f"| customers | {contacted.customers:,} | {control.customers:,} |",
            f"| bought at least once | {contacted.buyers:,} | {control.buyers:,} |",
            f"| conversion | {contacted.conversion:.2%} | {control.conversion:.2%} |",
            f"| revenue per customer | R$ {contacted.revenue_per_customer:,.2f} "
            f"| R$ {control.revenue_per_customer:,.2f} |",
            "",
            "- Conversion, contacted minus control: "
            + answer(
                conversion,
                "points",
                _points(conversion.estimate),
                _points(conversion.low),
                _points(conversion.high),
            ),
            "- Revenue per customer, contacted minus control: "
            + answer(
                revenue,
                "BRL",
                _money(revenue.estimate),
                _money(revenue.low),
                _money(revenue.high),
            ),
            "",
            "The control group was drawn at random and never contacted, so it "
            "shows what the contacted customers would have done without the "
            "campaign. The interval is the range the true difference lies in "
            "with 95% confidence. Methods: conversion, "
            f"{conversion.method}; revenue, {revenue.method}.",
            "",
        ]
    )


def write_results(result: CampaignResult) -> list[Path]:
    """Write results.json and results.md into the list's folder; return them."""
    files = [
        result.folder / campaign.RESULTS_JSON,
        result.folder / campaign.RESULTS_MD,
    ]
    try:
        files[0].write_text(
            json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8"
        )
        files[1].write_text(markdown(result), encoding="utf-8")
    except OSError as error:
        raise campaign.CampaignError(
            f"Cannot write the results into {result.folder}: {error}"
        ) from error
    return files
