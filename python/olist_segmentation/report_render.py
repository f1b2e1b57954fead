"""Render the report: a Jinja2 page (autoescaped) around the report's sections.

The page skeleton, the trust line and banner, "whom to contact first", the
exports and the prediction backtest are Jinja2 templates in ``templates/``
(with the CSS and the scripts, so nothing is loaded from elsewhere); the
older sections are HTML built in Python with every warehouse value escaped,
passed to the templates as :class:`markupsafe.Markup`. The same data always
gives the same text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from olist_segmentation.export import find_exports
from olist_segmentation.report_appendix import _lift_section, _selection
from olist_segmentation.report_charts import _sizes
from olist_segmentation.report_data import ReportData, load_report_data, records
from olist_segmentation.report_format import (
    ALGORITHMS,
    _brl,
    _brl_compact,
    _int,
    _lift,
    _num,
    _pct,
    _yes_no,
)
from olist_segmentation.report_predictions import VALUE_TIERS, PredictionData
from olist_segmentation.report_refresh import _refresh_section
from olist_segmentation.report_sections import (
    EXPORTS_FOLDER,
    _cards,
    _moves,
    _profiles,
    _rfm,
)
from olist_segmentation.report_trust import Trust, assess


def environment() -> Environment:
    """Return the report's Jinja2 environment (autoescape, formatting filters).

    Filters: ``fmt_int``, ``fmt_num``, ``fmt_pct``, ``fmt_brl``,
    ``fmt_brl_compact``, ``fmt_lift`` (text, ``–`` when missing) and
    ``yes_no`` (a pill, HTML).
    """
    env = Environment(
        loader=PackageLoader("olist_segmentation", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(
        fmt_int=_int,
        fmt_num=_num,
        fmt_pct=_pct,
        fmt_brl=_brl,
        fmt_brl_compact=_brl_compact,
        fmt_lift=_lift,
        yes_no=lambda value: Markup(_yes_no(value)),
    )
    return env


def _kpis(data: ReportData, algorithm: str) -> list[tuple[str, str]]:
    chosen = data.chosen
    revenue = float(pd.to_numeric(data.profiles["revenue"]).fillna(0).sum())
    return [
        (_int(data.customers), "customers segmented"),
        (str(len(data.profiles)), "segments"),
        (_brl_compact(revenue), "revenue of these customers"),
        (algorithm, "chosen algorithm"),
        (
            _num(chosen.get("rule_strength"), 2),
            "prediction strength of the rules (1 = found again from another sample)",
        ),
        (
            _num(chosen.get("stability_ari"), 2),
            "stability (1 = same segments on resamples)",
        ),
    ]


def _segment_tiers(data: ReportData, p: PredictionData) -> list[dict]:
    """One row per segment (profile order), one cell per value tier."""
    cells = {
        (int(r["segment_id"]), str(r["value_tier"])): r for r in records(p.by_segment)
    }
    rows = []
    for r in records(data.profiles):
        row = []
        for tier in VALUE_TIERS:
            cell = cells.get((int(r["segment_id"]), tier), {})
            row.append(
                {
                    "tier": tier,
                    "customers": int(cell.get("customers") or 0),
                    "expected_revenue": cell.get("expected_revenue") or 0.0,
                }
            )
        rows.append({"segment_name": r["segment_name"], "cells": row})
    return rows


def _tiers(p: PredictionData) -> list[dict]:
    rows = records(p.tiers)
    total = sum(float(r["expected_revenue"] or 0) for r in rows) or None
    for r in rows:
        r["revenue_share"] = (
            None if total is None else float(r["expected_revenue"] or 0) / total
        )
    return rows


def _calibration(p: PredictionData) -> list[dict]:
    """Decile tables of the production method, one per cut date."""
    if p.deciles is None or p.deciles.empty:
        return []
    deciles = p.deciles
    if p.backtest is not None and not p.backtest.empty:
        production = set(
            p.backtest.loc[
                p.backtest["is_production_method"].fillna(False).astype(bool),
                "method",
            ]
        )
        if production:
            deciles = deciles[deciles["method"].isin(production)]
    blocks = []
    for (cut, method), group in deciles.groupby(["cut_date", "method"], sort=True):
        blocks.append(
            {"cut_date": str(cut), "method": str(method), "rows": records(group)}
        )
    return blocks


def _exports(data: ReportData) -> list[dict]:
    out = []
    for e in data.exports:
        filters = "; ".join(
            f"{k.lstrip('-')}: {', '.join(v)}" for k, v in e.get("filters", {}).items()
        )
        out.append(
            {
                "filters_text": filters,
                "customers": e.get("customers", 0),
                "control": (e.get("groups") or {}).get("control", 0),
                "control_file": e.get("control_file"),
                "folder": e["folder"],
                "files": list(e.get("files", [])),
            }
        )
    return out


def render_html(data: ReportData, trust: Trust | None = None) -> str:
    """Return the report as one self-contained HTML document.

    Args:
        data: What :func:`~olist_segmentation.report_data.load_report_data`
            read.
        trust: The page's trust line and banner; default ``assess(data)``.

    Returns:
        The HTML text; the same data always gives the same text.
    """
    trust = assess(data) if trust is None else trust
    chosen = data.chosen
    algorithm = ALGORITHMS.get(chosen["algorithm"], chosen["algorithm"])
    p = data.predictions
    current = p.present and trust.predictions_current
    sections = {
        "sizes": _sizes(data),
        "profiles": _profiles(data),
        "cards": _cards(data),
        "rfm": _rfm(data),
        "moves": _moves(data),
        "selection": _selection(data),
        "lift": _lift_section(data),
        "refresh": _refresh_section(data),
    }
    template = environment().get_template("page.html.j2")
    return template.render(
        title=f"Customer segments, as of {data.as_of_date}",
        trust=trust,
        algorithm=algorithm,
        n_segments=int(chosen["n_segments"]),
        customers=data.customers,
        kpis=_kpis(data, algorithm),
        sections={k: Markup(v) for k, v in sections.items()},
        p=p,
        tiers=_tiers(p) if current else [],
        segment_tiers=_segment_tiers(data, p) if current else [],
        top=records(p.top) if current else [],
        actions=records(p.actions) if current else [],
        value_tiers=VALUE_TIERS,
        backtest=None if p.backtest is None else records(p.backtest),
        calibration=_calibration(p),
        exports=_exports(data),
        exports_folder=EXPORTS_FOLDER,
    )


def build_report(warehouse: Path | None, out: Path) -> Path:
    """Write the marketing report of a built warehouse to ``out``.

    Args:
        warehouse: The DuckDB file (opened read-only); None = default
            (``$OLIST_DUCKDB_PATH`` or ``warehouse/olist.duckdb``).
        out: The HTML file to write; its folder is created.

    Returns:
        ``out``.

    Raises:
        ReportError: The warehouse is missing or lacks a table the report
            needs (the message names it and says to run ``make run``).
    """
    out = Path(out)
    data = load_report_data(warehouse)
    data.exports = [
        e
        for e in find_exports(out.parent / EXPORTS_FOLDER)
        if e.get("as_of_date") == data.as_of_date[:10]
    ]
    text = render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
