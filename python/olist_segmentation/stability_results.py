"""The measured refresh interval, written where every page links to it.

``olist-seg stability --results docs/stability_results.md`` (``make
stability`` on the real data) writes this page and a JSON twin
(``docs/stability_results.json``) from the warehouse the simulation just
built. The number a contract quotes, ``recommended_interval_weeks``, lives
there and in the var ``segment_refresh_interval_weeks``, which a test keeps
equal to it; every other page links here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from olist_segmentation.warehouse import connect, read_table

#: Horizons (weeks) of the "customers who did nothing" table.
IDLE_HORIZONS = (4, 13, 26)


def _table(frame: pd.DataFrame) -> list[str]:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return [header, rule, *rows]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _weeks(weeks: int, censored: bool) -> str:
    return f">= {weeks}" if censored else f"{weeks}"


def read_results(warehouse: Path | None) -> dict[str, pd.DataFrame]:
    """Read the simulation's tables from a warehouse."""
    path, con = connect(warehouse)
    hint = "Run `make stability` (olist-seg stability) first."
    try:
        tables = {
            "recommendation": read_table(
                con,
                "select * from main.stability_recommendation "
                "order by population, ari_threshold",
                path,
                hint,
            ),
            "intervals": read_table(
                con,
                "select * from main.stability_intervals "
                "where population = 'all_customers' order by start_date, ari_threshold",
                path,
                hint,
            ),
            "idle": read_table(
                con,
                "select start_date, horizon_weeks, customers, ari_since_start, "
                "idle_customers, idle_customers_moved from main.stability_ari "
                "where population = 'known_at_start' "
                "order by start_date, horizon_weeks",
                path,
                hint,
            ),
            "model": read_table(
                con,
                "select any_value(algorithm) as algorithm, any_value(n_segments) as "
                "n_segments, any_value(model_version) as model_version, "
                "max(as_of_date) as last_as_of_date from main.stability_ari",
                path,
                hint,
            ),
        }
    finally:
        con.close()
    return tables


