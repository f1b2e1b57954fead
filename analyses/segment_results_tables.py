"""Print the tables of docs/segment_results.md from a built warehouse.

Usage (after ``make run`` and ``make drift`` on the real data)::

    .venv/bin/python analyses/segment_results_tables.py warehouse/olist_real.duckdb

Reads the served file read-only and writes Markdown to stdout: model
selection, segments, definitions, lift, the purchase-score backtest against
its targets, calibration and the value tiers. Nothing is computed here that
the warehouse does not hold, so the document cannot drift from the build.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, SupportsFloat, SupportsIndex, cast

import duckdb
import pandas as pd

Formatter = Callable[[object], str]


def _number(value: object) -> float | None:
    """Return a cell as a float, or None when it is missing (None, NaN, NaT)."""
    # pandas-stubs type isna() per kind of argument; it takes any object
    if pd.isna(cast(Any, value)):
        return None
    if isinstance(value, str | SupportsFloat | SupportsIndex):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def _pct(value: object) -> str:
    number = _number(value)
    return "" if number is None else f"{number:.1%}"


def _num(digits: int) -> Formatter:
    def fmt(value: object) -> str:
        number = _number(value)
        return "" if number is None else f"{number:,.{digits}f}"

    return fmt


def _yes(value: object) -> str:
    return "yes" if bool(value) else "no"


def markdown(frame: pd.DataFrame, formats: dict[str, Formatter]) -> str:
    """Return ``frame`` as a Markdown table, columns formatted by ``formats``."""
    lines = [
        "| " + " | ".join(frame.columns) + " |",
        "|" + "---|" * len(frame.columns),
    ]
    for row in frame.itertuples(index=False):
        cells = [
            formats.get(col, str)(val)
            for col, val in zip(frame.columns, row, strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


QUERIES: list[tuple[str, str, dict[str, Formatter]]] = [
    (
        "Model selection (latest version)",
        """
        select selection_rank, algorithm, n_segments, prediction_strength,
            rule_strength, rule_agreement, stability_ari, min_segment_share,
            silhouette, davies_bouldin, calinski_harabasz, is_eligible, is_chosen
        from main.segment_model_selection
        where model_version = (select max(model_version)
                               from main.segment_model_selection)
        order by selection_rank
        """,
        {
            "prediction_strength": _num(3),
            "rule_strength": _num(3),
            "rule_agreement": _pct,
            "silhouette": _num(3),
            "davies_bouldin": _num(3),
            "calinski_harabasz": _num(0),
            "stability_ari": _num(3),
            "min_segment_share": _pct,
            "is_eligible": _yes,
            "is_chosen": _yes,
        },
    ),
    (
        "Segments (segment_profiles)",
        """
        select rule_order, segment_name, definition, customers, customer_share,
            revenue_share, mean_recency_days, mean_frequency, mean_monetary,
            mean_avg_installments, mean_credit_card_share, mean_avg_review_score,
            mean_avg_delivery_days, mean_distance_to_sao_paulo_km
        from main.segment_profiles order by rule_order
        """,
        {
            "customers": _num(0),
            "customer_share": _pct,
            "revenue_share": _pct,
            "mean_recency_days": _num(0),
            "mean_frequency": _num(2),
            "mean_monetary": _num(0),
            "mean_avg_installments": _num(1),
            "mean_credit_card_share": _pct,
            "mean_avg_review_score": _num(2),
            "mean_avg_delivery_days": _num(1),
            "mean_distance_to_sao_paulo_km": _num(0),
        },
    ),
    (
        "Rules against the clusters they describe (segment_model_rules)",
        """
        select r.rule_order, d.model_segment_name as segment_name,
            coalesce(r.feature || ' ' || r.operator || ' '
                || cast(r.threshold as varchar), 'everyone else') as rule,
            r.precision, r.recall
        from main.segment_model_rules as r
        inner join main.segment_definitions as d
            on r.model_version = d.model_version and r.segment_id = d.segment_id
        where r.model_version = (select max(model_version)
                                 from main.segment_model_rules)
        order by r.rule_order
        """,
        {"precision": _pct, "recall": _pct},
    ),
    (
        "Descriptions and actions (segment_profiles)",
        """
        select rule_order, segment_name, description, recommended_action
        from main.segment_profiles order by rule_order
        """,
        {},
    ),
    (
        "Lift (segment_lift)",
        """
        select segmentation, segment_name, matches_production, customers,
            customer_share, buyers, purchase_rate, revenue_per_customer,
            purchase_rate_lift, revenue_lift
        from main.segment_lift
        order by segmentation, purchase_rate_lift desc, segment_name
        """,
        {
            "matches_production": _yes,
            "customers": _num(0),
            "customer_share": _pct,
            "buyers": _num(0),
            "purchase_rate": lambda v: f"{float(v):.2%}",  # type: ignore[arg-type]
            "revenue_per_customer": _num(2),
            "purchase_rate_lift": _num(2),
            "revenue_lift": _num(2),
        },
    ),
    (
        "Purchase-score backtest (prediction_backtest)",
        """
        select cut_date::date::varchar as cut_date, method, is_production_method,
            customers, buyers, base_rate, top_decile_lift,
            top_decile_revenue_share, high_tier_rate_ratio, auc, meets_targets
        from main.prediction_backtest
        order by cut_date, top_decile_lift desc
        """,
        {
            "is_production_method": _yes,
            "customers": _num(0),
            "buyers": _num(0),
            "base_rate": lambda v: f"{float(v):.2%}",  # type: ignore[arg-type]
            "top_decile_lift": _num(2),
            "top_decile_revenue_share": _pct,
            "high_tier_rate_ratio": _num(2),
            "auc": _num(3),
            "meets_targets": _yes,
        },
    ),
    (
        "Calibration of the production method (prediction_backtest_deciles)",
        """
        select d.cut_date::date::varchar as cut_date, d.decile, d.customers,
            d.predicted_buyers, d.observed_buyers, d.observed_revenue
        from main.prediction_backtest_deciles as d
        inner join main.prediction_backtest as b
            on d.cut_date = b.cut_date and d.method = b.method
        where b.is_production_method
        order by d.cut_date, d.decile
        """,
        {
            "customers": _num(0),
            "predicted_buyers": _num(1),
            "observed_buyers": _num(0),
            "observed_revenue": _num(0),
        },
    ),
    (
        "Value tiers (customer_predictions)",
        """
        select value_tier, count(*) as customers,
            avg(purchase_probability) as mean_purchase_probability,
            count(*) filter (where purchase_probability < 0.005)
                as under_half_a_percent,
            sum(purchase_probability) as expected_buyers,
            sum(expected_purchases) as expected_purchases,
            sum(expected_revenue) as expected_revenue,
            max(expected_order_value) as max_expected_order_value
        from main.customer_predictions
        group by value_tier order by min(value_rank)
        """,
        {
            "customers": _num(0),
            "mean_purchase_probability": _pct,
            "under_half_a_percent": _num(0),
            "expected_buyers": _num(0),
            "expected_purchases": _num(0),
            "expected_revenue": _num(0),
            "max_expected_order_value": _num(0),
        },
    ),
    (
        "Next best action (customer_next_best_action)",
        """
        select action_label as next_step, next_best_action as code,
            is_sales_message, count(*) as customers,
            sum(purchase_probability) as expected_buyers,
            sum(expected_revenue) as expected_revenue,
            count(*) filter (where value_tier = 'high') as high_tier
        from main.customer_next_best_action
        group by all order by customers desc
        """,
        {
            "is_sales_message": _yes,
            "customers": _num(0),
            "expected_buyers": _num(0),
            "expected_revenue": _num(0),
            "high_tier": _num(0),
        },
    ),
    (
        "Next best action per segment (customer_next_best_action)",
        """
        select segment_name, action_label as next_step, count(*) as customers
        from main.customer_next_best_action
        group by all order by segment_name, customers desc
        """,
        {"customers": _num(0)},
    ),
]


def main(argv: list[str] | None = None) -> int:
    """Print every table; return 0, or 1 when a table is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="a built DuckDB file")
    args = parser.parse_args(argv)
    con = duckdb.connect(str(args.warehouse), read_only=True)
    try:
        for title, sql, formats in QUERIES:
            try:
                frame = con.execute(sql).df()
            except duckdb.CatalogException as error:
                print(f"{args.warehouse}: {title}: {error}", file=sys.stderr)
                return 1
            print(f"### {title}\n\n{markdown(frame, formats)}\n")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