def render_results(
    tables: dict[str, pd.DataFrame], elapsed_seconds: float | None, today: dt.date
) -> tuple[str, dict[str, object]]:
    """Return the results page (Markdown) and its JSON twin."""
    recommendation = tables["recommendation"]
    main = recommendation[
        recommendation["is_default_threshold"]
        & (recommendation["population"] == "all_customers")
    ].iloc[0]
    known = recommendation[
        recommendation["is_default_threshold"]
        & (recommendation["population"] == "known_at_start")
    ].iloc[0]
    model = tables["model"].iloc[0]
    weeks = int(main["recommended_interval_weeks"])
    lower = bool(main["is_lower_bound"])
    threshold = float(main["ari_threshold"])
    intervals = tables["intervals"]
    per_start = []
    for start, rows in intervals.groupby("start_date", sort=True):
        entry: dict[str, object] = {"start date": pd.Timestamp(str(start)).date()}
        for row in _records(rows):
            entry[f"ARI {row['ari_threshold']:g}"] = (
                f"{_weeks(int(row['interval_weeks']), bool(row['is_censored']))}"
                f" (robust {int(row['robust_interval_weeks'])})"
            )
        last = rows.iloc[0]
        entry["weeks measured"] = int(last["longest_horizon_weeks"])
        entry["lowest ARI"] = f"{rows['lowest_ari'].min():.3f}"
        entry["inconclusive weeks"] = int(rows["inconclusive_horizons"].max())
        per_start.append(entry)
    idle = tables["idle"]
    idle = idle[idle["horizon_weeks"].isin(IDLE_HORIZONS)]
    idle_rows = [
        {
            "start date": pd.Timestamp(str(row["start_date"])).date(),
            "weeks later": int(row["horizon_weeks"]),
            "known customers": f"{int(row['customers']):,}",
            "ARI vs start": f"{row['ari_since_start']:.3f}",
            "did nothing": f"{int(row['idle_customers']):,}",
            "of them moved": int(row["idle_customers_moved"]),
            "share moved": (
                f"{row['idle_customers_moved'] / max(row['idle_customers'], 1):.3%}"
            ),
        }
        for row in _records(idle)
    ]
    worst_idle = (
        float(
            (idle["idle_customers_moved"] / idle["idle_customers"].clip(lower=1)).max()
        )
        if len(idle)
        else 0.0
    )
    lowest_since = float(idle["ari_since_start"].min()) if len(idle) else 1.0
    worst_start = pd.Timestamp(main["limiting_start_date"]).date()
    known_weeks = _weeks(
        int(known["recommended_interval_weeks"]), bool(known["is_lower_bound"])
    )
    quote = f"**{'at least ' if lower else ''}{weeks} weeks**" + (
        " (a lower bound: the data end before the segments moved)" if lower else ""
    )
    lines = [
        "# Refresh interval: the measured results",
        "",
        "<!-- Written by `olist-seg stability --results` (make stability); do "
        "not edit by hand. -->",
        "",
        f"Measured {today.isoformat()} on the warehouse's data (last as-of date "
        f"{pd.Timestamp(model['last_as_of_date']).date()}), model version "
        f"{int(model['model_version'])}: {model['algorithm']} with "
        f"{int(model['n_segments'])} segments, served as rules. Protocol and "
        "reasons: [stability.md](stability.md).",
        "",
        "## The number to quote",
        "",
        f"Refit the segmentation every {quote}: from every one of "
        f"{int(main['start_dates'])} start dates, the published segments of a "
        f"model frozen at the start agree with those a refit would publish "
        f"(same customers, same date) at ARI >= {threshold:g} for at least "
        f"that long. Worst start date {worst_start}; "
        f"mean over start dates {float(main['mean_interval_weeks']):.1f} weeks, "
        f"longest {int(main['longest_interval_weeks'])}, spread "
        f"{int(main['spread_weeks'])} weeks; {int(main['censored_start_dates'])} "
        "start dates held until the data ended. For customers known at the "
        f"start: {known_weeks} weeks.",
        "",
        "## Per start date",
        "",
        "Weeks the frozen segments keep ARI >= the threshold against a refit "
        "(`stability_intervals`, all customers; `>=` = held until the data "
        "ended; *robust* skips inconclusive weeks, where refits with "
        "different seeds disagree with each other):",
        "",
        *_table(pd.DataFrame(per_start)),
        "",
        "## Customers who did nothing keep their segment",
        "",
        "The model frozen at each start date, applied again 4, 13 and 26 weeks "
        "later to the customers known at the start (`stability_ari`, "
        "known_at_start rows). *Did nothing*: the same number of orders and of "
        f"reviewed orders as at the start. Largest share moved: {worst_idle:.3%}; "
        f"lowest ARI against the start: {lowest_since:.3f}.",
        "",
        *_table(pd.DataFrame(idle_rows)),
        "",
    ]
    if elapsed_seconds is not None:
        lines += [
            "## Run time",
            "",
            f"The simulation's build took {elapsed_seconds:.0f} s (one run, 2 cores).",
            "",
        ]
    payload: dict[str, object] = {
        "measured_on": today.isoformat(),
        "ari_threshold": threshold,
        "recommended_interval_weeks": weeks,
        "is_lower_bound": lower,
        "start_dates": int(main["start_dates"]),
        "limiting_start_date": str(pd.Timestamp(main["limiting_start_date"]).date()),
        "largest_idle_share_moved": worst_idle,
        "lowest_ari_since_start": lowest_since,
        "model": f"{model['algorithm']} k={int(model['n_segments'])}",
        "elapsed_seconds": elapsed_seconds,
    }
    return "\n".join(lines), payload


def write_results(
    warehouse: Path | None, path: Path, elapsed_seconds: float | None = None
) -> Path:
    """Write the results page and ``<page>.json``; return the page's path."""
    text, payload = render_results(
        read_results(warehouse), elapsed_seconds, dt.date.today()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.with_suffix(".json").write_text(json.dumps(payload, indent=2) + "\n")
    return path
